"""Loading and validating a data directory (docs/data-format.md)."""

import datetime as dt
import hashlib
import io
import re
import zipfile

import pandas as pd
import pytest

from cchc import columns, load, sheets, xlsx
from cchc.dataset import (
    DIGITIZATION_COLUMNS,
    OVERDUE_COLUMNS,
    PAYMENT_COLUMNS,
    REPORT_COLUMNS,
    UNIT_COLUMNS,
    DataError,
)
from workbooks import DEFAULT_UNITS, SHEETS, RawSheet, headers, make_data_dir, set_cached_values, valid_month

MONTH = "2023-06"
CODES = [u[0] for u in DEFAULT_UNITS]


def errors(problems):
    return [p for p in problems if p.is_error]


def warnings(problems):
    return [p for p in problems if not p.is_error]


def month_with(**sheets):
    """valid_month() with some sheets replaced."""
    return {**valid_month(), **sheets}


def only_error(tmp_path, **sheets):
    data = make_data_dir(tmp_path, months={MONTH: month_with(**sheets)})
    found = errors(load.validate(data, MONTH))
    assert len(found) == 1, [str(p) for p in found]
    return found[0]


# --------------------------------------------------------------------------- a valid directory


def test_valid_directory_frames(tmp_path):
    data = make_data_dir(
        tmp_path,
        months={
            "2023-05": valid_month(),
            MONTH: month_with(
                QuaHan=[
                    ("HS-2", "Thử", "Đất đai", "", "01/06/2023", None, "Không", "Chậm", ""),
                    ("HS-1", "UBND xã Hòa Bình", "Người có công", "Trợ cấp", dt.datetime(2023, 6, 2),
                     dt.datetime(2023, 6, 9), "Có", "Lỗi phần mềm", "Báo cáo số 107/BC-UBND"),
                ],
            ),
        },
    )
    assert warnings(load.validate(data, MONTH)) == []
    ds = load.load_dataset(data, MONTH)
    assert ds.month == MONTH and ds.months == ["2023-05", MONTH]
    assert ds.data_dir == data
    assert ds.warnings == []
    assert ds.config["issuer"] == "UBND HUYỆN THỬ"

    assert list(ds.units.columns) == UNIT_COLUMNS
    assert list(ds.digitization.columns) == DIGITIZATION_COLUMNS
    assert list(ds.payments.columns) == PAYMENT_COLUMNS
    assert list(ds.overdue.columns) == OVERDUE_COLUMNS
    assert list(ds.reports.columns) == REPORT_COLUMNS

    dig = ds.digitization
    assert list(dig["month"]) == ["2023-05"] * 6 + [MONTH] * 6
    assert list(dig["code"]) == CODES * 2
    assert list(dig["received"][:6]) == [10, 11, 12, 13, 14, 15]
    assert dig["received"].dtype == "int64" and dig["present"].dtype == bool and dig["present"].all()
    assert list(ds.payments["payment_online"][:6]) == [0, 1, 2, 3, 4, 5]

    od = ds.overdue
    assert list(od["code"]) == ["XA_HOA_BINH", "TT_THU"]  # registry order, not sheet order
    assert list(od["dossier"]) == ["HS-1", "HS-2"]
    assert od["deadline"].dtype == "datetime64[ns]" and od["excused"].dtype == bool
    assert od.loc[0, "returned"] == pd.Timestamp("2023-06-09") and pd.isna(od.loc[1, "returned"])
    assert list(od["excused"]) == [True, False]
    assert list(od["procedure"]) == ["Trợ cấp", ""] and list(od["basis"]) == ["Báo cáo số 107/BC-UBND", ""]

    rp = ds.reports
    assert list(rp["month"]) == ["2023-05", MONTH]
    assert rp.loc[1, "due"] == pd.Timestamp("2023-06-10") and bool(rp.loc[1, "complete"]) is True

    raw = data / "raw" / f"{MONTH}.xlsx"
    assert ds.inputs[-1] == {"file": f"raw/{MONTH}.xlsx", "sha256": hashlib.sha256(raw.read_bytes()).hexdigest()}
    assert [i["file"] for i in ds.inputs] == ["raw/2023-05.xlsx", f"raw/{MONTH}.xlsx"]


def test_no_title_rows_no_totals_extra_columns(tmp_path):
    for kwargs in ({"title_rows": False, "totals": False}, {"extra_columns": True}):
        data = make_data_dir(tmp_path, name=str(kwargs), **kwargs)
        assert load.validate(data, MONTH) == []
        assert list(load.load_dataset(data, MONTH).digitization["received"]) == [10, 11, 12, 13, 14, 15]


