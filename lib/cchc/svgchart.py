"""Geometry of the small SVG line charts of the offline pages (unit pages, the portal).

`line_chart` computes coordinates, ticks and tooltips; the templates draw the
SVG (unit_page.html.j2, index.html.j2). Values are percentages (0–100).
"""

from __future__ import annotations

import math

from cchc import fmt


def _ticks(lo: float, hi: float) -> list[float]:
    span = hi - lo
    step = 5 if span <= 20 else 10 if span <= 50 else 20
    first = math.ceil(lo / step) * step
    return [float(v) for v in range(int(first), int(hi) + 1, step)]


def line_chart(xlabels: list[str], series: list[dict], *, hlines: list[dict] = (), width: int = 300,
               height: int = 170, titles: list[str] | None = None, value_text=fmt.pct) -> dict:
    """Geometry of a small line chart on a 0–100 % scale, for an SVG template.

    `series`: [{"key": ..., "values": [float | None, ...], "dots": bool}], one
    value per x label (None or NaN: a gap). The y axis ends at 100 and starts
    at a multiple of 10 under the lowest value (at most 80), so small
    differences near 100% stay visible. Returns the view box size, the plot
    area, the ticks and, per series, the polyline segments ("x,y x,y …") and
    the dots with their tooltips ("6/2023: 89,8%"). `hlines` ([{"key",
    "value"}], e.g. a target) are drawn across the plot at their value.
    """
    widest = max((len(lab) for lab in xlabels), default=1)
    left, right, top, bottom = 30, max(10, 3 * widest), 8, 22
    x0, x1, y0, y1 = left, width - right, top, height - bottom
    inset = 8  # the first and last points stand off the frame
    values = [float(v) for s in series for v in s["values"] if not fmt.is_missing(v)]
    values += [float(h["value"]) for h in hlines if not fmt.is_missing(h["value"])]
    lo = min([80.0] + [math.floor(min(values) / 10) * 10 if values else 80.0])
    lo = max(0.0, lo)
    hi = 100.0
    n = len(xlabels)

    def x(i: int) -> float:
        return round((x0 + x1) / 2 if n == 1 else x0 + inset + (x1 - x0 - 2 * inset) * i / (n - 1), 1)

    def y(v: float) -> float:
        v = min(max(float(v), lo), hi)
        return round(y1 - (y1 - y0) * (v - lo) / (hi - lo), 1)

    titles = titles or xlabels
    out = []
    for s in series:
        segments, current, dots = [], [], []
        for i, v in enumerate(s["values"]):
            if not fmt.is_missing(v):
                current.append(f"{x(i)},{y(v)}")
                if s.get("dots", True):
                    dots.append({"x": x(i), "y": y(v), "title": f"{titles[i]}: {value_text(v)}"})
            elif current:
                segments.append(" ".join(current))
                current = []
        if current:
            segments.append(" ".join(current))
        out.append({"key": s["key"], "segments": [g for g in segments if " " in g], "dots": dots})
    step = max(1, math.ceil(n / 12))  # at most ~12 x labels
    return {
        "width": width,
        "height": height,
        "plot": {"x0": x0, "x1": x1, "y0": y0, "y1": y1},
        "yticks": [{"y": y(v), "label": fmt.num(v, 0)} for v in _ticks(lo, hi)],
        "xticks": [{"x": x(i), "label": lab} for i, lab in enumerate(xlabels) if i % step == 0 or i == n - 1],
        "series": out,
        "hlines": [{"key": h["key"], "y": y(h["value"]), "title": value_text(h["value"])} for h in hlines
                   if not fmt.is_missing(h["value"])],
    }
