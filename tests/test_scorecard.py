"""The month's scorecard workbook (cchc.scorecard.write_scorecard)."""

import copy
import datetime as dt
import json
from pathlib import Path

import openpyxl
import pytest

from cchc.params import PARAMETER_NAMES
from cchc.scorecard import INDICATOR_COLS, OVERDUE_COLS, RULE_COLS, RULE_SHEETS, write_scorecard
from cchc.tables import column_label, labels, table_html

FIXTURES = Path(__file__).parent / "fixtures"
SMALL = json.loads((FIXTURES / "outcomes_small.json").read_text(encoding="utf-8"))

INDICATOR_HEADERS = [
    "Mã đơn vị", "Đơn vị", "Loại", "Tiếp nhận", "Số hoá đầy đủ khi tiếp nhận", "Tỷ lệ số hoá khi tiếp nhận (%)",
    "Giải quyết", "Số hoá kết quả", "Tỷ lệ số hoá kết quả (%)", "Tổng giao dịch thanh toán", "Thanh toán trực tuyến",
    "Tỷ lệ thanh toán trực tuyến (%)", "Tỷ lệ thanh toán trực tuyến trong kỳ (%)", "Số tháng liên tiếp dưới trung bình",
    "Hồ sơ quá hạn", "Hồ sơ quá hạn được miễn trừ",
]


def write(tmp_path, outcomes):
    path = tmp_path / "out" / "scorecard.xlsx"
    write_scorecard(outcomes, path)
    return openpyxl.load_workbook(path)


@pytest.fixture
def wb(tmp_path):
    return write(tmp_path, SMALL)


def rows(ws):
    head = [c.value for c in ws[1]]
    return [dict(zip(head, r)) for r in ws.iter_rows(min_row=2, values_only=True) if any(v is not None for v in r)]


def test_sheets(wb):
    assert wb.sheetnames == ["Chỉ số", *RULE_SHEETS.values(), "Hồ sơ quá hạn", "Tham số"]
    assert all(len(n) <= 31 and not set(n) & set("[]:*?/\\") for n in wb.sheetnames)
    assert len(set(wb.sheetnames)) == len(wb.sheetnames)


def test_indicator_sheet_headers_and_values(wb):
    ws = wb["Chỉ số"]
    assert [c.value for c in ws[1]] == INDICATOR_HEADERS
    assert [c.key for c in INDICATOR_COLS][:3] == ["code", "name", "kind"]
    data = rows(ws)
    assert [r["Mã đơn vị"] for r in data] == [u["code"] for u in SMALL["units"]]
    xa_b = next(r for r in data if r["Mã đơn vị"] == "XA_B")
    assert xa_b["Tỷ lệ số hoá khi tiếp nhận (%)"] == pytest.approx(99.33)
    assert xa_b["Tiếp nhận"] == 150 and xa_b["Loại"] == "Xã"
    phong = next(r for r in data if r["Mã đơn vị"] == "PHONG_A")
    assert phong["Tỷ lệ thanh toán trực tuyến (%)"] is None  # undefined rate: a blank cell
    assert phong["Loại"] == "Cơ quan chuyên môn"
    # rates are numbers shown with two decimals
    cell = ws["F5"]
    assert isinstance(cell.value, float) and cell.number_format == "0.00"
    assert ws["D2"].number_format == "0"


def test_words_are_those_of_labels_yml(wb):
    """The scorecard and the analysis tables say the same thing the same way: labels.yml."""
    for col in INDICATOR_COLS + OVERDUE_COLS + [c for cols in RULE_COLS.values() for c in cols]:
        assert col.key in labels()["columns"], col.key
        assert col.header == column_label(col.key)
    for title, key in [("Nhắc nhở", "remind"), ("Phê bình", "criticize")]:
        assert [c.value for c in wb[title][1]][1:] == [column_label(c.key) for c in RULE_COLS[key]]
    kinds = {r["Mã đơn vị"]: r["Loại"] for r in rows(wb["Chỉ số"])}
    assert kinds["PHONG_A"] == labels()["kinds"]["department"] == "Cơ quan chuyên môn"
    assert "<td class=\"text\">Cơ quan chuyên môn</td>" in table_html([{"kind": "department"}], ["kind"])
    assert labels()["reasons"]["report_late"] == "báo cáo chậm"  # the letter's word, not "muộn"


