"""The outcomes.json document (docs/data-format.md, extended per docs/architecture.md).

`build_outcomes(ds, params)` computes the indicators and applies the rules of
`ds.month`; the result holds only JSON natives (rates rounded to 2 decimals or
None, dates "YYYY-MM-DD"). `to_json` serialises it deterministically.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
import json
import math
from numbers import Integral, Real

import numpy as np
import pandas as pd

from cchc.dataset import Dataset
from cchc.dossier_counts import days_late
from cchc.indicators import (
    district, month_index, report_flags, round2, shown_difference, unit_month, window_months, window_payments,
)
from cchc.months import next_month, prev_month
from cchc.outcomes766 import index766_document
from cchc.params import PARAMETER_NAMES, resolve_parameters
from cchc.rule8 import Rule8, rule8
from cchc.rules import apply_rules, payment_classes, payment_window
from cchc.sources import FIGURES, missing

RATE_COLUMNS = [
    "reception_rate", "result_rate", "payment_rate", "window_payment_rate", "local_average_reception_rate",
    "reception_rate_change", "result_rate_change", "average", "gap", "on_time_rate", "online_share",
]
UNIT = ["code", "name", "kind"]
DIGITIZATION = ["received", "received_digitized", "resolved", "resolved_digitized", "reception_rate", "result_rate"]
PAYMENT = ["payment_rate", "payment_total", "payment_online"]
WINDOW = ["window_payment_rate", "window_payment_total", "window_payment_online"]
UNIT_FIGURES = UNIT + [
    "received", "received_digitized", "reception_rate", "reception_rate_change",
    "resolved", "resolved_digitized", "result_rate", "result_rate_change",
    "payment_total", "payment_online", "payment_rate",
    "window_payment_total", "window_payment_online", "window_payment_rate", "payment_class",
    "below_average", "below_average_streak",
    "overdue_total", "overdue_excused", "overdue_unexcused",
    "report_late", "report_incomplete", "report_missing",
    "on_time_rate", "online_share",
]
RULE_FIGURES = {
    "commend_departments": UNIT + DIGITIZATION,
    "commend_local_digitization": UNIT + DIGITIZATION,
    "commend_local_payment": UNIT + PAYMENT,
    "criticize": UNIT + ["streak", "reception_rate", "reception_rate_change", "average", "gap", "received", "received_digitized"],
    "remind": UNIT + ["count", "reasons"],
    "payment_meets": UNIT + WINDOW,
    "payment_below": UNIT + WINDOW,
    "payment_very_low": UNIT + WINDOW,
    "payment_not_implemented": UNIT + WINDOW,
}
OVERDUE_FIGURES = ["dossier", "code", "name", "kind", "field", "procedure", "deadline", "returned", "excused", "reason", "basis"]
DOSSIER_FIGURES = ["dossier", "field", "procedure", "deadline", "returned"]
#: Bounded outputs: outcomes.json lists at most this many overdue dossiers of the month (the
#: longest overdue), and this many per reminded unit; the counts and the groups by field the
#: letter prints are over every dossier, and the full list goes to overdue.csv.
OVERDUE_LISTED = 100
REMIND_LISTED = 5
#: …and the letter names at most this many fields (the others counted together), this many units
#: per field (the most overdue; the others counted), and this many fields per reminded unit.
FIELDS_NAMED = 10
UNITS_NAMED = 10
REMIND_FIELDS_NAMED = 5
REPORT_FIGURES = ["report", "due", "submitted", "complete", "late", "incomplete", "missing"]


def native(value):
    """`value` as a JSON native: NaN/NaT -> None, numpy scalars -> int/float/bool, dates -> "YYYY-MM-DD"."""
    if value is None or value is pd.NaT:
        return None
    if isinstance(value, (list, tuple)):
        return [native(v) for v in value]
    if isinstance(value, dict):
        return {str(k): native(v) for k, v in value.items()}
    if isinstance(value, str):
        return str(value)
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, Integral):
        return int(value)
    if isinstance(value, Real):
        return None if math.isnan(value) else float(value)
    if isinstance(value, (pd.Timestamp, dt.date)):
        return value.strftime("%Y-%m-%d")
    if pd.api.types.is_scalar(value) and pd.isna(value):
        return None
    raise TypeError(f"not JSON-serialisable: {value!r} ({type(value).__name__})")


def records(frame: pd.DataFrame, columns: list[str]) -> list[dict]:
    """Rows of `frame` as native dicts with `columns` in that order; rate columns rounded."""
    rounded = frame.assign(**{c: round2(frame[c]) for c in columns if c in RATE_COLUMNS})
    return [{c: native(row[c]) for c in columns} for row in rounded[columns].to_dict("records")]


def _by_code(frame: pd.DataFrame, columns: list[str]) -> dict[str, list[dict]]:
    return {code: records(group, columns) for code, group in frame.groupby("code", sort=False)}


def _distinct(values: pd.Series) -> list[str]:
    return [str(v) for v in values.drop_duplicates()]


def _criticize(rows: pd.DataFrame, table: pd.DataFrame) -> list[dict]:
    """Criticised units with average, gap (on displayed values) and the streak's history."""
    rows = rows.assign(
        average=round2(rows["local_average_reception_rate"]),
        gap=shown_difference(rows["local_average_reception_rate"], rows["reception_rate"]),
    )
    span = rows[["code", "month", "streak"]].rename(columns={"month": "_end"})
    hist = table.merge(span, on="code")
    k, end = month_index(hist["month"]), month_index(hist["_end"])
    hist = hist[(k <= end) & (k > end - hist["streak"])].sort_values(["order", "month"], kind="stable")
    hist = hist.rename(columns={"local_average_reception_rate": "average"})
    history = _by_code(hist, ["month", "reception_rate", "average"])
    out = records(rows, RULE_FIGURES["criticize"])
    return [{**r, "history": history.get(r["code"], [])} for r in out]


