"""A unit page's Decision 766 panel: the unit's total, rank, band and six groups this month, and its totals over the year.

    panel = unit_panel(rv.index766, "XA_TAN_LAP", axis, params)   # the context of unit_page.html.j2's section

Everything comes from rule 8 as `cchc.rule8` computed it; nothing is recomputed here.
"""

from __future__ import annotations

from cchc import fmt
from cchc.index766 import GROUPS
from cchc.rule8 import Rule8
from cchc.svgchart import line_chart
from cchc.tables import labels


def unit_panel(r8: Rule8 | None, code: str, axis: list[str], params: dict) -> dict:
    """{"export": the month has an export, "row": the unit's figures or None, "groups", "chart", "empty"}."""
    if r8 is None:
        return {"export": False, "row": None}
    rows = r8.units[r8.units["code"] == code]
    words = labels()["index766"]
    row = None
    groups = []
    if len(rows):
        r = rows.iloc[0]
        row = {"total": float(r["total"]), "rank": int(r["rank"]), "of": int(r["of"]), "band": r["band"],
               "band_label": words["bands"][r["band"]], "change": None if fmt.is_missing(r["change"]) else float(r["change"]),
               "urgent_streak": int(r["urgent_streak"]), "weakest": r["weakest"]}
        groups = [{"key": g, "label": words["groups"][g], "score": float(r[g]), "max": top,
                   "share": 100 * float(r[g]) / top, "weakest": g == r["weakest"]} for g, top in GROUPS.items()]
    totals = r8.history[r8.history["code"] == code].set_index("month")["total"]
    values = [float(totals[m]) if m in totals.index else None for m in axis]
    chart = line_chart([m[5:].lstrip("0") for m in axis], [{"key": "unit", "values": values}],
                       hlines=[{"key": "good", "value": float(params["index766_good"])},
                               {"key": "urgent", "value": float(params["index766_urgent"])}],
                       titles=[fmt.month_label(m) for m in axis], value_text=fmt.num)
    return {"export": True, "row": row, "groups": groups, "chart": chart,
            "empty": all(v is None for v in values)}