def test_empty_sheets_mean_none(tmp_path):
    data = make_data_dir(tmp_path, months={MONTH: {"SoHoa": [("Ngọc Kỳ", 1, 1, 1, 1)]}})
    ds = load.load_dataset(data, MONTH)
    assert ds.overdue.empty and ds.reports.empty
    assert list(ds.overdue.columns) == OVERDUE_COLUMNS
    assert ds.overdue["deadline"].dtype == "datetime64[ns]"
    assert ds.payments["payment_total"].sum() == 0 and not ds.payments["present"].any()
    missing = warnings(ds.warnings)
    assert len(missing) == 5  # every unit but Ngọc Kỳ is missing from SoHoa
    assert all(p.sheet == "SoHoa" and p.file == f"raw/{MONTH}.xlsx" for p in missing)


def test_missing_units_warn_and_count_zero(tmp_path):
    rows = valid_month()["SoHoa"][:-1]  # "Thử" left out
    data = make_data_dir(tmp_path, months={MONTH: month_with(SoHoa=rows, ThanhToan=[("Ngọc Kỳ", 5, 1)])})
    ds = load.load_dataset(data, MONTH)
    assert [(p.level, p.value) for p in ds.warnings] == [("warning", "Thử")]
    thu = ds.digitization.set_index("code").loc["TT_THU"]
    assert (thu["received"], thu["resolved"], bool(thu["present"])) == (0, 0, False)
    pay = ds.payments.set_index("code")
    assert pay.loc["XA_NGOC_KY", "payment_total"] == 5 and pay.loc["XA_NGOC_KY", "present"]
    assert pay.loc["TP", "payment_total"] == 0 and not pay.loc["TP", "present"]


@pytest.mark.parametrize(
    "written",
    ["UBND xã Hòa Bình", "Hòa Bình", "HOÀ BÌNH", "  hoà  bình ", "Ủy ban nhân dân xã Hoà Bình", "xã Hoà Bình"],
)
def test_unit_cells_matched(tmp_path, written):
    rows = [(written if name == "Hoà Bình" else name, *rest) for name, *rest in valid_month()["SoHoa"]]
    data = make_data_dir(tmp_path, months={MONTH: month_with(SoHoa=rows)})
    ds = load.load_dataset(data, MONTH)
    assert ds.digitization.set_index("code").loc["XA_HOA_BINH", "received"] == 13


def test_alias_and_prefix_matching(tmp_path):
    rows = [("UBND xã Phụng Kỳ", 7, 3), ("UBND thị trấn Thử", 4, 4)]
    data = make_data_dir(tmp_path, months={MONTH: month_with(ThanhToan=rows)})
    pay = load.load_dataset(data, MONTH).payments.set_index("code")
    assert pay.loc["XA_PHUONG_KY", "payment_online"] == 3 and pay.loc["TT_THU", "payment_total"] == 4


# --------------------------------------------------------------------------- layout: headers, totals, blanks


def test_header_variants(tmp_path):
    written = ["  ĐƠN VỊ ", "tiếp   nhận", "SỐ HÓA ĐẦY ĐỦ KHI TIẾP NHẬN", "Giải quyết", "Số hóa\nkết quả"]
    sheet = RawSheet([["BIỂU SỐ HOÁ"], [], ["STT", *written, "Ghi chú"], [1, "Ngọc Kỳ", 5, 4, 3, 2, "x"]])
    data = make_data_dir(tmp_path, months={MONTH: month_with(SoHoa=sheet)})
    ds = load.load_dataset(data, MONTH)
    assert ds.digitization.set_index("code").loc["XA_NGOC_KY", ["received", "resolved_digitized"]].tolist() == [5, 2]


def test_two_row_merged_header(tmp_path):
    sheet = RawSheet(
        [
            ["UBND HUYỆN THỬ"],
            ["STT", "Đơn vị", "Hồ sơ", None, None, None],
            [None, None, "Tiếp nhận", "Số hoá đầy đủ khi tiếp nhận", "Giải quyết", "Số hoá kết quả"],
            [1, "Ngọc Kỳ", 5, 4, 3, 2],
            ["Tổng cộng", None, 5, 4, 3, 2],
        ],
        merges=["A2:A3", "B2:B3", "C2:F2", "A5:B5"],
    )
    data = make_data_dir(tmp_path, months={MONTH: month_with(SoHoa=sheet)})
    problems = load.validate(data, MONTH)
    assert errors(problems) == []
    ds = load.load_dataset(data, MONTH)
    assert ds.digitization.set_index("code").loc["XA_NGOC_KY", "received"] == 5


