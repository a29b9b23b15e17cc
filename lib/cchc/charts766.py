"""Charts of rule 8, the Decision 766 index: matplotlib figures in the style of `cchc.charts`.

    ranked_totals(r8.units, "local", good=90, urgent=80, month="2025-10", who="UBND các xã, phường, đặc khu")
    groups_heatmap(r8.units, month="2025-10")
    provinces_chart(r8.provinces, month="2025-10", province="An Bình")
    trend(r8.history, r8.province_history, codes_of_urgent_units, good=90, urgent=80)

They read the frames of `cchc.rule8.Rule8` (bands, ranks and the weakest
group as rule 8 computed them, never recomputed) and stay readable at a
province's 168 local units: a ranking shows the best and the worst with a
break (as `cchc.charts.ranked_rates`), the heat map the lowest totals, the
trend the worst urgent units; the full lists are in the appendix and the
scorecard. Their words are in templates/labels.yml (``charts766``, ``index766``).
"""

from __future__ import annotations

import matplotlib as mpl
import numpy as np
import pandas as pd
from matplotlib import colors as mcolors
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Rectangle
from matplotlib.ticker import FixedLocator, FuncFormatter

from cchc import fmt
from cchc.charts import (
    _BLUE, _GREY, _INK, _NAVY, _ORANGE, _PALE_BLUE, _SAND, _STYLE, _bar_height, _cut, _legend_below,
    _message_figure, _month_axis, _new_figure, _num, _plot_axes, _ranked_axes, _text_color_on, _titles,
    unit_label,
)
from cchc.index766 import GROUPS
from cchc.indicators import round2
from cchc.months import month_range
from cchc.tables import labels

#: How each band is drawn: grey-safe (lightness and hatching differ).
BAND_STYLE = {"good": {"face": _NAVY, "hatch": None}, "attention": {"face": _PALE_BLUE, "hatch": "////"},
              "urgent": {"face": _SAND, "hatch": "xxxx"}}
HEATMAP_ROWS = 40
HEATMAP_FLOOR = 50.0  # % of a group's maximum at the darkest end of the heat map's scale
TREND_UNITS = 8


def _words() -> dict:
    return labels()["charts766"]


def _points(x) -> str:
    return _num(x, 2)


def ranked_totals(units: pd.DataFrame, level: str, good: float, urgent: float, month: str, who: str,
                  top: int | None = 30) -> Figure:
    """One level's totals ranked (rule 8's rank), coloured by band, with the two thresholds."""
    w = _words()
    title = w["ranked"].format(who=who, month=fmt.month_label(month))
    rows_f = units[units["level"] == level]
    if rows_f.empty:
        return _message_figure(title, w["nothing"])
    bands = labels()["index766"]["bands"]
    counts = rows_f["band"].value_counts()
    classes = {b: {"label": w["band_count"].format(band=bands[b], n=fmt.count2(counts.get(b, 0))), **BAND_STYLE[b]}
               for b in BAND_STYLE}
    records = rows_f.to_dict("records")  # rule 8's order: rank, then registry order
    head, tail, hidden = _cut(len(records), top)
    rows = [{"label": f"{int(records[i]['rank'])}. {unit_label(records[i]['name'], records[i]['kind'])}",
             "value": float(records[i]["total"]), "cls": records[i]["band"], "text": _points(records[i]["total"])}
            for i in head + tail]
    reflines = [{"x": float(good), "style": (0, (4, 2)), "gid": "good", "label": w["good_line"].format(x=_points(good))},
                {"x": float(urgent), "style": (0, (6, 2, 1, 2)), "gid": "urgent",
                 "label": w["urgent_line"].format(x=_points(urgent))}]
    fig = _new_figure(_bar_height(len(rows), bool(hidden), extra_in=2.0))
    ax, handles = _ranked_axes(fig, rows, classes, xmax=120.0, reflines=reflines, hidden=hidden,
                               hidden_where=len(head) if hidden else None)
    with mpl.rc_context(_STYLE):
        ax.xaxis.set_major_locator(FixedLocator([0, 20, 40, 60, 80, 100]))
        ax.set_xlabel(w["axis_total"])
    sub = w["ranked_sub"].format(good=_points(good), urgent=_points(urgent))
    if hidden:
        sub += " " + w["ranked_cut"].format(head=len(head), tail=len(tail), n=len(records))
    _titles(fig, ax, title, sub, left_chars=max(len(r["label"]) for r in rows))
    _legend_below(fig, handles, ncols=3)
    return fig


