"""The blank data-entry workbook (cchc.template.write_template)."""

import datetime as dt
import unicodedata

import openpyxl
import pytest

from cchc import contract
from cchc.cache import CACHE_VARIABLE
from cchc.dataset import DataError
from cchc.template import DATA_ROW, HEADER_ROW, LAYOUT, write_template

# Headers exactly as docs/data-format.md lists them.
CONTRACT = {
    "SoHoa": ["Đơn vị", "Tiếp nhận", "Số hoá đầy đủ khi tiếp nhận", "Giải quyết", "Số hoá kết quả"],
    "QuaHan": ["Mã hồ sơ", "Đơn vị", "Lĩnh vực", "Thủ tục", "Hạn xử lý", "Ngày trả kết quả", "Miễn trừ", "Lý do", "Căn cứ"],
    "ThanhToan": ["Đơn vị", "Tổng giao dịch", "Trực tuyến"],
    "BaoCao": ["Đơn vị", "Báo cáo", "Hạn nộp", "Ngày nộp", "Đầy đủ"],
}

UNITS_CSV = """code,name,kind,aliases
TP,Phòng Tư pháp huyện,department,
NV,Phòng Nội vụ huyện,department,
TT_A,An Phú,town,
XA_B,Bình Minh,commune,Bình Minh Hạ
P_C,Cẩm Hà,ward,
"""

CONFIG_YML = """issuer: "UBND HUYỆN THỬ"
level: "huyện"
place: "Thử"
document_code: "UBND-NV"
proposer: "Văn phòng HĐND và UBND huyện"
signer: {title: "CHỦ TỊCH", name: "Nguyễn Văn A"}
recipients: ["Thủ trưởng các cơ quan chuyên môn thuộc UBND huyện"]
distribution: ["Lưu: VT, NV"]
"""

PRINTED = ["Phòng Tư pháp huyện", "Phòng Nội vụ huyện", "UBND thị trấn An Phú", "UBND xã Bình Minh", "UBND phường Cẩm Hà"]


@pytest.fixture
def data_dir(tmp_path):
    (tmp_path / "units.csv").write_text(UNITS_CSV, encoding="utf-8")
    (tmp_path / "config.yml").write_text(CONFIG_YML, encoding="utf-8")
    return tmp_path


@pytest.fixture
def book(data_dir):
    path = write_template(data_dir, "2023-06")
    return path, openpyxl.load_workbook(path)


def header(ws):
    return [c.value for c in ws[HEADER_ROW] if c.value is not None]


def test_path_and_sheets(data_dir, book):
    path, wb = book
    assert path == data_dir / "raw" / "2023-06.xlsx"
    assert wb.sheetnames == ["SoHoa", "QuaHan", "ThanhToan", "BaoCao"]


@pytest.mark.parametrize("sheet", list(CONTRACT))
def test_headers_are_the_contracts(book, sheet):
    ws = book[1][sheet]
    assert header(ws) == ["STT"] + CONTRACT[sheet]
    assert all(unicodedata.is_normalized("NFC", h) for h in header(ws))
    # Rows above the header are title rows: no header text in them.
    above = [c.value for r in ws.iter_rows(max_row=HEADER_ROW - 1) for c in r if c.value]
    assert not set(above) & set(CONTRACT[sheet])


@pytest.mark.parametrize("sheet", ["SoHoa", "ThanhToan"])
def test_registry_units_filled_in_registry_order(book, sheet):
    ws = book[1][sheet]
    names = [ws.cell(r, 2).value for r in range(DATA_ROW, DATA_ROW + len(PRINTED))]
    assert names == PRINTED
    assert ws.cell(DATA_ROW + len(PRINTED), 2).value is None
    assert [ws.cell(r, 1).value for r in range(DATA_ROW, DATA_ROW + len(PRINTED))] == [1, 2, 3, 4, 5]
    # counts left blank for the user
    assert all(ws.cell(r, 3).value is None for r in range(DATA_ROW, DATA_ROW + len(PRINTED)))


@pytest.mark.parametrize("sheet", ["QuaHan", "BaoCao"])
def test_per_dossier_sheets_have_no_data_rows(book, sheet):
    ws = book[1][sheet]
    assert all(c.value is None for r in ws.iter_rows(min_row=DATA_ROW) for c in r)


