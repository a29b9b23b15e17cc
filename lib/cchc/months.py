"""Months as "YYYY-MM" strings: parsing and arithmetic."""

from __future__ import annotations

import re

MONTH_RE = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")


def parse_month(text: str) -> tuple[int, int]:
    """Return (year, month) of "YYYY-MM"; ValueError otherwise."""
    m = MONTH_RE.match(str(text).strip())
    if not m:
        raise ValueError(f"not a month of the form YYYY-MM: {text!r}")
    return int(m.group(1)), int(m.group(2))


def is_month(text: str) -> bool:
    return bool(MONTH_RE.match(str(text).strip()))


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
