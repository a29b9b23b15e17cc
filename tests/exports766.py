"""Write Decision 766 exports as the national portal does, and small province data folders, for tests.

    data = province_dir(tmp_path, {"2025-10": [unit_row("UBND Xã Tân Lập - tỉnh An Bình", 74.12), …]})

An export is one or more sheets of rows (dicts of the portal's columns, missing
ones blank); `write_export` adds title rows, the portal's extra columns (ID,
TEN_COQUAN, ROW_STT) and writes numbers as text with a decimal comma unless
told otherwise.
"""

from __future__ import annotations

import csv
from pathlib import Path

import yaml
from openpyxl import Workbook

GROUPS = {"CKMB": 18, "TDGQ": 20, "CLGQ": 12, "TTTT": 10, "MDHL": 18, "MDSH": 22}
HEADER = ["ID", "TEN", "MA_COQUAN", "LOAI_COQUAN", "TEN_COQUAN", *GROUPS, "TONG_SCORE", "ROW_STT"]

#: (code, name, kind, aliases, dvc_code): three departments, then the three kinds of local unit.
UNITS = [
    ("SO_TP", "Sở Tư pháp", "department", "", "H99.01"),
    ("TTT", "Thanh tra tỉnh", "department", "", ""),
    ("SO_NV", "Sở Nội vụ", "department", "", ""),
    ("XA_TAN_LAP", "Tân Lập", "commune", "", ""),
    ("P_AN_BINH", "An Bình", "ward", "", "H99.200"),
    ("DK_HON_NGOC", "Hòn Ngọc", "special_zone", "", ""),
    ("XA_DONG_THAI", "Đông Thái", "commune", "", ""),
]
#: How the portal writes each unit of UNITS.
PORTAL_NAMES = {
    "SO_TP": "Sở Tư pháp - tỉnh An Bình",
    "TTT": "Thanh tra tỉnh An Bình",
    "SO_NV": "Sở Nội vụ - tỉnh An Bình",
    "XA_TAN_LAP": "UBND Xã Tân Lập - tỉnh An Bình",
    "P_AN_BINH": "UBND Phường An Bình - tỉnh An Bình",
    "DK_HON_NGOC": "UBND Đặc khu Hòn Ngọc - tỉnh An Bình",
    "XA_DONG_THAI": "UBND Xã Đông Thái - tỉnh An Bình",
}
TYPES = {"department": 2, "commune": 3, "ward": 3, "special_zone": 3}
CONFIG = {
    "issuer": "UBND TỈNH AN BÌNH",
    "level": "tỉnh",
    "province_code": "H99",
    "place": "An Bình",
    "document_code": "UBND-KSTT",
    "signer": {"title": "CHỦ TỊCH", "name": "Nguyễn Văn A"},
}


def split(total: float) -> dict[str, float]:
    """Six groups in proportion to their maxima that add up to `total` (2 decimals)."""
    groups = {g: round(m * total / 100, 2) for g, m in GROUPS.items()}
    groups["MDSH"] = round(total - sum(v for g, v in groups.items() if g != "MDSH"), 2)
    return groups


def unit_row(name: str, total: float | None = None, code: str = "", kind: int = 3, **groups) -> dict:
    """One row of the export; groups default to `split(total)`, the total to the groups' sum."""
    given = split(total) if total is not None else {}
    given.update(groups)
    if total is None:
        total = round(sum(given.values()), 2)
    return {"TEN": name, "MA_COQUAN": code, "LOAI_COQUAN": kind, **given, "TONG_SCORE": total}


def row_of(code: str, total: float | None = None, **groups) -> dict:
    """The row of a unit of UNITS as the portal writes it."""
    unit = next(u for u in UNITS if u[0] == code)
    return unit_row(PORTAL_NAMES[code], total, code=unit[4] or "", kind=TYPES[unit[2]], **groups)


def province_row(name: str, total: float, code: str) -> dict:
    return unit_row(name, total, code=code, kind=1)


def every_unit(totals: dict[str, float] | None = None, default: float = 92.0) -> list[dict]:
    """A row for every unit of UNITS (the province's own row first), totals as given, else `default`."""
    totals = totals or {}
    return [province_row("UBND tỉnh An Bình", 88.5, "H99"), province_row("UBND tỉnh Bình Sơn", 91.0, "H98")] + [
        row_of(u[0], totals.get(u[0], default)) for u in UNITS]


def _cell(value, text: bool, decimal: str):
    if isinstance(value, float) or (isinstance(value, int) and not isinstance(value, bool)):
        return (f"{value:g}".replace(".", decimal)) if text else value
    return value


def write_export(path: Path, sheets, *, text: bool = True, decimal: str = ",", title: bool = True,
                 header=HEADER) -> Path:
    """An export: `sheets` is {sheet name: rows} (a list of rows: one sheet "Sheet1"). .csv: one table."""
    if isinstance(sheets, list):
        sheets = {"Sheet1": sheets}
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.suffix == ".csv":
        rows = [r for rs in sheets.values() for r in rs]
        with open(path, "w", encoding="utf-8-sig", newline="") as f:
            w = csv.writer(f, delimiter=";" if decimal == "," else ",")
            if title:  # as the portal writes it: a title above the header (a comma in it, whatever the separator)
                w.writerow(["KẾT QUẢ ĐÁNH GIÁ CHỈ SỐ PHỤC VỤ NGƯỜI DÂN, DOANH NGHIỆP"])
                w.writerow([])
            w.writerow(header)
            for i, r in enumerate(rows, start=1):
                w.writerow([i if h == "ID" else _cell(r.get(h), text, decimal) for h in header])
        return path
    wb = Workbook()
    wb.remove(wb.active)
    for name, rows in sheets.items():
        ws = wb.create_sheet(name)
        if title:
            ws.append(["KẾT QUẢ ĐÁNH GIÁ CHỈ SỐ PHỤC VỤ NGƯỜI DÂN, DOANH NGHIỆP"])
            ws.append(["(Theo Quyết định số 766/QĐ-TTg)"])
        ws.append(header)
        for i, r in enumerate(rows, start=1):
            ws.append([i if h == "ID" else i if h == "ROW_STT" else _cell(r.get(h), text, decimal) for h in header])
    wb.save(path)
    return path


def write_units(path: Path, units=UNITS) -> Path:
    with open(path, "w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(["code", "name", "kind", "aliases", "dvc_code"])
        for u in units:
            w.writerow(list(u) + [""] * (5 - len(u)))
    return Path(path)


def province_dir(tmp_path: Path, exports: dict, *, units=UNITS, config=None, ext: str = "xlsx", **kw) -> Path:
    """A data folder of a province with only 766 exports: {month: rows or {sheet: rows}}."""
    root = Path(tmp_path) / "province"
    (root / "raw" / "766").mkdir(parents=True, exist_ok=True)
    write_units(root / "units.csv", units)
    (root / "config.yml").write_text(yaml.safe_dump(config or CONFIG, allow_unicode=True, sort_keys=False),
                                     encoding="utf-8")
    for month, sheets in exports.items():
        write_export(root / "raw" / "766" / f"{month}.{ext}", sheets, **kw)
    return root
