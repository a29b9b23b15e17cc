"""Indicators: rates, streaks, overdue and reporting figures (pure functions).

Every function takes a `Dataset` (or frames derived from it) and returns a new
frame; nothing is read, written or printed. Rates are percentages (0–100) as
floats, NaN when undefined (never 0). District and "local average" rates are
pooled: sum of numerators over sum of denominators.

Rounding: `round2` is the one rounding of the product: half up (away from
zero) on the float's shortest repr, the number a reader sees (97.305 -> 97.31,
450375/887351 × 100 = 50.754999994… -> 50.75). Every threshold, change and gap
is computed on `round2` values, and `cchc.fmt` prints `round2` values.
"""

from __future__ import annotations

import math
from decimal import ROUND_HALF_UP, Decimal

import numpy as np
import pandas as pd

from cchc.dataset import LOCAL_KINDS, Dataset

COUNT_COLUMNS = ["received", "received_digitized", "resolved", "resolved_digitized", "payment_total", "payment_online"]
OVERDUE_COUNTS = ["overdue_total", "overdue_excused", "overdue_unexcused"]
REPORT_COUNTS = ["report_late", "report_incomplete", "report_missing"]
REGISTRY_COLUMNS = ["code", "name", "kind", "order", "is_local"]
#: Each rate of a unit and month: (numerator, denominator) columns.
RATE_COUNTS = {
    "reception_rate": ("received_digitized", "received"),
    "result_rate": ("resolved_digitized", "resolved"),
    "payment_rate": ("payment_online", "payment_total"),
}

#: Beyond this many units of the last place the fast path below is not exact: Decimal decides.
_FAST_LIMIT = 1e9
#: Within this distance of a tie (in units of the last place) Decimal decides.
_NEAR_TIE = 1e-6


def _round_one(value: float, places: int) -> float:
    """The exact rule on one float: Decimal of its shortest repr, half up."""
    if not math.isfinite(value):
        return value
    d = Decimal(repr(value)).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    return float(d) + 0.0  # + 0.0 turns -0.0 into 0.0


def round2(x, places: int = 2):
    """`x` rounded half up (away from zero) to `places` decimals; NaN stays NaN; no -0.0.

    The value rounded is the float's shortest repr, ``Decimal(repr(float(x)))``:
    the number as Python prints it and a reader sees it. That is exact for
    ratios of integer counts (100 × 450375/887351 = 50.754999994… -> 50.75)
    and for differences of 2-decimal values (97.31 − 96.65 = 0.6599…97 -> 0.66),
    and a printed tie rounds up (97.305 -> 97.31, -0.655 -> -0.66).

    Accepts a scalar (returns a float), a Series (returns a Series, same index
    and name) or an array. Vectorised: only values within a hair of a tie (or
    huge) go through Decimal; the others are rounded in numpy, to the same result.
    """
    if isinstance(x, (float, int, np.floating, np.integer)):
        return _round_one(float(x), places)
    a = np.asarray(x, dtype=float)
    scale = 10.0 ** places
    scaled = np.abs(a) * scale
    with np.errstate(invalid="ignore"):
        r = np.sign(a) * np.floor(scaled + 0.5) / scale + 0.0
        exact = ~(np.abs(scaled - np.floor(scaled) - 0.5) < _NEAR_TIE) & (scaled < _FAST_LIMIT)
    slow = np.isfinite(a) & ~exact
    if slow.any():
        r = np.array(r, dtype=float, copy=True).reshape(a.shape)
        r[slow] = [_round_one(float(v), places) for v in a[slow]]
    if isinstance(x, pd.Series):
        return pd.Series(r, index=x.index, name=x.name)
    return float(r) if r.ndim == 0 else r


def shown_difference(a, b):
    """round2(round2(a) − round2(b)): the difference of two figures as printed (NaN if either is)."""
    return round2(round2(a) - round2(b))


def rate(numerator, denominator):
    """100 × numerator / denominator, NaN where the denominator is 0."""
    den = pd.Series(denominator, dtype="float64")
    return 100 * pd.Series(numerator, dtype="float64") / den.where(den > 0)


def month_index(months: pd.Series) -> pd.Series:
    """Months "YYYY-MM" as consecutive integers (year × 12 + month − 1)."""
    s = months.astype("str")
    return s.str.slice(0, 4).astype("int64") * 12 + s.str.slice(5, 7).astype("int64") - 1