def _validations(ws):
    """{header: DataValidation} for the data columns."""
    letters = {c.column_letter: c.value for c in ws[HEADER_ROW]}
    out = {}
    for dv in ws.data_validations.dataValidation:
        for rng in dv.sqref.ranges:
            col = rng.coord.split(":")[0].rstrip("0123456789")
            out[letters[col]] = dv
            assert rng.min_row == DATA_ROW
    return out


def test_count_validation_whole_non_negative_and_bounded(book):
    wb = book[1]
    dvs = _validations(wb["SoHoa"])
    for h in ("Tiếp nhận", "Giải quyết"):
        assert dvs[h].type == "whole" and dvs[h].operator == "greaterThanOrEqual" and dvs[h].formula1 == "0"
    bounded = dvs["Số hoá đầy đủ khi tiếp nhận"]
    assert (bounded.type, bounded.operator, bounded.formula1, bounded.formula2) == ("whole", "between", "0", f"C{DATA_ROW}")
    assert dvs["Số hoá kết quả"].formula2 == f"E{DATA_ROW}"
    pay = _validations(wb["ThanhToan"])
    assert pay["Tổng giao dịch"].type == "whole"
    assert pay["Trực tuyến"].formula2 == f"C{DATA_ROW}"
    # rows: exactly the units
    assert str(dvs["Tiếp nhận"].sqref) == f"C{DATA_ROW}:C{DATA_ROW + len(PRINTED) - 1}"


def test_boolean_and_date_validation(book):
    wb = book[1]
    od = _validations(wb["QuaHan"])
    assert od["Miễn trừ"].type == "list" and od["Miễn trừ"].formula1 == '"Có,Không"'
    for h in ("Hạn xử lý", "Ngày trả kết quả"):
        assert od[h].type == "date"
    rep = _validations(wb["BaoCao"])
    assert rep["Đầy đủ"].type == "list" and rep["Đầy đủ"].formula1 == '"Có,Không"'
    assert rep["Hạn nộp"].type == "date" and rep["Ngày nộp"].type == "date"
    # units to pick from the SoHoa list, as a warning (aliases are allowed)
    assert rep["Đơn vị"].type == "list" and rep["Đơn vị"].formula1.startswith("SoHoa!")
    assert rep["Đơn vị"].errorStyle == "warning"
    assert od["Mã hồ sơ"].type == "custom" and "COUNTIF" in od["Mã hồ sơ"].formula1
    # sheets of one row per dossier/report: validation ready for hundreds of rows
    for dv in (od["Hạn xử lý"], rep["Đầy đủ"]):
        (rng,) = dv.sqref.ranges
        assert rng.max_row - rng.min_row + 1 >= 300


def test_input_messages_in_vietnamese(book):
    for ws in book[1]:
        for dv in ws.data_validations.dataValidation:
            assert dv.showInputMessage and dv.prompt and dv.promptTitle
            assert len(dv.prompt) <= 255 and len(dv.promptTitle) <= 32
            assert any(ch in dv.prompt for ch in "ăâđêôơưạảấầẩẫậắằẳẵặẹẻẽếềểễệịỉĩọỏốồổỗộớờởỡợụủứừửữựỳỷỹýàáèéìíòóùú")
            if dv.type:
                assert dv.showErrorMessage and dv.error


def test_frozen_headers_and_widths(book):
    wb = book[1]
    assert wb["SoHoa"].freeze_panes == f"C{DATA_ROW}"
    assert wb["ThanhToan"].freeze_panes == f"C{DATA_ROW}"
    assert wb["QuaHan"].freeze_panes == f"B{DATA_ROW}"
    assert wb["BaoCao"].freeze_panes == f"B{DATA_ROW}"
    so = wb["SoHoa"]
    assert so.column_dimensions["B"].width >= len("UBND phường Cẩm Hà")
    assert so.column_dimensions["D"].width >= 12
    od = wb["QuaHan"]
    assert od.column_dimensions["F"].number_format == "dd/mm/yyyy"
    assert od.column_dimensions["B"].number_format == "@"


