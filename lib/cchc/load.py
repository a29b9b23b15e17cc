"""Reading a data directory into a `Dataset`, checking it against data-contract.md.

    ds = load_dataset("data", "2023-06")      # raises DataError with every problem
    problems = validate("data", "2023-06")    # errors and warnings, never raises

Every workbook up to the reported month is read (the history); every problem of
every file is collected before anything is raised. Frames are as in
docs/architecture.md. Cell values are parsed per distinct value (a 100,000-row
sheet has few distinct dates, units and yes/no values), so the cost is that of
openpyxl's read-only iteration plus a little.
"""

from __future__ import annotations

import hashlib
import io
import posixpath
import re
import unicodedata
import zipfile
from dataclasses import dataclass
from pathlib import Path
from xml.etree import ElementTree

import numpy as np
import pandas as pd

from cchc import cells
from cchc.config import load_config
from cchc.dataset import (
    DIGITIZATION_COLUMNS,
    ERROR,
    OVERDUE_COLUMNS,
    PAYMENT_COLUMNS,
    REPORT_COLUMNS,
    WARNING,
    DataError,
    Dataset,
    Problem,
)
from cchc.months import is_month, month_range, next_month
from cchc.registry import Registry, fold, load_registry

__all__ = [
    "DataError",
    "Dataset",
    "Problem",
    "SHEETS",
    "available_months",
    "latest_month",
    "load_dataset",
    "validate",
]

RAW_DIR = "raw"
HEADER_SEARCH_ROWS = 20
_MONTH_FILE = re.compile(r"(\d{4}-\d{2})\.xlsx", re.IGNORECASE)

# The contract's sheets: field name -> header as the contract writes it.
SHEETS: dict[str, dict[str, str]] = {
    "SoHoa": {
        "unit": "Đơn vị",
        "received": "Tiếp nhận",
        "received_digitized": "Số hoá đầy đủ khi tiếp nhận",
        "resolved": "Giải quyết",
        "resolved_digitized": "Số hoá kết quả",
    },
    "QuaHan": {
        "dossier": "Mã hồ sơ",
        "unit": "Đơn vị",
        "field": "Lĩnh vực",
        "procedure": "Thủ tục",
        "deadline": "Hạn xử lý",
        "returned": "Ngày trả kết quả",
        "excused": "Miễn trừ",
        "reason": "Lý do",
        "basis": "Căn cứ",
    },
    "ThanhToan": {
        "unit": "Đơn vị",
        "payment_total": "Tổng giao dịch",
        "payment_online": "Trực tuyến",
    },
    "BaoCao": {
        "unit": "Đơn vị",
        "report": "Báo cáo",
        "due": "Hạn nộp",
        "submitted": "Ngày nộp",
        "complete": "Đầy đủ",
    },
}
# (part, whole): the part may not exceed the whole.
COUNT_LIMITS = {
    "SoHoa": [("received_digitized", "received"), ("resolved_digitized", "resolved")],
    "ThanhToan": [("payment_online", "payment_total")],
}
COUNT_FIELDS = {
    "SoHoa": ["received", "received_digitized", "resolved", "resolved_digitized"],
    "ThanhToan": ["payment_total", "payment_online"],
}

# Unit cells that mark a totals row ("Tổng", "Tổng cộng:", "Cộng", "Toàn huyện" …),
# compared without diacritics, digits or punctuation.
# "Toàn huyện Tứ Kỳ": anything may follow the area word.
_TOTALS = re.compile(r"(?:tong(?: cong| so)?|cong)?(?: ?toan (?:huyen|tinh|thanh pho|thi xa|quan)(?: .*)?)?")


def _ascii_words(text: str) -> str:
    s = unicodedata.normalize("NFD", str(text).casefold()).replace("đ", "d")
    s = "".join(c for c in s if not unicodedata.combining(c))
    return " ".join(re.sub(r"[^a-z]+", " ", s).split())


def is_totals_label(value) -> bool:
    """True for "Tổng", "Tổng cộng", "Cộng", "Toàn huyện" and their spellings."""
    if not isinstance(value, str):
        return False
    words = _ascii_words(value)
    return bool(words) and _TOTALS.fullmatch(words) is not None


# --------------------------------------------------------------------------- problems


class _Log:
    """Collects the problems of one file, located in it."""

    def __init__(self, file: str):
        self.file = file
        self.problems: list[Problem] = []

    def add(self, level, message, sheet="", row=None, column="", value=None):
        text = cells.cell_text(value)
        self.problems.append(Problem(level, message, self.file, sheet, row, column, text))

    def error(self, message, **where):
        self.add(ERROR, message, **where)

    def warning(self, message, **where):
        self.add(WARNING, message, **where)


# --------------------------------------------------------------------------- reading a sheet


@dataclass
class Table:
    """The rows of one sheet below its header, contract columns only.

    `values`: object columns named by field, index = Excel row number;
    `headers`: field -> header as written in the file; `rows`: every row of the
    sheet as read (for totals labels outside the contract columns);
    `uncached`: Excel row -> fields whose cell is a formula with no saved result.
    """

    sheet: str
    values: pd.DataFrame
    headers: dict[str, str]
    rows: list[tuple]
    uncached: dict[int, list[str]]


def _header_positions(row: tuple) -> dict[str, tuple[int, str]]:
    """fold(header) -> (column index, header as written), first occurrence wins."""
    found: dict[str, tuple[int, str]] = {}
    for i, value in enumerate(row):
        if isinstance(value, str) and value.strip():
            found.setdefault(fold(value), (i, " ".join(unicodedata.normalize("NFC", value).split())))
    return found