def _remind(rows: pd.DataFrame, ds: Dataset) -> list[dict]:
    """Reminded units with their non-excused dossiers and problem reports."""
    od = month_overdue(ds, ds.month)
    od = od[~od["excused"].astype(bool) & od["code"].isin(rows["code"])]
    rep = report_flags(ds.reports[ds.reports["month"] == ds.month])
    rep = rep[rep["late"] | rep["incomplete"] | rep["missing"]]
    listed = pd.concat([longest(g, REMIND_LISTED) for _, g in od.groupby("code", sort=False)]) if len(od) else od
    dossiers, reports = _by_code(listed, DOSSIER_FIGURES), _by_code(rep, REPORT_FIGURES)
    fields = {code: _distinct(group["field"])[:FIELDS_NAMED] for code, group in od.groupby("code", sort=False)}
    by_field, more = {}, {}
    for code, group in od.groupby("code", sort=False):
        sizes = group.groupby("field", sort=False).size()
        named = _largest(sizes, REMIND_FIELDS_NAMED)
        by_field[code] = [{"field": str(f), "count": int(n)} for f, n in named.items()]
        rest = sizes.drop(index=named.index)
        more[code] = {"fields": len(rest), "count": int(rest.sum())}
    counts = od.groupby("code", sort=False).size()
    return [
        {**r, "overdue": dossiers.get(r["code"], []), "overdue_fields": fields.get(r["code"], []),
         "overdue_count": int(counts.get(r["code"], 0)), "overdue_by_field": by_field.get(r["code"], []),
         "overdue_fields_more": more.get(r["code"], {"fields": 0, "count": 0}),
         "reports": reports.get(r["code"], [])}
        for r in records(rows, RULE_FIGURES["remind"])
    ]


def month_overdue(ds: Dataset, month: str) -> pd.DataFrame:
    """Every overdue dossier of the month, with its unit's `name` and `kind` and its `days_late`."""
    od = ds.overdue[ds.overdue["month"] == month].merge(ds.units[["code", "name", "kind"]], on="code", how="left")
    return od.assign(days_late=days_late(od, month))


def _top(values: pd.Series, n: int) -> list[int]:
    """The positions of the n largest `values` (ties in their order), in their order."""
    return sorted(values.reset_index(drop=True).sort_values(ascending=False, kind="stable").index[:n])


def longest(frame: pd.DataFrame, n: int) -> pd.DataFrame:
    """At most n rows of an overdue frame with `days_late`: all of them, or the n longest overdue
    (ties in the frame's order); in the frame's order either way."""
    return frame if len(frame) <= n else frame.iloc[_top(frame["days_late"], n)]


def _largest(sizes: pd.Series, n: int) -> pd.Series:
    """The n largest of `sizes` (ties in its order), kept in its order."""
    return sizes if len(sizes) <= n else sizes.iloc[_top(sizes, n)]


def overdue_by_field(od: pd.DataFrame, fields: int = FIELDS_NAMED, units: int = UNITS_NAMED) -> tuple[list[dict], dict]:
    """The month's overdue dossiers by field, as the letter names them, and what it counts without naming.

    Groups in order of first appearance: `field`, `count`, `excused`, `units`
    (in order of first appearance within the field, with their counts: the
    `units` with the most dossiers), `units_total`. At most `fields` groups
    (those with the most dossiers); the rest as {"fields": how many, "count":
    their dossiers} (zeros when every field is named).
    """
    if not len(od):
        return [], {"fields": 0, "count": 0}
    per_unit = od.groupby(["field", "code"], sort=False).agg(name=("name", "first"), kind=("kind", "first"),
                                                             count=("dossier", "size")).reset_index()
    per_field = {f: g for f, g in per_unit.groupby("field", sort=False)}
    sizes = od.groupby("field", sort=False).agg(count=("dossier", "size"), excused=("excused", "sum"))
    named = _largest(sizes["count"], fields)
    groups = []
    for f in named.index:
        g = per_field[f]
        top = g.loc[_largest(g["count"], units).index]
        groups.append({"field": str(f), "count": int(sizes.loc[f, "count"]), "excused": int(sizes.loc[f, "excused"]),
                       "units": [{"code": c, "name": n, "kind": k, "count": int(x)} for c, n, k, x in
                                 top[["code", "name", "kind", "count"]].itertuples(index=False)],
                       "units_total": len(g)})
    rest = sizes.drop(index=named.index)
    return groups, {"fields": len(rest), "count": int(rest["count"].sum())}