def test_refuses_to_overwrite_without_force(data_dir):
    path = write_template(data_dir, "2023-06")
    path.write_bytes(b"entered data")
    with pytest.raises(FileExistsError, match="2023-06.xlsx"):
        write_template(data_dir, "2023-06")
    assert path.read_bytes() == b"entered data"
    assert write_template(data_dir, "2023-06", force=True) == path
    assert openpyxl.load_workbook(path).sheetnames[0] == "SoHoa"


def test_bad_month_and_missing_registry(tmp_path):
    with pytest.raises(ValueError):
        write_template(tmp_path, "2023-13")
    with pytest.raises(DataError) as err:
        write_template(tmp_path, "2023-06")
    assert "units.csv" in str(err.value.problems[0])
    assert not (tmp_path / "raw" / "2023-06.xlsx").exists()


def test_round_trip_filled_template_loads(data_dir):
    from cchc import load
    path = write_template(data_dir, "2023-06")
    wb = openpyxl.load_workbook(path)
    so = wb["SoHoa"]
    for i in range(len(PRINTED)):
        r = DATA_ROW + i
        for c, v in zip(range(3, 7), (10 + i, 9 + i, 8 + i, 8)):
            so.cell(r, c, v)
    tt = wb["ThanhToan"]
    for i in range(len(PRINTED)):
        tt.cell(DATA_ROW + i, 3, 20)
        tt.cell(DATA_ROW + i, 4, i)
    qh = wb["QuaHan"]
    row = ["HS-001", "UBND xã Bình Minh", "Hộ tịch", "Đăng ký khai sinh", dt.datetime(2023, 6, 5),
           dt.datetime(2023, 6, 9), "Không", "Chậm thẩm định", ""]
    for j, v in enumerate(row, start=2):
        qh.cell(DATA_ROW, j, v)
    bc = wb["BaoCao"]
    for j, v in enumerate(["Phòng Nội vụ huyện", "Báo cáo CCHC 6 tháng", dt.datetime(2023, 6, 10), None, "Có"], start=2):
        bc.cell(DATA_ROW, j, v)
    wb.save(path)

    ds = load.load_dataset(data_dir, "2023-06")
    dig = ds.digitization[ds.digitization["month"] == "2023-06"]
    assert list(dig["code"]) == ["TP", "NV", "TT_A", "XA_B", "P_C"]
    assert list(dig["received"]) == [10, 11, 12, 13, 14]
    assert dig["present"].all()
    assert list(ds.payments["payment_online"]) == [0, 1, 2, 3, 4]
    assert list(ds.overdue["code"]) == ["XA_B"]
    assert list(ds.reports["code"]) == ["NV"]
    assert not [p for p in ds.warnings if "SoHoa" in str(p) or "ThanhToan" in str(p)]


def test_every_field_of_the_contract_is_laid_out():
    assert {s: list(spec["columns"]) for s, spec in LAYOUT.items()} == {s: list(f) for s, f in contract.SHEETS.items()}


def test_a_header_is_declared_once_for_the_loader_and_the_template(data_dir, monkeypatch):
    from cchc import load

    monkeypatch.setitem(contract.SHEETS["ThanhToan"], "payment_total", "Tổng số giao dịch")
    monkeypatch.setenv(CACHE_VARIABLE, "off")  # the cache's key knows the code's bytes, not a change in memory
    path = write_template(data_dir, "2023-06")
    wb = openpyxl.load_workbook(path)
    ws = wb["ThanhToan"]
    assert header(ws) == ["STT", "Đơn vị", "Tổng số giao dịch", "Trực tuyến"]
    assert _validations(ws)["Trực tuyến"].error == "Phải là số nguyên từ 0 đến số ở cột 'Tổng số giao dịch'."
    ws.cell(HEADER_ROW + 1, 3, 12)  # one count filled in: a blank template is no month's data
    wb.save(path)
    assert [p for p in load.validate(data_dir, "2023-06") if p.is_error] == []
    ws.cell(HEADER_ROW, 3, "Tổng giao dịch")  # the header as it was
    wb.save(path)
    found = [(p.sheet, p.message) for p in load.validate(data_dir, "2023-06") if p.is_error]
    assert found == [("ThanhToan", f"missing column 'Tổng số giao dịch' (header row {HEADER_ROW})")]