def _merge_header_rows(upper: tuple, lower: tuple) -> tuple:
    """A two-row header (merged cells): the lower row's text, else the upper's."""
    width = max(len(upper), len(lower))
    up = tuple(upper) + (None,) * (width - len(upper))
    low = tuple(lower) + (None,) * (width - len(lower))
    return tuple(b if isinstance(b, str) and b.strip() else a for a, b in zip(up, low))


def find_header(rows: list[tuple], expected: dict[str, str]) -> tuple[int | None, dict, int, int]:
    """Locate the header row among the first rows.

    Returns (index of the last header row or None, {field: (col, header)}, index of
    the best partial match, its number of matches). A header may span two rows
    when cells are merged vertically ("Đơn vị" over two rows, counts below a group title).
    """
    wanted = {field: fold(text) for field, text in expected.items()}
    best, best_count, best_map = 0, -1, {}
    limit = min(len(rows), HEADER_SEARCH_ROWS)
    for i in range(limit):
        candidates = [(i, rows[i])]
        if i + 1 < len(rows):
            candidates.append((i + 1, _merge_header_rows(rows[i], rows[i + 1])))
        for last, row in candidates:
            positions = _header_positions(row)
            mapping = {f: positions[k] for f, k in wanted.items() if k in positions}
            if len(mapping) == len(wanted):
                return last, mapping, last, len(mapping)
            if len(mapping) > best_count:
                best, best_count, best_map = last, len(mapping), mapping
    return None, best_map, best, max(best_count, 0)


def read_table(sheet: str, rows: list[tuple], log: _Log, uncached: set[str]) -> Table | None:
    """The contract columns of a sheet's data rows, or None (and errors) when its header is wrong."""
    expected = SHEETS[sheet]
    last, mapping, best, count = find_header(rows, expected)
    if last is None:
        if count == 0:
            log.error(
                f"no header row found in the first {HEADER_SEARCH_ROWS} rows: expected the headers "
                + ", ".join(f"'{h}'" for h in expected.values()),
                sheet=sheet,
            )
        else:
            for field, header in expected.items():
                if field not in mapping:
                    log.error(f"missing column '{header}' (header row {best + 1})", sheet=sheet, row=best + 1, column=header)
        return None

    fields = list(expected)
    index = [mapping[f][0] for f in fields]
    width = max(index) + 1
    start = last + 1
    body = [r[:width] if len(r) >= width else tuple(r) + (None,) * (width - len(r)) for r in rows[start:]]
    excel_rows = pd.RangeIndex(start + 1, start + 1 + len(body))
    if body:
        matrix = np.empty((len(body), width), dtype=object)
        matrix[:] = body
        matrix = matrix[:, index]
    else:
        matrix = np.empty((0, len(fields)), dtype=object)
    values = pd.DataFrame(matrix, columns=fields, index=excel_rows, dtype=object)
    from openpyxl.utils import get_column_letter  # openpyxl: only when a workbook is read, not from the cache

    field_of = {get_column_letter(mapping[f][0] + 1): f for f in fields}
    bad: dict[int, list[str]] = {}
    for ref in sorted(uncached):
        m = re.fullmatch(r"([A-Z]+)(\d+)", ref)
        if m and m.group(1) in field_of and int(m.group(2)) > start:
            bad.setdefault(int(m.group(2)), []).append(field_of[m.group(1)])
    return Table(sheet, values, {f: mapping[f][1] for f in fields}, rows, bad)


# --------------------------------------------------------------------------- parsing columns


def _parse_column(values: pd.Series, parse) -> tuple[np.ndarray, np.ndarray]:
    """Apply `parse` once per distinct value: (parsed values, error messages or None)."""
    codes, uniques = pd.factorize(values.to_numpy(dtype=object), use_na_sentinel=True)
    parsed, errors = [], []
    for u in [*uniques, None]:  # the last one stands for blank (code -1)
        try:
            parsed.append(parse(u))
            errors.append(None)
        except ValueError as exc:
            parsed.append(None)
            errors.append(str(exc))
    parsed_arr = np.empty(len(parsed), dtype=object)
    parsed_arr[:] = parsed
    errors_arr = np.array(errors, dtype=object)
    return parsed_arr[codes], errors_arr[codes]


def _blank_mask(values: pd.DataFrame) -> pd.DataFrame:
    return values.apply(lambda col: pd.Series(_parse_column(col, cells.is_blank)[0], index=col.index).astype(bool))


def _report(log: _Log, table: Table, data: pd.DataFrame, field: str, errors: np.ndarray) -> pd.Series:
    """Log an error per row whose parse failed; the mask of those rows."""
    bad = pd.Series(pd.notna(errors), index=data.index)
    for i in np.flatnonzero(bad.to_numpy()):
        log.error(errors[i], sheet=table.sheet, row=int(data.index[i]), column=table.headers[field],
                  value=data[field].iloc[i])
    return bad


