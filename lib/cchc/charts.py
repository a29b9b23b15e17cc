"""Charts of the monthly review: matplotlib figures for the notebook and the report.

Every public function takes the indicator frames (``docs/architecture.md``)
and returns a :class:`ChartFigure` (a plain :class:`matplotlib.figure.Figure`
built without ``pyplot``): nothing is registered with pyplot, shown, written
or closed here, so batch runs do not accumulate figures.  In the notebook,
show a figure with ``display(fig)`` or as the last expression of a cell: it
comes out once as PNG under ``%matplotlib inline`` and also without it
(``ChartFigure._repr_png_``).  Figures are 16.5 cm wide at 150 dpi.

Conventions shared by all charts:

- A4 width: 16.5 cm wide, height grows with the number of rows up to about
  24 cm; fonts 7–10.5 pt, so a figure printed at 100 % stays legible.
- Grey-safe: categories differ by hatching, marker and line style and by
  lightness, never by hue alone.
- Vietnamese text, NFC; numbers with a decimal comma ("97,31%").
- Ranked bar charts with more than ``top`` units show the best
  ``ceil(top/2)`` and the worst ``floor(top/2)`` with a visible break and say
  so in the subtitle; the full table belongs in the appendix.
- Empty input or all-undefined rates give a small figure that says so; no
  function raises on empty frames.
"""

from __future__ import annotations

import io
import math
import textwrap
from collections.abc import Sequence

import matplotlib as mpl
import numpy as np
import pandas as pd
from matplotlib import colors as mcolors
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch, Rectangle
from matplotlib.ticker import FixedLocator, FuncFormatter, MaxNLocator

from cchc import fmt
from cchc.indicators import RATE_COUNTS, round2, shown_difference
from cchc.rules import PAYMENT_CLASSES
from cchc.text import nfc

__all__ = [
    "ranked_rates",
    "district_trend",
    "streak_heatmap",
    "payment_window",
    "overdue_by_field",
    "unit_label",
    "FIG_WIDTH_IN",
    "ChartFigure",
    "png_bytes",
]

# --------------------------------------------------------------------------
# Style
# --------------------------------------------------------------------------

FIG_WIDTH_IN = 16.5 / 2.54  # A4 text width
_ROW_IN = 0.2  # height of one bar row
_MAX_HEIGHT_IN = 24 / 2.54
_HEATMAP_MAX_ROWS = 40  # rows of the heat map that fit on one page

_STYLE = {
    "font.size": 8,
    "axes.titlesize": 8,
    "axes.labelsize": 8,
    "xtick.labelsize": 7.5,
    "ytick.labelsize": 7.5,
    "legend.fontsize": 7.5,
    "axes.edgecolor": "#4d4d4d",
    "axes.linewidth": 0.6,
    "xtick.color": "#333333",
    "ytick.color": "#333333",
    "xtick.major.width": 0.6,
    "ytick.major.width": 0.6,
    "grid.color": "#d9d9d9",
    "grid.linewidth": 0.5,
    "hatch.linewidth": 0.6,
    "hatch.color": "edge",
    "axes.unicode_minus": True,
    "figure.dpi": 150,  # PNG in the notebook/HTML: 16.5 cm at 150 dpi (975 px wide)
}

# At draw time (png_bytes): unhinted glyphs, as crisp at 150 dpi and cheaper.
_DRAW_STYLE = {"text.hinting": "none"}

_INK = "#262626"
_MUTED = "#595959"
# Lightness-ordered tones (relative luminance in brackets) so that they stay
# apart in grey: navy (.07) · blue (.28) · orange (.45) · pale blue (.66) · sand (.78)
_NAVY = "#1f3b63"
_BLUE = "#4f7fb3"
_ORANGE = "#e08a2c"
_PALE_BLUE = "#b7cde6"
_SAND = "#f3d9a8"
_GREY = "#8c8c8c"
_NODATA = "#f2f2f2"

#: The words of the overdue charts' groups: a dossier without a field, the fields not shown one by one.
NO_FIELD = "(không ghi lĩnh vực)"
OTHER_FIELDS = "Lĩnh vực khác"

MINUS = "\u2212"
# white ground behind value labels, so that reference lines do not cross the digits
_LABEL_BOX = {"boxstyle": "square,pad=0.1", "facecolor": "white", "edgecolor": "none"}

_RATE_TITLES = {
    "reception_rate": "Tỷ lệ số hoá đầy đủ thành phần hồ sơ khi tiếp nhận",
    "result_rate": "Tỷ lệ số hoá kết quả giải quyết TTHC",
    "payment_rate": "Tỷ lệ thanh toán trực tuyến",
    "on_time_rate": "Tỷ lệ hồ sơ giải quyết đúng hạn",
    "online_share": "Tỷ lệ hồ sơ tiếp nhận trực tuyến",
}
_RATE_SHORT = {
    "reception_rate": "số hoá khi tiếp nhận",
    "result_rate": "số hoá kết quả giải quyết",
    "payment_rate": "thanh toán trực tuyến",
}
_KIND_PREFIX = {"commune": "Xã", "town": "TT", "ward": "P.", "special_zone": "ĐK"}
# leading words of a local name that already carry its kind
_KIND_LEADS = ("xã ", "thị trấn ", "phường ", "đặc khu ", "tt ", "p. ", "ubnd ")
_DEPT_LEADS = ("Phòng ",)
_LEVEL_TAILS = (" huyện", " tỉnh", " thành phố", " thị xã", " quận")
_LABEL_MAX = 38


# --------------------------------------------------------------------------
# Number and text formatting
# --------------------------------------------------------------------------


def _num(x: float, decimals: int = 2) -> str:
    """cchc.fmt.num with a true minus sign (U+2212) for axes and cell labels."""
    text = fmt.num(x, decimals)
    return MINUS + text[1:] if text.startswith("-") else text


def _pct(x: float) -> str:
    return fmt.pct(x)


def _signed(x: float, decimals: int = 1) -> str:
    """Signed difference in points: "+2,1", "−0,4", "0"."""
    text = _num(x, decimals)
    if text in ("0", MINUS + "0"):
        return "0"
    return text if text.startswith(MINUS) else "+" + text


def _month_tick(month: str) -> str:
    """ "2023-06" -> "T6\\n2023" (compact two-line axis label). """
    try:
        y, m = str(month).split("-")
        return f"T{int(m)}\n{int(y)}"
    except ValueError:
        return str(month)


#: Up to this many months, the trend's axis labels every month; beyond, the years.
MONTH_TICKS_MAX = 18
#: At most this many years labelled on a long trend (every 2nd, 5th … year beyond).
YEAR_TICKS_MAX = 12


