"""The rules of the review (docs/review.md), as pure functions over indicator frames.

Each rule takes the unit-month table of `cchc.indicators.unit_month` (all
months; the rule picks `month`) or the window table of
`cchc.indicators.window_payments`, plus the resolved parameters of
`cchc.params.resolve_parameters`, and returns the selected rows in the
letter's order.

Conventions: thresholds compare `round2(rate)`; "best first" / "worst first"
sort on the exact (unrounded) value, undefined rates last, and equal exact
values keep registry order (stable sort on `order`).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from cchc.indicators import month_index, round2
from cchc.months import quarter_start
from cchc.params import DEFAULTS

REMINDER_REASONS = ["overdue", "report_late", "report_incomplete", "report_missing"]
#: Rule 6's classes, in the letter's order; "very_low" is the part of "below" under `very_low_payment`.
PAYMENT_CLASSES = ("meets", "below", "very_low", "not_implemented")


def _p(params: dict | None, name: str):
    value = (params or {}).get(name)
    return DEFAULTS[name] if value is None else value


def _of_month(table: pd.DataFrame, month: str) -> pd.DataFrame:
    return table[table["month"] == month].sort_values("order", kind="stable")


def _all_defined_at_least(frame: pd.DataFrame, threshold: float) -> pd.Series:
    """Every defined digitisation rate >= threshold (rounded), and at least one defined."""
    rates = frame[["reception_rate", "result_rate"]]
    ok = (rates.apply(round2) >= threshold) | rates.isna()
    return ok.all(axis=1) & rates.notna().any(axis=1)


def _ranked(frame: pd.DataFrame, by: list[str], best_first: bool) -> pd.DataFrame:
    """Sort on exact values (NaN last), ties in registry order."""
    return frame.sort_values(
        [*by, "order"], ascending=[not best_first] * len(by) + [True], na_position="last", kind="stable"
    ).reset_index(drop=True)


def commend_departments(table: pd.DataFrame, month: str, params: dict | None = None) -> pd.DataFrame:
    """Rule 1: departments whose every defined rate of `month` reaches
    `commend_department_digitization` (100) after rounding; registry order."""
    rows = _of_month(table, month)
    rows = rows[(rows["kind"] == "department") & _all_defined_at_least(rows, _p(params, "commend_department_digitization"))]
    return rows.reset_index(drop=True)


def criticize(table: pd.DataFrame, month: str, params: dict | None = None) -> pd.DataFrame:
    """Rule 4: local units below the local average for at least `criticism_months`
    consecutive months ending with `month`; registry order. Adds `streak`."""
    rows = _of_month(table, month)
    rows = rows[rows["is_local"] & (rows["below_average_streak"] >= _p(params, "criticism_months"))]
    return rows.assign(streak=rows["below_average_streak"]).reset_index(drop=True)


def commend_local_digitization(table: pd.DataFrame, month: str, params: dict | None = None) -> pd.DataFrame:
    """Rule 2: local units whose every defined rate of `month` is >= `commend_local_digitization`
    (rounded), at least one defined; best first by reception then result rate.

    A unit criticised this month (rule 4) is not commended for digitisation.
    """
    rows = _of_month(table, month)
    criticised = criticize(table, month, params)["code"]
    keep = rows["is_local"] & _all_defined_at_least(rows, _p(params, "commend_local_digitization")) & ~rows["code"].isin(criticised)
    return _ranked(rows[keep], ["reception_rate", "result_rate"], best_first=True)


def commend_local_payment(table: pd.DataFrame, month: str, params: dict | None = None) -> pd.DataFrame:
    """Rule 3: local units whose payment rate of `month` is >= `commend_payment` (rounded); best first."""
    rows = _of_month(table, month)
    keep = rows["is_local"] & (round2(rows["payment_rate"]) >= _p(params, "commend_payment"))
    return _ranked(rows[keep], ["payment_rate"], best_first=True)


def reminder_history(table: pd.DataFrame) -> pd.DataFrame:
    """The unit-month table plus `remind` (the reminder condition of rule 5),
    one bool column per reason in REMINDER_REASONS (the report_* count columns
    become these bools; `overdue_unexcused` keeps the count), and `remind_count`: the
    number of months of the same calendar year, up to and including the row's
    month, in which the unit met the condition (0 when it does not this month)."""
    t = table.assign(
        overdue=table["overdue_unexcused"] > 0,
        report_late=table["report_late"] > 0,
        report_incomplete=table["report_incomplete"] > 0,
        report_missing=table["report_missing"] > 0,
        _year=month_index(table["month"]) // 12,
        _k=month_index(table["month"]),
    )
    t["remind"] = t[REMINDER_REASONS].any(axis=1)
    ordered = t.sort_values(["code", "_k"], kind="stable")
    count = ordered["remind"].astype("int64").groupby([ordered["code"], ordered["_year"]]).cumsum()
    t["remind_count"] = count.reindex(t.index).where(t["remind"], 0).astype("int64")
    return t.drop(columns=["_year", "_k"])


def remind(table: pd.DataFrame, month: str, params: dict | None = None) -> pd.DataFrame:
    """Rule 5: every unit with a non-excused overdue dossier or a late, incomplete
    or missing report in `month`, in the letter's order: highest reminder number
    first, then registry order. Adds bool columns per reason,
    `count` (reminder number within the calendar year) and `reasons` (list of
    REMINDER_REASONS that hold, in that order)."""
    rows = _of_month(reminder_history(table), month)
    rows = rows[rows["remind"]]
    held = rows[["code", *REMINDER_REASONS]].melt(id_vars="code", var_name="reason", value_name="held")
    reasons = held[held["held"]].groupby("code", sort=False)["reason"].agg(list)  # melt keeps REMINDER_REASONS order
    return (
        rows.assign(count=rows["remind_count"], reasons=rows["code"].map(reasons))
        .sort_values(["count", "order"], ascending=[False, True], kind="stable")
        .reset_index(drop=True)
    )


def payment_window(month: str, params: dict | None = None) -> tuple[str, str]:
    """Rule 6's window (start, end): `payment_window_start` (default: quarter start) to `month`.

    Only the data's months inside the window count (see `indicators.window_payments`)."""
    start = _p(params, "payment_window_start") or quarter_start(month)
    return start, month