def test_frozen_headers_and_autofilter(wb):
    for ws in wb.worksheets[:-1]:
        assert ws.freeze_panes is not None and ws.freeze_panes.endswith("2"), ws.title
        assert ws.auto_filter.ref and ws.auto_filter.ref.startswith("A1:"), ws.title
        assert ws.column_dimensions["B"].width >= 10
    assert wb["Chỉ số"].auto_filter.ref == f"A1:P{len(SMALL['units']) + 1}"


def _rules(ws):
    return {str(cf.sqref): [r for r in cf.rules] for cf in ws.conditional_formatting}


def test_conditional_formatting(wb):
    ws = wb["Chỉ số"]
    rules = _rules(ws)
    last = len(SMALL["units"]) + 1
    reception = rules[f"F2:F{last}"][0]
    assert reception.type == "expression"
    assert "F2<97.21" in reception.formula[0] and "ISNUMBER(F2)" in reception.formula[0]
    assert "Cơ quan chuyên môn" in reception.formula[0]  # departments are not compared to the local average
    assert reception.dxf.fill is not None
    for col in ("L", "M"):  # payment rate, window payment rate vs the target
        payment = rules[f"{col}2:{col}{last}"][0]
        assert f"{col}2<30" in payment.formula[0]


def test_conditional_formatting_follows_the_outcomes(tmp_path):
    outcomes = copy.deepcopy(SMALL)
    outcomes["local_average_reception_rate"] = 88.5
    outcomes["parameters"]["payment_target"] = 45
    rules = _rules(write(tmp_path, outcomes)["Chỉ số"])
    assert any("F2<88.5" in r.formula[0] for rs in rules.values() for r in rs)
    assert any("L2<45" in r.formula[0] for rs in rules.values() for r in rs)
    outcomes["local_average_reception_rate"] = None
    rules = _rules(write(tmp_path, outcomes)["Chỉ số"])
    assert not any("F2<" in r.formula[0] for rs in rules.values() for r in rs)


def test_rule_sheets(wb):
    for key, title in RULE_SHEETS.items():
        data = rows(wb[title])
        expected = SMALL["outcomes"][key]
        assert [r["Mã đơn vị"] for r in data] == [u["code"] for u in expected], key
        assert [r["STT"] for r in data] == list(range(1, len(expected) + 1))
    crit = rows(wb["Phê bình"])[0]
    assert crit["Số tháng liên tiếp dưới trung bình"] == 5
    assert crit["Thấp hơn trung bình (điểm %)"] == pytest.approx(9.71)
    assert "6/2023: 87,5% / 97,21%" in crit["Diễn biến các tháng (tỷ lệ / trung bình)"]
    remind = {r["Mã đơn vị"]: r for r in rows(wb["Nhắc nhở"])}
    assert remind["XA_E"]["Lý do"] == "báo cáo chậm; báo cáo chưa đầy đủ"
    assert remind["XA_D"]["Báo cáo chưa đạt"] == "Báo cáo quý (chưa nộp)"
    assert "hạn 05/6/2023" in remind["XA_C"]["Hồ sơ quá hạn (không miễn trừ)"]
    meets = rows(wb["TTTT đạt chỉ tiêu"])
    assert meets[0]["Tỷ lệ thanh toán trực tuyến trong kỳ (%)"] == pytest.approx(90.0)


def test_empty_rule_sheet_keeps_its_header(tmp_path):
    outcomes = copy.deepcopy(SMALL)
    outcomes["outcomes"]["criticize"] = []
    ws = write(tmp_path, outcomes)["Phê bình"]
    assert ws["A1"].value == "STT" and ws["B1"].value == "Mã đơn vị"
    assert rows(ws) == []