def _change(frame: pd.DataFrame, col: str, keys: list[str]) -> pd.Series:
    """`col` minus `col` of the previous calendar month (same keys), as printed; NaN if absent."""
    cur = frame[keys + ["_k"]].assign(_v=frame[col])
    prev = cur.assign(_k=cur["_k"] + 1).rename(columns={"_v": "_prev"})
    merged = cur.merge(prev, on=keys + ["_k"], how="left", validate="one_to_one")
    return shown_difference(merged["_v"], merged["_prev"]).set_axis(frame.index)


def registry(ds: Dataset) -> pd.DataFrame:
    """The registry columns used by every table, with `is_local`."""
    return ds.units[["code", "name", "kind", "order"]].assign(is_local=ds.units["kind"].isin(LOCAL_KINDS))


def _overdue_counts(ds: Dataset) -> pd.DataFrame:
    od = ds.overdue.assign(excused=ds.overdue["excused"].astype(bool))
    return (
        od.assign(overdue_total=1, overdue_excused=od["excused"].astype("int64"), overdue_unexcused=(~od["excused"]).astype("int64"))
        .groupby(["month", "code"], as_index=False)[OVERDUE_COUNTS]
        .sum()
    )


def report_flags(reports: pd.DataFrame) -> pd.DataFrame:
    """The reports frame plus bool columns `late`, `incomplete`, `missing`.

    Missing: not submitted. Late: submitted after the due date. Incomplete:
    submitted but not complete (a missing report is missing, not incomplete).
    """
    submitted = reports["submitted"].notna()
    return reports.assign(
        late=submitted & (reports["submitted"] > reports["due"]),
        incomplete=submitted & ~reports["complete"].astype(bool),
        missing=~submitted,
    )


def _report_counts(ds: Dataset) -> pd.DataFrame:
    flags = report_flags(ds.reports)
    return (
        flags.assign(**{f"report_{f}": flags[f].astype("int64") for f in ("late", "incomplete", "missing")})
        .groupby(["month", "code"], as_index=False)[REPORT_COUNTS]
        .sum()
    )


def peer_averages(table: pd.DataFrame) -> pd.DataFrame:
    """Each rate of RATE_COUNTS pooled over a peer group, per month.

    Peers: the departments (`is_local` False) and the local units (True).
    Index (month, is_local); NaN where the group had nothing to count. The
    local units' reception rate is the "trung bình chung" (`local_average`).
    """
    counts = [c for pair in RATE_COUNTS.values() for c in pair]
    sums = table.groupby(["month", "is_local"])[counts].sum()
    return pd.DataFrame({col: rate(sums[num], sums[den]).to_numpy() for col, (num, den) in RATE_COUNTS.items()},
                        index=sums.index)


def local_average(table: pd.DataFrame) -> pd.Series:
    """Pooled reception rate of the local units, per month of `table` (index: month; NaN without local units)."""
    peers = peer_averages(table)["reception_rate"]
    local = peers[peers.index.get_level_values("is_local")].droplevel("is_local")
    return local.reindex(table["month"].drop_duplicates()).rename("local_average_reception_rate")


def _streak(table: pd.DataFrame) -> pd.Series:
    """Consecutive calendar months, ending at each row, in which `below_average` holds.

    `table` is sorted by code then month. A month absent from the data (a gap)
    or a month not below the average ends the streak.
    """
    below = table["below_average"].astype(bool)
    new_unit = table["code"].ne(table["code"].shift())
    gap = new_unit | table["_k"].diff().ne(1)
    breaker = ~below | gap
    block = breaker.cumsum()
    position = table.groupby(block).cumcount()
    first_below = below.groupby(block).transform("first").astype("int64")
    return (position + first_below).where(below, 0).astype("int64")