def test_header_not_found(tmp_path):
    p = only_error(tmp_path, ThanhToan=RawSheet([["Đơn vị tính: giao dịch"], ["a", "b"], ["Ngọc Kỳ", 1, 1]]))
    assert p.sheet == "ThanhToan" and "Tổng giao dịch" in p.message


def test_missing_column(tmp_path):
    sheet = RawSheet([["Đơn vị", "Tổng giao dịch", "Thanh toán online"], ["Ngọc Kỳ", 4, 1]])
    p = only_error(tmp_path, ThanhToan=sheet)
    assert (p.sheet, p.column, p.row) == ("ThanhToan", "Trực tuyến", 1)
    assert "Trực tuyến" in p.message


def test_totals_rows_agreeing_and_disagreeing(tmp_path):
    good = make_data_dir(tmp_path, name="good", totals=True)
    assert load.validate(good, MONTH) == []
    bad = make_data_dir(tmp_path, name="bad", totals={"SoHoa": {"received": 999}, "ThanhToan": {"payment_online": 1}})
    problems = load.validate(bad, MONTH)
    assert errors(problems) == []
    assert [(p.sheet, p.column, p.value, p.row) for p in problems] == [
        ("SoHoa", "Tiếp nhận", "999", 11),  # 3 title rows, header, 6 units, totals on row 11
        ("ThanhToan", "Trực tuyến", "1", 11),
    ]
    assert "75" in problems[0].message  # the sum of the rows
    ds = load.load_dataset(bad, MONTH)
    assert ds.digitization["received"].sum() == 75  # the totals row is not data
    assert len(ds.warnings) == 2


@pytest.mark.parametrize(
    "label", ["Tổng", "TỔNG CỘNG", "Cộng", "Toàn huyện", "Tổng cộng:", "tong cong", "Tổng số", "Toàn huyện Thử", "Toàn tỉnh"]
)
def test_totals_labels(tmp_path, label):
    rows = [*valid_month()["ThanhToan"], (label, 60, 15)]
    data = make_data_dir(tmp_path, months={MONTH: month_with(ThanhToan=rows)}, totals=False)
    assert load.validate(data, MONTH) == []


def test_totals_label_is_not_a_unit_name():
    assert not sheets.is_totals_label("Cộng Lạc") and not sheets.is_totals_label("Tổng hợp")
    assert sheets.is_totals_label("Tổng cộng (23)") and not sheets.is_totals_label(12)


def test_blank_rows_skipped(tmp_path):
    rows = [("Ngọc Kỳ", 1, 1, 1, 1), (None, None, None, None, None), ("  ", "", None, None, None), ("Thử", 2, 2, 2, 2)]
    data = make_data_dir(tmp_path, months={MONTH: month_with(SoHoa=rows)}, extra_columns=True)
    ds = load.load_dataset(data, MONTH)
    assert ds.digitization.set_index("code").loc[["XA_NGOC_KY", "TT_THU"], "received"].tolist() == [1, 2]


def test_blank_counts_are_zero(tmp_path):
    data = make_data_dir(tmp_path, months={MONTH: month_with(SoHoa=[("Ngọc Kỳ", None, None, "-", "")])}, totals=False)
    ds = load.load_dataset(data, MONTH)
    row = ds.digitization.set_index("code").loc["XA_NGOC_KY"]
    assert row[["received", "resolved"]].tolist() == [0, 0] and bool(row["present"])


# --------------------------------------------------------------------------- raw/ listing and history


def test_ignored_files_and_months_after(tmp_path):
    data = make_data_dir(tmp_path, months={"2023-05": valid_month(), MONTH: valid_month(), "2023-07": valid_month()})
    raw = data / "raw"
    (raw / f"~${MONTH}.xlsx").write_bytes(b"lock")
    (raw / "2023-06 (1).xlsx").write_bytes(b"copy")
    (raw / "notes.txt").write_text("x")
    (raw / "2023-13.xlsx").write_bytes(b"no such month")
    (raw / ".gitkeep").write_text("")
    problems = load.validate(data, MONTH)
    assert errors(problems) == []
    assert sorted(p.file for p in problems) == sorted(
        ["raw/2023-06 (1).xlsx", "raw/2023-13.xlsx", "raw/notes.txt", f"raw/~${MONTH}.xlsx"]
    )
    assert all("ignored" in p.message for p in problems)
    lock = next(p for p in problems if p.file.startswith("raw/~$"))
    assert "lock" in lock.message
    ds = load.load_dataset(data, MONTH)
    assert ds.months == ["2023-05", MONTH]  # 2023-07 is after the month
    assert set(ds.digitization["month"]) == {"2023-05", MONTH}


