"""Vietnamese number, date and list formatting for the letter and the report.

Every number the letter prints goes through here, so that the same value is
always written the same way:

>>> pct(97.31), pct(89.80), pct(0.4), pct(100.0), num(1234.5)
('97,31%', '89,8%', '0,4%', '100%', '1.234,5')
>>> count2(6), count2(13), month_label("2023-06"), date_vn("2023-04-01")
('06', '13', '6/2023', '01/4/2023')

Numbers are rounded by `cchc.indicators.round2` (half up on the shortest repr,
the one rounding the rules compare with), written with a decimal comma, "."
between thousands and no trailing zeros (Babel, locale vi).
An undefined value (None, NaN) is written as :data:`UNDEFINED`.

Units are dicts (or pandas rows) with at least ``name`` and ``kind``
(``department``, ``commune``, ``town``, ``ward``). Local units print under
their kind's prefix ("UBND xã Ngọc Kỳ"); departments print their name as is.
"""

from __future__ import annotations

import datetime as _dt
import math
from collections.abc import Callable, Iterable, Mapping
from decimal import Decimal
from functools import lru_cache

from babel.numbers import format_decimal

from cchc.dataset import LOCAL_KINDS  # the printed order of the local kinds
from cchc.indicators import round2
from cchc.months import parse_month

LOCALE = "vi"
UNDEFINED = "—"

# The printed prefix of each kind of local unit (docs/data-format.md, units.csv).
KIND_PREFIX = {"commune": "UBND xã", "ward": "UBND phường", "special_zone": "UBND đặc khu", "town": "UBND thị trấn"}
# The bare word of each kind, in the fixed order of "các xã, phường, đặc khu" ("thị trấn" before July 2025).
KIND_WORD = {"commune": "xã", "ward": "phường", "special_zone": "đặc khu", "town": "thị trấn"}
AND = "và"

# Words of a month-over-month change (signed_change).
UP, DOWN, SAME = "tăng", "giảm", "không đổi"


# --------------------------------------------------------------------------- numbers


def is_missing(x) -> bool:
    """True for None and NaN (pandas NA included)."""
    if x is None:
        return True
    try:
        return bool(math.isnan(float(x)))
    except (TypeError, ValueError):
        return type(x).__name__ in ("NAType", "NaTType")  # pandas NA / NaT


def _shown(x, places: int) -> Decimal:
    """x as printed: `round2(x, places)`, as an exact Decimal (no -0)."""
    return Decimal(repr(round2(float(x), places)))


def num(x, places: int = 2) -> str:
    """1234.5 -> "1.234,5"; 0.66 -> "0,66"; 100.0 -> "100"; None/NaN -> "—"."""
    if is_missing(x):
        return UNDEFINED
    return _decimal_text(_shown(x, places), places)


@lru_cache(maxsize=8192)
def _decimal_text(d: Decimal, places: int) -> str:
    """Babel's Vietnamese format of a rounded value (remembered: pages print the same figures often)."""
    pattern = "#,##0" + ("." + "#" * places if places > 0 else "")
    return format_decimal(d, format=pattern, locale=LOCALE)


def pct(x, places: int = 2) -> str:
    """97.31 -> "97,31%"; 89.80 -> "89,8%"; 100.0 -> "100%"; None/NaN -> "—"."""
    if is_missing(x):
        return UNDEFINED
    return num(x, places) + "%"


def direction(x, places: int = 2) -> int:
    """Sign of x as displayed: 1, -1, or 0 (also 0 when rounding gives 0)."""
    if is_missing(x):
        return 0
    d = round2(float(x), places)
    return (d > 0) - (d < 0)


def signed_change(x, unit: str = "%", places: int = 2) -> str:
    """A change as words: 0.66 -> "tăng 0,66%", -1.2 -> "giảm 1,2%", 0 -> "không đổi".

    A change that rounds to 0 reads "không đổi"; None/NaN gives "" (no previous
    month: the caller drops the clause).
    """
    if is_missing(x):
        return ""
    sign = direction(x, places)
    if sign == 0:
        return SAME
    return f"{UP if sign > 0 else DOWN} {num(abs(float(x)), places)}{unit}"


def count2(n) -> str:
    """A count with at least two digits: 6 -> "06", 13 -> "13", 100 -> "100"."""
    n = int(n)
    if n < 0:
        raise ValueError(f"a count cannot be negative: {n}")
    return f"{n:02d}"