def groups_heatmap(units: pd.DataFrame, month: str, top: int = HEATMAP_ROWS) -> Figure:
    """Units × the six groups, each as a share of its maximum; the weakest group of each unit framed.

    The units with the lowest totals first (both levels), at most `top` of them.
    """
    w = _words()
    title = w["heatmap"].format(month=fmt.month_label(month))
    if units.empty:
        return _message_figure(title, w["nothing"])
    rows = units.assign(_t=round2(units["total"])).sort_values(["_t", "order"], kind="stable").head(top)
    groups = list(GROUPS)
    share = (rows[groups] / pd.Series(GROUPS)).to_numpy(dtype=float) * 100
    weakest = [groups.index(g) for g in rows["weakest"]]
    n_rows, n_cols = share.shape
    names = labels()["index766"]["groups"]
    ylabels = [f"{unit_label(n, k)} ({_points(t)})" for n, k, t in zip(rows["name"], rows["kind"], rows["total"])]
    cmap = mcolors.LinearSegmentedColormap.from_list("cchc_766", ["#7f2704", _ORANGE, "#fdd9b5", "#f7f7f7"])
    # most groups score 60–100 % of their maximum: the scale starts at HEATMAP_FLOOR so that they differ;
    # anything under it (a group at 0) takes the darkest tone
    norm = mcolors.Normalize(vmin=HEATMAP_FLOOR, vmax=100, clip=True)
    fig = _new_figure(n_rows * 0.19 + 2.6)
    with mpl.rc_context(_STYLE):
        ax = fig.add_subplot()
        im = ax.imshow(share, cmap=cmap, norm=norm, aspect="auto", interpolation="nearest")
        im.set_gid("heatmap")
        ax.set_xticks(np.arange(-0.5, n_cols, 1), minor=True)
        ax.set_yticks(np.arange(-0.5, n_rows, 1), minor=True)
        ax.grid(which="minor", color="white", linewidth=0.8)
        ax.tick_params(which="both", length=0)
        for spine in ax.spines.values():
            spine.set_visible(False)
        for i in range(n_rows):
            for j in range(n_cols):
                score = rows[groups[j]].iloc[i]
                ax.text(j, i, f"{_num(score, 1)}/{GROUPS[groups[j]]:g}", ha="center", va="center", fontsize=6.5,
                        color=_text_color_on(cmap(norm(share[i, j]))), gid="cell",
                        fontweight="bold" if j == weakest[i] else "normal")
            ax.add_patch(Rectangle((weakest[i] - 0.47, i - 0.42), 0.94, 0.84, facecolor="none", edgecolor="black",
                                   linewidth=1.4, gid="weakest", zorder=3))
        ax.set_xticks(np.arange(n_cols), [_two_lines(names[g]) for g in groups])
        ax.xaxis.tick_top()
        ax.set_yticks(np.arange(n_rows), ylabels)
        ax.set_xlim(-0.5, n_cols - 0.5)
        ax.set_ylim(n_rows - 0.5, -0.5)
        cb = fig.colorbar(im, ax=ax, location="bottom", shrink=0.55, aspect=35, pad=0.02, extend="min")
        cb.set_label(w["heatmap_scale"], fontsize=7)
        cb.ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _p: _num(v, 0)))
        cb.ax.tick_params(labelsize=6.5, length=2)
        cb.outline.set_linewidth(0.4)
    sub = w["heatmap_sub"]
    if n_rows < len(units):
        sub += " " + w["heatmap_cut"].format(shown=n_rows, n=len(units))
    _titles(fig, ax, title, sub, left_chars=max(len(t) for t in ylabels))
    return fig


def _two_lines(name: str) -> str:
    """A group's name on two lines at most, for the heat map's columns."""
    words = name.split()
    if len(name) <= 14 or len(words) < 2:
        return name
    cut = min(range(1, len(words)), key=lambda k: abs(len(" ".join(words[:k])) - len(name) / 2))
    return " ".join(words[:cut]) + "\n" + " ".join(words[cut:])


def provinces_chart(provinces: pd.DataFrame, month: str, province: str = "") -> Figure:
    """Every province of the month's export ranked by total; the issuer's own bar stands out."""
    w = _words()
    mine = provinces[provinces["issuer"].astype(bool)]
    title = w["provinces"].format(province=province or (mine["name"].iloc[0] if len(mine) else ""),
                                  of=len(provinces), month=fmt.month_label(month))
    if provinces.empty:
        return _message_figure(title, w["nothing"])
    classes = {"issuer": {"label": w["issuer"], "face": _NAVY, "hatch": None},
               "other": {"label": w["others"], "face": _PALE_BLUE, "hatch": None}}
    rows = [{"label": f"{int(r['rank'])}. {_short_province(r['name'])}", "value": float(r["total"]),
             "cls": "issuer" if r["issuer"] else "other", "text": _points(r["total"])}
            for r in provinces.to_dict("records")]
    fig = _new_figure(_bar_height(len(rows), False, extra_in=1.8))
    ax, handles = _ranked_axes(fig, rows, classes, xmax=115.0, reflines=[], hidden=0, hidden_where=None)
    with mpl.rc_context(_STYLE):
        ax.xaxis.set_major_locator(FixedLocator([0, 20, 40, 60, 80, 100]))
        ax.set_xlabel(w["axis_total"])
        for tick, r in zip(ax.get_yticklabels(), rows):
            if r["cls"] == "issuer":
                tick.set_fontweight("bold")
    _titles(fig, ax, title, w["provinces_sub"], left_chars=max(len(r["label"]) for r in rows))
    _legend_below(fig, handles, ncols=2)
    return fig