def test_gap_in_history(tmp_path):
    data = make_data_dir(tmp_path, months={m: valid_month(month=m) for m in ("2023-02", "2023-03", MONTH)})
    problems = load.validate(data, MONTH)
    assert [(p.level, p.file) for p in problems] == [("warning", "raw/2023-04.xlsx"), ("warning", "raw/2023-05.xlsx")]
    assert load.load_dataset(data, MONTH).months == ["2023-02", "2023-03", MONTH]


def test_no_workbook_for_month(tmp_path):
    data = make_data_dir(tmp_path, months={"2023-05": valid_month()})
    problems = load.validate(data, MONTH)
    assert [(p.level, p.file) for p in problems] == [("error", f"raw/{MONTH}.xlsx")]
    with pytest.raises(DataError) as exc:
        load.load_dataset(data, MONTH)
    assert exc.value.problems == problems


def test_ambiguous_unit_cell(tmp_path):
    units = [*DEFAULT_UNITS, ("XA_THU", "Thử", "commune", "")]  # a commune and a town both called Thử
    data = make_data_dir(tmp_path, units=units, months={MONTH: {"SoHoa": [("Thử", 1, 1, 1, 1), ("xã Thử", 2, 2, 2, 2)]}})
    problems = load.validate(data, MONTH)
    found = errors(problems)
    assert [(p.row, p.value) for p in found] == [(5, "Thử")]
    assert "TT_THU" in found[0].message and "XA_THU" in found[0].message
    assert [p.file for p in warnings(problems)][0] == "units.csv"  # the registry warns about the shared name


def test_bad_month_and_missing_dirs(tmp_path):
    assert errors(load.validate(tmp_path, "2023-6"))
    assert errors(load.validate(tmp_path / "nowhere", MONTH))
    problems = load.validate(tmp_path, MONTH)  # no units.csv, config.yml, raw/
    assert {p.file for p in errors(problems)} == {"config.yml", "units.csv", "raw"}


def test_available_and_latest_month(tmp_path):
    data = make_data_dir(tmp_path, months={"2023-05": valid_month(), "2023-04": valid_month()})
    (data / "raw" / "~$2023-09.xlsx").write_bytes(b"")
    assert load.available_months(data) == ["2023-04", "2023-05"]
    assert load.latest_month(data) == "2023-05"


def test_errors_of_past_months_reported(tmp_path):
    may = month_with(SoHoa=[("Không có", 1, 1, 1, 1)])
    data = make_data_dir(tmp_path, months={"2023-05": may, MONTH: valid_month()})
    found = errors(load.validate(data, MONTH))
    assert [(p.file, p.sheet, p.value) for p in found] == [("raw/2023-05.xlsx", "SoHoa", "Không có")]


# --------------------------------------------------------------------------- errors, one by one


def test_missing_sheet(tmp_path):
    data = make_data_dir(tmp_path, months={MONTH: {**valid_month(), "BaoCao": None, "Baocao": RawSheet([headers("BaoCao")])}})
    found = errors(load.validate(data, MONTH))
    assert [(p.sheet, p.file) for p in found] == [("BaoCao", f"raw/{MONTH}.xlsx")]
    assert "Baocao" in found[0].message  # the near miss is named


def test_unknown_unit_lists_closest(tmp_path):
    p = only_error(tmp_path, SoHoa=[("Hoa Binh", 1, 1, 1, 1)])
    assert (p.sheet, p.column, p.value, p.row) == ("SoHoa", "Đơn vị", "Hoa Binh", 5)
    assert "Hoà Bình" in p.message


def test_blank_unit_cell(tmp_path):
    p = only_error(tmp_path, ThanhToan=[("Ngọc Kỳ", 1, 1), (None, 3, 1)])
    assert (p.sheet, p.row, p.column) == ("ThanhToan", 6, "Đơn vị")
    assert "empty" in p.message


@pytest.mark.parametrize("sheet, rows", [("SoHoa", [("Ngọc Kỳ", 1, 1, 1, 1), ("UBND xã Ngọc Kỳ", 2, 2, 2, 2)]),
                                         ("ThanhToan", [("Ngọc Kỳ", 1, 1), ("ngọc kỳ", 2, 2)])])
def test_duplicate_unit_row(tmp_path, sheet, rows):
    p = only_error(tmp_path, **{sheet: rows})
    assert (p.sheet, p.row) == (sheet, 6)
    assert "duplicate" in p.message and "row 5" in p.message


