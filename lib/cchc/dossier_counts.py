"""The month's figures counted from dossier records (pure functions: frames in, frames out).

    counts = count_records(records, "2025-10")     # one batch of parsed records
    total = combine([counts, …])                   # batches of one file added up

`records` holds one row per dossier, already parsed and checked
(`cchc.dossier_parse`): `code` (a Categorical whose categories are the
registry's codes, in registry order), `received`, `due`, `finished` (calendar
days, datetime64; `finished` NaT while pending), `channel` (1 in person,
2 online, 3 by post), the bools `digitized` (every component digitised at
reception), `result_digitized`, `fee`, `paid_online`, and, for the overdue
list, `dossier`, `field`, `procedure` (text) and `row` (the file's row).

The counting rules (docs/data-format.md, "raw/hoso/"), per unit, for month M
from its first day F to its last day L, every date a calendar day:

- received: F ≤ received ≤ L; received digitised: of those, `digitized`;
- resolved: F ≤ finished ≤ L; result digitised: of those, `result_digitized`;
- payment transactions: received with `fee`; paid online: of those, `paid_online`;
- finished on time: resolved with finished ≤ due (finished on the due day, at
  any hour, is on time); received online: received with channel 2;
- overdue: resolved with finished > due, or pending at the month's end —
  received ≤ L, and not finished or finished after L — with due < L (a
  dossier due on the month's last day is not yet overdue at its end).

A dossier finished after the month was pending at its end: its `returned` in
the overdue list is NaT.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from cchc.months import next_month

#: Per-unit counts, in this order.
COUNTS = ["received", "received_digitized", "resolved", "resolved_digitized", "payment_total", "payment_online",
          "finished_on_time", "received_online"]
#: The overdue list's columns (cchc.dataset.OVERDUE_COLUMNS without `month`, plus the file's row).
OVERDUE = ["dossier", "code", "field", "procedure", "deadline", "returned", "excused", "reason", "basis", "row"]


@dataclass
class Counts:
    units: pd.DataFrame  # index: the registry's codes (registry order); columns COUNTS (int64)
    overdue: pd.DataFrame  # one row per overdue dossier, columns OVERDUE, in file order


def month_days(month: str) -> tuple[np.datetime64, np.datetime64]:
    """The first and the last day of the month (datetime64[D])."""
    first = np.datetime64(f"{month}-01", "D")
    return first, np.datetime64(f"{next_month(month)}-01", "D") - np.timedelta64(1, "D")


def _days(series: pd.Series) -> np.ndarray:
    values = series.to_numpy()
    return (values if values.dtype.kind == "M" else values.astype("datetime64[ns]")).astype("datetime64[D]")


def count_records(records: pd.DataFrame, month: str) -> Counts:
    """Per-unit counts and the overdue dossiers of `month` (rules in the module's docstring)."""
    first, last = month_days(month)
    received, due, finished = _days(records["received"]), _days(records["due"]), _days(records["finished"])
    rec_in = (received >= first) & (received <= last)
    fin_in = (finished >= first) & (finished <= last)  # NaT compares False
    flags = {
        "received": rec_in,
        "received_digitized": rec_in & records["digitized"].to_numpy(bool),
        "resolved": fin_in,
        "resolved_digitized": fin_in & records["result_digitized"].to_numpy(bool),
        "payment_total": rec_in & records["fee"].to_numpy(bool),
        "payment_online": rec_in & records["fee"].to_numpy(bool) & records["paid_online"].to_numpy(bool),
        "finished_on_time": fin_in & (finished <= due),
        "received_online": rec_in & (records["channel"].to_numpy() == 2),
    }
    code = records["code"].cat.codes.to_numpy()  # registry order; -1 for none
    known = code >= 0
    n = len(records["code"].cat.categories)
    units = pd.DataFrame({k: np.bincount(code[v & known], minlength=n).astype("int64") for k, v in flags.items()},
                         index=pd.Index(records["code"].cat.categories.astype(str), name="code"))[COUNTS]
    pending_at_end = (received <= last) & (np.isnat(finished) | (finished > last))
    late = (fin_in & (finished > due)) | (pending_at_end & (due < last))
    at = np.flatnonzero(late)
    text = lambda c: np.asarray(records[c].iloc[at].to_numpy(dtype=object), dtype=object)  # noqa: E731
    overdue = pd.DataFrame({
        "dossier": text("dossier"),
        "code": np.asarray(records["code"].cat.categories.astype(str), dtype=object)[code[at]]
        if len(at) else np.array([], dtype=object),
        "field": text("field"),
        "procedure": text("procedure"),
        "deadline": due[late].astype("datetime64[ns]"),
        "returned": np.where(fin_in[late], finished[late], np.datetime64("NaT", "D")).astype("datetime64[ns]"),
        "excused": np.zeros(int(late.sum()), dtype=bool),
        "reason": "",
        "basis": "",
        "row": records["row"].to_numpy(dtype="int64")[at],
    }, columns=OVERDUE)
    return Counts(units, overdue)


def combine(parts: list[Counts], codes: list[str]) -> Counts:
    """The counts of several batches of one month added up (every registry code, registry order)."""
    units = pd.DataFrame(0, index=pd.Index(codes, name="code"), columns=COUNTS, dtype="int64")
    for p in parts:
        units = units.add(p.units.reindex(codes, fill_value=0), fill_value=0)
    frames = [p.overdue for p in parts if len(p.overdue)]
    overdue = pd.concat(frames, ignore_index=True) if frames else parts[0].overdue.iloc[0:0] if parts else \
        pd.DataFrame(columns=OVERDUE)
    return Counts(units.astype("int64"), overdue.reset_index(drop=True))


def days_late(overdue: pd.DataFrame, month: str) -> pd.Series:
    """Days each overdue dossier is late: returned − deadline, or the month's last day − deadline while pending."""
    _, last = month_days(month)
    deadline = overdue["deadline"].to_numpy(dtype="datetime64[ns]").astype("datetime64[D]")
    returned = overdue["returned"].to_numpy(dtype="datetime64[ns]").astype("datetime64[D]")
    until = np.where(np.isnat(returned), last, returned)
    return pd.Series((until - deadline).astype("int64"), index=overdue.index, name="days_late")