def _month_axis(ax, months: list[str]) -> None:
    """The x axis of a trend over `months` (positions 0, 1, …).

    Up to a year, every month "T6\n2023"; up to MONTH_TICKS_MAX months, every
    month with the year under January and the first month only; a longer
    history is labelled by year (at each January, or the first month when the
    history starts mid-year far enough from the next January), every month a
    small unlabelled tick.
    """
    ticks = [_month_tick(m) for m in months]
    if len(months) <= 12:
        ax.set_xticks(range(len(months)), ticks)
        return
    if len(months) <= MONTH_TICKS_MAX:  # "2024" side by side would overlap
        ax.set_xticks(range(len(months)), [t if i == 0 or m.endswith("-01") else t.split("\n")[0]
                                           for i, (t, m) in enumerate(zip(ticks, months))])
        return
    starts = [i for i, m in enumerate(months) if m.endswith("-01")]
    if not starts or starts[0] >= 6:  # the first year's label, when its January is not shown
        starts.insert(0, 0)
    step = next(k for k in (1, 2, 5, 10, 20, 50, 100) if len(starts) / k <= YEAR_TICKS_MAX)
    years = [i for i in starts if int(months[i][:4]) % step == 0] if step > 1 else starts
    ax.set_xticks(years, [months[i][:4] for i in years])
    ax.set_xticks(range(len(months)), minor=True)
    ax.tick_params(axis="x", which="minor", length=2)


def _shorten(text: str, limit: int = _LABEL_MAX) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def unit_label(name: str, kind: str | None = None) -> str:
    """Short axis label of a unit, NFC.

    Local units get a short prefix ("Xã An Thanh", "TT Tứ Kỳ", "P. Hoà Bình")
    unless their name already carries one; departments lose a leading "Phòng "
    and a trailing level word (" huyện", " tỉnh" …).  Labels longer than
    38 characters are cut with "…".
    """
    name = nfc(name).strip()
    kind = (kind or "").strip()
    if kind in _KIND_PREFIX:
        if not name.casefold().startswith(_KIND_LEADS):
            name = f"{_KIND_PREFIX[kind]} {name}"
    elif kind == "department":
        for lead in _DEPT_LEADS:
            if name.startswith(lead) and len(name) > len(lead) + 3:
                name = name[len(lead):]
                name = name[0].upper() + name[1:]
                break
        for tail in _LEVEL_TAILS:
            if name.endswith(tail) and len(name) > len(tail) + 3:
                name = name[: -len(tail)]
                break
    return _shorten(name)


def _local_group_name(kinds: Sequence[str]) -> str:
    """ "UBND các xã, thị trấn" from the kinds present."""
    phrase = fmt.kinds_phrase({"kind": k} for k in set(kinds))
    return f"UBND các {phrase}" if phrase else "UBND cấp xã"


def _wrap(text: str, width: int) -> str:
    return "\n".join(textwrap.wrap(nfc(text), width=width)) if text else ""


# --------------------------------------------------------------------------
# Frame helpers
# --------------------------------------------------------------------------


def _is_local(frame: pd.DataFrame) -> pd.Series:
    if "is_local" in frame.columns:
        return frame["is_local"].fillna(False).astype(bool)
    if "kind" in frame.columns:
        return frame["kind"].isin(fmt.LOCAL_KINDS)
    return pd.Series(True, index=frame.index)


def _select_kind(frame: pd.DataFrame, kind: str) -> pd.DataFrame:
    if kind == "local":
        return frame[_is_local(frame)]
    if kind == "department":
        if "kind" in frame.columns:
            return frame[frame["kind"] == "department"]
        return frame[~_is_local(frame)]
    if kind == "all":
        return frame
    raise ValueError(f"kind must be 'local', 'department' or 'all', not {kind!r}")


def _order_col(frame: pd.DataFrame) -> pd.Series:
    if "order" in frame.columns:
        return pd.to_numeric(frame["order"], errors="coerce").fillna(np.inf)
    return pd.Series(np.arange(len(frame), dtype=float), index=frame.index)


def _finite(x) -> bool:
    try:
        return x is not None and math.isfinite(float(x))
    except (TypeError, ValueError):
        return False


def _luminance(color) -> float:
    r, g, b = mcolors.to_rgb(color)
    lin = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in (r, g, b)]
    return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]


def _text_color_on(color) -> str:
    return "white" if _luminance(color) < 0.3 else _INK


# --------------------------------------------------------------------------
# Figure scaffolding
# --------------------------------------------------------------------------