@pytest.mark.parametrize(
    "row, column, message",
    [
        (("Ngọc Kỳ", -3, 0, 0, 0), "Tiếp nhận", "negative"),
        (("Ngọc Kỳ", 12.5, 0, 0, 0), "Tiếp nhận", "not a whole number"),
        (("Ngọc Kỳ", "mười", 0, 0, 0), "Tiếp nhận", "whole number"),
        (("Ngọc Kỳ", 10, 11, 0, 0), "Số hoá đầy đủ khi tiếp nhận", "more than"),
        (("Ngọc Kỳ", 10, 10, 5, 6), "Số hoá kết quả", "more than"),
    ],
)
def test_bad_counts(tmp_path, row, column, message):
    p = only_error(tmp_path, SoHoa=[row])
    assert (p.sheet, p.column, p.row) == ("SoHoa", column, 5)
    assert message in p.message


def test_online_over_total(tmp_path):
    p = only_error(tmp_path, ThanhToan=[("Ngọc Kỳ", 3, 4)])
    assert (p.column, p.value) == ("Trực tuyến", "4") and "more than" in p.message


def test_thousands_separators_in_counts(tmp_path):
    rows = [("Ngọc Kỳ", "1.234", "1,200", "1 000", 999.0)]
    data = make_data_dir(tmp_path, months={MONTH: month_with(SoHoa=rows)}, totals=False)
    row = load.load_dataset(data, MONTH).digitization.set_index("code").loc["XA_NGOC_KY"]
    assert row[["received", "received_digitized", "resolved", "resolved_digitized"]].tolist() == [1234, 1200, 1000, 999]


def _dossier(**kw):
    base = {"dossier": "HS-1", "unit": "Ngọc Kỳ", "field": "Hộ tịch", "procedure": "", "deadline": "01/06/2023",
            "returned": None, "excused": "Không", "reason": "Chậm", "basis": ""}
    return {**base, **kw}


def test_duplicate_dossier(tmp_path):
    p = only_error(tmp_path, QuaHan=[_dossier(), _dossier(dossier="HS-2"), _dossier(unit="Thử")])
    assert (p.sheet, p.column, p.row, p.value) == ("QuaHan", "Mã hồ sơ", 7, "HS-1")
    assert "row 5" in p.message


def test_excused_without_reason(tmp_path):
    p = only_error(tmp_path, QuaHan=[_dossier(excused="x", reason="  ")])
    assert (p.column, p.row) == ("Lý do", 5)


@pytest.mark.parametrize(
    "kw, column",
    [
        ({"deadline": "31/02/2023"}, "Hạn xử lý"),
        ({"deadline": None}, "Hạn xử lý"),
        ({"returned": "hôm qua"}, "Ngày trả kết quả"),
        ({"excused": "có lẽ"}, "Miễn trừ"),
        ({"dossier": None}, "Mã hồ sơ"),
        ({"field": ""}, "Lĩnh vực"),
    ],
)
def test_bad_dossier_cells(tmp_path, kw, column):
    p = only_error(tmp_path, QuaHan=[_dossier(**kw)])
    assert (p.sheet, p.column, p.row) == ("QuaHan", column, 5)


@pytest.mark.parametrize(
    "row, column",
    [
        (("Thử", "Báo cáo", "10/15/2023", None, "Có"), "Hạn nộp"),
        (("Thử", "Báo cáo", "10/06/2023", "sớm", "Có"), "Ngày nộp"),
        (("Thử", "Báo cáo", "10/06/2023", None, "chưa rõ"), "Đầy đủ"),
        (("Thử", None, "10/06/2023", None, "Có"), "Báo cáo"),
    ],
)
def test_bad_report_cells(tmp_path, row, column):
    p = only_error(tmp_path, BaoCao=[row])
    assert (p.sheet, p.column, p.row) == ("BaoCao", column, 5)


@pytest.mark.parametrize(
    "value, expected",
    [("Có", True), ("không", False), ("x", True), (None, False), (True, True), (False, False), (1, True), (0, False),
     ("yes", True), ("NO", False), ("TRUE", True), ("co", True), ("khong", False)],
)
def test_boolean_forms(tmp_path, value, expected):
    data = make_data_dir(tmp_path, months={MONTH: month_with(
        BaoCao=[("Thử", "Báo cáo", "10/06/2023", "09/06/2023", value)],
        QuaHan=[_dossier(excused=value, reason="Lỗi")],
    )})
    ds = load.load_dataset(data, MONTH)
    assert bool(ds.reports.loc[0, "complete"]) is expected
    assert bool(ds.overdue.loc[0, "excused"]) is expected


@pytest.mark.parametrize(
    "value", [dt.datetime(2023, 6, 5), dt.date(2023, 6, 5), "05/06/2023", "5/6/2023", "2023-06-05", 45082]
)
def test_date_forms(tmp_path, value):
    data = make_data_dir(tmp_path, months={MONTH: month_with(
        BaoCao=[("Thử", "Báo cáo", value, value, "Có")],
        QuaHan=[_dossier(deadline=value)],
    )})
    ds = load.load_dataset(data, MONTH)
    assert ds.reports.loc[0, "due"] == pd.Timestamp("2023-06-05") == ds.reports.loc[0, "submitted"]
    assert ds.overdue.loc[0, "deadline"] == pd.Timestamp("2023-06-05")