def _unit_codes(table: Table, data: pd.DataFrame, registry: Registry, log: _Log, check_units: bool) -> pd.Series:
    """The code of each data row's unit (None when blank, unknown or ambiguous; errors logged)."""
    raw = data["unit"]
    codes, uniques = pd.factorize(raw.to_numpy(dtype=object), use_na_sentinel=True)
    resolved = []
    for u in uniques:
        if cells.is_blank(u):
            resolved.append((None, "blank"))
            continue
        found = registry.candidates(cells.cell_text(u))
        if len(found) == 1:
            resolved.append((found[0], None))
        elif found:
            names = ", ".join(f"{registry.name(c)} ({c})" for c in found)
            resolved.append((None, f"ambiguous unit: it may be {names}; write the prefix (xã, thị trấn, phường)"))
        else:
            near = registry.closest(cells.cell_text(u))
            hint = f"; closest registry names: {', '.join(near)}" if near else ""
            resolved.append((None, f"unknown unit: not in units.csv (name or alias){hint}"))
    resolved.append((None, "blank"))
    out_codes = np.array([c for c, _ in resolved], dtype=object)[codes]
    out_errors = np.array([e for _, e in resolved], dtype=object)[codes]
    for row, err, value in zip(raw.index, out_errors, raw):
        if err is None:
            continue
        if err == "blank":
            log.error("the unit cell is empty", sheet=table.sheet, row=int(row), column=table.headers["unit"])
        elif check_units:
            log.error(err, sheet=table.sheet, row=int(row), column=table.headers["unit"], value=value)
    return pd.Series(out_codes, index=raw.index, dtype=object)