def png_bytes(fig: Figure, dpi: float | None = None) -> bytes:
    """The figure as an opaque 256-colour PNG, drawn once.

    Cheaper all the way down than ``savefig(format="png")`` under IPython's
    inline backend: one draw (the inline backend's ``bbox_inches="tight"``
    draws every figure twice, constrained layout included); no alpha channel
    (the figures are on white, and WeasyPrint re-encodes an RGBA image as two
    images, colour and soft mask); a palette of 256 colours, which these
    flat-coloured charts do not tell apart from true colour, so the PNG is a
    third of the size (notebook, HTML and PDF) and encodes faster. Glyphs are
    drawn unhinted: at 150 dpi they look the same, and text is most of the
    drawing time (a fifth less).
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from PIL import Image

    if dpi is not None and dpi != fig.dpi:
        fig.set_dpi(dpi)
    canvas = FigureCanvasAgg(fig)
    with mpl.rc_context(_DRAW_STYLE):
        canvas.draw()
    rgba = canvas.buffer_rgba()
    image = Image.frombuffer("RGBA", (rgba.shape[1], rgba.shape[0]), rgba, "raw", "RGBA", 0, 1)
    buf = io.BytesIO()
    dots = round(float(fig.dpi))
    image.convert("RGB").quantize(256, method=Image.Quantize.FASTOCTREE).save(
        buf, format="png", dpi=(dots, dots))
    return buf.getvalue()


class ChartFigure(Figure):
    """A plain Figure that also shows itself as PNG in IPython.

    Under the inline backend (``%matplotlib inline``) IPython's own Figure
    formatter is used; without it, ``_repr_png_`` still gives an image
    instead of "<Figure size …>".  Nothing is written to disk.
    ``cchc.notebook`` displays :func:`png_bytes` instead (one draw).
    """

    def _repr_png_(self) -> bytes:
        return png_bytes(self)


def _new_figure(height_in: float) -> Figure:
    height_in = min(max(height_in, 1.2), _MAX_HEIGHT_IN)
    with mpl.rc_context(_STYLE):
        fig = ChartFigure(figsize=(FIG_WIDTH_IN, height_in), layout="constrained")
    return fig


def _titles(fig: Figure, ax, title: str, subtitle: str = "", left_chars: int = 0,
            right_in: float = 0.0) -> None:
    """Bold title at the left of the figure, grey subtitle over the axes.

    left_chars: length of the longest y tick label, right_in: width taken at
    the right of the axes; used to wrap the subtitle to the axes' width.
    """
    left_in = 0.15 + left_chars * 7.5 * 0.56 / 72 if left_chars else 0.5
    avail_in = max(FIG_WIDTH_IN - left_in - right_in - 0.1, 2.5)
    with mpl.rc_context(_STYLE):
        fig.suptitle(_wrap(title, 72), x=0.01, ha="left", fontsize=10.5,
                     fontweight="bold", color=_INK)
        if subtitle:
            ax.set_title(_wrap(subtitle, int(avail_in * 72 / (7.5 * 0.55))), loc="left",
                         fontsize=7.5, color=_MUTED, pad=6)


def _message_figure(title: str, message: str) -> Figure:
    """A small figure that says there is nothing to draw."""
    fig = _new_figure(1.4)
    with mpl.rc_context(_STYLE):
        ax = fig.add_subplot()
        ax.set_axis_off()
        ax.text(0.5, 0.45, nfc(message), ha="center", va="center", fontsize=10,
                fontstyle="italic", color=_MUTED, transform=ax.transAxes, gid="message")
        _titles(fig, ax, title)
    return fig


def _pct_axis(axis) -> None:
    axis.set_major_formatter(FuncFormatter(lambda v, _pos: _num(v, 1) + "%"))


def _legend_below(fig: Figure, handles, ncols: int | None = None) -> None:
    if not handles:
        return
    with mpl.rc_context(_STYLE):
        fig.legend(handles=handles, loc="outside lower center",
                   ncols=ncols or min(len(handles), 3), frameon=False,
                   handlelength=2.6, handleheight=1.2, columnspacing=1.6)


# --------------------------------------------------------------------------
# Ranked horizontal bars (shared by ranked_rates and payment_window)
# --------------------------------------------------------------------------

def _cut(n: int, top: int | None) -> tuple[list[int], list[int], int]:
    """Indices shown at the head and the tail of a ranking, and how many are hidden."""
    if top is None or top <= 0 or n <= top:
        return list(range(n)), [], 0
    head, tail = (top + 1) // 2, top // 2
    return list(range(head)), list(range(n - tail, n)), n - head - tail


def _plot_axes(fig: Figure, grid: str):
    """The figure's one plot (inside the chart style's rc_context): grid lines on `grid` ("x" or
    "y") behind the marks, no top or right spine."""
    ax = fig.add_subplot()
    ax.set_axisbelow(True)
    ax.grid(axis=grid)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    return ax


def _ranked_axes(fig: Figure, rows: list[dict], classes: dict, xmax: float,
                 reflines: list[dict], hidden: int, hidden_where: int | None):
    """Draw one horizontal bar per row (best at the top).

    rows: dicts with label, value (float or None), cls (key of classes),
    text (value label); value None draws no bar and writes text in italics.
    classes: key -> dict(label, face, hatch) (legend order = dict order).
    reflines: dicts with x, label, style, gid.
    hidden/hidden_where: number of hidden rows and the row index before which
    the break is drawn.
    """
    with mpl.rc_context(_STYLE):
        ax = _plot_axes(fig, "x")

        ypos, labels = [], []
        y = 0.0
        break_y = None
        for i, row in enumerate(rows):
            if hidden and hidden_where is not None and i == hidden_where:
                break_y = y + 0.15
                y += 1.3
            ypos.append(y)
            labels.append(row["label"])
            y += 1.0
        if hidden and break_y is None:  # break after the last row
            break_y = y + 0.15
            y += 1.3

        handles = []
        for key, spec in classes.items():
            idx = [i for i, r in enumerate(rows) if r["cls"] == key and r["value"] is not None]
            if not idx:
                continue
            bars = ax.barh([ypos[i] for i in idx], [rows[i]["value"] for i in idx],
                           height=0.72, color=spec["face"], edgecolor=_INK,
                           linewidth=0.5, hatch=spec.get("hatch"), label=spec["label"])
            for patch in bars:
                patch.set_gid(f"bars:{key}")
            handles.append(Patch(facecolor=spec["face"], edgecolor=_INK, linewidth=0.5,
                                 hatch=spec.get("hatch"), label=spec["label"]))

        pad = xmax * 0.012
        for i, row in enumerate(rows):
            if row["value"] is None:
                ax.text(pad, ypos[i], row["text"], va="center", ha="left", fontsize=7,
                        fontstyle="italic", color=_MUTED, gid="novalue", zorder=5,
                        bbox=_LABEL_BOX)
            else:
                ax.text(row["value"] + pad, ypos[i], row["text"], va="center", ha="left",
                        fontsize=7, color=_INK, gid="value", zorder=5, bbox=_LABEL_BOX)

        for ref in reflines:
            ax.axvline(ref["x"], color=_INK, linewidth=1.1, linestyle=ref["style"],
                       zorder=3, gid=ref["gid"])
            handles.append(Line2D([], [], color=_INK, linewidth=1.1,
                                  linestyle=ref["style"], label=ref["label"]))

        if hidden:
            for dy in (-0.45, 0.45):
                ax.axhline(break_y + dy, color=_GREY, linewidth=0.7,
                           linestyle=(0, (1, 2)), gid="break")
            ax.text(0.5, break_y,
                    f"… {hidden} đơn vị ở giữa bảng xếp hạng không hiển thị "
                    f"(xem bảng đầy đủ ở phụ lục) …",
                    transform=ax.get_yaxis_transform(), ha="center", va="center",
                    fontsize=7, fontstyle="italic", color=_MUTED, gid="break", zorder=5,
                    bbox=_LABEL_BOX)

        ax.set_yticks(ypos, labels)
        ax.tick_params(axis="y", length=0)
        ax.set_ylim(y - 0.4, -0.6)  # best at the top
        ax.set_xlim(0, xmax)
    return ax, handles


def _bar_height(n_rows: int, hidden: bool, extra_in: float = 1.7) -> float:
    return n_rows * _ROW_IN + (0.3 if hidden else 0) + extra_in


# --------------------------------------------------------------------------
# 1. Ranked rates of one month
# --------------------------------------------------------------------------


def ranked_rates(um: pd.DataFrame, month: str | None = None, rate: str = "reception_rate",
                 average: float | bool | None = None, target: float | None = None,
                 kind: str = "local", top: int | None = 30) -> Figure:
    """Units ranked by one rate in ``month`` (horizontal bars, best at the top).

    um: the unit-month frame; month "YYYY-MM" (None: the latest in ``um``);
    rate: "reception_rate", "result_rate" or "payment_rate" (any rate column works);
    average: a reference value drawn as a dashed line and used to mark bars below
    it (hatched); None means the month's ``local_average_reception_rate`` when
    rate is the reception rate and kind is not "department", and then the marked
    bars are the indicators' ``below_average``; False draws none;
    target: a dash-dot line (e.g. 100 or 30), used for the marking when there is
    no average; kind: "local", "department" or "all"; top: at most this many
    bars, best ceil(top/2) and worst floor(top/2) when there are more units
    (None or 0: all).  Units whose rate is undefined are listed at the bottom
    as "không phát sinh" (or counted in the subtitle when the ranking is cut).
    Ties share a rank and keep registry order.
    """
    kind_frame = _select_kind(um, kind) if len(um) else um
    if month is None and len(kind_frame) and "month" in kind_frame:
        month = str(kind_frame["month"].max())
    what = _RATE_TITLES.get(rate, rate)
    title = f"{what} — tháng {fmt.month_label(month)}" if month else what
    rows_f = kind_frame[kind_frame["month"] == month] if len(kind_frame) else kind_frame
    if rate not in rows_f.columns or rows_f.empty:
        return _message_figure(title, "Không có dữ liệu của tháng này.")

    rows_f = rows_f.assign(_order=_order_col(rows_f),
                           _v=round2(pd.to_numeric(rows_f[rate], errors="coerce").astype(float)))
    defined = rows_f[rows_f["_v"].notna()].sort_values(["_v", "_order"], ascending=[False, True])
    undefined = rows_f[rows_f["_v"].isna()].sort_values("_order")

    auto_average = average is None
    if average is None:
        if (rate == "reception_rate" and kind != "department"
                and "local_average_reception_rate" in rows_f.columns):
            avg = pd.to_numeric(rows_f["local_average_reception_rate"], errors="coerce").dropna()
            average = float(avg.iloc[0]) if len(avg) else None
    elif average is False:
        average = None
    else:
        average = float(average) if _finite(average) else None
    target = float(target) if _finite(target) else None

    if kind == "local":
        who = _local_group_name(rows_f["kind"]) if "kind" in rows_f else "UBND cấp xã"
    elif kind == "department":
        who = "Các cơ quan chuyên môn"
    else:
        who = "Tất cả cơ quan, đơn vị"
    if defined.empty:
        return _message_figure(title, f"{who}: không phát sinh hồ sơ, không có tỷ lệ để xếp hạng.")

    # the indicators' own flag when the reference is the month's local average
    use_flag = auto_average and average is not None
    ref = average if average is not None else target
    ref_name = "trung bình chung" if average is not None else "chỉ tiêu"
    classes = {"ok": {"label": f"Bằng hoặc cao hơn {ref_name}" if ref is not None else "Tỷ lệ",
                      "face": _BLUE, "hatch": None},
               "below": {"label": f"Thấp hơn {ref_name}", "face": _SAND, "hatch": "////"}}

    num_col, den_col = RATE_COUNTS.get(rate, (None, None))
    has_counts = num_col in rows_f.columns and den_col in rows_f.columns
    ranks = defined["_v"].rank(method="min", ascending=False).astype(int)

    def bar_row(r, rank):
        v = float(r["_v"])
        text = _pct(v)
        if has_counts and _finite(r[num_col]) and _finite(r[den_col]):
            text += f" ({int(r[num_col])}/{int(r[den_col])})"
        if use_flag:
            below = bool(r["below_average"])
        else:
            below = ref is not None and v < round2(ref)
        return {"label": f"{rank}. {unit_label(r['name'], r.get('kind'))}", "value": v,
                "cls": "below" if below else "ok", "text": text}

    records = list(defined.to_dict("records"))
    head, tail, hidden = _cut(len(records), top)
    rows = [bar_row(records[i], int(ranks.iloc[i])) for i in head + tail]
    notes = []
    if hidden:
        notes.append(f"Hiển thị {len(head)} đơn vị cao nhất và {len(tail)} đơn vị thấp nhất "
                     f"trong {len(records)} đơn vị có tỷ lệ; bảng đầy đủ ở phụ lục.")
        best = float(records[0]["_v"])
        tied = int((defined["_v"] == best).sum())
        if tied > len(head):
            notes.append(f"{fmt.count2(tied)} đơn vị cùng đạt {_pct(best)}, "
                         f"hiển thị theo thứ tự danh mục.")
        if len(undefined):
            notes.append(f"{fmt.count2(len(undefined))} đơn vị không phát sinh hồ sơ (không xếp hạng).")
    else:
        for r in undefined.to_dict("records"):
            rows.append({"label": unit_label(r["name"], r.get("kind")), "value": None,
                         "cls": "none", "text": "không phát sinh"})
        if len(undefined):
            notes.append("“Không phát sinh”: không có hồ sơ trong tháng, không xếp hạng.")

    reflines = []
    if average is not None:
        reflines.append({"x": average, "style": (0, (4, 2)), "gid": "average",
                         "label": f"Trung bình chung: {_pct(average)}"})
    if target is not None:
        reflines.append({"x": target, "style": (0, (6, 2, 1, 2)), "gid": "target",
                         "label": f"Chỉ tiêu: {_pct(target)}"})

    subtitle = f"{who}, xếp từ cao xuống thấp; trong ngoặc: số hồ sơ số hoá/tổng số. " \
        if has_counts else f"{who}, xếp từ cao xuống thấp. "
    subtitle += " ".join(notes)
    fig = _new_figure(_bar_height(len(rows), bool(hidden)))
    hidden_where = len(head) if hidden else None
    ax, handles = _ranked_axes(fig, rows, classes, xmax=100 * 1.2, reflines=reflines,
                               hidden=hidden, hidden_where=hidden_where)
    with mpl.rc_context(_STYLE):
        ax.xaxis.set_major_locator(FixedLocator([0, 20, 40, 60, 80, 100]))
        _pct_axis(ax.xaxis)
        ax.set_xlabel(f"Tỷ lệ {_RATE_SHORT.get(rate, rate)}")
    _titles(fig, ax, title, subtitle, left_chars=max(len(r["label"]) for r in rows))
    _legend_below(fig, handles, ncols=2 if len(handles) == 4 else None)
    return fig


# --------------------------------------------------------------------------
# 2. District trend
# --------------------------------------------------------------------------


def district_trend(dist: pd.DataFrame, level: str | None = None) -> Figure:
    """Pooled rates over the months: reception, result, and the local average.

    dist: the district frame (one row per month).  level: the word for the
    whole area ("huyện", "tỉnh", from config ``level``) used in the legend as
    "toàn huyện"; None writes "chung".  Three line styles with distinct markers;
    the last defined value of each line is written next to it.
    """
    title = "Tỷ lệ số hoá hồ sơ thủ tục hành chính qua các tháng"
    if dist is None or dist.empty or "month" not in dist.columns:
        return _message_figure(title, "Không có dữ liệu.")
    d = dist.sort_values("month").reset_index(drop=True)
    months = [str(m) for m in d["month"]]
    where = f"toàn {nfc(level)}" if level else "chung"
    series = [
        ("reception_rate", f"Số hoá khi tiếp nhận ({where})",
         dict(color=_NAVY, linestyle="solid", marker="o", markerfacecolor=_NAVY), "reception"),
        ("result_rate", f"Số hoá kết quả giải quyết ({where})",
         dict(color=_ORANGE, linestyle="dashed", marker="s", markerfacecolor="white"),
         "result"),
        ("local_average_reception_rate", "Trung bình chung UBND cấp xã (tiếp nhận)",
         dict(color=_GREY, linestyle="dotted", marker="^", markerfacecolor=_GREY),
         "local_average"),
    ]
    series = [s for s in series if s[0] in d.columns]
    values = {col: pd.to_numeric(d[col], errors="coerce").astype(float).to_numpy()
              for col, *_ in series}
    finite = np.concatenate([v[np.isfinite(v)] for v in values.values()]) if values else []
    if len(finite) == 0:
        return _message_figure(title, "Chưa có tỷ lệ nào được xác định (không phát sinh hồ sơ).")

    lo, hi = float(np.min(finite)), float(np.max(finite))
    ylo = max(0.0, math.floor((lo - 1.5) / 5) * 5)
    yhi = 101.0 if hi >= 95 else min(101.0, math.ceil((hi + 1.5) / 5) * 5)
    if yhi - ylo < 5:
        ylo = max(0.0, yhi - 5)

    fig = _new_figure(3.6)
    x = np.arange(len(months))
    with mpl.rc_context(_STYLE):
        ax = _plot_axes(fig, "y")
        ends = []
        for col, label, style, gid in series:
            v = values[col]
            line, = ax.plot(x, v, linewidth=1.5, markersize=5, markeredgecolor=style["color"],
                            markeredgewidth=1.0, label=label, clip_on=False, **style)
            line.set_gid(gid)
            ok = np.flatnonzero(np.isfinite(v))
            if len(ok):
                ends.append([float(v[ok[-1]]), int(ok[-1]), style["color"], gid])
        # end labels, nudged apart so that they do not overlap
        gap = (yhi - ylo) * 0.075
        ends.sort(key=lambda e: e[0])
        placed = []
        for val, _i, _c, _g in ends:
            y = val if not placed else max(val, placed[-1] + gap)
            placed.append(y)
        over = placed[-1] - yhi if placed else 0
        if over > 0:
            placed = [p - over for p in placed]
        for (val, i, color, gid), y in zip(ends, placed):
            ax.annotate(_pct(val), xy=(i, val), xytext=(i + 0.18, y), textcoords="data",
                        va="center", ha="left", fontsize=7.5, fontweight="bold",
                        color=_INK, gid=f"end:{gid}",
                        arrowprops=None if abs(y - val) < gap * 0.3 else
                        dict(arrowstyle="-", color=_GREY, linewidth=0.5))
        _month_axis(ax, months)
        ax.set_xlim(-0.4, len(months) - 1 + max(0.9, len(months) * 0.12))
        ax.set_ylim(ylo, yhi)
        ax.yaxis.set_major_locator(MaxNLocator(nbins=6, steps=[1, 2, 2.5, 5, 10]))
        _pct_axis(ax.yaxis)
        ax.set_ylabel("Tỷ lệ (%)")
    span = (f"từ tháng {fmt.month_label(months[0])} đến tháng {fmt.month_label(months[-1])}"
            if len(months) > 1 else f"tháng {fmt.month_label(months[0])}")
    _titles(fig, ax, title, left_chars=6, subtitle=f"Tỷ lệ gộp (tổng hồ sơ được số hoá / tổng hồ sơ), {span}; "
                            f"nhãn: giá trị tháng gần nhất. Trục tung không bắt đầu từ 0.")
    _legend_below(fig, ax.get_lines(), ncols=1)
    return fig


# --------------------------------------------------------------------------
# 3. Below-average heat map
# --------------------------------------------------------------------------


#: What the heat map reads from indicators.unit_month (the flag and the streak are the indicators', never recomputed).
_STREAK_COLUMNS = {"month", "code", "name", "reception_rate", "local_average_reception_rate",
                   "below_average", "below_average_streak"}


def streak_heatmap(um: pd.DataFrame, months: Sequence[str] | int | None = None,
                   top: int | None = None, order: str = "streak") -> Figure:
    """Local units × months: reception rate minus the local average, in points.

    Difference of the displayed (2-decimal) values, written in each cell
    ("−2,3", "+0,4"; whole points from 10 up).  Diverging colours (red below,
    grey above, white at the average); grey-safe because runs of consecutive
    below-average months are framed (the current streak with a heavy frame)
    and the sign is written.  Cells without data or with nothing received are
    left blank and hatched.  Below-average months are the indicators'
    ``below_average``; the column on the right gives each unit's current
    streak (``below_average_streak`` of the last month shown), as computed by
    :func:`cchc.indicators.unit_month`.

    months: None = the latest 12 months in ``um``; an int n = the latest n;
    or a list of "YYYY-MM".  order: "streak" (longest current streak first,
    then the largest gap, then registry order) or "registry".  top: at most
    this many units (None: all when they fit a page, else the first 40 in the
    chosen order; the subtitle says so).
    """
    if order not in ("streak", "registry"):
        raise ValueError(f"order must be 'streak' or 'registry', not {order!r}")
    title = "Tỷ lệ số hoá khi tiếp nhận so với trung bình chung UBND cấp xã"
    if um is None or um.empty:
        return _message_figure(title, "Không có dữ liệu.")
    missing = _STREAK_COLUMNS - set(um.columns)
    if missing:
        raise ValueError(f"streak_heatmap needs the columns of indicators.unit_month; missing: {', '.join(sorted(missing))}")
    local = _select_kind(um, "local")
    if local.empty:
        return _message_figure(title, "Không có UBND cấp xã trong dữ liệu.")
    all_months = sorted(str(m) for m in local["month"].unique())
    if months is None:
        months = all_months[-12:]
    elif isinstance(months, int):
        months = all_months[-max(months, 1):]
    else:
        months = sorted(str(m) for m in months)
    if not months:
        return _message_figure(title, "Không có tháng nào để hiển thị.")
    title = f"{title}, {_span_text(months)}"

    w = local[local["month"].isin(months)].copy()
    w["_order"] = _order_col(w)
    w["_d"] = shown_difference(pd.to_numeric(w["reception_rate"], errors="coerce").astype(float),
                               pd.to_numeric(w["local_average_reception_rate"], errors="coerce").astype(float))
    w["_below"] = w["below_average"].astype(bool)

    units = (local.assign(_order=_order_col(local)).sort_values(["month"])
             .drop_duplicates("code", keep="last").set_index("code"))
    codes = list(units.index)
    mi = {m: j for j, m in enumerate(months)}
    ci = {c: i for i, c in enumerate(codes)}
    diff = np.full((len(codes), len(months)), np.nan)
    below = np.zeros((len(codes), len(months)), dtype=bool)
    for code, m, dv, bv in zip(w["code"], w["month"], w["_d"], w["_below"]):
        i, j = ci[code], mi[str(m)]
        diff[i, j] = dv
        below[i, j] = bool(bv)

    last = months[-1]
    streak = np.zeros(len(codes), dtype=int)
    w_last = w[w["month"] == last]
    for r in w_last[["code", "below_average_streak"]].itertuples(index=False):
        streak[ci[r.code]] = int(r.below_average_streak)

    reg = units["_order"].reindex(codes).to_numpy()
    if order == "streak":
        last_d = np.where(np.isfinite(diff[:, -1]), diff[:, -1], np.inf)
        idx = np.lexsort((reg, last_d, -streak))
    else:
        idx = np.argsort(reg, kind="stable")
    n_units = len(idx)
    limit = top if top else (n_units if n_units <= _HEATMAP_MAX_ROWS else _HEATMAP_MAX_ROWS)
    idx = idx[:limit]
    diff, below, streak = diff[idx], below[idx], streak[idx]
    labels = [unit_label(units.loc[codes[i], "name"], units.loc[codes[i]].get("kind"))
              for i in idx]
    n_rows, n_cols = len(idx), len(months)

    finite = diff[np.isfinite(diff)]
    lim = float(np.clip(np.nanmax(np.abs(finite)) if len(finite) else 1.0, 1.0, 20.0))
    cmap = mpl.colormaps["RdGy"].copy()
    cmap = mcolors.LinearSegmentedColormap.from_list(
        "cchc_rdgy", cmap(np.linspace(0.08, 0.85, 256)))
    cmap = cmap.with_extremes(bad=_NODATA)
    norm = mcolors.TwoSlopeNorm(vmin=-lim, vcenter=0.0, vmax=lim)

    fig = _new_figure(n_rows * 0.19 + 2.7)
    with mpl.rc_context(_STYLE):
        ax = fig.add_subplot()
        im = ax.imshow(np.ma.masked_invalid(diff), cmap=cmap, norm=norm, aspect="auto",
                       interpolation="nearest")
        im.set_gid("heatmap")
        # cell borders
        ax.set_xticks(np.arange(-0.5, n_cols, 1), minor=True)
        ax.set_yticks(np.arange(-0.5, n_rows, 1), minor=True)
        ax.grid(which="minor", color="white", linewidth=0.8)
        ax.tick_params(which="minor", length=0)
        ax.tick_params(axis="both", which="major", length=0)
        for spine in ax.spines.values():
            spine.set_visible(False)
        # blank cells: hatched
        for i, j in zip(*np.nonzero(~np.isfinite(diff))):
            ax.add_patch(Rectangle((j - 0.5, i - 0.5), 1, 1, facecolor="none",
                                   edgecolor="#b3b3b3", hatch="////", linewidth=0,
                                   gid="nodata"))
        # frames around runs of below-average months
        for i in range(n_rows):
            j = 0
            while j < n_cols:
                if below[i, j]:
                    k = j
                    while k + 1 < n_cols and below[i, k + 1]:
                        k += 1
                    current = k == n_cols - 1 and streak[i] > 0
                    ax.add_patch(Rectangle((j - 0.47, i - 0.42), k - j + 0.94, 0.84,
                                           facecolor="none", edgecolor="black",
                                           linewidth=1.6 if current else 0.8,
                                           gid="streak" if current else "run", zorder=3))
                    j = k + 1
                else:
                    j += 1
        # annotations
        cell_pt = min(FIG_WIDTH_IN * 0.7 / max(n_cols, 1), 0.19) * 72
        if n_cols <= 18 and n_rows <= 60:
            fs = 6.5 if cell_pt >= 10 else 5.5
            for i in range(n_rows):
                for j in range(n_cols):
                    v = diff[i, j]
                    if not np.isfinite(v):
                        continue
                    txt = _signed(v, 0 if abs(v) >= 10 else 1)
                    if txt == "0" and v != 0:  # below by less than 0,05: keep the sign
                        txt = _signed(v, 2)
                    ax.text(j, i, txt, ha="center", va="center", fontsize=fs,
                            color=_text_color_on(cmap(norm(v))), gid="cell",
                            fontweight="bold" if below[i, j] else "normal")
        ax.set_xticks(np.arange(n_cols), [_month_tick(m) for m in months])
        ax.xaxis.tick_top()
        ax.set_yticks(np.arange(n_rows), labels)
        ax.set_xlim(-0.5, n_cols - 0.5)
        ax.set_ylim(n_rows - 0.5, -0.5)
        right = ax.secondary_yaxis("right")
        right.set_yticks(np.arange(n_rows), [str(s) if s else "–" for s in streak])
        right.tick_params(length=0)
        for spine in right.spines.values():
            spine.set_visible(False)
        right.set_ylabel("Số tháng liên tiếp dưới trung bình", fontsize=7, color=_MUTED)
        peak = float(np.max(np.abs(finite))) if len(finite) else 0.0
        cb = fig.colorbar(im, ax=ax, location="bottom", shrink=0.55, aspect=35, pad=0.02,
                          extend="both" if peak > lim else "neither")
        cb.set_label("Chênh lệch so với trung bình chung (điểm %; âm: thấp hơn)", fontsize=7)
        cb.ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _p: _signed(v, 1)))
        cb.ax.tick_params(labelsize=6.5, length=2)
        cb.outline.set_linewidth(0.4)
    handles = [
        Patch(facecolor="white", edgecolor="black", linewidth=1.6,
              label="Chuỗi tháng dưới trung bình đến tháng cuối"),
        Patch(facecolor="white", edgecolor="black", linewidth=0.8,
              label="Các tháng liên tiếp dưới trung bình trước đó"),
        Patch(facecolor=_NODATA, edgecolor="#b3b3b3", hatch="////", linewidth=0.5,
              label="Không phát sinh hồ sơ / không có số liệu"),
    ]
    sort_text = ("xếp theo chuỗi tháng dưới trung bình hiện tại (dài nhất trước)"
                 if order == "streak" else "xếp theo thứ tự danh mục")
    group = _local_group_name(local["kind"]) if "kind" in local else "UBND cấp xã"
    sub = f"{group}; {sort_text}. Ô: tỷ lệ của đơn vị trừ trung bình chung của tháng (điểm %)."
    if n_rows < n_units:
        sub += f" Hiển thị {n_rows}/{n_units} đơn vị; bảng đầy đủ ở phụ lục."
    _titles(fig, ax, title, sub, left_chars=max(len(t) for t in labels), right_in=0.45)
    _legend_below(fig, handles, ncols=2)
    return fig


def _span_text(months: Sequence[str]) -> str:
    if len(months) == 1:
        return f"tháng {fmt.month_label(months[0])}"
    # no-break spaces: a wrapped title never splits the span
    return f"tháng\u00a0{fmt.month_label(months[0])}\u00a0–\u00a0{fmt.month_label(months[-1])}"


# --------------------------------------------------------------------------
# 4. Online payment over the window
# --------------------------------------------------------------------------

def payment_window(win: pd.DataFrame, target: float = 30, very_low: float = 2,
                   top: int | None = 30, window: tuple[str, str] | None = None) -> Figure:
    """Online payment over the window by local unit, against the target.

    win: the window payments frame (one row per local unit).  Bars ranked
    best first, one style per ``payment_class`` (meets: solid dark; below:
    hatched "////"; very low: dense "xxxx"; not implemented: no bar, the text
    "chưa triển khai").  The target is a dash-dot line, the very-low limit a
    dotted one.  Units with no payment transactions (class None) are left out
    and counted in the subtitle.  ``payment_class`` is the class the rules
    gave (``rules.payment_classes``; the review's window frame carries it);
    target and very_low only draw the reference lines and the legend.
    window: ("2023-04", "2023-06") for the title.  top: as in :func:`ranked_rates`.
    """
    title = "Thanh toán trực tuyến trên Cổng Dịch vụ công quốc gia (DVCQG)"
    if window:
        title += f", {_span_text(list(window))}"
    if win is None or win.empty or "window_payment_rate" not in win.columns:
        return _message_figure(title, "Không có dữ liệu thanh toán.")
    target = float(target)
    very_low = float(very_low)
    w = win[_is_local(win)].copy() if {"is_local", "kind"} & set(win.columns) else win.copy()
    w["_order"] = _order_col(w)
    w["_v"] = round2(pd.to_numeric(w["window_payment_rate"], errors="coerce").astype(float))
    w["_cls"] = w["payment_class"].astype(object).where(w["payment_class"].notna(), None)
    shown = w[w["_cls"].isin(PAYMENT_CLASSES)]
    left_out = len(w) - len(shown)
    if shown.empty:
        return _message_figure(title, "Không có giao dịch thanh toán nào trong kỳ.")
    shown = shown.assign(_sv=shown["_v"].fillna(0.0)).sort_values(
        ["_sv", "_order"], ascending=[False, True])
    counts = shown["_cls"].value_counts()
    classes = {
        "meets": {"label": f"Đạt chỉ tiêu (≥ {_pct(target)}): {fmt.count2(counts.get('meets', 0))}",
                  "face": _NAVY, "hatch": None},
        "below": {"label": f"Dưới chỉ tiêu (từ {_pct(very_low)}): "
                           f"{fmt.count2(counts.get('below', 0))}",
                  "face": _PALE_BLUE, "hatch": "////"},
        "very_low": {"label": f"Dưới chỉ tiêu, rất thấp (< {_pct(very_low)}): "
                              f"{fmt.count2(counts.get('very_low', 0))}",
                     "face": _SAND, "hatch": "xxxx"},
        "not_implemented": {"label": f"Chưa triển khai (0%): "
                                     f"{fmt.count2(counts.get('not_implemented', 0))}",
                            "face": "white", "hatch": "...."},
    }
    has_counts = {"window_payment_online", "window_payment_total"} <= set(shown.columns)
    records = list(shown.to_dict("records"))
    ranks = shown["_sv"].rank(method="min", ascending=False).astype(int).tolist()
    head, tail, hidden = _cut(len(records), top)
    rows = []
    for i in head + tail:
        r = records[i]
        label = f"{ranks[i]}. {unit_label(r.get('name', r.get('code', '')), r.get('kind'))}"
        counts_txt = (f" ({int(r['window_payment_online'])}/{int(r['window_payment_total'])})"
                      if has_counts and _finite(r["window_payment_online"])
                      and _finite(r["window_payment_total"]) else "")
        if r["_cls"] == "not_implemented":
            rows.append({"label": label, "value": None, "cls": "not_implemented",
                         "text": f"0% – chưa triển khai{counts_txt}"})
        else:
            rows.append({"label": label, "value": float(r["_sv"]), "cls": r["_cls"],
                         "text": _pct(r["_sv"]) + counts_txt})
    vmax = max(float(shown["_sv"].max()), target)
    xmax = min(max(vmax * 1.3, target * 1.5), 135.0)
    reflines = [{"x": target, "style": (0, (6, 2, 1, 2)), "gid": "target",
                 "label": f"Chỉ tiêu: {_pct(target)}"}]
    if 0 < very_low < target:
        reflines.append({"x": very_low, "style": (0, (1, 1.5)), "gid": "very_low",
                         "label": f"Ngưỡng rất thấp: {_pct(very_low)}"})
    fig = _new_figure(_bar_height(len(rows), bool(hidden), extra_in=2.0))
    ax, handles = _ranked_axes(fig, rows, classes, xmax=xmax, reflines=reflines,
                               hidden=hidden, hidden_where=len(head) if hidden else None)
    # classes without bars (not implemented) still belong in the legend
    present = {h.get_label() for h in handles}
    extra = [Patch(facecolor=s["face"], edgecolor=_INK, linewidth=0.5, hatch=s["hatch"],
                   label=s["label"]) for k, s in classes.items()
             if counts.get(k, 0) and s["label"] not in present]
    handles = ([h for h in handles if isinstance(h, Patch)] + extra
               + [h for h in handles if not isinstance(h, Patch)])
    with mpl.rc_context(_STYLE):
        ax.xaxis.set_major_locator(MaxNLocator(nbins=6, steps=[1, 2, 2.5, 5, 10]))
        _pct_axis(ax.xaxis)
        ax.set_xlim(0, xmax)
        ax.set_xlabel("Tỷ lệ giao dịch thanh toán trực tuyến trong kỳ")
    sub = "UBND cấp xã, xếp từ cao xuống thấp"
    if has_counts:
        sub += "; trong ngoặc: giao dịch trực tuyến/tổng số giao dịch"
    sub += "."
    if left_out:
        sub += f" {fmt.count2(left_out)} đơn vị không có giao dịch thanh toán (không xét)."
    if hidden:
        sub += (f" Hiển thị {len(head)} đơn vị cao nhất và {len(tail)} đơn vị thấp nhất "
                f"trong {len(records)}; bảng đầy đủ ở phụ lục.")
    _titles(fig, ax, title, sub, left_chars=max(len(r["label"]) for r in rows))
    _legend_below(fig, handles, ncols=3)
    return fig


# --------------------------------------------------------------------------
# 5. Overdue dossiers by field and unit
# --------------------------------------------------------------------------

# grey levels (PIL "L") about 34 · 95 · 153 · 201 · 230, "other" white with dots
_FIELD_TONES = ["#14243d", _ORANGE, "#5f5f5f", _PALE_BLUE, "#f5e6c4"]
_OTHER_TONE = "white"
_OTHER_HATCH = "...."
_MAX_FIELDS = len(_FIELD_TONES)


def overdue_by_field(od: pd.DataFrame, month: str | None = None,
                     top: int | None = 30) -> Figure:
    """Overdue dossiers per unit, stacked by field; excused ones hatched.

    od: the overdue frame (one row per dossier); month: keep only that month
    (None: every row of ``od``; the title names the month when there is only
    one).  One horizontal bar per unit with overdue dossiers (most non-excused
    first, then most overall, then registry/first-seen order); segments by
    field, lightness-ordered tones (the five most frequent fields, the rest as
    "Lĩnh vực khác"); the excused part of a segment is hatched "////".  The
    count is written in each segment and the total at the end of the bar.

    With no overdue dossier the function returns a small figure that says
    "Không có hồ sơ quá hạn" (never None), so the notebook can always show it.
    top: at most this many units (the subtitle says when some are left out).
    """
    d = od if od is not None else pd.DataFrame()
    if month is not None and "month" in d.columns:
        d = d[d["month"].astype(str) == str(month)]
    elif month is None and "month" in d.columns and d["month"].nunique() == 1:
        month = str(d["month"].iloc[0])
    title = "Hồ sơ quá hạn theo lĩnh vực và đơn vị"
    if month:
        title += f" — tháng {fmt.month_label(month)}"
    if d.empty:
        return _message_figure(title, "Không có hồ sơ quá hạn.")

    d = d.copy()
    if "field" not in d.columns:
        d["field"] = ""
    d["_field"] = (d["field"].astype(object).where(d["field"].notna(), "")
                   .map(lambda s: nfc(s).strip()).replace("", NO_FIELD))
    d["_exc"] = d["excused"].fillna(False).astype(bool) if "excused" in d.columns else False
    d["_pos"] = np.arange(len(d))
    d["_order"] = _order_col(d) if "order" in d.columns else np.nan
    if "kind" not in d.columns:
        d["kind"] = None
    if "name" not in d.columns:
        d["name"] = d["code"]
    freq = d.groupby("_field", sort=False).size().sort_values(ascending=False, kind="stable")
    named = list(freq.index[:_MAX_FIELDS]) if len(freq) <= _MAX_FIELDS \
        else list(freq.index[:_MAX_FIELDS - 1])
    other = OTHER_FIELDS
    d["_grp"] = d["_field"].where(d["_field"].isin(named), other)
    groups = named + ([other] if (d["_grp"] == other).any() else [])
    tones = {g: _FIELD_TONES[k] for k, g in enumerate(named)}
    tones[other] = _OTHER_TONE

    per_unit = (d.groupby("code", sort=False)
                .agg(name=("name", "first"), kind=("kind", "first"), total=("_pos", "size"),
                     excused=("_exc", "sum"), first=("_pos", "min"), order=("_order", "min"))
                .reset_index())
    per_unit["open"] = per_unit["total"] - per_unit["excused"]
    per_unit["_o"] = per_unit["order"].fillna(np.inf) if per_unit["order"].notna().any() \
        else per_unit["first"]
    per_unit = per_unit.sort_values(["open", "total", "_o"], ascending=[False, False, True])
    n_units = len(per_unit)
    if top and n_units > top:
        per_unit = per_unit.head(top)
    codes = list(per_unit["code"])
    n_rows = len(codes)

    cnt = d.groupby(["code", "_grp", "_exc"]).size()
    fig = _new_figure(n_rows * 0.26 + 1.9)
    xmax = float(per_unit["total"].max())
    handles = []
    with mpl.rc_context(_STYLE):
        ax = _plot_axes(fig, "x")
        y = np.arange(n_rows)
        left = np.zeros(n_rows)
        for g in groups:
            for exc in (False, True):
                widths = np.array([float(cnt.get((c, g, exc), 0)) for c in codes])
                if not widths.any():
                    continue
                face = tones[g]
                hatch = "////" if exc else (_OTHER_HATCH if g == other else None)
                bars = ax.barh(y, widths, left=left, height=0.66, color=face,
                               edgecolor=_INK, linewidth=0.5, hatch=hatch,
                               hatchcolor="white" if _luminance(face) < 0.3 else _INK,
                               label=f"{g}{' (miễn trừ)' if exc else ''}")
                for patch in bars:
                    patch.set_gid(f"overdue:{g}:{'excused' if exc else 'open'}")
                for k, wdt in enumerate(widths):
                    if wdt > 0:
                        ax.text(left[k] + wdt / 2, y[k], str(int(wdt)), ha="center",
                                va="center", fontsize=6.5, gid="segment",
                                color=_text_color_on(face),
                                bbox=dict(boxstyle="round,pad=0.12", facecolor=face,
                                          edgecolor="none") if hatch else None)
                left += widths
        for k, r in enumerate(per_unit.itertuples(index=False)):
            txt = f"{int(r.total)}"
            if r.excused:
                txt += f" (miễn trừ {int(r.excused)})"
            ax.text(r.total + xmax * 0.015, k, txt, va="center", ha="left", fontsize=7,
                    color=_INK, gid="total")
        labels = [unit_label(n, k) for n, k in zip(per_unit["name"], per_unit["kind"])]
        ax.set_yticks(y, labels)
        ax.tick_params(axis="y", length=0)
        ax.set_ylim(n_rows - 0.5, -0.6)
        ax.set_xlim(0, xmax * 1.28 + 0.4)
        ax.xaxis.set_major_locator(MaxNLocator(integer=True, nbins=8))
        ax.set_xlabel("Số hồ sơ quá hạn")
    for g in groups:
        handles.append(Patch(facecolor=tones[g], edgecolor=_INK, linewidth=0.5, label=g,
                             hatch=_OTHER_HATCH if g == other else None))
    if d["_exc"].any():
        handles.append(Patch(facecolor="white", edgecolor=_INK, linewidth=0.5, hatch="////",
                             label="Được miễn trừ (gạch chéo)"))
    total, excused = len(d), int(d["_exc"].sum())
    sub = f"Tổng số {fmt.count2(total)} hồ sơ quá hạn"
    sub += f", trong đó {fmt.count2(excused)} hồ sơ được miễn trừ." if excused else "."
    sub += " Xếp theo số hồ sơ không được miễn trừ, nhiều nhất trước."
    if n_rows < n_units:
        sub += f" Hiển thị {n_rows}/{n_units} đơn vị có nhiều hồ sơ quá hạn nhất."
    _titles(fig, ax, title, sub, left_chars=max(len(t) for t in labels))
    _legend_below(fig, handles, ncols=3)
    return fig
