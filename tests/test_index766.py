"""The Decision 766 export (raw/766/YYYY-MM.xlsx or .csv) as the portal writes it: read, matched, checked.

Every error and warning of the export, all at once, each located by file,
sheet, row, column and value.
"""

from __future__ import annotations

import pytest
from openpyxl import load_workbook

from cchc import load
from cchc.index766 import parse_score, read_export
from cchc.registry import load_registry
from exports766 import CONFIG, HEADER, UNITS, every_unit, province_dir, province_row, row_of, unit_row

MONTH = "2025-10"


def read(data, ext="xlsx"):
    registry, _ = load_registry(data)
    path = data / "raw" / "766" / f"{MONTH}.{ext}"
    return read_export(path, f"raw/766/{MONTH}.{ext}", MONTH, registry)


def located(problems, level=None):
    return [(p.sheet, p.row, p.column, p.value) for p in problems if level is None or p.level == level]


@pytest.mark.parametrize("text, value", [("86,5", 86.5), (" 86.50 ", 86.5), ("5", 5.0), (74.12, 74.12), ("0", 0.0),
                                         ("1\u00a0,5", 1.5)])
def test_scores_as_numbers_or_text_with_either_decimal_mark(text, value):
    assert parse_score(text) == value


@pytest.mark.parametrize("text", ["", None, "abc", "#N/A", True, "8 6,5,1"])
def test_what_is_not_a_score(text):
    with pytest.raises(ValueError):
        parse_score(text)


def test_sheets_with_any_names_title_rows_extra_columns_and_text_numbers(tmp_path):
    provinces = [province_row("UBND tỉnh An Bình", 86.5, "H99"), province_row("UBND tỉnh Bình Sơn", 91.25, "H98")]
    departments = [row_of("SO_TP", 95.5), row_of("TTT", 78), row_of("SO_NV", 88)]
    local = [row_of(c, 90.0) for c in ("XA_TAN_LAP", "P_AN_BINH", "DK_HON_NGOC", "XA_DONG_THAI")]
    data = province_dir(tmp_path, {MONTH: {"Tỉnh": provinces, "Sở ngành": departments, "Xã phường": local}})
    export, problems = read(data)
    assert problems == []
    assert list(export.index766["code"]) == ["SO_TP", "TTT", "SO_NV", "XA_TAN_LAP", "P_AN_BINH", "DK_HON_NGOC",
                                             "XA_DONG_THAI"]
    assert list(export.index766["level"]) == ["department"] * 3 + ["local"] * 4
    first = export.index766.iloc[0]
    assert (first["total"], first["CKMB"], first["sheet"], first["row"]) == (95.5, 17.19, "Sở ngành", 4)
    assert list(export.provinces["dvc_code"]) == ["H99", "H98"] and list(export.provinces["total"]) == [86.5, 91.25]
    assert export.figures() == {"index766": True}


def test_a_csv_with_semicolons_and_decimal_commas(tmp_path):
    data = province_dir(tmp_path, {MONTH: every_unit({"XA_TAN_LAP": 74.12})}, ext="csv")
    export, problems = read(data, "csv")
    assert problems == []
    assert export.index766.set_index("code").loc["XA_TAN_LAP", "total"] == 74.12


def test_rows_match_by_portal_code_before_the_name(tmp_path):
    # the portal's name differs from the registry's, the portal code (dvc_code) is that of Sở Tư pháp
    rows = every_unit()
    rows[2] = unit_row("Sở Tư pháp và Hộ tịch - tỉnh An Bình", 95.0, code="H99.01", kind=2)
    data = province_dir(tmp_path, {MONTH: rows})
    export, problems = read(data)
    assert problems == []
    assert export.index766.set_index("code").loc["SO_TP", "total"] == 95.0


def test_every_error_at_once_located_by_sheet_row_column_value(tmp_path):
    rows = every_unit()
    bad = {
        4: row_of("SO_NV", 80, CKMB=19),  # a group above its maximum (18)
        5: row_of("XA_TAN_LAP", 80, TDGQ="-1"),  # below 0
        6: unit_row("UBND Xã Tân Lạp - tỉnh An Bình", 80),  # unknown: the closest names are given
        7: row_of("P_AN_BINH", 90),  # fine
        8: dict(row_of("DK_HON_NGOC", 90), LOAI_COQUAN=4),  # no such type
    }
    rows = [bad.get(i, r) for i, r in enumerate(rows)] + [row_of("P_AN_BINH", 91), row_of("XA_DONG_THAI", 90,
                                                                                           MDHL="")]
    # the sheet of provinces lacks a column: an error naming it
    data = province_dir(tmp_path, {MONTH: {"Đơn vị": rows}})
    wb = load_workbook(data / "raw" / "766" / f"{MONTH}.xlsx")
    ws = wb.create_sheet("Tỉnh")
    ws.append([h for h in HEADER if h != "MDSH"])
    ws.append(["1", "UBND tỉnh An Bình", "H99", 1])
    wb.save(data / "raw" / "766" / f"{MONTH}.xlsx")

    export, problems = read(data)
    assert export is None
    errors = [p for p in problems if p.is_error]
    assert all(p.file == f"raw/766/{MONTH}.xlsx" for p in problems)
    found = {(p.sheet, p.row, p.column, p.value): p.message for p in errors}
    assert "outside its range 0–18" in found[("Đơn vị", 8, "CKMB", "19")]
    assert "outside its range 0–20" in found[("Đơn vị", 9, "TDGQ", "-1")]
    unknown = found[("Đơn vị", 10, "TEN", "UBND Xã Tân Lạp - tỉnh An Bình")]
    assert unknown.startswith("unknown unit") and "closest registry names: Tân Lập" in unknown
    assert "LOAI_COQUAN must be 1" in found[("Đơn vị", 12, "LOAI_COQUAN", "4")]
    assert "in the export twice (first on sheet Đơn vị, row 11)" in found[
        ("Đơn vị", 13, "TEN", "UBND Phường An Bình - tỉnh An Bình")]
    assert found[("Đơn vị", 14, "MDHL", "")].startswith("empty score")
    assert found[("Tỉnh", 1, "MDSH", "")].startswith("missing column 'MDSH'")
    assert len(errors) == 7