def _short_province(name: str) -> str:
    """"UBND tỉnh An Giang" -> "An Giang"; "UBND Thành phố Huế" -> "TP. Huế"."""
    text = str(name).strip()
    for lead in ("UBND ", "Ủy ban nhân dân ", "Uỷ ban nhân dân "):
        if text.startswith(lead):
            text = text[len(lead):]
    low = text.casefold()
    if low.startswith("tỉnh "):
        return text[5:]
    if low.startswith("thành phố "):
        return "TP. " + text[10:]
    return text


def trend(history: pd.DataFrame, province_history: pd.DataFrame, urgent_codes: list[str], good: float,
          urgent: float, top: int = TREND_UNITS) -> Figure:
    """Totals month by month: the province (when it has a row) and the worst `top` of the urgent units."""
    w = _words()
    has_province = len(province_history) > 0
    title = w["trend"] if has_province else w["trend_units"]
    months = sorted(set(history["month"]) | set(province_history["month"]))
    if not months:
        return _message_figure(title, w["nothing"])
    months = month_range(months[0], months[-1])
    x = {m: i for i, m in enumerate(months)}
    shown = list(urgent_codes)[:top]
    fig = _new_figure(3.9)
    styles = [("o", "solid"), ("s", "dashed"), ("^", "dotted"), ("D", "dashdot"), ("v", (0, (5, 1))),
              ("P", (0, (1, 1))), ("X", (0, (3, 1, 1, 1))), ("*", (0, (8, 2)))]
    lows = []
    with mpl.rc_context(_STYLE):
        ax = _plot_axes(fig, "y")

        def line(frame, value, label, **style):
            ys = np.full(len(months), np.nan)
            for m, v in zip(frame["month"], frame[value]):
                ys[x[m]] = float(v)
            lows.append(np.nanmin(ys))
            ax.plot(np.arange(len(months)), ys, label=label, clip_on=False, **style)

        if has_province:
            line(province_history, "total", w["trend_province"], color=_NAVY, linewidth=2.2, marker="o",
                 markersize=5, gid="province")
        for k, code in enumerate(shown):
            h = history[history["code"] == code]
            marker, ls = styles[k % len(styles)]
            tone = [_ORANGE, _BLUE, _INK, _GREY][k % 4]
            line(h, "total", unit_label(h["name"].iloc[-1], h["kind"].iloc[-1]), color=tone, linewidth=1.1,
                 linestyle=ls, marker=marker, markersize=4, markerfacecolor="white", gid=f"unit:{code}")
        ax.axhline(good, color=_INK, linewidth=0.8, linestyle=(0, (4, 2)), gid="good")
        ax.axhline(urgent, color=_INK, linewidth=0.8, linestyle=(0, (6, 2, 1, 2)), gid="urgent")
        lo = min([v for v in lows if np.isfinite(v)] + [urgent])
        ax.set_ylim(max(0, np.floor((lo - 5) / 5) * 5), 100)
        _month_axis(ax, months)
        ax.set_xlim(-0.4, len(months) - 0.6)
        ax.set_ylabel(w["axis_total"])
    handles = [h for h in ax.get_lines() if h.get_gid() not in ("good", "urgent")]
    handles += [Line2D([], [], color=_INK, linewidth=0.8, linestyle=(0, (4, 2)),
                       label=w["good_line"].format(x=_points(good))),
                Line2D([], [], color=_INK, linewidth=0.8, linestyle=(0, (6, 2, 1, 2)),
                       label=w["urgent_line"].format(x=_points(urgent)))]
    sub = w["trend_sub"]
    if len(urgent_codes) > len(shown):
        sub += " " + w["trend_cut"].format(shown=len(shown), n=len(urgent_codes))
    _titles(fig, ax, title, sub, left_chars=6)
    _legend_below(fig, handles, ncols=2)
    return fig


__all__ = ["ranked_totals", "groups_heatmap", "provinces_chart", "trend", "BAND_STYLE"]
