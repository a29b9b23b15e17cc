#!/usr/bin/env python
"""Synthetic dossier records for the benchmark: a province or a national month.

    .venv/bin/python bench/make_hoso.py OUT_DIR [--scale province|national] [--records N]
                                        [--month 2025-10] [--forms parquet,csv,xlsx] [--seed N]

writes one data folder per file form, OUT_DIR/<form>/, each holding units.csv,
config.yml and raw/hoso/<month>.<form> (the same records in each form):

- province: 20 departments and 168 local units, 500,000 records (default);
- national: 3,321 local units, 10,000,000 records (default; xlsx is not
  written: a sheet holds at most 1,048,576 rows).

The records follow docs/data-format.md ("raw/hoso/"): about 85 % received in
the month (date-times), the rest carried over from the two months before; due
dates 0–20 days after reception; most finished on time, some late, some still
pending, a few finished after the month (the export was taken later); channel
1/2/3; the 0/1 flags with a different digitisation and online-payment quality
per unit. `DonViXuLy` is the unit's portal code (dvc_code) on most rows, its
registry code or its portal name ("UBND xã … - tỉnh An Bình") on the others.
Extra columns (STT, GhiChu) are there to be ignored. CSV dates are written
"dd/mm/yyyy hh:mm"; Parquet has typed timestamps and int8 flags; the xlsx has
title rows above the header and dates as Excel date-times.

Deterministic (fixed seed) and fast: numpy and pyarrow build the columns; the
xlsx is written as XML directly (openpyxl would take minutes at this size).
Generated data is never committed: write it under bench/results/ (git-ignored)
or a temporary folder.
"""

from __future__ import annotations

import argparse
import calendar
import io
import sys
import zipfile
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
from openpyxl.utils import get_column_letter

SEED = 20251031
PROVINCE = "An Bình"  # fictional
SCALES = {
    "province": {"departments": 20, "locals": 168, "records": 500_000},
    "national": {"departments": 0, "locals": 3321, "records": 10_000_000},
}
SYLLABLES = (
    "An Bình Châu Đông Giang Hà Hải Hòa Hưng Khánh Lạc Lâm Long Minh Nam Nghĩa Ngọc Phú Phúc Phong "
    "Quang Sơn Tân Thạnh Thành Thịnh Thuận Tiến Trung Trường Tú Vĩnh Xuân Yên Bảo Cát Định Đức Hiệp "
    "Hồng Kim Lợi Mỹ Nhơn Ninh Phước Quý Tây Thái Thắng Thọ Thủy Tịnh Toàn Trà Uyên Văn Việt Vinh"
).split()
DEPARTMENTS = [
    "Sở Tư pháp", "Sở Tài chính", "Sở Nội vụ", "Sở Xây dựng", "Sở Công Thương", "Sở Y tế",
    "Sở Giáo dục và Đào tạo", "Sở Nông nghiệp và Môi trường", "Sở Khoa học và Công nghệ",
    "Sở Văn hóa, Thể thao và Du lịch", "Sở Ngoại vụ", "Sở Dân tộc và Tôn giáo", "Thanh tra tỉnh",
    "Ban Quản lý Khu kinh tế", "Ban Quản lý các khu công nghiệp", "Sở Giao thông vận tải",
    "Sở Lao động", "Sở Du lịch", "Sở Thông tin", "Ban Dân tộc",
]
FIELDS = [
    "Hộ tịch", "Chứng thực", "Đất đai", "Xây dựng", "Người có công", "Bảo trợ xã hội", "Đăng ký kinh doanh",
    "Thành lập và hoạt động của hộ kinh doanh", "Môi trường", "Tài nguyên nước", "Giáo dục", "Y tế",
    "Lao động", "Việc làm", "Nuôi con nuôi", "Quốc tịch", "Lý lịch tư pháp", "Thi đua, khen thưởng",
    "Tôn giáo", "Văn hóa", "Thể thao", "Du lịch", "Giao thông", "Đường bộ", "Nông nghiệp", "Thủy sản",
    "Lâm nghiệp", "Trồng trọt", "Chăn nuôi", "Thú y", "Thương mại", "Điện", "Khoa học", "Phòng cháy",
    "Tài chính", "Đầu tư", "Quy hoạch", "Nhà ở", "Kinh doanh bất động sản", "Giải quyết khiếu nại",
]
HEADERS = ["STT", "MaHoSo", "DonViXuLy", "MaLinhVuc", "TenLinhVuc", "MaTTHC", "TenTTHC", "KenhThucHien",
           "NgayTiepNhan", "NgayHenTra", "NgayKetThucXuLy", "HoSoCoThanhPhanSoHoa", "DaSoHoaKetQua", "CoPhi",
           "DuocThanhToanTrucTuyen", "GhiChu"]