def test_a_unit_of_the_other_level_is_an_error(tmp_path):
    rows = every_unit()
    rows.append(unit_row("Sở Nội vụ - tỉnh An Bình", 90, kind=3))
    rows = [r for r in rows if not r["TEN"].startswith("Sở Nội vụ") or r["LOAI_COQUAN"] == 3]
    data = province_dir(tmp_path, {MONTH: rows})
    export, problems = read(data)
    (error,) = [p for p in problems if p.is_error]
    assert "LOAI_COQUAN says a local unit, but it matches Sở Nội vụ (SO_NV), a department" in error.message


def test_warnings_a_total_off_its_groups_and_a_unit_without_a_row(tmp_path):
    rows = every_unit()
    rows = [r for r in rows if r["TEN"] != "UBND Xã Đông Thái - tỉnh An Bình"]
    off = row_of("XA_TAN_LAP", 80.0)
    off["TONG_SCORE"] = 80.06  # groups add up to 80
    edge = row_of("P_AN_BINH", 90.0)
    edge["TONG_SCORE"] = 90.05  # exactly the tolerance: no warning
    rows = [off if r["TEN"].startswith("UBND Xã Tân Lập") else edge if r["TEN"].startswith("UBND Phường") else r
            for r in rows]
    data = province_dir(tmp_path, {MONTH: rows})
    export, problems = read(data)
    assert export is not None and not [p for p in problems if p.is_error]
    warnings = [p for p in problems if p.level == "warning"]
    assert len(warnings) == 2
    assert (warnings[0].row, warnings[0].column, warnings[0].value) == (9, "TONG_SCORE", "80,06")
    assert "differs from the sum of its six groups (80) by 0,06" in warnings[0].message
    assert warnings[1].message.startswith("unit Đông Thái (XA_DONG_THAI) has no row in the 766 export")
    # the total is taken as given
    assert export.index766.set_index("code").loc["XA_TAN_LAP", "total"] == 80.06


def test_a_file_that_is_no_export(tmp_path):
    data = province_dir(tmp_path, {})
    (data / "raw" / "766" / f"{MONTH}.xlsx").write_text("TEN;MA_COQUAN\n", encoding="utf-8")
    export, problems = read(data)
    assert export is None and "text (CSV?) file renamed to .xlsx" in problems[0].message
    (data / "raw" / "766" / f"{MONTH}.xlsx").unlink()
    (data / "raw" / "766" / f"{MONTH}.csv").write_text("Tên đơn vị;Điểm\nA;1\n", encoding="utf-8")
    export, problems = read(data, "csv")
    assert export is None and "no table of 766 scores found" in problems[0].message


def test_the_issuers_row_by_province_code_else_by_name(tmp_path):
    data = province_dir(tmp_path, {MONTH: every_unit()})
    ds = load.load_dataset(data, MONTH)
    assert ds.provinces766.set_index("dvc_code")["issuer"].to_dict() == {"H99": True, "H98": False}
    by_name = {k: v for k, v in CONFIG.items() if k != "province_code"}
    data = province_dir(tmp_path / "b", {MONTH: every_unit()}, config=by_name)
    assert list(load.load_dataset(data, MONTH).provinces766["issuer"]) == [True, False]
    other = dict(CONFIG, province_code="H01")
    data = province_dir(tmp_path / "c", {MONTH: every_unit()}, config=other)
    ds = load.load_dataset(data, MONTH)
    assert not ds.provinces766["issuer"].any()
    assert any("the province's own row (LOAI_COQUAN 1, province_code H01) is not among the 2 province rows"
               in str(w) for w in ds.warnings)


def test_a_month_of_766_only_is_a_month(tmp_path):
    data = province_dir(tmp_path, {MONTH: every_unit()})
    ds = load.load_dataset(data, MONTH)
    assert ds.months == [MONTH] and ds.source_of("index766") == "index766"
    assert ds.source_of("digitization") is None
    assert ds.inputs == [{"file": f"raw/766/{MONTH}.xlsx", "sha256": ds.inputs[0]["sha256"]}]
    assert list(ds.index766.columns) == ["month", "code", "total", "CKMB", "TDGQ", "CLGQ", "TTTT", "MDHL", "MDSH"]
    assert list(ds.index766["code"]) == [u[0] for u in UNITS]  # registry order


def test_the_frames_score_columns_are_the_total_and_the_groups():
    from cchc.dataset import SCORES766
    from cchc.index766 import GROUPS

    assert SCORES766 == ["total", *GROUPS] and sum(GROUPS.values()) == 100