def _split_rows(table: Table, log: _Log) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(data rows, totals rows) of a table.

    Blank rows are dropped; so are data rows with a formula that has no saved
    result (an error each). Such a formula in a totals row is left unchecked.
    """
    values = table.values
    if values.empty and not table.uncached:
        return values, values
    blank = _blank_mask(values)
    for row in table.uncached:
        if row in blank.index:
            blank.loc[row, table.uncached[row]] = False
    values = values[~blank.all(axis=1)]
    unit = values["unit"]
    totals = pd.Series(_parse_column(unit, is_totals_label)[0], index=unit.index).astype(bool)
    # A totals label merged over the STT and unit columns sits left of the unit cell.
    unit_blank = blank.loc[values.index, "unit"]
    for row in unit_blank.index[unit_blank.to_numpy() & ~totals.to_numpy()]:
        if any(is_totals_label(v) for v in table.rows[row - 1]):
            totals.loc[row] = True
    data = values[~totals]
    uncached = [r for r in table.uncached if r in data.index]
    for row in uncached:
        for field in table.uncached[row]:
            log.error(
                "formula without a saved result: open the workbook in Excel (or LibreOffice), "
                "let it calculate and save it, or type the value",
                sheet=table.sheet, row=row, column=table.headers[field],
            )
    return data.drop(index=uncached), values[totals]


# --------------------------------------------------------------------------- the four sheets


def _counts(table: Table, data: pd.DataFrame, log: _Log) -> tuple[pd.DataFrame, pd.Series]:
    """Parse the count columns of SoHoa/ThanhToan: (int frame, rows with an error)."""
    fields = COUNT_FIELDS[table.sheet]
    bad = pd.Series(False, index=data.index)
    out = {}
    for f in fields:
        parsed, errors = _parse_column(data[f], parse_count)
        bad |= _report(log, table, data, f, errors)
        series = pd.Series(parsed, index=data.index)
        negative = series.map(lambda v: v is not None and v < 0).astype(bool)
        for row in negative.index[negative.to_numpy()]:
            log.error("negative count: expected a whole number ≥ 0", sheet=table.sheet, row=int(row),
                      column=table.headers[f], value=data.loc[row, f])
        bad |= negative
        out[f] = series.where(series.notna(), 0)
    counts = pd.DataFrame(out, index=data.index).astype("int64")
    for part, whole in COUNT_LIMITS[table.sheet]:
        over = (counts[part] > counts[whole]) & ~bad
        for row in over.index[over.to_numpy()]:
            log.error(
                f"'{table.headers[part]}' ({counts.loc[row, part]}) is more than "
                f"'{table.headers[whole]}' ({counts.loc[row, whole]})",
                sheet=table.sheet, row=int(row), column=table.headers[part], value=data.loc[row, part],
            )
        bad |= over
    return counts, bad


#: Larger counts are typing errors (and would not fit the frames' int64).
MAX_COUNT = 10**12


def parse_count(value) -> int:
    """A count cell: blank or "-" is 0, otherwise `cells.parse_int`, at most MAX_COUNT."""
    if cells.is_blank(value) or (isinstance(value, str) and value.strip() in {"-", "–"}):
        return 0
    number = cells.parse_int(value)
    if abs(number) > MAX_COUNT:
        raise ValueError(f"too large for a count (more than {MAX_COUNT:,}): expected a whole number of dossiers "
                         "or transactions")
    return number


def _check_totals(table: Table, counts: pd.DataFrame, totals: pd.DataFrame, bad: pd.Series, log: _Log) -> None:
    """A totals row that disagrees with the sum of the data rows is a warning."""
    if bad.any():
        return  # sums of rows in error mean nothing
    for f in COUNT_FIELDS[table.sheet]:
        expected = int(counts[f].sum())
        for row, value in totals[f].items():
            if cells.is_blank(value):
                continue
            try:
                written = cells.parse_int(value)
            except ValueError:
                log.warning("totals row: not a whole number", sheet=table.sheet, row=int(row),
                            column=table.headers[f], value=value)
                continue
            if written != expected:
                log.warning(
                    f"totals row says {written} but the unit rows add up to {expected}",
                    sheet=table.sheet, row=int(row), column=table.headers[f], value=value,
                )


def _duplicates(table: Table, data: pd.DataFrame, keys: pd.Series, what: str, log: _Log, field: str) -> pd.Series:
    """Rows whose key repeats an earlier row: error on each repeat."""
    valid = keys.notna()
    dup = keys.duplicated(keep="first") & valid
    if dup.any():
        first_row = {}
        for row, key in keys[valid].items():
            first_row.setdefault(key, row)
        for row in dup.index[dup.to_numpy()]:
            log.error(f"{what} (first on row {first_row[keys.loc[row]]})", sheet=table.sheet, row=int(row),
                      column=table.headers[field], value=data.loc[row, field])
    return dup


def _per_unit_sheet(table: Table, registry: Registry, log: _Log, check_units: bool) -> pd.DataFrame:
    """SoHoa / ThanhToan: one row per unit with its counts."""
    data, totals = _split_rows(table, log)
    codes = _unit_codes(table, data, registry, log, check_units)
    counts, bad = _counts(table, data, log)
    dup = _duplicates(table, data, codes.rename("code"), "duplicate unit row: this unit already has a row", log, "unit")
    _check_totals(table, counts, totals, bad | codes.isna(), log)
    keep = codes.notna() & ~dup
    return counts[keep].assign(code=codes[keep].astype(str), row=counts.index[keep])


def _texts(data: pd.DataFrame, field: str) -> pd.Series:
    return pd.Series(_parse_column(data[field], cells.parse_text)[0], index=data.index, dtype=object)


def _dates(table: Table, data: pd.DataFrame, field: str, log: _Log, epoch, required: bool) -> tuple[pd.Series, pd.Series]:
    parsed, errors = _parse_column(data[field], lambda v: cells.parse_date(v, epoch))
    bad = _report(log, table, data, field, errors)
    series = pd.to_datetime(pd.Series(parsed, index=data.index, dtype=object)).astype("datetime64[ns]")
    if required:
        missing = series.isna() & ~bad
        for row in missing.index[missing.to_numpy()]:
            log.error("missing date: expected dd/mm/yyyy", sheet=table.sheet, row=int(row), column=table.headers[field])
        bad |= missing
    return series, bad


def _bools(table: Table, data: pd.DataFrame, field: str, log: _Log) -> tuple[pd.Series, pd.Series]:
    parsed, errors = _parse_column(data[field], cells.parse_bool)
    bad = _report(log, table, data, field, errors)
    return pd.Series(parsed, index=data.index).fillna(False).astype(bool), bad


def _required_text(table: Table, values: pd.Series, field: str, log: _Log) -> pd.Series:
    empty = values == ""
    for row in empty.index[empty.to_numpy()]:
        log.error(f"'{table.headers[field]}' is empty", sheet=table.sheet, row=int(row), column=table.headers[field])
    return empty


def _month_bounds(month: str) -> tuple[pd.Timestamp, pd.Timestamp]:
    start = pd.Timestamp(f"{month}-01")
    return start, pd.Timestamp(f"{next_month(month)}-01") - pd.Timedelta(days=1)


FAR_DAYS = 62  # a date this far outside the reported month is questioned (a warning)


def _far_after(table: Table, data: pd.DataFrame, dates: pd.Series, end: pd.Timestamp, bad: pd.Series, field: str,
               log: _Log, month: str) -> None:
    """A warning for each date more than FAR_DAYS after the month: a typo in the year, most likely."""
    far = dates.notna() & (dates > end + pd.Timedelta(days=FAR_DAYS)) & ~bad
    for row in far.index[far.to_numpy()]:
        log.warning(f"date more than two months after the end of {month}: is the year right?",
                    sheet=table.sheet, row=int(row), column=table.headers[field], value=data.loc[row, field])


def _overdue_sheet(table: Table, registry: Registry, log: _Log, check_units: bool, month: str, epoch) -> pd.DataFrame:
    """QuaHan: one row per overdue dossier."""
    data, _ = _split_rows(table, log)
    codes = _unit_codes(table, data, registry, log, check_units)
    text = {f: _texts(data, f) for f in ("dossier", "field", "procedure", "reason", "basis")}
    bad = codes.isna()
    bad |= _required_text(table, text["dossier"], "dossier", log)
    bad |= _required_text(table, text["field"], "field", log)
    deadline, b1 = _dates(table, data, "deadline", log, epoch, required=True)
    returned, b2 = _dates(table, data, "returned", log, epoch, required=False)
    excused, b3 = _bools(table, data, "excused", log)
    no_reason = excused & (text["reason"] == "") & ~b3
    for row in no_reason.index[no_reason.to_numpy()]:
        log.error("excused dossier without a reason: fill in 'Lý do' (and 'Căn cứ')", sheet=table.sheet,
                  row=int(row), column=table.headers["reason"])
    dossier_keys = text["dossier"].where(text["dossier"] != "", None).rename("dossier")
    dup = _duplicates(table, data, dossier_keys, "duplicate dossier code", log, "dossier")
    bad |= b1 | b2 | b3 | no_reason | dup

    start, end = _month_bounds(month)
    late_deadline = (deadline > end) & ~bad
    for row in late_deadline.index[late_deadline.to_numpy()]:
        log.warning(f"deadline after the end of {month}: the dossier was not overdue in this month",
                    sheet=table.sheet, row=int(row), column=table.headers["deadline"], value=data.loc[row, "deadline"])
    _far_after(table, data, returned, end, bad, "returned", log, month)
    on_time = returned.notna() & (returned <= deadline) & ~bad
    for row in on_time.index[on_time.to_numpy()]:
        log.warning("result returned on or before the deadline: the dossier is not overdue",
                    sheet=table.sheet, row=int(row), column=table.headers["returned"], value=data.loc[row, "returned"])

    keep = ~bad
    return pd.DataFrame(
        {
            "dossier": text["dossier"], "code": codes, "field": text["field"], "procedure": text["procedure"],
            "deadline": deadline, "returned": returned, "excused": excused, "reason": text["reason"],
            "basis": text["basis"], "row": data.index,
        },
        index=data.index,
    )[keep]


def _reports_sheet(table: Table, registry: Registry, log: _Log, check_units: bool, month: str, epoch) -> pd.DataFrame:
    """BaoCao: one row per report due."""
    data, _ = _split_rows(table, log)
    codes = _unit_codes(table, data, registry, log, check_units)
    report = _texts(data, "report")
    bad = codes.isna() | _required_text(table, report, "report", log)
    due, b1 = _dates(table, data, "due", log, epoch, required=True)
    submitted, b2 = _dates(table, data, "submitted", log, epoch, required=False)
    complete, b3 = _bools(table, data, "complete", log)
    bad |= b1 | b2 | b3

    start, end = _month_bounds(month)
    far = ((due < start - pd.Timedelta(days=FAR_DAYS)) | (due > end + pd.Timedelta(days=FAR_DAYS))) & ~bad
    for row in far.index[far.to_numpy()]:
        log.warning(f"due date far from {month}: is this report due this month?", sheet=table.sheet,
                    row=int(row), column=table.headers["due"], value=data.loc[row, "due"])
    _far_after(table, data, submitted, end, bad, "submitted", log, month)
    return pd.DataFrame(
        {"code": codes, "report": report, "due": due, "submitted": submitted, "complete": complete, "row": data.index},
        index=data.index,
    )[~bad]


# --------------------------------------------------------------------------- one workbook


_FORMULA = re.compile(rb"<(?:\w+:)?f[\s>/]")
_CELL = re.compile(rb"<(?:\w+:)?c\b([^>]*?)(?:/>|>(.*?)</(?:\w+:)?c>)", re.S)
_REF = re.compile(rb'\br="([A-Z]+[0-9]+)"')
_VALUE = re.compile(rb"<(?:\w+:)?v>[^<]|<(?:\w+:)?v\b[^>]*?[^/]>[^<]")
_STR_TYPE = re.compile(rb'\bt="str"')


def uncached_formula_cells(xml: bytes) -> set[str]:
    """References ("C7") of formula cells with no saved result in a sheet's XML.

    No result is no <v>, or an empty one (openpyxl writes <v></v>) unless the
    formula is of text type (t="str"), whose result may be the empty text.
    """
    out: set[str] = set()
    if not _FORMULA.search(xml):
        return out
    for m in _FORMULA.finditer(xml):
        plain, prefixed = xml.rfind(b"<c ", 0, m.start()), xml.rfind(b":c ", 0, m.start())
        start = xml.rfind(b"<", 0, prefixed) if prefixed > plain else plain
        if start < 0:
            continue
        cell = _CELL.match(xml, start)
        if cell is None or cell.group(2) is None:
            continue
        if not _VALUE.search(cell.group(2)) and not (_STR_TYPE.search(cell.group(1)) and b"<v" in cell.group(2)):
            ref = _REF.search(cell.group(1))
            if ref:
                out.add(ref.group(1).decode())
    return out


def sheet_parts(archive: zipfile.ZipFile) -> dict[str, str]:
    """Sheet name -> the zip member of its XML, as the package's relationships say.

    The workbook part is the package's officeDocument relationship (as a rule
    xl/workbook.xml); each of its <sheet name=… r:id=…> is looked up in the
    workbook's own relationships (xl/_rels/workbook.xml.rels).
    """
    workbook = next(member for kind, member in _relationships(archive, "").values() if kind.endswith("/officeDocument"))
    targets = _relationships(archive, workbook)
    parts = {}
    for sheet in ElementTree.fromstring(archive.read(workbook)).iterfind("{*}sheets/{*}sheet"):
        rid = next(value for key, value in sheet.attrib.items() if key.endswith("}id"))
        parts[sheet.get("name")] = targets[rid][1]
    return parts


def _relationships(archive: zipfile.ZipFile, part: str) -> dict[str, tuple[str, str]]:
    """Id -> (type, zip member) of a part's relationships ("" is the package itself).

    A target is relative to the part's folder ("worksheets/sheet1.xml") or
    absolute from the package root ("/xl/worksheets/sheet1.xml"); external ones are left out.
    """
    folder, name = posixpath.split(part)
    root = ElementTree.fromstring(archive.read(posixpath.join(folder, "_rels", f"{name}.rels")))
    out = {}
    for rel in root.iterfind("{*}Relationship"):
        if rel.get("TargetMode") == "External":
            continue
        target = rel.get("Target", "")
        member = target[1:] if target.startswith("/") else posixpath.normpath(posixpath.join(folder, target))
        out[rel.get("Id")] = (rel.get("Type", ""), member)
    return out


_OLE_SIGNATURE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def _utf16(name: str) -> bytes:
    return name.encode("utf-16-le")


def _open_failure(data: bytes) -> str:
    """Why bytes that openpyxl refused are not a workbook, in plain words."""
    if data[:8] == _OLE_SIGNATURE:
        # An OLE compound file: a password-protected .xlsx (its streams are
        # "EncryptionInfo" and "EncryptedPackage") or an Excel 97-2003 .xls ("Workbook").
        if _utf16("EncryptedPackage") in data or _utf16("EncryptionInfo") in data:
            return ("cannot be read: the workbook is password-protected (encrypted); open it in Excel, "
                    "remove the password (File > Info > Protect Workbook) and save it again")
        if _utf16("Workbook") in data or _utf16("Book") in data:
            return ("cannot be read: it is an old Excel 97-2003 .xls file renamed to .xlsx; open it in Excel "
                    "and save it as 'Excel Workbook (.xlsx)'")
        return ("cannot be read: it is password-protected (encrypted) or an old Excel 97-2003 .xls file; "
                "save it as an unprotected Excel workbook (.xlsx)")
    if not data:
        return "cannot be read: the file is empty"
    if data[:4] != b"PK\x03\x04":
        head = data[:2048]
        try:
            text = head.decode("utf-8")
            looks_text = all(c.isprintable() or c in "\r\n\t" for c in text)
        except UnicodeDecodeError:
            looks_text = False
        if looks_text:
            lower = text.lstrip("\ufeff \r\n\t").lower()
            if lower.startswith(("<!doctype html", "<html", "<table", "<?xml", "<meta")) or "<table" in lower:
                return ("cannot be read: it is a web page or XML file (an export saved as 'Excel') renamed to .xlsx; "
                        "open it in Excel and save it as 'Excel Workbook (.xlsx)'")
            return "cannot be read: it is a text (CSV?) file renamed to .xlsx; save it from Excel as .xlsx"
        return "cannot be read: it is not an Excel .xlsx workbook"
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            names = set(z.namelist())
            mimetype = z.read("mimetype")[:100] if "mimetype" in names else b""
    except Exception:  # noqa: BLE001 — not even a zip
        return "cannot be read: the .xlsx file is damaged (corrupt zip/XML); save it again from Excel"
    if "xl/workbook.bin" in names:
        return ("cannot be read: it is an Excel binary workbook (.xlsb) renamed to .xlsx; "
                "save it as 'Excel Workbook (.xlsx)'")
    if b"opendocument" in mimetype:
        return ("cannot be read: it is an OpenDocument spreadsheet (.ods) renamed to .xlsx; "
                "save it as 'Excel 2007-365 (.xlsx)'")
    if "xl/workbook.xml" not in names:
        return "cannot be read: it is a zip archive, not an Excel .xlsx workbook"
    return "cannot be read: the .xlsx file is damaged (corrupt zip/XML); save it again from Excel"


@dataclass
class MonthData:
    digitization: pd.DataFrame
    payments: pd.DataFrame
    overdue: pd.DataFrame
    reports: pd.DataFrame
    sha256: str


def read_month(
    path: Path, file: str, month: str, registry: Registry, check_units: bool = True
) -> tuple[MonthData | None, list[Problem]]:
    """Read and check one monthly workbook: its parsed sheets (None when unreadable) and problems."""
    log = _Log(file)
    try:
        data = path.read_bytes()
    except OSError as exc:
        log.error(f"cannot read the file: {exc.strerror or exc}")
        return None, log.problems
    sha = hashlib.sha256(data).hexdigest()

    try:
        import openpyxl

        wb = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        archive = zipfile.ZipFile(io.BytesIO(data))
        parts = sheet_parts(archive)
    except Exception:  # noqa: BLE001 — any failure is the same problem for the user
        log.error(_open_failure(data))
        return None, log.problems

    sheets: dict[str, pd.DataFrame] = {}
    try:
        epoch = wb.epoch
        present = list(wb.sheetnames)
        for sheet in SHEETS:
            if sheet not in present:
                near = [s for s in present if fold(s).replace(" ", "") == fold(sheet)]
                hint = f" (found '{near[0]}': rename it to '{sheet}')" if near else f" (sheets found: {', '.join(present)})"
                log.error(f"missing sheet '{sheet}'{hint}", sheet=sheet)
                continue
            ws = wb[sheet]
            try:
                ws.reset_dimensions()
                rows = list(ws.iter_rows(min_row=1, min_col=1, values_only=True))
                uncached = uncached_formula_cells(archive.read(parts[sheet]))
            except Exception:  # noqa: BLE001
                log.error("cannot read this sheet: the workbook is damaged; save it again from Excel", sheet=sheet)
                continue
            table = read_table(sheet, rows, log, uncached)
            if table is None:
                continue
            if sheet in COUNT_FIELDS:
                sheets[sheet] = _per_unit_sheet(table, registry, log, check_units)
            elif sheet == "QuaHan":
                sheets[sheet] = _overdue_sheet(table, registry, log, check_units, month, epoch)
            else:
                sheets[sheet] = _reports_sheet(table, registry, log, check_units, month, epoch)
    finally:
        wb.close()
        archive.close()

    order = {s: i for i, s in enumerate(SHEETS)}
    problems = sorted(log.problems, key=lambda p: (order.get(p.sheet, -1), p.row or 0))
    if len(sheets) < len(SHEETS):
        return None, problems
    month_data = MonthData(
        digitization=sheets["SoHoa"], payments=sheets["ThanhToan"], overdue=sheets["QuaHan"],
        reports=sheets["BaoCao"], sha256=sha,
    )
    return month_data, problems


# --------------------------------------------------------------------------- parsed months, cached

#: Where parsed months are kept between runs (a folder; "" or "off" turns the cache off).
CACHE_VARIABLE = "CCHC_CACHE_DIR"
#: At most this many cached months; the oldest are dropped beyond it.
CACHE_MAX_ENTRIES = 2000
_CODE_FILES = ("load.py", "cells.py", "registry.py", "dataset.py", "months.py")
_code_key: str | None = None


def cache_dir() -> Path | None:
    """The folder of the parsed-month cache, or None when it is turned off.

    $CCHC_CACHE_DIR, else the user's cache folder (~/.cache/cchc/months,
    $XDG_CACHE_HOME, %LOCALAPPDATA% on Windows).
    """
    import os

    value = os.environ.get(CACHE_VARIABLE)
    if value is not None:
        return None if value.strip().lower() in ("", "0", "off", "no", "none", "false") else Path(value)
    if os.name == "nt" and os.environ.get("LOCALAPPDATA"):
        base = Path(os.environ["LOCALAPPDATA"]) / "cchc" / "Cache"
    else:
        base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "cchc"
    return base / "months"


def _code_fingerprint() -> str:
    """What a cached month depends on besides its inputs: this code and the parsing libraries."""
    global _code_key
    if _code_key is None:
        import sys
        from importlib.metadata import version

        h = hashlib.sha256()
        here = Path(__file__).parent
        for name in _CODE_FILES:
            h.update(name.encode() + b"\0" + (here / name).read_bytes() + b"\0")
        for pkg in ("openpyxl", "pandas", "numpy"):
            h.update(f"{pkg}={version(pkg)};".encode())
        h.update(sys.version.encode())
        _code_key = h.hexdigest()
    return _code_key


def _month_key(sha: str, file: str, month: str, registry: Registry, check_units: bool) -> str:
    units = registry.units[["code", "name", "kind", "aliases", "order"]]
    h = hashlib.sha256()
    for part in (_code_fingerprint(), sha, file, month, str(bool(check_units)),
                 repr([tuple(r) for r in units.itertuples(index=False)])):
        h.update(part.encode("utf-8") + b"\0")
    return h.hexdigest()


def read_month_cached(
    path: Path, file: str, month: str, registry: Registry, check_units: bool = True
) -> tuple[MonthData | None, list[Problem]]:
    """`read_month`, remembered between runs.

    Reading a workbook (openpyxl, then checking every cell) is the slow part
    of a run, and the history is read again by every run (the command checks
    the data, then the notebook's kernel loads it; each month of a batch reads
    all the months before it). A month's result depends only on the file's
    bytes, its name, the month, the registry and this code, so it is kept,
    pickled, under a key made of all of them: a changed workbook, units.csv or
    cchc version is read afresh. Any trouble with the cache (unwritable,
    damaged entry) falls back on reading the workbook.
    """
    import os
    import pickle

    folder = cache_dir()
    if folder is None:
        return read_month(path, file, month, registry, check_units)
    try:
        sha = hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return read_month(path, file, month, registry, check_units)  # says why, in plain words
    entry = folder / f"{_month_key(sha, file, month, registry, check_units)}.pickle"
    try:
        with open(entry, "rb") as f:
            result = pickle.load(f)
        os.utime(entry)  # recently used: kept when the cache is pruned
        return result
    except Exception:  # noqa: BLE001 — absent or damaged: read the workbook
        pass
    result = read_month(path, file, month, registry, check_units)
    if result[0] is not None and result[0].sha256 != sha:
        return result  # the file changed while it was read: do not remember it
    try:
        folder.mkdir(parents=True, exist_ok=True)
        tmp = entry.with_name(f".{entry.name}.{os.getpid()}.tmp")
        with open(tmp, "wb") as f:
            pickle.dump(result, f, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, entry)  # atomic: parallel runs may write the same entry
        _prune(folder)
    except Exception:  # noqa: BLE001 — a cache that cannot be written is no cache
        pass
    return result


def _prune(folder: Path) -> None:
    entries = list(folder.glob("*.pickle"))
    if len(entries) <= CACHE_MAX_ENTRIES:
        return
    entries.sort(key=lambda p: p.stat().st_mtime)
    for p in entries[: len(entries) - CACHE_MAX_ENTRIES // 2]:
        p.unlink(missing_ok=True)


# --------------------------------------------------------------------------- the data directory


def _raw_listing(data_dir: Path) -> tuple[dict[str, Path], list[Problem]]:
    """{month: path} of raw/YYYY-MM.xlsx; other names are ignored with a warning."""
    raw = data_dir / RAW_DIR
    problems: list[Problem] = []
    if not raw.is_dir():
        problems.append(Problem(ERROR, "no raw/ folder: expected one workbook per month, raw/YYYY-MM.xlsx", file=RAW_DIR))
        return {}, problems
    found: dict[str, Path] = {}
    for path in sorted(raw.iterdir()):
        name = path.name
        if name.startswith("."):
            continue  # .gitkeep, .DS_Store
        m = _MONTH_FILE.fullmatch(name)
        if m and path.is_file() and is_month(m.group(1)):
            found[m.group(1)] = path
        else:
            why = "an Excel lock file (the workbook is open in Excel)" if name.startswith("~$") else "not a monthly workbook"
            problems.append(Problem(WARNING, f"ignored: {why}; expected raw/YYYY-MM.xlsx", file=f"{RAW_DIR}/{name}"))
    return found, problems


def available_months(data_dir) -> list[str]:
    """Months with a workbook raw/YYYY-MM.xlsx, sorted."""
    return sorted(_raw_listing(Path(data_dir))[0])


def latest_month(data_dir) -> str | None:
    """The latest month with a workbook, or None."""
    months = available_months(data_dir)
    return months[-1] if months else None


def _grid(frames: dict[str, pd.DataFrame], units: pd.DataFrame, months: list[str], columns: list[str]) -> pd.DataFrame:
    """One row per month and registry unit: counts where given, zeros and present=False elsewhere."""
    values = columns[2:-1]
    given = pd.concat(
        [f[["code", *values]].assign(month=m) for m, f in frames.items()] or [pd.DataFrame(columns=["month", "code", *values])],
        ignore_index=True,
    ).assign(present=True)
    grid = pd.DataFrame({"month": pd.Series(months, dtype="str")}).merge(units[["code", "order"]], how="cross")
    out = grid.merge(given.astype({"month": "str", "code": "str"}), on=["month", "code"], how="left")
    out[values] = out[values].fillna(0).astype("int64")
    out["present"] = out["present"].fillna(False).astype(bool)
    out = out.sort_values(["month", "order"], kind="stable").reset_index(drop=True)
    return out[columns].astype({"month": "str", "code": "str"})


def _rows_frame(frames: dict[str, pd.DataFrame], units: pd.DataFrame, columns: list[str], dtypes: dict) -> pd.DataFrame:
    """Overdue / reports of every month, sorted by month, registry order, sheet row."""
    parts = [f.assign(month=m) for m, f in frames.items() if len(f)]
    if not parts:
        return pd.DataFrame({c: pd.Series(dtype=dtypes.get(c, "str")) for c in columns})
    order = dict(zip(units["code"], units["order"]))
    out = pd.concat(parts, ignore_index=True)
    out = (
        out.assign(_order=out["code"].map(order))
        .sort_values(["month", "_order", "row"], kind="stable")
        .reset_index(drop=True)[columns]
    )
    return out.astype({c: dtypes.get(c, "str") for c in columns})


_DATE = "datetime64[ns]"
OVERDUE_DTYPES = {"deadline": _DATE, "returned": _DATE, "excused": "bool"}
REPORT_DTYPES = {"due": _DATE, "submitted": _DATE, "complete": "bool"}


def _collect(data_dir, month) -> tuple[Dataset | None, list[Problem]]:
    """Read everything; the Dataset (None when there are errors) and every problem."""
    data_dir = Path(data_dir)
    problems: list[Problem] = []
    if not is_month(str(month)):
        return None, [Problem(ERROR, f"the month must be written YYYY-MM (e.g. 2023-06), not '{month}'")]
    if not data_dir.is_dir():
        return None, [Problem(ERROR, f"the data folder {data_dir} does not exist")]

    config, config_problems = load_config(data_dir)
    registry, unit_problems = load_registry(data_dir)
    listing, raw_problems = _raw_listing(data_dir)
    problems += config_problems + unit_problems + raw_problems

    months = sorted(m for m in listing if m <= month)
    if month not in listing and (data_dir / RAW_DIR).is_dir():
        have = sorted(listing)
        listed = ", ".join(have) if len(have) <= 6 else f"{len(have)} months, {have[0]} … {have[-1]}"
        found = f" (months found: {listed})" if have else " (raw/ has no monthly workbook)"
        problems.append(Problem(ERROR, f"no workbook for {month}: expected raw/{month}.xlsx{found}",
                                file=f"{RAW_DIR}/{month}.xlsx"))
    if months:
        for gap in (m for m in month_range(months[0], month) if m not in listing):
            if gap != month:
                problems.append(Problem(
                    WARNING,
                    f"no workbook for {gap}: a gap in the history (streaks restart after it)",
                    file=f"{RAW_DIR}/{gap}.xlsx",
                ))

    check_units = len(registry) > 0
    loaded: dict[str, MonthData] = {}
    for m in months:
        file = f"{RAW_DIR}/{listing[m].name}"
        result, month_problems = read_month_cached(listing[m], file, m, registry, check_units)
        problems += month_problems
        if result is not None:
            loaded[m] = result
            missing = registry.units[~registry.units["code"].isin(result.digitization["code"])]
            for name, code in zip(missing["name"], missing["code"]):
                problems.append(Problem(
                    WARNING, f"unit {name} ({code}) has no row in SoHoa: counted as no dossiers",
                    file=file, sheet="SoHoa", value=name,
                ))

    if any(p.is_error for p in problems):
        return None, problems
    units = registry.units
    dataset = Dataset(
        data_dir=data_dir,
        month=month,
        months=months,
        config=config,
        units=units,
        digitization=_grid({m: d.digitization for m, d in loaded.items()}, units, months, DIGITIZATION_COLUMNS),
        payments=_grid({m: d.payments for m, d in loaded.items()}, units, months, PAYMENT_COLUMNS),
        overdue=_rows_frame({m: d.overdue for m, d in loaded.items()}, units, OVERDUE_COLUMNS, OVERDUE_DTYPES),
        reports=_rows_frame({m: d.reports for m, d in loaded.items()}, units, REPORT_COLUMNS, REPORT_DTYPES),
        inputs=[{"file": f"{RAW_DIR}/{listing[m].name}", "sha256": d.sha256} for m, d in loaded.items()],
        warnings=[p for p in problems if not p.is_error],
    )
    return dataset, problems


def validate(data_dir, month: str) -> list[Problem]:
    """Every problem (errors and warnings) of the data directory for the month; never raises."""
    return _collect(data_dir, month)[1]


def load_dataset(data_dir, month: str) -> Dataset:
    """The month and its history as tidy frames; DataError with every problem if any is an error."""
    dataset, problems = _collect(data_dir, month)
    if dataset is None:
        raise DataError(problems)
    return dataset
