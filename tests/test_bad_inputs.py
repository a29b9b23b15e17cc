"""The catalogue of bad input: every kind the product may meet, and what it says.

One table, `CASES`: how to make the bad data directory, and what the user must
read -- the level (error, warning, or "ok" when the input is accepted as
documented in docs/data-format.md), the file, sheet, Excel row, column and value
of the problem, and words of its message. Each case is checked three ways:

* `cchc.load.validate` returns a problem located exactly so;
* `python -m cchc validate` (through `cchc.cli.main`) prints it, one line, with
  the exit status 1 for errors and 0 otherwise, and no traceback;
* `python -m cchc report` refuses every error case before starting a kernel and
  writes nothing.

A few cases also run as a real subprocess (`python -m cchc validate`), and two
bad rows are found among a 10,000-row QuaHan sheet.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import struct
import subprocess
import sys
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Callable
from xml.sax.saxutils import escape

import pytest
from openpyxl.utils import get_column_letter

from cchc import cache, load
from cchc.cli import main
from workbooks import (
    DEFAULT_CONFIG,
    DEFAULT_UNITS,
    RawSheet,
    headers,
    make_data_dir,
    set_cached_values,
    valid_month,
)

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module", autouse=True)
def no_month_cache():
    """Every case is read from its file, not taken from the parsed-month cache:
    what is checked is the parsing."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv(cache.CACHE_VARIABLE, "off")
        yield
MONTH = "2023-06"
RAW = f"raw/{MONTH}.xlsx"
FIRST = 5  # Excel row of the first data row: two title rows, a blank row, the header (tests/workbooks.py)


# ----------------------------------------------------------------- bad files, made by hand


OLE_SIGNATURE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def ole_file(streams: list[str]) -> bytes:
    """A small OLE compound file (what Excel writes for .xls and for password-protected
    .xlsx) whose directory lists `streams`: a header, one FAT sector, one directory sector."""
    free, end, fat_sector = 0xFFFFFFFF, 0xFFFFFFFE, 0xFFFFFFFD
    header = bytearray(512)
    header[0:8] = OLE_SIGNATURE
    struct.pack_into("<HHHHH", header, 24, 0x3E, 3, 0xFFFE, 9, 6)  # versions, byte order, sector sizes
    struct.pack_into("<IIII", header, 44, 1, 1, 0, 4096)  # FAT sectors, first directory sector, -, mini cutoff
    struct.pack_into("<IIII", header, 60, end, 0, end, 0)  # no mini FAT, no DIFAT sectors
    struct.pack_into("<I", header, 76, 0)  # the FAT is sector 0
    header[80:512] = b"\xff" * 432
    fat = struct.pack("<II", fat_sector, end) + b"\xff" * 504

    def entry(name: str, kind: int, child=free, right=free) -> bytes:
        raw = name.encode("utf-16-le") + b"\0\0"
        e = bytearray(128)
        e[: len(raw)] = raw
        struct.pack_into("<HBB", e, 64, len(raw), kind, 1)
        struct.pack_into("<III", e, 68, free, right, child)
        struct.pack_into("<II", e, 116, end, 0)
        return bytes(e)

    entries = [entry("Root Entry", 5, child=1)]
    for i, name in enumerate(streams, start=1):
        entries.append(entry(name, 2, right=i + 1 if i < len(streams) else free))
    directory = b"".join(entries)
    directory += b"\0" * (-len(directory) % 512)
    return bytes(header) + fat + directory


def put_file(content: bytes | Callable[[Path], bytes]):
    """A build step: replace June's workbook by these bytes (May is valid, so the history loads)."""

    def build(tmp: Path) -> Path:
        data = make_data_dir(tmp, months={"2023-05": valid_month(), MONTH: valid_month()})
        path = data / RAW
        path.write_bytes(content(path) if callable(content) else content)
        return data

    return build


