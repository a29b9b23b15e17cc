"""The four sheets of a monthly workbook parsed into frames, every problem logged.

    frame = parse_sheet(table, registry, log, check_units, "2023-06", epoch)

SoHoa and ThanhToan give one row per unit with its counts; QuaHan one row per
overdue dossier; BaoCao one row per report due. Rows in error are left out of
the frame (each error is in the log); totals rows are checked, not kept.
"""

from __future__ import annotations

import re

import pandas as pd

from cchc import cells, columns
from cchc.contract import COUNT_FIELDS, COUNT_LIMITS
from cchc.log import Log
from cchc.months import next_month
from cchc.registry import Registry
from cchc.table import Table

# Unit cells that mark a totals row ("Tổng", "Tổng cộng:", "Cộng", "Toàn huyện" …),
# compared without diacritics, digits or punctuation.
# "Toàn huyện Tứ Kỳ": anything may follow the area word.
_TOTALS = re.compile(r"(?:tong(?: cong| so)?|cong)?(?: ?toan (?:huyen|tinh|thanh pho|thi xa|quan)(?: .*)?)?")


def is_totals_label(value) -> bool:
    """True for "Tổng", "Tổng cộng", "Cộng", "Toàn huyện" and their spellings."""
    if not isinstance(value, str):
        return False
    words = " ".join(re.sub(r"[^a-z]+", " ", cells.fold_ascii(value)).split())
    return bool(words) and _TOTALS.fullmatch(words) is not None


def parse_sheet(table: Table, registry: Registry, log: Log, check_units: bool, month: str, epoch) -> pd.DataFrame:
    """The frame of one contract sheet (see above)."""
    if table.sheet in COUNT_FIELDS:
        return _per_unit_sheet(table, registry, log, check_units)
    if table.sheet == "QuaHan":
        return _overdue_sheet(table, registry, log, check_units, month, epoch)
    return _reports_sheet(table, registry, log, check_units, month, epoch)


# --------------------------------------------------------------------------- rows


def split_rows(table: Table, log: Log, keep_uncached: bool = False) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(data rows, totals rows) of a table.

    Blank rows are dropped; so are data rows with a formula that has no saved
    result (an error each), unless `keep_uncached`: then such a row stays when
    its unit cell has a value (it is still that unit's row; its formula cells
    read as blank and the caller must not use its figures). Such a formula in
    a totals row is left unchecked.
    """
    values = table.values
    if values.empty and not table.uncached:
        return values, values
    blank = columns.blank_mask(values)
    for row in table.uncached:
        if row in blank.index:
            blank.loc[row, table.uncached[row]] = False
    values = values[~blank.all(axis=1)]
    unit = values["unit"]
    totals = pd.Series(columns.parse_column(unit, is_totals_label)[0], index=unit.index).astype(bool)
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
    if keep_uncached:
        uncached = [r for r in uncached if "unit" in table.uncached[r]]
    return data.drop(index=uncached), values[totals]


# --------------------------------------------------------------------------- the four sheets


def _counts(table: Table, data: pd.DataFrame, log: Log) -> tuple[pd.DataFrame, pd.Series]:
    """Parse the count columns of SoHoa/ThanhToan: (int frame, rows with an error).

    A row holding a formula without a saved result is in error (split_rows said so).
    """
    fields = COUNT_FIELDS[table.sheet]
    bad = pd.Series(data.index.isin(list(table.uncached)), index=data.index)
    out = {}
    for f in fields:
        parsed, errors = columns.parse_column(data[f], cells.parse_count)
        bad |= columns.report(log, table, data, f, errors)
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


def _check_totals(table: Table, counts: pd.DataFrame, totals: pd.DataFrame, bad: pd.Series, log: Log) -> None:
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


def _duplicates(table: Table, data: pd.DataFrame, keys: pd.Series, what: str, log: Log, field: str) -> pd.Series:
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


def _per_unit_sheet(table: Table, registry: Registry, log: Log, check_units: bool) -> pd.DataFrame:
    """SoHoa / ThanhToan: one row per unit with its counts."""
    data, totals = split_rows(table, log, keep_uncached=True)  # a row in error is still its unit's row
    codes = columns.unit_codes(table, data, registry, log, check_units)
    counts, bad = _counts(table, data, log)
    dup = _duplicates(table, data, codes.rename("code"), "duplicate unit row: this unit already has a row", log, "unit")
    _check_totals(table, counts, totals, bad | codes.isna(), log)
    keep = codes.notna() & ~dup
    # a row whose every count cell is blank (a template never filled in) gives no figure
    given = ~data[COUNT_FIELDS[table.sheet]].map(cells.is_blank).all(axis=1)
    return counts[keep].assign(code=codes[keep].astype(str), row=counts.index[keep], given=given[keep])


def _month_bounds(month: str) -> tuple[pd.Timestamp, pd.Timestamp]:
    start = pd.Timestamp(f"{month}-01")
    return start, pd.Timestamp(f"{next_month(month)}-01") - pd.Timedelta(days=1)


FAR_DAYS = 62  # a date this far outside the reported month is questioned (a warning)


def _far_after(table: Table, data: pd.DataFrame, dates: pd.Series, end: pd.Timestamp, bad: pd.Series, field: str,
               log: Log, month: str) -> None:
    """A warning for each date more than FAR_DAYS after the month: a typo in the year, most likely."""
    far = dates.notna() & (dates > end + pd.Timedelta(days=FAR_DAYS)) & ~bad
    for row in far.index[far.to_numpy()]:
        log.warning(f"date more than two months after the end of {month}: is the year right?",
                    sheet=table.sheet, row=int(row), column=table.headers[field], value=data.loc[row, field])


def _overdue_sheet(table: Table, registry: Registry, log: Log, check_units: bool, month: str, epoch) -> pd.DataFrame:
    """QuaHan: one row per overdue dossier."""
    data, _ = split_rows(table, log)
    codes = columns.unit_codes(table, data, registry, log, check_units)
    text = {f: columns.texts(data, f) for f in ("dossier", "field", "procedure", "reason", "basis")}
    bad = codes.isna()
    bad |= columns.required_text(table, text["dossier"], "dossier", log)
    bad |= columns.required_text(table, text["field"], "field", log)
    deadline, b1 = columns.dates(table, data, "deadline", log, epoch, required=True)
    returned, b2 = columns.dates(table, data, "returned", log, epoch, required=False)
    excused, b3 = columns.bools(table, data, "excused", log)
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


def _reports_sheet(table: Table, registry: Registry, log: Log, check_units: bool, month: str, epoch) -> pd.DataFrame:
    """BaoCao: one row per report due."""
    data, _ = split_rows(table, log)
    codes = columns.unit_codes(table, data, registry, log, check_units)
    report = columns.texts(data, "report")
    bad = codes.isna() | columns.required_text(table, report, "report", log)
    due, b1 = columns.dates(table, data, "due", log, epoch, required=True)
    submitted, b2 = columns.dates(table, data, "submitted", log, epoch, required=False)
    complete, b3 = columns.bools(table, data, "complete", log)
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
