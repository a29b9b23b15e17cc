"""The three forms of a dossier-records file, read as batches of Arrow columns.

    form = open_records(path)           # raises RecordsFileError with a plain message
    form.missing                        # the required columns the header lacks, as the spec names them
    for batch in form.batches():        # Batch(columns={"MaHoSo": pa.Array, …}, rows=np.ndarray)
        ...

raw/hoso/YYYY-MM.csv, .xlsx or .parquet (docs/data-format.md, "raw/hoso/"):
headers are matched without regard to case, accents, spaces or punctuation
("Ngày tiếp nhận" = "NgayTiepNhan"); other columns are not read. The readers
are made for files of millions of rows (bench/README.md, "Dossier records"):

- CSV: pyarrow's streaming reader, every column as text (the checks parse
  them); the header is the first line naming MaHoSo (title lines above it are
  skipped); "," ";" or tab as the separator, found on the header line.
- Parquet: pyarrow, row group by row group, the columns as typed in the file.
- xlsx: fastexcel (calamine, in Rust, straight into Arrow), every cell as
  text (a date cell reads "2025-10-03 08:15:00"); the first sheet with a
  header row among its first rows; rows above it are titles.

Each batch carries the file's row number of each record, as the user finds it:
the line of the CSV (blank lines are skipped), the sheet's row, the
record's position in the Parquet file (1 = the first record).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa

#: The columns of a records file, in the spec's spelling, and whether the product needs them.
COLUMNS = {
    "MaHoSo": True,
    "DonViXuLy": True,
    "MaLinhVuc": False,
    "TenLinhVuc": True,
    "MaTTHC": False,
    "TenTTHC": False,
    "KenhThucHien": True,
    "NgayTiepNhan": True,
    "NgayHenTra": True,
    "NgayKetThucXuLy": True,
    "HoSoCoThanhPhanSoHoa": True,
    "DaSoHoaKetQua": True,
    "CoPhi": False,
    "DuocThanhToanTrucTuyen": False,
}
#: Optional together: without both, the records bring no payment figures (they come from the workbook).
PAYMENT_COLUMNS = ("CoPhi", "DuocThanhToanTrucTuyen")
#: The columns read (TenTTHC names the procedure of an overdue dossier when it is there).
READ = [c for c, needed in COLUMNS.items() if needed] + [*PAYMENT_COLUMNS, "TenTTHC"]
#: How far down a sheet (or a CSV) the header row is looked for.
HEADER_SEARCH_ROWS = 30
#: Records per batch: memory stays bounded whatever the size of the file.
BATCH_ROWS = 1 << 20


def header_key(text) -> str:
    """A header's matching key: no accents (đ = d), no case, only letters and digits."""
    s = unicodedata.normalize("NFD", str(text or "")).replace("đ", "d").replace("Đ", "D")
    s = "".join(c for c in s if not unicodedata.combining(c)).casefold()
    return re.sub(r"[^0-9a-z]", "", s)


_KEYS = {header_key(c): c for c in COLUMNS}


class RecordsFileError(Exception):
    """The file cannot be read as records at all (the message says why, in plain words)."""


@dataclass
class Batch:
    columns: dict[str, pa.Array]  # canonical column name -> values (text, or typed in Parquet)
    rows: np.ndarray  # the file's row number of each record (int64)

    def __len__(self) -> int:
        return len(self.rows)


@dataclass
class Header:
    """Where each column is: canonical name -> (position, header as written)."""

    at: dict[str, tuple[int, str]]
    duplicates: list[tuple[str, str, str]]  # (canonical, first header, second header)

    @property
    def missing(self) -> list[str]:
        """Required columns not found (one payment column without the other is missing too)."""
        out = [c for c, needed in COLUMNS.items() if needed and c not in self.at]
        if any(c in self.at for c in PAYMENT_COLUMNS):
            out += [c for c in PAYMENT_COLUMNS if c not in self.at]
        return out

    @property
    def payments(self) -> bool:
        """The file has the payment columns (CoPhi, DuocThanhToanTrucTuyen)."""
        return all(c in self.at for c in PAYMENT_COLUMNS)

    def written(self, column: str) -> str:
        return self.at[column][1] if column in self.at else column


def match_header(cells: list) -> Header:
    at: dict[str, tuple[int, str]] = {}
    dup = []
    for i, cell in enumerate(cells):
        name = _KEYS.get(header_key(cell))
        if name is None:
            continue
        if name in at:
            dup.append((name, at[name][1], str(cell)))
            continue
        at[name] = (i, str(cell).strip())
    return Header(at, dup)


def _is_header(cells: list) -> bool:
    keys = {header_key(c) for c in cells}
    return header_key("MaHoSo") in keys and header_key("DonViXuLy") in keys


class RecordsForm:
    """An opened records file: its header, and its records in batches."""

    header: Header
    sheet: str = ""  # the sheet read (xlsx)

    @property
    def missing(self) -> list[str]:
        return self.header.missing

    def batches(self):  # pragma: no cover - each form has its own
        raise NotImplementedError