def payment_classes(window: pd.DataFrame, params: dict | None = None) -> pd.Series:
    """Rule 6: each row's class over the payment window (a Series named `payment_class`).

    Local units with transactions in the window: "not_implemented" when none
    was online; else "meets" when the rounded rate reaches `payment_target`,
    "very_low" when it is under `very_low_payment`, "below" otherwise.
    Departments and units without transactions: None (not considered).
    """
    considered = window["is_local"].astype(bool) & (window["window_payment_total"] > 0)
    online = window["window_payment_online"] > 0
    shown = round2(window["window_payment_rate"])
    cls = np.select(
        [~considered, ~online, shown >= _p(params, "payment_target"), shown < _p(params, "very_low_payment")],
        [None, "not_implemented", "meets", "very_low"],
        default="below",
    )
    return pd.Series(cls, index=window.index, name="payment_class", dtype=object)


def classify_payments(window: pd.DataFrame, params: dict | None = None) -> dict[str, pd.DataFrame]:
    """Rule 6 on the window table: the units of each class of `payment_classes`, in the letter's order.

    Returns {"meets", "below", "very_low", "not_implemented"}, each with a
    `payment_class` column: meets best first; below (very_low included) and
    very_low worst first; not_implemented in registry order. Units with no
    transactions in the window are in none of them.
    """
    rows = window.assign(payment_class=payment_classes(window, params)).sort_values("order", kind="stable")
    cls = rows["payment_class"]
    return {
        "meets": _ranked(rows[cls == "meets"], ["window_payment_rate"], best_first=True),
        "below": _ranked(rows[cls.isin(["below", "very_low"])], ["window_payment_rate"], best_first=False),
        "very_low": _ranked(rows[cls == "very_low"], ["window_payment_rate"], best_first=False),
        "not_implemented": rows[cls == "not_implemented"].reset_index(drop=True),
    }


def apply_rules(table: pd.DataFrame, window: pd.DataFrame, month: str, params: dict | None = None) -> dict[str, pd.DataFrame]:
    """Every rule of `month`: {"commend_departments", "commend_local_digitization",
    "commend_local_payment", "criticize", "remind", "payment_meets", "payment_below",
    "payment_very_low", "payment_not_implemented"} -> frames in the letter's order."""
    pay = classify_payments(window, params)
    return {
        "commend_departments": commend_departments(table, month, params),
        "commend_local_digitization": commend_local_digitization(table, month, params),
        "commend_local_payment": commend_local_payment(table, month, params),
        "criticize": criticize(table, month, params),
        "remind": remind(table, month, params),
        **{f"payment_{k}": v for k, v in pay.items()},
    }


__all__ = [
    "PAYMENT_CLASSES",
    "REMINDER_REASONS",
    "apply_rules",
    "classify_payments",
    "commend_departments",
    "commend_local_digitization",
    "commend_local_payment",
    "criticize",
    "payment_classes",
    "payment_window",
    "remind",
    "reminder_history",
]