def test_date_sanity_warnings(tmp_path):
    data = make_data_dir(tmp_path, months={MONTH: month_with(
        QuaHan=[_dossier(deadline="15/07/2023"), _dossier(dossier="HS-2", deadline="10/06/2023", returned="09/06/2023")],
        BaoCao=[("Thử", "Báo cáo", "10/01/2023", "09/01/2023", "Có")],
    )})
    problems = load.validate(data, MONTH)
    assert errors(problems) == []
    assert [(p.sheet, p.column, p.row) for p in problems] == [
        ("QuaHan", "Hạn xử lý", 5), ("QuaHan", "Ngày trả kết quả", 6), ("BaoCao", "Hạn nộp", 5)
    ]


def test_many_problems_all_listed(tmp_path):
    data = make_data_dir(tmp_path, months={MONTH: {
        "SoHoa": [("Ngọc Kỳ", -1, 0, 0, 0), ("Ngoc Ki xyz", 1, 1, 1, 1), ("Thử", 5, 6, 1, 1)],
        "QuaHan": [_dossier(deadline="hôm nay"), _dossier(excused="??")],
        "ThanhToan": [("Ngọc Kỳ", 1.5, 0)],
        "BaoCao": [("Thử", "Báo cáo", "10/06/2023", "x", "Có")],
    }})
    with pytest.raises(DataError) as exc:
        load.load_dataset(data, MONTH)
    found = exc.value.errors
    expected = [
        ("SoHoa", 5, "Tiếp nhận", "-1"),
        ("SoHoa", 6, "Đơn vị", "Ngoc Ki xyz"),
        ("SoHoa", 7, "Số hoá đầy đủ khi tiếp nhận", "6"),
        ("QuaHan", 5, "Hạn xử lý", "hôm nay"),
        ("QuaHan", 6, "Miễn trừ", "??"),
        ("QuaHan", 6, "Mã hồ sơ", "HS-1"),
        ("ThanhToan", 5, "Tổng giao dịch", "1.5"),
        ("BaoCao", 5, "Ngày nộp", "x"),
    ]
    assert len(found) == len(expected)
    assert sorted((p.sheet, p.row, p.column, p.value) for p in found) == sorted(expected)
    assert all(p.file == f"raw/{MONTH}.xlsx" and p.sheet and p.row and p.column and p.value for p in found)
    assert all(str(p).startswith(f"raw/{MONTH}.xlsx, sheet ") for p in found)
    assert exc.value.warnings  # missing units are listed too
    assert load.validate(data, MONTH) == exc.value.problems


def test_problems_of_all_files_at_once(tmp_path):
    data = make_data_dir(tmp_path, months={"2023-05": month_with(ThanhToan=[("Ngọc Kỳ", 1, 2)]), MONTH: month_with(SoHoa=None)},
                         config={"issuer": "X"})
    found = errors(load.validate(data, MONTH))
    assert {p.file for p in found} == {"config.yml", "raw/2023-05.xlsx", f"raw/{MONTH}.xlsx"}
    assert len(found) == 3 + 1 + 1  # place, document_code, signer; online > total; missing sheet


# --------------------------------------------------------------------------- unreadable files


@pytest.mark.parametrize(
    "content, words",
    [
        (b"", "empty"),
        (b"PK\x03\x04garbage that is not a zip", "damaged"),
        ("Đơn vị,Tiếp nhận\nNgọc Kỳ,3\n".encode(), "CSV"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600, "password"),
        (bytes(range(256)) * 4, "not an Excel"),
    ],
)
def test_unreadable_workbook(tmp_path, content, words):
    data = make_data_dir(tmp_path, months={"2023-05": valid_month()})
    (data / "raw" / f"{MONTH}.xlsx").write_bytes(content)
    found = errors(load.validate(data, MONTH))
    assert len(found) == 1
    assert found[0].file == f"raw/{MONTH}.xlsx" and words in found[0].message
    assert "Traceback" not in str(found[0])


def test_zip_that_is_not_a_workbook(tmp_path):
    import zipfile

    data = make_data_dir(tmp_path, months={})
    with zipfile.ZipFile(data / "raw" / f"{MONTH}.xlsx", "w") as z:
        z.writestr("hello.txt", "hi")
    found = errors(load.validate(data, MONTH))
    assert [p.file for p in found] == [f"raw/{MONTH}.xlsx"]