def test_overdue_sheet(wb):
    data = rows(wb["Hồ sơ quá hạn"])
    assert len(data) == len(SMALL["overdue"]) == 2
    excused = next(r for r in data if r["Mã đơn vị"] == "TT_A")
    assert excused["Miễn trừ"] == "Có"
    assert excused["Hạn xử lý"] == dt.datetime(2023, 6, 12)
    assert excused["Ngày trả kết quả"] is None
    assert excused["Căn cứ"] == "Báo cáo số 107/BC-UBND ngày 13/7/2023"
    assert wb["Hồ sơ quá hạn"]["H2"].number_format == "dd/mm/yyyy"


def test_parameter_sheet(wb):
    ws = wb["Tham số"]
    values = [[c for c in r] for r in ws.iter_rows(values_only=True)]
    flat = [v for r in values for v in r if v is not None]
    assert "payment_target" in flat and 30 in flat
    # every rule parameter under its label of templates/labels.yml, with its name beside it
    by_name = {r[2]: r[0] for r in values if r[2] in PARAMETER_NAMES}
    assert by_name == {name: labels()["parameters"][name] for name in SMALL["parameters"]}
    assert set(SMALL["parameters"]) == set(PARAMETER_NAMES)
    for item in SMALL["inputs"]:
        assert item["file"] in flat and item["sha256"] in flat
    assert "Cảnh báo về dữ liệu" in flat


@pytest.mark.parametrize(
    "sheet,column,original",
    [
        ("Chỉ số", "Đơn vị", '=HYPERLINK("http://x.example","Phòng B")'),
        ("Chỉ số", "Đơn vị", "+1 Bình Minh"),
        ("Chỉ số", "Đơn vị", "@SUM Đông Sơn"),
        ("Hồ sơ quá hạn", "Lĩnh vực", "-2 Hộ tịch"),
        ("Hồ sơ quá hạn", "Lý do", "-2 ngày do lỗi"),
        ("Hồ sơ quá hạn", "Lý do", "@SUM(A1) lỗi phần mềm"),
        ("Hồ sơ quá hạn", "Mã hồ sơ", "=1+1"),
        ("TTTT rất thấp", "Đơn vị", "@SUM Đông Sơn"),
    ],
)
def test_formula_like_input_is_neutralised_and_complete(wb, sheet, column, original):
    values = [r[column] for r in rows(wb[sheet])]
    assert original not in values  # never stored as it came
    assert "'" + original in values  # quoted, nothing lost


def test_no_cell_is_a_formula(wb):
    for ws in wb:
        for row in ws.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (ws.title, cell.coordinate, cell.value)
                if isinstance(cell.value, str):
                    assert cell.value[:1] not in ("=", "+", "-", "@", "\t", "\r"), (ws.title, cell.coordinate)


def test_warnings_neutralised(wb):
    flat = [v for r in wb["Tham số"].iter_rows(values_only=True) for v in r if isinstance(v, str)]
    assert "'" + SMALL["warnings"][0] in flat


SEED = FIXTURES / "outcomes_2023-06.json"


def test_seed_month(tmp_path):
    outcomes = json.loads(SEED.read_text(encoding="utf-8"))
    wb = write(tmp_path, outcomes)
    data = rows(wb["Chỉ số"])
    assert len(data) == len(outcomes["units"])
    commended = [r["Đơn vị"] for r in rows(wb["Biểu dương cơ quan"])]
    assert commended == [u["name"] for u in outcomes["outcomes"]["commend_departments"]]
    assert len(commended) == 6
    pay = {r["Đơn vị"]: r["Tỷ lệ thanh toán trực tuyến (%)"] for r in rows(wb["Biểu dương thanh toán TT"])}
    assert pay.get("Chí Minh") == pytest.approx(95.44)
    crit = rows(wb["Phê bình"])
    assert [r["Đơn vị"] for r in crit] == ["Hưng Đạo"]
    assert crit[0]["Tỷ lệ số hoá khi tiếp nhận (%)"] == pytest.approx(89.8)
