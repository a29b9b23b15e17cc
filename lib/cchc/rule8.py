"""Rule 8: the Decision 766 index of the month (a pure function over tidy frames; no I/O).

    r8 = rule8(ds.index766, ds.units, ds.provinces766, "2025-10", params, covered=ds.covered("index766"))
    r8.units        # this month's scored units, ranked, banded, with their weakest group
    r8.urgent       # worst first, both levels

Per unit of the month's export: the total and six groups, the change from
the previous month's export (difference of the displayed, 2-decimal totals;
NaN when the unit has no row that month), the rank within its level
(departments; local units) by total, highest first (equal totals share the
rank, method "min"; listing ties in registry order), its band — good when
the total is at least `index766_good`, urgent below `index766_urgent`,
attention in between (totals compared as displayed, `round2`) — its weakest
group (the lowest share of the group's maximum, ties in the order of
`cchc.index766.GROUPS`) and how many months in a row, up to this one, it has
been urgent (a month without its row ends the run).

The province (the export's row that `cchc.index766.is_issuer` marks): its
total, its rank among the provinces of the month's export and the change from
the previous month. Each level's average is the plain mean of its totals.
Commended: per level, the units ranked within the top `index766_top` whose
band is good (a tie at the last place brings every tied unit).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from cchc.index766 import GROUPS, level_of
from cchc.indicators import month_index, round2, shown_difference
from cchc.months import prev_month

LEVELS = ("department", "local")
BANDS = ("good", "attention", "urgent")
SCORES = ["total", *GROUPS]
#: The columns of `Rule8.units` (and of the lists drawn from it).
UNIT_COLUMNS = ["code", "name", "kind", "order", "level", *SCORES, "change", "rank", "of", "band",
                "weakest", "weakest_share", "urgent_streak"]


@dataclass
class Rule8:
    """The month's rule 8, as frames (see the module's docstring)."""

    month: str
    units: pd.DataFrame  # UNIT_COLUMNS: departments then local units, each by rank then registry order
    history: pd.DataFrame  # every month: month, code, name, kind, order, level, total, band, urgent_streak
    province: dict | None  # {"name", "score", "rank", "of", "change"} or None
    provinces: pd.DataFrame  # the month's province rows: name, dvc_code, total, rank, issuer; by rank
    province_history: pd.DataFrame  # month, total, rank, of (the issuer's row of every month)
    averages: dict = field(default_factory=dict)  # level -> plain mean of totals (NaN: no unit of that level)
    commend: dict = field(default_factory=dict)  # level -> frame (rank, then registry order)
    urgent: pd.DataFrame | None = None  # worst first, both levels (total, then registry order)
    attention: pd.DataFrame | None = None  # worst first, both levels


def bands(totals: pd.Series, good: float, urgent: float) -> pd.Series:
    """"good", "attention" or "urgent" of each total, compared as displayed (2 decimals)."""
    shown = round2(totals.astype(float))
    return pd.Series(np.select([shown >= good, shown < urgent], ["good", "urgent"], "attention"),
                     index=totals.index, dtype="str")


def weakest_group(scores: pd.DataFrame) -> tuple[pd.Series, pd.Series]:
    """(the weakest group's name, its share of the maximum) of each row: ties in the order of GROUPS."""
    share = (scores[list(GROUPS)] / pd.Series(GROUPS)).round(9)
    at = np.argmin(share.to_numpy(), axis=1) if len(share) else np.array([], dtype=int)
    names = np.array(list(GROUPS), dtype=object)[at]
    return (pd.Series(names, index=scores.index, dtype="str"),
            pd.Series(share.to_numpy()[np.arange(len(share)), at], index=scores.index, dtype="float64"))


def _streaks(hist: pd.DataFrame) -> pd.Series:
    """Months in a row up to each month that the unit has been urgent (0 when not urgent)."""
    h = hist.assign(_k=month_index(hist["month"])).sort_values(["code", "_k"], kind="stable")
    urgent = h["band"] == "urgent"
    same = (h["code"] == h["code"].shift()) & (h["_k"].diff() == 1) & urgent.shift(fill_value=False)
    start = urgent & ~same
    run = start.cumsum()
    streak = pd.Series(0, index=h.index, dtype="int64")
    streak[urgent] = h[urgent].groupby(run[urgent]).cumcount() + 1
    return streak.reindex(hist.index)


def _ranked(frame: pd.DataFrame, by: list[str]) -> pd.Series:
    """Rank by total within `by` groups, highest first, equal displayed totals sharing the rank."""
    shown = round2(frame["total"].astype(float))
    return shown.groupby([frame[c] for c in by]).rank(method="min", ascending=False).astype("int64")


def rule8(scores: pd.DataFrame, units: pd.DataFrame, provinces: pd.DataFrame, month: str, params: dict,
          covered: list[str] | None = None) -> Rule8 | None:
    """Rule 8 of `month`; None when the month has no 766 export.

    scores: Dataset.index766 (month, code, total, six groups); units: the
    registry (code, name, kind, order); provinces: Dataset.provinces766;
    params: `index766_good`, `index766_urgent`, `index766_top`; covered: the
    months with an export (default: those with a row in `scores` or
    `provinces`).
    """
    if covered is None:
        covered = sorted(set(scores["month"]) | set(provinces["month"]))
    if month not in covered:
        return None
    good, urgent, top = float(params["index766_good"]), float(params["index766_urgent"]), int(params["index766_top"])

    hist = scores.merge(units[["code", "name", "kind", "order"]], on="code", how="inner")
    hist = hist.assign(level=hist["kind"].map(level_of))
    hist = hist.assign(band=bands(hist["total"], good, urgent))
    hist = hist.assign(urgent_streak=_streaks(hist))
    hist = hist.sort_values(["month", "order"], kind="stable").reset_index(drop=True)

    this = hist[hist["month"] == month]
    before = hist[hist["month"] == prev_month(month)].set_index("code")["total"]
    this = this.assign(change=shown_difference(this["total"], this["code"].map(before).astype(float)),
                       rank=_ranked(this, ["level"]),
                       of=this.groupby("level")["code"].transform("size").astype("int64"))
    weakest, share = weakest_group(this)
    this = this.assign(weakest=weakest, weakest_share=share)
    level_rank = this["level"].map({lvl: i for i, lvl in enumerate(LEVELS)})
    this = (this.assign(_lvl=level_rank).sort_values(["_lvl", "rank", "order"], kind="stable")
            [UNIT_COLUMNS].reset_index(drop=True))

    worst_first = (this.assign(_t=round2(this["total"])).sort_values(["_t", "order"], kind="stable")
                   .drop(columns="_t"))
    commend = {lvl: this[(this["level"] == lvl) & (this["band"] == "good") & (this["rank"] <= top)].reset_index(drop=True)
               for lvl in LEVELS}
    averages = {lvl: float(this.loc[this["level"] == lvl, "total"].mean()) if (this["level"] == lvl).any() else np.nan
                for lvl in LEVELS}

    prov = provinces.assign(rank=_ranked(provinces, ["month"]),
                            of=provinces.groupby("month")["name"].transform("size").astype("int64"))
    mine = prov[prov["issuer"].astype(bool)].drop_duplicates("month")
    province_history = mine[["month", "total", "rank", "of"]].sort_values("month").reset_index(drop=True)
    now = province_history[province_history["month"] == month]
    province = None
    if len(now):
        row = now.iloc[0]
        last = province_history.loc[province_history["month"] == prev_month(month), "total"]
        change = float(shown_difference(row["total"], last.iloc[0])) if len(last) else np.nan
        name = mine.loc[mine["month"] == month, "name"].iloc[0]
        province = {"name": name, "score": float(row["total"]), "rank": int(row["rank"]), "of": int(row["of"]),
                    "change": change}
    month_prov = (prov[prov["month"] == month].sort_values("rank", kind="stable")  # ties in file order
                  [["name", "dvc_code", "total", "rank", "issuer"]].reset_index(drop=True))

    return Rule8(
        month=month,
        units=this,
        history=hist[["month", "code", "name", "kind", "order", "level", "total", "band", "urgent_streak"]],
        province=province,
        provinces=month_prov,
        province_history=province_history,
        averages=averages,
        commend=commend,
        urgent=worst_first[worst_first["band"] == "urgent"].reset_index(drop=True),
        attention=worst_first[worst_first["band"] == "attention"].reset_index(drop=True),
    )
