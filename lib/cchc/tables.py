"""Tables of the analysis as escaped HTML, with Vietnamese labels and numbers.

Labels come from templates/labels.yml. Every value is HTML-escaped: text from
the input (names, reasons, report titles) never runs in a reader's browser.
"""

from __future__ import annotations

import html
from functools import lru_cache

import pandas as pd
import yaml

from cchc import fmt
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


def column_label(name: str) -> str:
    return labels()["columns"].get(name, name)


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


def table_html(rows, columns: list[str], caption: str = "", css_class: str = "cchc-table",
               header: dict | None = None) -> str:
    """An HTML table of `rows` (a DataFrame or a list of dicts) over `columns`.

    `header` overrides the label of some columns (e.g. months as "6/2023")."""
    header = header or {}
    records = rows.to_dict("records") if isinstance(rows, pd.DataFrame) else list(rows)
    numeric = {c for c in columns if c in RATE_COLUMNS | CHANGE_COLUMNS or c.startswith(("received", "resolved", "payment_", "window_payment", "overdue_", "report_")) or c in ("count", "streak", "below_average_streak") or c in header}
    head = "".join(
        f'<th class="{"num" if c in numeric else "text"}">{html.escape(header.get(c) or column_label(c))}</th>'
        for c in columns
    )
    body = "".join(
        "<tr>" + "".join(
            f'<td class="{"num" if c in numeric else "text"}">{html.escape(_cell(c, r.get(c)))}</td>' for c in columns
        ) + "</tr>"
        for r in records
    )
    cap = f"<caption>{html.escape(caption)}</caption>" if caption else ""
    if not records:
        body = f'<tr><td colspan="{len(columns)}" class="empty">{html.escape(labels()["empty"])}</td></tr>'
    return f'<table class="{css_class}">{cap}<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'


def appendix_html(outcomes: dict) -> str:
    """The appendix: its heading and the full table of every unit of the month.

    Shown by the notebook's cell tagged ``appendix``; a report run also lays it
    out for the PDF while the kernel works (`cchc.export.prepare_appendix`).
    """
    lab = labels()["captions"]
    return (f'<h2 class="cchc-appendix-heading">{html.escape(lab["appendix_heading"])}</h2>'
            + table_html(outcomes["units"], APPENDIX_COLUMNS,
                         caption=lab["appendix"].format(month=fmt.month_label(outcomes["month"]))))
