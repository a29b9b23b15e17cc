"""Months as "YYYY-MM" strings: parsing and arithmetic."""

from __future__ import annotations

import re

from cchc.cells import YEAR_MAX, YEAR_MIN

MONTH_RE = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")


def parse_month(text: str) -> tuple[int, int]:
    """Return (year, month) of "YYYY-MM"; ValueError otherwise."""
    m = MONTH_RE.match(str(text).strip())
    if not m:
        raise ValueError(f"not a month of the form YYYY-MM: {text!r}")
    return int(m.group(1)), int(m.group(2))


def is_month(text: str) -> bool:
    return bool(MONTH_RE.match(str(text).strip()))


def month_error(text: str) -> str | None:
    """Why `text` cannot be a reported month (None when it can).

    A month is "YYYY-MM" in the years the data's dates may have
    (`cchc.cells.YEAR_MIN` … `YEAR_MAX`): 9999-12 has no next month to date
    the letter in, and 0001-01 is a typing mistake.
    """
    if not is_month(text):
        return f"expected a month YYYY-MM, got {text!r}"
    year = int(str(text).strip()[:4])
    if not YEAR_MIN <= year <= YEAR_MAX:
        return f"expected a month YYYY-MM between {YEAR_MIN}-01 and {YEAR_MAX}-12, got {text!r}"
    return None


def month_str(year: int, month: int) -> str:
    return f"{year:04d}-{month:02d}"


def add_months(month: str, n: int) -> str:
    y, m = parse_month(month)
    k = y * 12 + (m - 1) + n
    return month_str(k // 12, k % 12 + 1)


def prev_month(month: str) -> str:
    return add_months(month, -1)


def next_month(month: str) -> str:
    return add_months(month, 1)


def month_range(start: str, end: str) -> list[str]:
    """Every month from start to end, both included (empty when start > end)."""
    out, cur = [], start
    while cur <= end:
        out.append(cur)
        cur = next_month(cur)
    return out


def quarter_start(month: str) -> str:
    y, m = parse_month(month)
    return month_str(y, (m - 1) // 3 * 3 + 1)
