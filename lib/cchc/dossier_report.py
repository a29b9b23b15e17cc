"""What the analysis shows of a month computed from dossier records, bounded whatever their number.

    fig = days_late_by_field(overdue_frame, "2025-10")     # one bar per field, stacked by days late
    rows = longest_overdue(outcomes, n=20)                 # the longest-overdue dossiers, for a table
    write_overdue_csv(rv, dest / "overdue.csv")            # every overdue dossier, for the office

A province month may have 100,000 overdue dossiers: the report shows counts
by field and unit, and the `LONGEST_SHOWN` longest-overdue dossiers; the full
list is a file of its own (overdue.csv, UTF-8 for Excel), not a table in the
report.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib as mpl
import numpy as np
import pandas as pd
from matplotlib.patches import Patch

from cchc import charts, fmt
from cchc.outcomes import month_overdue
from cchc.sanitize import neutralize_cell
from cchc.tables import labels

#: Dossiers in the analysis' table of the longest overdue.
LONGEST_SHOWN = 20
#: Fields in the days-late chart (the most frequent; the others together).
FIELDS_SHOWN = 12
#: Days late, in bands: (lowest day, label); the last band is open.
BANDS = [(1, "1–3 ngày"), (4, "4–7 ngày"), (8, "8–30 ngày"), (31, "trên 30 ngày")]
_TONES = [charts._PALE_BLUE, charts._BLUE, charts._ORANGE, charts._NAVY]
_HATCH = [None, None, "////", None]
#: The columns of overdue.csv, in order (their headers from labels.yml).
CSV_COLUMNS = ["dossier", "code", "name", "field", "procedure", "deadline", "returned", "days_late", "excused",
               "reason", "basis"]


def longest_overdue(outcomes: dict, n: int = LONGEST_SHOWN) -> list[dict]:
    """The n longest-overdue dossiers of outcomes.json's (already bounded) list, longest first."""
    rows = [dict(r, name=r.get("name") or r.get("code")) for r in outcomes.get("overdue") or []]
    return sorted(rows, key=lambda r: -(r.get("days_late") or 0))[:n]


def days_late_by_field(od: pd.DataFrame, month: str):
    """The month's overdue dossiers (`outcomes.month_overdue`: with `days_late`) per field (the
    FIELDS_SHOWN most frequent), stacked by days late."""
    title = f"Hồ sơ quá hạn theo lĩnh vực và số ngày quá hạn — tháng {fmt.month_label(month)}"
    d = od
    fig = charts.ChartFigure(figsize=(charts.FIG_WIDTH_IN, 1.0))
    if d.empty:
        fig.text(0.02, 0.5, f"{title}: không có hồ sơ quá hạn.", fontsize=8, va="center")
        return fig
    late = d["days_late"].to_numpy()
    band = np.searchsorted([b for b, _ in BANDS], late, side="right") - 1
    field = d["field"].astype(str).replace("", charts.NO_FIELD).to_numpy()
    counts = pd.crosstab(pd.Series(field, name="field"), pd.Series(np.clip(band, 0, len(BANDS) - 1), name="band"))
    counts = counts.reindex(columns=range(len(BANDS)), fill_value=0)
    counts = counts.loc[counts.sum(axis=1).sort_values(ascending=False, kind="stable").index]
    if len(counts) > FIELDS_SHOWN:
        rest = counts.iloc[FIELDS_SHOWN - 1:].sum().rename(charts.OTHER_FIELDS)
        counts = pd.concat([counts.iloc[:FIELDS_SHOWN - 1], rest.to_frame().T])
    n = len(counts)
    fig.set_size_inches(charts.FIG_WIDTH_IN, 1.5 + 0.26 * n)
    with mpl.rc_context({"font.size": 8, "axes.titlesize": 8, "xtick.labelsize": 7.5, "ytick.labelsize": 7.5}):
        ax = fig.add_subplot()
        left = np.zeros(n)
        y = np.arange(n)
        for k, (_, name) in enumerate(BANDS):
            w = counts[k].to_numpy(dtype=float)
            ax.barh(y, w, left=left, height=0.66, color=_TONES[k], edgecolor="#262626", linewidth=0.5,
                    hatch=_HATCH[k], label=name)
            left += w
        for i, total in enumerate(left):
            ax.text(total, i, f" {fmt.num(int(total))}", va="center", fontsize=7)
        ax.set_yticks(y, [str(i) for i in counts.index])
        ax.set_ylim(n - 0.5, -0.6)
        ax.set_xlim(0, left.max() * 1.15 + 1)
        ax.grid(axis="x", color="#d9d9d9", linewidth=0.5)
        ax.set_axisbelow(True)
        for side in ("top", "right"):
            ax.spines[side].set_visible(False)
        ax.set_xlabel("Số hồ sơ quá hạn")
        ax.set_title(f"{title}\nTổng số {fmt.num(len(d))} hồ sơ; tính đến ngày trả kết quả, "
                     "hoặc đến ngày cuối tháng nếu chưa trả.", loc="left", fontsize=8)
        ax.legend(handles=[Patch(facecolor=_TONES[k], edgecolor="#262626", hatch=_HATCH[k], label=name)
                           for k, (_, name) in enumerate(BANDS)], ncols=4, loc="upper center",
                  bbox_to_anchor=(0.5, -0.12 - 0.6 / (1.5 + 0.26 * n)), frameon=False, fontsize=7.5)
        fig.tight_layout()
    return fig


def overdue_frame(ds, month: str) -> pd.DataFrame:
    """Every overdue dossier of the month with its unit's name and its days late (CSV_COLUMNS)."""
    return month_overdue(ds, month)[CSV_COLUMNS]


def write_overdue_csv(ds, month: str, path: Path) -> Path:
    """overdue.csv: every overdue dossier of the month (UTF-8 with BOM, as Excel opens it), text made safe."""
    od = overdue_frame(ds, month)
    heads = labels()["columns"]
    out = pd.DataFrame({heads.get(c, c): od[c] for c in CSV_COLUMNS})
    for c in ("dossier", "name", "field", "procedure", "reason", "basis"):
        col = heads.get(c, c)
        out[col] = out[col].map(neutralize_cell)
    for c in ("deadline", "returned"):
        col = heads.get(c, c)
        out[col] = pd.to_datetime(out[col]).dt.strftime("%d/%m/%Y").fillna("")
    out[heads.get("excused", "excused")] = od["excused"].map({True: "x", False: ""}).to_numpy()
    out.to_csv(path, index=False, encoding="utf-8-sig")
    return path