DATES = ["NgayTiepNhan", "NgayHenTra", "NgayKetThucXuLy"]
FLAGS = ["HoSoCoThanhPhanSoHoa", "DaSoHoaKetQua", "CoPhi", "DuocThanhToanTrucTuyen"]


def registry(departments: int, locals_: int) -> list[dict]:
    """Units with codes, printed names, kinds and portal codes (H99, H99.01 …)."""
    units = []
    for i in range(departments):
        units.append({"code": f"SO{i + 1:02d}", "name": DEPARTMENTS[i % len(DEPARTMENTS)]
                      + ("" if i < len(DEPARTMENTS) else f" {i + 1}"), "kind": "department",
                      "dvc_code": f"H99.{i + 1:02d}"})
    n = len(SYLLABLES)
    names = [f"{SYLLABLES[i % n]} {SYLLABLES[(i // n + 7 * (i % n) + 1) % n]}" for i in range(n * n)]
    seen, picked = set(), []
    for name in names:
        if name.split()[0] != name.split()[1] and name not in seen:
            seen.add(name)
            picked.append(name)
    if locals_ > len(picked) * 3:
        raise SystemExit(f"at most {len(picked) * 3} local units")
    for i in range(locals_):
        kind = ("commune", "ward", "special_zone")[0 if i % 10 < 7 else 1 if i % 40 else 2]
        base = picked[i % len(picked)]
        name = base if i < len(picked) else f"{base} {i // len(picked) + 1}"
        units.append({"code": f"DV{i + 1:04d}", "name": name, "kind": kind, "dvc_code": f"H99.{100 + i}"})
    return units


def units_csv(units: list[dict]) -> str:
    lines = ["code,name,kind,aliases,dvc_code"]
    lines += [f'{u["code"]},"{u["name"]}",{u["kind"]},,{u["dvc_code"]}' for u in units]
    return "\n".join(lines) + "\n"


CONFIG = f"""issuer: "UBND TỈNH {PROVINCE.upper()}"
level: "tỉnh"
place: "{PROVINCE}"
document_code: "UBND-KSTT"
proposer: "Văn phòng UBND tỉnh"
signer: {{title: "CHỦ TỊCH", name: "Nguyễn Văn A"}}
distribution:
  - "Lưu: VT, KSTT"
"""


def portal_name(u: dict) -> str:
    word = {"commune": "UBND xã", "ward": "UBND phường", "special_zone": "UBND đặc khu"}.get(u["kind"])
    return f"{word} {u['name']} - tỉnh {PROVINCE}" if word else f"{u['name']} - tỉnh {PROVINCE}"


