"""Build contract-shaped data directories (units.csv, config.yml, raw/*.xlsx) inside tests.

    from workbooks import make_data_dir, valid_month

    data = make_data_dir(tmp_path, months={
        "2023-05": valid_month(),
        "2023-06": {
            "SoHoa": [("Ngọc Kỳ", 100, 99, 50, 50), ("UBND xã Hòa Bình", 10, 10, 8, 8)],
            "QuaHan": [("HS-1", "Ngọc Kỳ", "Hộ tịch", "", "05/06/2023", None, "Không", "Chậm", "")],
            "ThanhToan": [{"unit": "Ngọc Kỳ", "payment_total": 10, "payment_online": 3}],
            # "BaoCao" not given: header only (no reports due); None: sheet left out
        },
    })
    ds = cchc.load.load_dataset(data, "2023-06")

Rows of a sheet are tuples in the contract's column order (`SHEETS` below) or
dicts keyed by field name (`unit`, `received`, …) or by contract header. A
`RawSheet` writes its rows exactly as given, from row 1 (custom headers, merged
cells, two-row headers). Options: `title_rows` (two title rows and a blank row
above the header), `totals` (a "Tổng cộng" row under SoHoa/ThanhToan with the
column sums; a dict {sheet: {field: value}} overrides some of them),
`extra_columns` (an "STT" column first and a "Ghi chú" column last).
"""

from __future__ import annotations

import csv
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import yaml
from openpyxl import Workbook

# Field names and contract headers, in the contract's column order.
SHEETS: dict[str, list[tuple[str, str]]] = {
    "SoHoa": [
        ("unit", "Đơn vị"),
        ("received", "Tiếp nhận"),
        ("received_digitized", "Số hoá đầy đủ khi tiếp nhận"),
        ("resolved", "Giải quyết"),
        ("resolved_digitized", "Số hoá kết quả"),
    ],
    "QuaHan": [
        ("dossier", "Mã hồ sơ"),
        ("unit", "Đơn vị"),
        ("field", "Lĩnh vực"),
        ("procedure", "Thủ tục"),
        ("deadline", "Hạn xử lý"),
        ("returned", "Ngày trả kết quả"),
        ("excused", "Miễn trừ"),
        ("reason", "Lý do"),
        ("basis", "Căn cứ"),
    ],
    "ThanhToan": [("unit", "Đơn vị"), ("payment_total", "Tổng giao dịch"), ("payment_online", "Trực tuyến")],
    "BaoCao": [
        ("unit", "Đơn vị"),
        ("report", "Báo cáo"),
        ("due", "Hạn nộp"),
        ("submitted", "Ngày nộp"),
        ("complete", "Đầy đủ"),
    ],
}
TOTALS_SHEETS = ("SoHoa", "ThanhToan")

# A small registry: (code, name, kind, aliases separated by ";").
DEFAULT_UNITS = [
    ("TP", "Phòng Tư pháp huyện", "department", ""),
    ("NV", "Phòng Nội vụ huyện", "department", ""),
    ("XA_NGOC_KY", "Ngọc Kỳ", "commune", ""),
    ("XA_HOA_BINH", "Hoà Bình", "commune", ""),
    ("XA_PHUONG_KY", "Phượng Kỳ", "commune", "Phụng Kỳ"),
    ("TT_THU", "Thử", "town", ""),
]

DEFAULT_CONFIG = {
    "issuer": "UBND HUYỆN THỬ",
    "level": "huyện",
    "place": "Thử",
    "document_code": "UBND-NV",
    "signer": {"title": "CHỦ TỊCH", "name": "Nguyễn Văn A"},
    "recipients": ["Thủ trưởng các cơ quan chuyên môn thuộc UBND huyện", "Chủ tịch UBND các xã, thị trấn"],
    "distribution": ["Lưu: VT, NV"],
    "parameters": {},
}