def unit_month(ds: Dataset) -> pd.DataFrame:
    """One row per registry unit and month of `ds.months` (sorted by month, registry order).

    Columns: code, name, kind, order, is_local, month, the six counts,
    reception_rate, result_rate, payment_rate, overdue_total, overdue_excused,
    overdue_unexcused, report_late, report_incomplete, report_missing,
    local_average_reception_rate, below_average, below_average_streak,
    reception_rate_change, result_rate_change.
    """
    reg = registry(ds)
    grid = pd.DataFrame({"month": pd.Series(list(ds.months), dtype="str")}).merge(reg, how="cross")
    dig = ds.digitization[["month", "code", *COUNT_COLUMNS[:4]]]
    pay = ds.payments[["month", "code", *COUNT_COLUMNS[4:]]]
    table = (
        grid.merge(dig, on=["month", "code"], how="left", validate="one_to_one")
        .merge(pay, on=["month", "code"], how="left", validate="one_to_one")
        .merge(_overdue_counts(ds), on=["month", "code"], how="left", validate="one_to_one")
        .merge(_report_counts(ds), on=["month", "code"], how="left", validate="one_to_one")
    )
    counts = COUNT_COLUMNS + OVERDUE_COUNTS + REPORT_COUNTS
    table[counts] = table[counts].fillna(0).astype("int64")
    table = table.assign(
        **{col: rate(table[num], table[den]).to_numpy() for col, (num, den) in RATE_COUNTS.items()},
        _k=month_index(table["month"]),
    )
    table["local_average_reception_rate"] = table["month"].map(local_average(table)).astype("float64")
    # the local average is the local units' yardstick: departments are never "below" it
    table["below_average"] = (
        table["is_local"] & (round2(table["reception_rate"]) < round2(table["local_average_reception_rate"]))
    ).astype(bool)
    table = table.sort_values(["order", "_k"], kind="stable").reset_index(drop=True)
    table["below_average_streak"] = _streak(table)
    table["reception_rate_change"] = _change(table, "reception_rate", ["code"])
    table["result_rate_change"] = _change(table, "result_rate", ["code"])
    columns = (
        ["code", "name", "kind", "order", "is_local", "month"]
        + COUNT_COLUMNS
        + ["reception_rate", "result_rate", "payment_rate"]
        + OVERDUE_COUNTS
        + REPORT_COUNTS
        + ["local_average_reception_rate", "below_average", "below_average_streak", "reception_rate_change", "result_rate_change"]
    )
    return table.sort_values(["_k", "order"], kind="stable")[columns].reset_index(drop=True)


def district(ds: Dataset, table: pd.DataFrame | None = None) -> pd.DataFrame:
    """One row per month of `ds.months`: pooled figures over ALL units.

    Columns: month, the four digitisation counts, reception_rate, result_rate,
    reception_rate_change, result_rate_change (differences of the rounded
    rates, NaN when the previous calendar month is not in the data),
    overdue_total, overdue_excused (NaN in a month without overdue figures),
    local_average_reception_rate.
    `table` (from `unit_month(ds)`) may be passed to avoid recomputing it.
    """
    table = unit_month(ds) if table is None else table
    sums = table.groupby("month", sort=True)[COUNT_COLUMNS[:4] + ["overdue_total", "overdue_excused"]].sum().reset_index()
    out = sums.assign(
        reception_rate=rate(sums["received_digitized"], sums["received"]).to_numpy(),
        result_rate=rate(sums["resolved_digitized"], sums["resolved"]).to_numpy(),
        local_average_reception_rate=sums["month"].map(local_average(table)).astype("float64").to_numpy(),
        _k=month_index(sums["month"]),
        _all=0,
    )
    out["reception_rate_change"] = _change(out, "reception_rate", ["_all"])
    out["result_rate_change"] = _change(out, "result_rate", ["_all"])
    # a month without overdue figures has no count of overdue dossiers, not zero
    uncovered = ~out["month"].isin(ds.covered("overdue"))
    out[["overdue_total", "overdue_excused"]] = out[["overdue_total", "overdue_excused"]].astype("Int64").mask(uncovered)
    columns = ["month", *COUNT_COLUMNS[:4], "reception_rate", "reception_rate_change", "result_rate", "result_rate_change",
               "overdue_total", "overdue_excused", "local_average_reception_rate"]
    return out[columns].reset_index(drop=True)


def window_months(ds: Dataset, start: str, end: str) -> list[str]:
    """The months of [start, end] whose payments some source brought (`Dataset.coverage`)."""
    return [m for m in ds.covered("payments") if start <= m <= end]


def window_payments(ds: Dataset, start: str, end: str) -> pd.DataFrame:
    """Per registry unit (registry order): payments summed over the months of the window with payment figures.

    Columns: code, name, kind, order, is_local, window_months (how many months
    of [start, end] had payment figures: `window_months`), window_payment_total,
    window_payment_online, window_payment_rate (pooled; NaN when there were no
    transactions). A month without payment figures counts as nothing, not as zero.
    """
    months = window_months(ds, start, end)
    pay = ds.payments[ds.payments["month"].isin(months)]
    sums = pay.groupby("code")[["payment_total", "payment_online"]].sum()
    out = registry(ds).merge(sums, left_on="code", right_index=True, how="left")
    out = out.rename(columns={"payment_total": "window_payment_total", "payment_online": "window_payment_online"})
    cols = ["window_payment_total", "window_payment_online"]
    out[cols] = out[cols].fillna(0).astype("int64")
    return (
        out.assign(
            window_months=len(months),
            window_payment_rate=rate(out["window_payment_online"], out["window_payment_total"]).to_numpy(),
        )
        .sort_values("order", kind="stable")[REGISTRY_COLUMNS + ["window_months", *cols, "window_payment_rate"]]
        .reset_index(drop=True)
    )