def overdue_excuses(od: pd.DataFrame) -> list[dict]:
    """The excused dossiers' units, reasons and bases, each distinct triple once, in order."""
    ex = od[od["excused"].astype(bool)][["code", "name", "kind", "reason", "basis"]].drop_duplicates()
    return records(ex, ["code", "name", "kind", "reason", "basis"])


@dataclass
class Frames:
    """The month's computed frames, from which the document is written."""

    table: pd.DataFrame  # indicators.unit_month: one row per unit and month
    district: pd.DataFrame  # indicators.district: one row per month
    window: pd.DataFrame  # indicators.window_payments over the payment window, + rules.payment_classes
    rules: dict  # rules.apply_rules: rule name -> frame, in the letter's order
    index766: Rule8 | None = None  # rule 8 (cchc.rule8), None when the month has no 766 export


def compute(ds: Dataset, params: dict) -> Frames:
    """Indicators and rules of `ds.month` under resolved `params`."""
    table = unit_month(ds)
    start, end = payment_window(ds.month, params)
    window = window_payments(ds, start, end)
    window = window.assign(payment_class=payment_classes(window, params))
    r8 = rule8(ds.index766, ds.units, ds.provinces766, ds.month, params, covered=ds.covered("index766"))
    return Frames(table, district(ds, table), window, apply_rules(table, window, ds.month, params), r8)


def build_outcomes(ds: Dataset, params: dict | None = None, frames: Frames | None = None) -> dict:
    """The outcomes.json document of `ds.month`.

    `params`: resolved parameters (cchc.params.resolve_parameters) or any
    subset of them; missing ones come from config.yml, then the defaults.
    Keys that are not rule parameters are ignored. `frames`: `compute(ds,
    params)` when the caller has it already.
    """
    month = ds.month
    if month not in ds.months:
        raise ValueError(f"the reported month {month} has no data (months in the data: {', '.join(ds.months) or 'none'})")
    given = {k: v for k, v in (params or {}).items() if k in PARAMETER_NAMES}
    params = resolve_parameters(ds.config, month, **given)

    frames = compute(ds, params) if frames is None else frames
    table, dist, window, rules = frames.table, frames.district, frames.window, frames.rules
    start, end = payment_window(month, params)

    this = table[table["month"] == month].merge(window[["code", *WINDOW[1:], WINDOW[0], "payment_class"]], on="code", how="left")
    this = this.sort_values("order", kind="stable")
    drow = dist[dist["month"] == month]
    od = month_overdue(ds, month)

    district_doc = records(
        drow,
        ["reception_rate", "reception_rate_change", "result_rate", "result_rate_change", "overdue_total", "overdue_excused",
         "received", "received_digitized", "resolved", "resolved_digitized"],
    )[0]
    district_doc["overdue_fields"] = _distinct(od["field"])
    district_doc["overdue_by_field"], district_doc["overdue_fields_more"] = overdue_by_field(od)
    district_doc["overdue_excuses"] = overdue_excuses(od)
    local_avg = native(round2(float(drow["local_average_reception_rate"].iloc[0])))

    outcomes = {name: records(rules[name], cols) for name, cols in RULE_FIGURES.items() if name not in ("criticize", "remind")}
    outcomes["criticize"] = _criticize(rules["criticize"], table)
    outcomes["remind"] = _remind(rules["remind"], ds)
    window_doc = {"start": start, "end": end, "months": window_months(ds, start, end)}
    outcome_order = ["commend_departments", "commend_local_digitization", "commend_local_payment", "criticize", "remind"]
    outcomes = {
        **{k: outcomes[k] for k in outcome_order},
        "payment_window": window_doc,
        **{k: outcomes[k] for k in ("payment_meets", "payment_below", "payment_very_low", "payment_not_implemented")},
    }
    coverage = {family: ds.source_of(family) for family in FIGURES}
    return {
        "month": month,
        "previous_month": prev_month(month),
        "next_month": next_month(month),
        "parameters": native(dict(params)),
        "inputs": native([dict(i) for i in ds.inputs]),
        "coverage": coverage,
        "missing": missing(coverage, month),
        "district": {**district_doc, "local_average_reception_rate": local_avg},
        "local_average_reception_rate": local_avg,
        "units": records(this, UNIT_FIGURES),
        "overdue": records(longest(od, OVERDUE_LISTED), OVERDUE_FIGURES + ["days_late"]),
        "overdue_listed": {"total": len(od), "listed": min(len(od), OVERDUE_LISTED), "limit": OVERDUE_LISTED},
        "payment_window": dict(window_doc),
        "outcomes": outcomes,
        "index766": index766_document(frames.index766),
        "warnings": [str(p) for p in ds.warnings],
    }


def to_json(outcomes: dict) -> str:
    """Deterministic JSON text (UTF-8 characters kept, 2-space indent, keys in document order, final newline)."""
    return json.dumps(outcomes, ensure_ascii=False, indent=2, sort_keys=False, allow_nan=False) + "\n"
