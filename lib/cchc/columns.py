"""A column of a sheet parsed cell by cell, each cell that fails logged where it is.

A parser (`cells.parse_date`, …) runs once per distinct value of a column, not
once per cell: a 100,000-row sheet has few distinct dates, units and yes/no
values. Each function takes the table (for the sheet name and the headers as
written), the data rows and a field, and returns the parsed values with the
mask of the rows in error.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from cchc import cells
from cchc.log import Log
from cchc.registry import Registry
from cchc.renamed import UNKNOWN_UNIT
from cchc.table import Table


def parse_column(values: pd.Series, parse) -> tuple[np.ndarray, np.ndarray]:
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


def blank_mask(values: pd.DataFrame) -> pd.DataFrame:
    """True where a cell is blank (`cells.is_blank`)."""
    return values.apply(lambda col: pd.Series(parse_column(col, cells.is_blank)[0], index=col.index).astype(bool))


def report(log: Log, table: Table, data: pd.DataFrame, field: str, errors: np.ndarray) -> pd.Series:
    """Log an error per row whose parse failed; the mask of those rows."""
    bad = pd.Series(pd.notna(errors), index=data.index)
    for i in np.flatnonzero(bad.to_numpy()):
        log.error(errors[i], sheet=table.sheet, row=int(data.index[i]), column=table.headers[field],
                  value=data[field].iloc[i])
    return bad


def unit_codes(table: Table, data: pd.DataFrame, registry: Registry, log: Log, check_units: bool) -> pd.Series:
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
            resolved.append((None, f"{UNKNOWN_UNIT}{hint}"))
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


def texts(data: pd.DataFrame, field: str) -> pd.Series:
    """The column as NFC text, "" when blank (never an error)."""
    return pd.Series(parse_column(data[field], cells.parse_text)[0], index=data.index, dtype=object)


def required_text(table: Table, values: pd.Series, field: str, log: Log) -> pd.Series:
    """An error per empty text of a column that must be filled in; the mask of those rows."""
    empty = values == ""
    for row in empty.index[empty.to_numpy()]:
        log.error(f"'{table.headers[field]}' is empty", sheet=table.sheet, row=int(row), column=table.headers[field])
    return empty


def dates(table: Table, data: pd.DataFrame, field: str, log: Log, epoch, required: bool) -> tuple[pd.Series, pd.Series]:
    """The column as datetime64 (NaT when blank), and the rows in error."""
    parsed, errors = parse_column(data[field], lambda v: cells.parse_date(v, epoch))
    bad = report(log, table, data, field, errors)
    series = pd.to_datetime(pd.Series(parsed, index=data.index, dtype=object)).astype("datetime64[ns]")
    if required:
        missing = series.isna() & ~bad
        for row in missing.index[missing.to_numpy()]:
            log.error("missing date: expected dd/mm/yyyy", sheet=table.sheet, row=int(row), column=table.headers[field])
        bad |= missing
    return series, bad


def bools(table: Table, data: pd.DataFrame, field: str, log: Log) -> tuple[pd.Series, pd.Series]:
    """The column as booleans (False when blank), and the rows in error."""
    parsed, errors = parse_column(data[field], cells.parse_bool)
    bad = report(log, table, data, field, errors)
    return pd.Series(parsed, index=data.index).fillna(False).astype(bool), bad