@dataclass
class RawSheet:
    """A sheet written exactly as given: every row from row 1, and merged ranges ("A1:E1")."""

    rows: list[list]
    merges: list[str] = field(default_factory=list)


def headers(sheet: str) -> list[str]:
    """The contract headers of a sheet, in order."""
    return [h for _, h in SHEETS[sheet]]


def valid_month(units=DEFAULT_UNITS, month: str = "2023-06") -> dict:
    """A month where every unit has a SoHoa and ThanhToan row and nothing is wrong."""
    names = [u[1] for u in units]
    return {
        "SoHoa": [(n, 10 + i, 10 + i, 8 + i, 8 + i) for i, n in enumerate(names)],
        "QuaHan": [],
        "ThanhToan": [(n, 10, i) for i, n in enumerate(names)],
        "BaoCao": [(names[-1], "Báo cáo CCHC tháng", f"10/{month[5:]}/{month[:4]}", f"09/{month[5:]}/{month[:4]}", "Có")],
    }


def _row_values(sheet: str, row) -> list:
    fields = SHEETS[sheet]
    if isinstance(row, dict):
        return [row.get(f, row.get(h)) for f, h in fields]
    values = list(row)
    return values + [None] * (len(fields) - len(values))


def _int_or_none(value):
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return value
    return None


def write_sheet(ws, sheet: str, rows, *, title_rows=True, totals=True, extra_columns=False) -> None:
    """Write a contract sheet (title rows, header, rows, totals) into an openpyxl worksheet."""
    if isinstance(rows, RawSheet):
        for r in rows.rows:
            ws.append(list(r))
        for rng in rows.merges:
            ws.merge_cells(rng)
        return
    width = len(SHEETS[sheet]) + (2 if extra_columns else 0)
    if title_rows:
        ws.append(["UBND HUYỆN THỬ"])
        ws.append([f"BIỂU TỔNG HỢP {sheet.upper()}"])
        ws.merge_cells(start_row=2, start_column=1, end_row=2, end_column=width)
        ws.append([])
    head = headers(sheet)
    ws.append((["STT", *head, "Ghi chú"]) if extra_columns else head)
    body = [_row_values(sheet, r) for r in rows]
    for i, values in enumerate(body, start=1):
        ws.append([i, *values, None] if extra_columns else values)
    if totals and sheet in TOTALS_SHEETS:
        overrides = totals.get(sheet, {}) if isinstance(totals, dict) else {}
        sums = []
        for j, (name, _) in enumerate(SHEETS[sheet][1:], start=1):
            numbers = [_int_or_none(v[j]) for v in body]
            sums.append(overrides.get(name, sum(n for n in numbers if n is not None)))
        ws.append(["Tổng cộng", None, *sums, None] if extra_columns else ["Tổng cộng", *sums])


def write_workbook(path: Path, sheets: dict, *, title_rows=True, totals=True, extra_columns=False) -> Path:
    """A monthly workbook: the four contract sheets (a missing key: header only; None: left out)."""
    wb = Workbook()
    wb.remove(wb.active)
    for sheet in SHEETS:
        rows = sheets.get(sheet, [])
        if rows is None:
            continue
        ws = wb.create_sheet(sheet)
        write_sheet(ws, sheet, rows, title_rows=title_rows, totals=totals, extra_columns=extra_columns)
    for name, rows in sheets.items():  # extra sheets, e.g. misspelt names
        if name not in SHEETS and rows is not None:
            ws = wb.create_sheet(name)
            for r in rows.rows if isinstance(rows, RawSheet) else rows:
                ws.append(list(r))
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)
    return Path(path)