def records(units: list[dict], n: int, month: str, seed: int) -> pa.Table:
    """n records of `month` as an Arrow table (typed: timestamps, int8 flags)."""
    rng = np.random.default_rng(seed)
    y, m = map(int, month.split("-"))
    days = calendar.monthrange(y, m)[1]
    start = np.datetime64(f"{month}-01T00:00", "m")
    weights = rng.pareto(1.5, len(units)) + 1
    weights /= weights.sum()
    unit = rng.choice(len(units), size=n, p=weights)
    quality = rng.beta(8, 1.2, len(units))  # digitisation at reception, per unit
    online = rng.beta(1.2, 1.5, len(units))  # share of fees paid online, per unit

    carried = rng.random(n) < 0.15
    day = np.where(carried, -rng.integers(1, 61, n), rng.integers(0, days, n))
    minute = rng.integers(7 * 60 + 30, 17 * 60, n)
    received = start + (day * 1440 + minute).astype("timedelta64[m]")
    duration = rng.choice(np.array([0, 1, 3, 5, 7, 10, 15, 20]), size=n)
    due_day = np.where(carried, np.maximum(day + duration, rng.integers(0, days + 10, n)), day + duration)
    due = (start + due_day.astype("timedelta64[D]")).astype("datetime64[m]") + np.timedelta64(17 * 60, "m")
    spent = np.floor(duration * rng.uniform(0.2, 1.08, n)).astype("int64")  # about 5 % finished late
    finished = received + (spent * 1440 + rng.integers(0, 240, n)).astype("timedelta64[m]")
    finished = np.maximum(finished, received + np.timedelta64(5, "m"))
    # a record is in the month's file because the month touched it: carried-over dossiers end in it or later
    in_month = start + (np.minimum(rng.integers(0, days, n), np.maximum(due_day, 0)) * 1440
                        + rng.integers(8 * 60, 16 * 60, n)).astype("timedelta64[m]")
    finished = np.where(carried & (finished < start), in_month, finished)
    end = start + np.timedelta64(days * 1440, "m")
    pending = rng.random(n) < 0.02  # stuck: still pending, whatever the due date
    # finished after the month: half of them still show as pending (the export was taken at the month's end)
    after = finished >= end
    pending |= after & (rng.random(n) < 0.5)
    finished_col = pa.array(finished.astype("datetime64[s]"), mask=pending)

    field = rng.integers(0, len(FIELDS), n)
    procedure = field * 10 + rng.integers(0, 5, n)
    channel = rng.choice(np.array([1, 2, 3], dtype="int8"), size=n, p=[0.45, 0.5, 0.05])
    digitized = (rng.random(n) < quality[unit]).astype("int8")
    result = ((rng.random(n) < quality[unit] + 0.05) & ~pending).astype("int8")
    fee = (rng.random(n) < 0.3).astype("int8")
    paid = ((rng.random(n) < online[unit]) & (fee == 1)).astype("int8")

    dvc = np.array([u["dvc_code"] for u in units], dtype=object)
    code = np.array([u["code"] for u in units], dtype=object)
    pname = np.array([portal_name(u) for u in units], dtype=object)
    how = rng.random(n)
    who = np.where(how < 0.9, dvc[unit], np.where(how < 0.95, code[unit], pname[unit]))
    seq = pa.array(np.arange(1, n + 1)).cast(pa.string())
    dossier = pc.binary_join_element_wise("000.00.", pa.array(dvc[unit]), "-", pc.utf8_lpad(seq, 9, "0"), "")
    fields = np.array(FIELDS, dtype=object)
    return pa.table({
        "STT": pa.array(np.arange(1, n + 1, dtype="int32")),
        "MaHoSo": dossier,
        "DonViXuLy": pa.array(who, pa.string()).dictionary_encode(),
        "MaLinhVuc": pa.array(field + 1, pa.int16()).cast(pa.string()).dictionary_encode(),
        "TenLinhVuc": pa.array(fields[field], pa.string()).dictionary_encode(),
        "MaTTHC": pa.array(procedure, pa.int32()).cast(pa.string()).dictionary_encode(),
        "TenTTHC": pa.array(np.char.add("Thủ tục ", procedure.astype(str)).astype(object), pa.string()).dictionary_encode(),
        "KenhThucHien": pa.array(channel),
        "NgayTiepNhan": pa.array(received.astype("datetime64[s]")),
        "NgayHenTra": pa.array(due.astype("datetime64[s]")),
        "NgayKetThucXuLy": finished_col,
        "HoSoCoThanhPhanSoHoa": pa.array(digitized),
        "DaSoHoaKetQua": pa.array(result),
        "CoPhi": pa.array(fee),
        "DuocThanhToanTrucTuyen": pa.array(paid),
        "GhiChu": pa.nulls(n, pa.string()),
    })


def write_parquet(table: pa.Table, path: Path) -> None:
    pq.write_table(table, path, compression="zstd")


def write_csv(table: pa.Table, path: Path) -> None:
    cols = {}
    for name in table.column_names:
        col = table[name]
        if name in DATES:
            col = pc.strftime(col, format="%d/%m/%Y %H:%M")
        elif pa.types.is_dictionary(col.type):
            col = col.cast(pa.string())
        cols[name] = col
    pacsv.write_csv(pa.table(cols), path)


# ------------------------------------------------------------------ xlsx, written as XML

_EPOCH = np.datetime64("1899-12-30T00:00", "m")


def _col(i: int) -> str:
    """The column letters of 0-based column i."""
    return get_column_letter(i + 1)


