"""The columns of dossier records parsed and checked, vectorised, with bounded messages.

    issues = Issues("raw/hoso/2025-10.csv")
    days, bad = parse_dates(batch.columns["NgayTiepNhan"], batch.rows, issues, "NgayTiepNhan", header)
    issues.problems()   # per kind of problem: its first rows, then "… and N more"

Every parser works on a whole Arrow column at once; text is parsed once per
distinct value (a month has few distinct dates, units and flags, however many
records), so half a million rows cost about what a few thousand distinct
values do. A problem is not logged per row: `Issues` keeps, per kind (message
and column), the count and the first `EXAMPLES` rows, so a file with 40,000
bad rows gives a few lines, not 40,000.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from cchc.cells import EXCEL_EPOCH, YEAR_MAX, YEAR_MIN
from cchc.dataset import ERROR, WARNING, Problem

#: Rows shown for each kind of problem before "… and N more".
EXAMPLES = 5
#: Dates are refused outside these years (a typo, most likely).
_EXCEL_EPOCH = np.datetime64(EXCEL_EPOCH.date(), "D")
NAT = np.datetime64("NaT", "D")


@dataclass
class _Kind:
    level: str
    message: str
    column: str
    count: int = 0
    examples: list[tuple[int, str]] = field(default_factory=list)


class Issues:
    """The problems of one records file, by kind: a count and the first rows of each."""

    def __init__(self, file: str, sheet: str = ""):
        self.file, self.sheet = file, sheet
        self._kinds: dict[tuple, _Kind] = {}
        self.plain: list[Problem] = []  # problems of the whole file (a missing column …)

    def add(self, level: str, message: str, column: str, rows: np.ndarray, values) -> None:
        """Rows (file row numbers) that have the problem, and their values (an array or a list, same length)."""
        n = len(rows)
        if n == 0:
            return
        kind = self._kinds.setdefault((level, message, column), _Kind(level, message, column))
        kind.count += n
        room = EXAMPLES - len(kind.examples)
        if room > 0:
            take = list(values[:room]) if not isinstance(values, (pa.Array, pa.ChunkedArray)) \
                else values.slice(0, room).to_pylist()
            kind.examples += [(int(r), _text(v)) for r, v in zip(rows[:room], take)]

    def error(self, message: str, column: str, rows, values) -> None:
        self.add(ERROR, message, column, rows, values)

    def warning(self, message: str, column: str, rows, values) -> None:
        self.add(WARNING, message, column, rows, values)

    def file_problem(self, level: str, message: str, column: str = "", value: str = "") -> None:
        self.plain.append(Problem(level, message, self.file, self.sheet, None, column, value))

    @property
    def has_errors(self) -> bool:
        return any(p.is_error for p in self.plain) or any(k.level == ERROR for k in self._kinds.values())

    def problems(self) -> list[Problem]:
        """Every problem: the file's own, then each kind's first rows and "… and N more rows"."""
        out = list(self.plain)
        for kind in sorted(self._kinds.values(), key=lambda k: (k.level != ERROR, k.examples[0][0])):
            for row, value in kind.examples:
                out.append(Problem(kind.level, kind.message, self.file, self.sheet, row, kind.column, value))
            more = kind.count - len(kind.examples)
            if more > 0:
                out.append(Problem(kind.level, f"… and {more:,} more rows with this problem ({kind.count:,} in all): "
                                               f"{kind.message}", self.file, self.sheet, None, kind.column))
        return out


def _text(value) -> str:
    if value is None:
        return ""
    return str(value)


def _rows_where(mask: np.ndarray, rows: np.ndarray) -> np.ndarray:
    return rows[np.flatnonzero(mask)]


def _take_where(values: pa.Array, mask: np.ndarray, limit: int = EXAMPLES) -> list:
    idx = np.flatnonzero(mask)[:limit]
    return values.take(pa.array(idx, pa.int64())).to_pylist() if len(idx) else []


def as_array(values) -> pa.Array:
    return values.combine_chunks() if isinstance(values, pa.ChunkedArray) else values


def _blank(values: pa.Array) -> np.ndarray:
    """True where a text cell is null or only spaces."""
    if pa.types.is_string(values.type) or pa.types.is_large_string(values.type):
        # "" or only spaces; no copy of the texts
        space = pc.or_(pc.equal(values, ""), pc.utf8_is_space(values))
        return pc.fill_null(space, True).to_numpy(zero_copy_only=False)
    return values.is_null().to_numpy(zero_copy_only=False)


def _by_distinct(values: pa.Array, parse) -> tuple:
    """`parse(distinct texts as a list)` -> arrays aligned with the distinct values; spread back over the rows.

    Returns (indices into the distinct values, -1 for null; the parse's outputs).
    """
    # encoded first, trimmed after: the few distinct texts are trimmed, not every row
    enc = pc.dictionary_encode(values.cast(pa.string()))
    indices = enc.indices.to_numpy(zero_copy_only=False)
    indices = np.where(enc.indices.is_null().to_numpy(zero_copy_only=False), -1, indices).astype("int64")
    return indices, parse(pc.utf8_trim_whitespace(enc.dictionary))


# --------------------------------------------------------------------------- dates

_DMY = r"^(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{4})(?:[ T]+(\d{1,2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?)?$"
_YMD = r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T]+(\d{1,2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?)?(?:Z|[+\-]\d{2}:?\d{2})?$"
_SERIAL = r"^\d{1,7}(?:\.\d+)?$"


def _groups(texts: pa.Array, pattern: str, names: tuple) -> tuple[dict[str, np.ndarray], np.ndarray]:
    """The pattern's groups as int arrays (-1 when absent), and where the pattern did not match."""
    named = pattern
    for name in names:  # RE2 needs named groups: name them in order
        named = named.replace("(\\d", f"(?P<{name}>\\d", 1)
    found = pc.extract_regex(texts, named)
    out = {}
    for name in names:
        col = pc.struct_field(found, name)
        out[name] = pc.cast(pc.if_else(pc.equal(col, ""), None, col), pa.int64()).to_numpy(zero_copy_only=False)
    return out, found.is_null().to_numpy(zero_copy_only=False)


def _make_days(y, m, d) -> tuple[np.ndarray, np.ndarray]:
    """datetime64[D] of year/month/day (float arrays, NaN for none), and where no such date exists."""
    ok = ~(np.isnan(y) | np.isnan(m) | np.isnan(d))
    yi = np.where(ok, y, 2000).astype("int64")
    mi = np.where(ok, m, 1).astype("int64")
    di = np.where(ok, d, 1).astype("int64")
    valid = ok & (mi >= 1) & (mi <= 12) & (di >= 1)
    first = ((yi - 1970) * 12 + np.clip(mi, 1, 12) - 1).astype("datetime64[M]")
    length = ((first + 1).astype("datetime64[D]") - first.astype("datetime64[D]")).astype("int64")
    valid &= di <= length
    days = first.astype("datetime64[D]") + (di - 1).astype("timedelta64[D]")
    return np.where(valid, days, NAT), ok & ~valid


def _on(texts: pa.Array, where: np.ndarray, pattern: str, names: tuple) -> tuple[dict[str, np.ndarray], np.ndarray]:
    """`_groups` on the texts at `where` only (a pattern is tried on what the ones before left):
    float arrays over all the texts (NaN elsewhere), and where it matched."""
    n = len(texts)
    out = {k: np.full(n, np.nan) for k in names}
    matched = np.zeros(n, dtype=bool)
    idx = np.flatnonzero(where)
    if len(idx):
        groups, miss = _groups(texts.take(pa.array(idx)), pattern, names)
        for k in names:
            out[k][idx] = groups[k].astype("float64")
        matched[idx] = ~miss
    return out, matched


def _parse_date_texts(texts: pa.Array) -> tuple[np.ndarray, np.ndarray]:
    """Distinct date texts -> (datetime64[D] or NaT, error message index: 0 ok, 1 unreadable, 2 no such date, 3 out of range).

    dd/mm/yyyy first, then yyyy-mm-dd on what is left, then Excel serial numbers."""
    n = len(texts)
    why = np.zeros(n, dtype="int8")
    if n == 0:
        return np.full(n, NAT), why
    names = ("a", "b", "c", "H", "M", "S")
    dmy, is_dmy = _on(texts, np.ones(n, dtype=bool), _DMY, names)
    ymd, is_ymd = _on(texts, ~is_dmy, _YMD, names)
    d1, bad1 = _make_days(dmy["c"], dmy["b"], dmy["a"])
    d2, bad2 = _make_days(ymd["a"], ymd["b"], ymd["c"])
    pick = lambda k: np.where(is_dmy, dmy[k], ymd[k])  # noqa: E731
    with np.errstate(invalid="ignore"):
        bad_time = (pick("H") > 23) | (pick("M") > 59) | (pick("S") > 59)
    rest = ~is_dmy & ~is_ymd
    serial_like = np.zeros(n, dtype=bool)
    serial = np.full(n, np.nan)
    idx = np.flatnonzero(rest)
    if len(idx):
        sub = texts.take(pa.array(idx))
        like = pc.match_substring_regex(sub, _SERIAL).to_numpy(zero_copy_only=False)
        serial_like[idx] = like
        serial[idx] = np.where(like, pc.cast(pc.if_else(like, sub, None), pa.float64()).to_numpy(zero_copy_only=False),
                               np.nan)
    d3 = np.where(serial_like & (serial >= 1), _EXCEL_EPOCH + np.floor(np.nan_to_num(serial)).astype("timedelta64[D]"),
                  NAT)
    days = np.where(is_dmy, d1, np.where(is_ymd, d2, d3))
    why[rest & ~serial_like] = 1
    why[(is_dmy & bad1) | (is_ymd & bad2) | bad_time] = 2
    year = days.astype("datetime64[Y]").astype("int64") + 1970
    why[(why == 0) & ~np.isnat(days) & ((year < YEAR_MIN) | (year > YEAR_MAX))] = 3
    why[serial_like & (serial < 1)] = 1
    return np.where(why == 0, days, NAT), why


_DATE_MESSAGES = {
    1: "not a date: expected dd/mm/yyyy (with hh:mm if any), yyyy-mm-dd or an Excel date",
    2: "no such date or time",
    3: f"date out of range: expected a year between {YEAR_MIN} and {YEAR_MAX}",
}


def parse_dates(values, rows: np.ndarray, issues: Issues, column: str) -> tuple[np.ndarray, np.ndarray]:
    """The column as calendar days (datetime64[D], NaT when blank), and the rows in error (logged).

    Text: dd/mm/yyyy or d/m/yyyy (also with - or .), optionally followed by
    hh:mm or hh:mm:ss; yyyy-mm-dd[ hh:mm[:ss]]; an Excel serial number. Typed
    columns (Parquet): dates and timestamps (a zoned timestamp in its own
    zone's wall time), numbers as Excel serials. The time of day is dropped:
    dates compare as calendar days.
    """
    values = as_array(values)
    t = values.type
    if pa.types.is_timestamp(t):
        if t.tz is not None:
            values = pc.local_timestamp(values)
        days = values.cast(pa.timestamp("s")).to_numpy(zero_copy_only=False).astype("datetime64[D]")
        return _range_check(days, rows, issues, column, values)
    if pa.types.is_date(t):
        days = values.cast(pa.date32()).to_numpy(zero_copy_only=False).astype("datetime64[D]")
        return _range_check(days, rows, issues, column, values)
    if pa.types.is_integer(t) or pa.types.is_floating(t):
        serial = values.cast(pa.float64()).to_numpy(zero_copy_only=False)
        days = np.where(np.isnan(serial) | (serial < 1), NAT,
                        _EXCEL_EPOCH + np.floor(np.nan_to_num(serial)).astype("timedelta64[D]"))
        bad = ~np.isnan(serial) & (serial < 1)
        issues.error(_DATE_MESSAGES[1], column, _rows_where(bad, rows), _take_where(values, bad))
        days, out = _range_check(days, rows, issues, column, values)
        return days, out | bad
    indices, (distinct_days, why) = _by_distinct(values, _parse_date_texts)
    blank = indices < 0
    safe = np.where(blank, 0, indices)
    days = np.where(blank, NAT, distinct_days[safe] if len(distinct_days) else NAT)
    reason = np.where(blank, 0, why[safe] if len(why) else 0)
    for code, message in _DATE_MESSAGES.items():
        mask = reason == code
        if mask.any():
            issues.error(message, column, _rows_where(mask, rows), _take_where(values, mask))
    return days.astype("datetime64[D]"), reason > 0


def _range_check(days, rows, issues, column, values):
    year = days.astype("datetime64[Y]").astype("int64") + 1970
    bad = ~np.isnat(days) & ((year < YEAR_MIN) | (year > YEAR_MAX))
    issues.error(_DATE_MESSAGES[3], column, _rows_where(bad, rows), _take_where(values, bad))
    return np.where(bad, NAT, days).astype("datetime64[D]"), bad


# --------------------------------------------------------------------------- small whole numbers

def _small_ints(values: pa.Array) -> tuple[np.ndarray, np.ndarray]:
    """(the column as float, NaN when blank; True where it is not a whole number). Text parsed once per distinct value."""
    t = values.type
    if pa.types.is_boolean(t) or pa.types.is_integer(t) or pa.types.is_floating(t):
        x = values.cast(pa.float64()).to_numpy(zero_copy_only=False)
        return x, ~np.isnan(x) & (x != np.floor(np.nan_to_num(x)))

    try:  # the usual export: plain digits, cast in one vectorised pass
        x = pc.cast(values, pa.int64()).cast(pa.float64()).to_numpy(zero_copy_only=False)
        return x, np.zeros(len(x), dtype=bool)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        pass

    def parse(texts: pa.Array):
        ok = pc.match_substring_regex(texts, r"^[+]?\d+(?:\.0*)?$").to_numpy(zero_copy_only=False)
        number = pc.cast(pc.if_else(ok, texts, None), pa.float64()).to_numpy(zero_copy_only=False)
        empty = pc.equal(texts, "").to_numpy(zero_copy_only=False)
        return np.where(ok, number, np.nan), ~ok & ~empty

    indices, (number, bad) = _by_distinct(values, parse)
    blank = indices < 0
    safe = np.where(blank, 0, indices)
    if len(number) == 0:
        return np.full(len(indices), np.nan), np.zeros(len(indices), bool)
    return np.where(blank, np.nan, number[safe]), np.where(blank, False, bad[safe])


def parse_flag(values, rows: np.ndarray, issues: Issues, column: str) -> tuple[np.ndarray, np.ndarray]:
    """A 0/1 column as bool (blank is 0, as a blank yes/no cell is no), and the rows in error."""
    values = as_array(values)
    x, bad = _small_ints(values)
    bad = bad | (~np.isnan(x) & (x != 0) & (x != 1))
    issues.error("not a 0/1 flag: expected 1 (yes) or 0 (no)", column, _rows_where(bad, rows), _take_where(values, bad))
    return np.nan_to_num(x) == 1, bad


def parse_channel(values, rows: np.ndarray, issues: Issues, column: str) -> tuple[np.ndarray, np.ndarray]:
    """KenhThucHien as int8 (1 in person, 2 online, 3 by post), and the rows in error (blank included)."""
    values = as_array(values)
    x, bad = _small_ints(values)
    bad = bad | np.isnan(x) | ~np.isin(x, (1, 2, 3))
    issues.error("not a channel: expected 1 (in person), 2 (online) or 3 (by post)", column,
                 _rows_where(bad, rows), _take_where(values, bad))
    return np.where(bad, 0, np.nan_to_num(x)).astype("int8"), bad


def texts(values) -> pa.Array:
    """The column as trimmed text ("" when blank)."""
    values = as_array(values)
    s = values.cast(pa.string()) if not pa.types.is_string(values.type) else values
    return pc.fill_null(pc.utf8_trim_whitespace(s), "")


def blank(values) -> np.ndarray:
    return _blank(as_array(values))


# --------------------------------------------------------------------------- units

class UnitResolver:
    """DonViXuLy -> registry order (int), each distinct text matched once for the whole file.

    A text is the unit's portal code (dvc_code), its registry code, or its name
    as printed (registry names and aliases, portal names "UBND xã … - tỉnh …").
    An unknown or ambiguous text is one problem (its first row, how many rows,
    the closest registry names), whatever the number of its rows.
    """

    def __init__(self, registry):
        self.registry = registry
        self.order = {c: i for i, c in enumerate(registry.units["code"])}
        self.known: dict[str, tuple[int, str | None]] = {}
        self.unknown: dict[str, list] = {}  # text -> [first row, rows, message]

    def _one(self, text: str) -> tuple[int, str | None]:
        if text in self.known:
            return self.known[text]
        reg = self.registry
        code = reg.by_code(text) if text else None
        message = None
        if not text:
            message = "the unit is blank"
        elif code is None:
            found = reg.candidates(text)
            if len(found) == 1:
                code = found[0]
            elif found:
                names = ", ".join(f"{reg.name(c)} ({c})" for c in found)
                message = f"ambiguous unit: it may be {names}; write its portal code (dvc_code) or registry code"
            else:
                near = reg.closest(text)
                hint = f"; closest registry names: {', '.join(near)}" if near else ""
                message = f"unknown unit: not a dvc_code, code, name or alias in units.csv{hint}"
        result = (self.order[code] if code is not None else -1, message)
        self.known[text] = result
        return result

    def resolve(self, values, rows: np.ndarray) -> np.ndarray:
        """Registry order of each row's unit, -1 when blank, unknown or ambiguous (remembered for `report`)."""
        values = as_array(values)
        enc = pc.dictionary_encode(pc.fill_null(values.cast(pa.string()), ""))
        indices = enc.indices.to_numpy(zero_copy_only=False).astype("int64")
        results = [self._one(t.strip()) for t in enc.dictionary.to_pylist()]
        order = np.array([r[0] for r in results], dtype="int64")
        unit = order[indices] if len(results) else np.full(len(indices), -1, "int64")
        for j, (found, message) in enumerate(results):
            if message is None:
                continue
            where = np.flatnonzero(indices == j)
            entry = self.unknown.setdefault(enc.dictionary[j].as_py(), [int(rows[where[0]]), 0, message])
            entry[1] += len(where)
        return unit

    def report(self, issues: "Issues", column: str, limit: int = 2 * EXAMPLES) -> None:
        """One error per distinct unknown text (its first row and its number of rows), at most `limit` of them."""
        items = sorted(self.unknown.items(), key=lambda kv: kv[1][0])
        for text, (row, count, message) in items[:limit]:
            rows_note = f" ({count:,} rows)" if count > 1 else ""
            issues.plain.append(Problem(ERROR, message + rows_note, issues.file, issues.sheet, row, column, text))
        if len(items) > limit:
            rest = items[limit:]
            issues.plain.append(Problem(
                ERROR, f"… and {len(rest):,} more unknown units ({sum(c for _, (_, c, _) in rest):,} rows)",
                issues.file, issues.sheet, None, column))