class CsvForm(RecordsForm):
    def __init__(self, path: Path):
        import pyarrow.csv as pacsv

        self._pacsv = pacsv
        self.path = path
        try:
            with open(path, "rb") as f:
                head = f.read(1 << 16)
        except OSError as exc:
            raise RecordsFileError(f"cannot read the file: {exc.strerror or exc}") from None
        if head.startswith(b"PK\x03\x04"):
            raise RecordsFileError("this is an Excel (zip) file, not text: name it .xlsx")
        text = head.decode("utf-8-sig", errors="replace")
        lines = text.splitlines()[:HEADER_SEARCH_ROWS]
        for i, line in enumerate(lines):
            delimiter = max((",", ";", "\t"), key=line.count)
            cells = [c.strip().strip('"') for c in line.split(delimiter)]
            if _is_header(cells):
                self.skip, self.delimiter, self.header = i, delimiter, match_header(cells)
                self.names = cells
                return
        raise RecordsFileError(
            f"no header row naming MaHoSo and DonViXuLy in the first {HEADER_SEARCH_ROWS} lines "
            "(expected a CSV export of the dossier records, UTF-8)")

    def batches(self):
        pacsv = self._pacsv
        wanted = {c: self.header.at[c] for c in READ if c in self.header.at}
        # columns by position: the names pyarrow gives may differ from ours (quotes, BOM, duplicates)
        names = [f"c{i}" for i in range(len(self.names))]
        reader = pacsv.open_csv(
            self.path,
            read_options=pacsv.ReadOptions(skip_rows=self.skip + 1, column_names=names, block_size=16 << 20),
            parse_options=pacsv.ParseOptions(delimiter=self.delimiter),
            convert_options=pacsv.ConvertOptions(
                include_columns=[f"c{i}" for i, _ in wanted.values()],
                column_types={f"c{i}": pa.string() for i, _ in wanted.values()},
                strings_can_be_null=True, quoted_strings_can_be_null=True),
        )
        first = self.skip + 2
        for batch in reader:
            n = batch.num_rows
            yield Batch({c: batch.column(f"c{i}") for c, (i, _) in wanted.items()},
                        np.arange(first, first + n, dtype="int64"))
            first += n


class ParquetForm(RecordsForm):
    def __init__(self, path: Path):
        import pyarrow.parquet as pq

        try:
            self.file = pq.ParquetFile(path)
        except OSError as exc:
            raise RecordsFileError(f"cannot read the file: {exc.strerror or exc}") from None
        except Exception:  # noqa: BLE001 - any failure is the same problem for the user
            raise RecordsFileError("not a Parquet file (or a damaged one): export it again") from None
        self.header = match_header(self.file.schema_arrow.names)

    def batches(self):
        wanted = {c: self.header.at[c] for c in READ if c in self.header.at}
        names = self.file.schema_arrow.names
        first = 1
        for batch in self.file.iter_batches(batch_size=BATCH_ROWS, columns=[names[i] for i, _ in wanted.values()]):
            n = batch.num_rows
            yield Batch({c: batch.column(j) for j, c in enumerate(wanted)}, np.arange(first, first + n, dtype="int64"))
            first += n


class XlsxForm(RecordsForm):
    def __init__(self, path: Path):
        import fastexcel

        try:
            self.reader = fastexcel.read_excel(path)
            heads = head_rows(path, HEADER_SEARCH_ROWS)
        except Exception:  # noqa: BLE001
            raise RecordsFileError("not an Excel workbook (.xlsx), or a damaged one: save it again from Excel") from None
        for name in self.reader.sheet_names:
            for number, cells in heads.get(name, []):
                if _is_header(cells):
                    self.sheet, self.header_row, self.header = name, number, match_header(cells)
                    return
        raise RecordsFileError(
            f"no sheet has a header row naming MaHoSo and DonViXuLy in its first {HEADER_SEARCH_ROWS} rows "
            f"(sheets: {', '.join(self.reader.sheet_names)})")

    def batches(self):
        wanted = {c: self.header.at[c][0] for c in READ if c in self.header.at}
        # by column letter (positions would count from the sheet's first used column); the
        # columns then come in sheet order, and the rows from the sheet's row 1
        in_order = sorted(wanted, key=wanted.get)
        letters = ",".join(column_letter(wanted[c]) for c in in_order)
        sheet = self.reader.load_sheet(self.sheet, header_row=None, skip_rows=0, use_columns=letters,
                                       dtypes="string", eager=True)
        columns = {name: sheet.column(j) for j, name in enumerate(in_order)}
        start = self.header_row  # the index of the first record (row header_row + 1)
        n = max(sheet.num_rows - start, 0)
        for lo in range(0, n, BATCH_ROWS):
            hi = min(n, lo + BATCH_ROWS)
            yield Batch({c: a.slice(start + lo, hi - lo) for c, a in columns.items()},
                        np.arange(start + lo + 1, start + hi + 1, dtype="int64"))


