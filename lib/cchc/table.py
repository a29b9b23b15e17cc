"""A sheet's header found, and its data rows cut down to the contract's columns.

    table = read_table("SoHoa", rows, log, uncached={"C7"})   # None (and errors) when the header is wrong
    table.values        # object columns named by field, index = Excel row number

The header may sit anywhere in the first HEADER_SEARCH_ROWS rows, below title
rows, right of an STT column, over two rows (merged cells); it is matched as
`registry.fold` compares texts (case, spacing, Unicode form, tone placement).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

from cchc.contract import SHEETS
from cchc.log import Log
from cchc.registry import fold
from cchc.text import nfc

HEADER_SEARCH_ROWS = 20


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
            found.setdefault(fold(value), (i, " ".join(nfc(value).split())))
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


def read_table(sheet: str, rows: list[tuple], log: Log, uncached: set[str]) -> Table | None:
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