# --------------------------------------------------------------------------- formulas


def _formula_month():
    rows = [("Ngọc Kỳ", 10, 9, 8, 8), ("Thử", 5, "=B3-1", 3, 3)]
    return month_with(SoHoa=RawSheet([headers("SoHoa"), *rows, ["Tổng cộng", "=SUM(B2:B3)", "=SUM(C2:C3)", 11, 11]]))


def test_formula_with_cached_value(tmp_path):
    data = make_data_dir(tmp_path, months={MONTH: _formula_month()})
    set_cached_values(data / "raw" / f"{MONTH}.xlsx", {("SoHoa", "C3"): 4, ("SoHoa", "B4"): 15, ("SoHoa", "C4"): 13})
    problems = load.validate(data, MONTH)
    assert errors(problems) == []
    ds = load.load_dataset(data, MONTH)
    assert ds.digitization.set_index("code").loc["TT_THU", "received_digitized"] == 4


def test_formula_without_cached_value(tmp_path):
    data = make_data_dir(tmp_path, months={MONTH: _formula_month()})
    found = errors(load.validate(data, MONTH))
    # the data cell is an error; the totals row's uncached SUMs are only left unchecked
    assert [(p.sheet, p.row, p.column) for p in found] == [("SoHoa", 3, "Số hoá đầy đủ khi tiếp nhận")]
    assert "formula" in found[0].message


def _move_parts(path, moves: dict[str, tuple[str, str]]) -> None:
    """Rewrite an .xlsx as another writer might: parts renamed and swapped, relationships
    reordered, targets relative or absolute. `moves`: old member -> (new member, its new target)."""
    with zipfile.ZipFile(path) as z:
        members = {n: z.read(n).decode() for n in z.namelist()}
    renamed = {moves.get(n, (n,))[0]: text for n, text in members.items()}
    for rels in [n for n in renamed if n.endswith(".rels")]:
        text = renamed[rels]
        # openpyxl writes targets from the root; every target is rewritten once (parts are swapped)
        text = re.sub(r'Target="/?([^"]+)"', lambda m: f'Target="{moves[m[1]][1]}"' if m[1] in moves else m[0], text)
        head, *items, tail = re.split(r"(?=<Relationship )|(?=</Relationships>)", text)
        renamed[rels] = head + "".join(reversed(items)) + tail
    types = renamed["[Content_Types].xml"]
    for old, (member, _) in moves.items():
        types = types.replace(f'PartName="/{old}"', f'PartName="/{member}"')
    renamed["[Content_Types].xml"] = types
    with zipfile.ZipFile(path, "w") as z:
        for name in sorted(renamed, reverse=True):
            z.writestr(name, renamed[name])


def test_formula_found_whatever_the_sheet_parts_are_called(tmp_path):
    pay = RawSheet([headers("ThanhToan"), ["Ngọc Kỳ", 10, "=B2-1"], *[(u[1], 10, 1) for u in DEFAULT_UNITS[:2]]])
    data = make_data_dir(tmp_path, months={MONTH: {**_formula_month(), "ThanhToan": pay}})
    path = data / "raw" / f"{MONTH}.xlsx"
    _move_parts(path, {
        "xl/workbook.xml": ("xl/book.xml", "xl/book.xml"),
        "xl/_rels/workbook.xml.rels": ("xl/_rels/book.xml.rels", ""),  # no relationship targets it
        "xl/worksheets/sheet1.xml": ("xl/worksheets/sheet4.xml", "/xl/worksheets/sheet4.xml"),  # SoHoa
        "xl/worksheets/sheet2.xml": ("xl/parts/q.xml", "parts/q.xml"),  # QuaHan
        "xl/worksheets/sheet3.xml": ("xl/t.xml", "../xl/t.xml"),  # ThanhToan
        "xl/worksheets/sheet4.xml": ("xl/worksheets/sheet1.xml", "worksheets/sheet1.xml"),  # BaoCao
    })
    with zipfile.ZipFile(path) as z:
        assert "xl/workbook.xml" not in z.namelist() and "xl/worksheets/sheet2.xml" not in z.namelist()
        assert {"xl/book.xml", "xl/parts/q.xml", "xl/t.xml"} <= set(z.namelist())
    found = errors(load.validate(data, MONTH))
    assert [(p.sheet, p.row, p.column) for p in found] == [
        ("SoHoa", 3, "Số hoá đầy đủ khi tiếp nhận"), ("ThanhToan", 2, "Trực tuyến")]
    assert all("formula without a saved result" in p.message for p in found)


