"""Tables of the analysis as escaped HTML, with Vietnamese labels and numbers.

Labels come from templates/labels.yml. Every value is HTML-escaped: text from
the input (names, reasons, report titles) never runs in a reader's browser.
"""

from __future__ import annotations

import html
from functools import lru_cache

import pandas as pd
import yaml

from cchc import fmt, fonts
from cchc.index766 import GROUPS
from cchc.paths import TEMPLATES_DIR

RATE_COLUMNS = {
    "reception_rate", "result_rate", "payment_rate", "window_payment_rate",
    "local_average_reception_rate", "average", "gap",
}
CHANGE_COLUMNS = {"reception_rate_change", "result_rate_change"}
DATE_COLUMNS = {"deadline", "returned", "due", "submitted"}
#: The appendix's full table: one row per unit of the month (outcomes.json "units").
APPENDIX_COLUMNS = ["name", "received", "received_digitized", "reception_rate", "reception_rate_change",
                    "resolved", "resolved_digitized", "result_rate", "payment_total", "payment_online",
                    "payment_rate", "below_average_streak", "overdue_total", "overdue_excused"]


@lru_cache(maxsize=1)
def labels() -> dict:
    return yaml.safe_load((TEMPLATES_DIR / "labels.yml").read_text(encoding="utf-8"))


def overdue_note(listed: int, total: int) -> str | None:
    """What a list of the longest-overdue dossiers says when it is cut at `listed` of `total`
    (labels.yml captions.overdue_longest); None when it lists them all."""
    if total <= listed:
        return None
    return labels()["captions"]["overdue_longest"].format(n=fmt.count2(listed), total=fmt.num(total))


def column_label(name: str) -> str:
    """The header of a column: labels.yml `columns`, or a 766 group's name and maximum."""
    words = labels()
    if name in GROUPS:
        return words["index766"]["group_column"].format(name=words["index766"]["groups"][name],
                                                        max=fmt.num(GROUPS[name], 0))
    return words["columns"].get(name, name)


def _cell(column: str, value) -> str:
    """One value as displayed text (not yet escaped)."""
    lab = labels()
    if isinstance(value, (list, tuple)):
        return "; ".join(_cell(column, v) for v in value)
    if column == "reasons" and isinstance(value, str):
        return lab["reasons"].get(value, value)
    if value is None or (not isinstance(value, str) and fmt.is_missing(value)):
        return lab["empty"]
    if isinstance(value, bool):
        return lab["booleans"]["true" if value else "false"]
    if column == "kind":
        return lab["kinds"].get(value, value)
    if column in DATE_COLUMNS:
        return fmt.date_vn(value)
    if column in CHANGE_COLUMNS:
        return ("+" if float(value) > 0 else "") + fmt.num(value)
    if column in RATE_COLUMNS:
        return fmt.num(value)
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return fmt.num(value, places=0) if float(value).is_integer() else fmt.num(value)
    return str(value)


#: Tables with at least this many rows get fixed column widths (`column_widths`).
FIXED_LAYOUT_MIN_ROWS = 12
#: The printed tables: print.css sets them at 7.5 pt in the shipped sans, cells padded 2.5 pt.
PRINT_SIZE_PT = 7.5
CELL_PADDING_PT = 6.5  # 2 × 2.5 pt padding + borders
#: Texts up to this many characters (a unit's name) are kept on one line when the page allows.
KEEP_ON_ONE_LINE = 18
#: The printed text width: A4 minus the 30 + 20 mm margins of print.css.
TEXT_WIDTH_PT = 160 / 25.4 * 72


def _width(text: str, bold: bool = False) -> float:
    return fonts.text_width_pt(text, PRINT_SIZE_PT, "sans", bold=bold)


