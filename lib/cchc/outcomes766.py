"""outcomes.json's `index766`: rule 8 of the month as JSON natives (None when the month has no export).

    doc = index766_document(rule8_result)

{"month", "province": {"score", "rank", "of", "change"} | None,
 "averages": {"department", "local"}, "units": [unit…],
 "commend": {"department": [unit…], "local": [unit…]}, "urgent": [unit…], "attention": [unit…]}

A unit is {"code", "name", "kind", "level", "total", "groups": {CKMB … MDSH},
"change", "rank", "band", "weakest", "urgent_streak"}; scores are rounded to
2 decimals (`round2`), undefined ones are None. Lists are in the letter's
order (`cchc.rule8`).
"""

from __future__ import annotations

import math

import pandas as pd

from cchc.index766 import GROUPS
from cchc.indicators import round2
from cchc.rule8 import LEVELS, Rule8


def _score(x) -> float | None:
    if x is None:
        return None
    x = float(x)
    return None if math.isnan(x) else float(round2(x))


def unit_records(frame: pd.DataFrame) -> list[dict]:
    """The units of a rule-8 frame as outcomes.json objects, in the frame's order."""
    return [
        {
            "code": str(r["code"]),
            "name": str(r["name"]),
            "kind": str(r["kind"]),
            "level": str(r["level"]),
            "total": _score(r["total"]),
            "groups": {g: _score(r[g]) for g in GROUPS},
            "change": _score(r["change"]),
            "rank": int(r["rank"]),
            "band": str(r["band"]),
            "weakest": str(r["weakest"]),
            "urgent_streak": int(r["urgent_streak"]),
        }
        for r in frame.to_dict("records")
    ]


def index766_document(r8: Rule8 | None) -> dict | None:
    """outcomes.json's `index766` from `cchc.rule8.rule8`'s result."""
    if r8 is None:
        return None
    p = r8.province
    province = None if p is None else {"score": _score(p["score"]), "rank": int(p["rank"]), "of": int(p["of"]),
                                       "change": _score(p["change"])}
    return {
        "month": r8.month,
        "province": province,
        "averages": {lvl: _score(r8.averages.get(lvl)) for lvl in LEVELS},
        "units": unit_records(r8.units),
        "commend": {lvl: unit_records(r8.commend[lvl]) for lvl in LEVELS},
        "urgent": unit_records(r8.urgent),
        "attention": unit_records(r8.attention),
    }