# --------------------------------------------------------------------------- dates


def month_label(month: str) -> str:
    """"2023-06" -> "6/2023"."""
    y, m = parse_month(month)
    return f"{m}/{y}"


def _as_date(d) -> _dt.date:
    if isinstance(d, _dt.datetime):
        return d.date()
    if isinstance(d, _dt.date):
        return d
    if hasattr(d, "to_pydatetime"):  # pandas Timestamp
        return d.to_pydatetime().date()
    return _dt.date.fromisoformat(str(d).strip()[:10])


def date_vn(d) -> str:
    """"2023-06-30" -> "30/6/2023", "2023-04-01" -> "01/4/2023".

    Day on two digits, month without a leading zero (as the seed writes it).
    Accepts "YYYY-MM-DD", date, datetime or pandas Timestamp.
    """
    d = _as_date(d)
    return f"{d.day:02d}/{d.month}/{d.year}"


def first_day(month: str) -> _dt.date:
    y, m = parse_month(month)
    return _dt.date(y, m, 1)


def last_day(month: str) -> _dt.date:
    y, m = parse_month(month)
    nxt = _dt.date(y + (m == 12), m % 12 + 1, 1)
    return nxt - _dt.timedelta(days=1)


# --------------------------------------------------------------------------- units


def _get(u, key, default=None):
    """u[key] for dicts and pandas rows (whose .name is the index!), else u.key."""
    if isinstance(u, Mapping) or hasattr(u, "get"):
        return u.get(key, default)
    return getattr(u, key, default)


def is_local(u) -> bool:
    return _get(u, "kind") in KIND_PREFIX


def unit_prefix(u) -> str:
    """"UBND xã" for a commune, "" for a department."""
    return KIND_PREFIX.get(_get(u, "kind"), "")


def unit_name(u) -> str:
    """The unit's name as written in the registry ("Hưng Đạo")."""
    return str(_get(u, "name", ""))


def unit_label(u, name: Callable = unit_name) -> str:
    """"UBND xã Hưng Đạo" for a local unit; a department's name as is.

    `name` writes the name part (the letter's markup wraps it in a mention of the unit).
    """
    prefix = unit_prefix(u)
    return f"{prefix} {name(u)}" if prefix else name(u)


def join_vn(items: Iterable[str], sep: str = ", ", last: str = f" {AND} ") -> str:
    """["a"] -> "a"; ["a", "b", "c"] -> "a, b và c"."""
    items = [str(i) for i in items]
    if len(items) <= 1:
        return "".join(items)
    return sep.join(items[:-1]) + last + items[-1]


def group_names(units: Iterable, name: Callable = unit_name) -> str:
    """Names grouped under their printed prefix, in order of first appearance.

    >>> group_names([{"name": "Chí Minh", "kind": "commune"},
    ...              {"name": "Tứ Kỳ", "kind": "town"},
    ...              {"name": "Quang Phục", "kind": "commune"}])
    'UBND xã Chí Minh, Quang Phục và UBND thị trấn Tứ Kỳ'

    Departments are items of their own (their name as is). Within a group the
    names are joined with ", "; the last item overall is joined with " và ".
    A single group: "UBND xã An Thanh và Tái Sơn". `name` writes each unit's
    name part, as in `unit_label`.
    """
    groups: dict[str, list[str]] = {}
    order: list[str] = []
    for u in units:
        prefix = unit_prefix(u)
        key = prefix if prefix else f"\0{len(order)}"  # departments: one item each
        if key not in groups:
            groups[key] = []
            order.append(key)
        groups[key].append(name(u))
    if len(order) == 1 and not order[0].startswith("\0"):
        return f"{order[0]} {join_vn(groups[order[0]])}"
    parts = []
    for key in order:
        names = groups[key]
        parts.append(names[0] if key.startswith("\0") else f"{key} {', '.join(names)}")
    return join_vn(parts)


def kinds_phrase(units: Iterable) -> str:
    """The kinds of local units present, in the fixed order xã, phường, thị trấn.

    "xã", "xã, thị trấn", "xã, phường, thị trấn" ("" when there is no local unit).
    """
    present = {_get(u, "kind") for u in units}
    return ", ".join(KIND_WORD[k] for k in LOCAL_KINDS if k in present)