def zip_bytes(members: dict[str, bytes | str]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for name, content in members.items():
            z.writestr(name, content)
    return buf.getvalue()


def month_with(**sheets):
    return {**valid_month(), **sheets}


def sheets(**kw):
    """A build step: June with some sheets replaced (tests/workbooks.py conventions)."""
    return lambda tmp: make_data_dir(tmp, months={MONTH: month_with(**kw)})


def dossier(**kw):
    base = {"dossier": "HS-1", "unit": "Ngọc Kỳ", "field": "Hộ tịch", "procedure": "", "deadline": "01/06/2023",
            "returned": None, "excused": "Không", "reason": "Chậm", "basis": ""}
    return {**base, **kw}


def units(rows, **kw):
    return lambda tmp: make_data_dir(tmp, units=rows, **kw)


def units_text(text: str | bytes):
    def build(tmp):
        data = make_data_dir(tmp)
        path = data / "units.csv"
        path.write_bytes(text if isinstance(text, bytes) else text.encode("utf-8"))
        return data

    return build


def config(cfg):
    return lambda tmp: make_data_dir(tmp, config=cfg)


def formula_month(cached: dict | None):
    def build(tmp):
        rows = [headers("SoHoa"), ("Ngọc Kỳ", 10, 9, 8, 8), ("Thử", 5, "=B3-1", 3, 3)]
        data = make_data_dir(tmp, months={MONTH: month_with(SoHoa=RawSheet(rows))})
        if cached:
            set_cached_values(data / RAW, cached)
        return data

    return build


def extra_file(name: str):
    def build(tmp):
        data = make_data_dir(tmp)
        (data / "raw" / name).write_bytes(b"lock")
        return data

    return build


def gap(tmp):
    return make_data_dir(tmp, months={"2023-04": valid_month(), MONTH: valid_month()})


# ----------------------------------------------------------------- the catalogue


@dataclass
class Case:
    id: str
    build: Callable[[Path], Path]
    level: str  # "error", "warning", or "ok" (accepted as documented)
    words: tuple[str, ...] = ()  # all in the message
    file: str = RAW
    sheet: str = ""
    row: int | None = None
    column: str = ""
    value: str | None = None
    month: str = MONTH
    check: Callable | None = None  # for "ok": a check of the loaded Dataset

    def __str__(self):
        return self.id


def count_of(code, column, expected, frame="digitization"):
    def check(ds):
        table = getattr(ds, frame)
        assert table[table["month"] == MONTH].set_index("code").loc[code, column] == expected

    return check


def every_default_unit(ds):
    assert ds.units["code"].tolist() == [u[0] for u in DEFAULT_UNITS]


MERGED_TWO_ROW_HEADER = RawSheet(
    [["STT", "Đơn vị", "Hồ sơ", None, None, None],
     [None, None, "Tiếp nhận", "Số hoá đầy đủ khi tiếp nhận", "Giải quyết", "Số hoá kết quả"],
     [1, "Ngọc Kỳ", 5, 4, 3, 2]],
    merges=["A1:A2", "B1:B2", "C1:F1"],
)
# "Tiếp nhận" merged over two columns: the next header disappears under the merge.
MERGED_OVER_A_HEADER = RawSheet(
    [["Đơn vị", "Tiếp nhận", None, "Giải quyết", "Số hoá kết quả"], ["Ngọc Kỳ", 5, 4, 3, 2]],
    merges=["B1:C1"],
)

CASES = [
    # --- files that are not workbooks
    Case("corrupt-xlsx", put_file(lambda p: p.read_bytes()[: len(p.read_bytes()) // 2]), "error", ("damaged",)),
    Case("zip-not-xlsx", put_file(zip_bytes({"notes.txt": "hi"})), "error", ("zip archive", "not an Excel")),
    Case("xls-renamed", put_file(ole_file(["Workbook", "\x05SummaryInformation"])), "error",
         ("Excel 97-2003 .xls", "save it as 'Excel Workbook (.xlsx)'")),
    Case("password-protected", put_file(ole_file(["EncryptionInfo", "EncryptedPackage", "\x06DataSpaces"])),
         "error", ("password-protected", "remove the password")),
    Case("ole-unknown", put_file(OLE_SIGNATURE + b"\0" * 1000), "error", ("password-protected", ".xls")),
    Case("csv-renamed", put_file("Đơn vị,Tiếp nhận\nNgọc Kỳ,3\n".encode()), "error", ("CSV", "save it from Excel")),
    Case("html-renamed", put_file("<html><body><table><tr><td>Đơn vị</td></tr></table></body></html>".encode()),
         "error", ("web page",)),
    Case("ods-renamed", put_file(zip_bytes({"mimetype": "application/vnd.oasis.opendocument.spreadsheet"})),
         "error", ("OpenDocument",)),
    Case("xlsb-renamed", put_file(zip_bytes({"[Content_Types].xml": "<Types/>", "xl/workbook.bin": b"\0"})),
         "error", ("Excel binary workbook (.xlsb)",)),
    Case("empty-file", put_file(b""), "error", ("empty",)),
    Case("binary-junk", put_file(bytes(range(256)) * 4), "error", ("not an Excel",)),
    # --- sheets and headers
    Case("missing-sheet", sheets(QuaHan=None), "error", ("missing sheet 'QuaHan'", "sheets found"), sheet="QuaHan"),
    Case("misspelt-sheet", lambda tmp: make_data_dir(tmp, months={MONTH: {**month_with(QuaHan=None),
                                                                         "Qua han": [headers("QuaHan")]}}),
         "error", ("found 'Qua han'", "rename it to 'QuaHan'"), sheet="QuaHan"),
    Case("missing-column", sheets(SoHoa=RawSheet([["Đơn vị", "Tiếp nhận", "Số hoá đầy đủ khi tiếp nhận",
                                                   "Số hoá kết quả"], ["Ngọc Kỳ", 1, 1, 1]])),
         "error", ("missing column 'Giải quyết'",), sheet="SoHoa", row=1, column="Giải quyết"),
    Case("no-header-row", sheets(ThanhToan=RawSheet([["Đơn vị tính: giao dịch"], ["Ngọc Kỳ", 1, 1]])),
         "error", ("no header row found", "'Tổng giao dịch'"), sheet="ThanhToan"),
    Case("merged-header-two-rows", sheets(SoHoa=MERGED_TWO_ROW_HEADER), "ok",
         check=count_of("XA_NGOC_KY", "received_digitized", 4)),
    Case("merged-header-hides-a-column", sheets(SoHoa=MERGED_OVER_A_HEADER), "error",
         ("missing column 'Số hoá đầy đủ khi tiếp nhận'",), sheet="SoHoa", row=1,
         column="Số hoá đầy đủ khi tiếp nhận"),
    # --- formulas
    Case("formula-cached", formula_month({("SoHoa", "C3"): 4}), "ok",
         check=count_of("TT_THU", "received_digitized", 4)),
    Case("formula-not-cached", formula_month(None), "error", ("formula without a saved result", "save it"),
         sheet="SoHoa", row=3, column="Số hoá đầy đủ khi tiếp nhận"),
    Case("excel-error-value", sheets(SoHoa=[("Ngọc Kỳ", "#DIV/0!", 0, 0, 0)]), "error", ("Excel error value",),
         sheet="SoHoa", row=FIRST, column="Tiếp nhận", value="#DIV/0!"),
    # --- counts
    Case("count-as-text-dot", sheets(SoHoa=[("Ngọc Kỳ", "1.234", "1.200", 0, 0)]), "ok",
         check=count_of("XA_NGOC_KY", "received", 1234)),
    Case("count-as-text-comma", sheets(SoHoa=[("Ngọc Kỳ", "1,234", "1 200", 0, 0)]), "ok",
         check=count_of("XA_NGOC_KY", "received_digitized", 1200)),
    Case("count-decimal-text", sheets(SoHoa=[("Ngọc Kỳ", "12,5", 0, 0, 0)]), "error", ("not a whole number",),
         sheet="SoHoa", row=FIRST, column="Tiếp nhận", value="12,5"),
    Case("count-non-integer", sheets(SoHoa=[("Ngọc Kỳ", 12.5, 0, 0, 0)]), "error", ("not a whole number",),
         sheet="SoHoa", row=FIRST, column="Tiếp nhận", value="12.5"),
    Case("count-words", sheets(ThanhToan=[("Ngọc Kỳ", "mười", 0)]), "error", ("not a number",),
         sheet="ThanhToan", row=FIRST, column="Tổng giao dịch", value="mười"),
    Case("count-negative", sheets(SoHoa=[("Ngọc Kỳ", -3, 0, 0, 0)]), "error", ("negative",),
         sheet="SoHoa", row=FIRST, column="Tiếp nhận", value="-3"),
    Case("count-huge", sheets(SoHoa=[("Ngọc Kỳ", 10**20, 0, 0, 0)]), "error", ("too large for a count",),
         sheet="SoHoa", row=FIRST, column="Tiếp nhận"),
    Case("digitised-over-received", sheets(SoHoa=[("Ngọc Kỳ", 10, 11, 0, 0)]), "error",
         ("'Số hoá đầy đủ khi tiếp nhận' (11) is more than 'Tiếp nhận' (10)",),
         sheet="SoHoa", row=FIRST, column="Số hoá đầy đủ khi tiếp nhận", value="11"),
    Case("online-over-total", sheets(ThanhToan=[("Ngọc Kỳ", 3, 4)]), "error", ("more than 'Tổng giao dịch'",),
         sheet="ThanhToan", row=FIRST, column="Trực tuyến", value="4"),
    Case("totals-row-disagrees", lambda tmp: make_data_dir(tmp, totals={"SoHoa": {"received": 999}}), "warning",
         ("totals row says 999",), sheet="SoHoa", column="Tiếp nhận", value="999"),
    # --- units
    Case("unit-blank", sheets(ThanhToan=[("Ngọc Kỳ", 1, 1), (None, 3, 1)]), "error", ("the unit cell is empty",),
         sheet="ThanhToan", row=FIRST + 1, column="Đơn vị"),
    Case("unit-duplicate", sheets(SoHoa=[("Ngọc Kỳ", 1, 1, 1, 1), ("UBND xã Ngọc Kỳ", 2, 2, 2, 2)]), "error",
         ("duplicate unit row", f"first on row {FIRST}"), sheet="SoHoa", row=FIRST + 1, column="Đơn vị",
         value="UBND xã Ngọc Kỳ"),
    Case("unit-unknown", sheets(SoHoa=[("Hoa Binh", 1, 1, 1, 1)]), "error",
         ("unknown unit", "closest registry names: Hoà Bình"), sheet="SoHoa", row=FIRST, column="Đơn vị",
         value="Hoa Binh"),
    Case("unit-ambiguous", lambda tmp: make_data_dir(
        tmp, units=[*DEFAULT_UNITS, ("XA_THU", "Thử", "commune", "")],
        months={MONTH: month_with(ThanhToan=[("Thử", 1, 1)])}), "error", ("ambiguous unit", "write the prefix"),
         sheet="ThanhToan", row=FIRST, column="Đơn vị", value="Thử"),
    Case("unit-renamed-in-units-csv", lambda tmp: make_data_dir(
        tmp, units=[(c, "Hoà Sơn" if c == "XA_HOA_BINH" else n, k, a) for c, n, k, a in DEFAULT_UNITS],
        months={"2023-05": valid_month(), MONTH: valid_month()}), "error",
         ("unknown unit 'Hoà Bình' in raw/2023-05.xlsx and raw/2023-06.xlsx", "is not in units.csv",
          "if it is the old name of 'Hoà Sơn' (XA_HOA_BINH), add 'Hoà Bình' to that unit's aliases"), file=""),
    Case("unit-missing-from-sheet", sheets(SoHoa=[("Ngọc Kỳ", 1, 1, 1, 1)]), "warning",
         ("has no row in SoHoa", "counted as no dossiers"), sheet="SoHoa", value="Hoà Bình"),
    # --- dates
    Case("date-impossible", sheets(QuaHan=[dossier(deadline="31/02/2023")]), "error", ("no such date",),
         sheet="QuaHan", row=FIRST, column="Hạn xử lý", value="31/02/2023"),
    Case("date-out-of-range", sheets(QuaHan=[dossier(deadline="01/06/2203")]), "error",
         ("date out of range", "between 1950 and 2149"), sheet="QuaHan", row=FIRST, column="Hạn xử lý",
         value="01/06/2203"),
    Case("date-not-a-date", sheets(BaoCao=[("Thử", "Báo cáo", "10/06/2023", "sớm", "Có")]), "error",
         ("not a date", "dd/mm/yyyy"), sheet="BaoCao", row=FIRST, column="Ngày nộp", value="sớm"),
    Case("date-missing", sheets(QuaHan=[dossier(deadline=None)]), "error", ("missing date",),
         sheet="QuaHan", row=FIRST, column="Hạn xử lý"),
    Case("deadline-after-the-month", sheets(QuaHan=[dossier(deadline="15/07/2023")]), "warning",
         ("deadline after the end of 2023-06",), sheet="QuaHan", row=FIRST, column="Hạn xử lý",
         value="15/07/2023"),
    Case("returned-in-the-future", sheets(QuaHan=[dossier(returned="15/07/2093")]), "warning",
         ("more than two months after the end of 2023-06", "is the year right"), sheet="QuaHan", row=FIRST,
         column="Ngày trả kết quả", value="15/07/2093"),
    Case("returned-before-the-deadline", sheets(QuaHan=[dossier(deadline="10/06/2023", returned="09/06/2023")]),
         "warning", ("not overdue",), sheet="QuaHan", row=FIRST, column="Ngày trả kết quả", value="09/06/2023"),
    Case("due-before-the-month", sheets(BaoCao=[("Thử", "Báo cáo", "10/01/2023", "09/01/2023", "Có")]), "warning",
         ("due date far from 2023-06",), sheet="BaoCao", row=FIRST, column="Hạn nộp", value="10/01/2023"),
    Case("submitted-in-the-future", sheets(BaoCao=[("Thử", "Báo cáo", "10/06/2023", "10/06/2032", "Có")]),
         "warning", ("is the year right",), sheet="BaoCao", row=FIRST, column="Ngày nộp", value="10/06/2032"),
    # --- booleans, dossiers, reports
    Case("boolean-bad", sheets(BaoCao=[("Thử", "Báo cáo", "10/06/2023", None, "chưa rõ")]), "error",
         ("not a yes/no value", "Có/Không"), sheet="BaoCao", row=FIRST, column="Đầy đủ", value="chưa rõ"),
    Case("boolean-number", sheets(QuaHan=[dossier(excused=2)]), "error", ("not a yes/no value",),
         sheet="QuaHan", row=FIRST, column="Miễn trừ", value="2"),
    Case("excused-without-reason", sheets(QuaHan=[dossier(excused="x", reason=" ")]), "error",
         ("excused dossier without a reason",), sheet="QuaHan", row=FIRST, column="Lý do"),
    Case("dossier-duplicate", sheets(QuaHan=[dossier(), dossier(dossier="HS-2"), dossier(unit="Thử")]), "error",
         ("duplicate dossier code", f"first on row {FIRST}"), sheet="QuaHan", row=FIRST + 2, column="Mã hồ sơ",
         value="HS-1"),
    Case("dossier-code-blank", sheets(QuaHan=[dossier(dossier=None)]), "error", ("'Mã hồ sơ' is empty",),
         sheet="QuaHan", row=FIRST, column="Mã hồ sơ"),
    Case("field-blank", sheets(QuaHan=[dossier(field=" ")]), "error", ("'Lĩnh vực' is empty",),
         sheet="QuaHan", row=FIRST, column="Lĩnh vực"),
    Case("report-name-blank", sheets(BaoCao=[("Thử", None, "10/06/2023", None, "Có")]), "error",
         ("'Báo cáo' is empty",), sheet="BaoCao", row=FIRST, column="Báo cáo"),
    # --- the registry (units.csv)
    Case("registry-missing", units(None), "error", ("registry of units is missing",), file="units.csv"),
    Case("registry-empty", units_text(""), "error", ("units.csv is empty",), file="units.csv"),
    Case("registry-header-only", units_text("code,name,kind,aliases\n"), "error", ("lists no units",),
         file="units.csv"),
    Case("registry-no-kind-column", units_text("code,name\nA,Ngọc Kỳ\n"), "error", ("no column 'kind'",),
         file="units.csv", row=1, column="kind"),
    Case("registry-duplicate-code", units([*DEFAULT_UNITS, ("TP", "Phòng Y tế huyện", "department", "")]),
         "error", ("duplicate unit code", "already on row 2"), file="units.csv", row=8, column="code", value="TP"),
    Case("registry-duplicate-name", units([*DEFAULT_UNITS, ("XA_NK2", "ngọc kỳ", "commune", "")]), "error",
         ("is the same as 'Ngọc Kỳ' of unit XA_NGOC_KY", "must tell units apart"), file="units.csv", row=8,
         column="name", value="ngọc kỳ"),
    Case("registry-duplicate-alias", units([*DEFAULT_UNITS, ("XA_X", "Xuân", "commune", "Phụng Kỳ")]), "error",
         ("'Phụng Kỳ' of unit XA_X",), file="units.csv", row=8, column="aliases", value="Phụng Kỳ"),
    Case("registry-bad-kind", units([*DEFAULT_UNITS, ("XA_X", "Xuân", "village", "")]), "error",
         ("unknown kind", "department, commune, ward, special_zone, town"), file="units.csv", row=8, column="kind",
         value="village"),
    Case("registry-empty-code", units([*DEFAULT_UNITS, ("", "Xuân", "commune", "")]), "error",
         ("empty unit code",), file="units.csv", row=8, column="code"),
    Case("registry-semicolons", units_text("code;name;kind;aliases\n" + "".join(
        f"{c};{n};{k};{a}\n" for c, n, k, a in DEFAULT_UNITS)), "ok",
         check=every_default_unit),
    Case("registry-other-separator", units_text("code|name|kind\nTP|Phòng Tư pháp huyện|department\n"), "error",
         ("no column 'code', 'name', 'kind'", "the likely cause is the separator '|'"), file="units.csv", row=1),
    Case("registry-not-utf8", units_text("code,name,kind\nXA,Hoà Bình,commune\n".encode("cp1252")), "error",
         ("not UTF-8", "CSV UTF-8"), file="units.csv"),
    # --- config.yml
    Case("config-missing", config(False), "error", ("config.yml is missing",), file="config.yml"),
    Case("config-missing-key", config({k: v for k, v in DEFAULT_CONFIG.items() if k != "place"}), "error",
         ("required key 'place'",), file="config.yml", column="place"),
    Case("config-empty-signer-name", config({**DEFAULT_CONFIG, "signer": {"title": "CHỦ TỊCH", "name": " "}}),
         "error", ("signer.name",), file="config.yml", column="signer.name"),
    Case("config-not-yaml", config("issuer: [UBND\nplace: Thử\n"), "error", ("not valid YAML at line 2",),
         file="config.yml", row=2),
    Case("config-tabs", config("issuer: X\n\tplace: Thử\n"), "error", ("not valid YAML",), file="config.yml"),
    Case("config-not-a-mapping", config("- issuer\n- place\n"), "error", ("not a mapping",), file="config.yml"),
    Case("config-recipients-not-a-list", config({**DEFAULT_CONFIG, "recipients": {"a": 1}}), "error",
         ("'recipients' must be a list of texts",), file="config.yml", column="recipients"),
    Case("config-parameters-not-a-mapping", config({**DEFAULT_CONFIG, "parameters": [1, 2]}), "error",
         ("'parameters' must be a mapping",), file="config.yml", column="parameters"),
    Case("config-unknown-parameter", config({**DEFAULT_CONFIG, "parameters": {"payment_targt": 40}}), "warning",
         ("unknown parameter 'payment_targt'",), file="config.yml", column="parameters.payment_targt"),
    # --- the raw/ folder and the months
    Case("month-without-file", lambda tmp: make_data_dir(tmp), "error",
         ("no data for 2023-07", "expected one of raw/2023-07.xlsx", "months found: 2023-06"), file="raw/2023-07.xlsx", month="2023-07"),
    Case("gap-in-history", gap, "warning", ("no data for 2023-05", "gap in the history"),
         file="raw/2023-05.xlsx"),
    Case("excel-lock-file", extra_file(f"~${MONTH}.xlsx"), "warning", ("Excel lock file",),
         file=f"raw/~${MONTH}.xlsx"),
    Case("other-file-in-raw", extra_file("2023-06 (copy).xlsx"), "warning", ("not a file of a month",),
         file="raw/2023-06 (copy).xlsx"),
    Case("no-raw-folder", lambda tmp: _without_raw(tmp), "error", ("no raw/ folder",), file="raw"),
    Case("no-data-folder", lambda tmp: tmp / "nowhere", "error", ("the data folder", "does not exist"), file=""),
]


def _without_raw(tmp):
    data = make_data_dir(tmp, months={})
    (data / "raw").rmdir()
    return data


def _matches(p, case: Case) -> bool:
    return (
        p.level == ("error" if case.level == "error" else "warning")
        and p.file == case.file
        and (not case.sheet or p.sheet == case.sheet)
        and (case.row is None or p.row == case.row)
        and (not case.column or p.column == case.column)
        and (case.value is None or p.value == case.value)
        and all(w in p.message for w in case.words)
    )


def test_the_catalogue_is_large_enough():
    assert len(CASES) >= 20
    assert len({c.id for c in CASES}) == len(CASES)


#: The messages `validate` printed for each case (case id -> messages), kept by the test
#: below, so that test_troubleshooting_quotes_real_messages validates only the cases it
#: has not seen run (when it runs alone).
MESSAGES: dict[str, list[str]] = {}


@pytest.fixture(params=CASES, ids=str)
def case(request, tmp_path):
    c = request.param
    return c, c.build(tmp_path)


def test_validate_names_the_problem_and_the_command_prints_it(case, capsys):
    """The problem is found, located as the user reads it, and `cchc validate` prints
    that very line (no traceback; exit 1 on an error, 0 otherwise)."""
    c, data = case
    problems = load.validate(data, c.month)
    MESSAGES[c.id] = [p.message for p in problems]
    errors = [p for p in problems if p.is_error]
    code = main(["validate", "--month", c.month, "--data-dir", str(data)])
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    assert code == (1 if c.level == "error" else 0)
    if c.level == "ok":
        assert errors == [], [str(p) for p in errors]
        ds = load.load_dataset(data, c.month)
        if c.check:
            c.check(ds)
        return
    found = [p for p in problems if _matches(p, c)]
    assert found, "expected a problem like {} among:\n{}".format(c, "\n".join(f"{p.level} {p}" for p in problems))
    p = found[0]
    if c.level == "warning":
        assert errors == [], [str(p) for p in errors]
    if p.value:  # the text shows the location as the user reads it
        assert f"value '{p.value}'" in str(p)
    if p.row is not None:
        assert f"row {p.row}" in str(p)
    prefix = "ERROR  " if p.is_error else "WARNING"
    assert f"{prefix} {p}" in (out + err).splitlines()


@pytest.mark.parametrize("c", [c for c in CASES if c.level == "error"], ids=str)
def test_report_refuses_errors_and_writes_nothing(c, tmp_path, capsys, monkeypatch):
    from cchc import run

    data = c.build(tmp_path)

    def no_kernel(*a, **k):
        raise AssertionError("a report started on bad data")

    monkeypatch.setattr(run, "execute_notebook", no_kernel)
    out = tmp_path / "output"
    code = main(["report", "--month", c.month, "--data-dir", str(data), "--output-dir", str(out)])
    err = capsys.readouterr().err
    assert code == 1
    assert "Nothing was written." in err and "Traceback" not in err
    assert not out.exists() or list(out.iterdir()) == []


def test_a_formula_without_a_saved_result_is_the_one_problem(tmp_path):
    """Its row is still the unit's row (no "has no row" warning), and a totals row is not
    checked against rows in error (no totals warnings)."""
    month = valid_month()
    thu = next(i for i, r in enumerate(month["SoHoa"]) if r[0] == "Thử")
    excel_row = FIRST + thu
    month["SoHoa"][thu] = ("Thử", 15, f"=B{excel_row}-1", 13, 13)
    data = make_data_dir(tmp_path, months={MONTH: month})  # with a "Tổng cộng" row
    problems = load.validate(data, MONTH)
    assert [(p.level, p.sheet, p.row, p.column) for p in problems] == [
        ("error", "SoHoa", excel_row, "Số hoá đầy đủ khi tiếp nhận")], [str(p) for p in problems]
    assert "formula without a saved result" in problems[0].message


def test_a_formula_without_a_saved_result_in_the_unit_cell_is_one_problem(tmp_path):
    month = valid_month()
    month["SoHoa"][0] = ("=A1", *month["SoHoa"][0][1:])
    data = make_data_dir(tmp_path, months={MONTH: month}, totals=False)
    problems = [p for p in load.validate(data, MONTH) if p.is_error]
    assert [(p.row, p.column) for p in problems] == [(FIRST, "Đơn vị")], [str(p) for p in problems]


def test_a_unit_renamed_in_units_csv_is_one_problem_suggesting_an_alias(tmp_path):
    """Old workbooks write the old name: one problem (not one per row) saying which files, and that the
    old name may be added to the renamed unit's aliases; no "has no row" warning for that unit."""
    renamed = [(c, "Hoà Sơn" if c == "XA_HOA_BINH" else n, k, a) for c, n, k, a in DEFAULT_UNITS]
    old = valid_month()  # the workbooks say "Hoà Bình"
    old["QuaHan"] = [dossier(unit="UBND xã Hoà Bình")]
    data = make_data_dir(tmp_path, units=renamed, months={"2023-04": valid_month(), "2023-05": valid_month(),
                                                          MONTH: old})
    problems = load.validate(data, MONTH)
    assert len(problems) == 1, "\n".join(str(p) for p in problems)
    p = problems[0]
    assert p.is_error
    assert ("unknown unit 'Hoà Bình' in raw/2023-04.xlsx, raw/2023-05.xlsx and raw/2023-06.xlsx (7 rows of SoHoa, "
            "QuaHan, ThanhToan) is not in units.csv; if it is the old name of 'Hoà Sơn' (XA_HOA_BINH), add "
            "'Hoà Bình' to that unit's aliases") in p.message
    # done as it says, the data is clean
    with_alias = [(c, n, k, "Hoà Bình" if c == "XA_HOA_BINH" else a) for c, n, k, a in renamed]
    fixed = make_data_dir(tmp_path / "fixed", units=with_alias,
                          months={"2023-04": valid_month(), "2023-05": valid_month(), MONTH: old})
    assert load.validate(fixed, MONTH) == []


def test_an_old_name_with_no_single_unit_to_pair_gives_the_closest_names(tmp_path):
    renamed = [(c, {"XA_HOA_BINH": "Hoà Sơn", "XA_NGOC_KY": "Ngọc Sơn"}.get(c, n), k, a)
               for c, n, k, a in DEFAULT_UNITS]
    month = valid_month()
    month["SoHoa"] = [r for r in month["SoHoa"] if r[0] != "Ngọc Kỳ"]  # two units without a row: which one?
    data = make_data_dir(tmp_path, units=renamed, months={"2023-05": month, MONTH: month})
    problems = load.validate(data, MONTH)
    hoa_binh = [p for p in problems if p.is_error and "'Hoà Bình'" in p.message]
    assert len(hoa_binh) == 1
    assert "if it is the old name of a unit, add 'Hoà Bình' to that unit's aliases in units.csv (closest" \
        in hoa_binh[0].message
    no_row = {(p.file, p.value) for p in problems if "has no row in SoHoa" in p.message}
    assert no_row == {(f"raw/{m}.xlsx", u) for m in ("2023-05", MONTH) for u in ("Hoà Sơn", "Ngọc Sơn")}


def test_an_unknown_name_in_one_workbook_stays_located_row_by_row(tmp_path):
    data = make_data_dir(tmp_path, months={"2023-05": valid_month(),
                                           MONTH: month_with(SoHoa=[("Hoa Binh", 1, 1, 1, 1), ("Ngọc Kỳ", 1, 1, 1, 1)],
                                                             ThanhToan=[("Hoa Binh", 1, 1)])})
    errors = [p for p in load.validate(data, MONTH) if p.is_error]
    assert [(p.sheet, p.row) for p in errors] == [("SoHoa", FIRST), ("ThanhToan", FIRST)]
    assert all(p.message.startswith("unknown unit: not in units.csv") for p in errors)


# ----------------------------------------------------------------- docs/troubleshooting.md

DOC = ROOT / "docs" / "troubleshooting.md"


def _quoted_messages(markdown: str) -> list[str]:
    """The `code` spans of the first column of every table row."""
    out = []
    for line in markdown.splitlines():
        if line.startswith("| `"):
            first = line.split(" | ")[0]
            out += re.findall(r"`([^`]+)`", first)
    return out


def _source_text() -> str:
    """lib/cchc's code with implicitly concatenated string literals joined."""
    text = "".join(p.read_text(encoding="utf-8") for p in sorted((ROOT / "lib" / "cchc").glob("*.py")))
    return re.sub(r"[\"']\s*\n\s*f?[\"']", "", text)


def test_troubleshooting_quotes_real_messages(tmp_path):
    """Every message quoted in docs/troubleshooting.md and in README.md's Troubleshooting
    section is printed by the product: a catalogue case prints it, or the code says it
    ("…" stands for a variable part)."""
    printed = []
    for i, c in enumerate(CASES):
        if c.id not in MESSAGES:
            MESSAGES[c.id] = [p.message for p in load.validate(c.build(tmp_path / str(i)), c.month)]
        printed += MESSAGES[c.id]
    source = _source_text()
    quoted = _quoted_messages(DOC.read_text(encoding="utf-8"))
    assert len(quoted) >= 60
    readme = (ROOT / "README.md").read_text(encoding="utf-8").split("\n## Troubleshooting\n")
    assert len(readme) == 2, "README.md has one Troubleshooting section"
    quoted += [q for q in _quoted_messages(readme[1]) if not q.startswith("output/")]
    missing = []
    for message in quoted:
        pieces = [p.strip(" '\"()") for p in message.split("…")]
        pieces = [p for p in pieces if len(p) >= 3]
        in_catalogue = any(all(p in m for p in pieces) for m in printed)
        if not in_catalogue and not all(p in source for p in pieces):
            missing.append(message)
    assert missing == [], missing


# ----------------------------------------------------------------- real processes

SUBPROCESS_CASES = ["corrupt-xlsx", "password-protected", "missing-sheet", "config-not-yaml", "count-huge",
                    "date-out-of-range"]


@pytest.mark.parametrize("case_id", SUBPROCESS_CASES)
def test_python_m_cchc_validate_never_shows_a_traceback(case_id, tmp_path):
    c = next(c for c in CASES if c.id == case_id)
    data = c.build(tmp_path)
    done = subprocess.run([sys.executable, "-m", "cchc", "validate", "--month", c.month, "--data-dir", str(data)],
                          cwd=ROOT, capture_output=True, text=True, timeout=120)
    output = done.stdout + done.stderr
    assert done.returncode == 1, output
    assert "Traceback" not in output
    assert all(w in output for w in c.words), output
    assert f"{c.file}" in output


def test_an_unexpected_failure_is_one_line_not_a_traceback(tmp_path, capsys, monkeypatch):
    data = make_data_dir(tmp_path)

    def broken(*a, **k):
        raise RuntimeError("something nobody foresaw")

    monkeypatch.setattr(load, "validate", broken)
    monkeypatch.delenv("CCHC_DEBUG", raising=False)
    code = main(["validate", "--month", MONTH, "--data-dir", str(data)])
    err = capsys.readouterr().err
    assert code == 1
    assert "unexpected failure: RuntimeError: something nobody foresaw" in err
    assert "Traceback" not in err and "CCHC_DEBUG" in err
    monkeypatch.setenv("CCHC_DEBUG", "1")
    with pytest.raises(RuntimeError):
        main(["validate", "--month", MONTH, "--data-dir", str(data)])


# ----------------------------------------------------------------- a big QuaHan sheet


def _shared_strings_xlsx(path: Path, sheets: dict[str, list[list]]) -> None:
    """Write an .xlsx as Excel does (shared strings, a <dimension>, dates as styled serial
    numbers), fast: openpyxl writes a big sheet slowly."""
    strings: dict[str, int] = {}
    epoch = dt.datetime(1899, 12, 30)

    def col(i):  # 0-based
        return get_column_letter(i + 1)

    def cell(ref, v):
        if v is None:
            return ""
        if isinstance(v, dt.datetime):
            return f'<c r="{ref}" s="1"><v>{(v - epoch).days}</v></c>'
        if isinstance(v, (int, float)):
            return f'<c r="{ref}"><v>{v}</v></c>'
        idx = strings.setdefault(str(v), len(strings))
        return f'<c r="{ref}" t="s"><v>{idx}</v></c>'

    sheet_xml = {}
    for name, rows in sheets.items():
        width = max((len(r) for r in rows), default=1)
        body = "".join(
            f'<row r="{n}">' + "".join(cell(f"{col(j)}{n}", v) for j, v in enumerate(r)) + "</row>"
            for n, r in enumerate(rows, start=1)
        )
        sheet_xml[name] = (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
            '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
            f'<dimension ref="A1:{col(width - 1)}{max(len(rows), 1)}"/><sheetData>{body}</sheetData></worksheet>'
        )
    ns = "http://schemas.openxmlformats.org"
    sst = "".join(f"<si><t>{escape(s)}</t></si>" for s in strings)
    members = {
        "[Content_Types].xml": (
            f'<?xml version="1.0" encoding="UTF-8"?><Types xmlns="{ns}/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.'
            'spreadsheetml.sheet.main+xml"/>'
            '<Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.'
            'spreadsheetml.styles+xml"/>'
            '<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.'
            'spreadsheetml.sharedStrings+xml"/>'
            + "".join(f'<Override PartName="/xl/worksheets/sheet{i}.xml" ContentType="application/vnd.'
                      'openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>' for i in range(1, len(sheets) + 1))
            + "</Types>"
        ),
        "_rels/.rels": (
            f'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="{ns}/package/2006/relationships">'
            f'<Relationship Id="rId1" Type="{ns}/officeDocument/2006/relationships/officeDocument" '
            'Target="xl/workbook.xml"/></Relationships>'
        ),
        "xl/workbook.xml": (
            f'<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="{ns}/spreadsheetml/2006/main" '
            f'xmlns:r="{ns}/officeDocument/2006/relationships"><sheets>'
            + "".join(f'<sheet name="{escape(n)}" sheetId="{i}" r:id="rId{i}"/>' for i, n in enumerate(sheets, 1))
            + "</sheets></workbook>"
        ),
        "xl/_rels/workbook.xml.rels": (
            f'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="{ns}/package/2006/relationships">'
            + "".join(f'<Relationship Id="rId{i}" Type="{ns}/officeDocument/2006/relationships/worksheet" '
                      f'Target="worksheets/sheet{i}.xml"/>' for i in range(1, len(sheets) + 1))
            + f'<Relationship Id="rId{len(sheets) + 1}" Type="{ns}/officeDocument/2006/relationships/styles" '
            'Target="styles.xml"/>'
            f'<Relationship Id="rId{len(sheets) + 2}" Type="{ns}/officeDocument/2006/relationships/sharedStrings" '
            'Target="sharedStrings.xml"/></Relationships>'
        ),
        "xl/styles.xml": (
            f'<?xml version="1.0" encoding="UTF-8"?><styleSheet xmlns="{ns}/spreadsheetml/2006/main">'
            '<fonts count="1"><font><sz val="11"/><name val="Calibri"/></font></fonts>'
            '<fills count="2"><fill><patternFill patternType="none"/></fill>'
            '<fill><patternFill patternType="gray125"/></fill></fills>'
            '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
            '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
            '<cellXfs count="2"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
            '<xf numFmtId="14" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/></cellXfs>'
            '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles></styleSheet>'
        ),
        "xl/sharedStrings.xml": (
            f'<?xml version="1.0" encoding="UTF-8"?><sst xmlns="{ns}/spreadsheetml/2006/main" '
            f'count="{len(strings)}" uniqueCount="{len(strings)}">{sst}</sst>'
        ),
    }
    members.update({f"xl/worksheets/sheet{i}.xml": x for i, x in enumerate(sheet_xml.values(), start=1)})
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, text in members.items():
            z.writestr(name, text)


def _big_month(n: int, bad_tail: bool) -> dict[str, list[list]]:
    names = [u[1] for u in DEFAULT_UNITS]
    fields = ["Hộ tịch", "Đất đai", "Người có công", "Chứng thực"]
    rows = [["DANH SÁCH HỒ SƠ QUÁ HẠN"], [], ["STT", *headers("QuaHan")]]
    for i in range(n):
        pending = i % 4 == 0
        rows.append([i + 1, f"H23.21.{i:07d}", names[i % len(names)], fields[i % 4], f"Thủ tục {i % 50}",
                     dt.datetime(2023, 6, 1 + i % 20), None if pending else dt.datetime(2023, 6, 22 + i % 8),
                     "Có" if i % 10 == 0 else "Không", f"Lý do chậm {i % 100}", "Báo cáo 1/BC" if i % 10 == 0 else None])
    if bad_tail:  # one duplicate code and one bad date among many rows: both found, rows named
        rows.append([n + 1, "H23.21.0000007", names[0], "Hộ tịch", "", "01/06/2023", None, "Không", "Chậm", None])
        rows.append([n + 2, "H23.21.X", names[0], "Hộ tịch", "", "31/06/2023", None, "Không", "Chậm", None])
    month = {s: [headers(s)] for s in ("SoHoa", "ThanhToan", "BaoCao")}
    month["SoHoa"] += [[u, 10, 10, 8, 8] for u in names]
    month["ThanhToan"] += [[u, 10, 1] for u in names]
    return {"SoHoa": month["SoHoa"], "QuaHan": rows, "ThanhToan": month["ThanhToan"], "BaoCao": month["BaoCao"]}


#: A big sheet: large enough that a loop over rows would show, small enough for a test
#: (how long a big month takes is measured by the benchmark, not asserted here).
BIG = 10_000


def test_two_bad_rows_among_a_big_sheet_are_found_and_named(tmp_path):
    data = make_data_dir(tmp_path, months={})
    _shared_strings_xlsx(data / RAW, _big_month(BIG, bad_tail=True))
    problems = load.validate(data, MONTH)
    first = 4  # Excel row of the first dossier: a title row and a blank row above the header
    assert [(p.sheet, p.row, p.column, p.value) for p in problems if p.is_error] == [
        ("QuaHan", first + BIG, "Mã hồ sơ", "H23.21.0000007"),
        ("QuaHan", first + BIG + 1, "Hạn xử lý", "31/06/2023"),
    ]
    assert f"first on row {first + 7}" in problems[0].message
    (data / RAW).unlink()
    _shared_strings_xlsx(data / RAW, _big_month(BIG, bad_tail=False))
    ds = load.load_dataset(data, MONTH)
    assert len(ds.overdue) == BIG  # every dossier of the clean sheet, none lost