def test_sheet_parts_follow_the_relationships():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as z:
        rel = '<Relationship Id="{}" Type="http://x/{}" Target="{}"{}/>'
        z.writestr("_rels/.rels", "<Relationships xmlns='http://schemas.openxmlformats.org/package/2006/relationships'>"
                   + rel.format("r1", "officeDocument", "wb/main.xml", "") + "</Relationships>")
        z.writestr("wb/main.xml", '<workbook xmlns="s" xmlns:r="r"><sheets><sheet name="A &amp; B" r:id="x2"/>'
                   '<sheet name="Hai" r:id="x1"/><sheet name="Ba" r:id="x3"/><sheet name="Bốn"/>'
                   '<sheet name="Năm" r:id="x5"/></sheets></workbook>')
        z.writestr("wb/_rels/main.xml.rels", "<Relationships xmlns='http://schemas.openxmlformats.org/package/2006/"
                   "relationships'>" + rel.format("x1", "worksheet", "s/one.xml", "")
                   + rel.format("x2", "worksheet", "/other/two.xml", "")
                   + rel.format("x9", "hyperlink", "http://example.org/", ' TargetMode="External"')
                   + rel.format("x3", "worksheet", "../top.xml", "") + "</Relationships>")
    with zipfile.ZipFile(buffer) as z:
        assert xlsx.sheet_parts(z) == {"A & B": "other/two.xml", "Hai": "wb/s/one.xml", "Ba": "top.xml"}


def test_uncached_formula_scan():
    xml = (b'<sheetData><row r="1"><c r="A1"><f>1+1</f><v>2</v></c><c r="B1" t="str"><f>"a"</f></c>'
           b'<c r="C1" s="2"><f t="shared" si="0"/></c><c r="D1"><v>3</v></c><c r="E1"><f>A1</f><v></v></c>'
           b'<c r="F1" t="str"><f>""</f><v></v></c><c r="G1" s="3" t="str"><f>"b"</f><v>b</v></c></row></sheetData>')
    assert xlsx.uncached_formula_cells(xml) == {"B1", "C1", "E1"}
    assert xlsx.uncached_formula_cells(b"<sheetData/>") == set()
    prefixed = b'<x:row r="2"><x:c r="A2"><x:f>1</x:f></x:c><x:c r="B2"><x:f>1</x:f><x:v>1</x:v></x:c></x:row>'
    assert xlsx.uncached_formula_cells(prefixed) == {"A2"}


# --------------------------------------------------------------------------- speed


def test_parsers_run_once_per_distinct_value(monkeypatch):
    calls = []
    values = pd.Series(["01/06/2023", "02/06/2023", None, "01/06/2023"] * 5000, dtype=object)
    parsed, errs = columns.parse_column(values, lambda v: calls.append(v) or v)
    assert len(calls) == 3  # two dates and the blank, not 20,000 cells
    assert list(parsed[:4]) == ["01/06/2023", "02/06/2023", None, "01/06/2023"]


def test_large_overdue_sheet(tmp_path):
    n = 1000
    rows = [(f"HS-{i}", DEFAULT_UNITS[i % 6][1], "Hộ tịch", "", dt.datetime(2023, 6, 1 + i % 28), None, "Không", "Chậm", "")
            for i in range(n)]
    rows.append(("HS-7", "Ngọc Kỳ", "Hộ tịch", "", "01/06/2023", None, "Không", "Chậm", ""))  # one duplicate
    data = make_data_dir(tmp_path, months={MONTH: month_with(QuaHan=rows)})
    found = errors(load.validate(data, MONTH))
    assert [(p.row, p.value) for p in found] == [(n + 5, "HS-7")]
    rows.pop()
    data = make_data_dir(tmp_path, name="ok", months={MONTH: month_with(QuaHan=rows)})
    ds = load.load_dataset(data, MONTH)
    assert len(ds.overdue) == n
    assert ds.overdue["code"].tolist()[:2] == ["TP", "TP"]  # sorted by registry order, then sheet row
    assert ds.overdue["dossier"].tolist()[:2] == ["HS-0", "HS-6"]


def test_sheet_columns_match_workbooks_helper():
    assert {s: list(h.values()) for s, h in load.SHEETS.items()} == {s: [h for _, h in v] for s, v in SHEETS.items()}


def test_row_numbers_when_sheet_starts_lower_right(tmp_path):
    sheet = RawSheet([[], [], [None, *headers("ThanhToan")], [None, "Ngọc Kỳ", 3, 4]])  # data in B3:D4
    data = make_data_dir(tmp_path, months={MONTH: month_with(ThanhToan=sheet)})
    p = only_error(tmp_path / "again", ThanhToan=sheet)
    assert (p.row, p.column, p.value) == (4, "Trực tuyến", "4")
    assert load.validate(data, MONTH)[0].row == 4