def column_letter(index: int) -> str:
    """0 -> "A", 27 -> "AB"."""
    s, i = "", index + 1
    while i:
        i, r = divmod(i - 1, 26)
        s = chr(65 + r) + s
    return s


def head_rows(path: Path, limit: int) -> dict[str, list[tuple[int, list]]]:
    """{sheet: [(row number, [cell text by column, from A])]} of the first `limit` rows of each sheet.

    Read from the package's XML, streamed and stopped early (fastexcel would
    parse the whole sheet to give its first rows).
    """
    import zipfile
    from xml.etree.ElementTree import iterparse

    from cchc.xlsx import sheet_parts

    ns = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
    out: dict[str, list[tuple[int, list]]] = {}
    with zipfile.ZipFile(path) as z:
        parts = sheet_parts(z)
        wanted: set[int] = set()
        raw: dict[str, list[tuple[int, dict[int, tuple[str, str]]]]] = {}
        for name, member in parts.items():
            rows = raw.setdefault(name, [])
            with z.open(member) as f:
                for _, el in iterparse(f):
                    if el.tag != ns + "row":
                        continue
                    number = int(el.get("r") or len(rows) + 1)
                    if number > limit:
                        break
                    cells = {}
                    for i, c in enumerate(el.iter(ns + "c")):
                        col = _column_index(c.get("r")) if c.get("r") else i
                        kind = c.get("t") or ""
                        if kind == "inlineStr":
                            text = "".join(t.text or "" for t in c.iter(ns + "t"))
                        else:
                            v = c.find(ns + "v")
                            text = v.text if v is not None and v.text is not None else ""
                        if kind == "s" and text.isdigit():
                            wanted.add(int(text))
                        cells[col] = (kind, text)
                    rows.append((number, cells))
                    el.clear()
        strings = _shared_strings(z, wanted, ns)
    for name, rows in raw.items():
        table = []
        for number, cells in rows:
            width = max(cells, default=-1) + 1
            line = [""] * width
            for col, (kind, text) in cells.items():
                line[col] = strings.get(int(text), "") if kind == "s" and text.isdigit() else text
            table.append((number, line))
        out[name] = table
    return out


def _column_index(ref: str) -> int:
    n = 0
    for ch in ref:
        if not ch.isalpha():
            break
        n = n * 26 + ord(ch.upper()) - 64
    return n - 1


_SI = re.compile(rb"<si\b(?:[^>]*/>|.*?</si>)", re.S)
_T = re.compile(rb"<t\b[^>]*>(.*?)</t>|<t\b[^>]*/>", re.S)


def _shared_strings(z, wanted: set[int], ns: str) -> dict[int, str]:
    """The shared strings of the indices in `wanted` (found with a regex: a big file has
    hundreds of thousands, and only the header's are needed)."""
    from xml.sax.saxutils import unescape

    if not wanted:
        return {}
    member = next((n for n in z.namelist() if n.lower().endswith("sharedstrings.xml")), None)
    if member is None:
        return {}
    data = z.read(member)
    top, out = max(wanted), {}
    for i, m in enumerate(_SI.finditer(data)):
        if i in wanted:
            # rich text (<r><rPr/><t>…</t></r>) and phonetic runs (<rPh>) aside, the <t>s joined
            body = re.sub(rb"<rPh\b.*?</rPh>", b"", m.group(0), flags=re.S)
            text = b"".join(t.group(1) or b"" for t in _T.finditer(body)).decode("utf-8", "replace")
            out[i] = unescape(text, {"&quot;": '"', "&apos;": "'"})
        if i >= top:
            break
    return out


def prefetched(batches, depth: int = 2):
    """The batches, the next ones read in a thread while the caller works on this one.

    Reading (pyarrow's CSV and Parquet readers, fastexcel) runs outside the GIL,
    so on two cores reading the next batch overlaps checking and counting this
    one. Errors of the reader are raised here, in the caller's thread.
    """
    import queue
    import threading

    q: queue.Queue = queue.Queue(maxsize=depth)
    done = object()
    stop = threading.Event()

    def run():
        try:
            for batch in batches:
                while not stop.is_set():
                    try:
                        q.put(batch, timeout=0.1)
                        break
                    except queue.Full:
                        continue
                if stop.is_set():
                    return
            q.put(done)
        except BaseException as exc:  # noqa: BLE001 - handed to the caller
            q.put(exc)

    thread = threading.Thread(target=run, name="cchc-records-reader", daemon=True)
    thread.start()
    try:
        while True:
            item = q.get()
            if item is done:
                return
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        stop.set()


FORMS = {"csv": CsvForm, "parquet": ParquetForm, "xlsx": XlsxForm}


def open_records(path: Path) -> RecordsForm:
    """The file as a records form (by its extension); RecordsFileError when it cannot be read."""
    form = FORMS.get(Path(path).suffix.lower().lstrip("."))
    if form is None:
        raise RecordsFileError(f"unknown file form: expected {', '.join('.' + f for f in FORMS)}")
    return form(Path(path))