def write_units(path: Path, units=DEFAULT_UNITS, *, bom: bool = False) -> Path:
    """units.csv from (code, name, kind[, aliases]) tuples or dicts; aliases as "a;b" or a tuple."""
    with open(path, "w", encoding="utf-8-sig" if bom else "utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(["code", "name", "kind", "aliases"])
        for u in units:
            if isinstance(u, dict):
                u = (u["code"], u["name"], u["kind"], u.get("aliases", ""))
            aliases = u[3] if len(u) > 3 else ""
            if not isinstance(aliases, str):
                aliases = ";".join(aliases)
            w.writerow([u[0], u[1], u[2], aliases])
    return Path(path)


def write_config(path: Path, config=None) -> Path:
    """config.yml from a dict (YAML-dumped) or a str (written as is)."""
    config = DEFAULT_CONFIG if config is None else config
    text = config if isinstance(config, str) else yaml.safe_dump(config, allow_unicode=True, sort_keys=False)
    Path(path).write_text(text, encoding="utf-8")
    return Path(path)


def make_data_dir(
    tmp_path: Path,
    months: dict | None = None,
    *,
    units=DEFAULT_UNITS,
    config=None,
    title_rows: bool = True,
    totals=True,
    extra_columns: bool = False,
    name: str = "data",
) -> Path:
    """A data directory under tmp_path: units.csv, config.yml, raw/<month>.xlsx for each month.

    `months` maps "YYYY-MM" to {sheet: rows} (see the module docstring); default:
    one valid month, 2023-06. `units=None` leaves units.csv out; `config=None`
    writes DEFAULT_CONFIG, `config=False` leaves config.yml out, a str is written as is.
    """
    root = Path(tmp_path) / name
    (root / "raw").mkdir(parents=True, exist_ok=True)
    if units is not None:
        write_units(root / "units.csv", units)
    if config is not False:
        write_config(root / "config.yml", config)
    months = {"2023-06": valid_month(units or DEFAULT_UNITS)} if months is None else months
    for month, sheets in months.items():
        write_workbook(root / "raw" / f"{month}.xlsx", sheets, title_rows=title_rows, totals=totals,
                       extra_columns=extra_columns)
    return root


def set_cached_values(xlsx: Path, values: dict[tuple[str, str], object]) -> Path:
    """Give formula cells a saved result, as Excel does on save (openpyxl cannot).

    `values` maps (sheet name, "C7") to the cached number or text.
    """
    xlsx = Path(xlsx)
    with zipfile.ZipFile(xlsx) as z:
        members = {n: z.read(n) for n in z.namelist()}
    workbook = members["xl/workbook.xml"].decode()
    rels = members["xl/_rels/workbook.xml.rels"].decode()
    targets = dict(re.findall(r'<Relationship[^>]*Id="([^"]+)"[^>]*Target="([^"]+)"', rels))
    targets.update({k: v for v, k in re.findall(r'<Relationship[^>]*Target="([^"]+)"[^>]*Id="([^"]+)"', rels)})
    sheet_files = {}
    for name, rid in re.findall(r'<sheet[^>]*name="([^"]+)"[^>]*r:id="([^"]+)"', workbook):
        target = targets[rid].lstrip("/")
        sheet_files[name] = target if target.startswith("xl/") else f"xl/{target}"
    for (sheet, ref), value in values.items():
        member = sheet_files[sheet]
        xml = members[member].decode()
        pattern = re.compile(rf'<c r="{ref}"([^>]*)>(<f>.*?</f>)(?:<v>.*?</v>|<v\s*/>)?</c>', re.S)
        kind = ' t="str"' if isinstance(value, str) else ""

        def cached(m, kind=kind, ref=ref, value=value):
            style = re.sub(r'\s+t="[^"]*"', "", m.group(1))
            return f'<c r="{ref}"{style}{kind}>{m.group(2)}<v>{value}</v></c>'

        new = pattern.sub(cached, xml, count=1)
        assert new != xml, f"no formula cell {sheet}!{ref}"
        members[member] = new.encode()
    with zipfile.ZipFile(xlsx, "w", zipfile.ZIP_DEFLATED) as z:
        for n, data in members.items():
            z.writestr(n, data)
    return xlsx