def _esc(s: str) -> str:
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def write_xlsx(table: pa.Table, path: Path, month: str) -> None:
    """One sheet: two title rows, a blank row, the header, the records (shared strings, date-time cells)."""
    n = table.num_rows
    strings: dict[str, int] = {}

    def sid(s: str) -> int:
        return strings.setdefault(s, len(strings))

    for h in ("DANH SÁCH HỒ SƠ THỦ TỤC HÀNH CHÍNH", *table.column_names):  # the header first, as Excel writes
        sid(h)
    columns = []  # per column: a numpy array of cell XML fragments (without the reference)
    for j, name in enumerate(table.column_names):
        col = table[name]
        if pa.types.is_dictionary(col.type):
            col = col.cast(pa.string())
        if name in DATES:
            values = np.array(col.to_numpy(zero_copy_only=False), dtype="datetime64[m]")
            serial = (values - _EPOCH).astype("float64") / 1440
            text = np.char.add(np.char.add('" s="1"><v>', np.char.mod("%.8f", serial)), "</v></c>")
            text = np.where(np.isnat(values), "", text)
        elif pa.types.is_integer(col.type):
            text = np.char.add(np.char.add('"><v>', col.to_numpy().astype(str)), "</v></c>")
        else:
            values = col.to_pylist()
            text = np.array([f'" t="s"><v>{sid(v)}</v></c>' if v is not None else "" for v in values], dtype=object)
        columns.append(text.astype(object))
    first = 5  # title, subtitle, blank, header on row 4
    out = io.StringIO()
    out.write('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
              '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>')
    y, m = month.split("-")
    out.write(f'<row r="1"><c r="A1" t="s"><v>{sid("DANH SÁCH HỒ SƠ THỦ TỤC HÀNH CHÍNH")}</v></c></row>')
    out.write(f'<row r="2"><c r="A2" t="s"><v>{sid(f"Tháng {int(m)}/{y} - tỉnh {PROVINCE}")}</v></c></row>')
    out.write('<row r="4">' + "".join(f'<c r="{_col(j)}4" t="s"><v>{sid(h)}</v></c>'
                                      for j, h in enumerate(table.column_names)) + "</row>")
    letters = [_col(j) for j in range(len(columns))]
    chunk = 50_000
    for lo in range(0, n, chunk):
        hi = min(n, lo + chunk)
        rows = np.arange(lo + first, hi + first).astype(str).astype(object)
        line = '<row r="' + rows + '">'
        for letter, text in zip(letters, columns):
            part = text[lo:hi]
            cell = np.where(part == "", "", '<c r="' + letter + rows + part)
            line = line + cell
        out.write("".join(line + "</row>"))
    out.write("</sheetData></worksheet>")
    sheet = out.getvalue()
    shared = ['<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
              f'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="{len(strings)}" '
              f'uniqueCount="{len(strings)}">']
    shared += [f"<si><t>{_esc(s)}</t></si>" for s in strings]
    shared.append("</sst>")
    files = {
        "[Content_Types].xml": (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
            '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
            '<Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
            '<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>'
            "</Types>"),
        "_rels/.rels": (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>'
            "</Relationships>"),
        "xl/workbook.xml": (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
            'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
            '<sheets><sheet name="HoSo" sheetId="1" r:id="rId1"/></sheets></workbook>'),
        "xl/_rels/workbook.xml.rels": (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>'
            '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/>'
            '<Relationship Id="rId3" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/>'
            "</Relationships>"),
        "xl/styles.xml": (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            '<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
            '<numFmts count="1"><numFmt numFmtId="164" formatCode="dd/mm/yyyy hh:mm"/></numFmts>'
            '<fonts count="1"><font><sz val="11"/><name val="Calibri"/></font></fonts>'
            '<fills count="1"><fill><patternFill patternType="none"/></fill></fills>'
            '<borders count="1"><border/></borders>'
            '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
            '<cellXfs count="2"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
            '<xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/></cellXfs>'
            "</styleSheet>"),
        "xl/sharedStrings.xml": "".join(shared),
        "xl/worksheets/sheet1.xml": sheet,
    }
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as z:
        for name, text in files.items():
            z.writestr(zipfile.ZipInfo(name, date_time=(2026, 1, 5, 8, 0, 0)), text.encode("utf-8"),
                       compress_type=zipfile.ZIP_DEFLATED, compresslevel=1)


WRITERS = {"parquet": write_parquet, "csv": write_csv, "xlsx": write_xlsx}


def build(out: Path, scale: str = "province", n: int | None = None, month: str = "2025-10",
          forms: tuple[str, ...] = ("parquet", "csv", "xlsx"), seed: int = SEED) -> dict[str, Path]:
    """Write OUT/<form>/ data folders; {form: data folder}."""
    spec = SCALES[scale]
    units = registry(spec["departments"], spec["locals"])
    table = records(units, n or spec["records"], month, seed)
    made = {}
    for form in forms:
        if form == "xlsx" and table.num_rows > 1_048_000:
            print(f"skipped xlsx: {table.num_rows} rows do not fit a sheet", file=sys.stderr)
            continue
        folder = out / form
        (folder / "raw" / "hoso").mkdir(parents=True, exist_ok=True)
        (folder / "units.csv").write_text(units_csv(units), encoding="utf-8")
        (folder / "config.yml").write_text(CONFIG, encoding="utf-8")
        path = folder / "raw" / "hoso" / f"{month}.{form}"
        if form == "xlsx":
            write_xlsx(table, path, month)
        else:
            WRITERS[form](table, path)
        made[form] = folder
    return made


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("out", type=Path)
    ap.add_argument("--scale", choices=sorted(SCALES), default="province")
    ap.add_argument("--records", type=int, default=None)
    ap.add_argument("--month", default="2025-10")
    ap.add_argument("--forms", default="parquet,csv,xlsx")
    ap.add_argument("--seed", type=int, default=SEED)
    args = ap.parse_args(argv)
    made = build(args.out, args.scale, args.records, args.month, tuple(args.forms.split(",")), args.seed)
    for form, folder in made.items():
        print(f"{form}: {folder}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