def column_widths(head: list[str], rows: list[list[str]], numeric: list[bool]) -> list[float]:
    """Shares (summing to 1) of the printed width for each column, from the shipped font's metrics.

    The automatic table layout of CSS 2.1, computed ahead so that the PDF can
    lay a long table out in fixed layout (WeasyPrint measures every cell of an
    automatic table twice, which is most of a province report's PDF time):
    each column has a narrowest width (its longest word, or its whole text up
    to KEEP_ON_ONE_LINE characters; a number never wraps) and a widest (its
    longest text on one line). The widest widths are used when they fit the
    page, else each column gets its narrowest plus a share of the room left in
    proportion to what it would like more.
    """
    def words(text: str, bold: bool = False) -> float:
        return max((_width(w, bold) for w in text.split()), default=0.0)

    narrow = [words(h, bold=True) for h in head]
    wide = [_width(h, bold=True) for h in head]
    for row in rows:
        for i, text in enumerate(row):
            wide[i] = max(wide[i], _width(text))
            whole = _width(text) if numeric[i] or len(text) <= KEEP_ON_ONE_LINE else 0.0
            narrow[i] = max(narrow[i], whole, words(text))
    lo = [w + CELL_PADDING_PT for w in narrow]
    hi = [max(w, n) + CELL_PADDING_PT for w, n in zip(wide, narrow)]
    if sum(hi) <= TEXT_WIDTH_PT or sum(lo) >= TEXT_WIDTH_PT:
        chosen = hi if sum(hi) <= TEXT_WIDTH_PT else lo
    else:
        share = (TEXT_WIDTH_PT - sum(lo)) / (sum(hi) - sum(lo))
        chosen = [a + (b - a) * share for a, b in zip(lo, hi)]
    total = sum(chosen)
    return [w / total for w in chosen]


def _is_numeric(column: str, header: dict) -> bool:
    return (column in RATE_COLUMNS | CHANGE_COLUMNS
            or column.startswith(("received", "resolved", "payment_", "window_payment", "overdue_", "report_"))
            or column in ("count", "streak", "below_average_streak") or column in header)


def table_html(rows, columns: list[str], caption: str = "", css_class: str = "cchc-table",
               header: dict | None = None) -> str:
    """An HTML table of `rows` (a DataFrame or a list of dicts) over `columns`.

    `header` overrides the label of some columns (e.g. months as "6/2023").
    A table of FIXED_LAYOUT_MIN_ROWS rows or more carries its column widths
    (`column_widths`) and the class ``cchc-fixed`` (fixed layout in print).
    """
    header = header or {}
    records = rows.to_dict("records") if isinstance(rows, pd.DataFrame) else list(rows)
    numeric = [_is_numeric(c, header) for c in columns]
    labels_ = [header.get(c) or column_label(c) for c in columns]
    texts = [[_cell(c, r.get(c)) for c in columns] for r in records]
    kinds = ["num" if n else "text" for n in numeric]
    head = "".join(f'<th class="{k}">{html.escape(lab)}</th>' for k, lab in zip(kinds, labels_))
    body = "".join(
        "<tr>" + "".join(f'<td class="{k}">{html.escape(t)}</td>' for k, t in zip(kinds, row)) + "</tr>"
        for row in texts
    )
    cap = f"<caption>{html.escape(caption)}</caption>" if caption else ""
    if not records:
        body = f'<tr><td colspan="{len(columns)}" class="empty">{html.escape(labels()["empty"])}</td></tr>'
    cols = ""
    if len(records) >= FIXED_LAYOUT_MIN_ROWS:
        css_class += " cchc-fixed"
        cols = "<colgroup>" + "".join(
            f'<col style="width:{share * 100:.2f}%">' for share in column_widths(labels_, texts, numeric)
        ) + "</colgroup>"
    return f'<table class="{css_class}">{cap}{cols}<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'


def appendix_html(outcomes: dict) -> str:
    """The appendix: its heading and the full table of every unit of the month.

    Shown by the notebook's cell tagged ``appendix``, which the PDF prints as
    an annex of its own (print.css).
    """
    lab = labels()["captions"]
    return (f'<h2 class="cchc-appendix-heading">{html.escape(lab["appendix_heading"])}</h2>'
            + table_html(outcomes["units"], APPENDIX_COLUMNS,
                         caption=lab["appendix"].format(month=fmt.month_label(outcomes["month"]))))
