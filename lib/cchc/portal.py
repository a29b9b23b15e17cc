"""The offline portal: <output_dir>/index.html, every published month and every unit page.

    write_index(Path("output"))     # -> output/index.html

Scans `output_dir` for published month folders (``YYYY-MM`` holding an
``outcomes.json``; staging folders, whose names start with ".", are skipped),
and writes one self-contained page (inline CSS, no script, relative links
only) with: the months, newest first, with links to each month's files that
exist (report.html, report.pdf, report.docx, scorecard.xlsx, outcomes.json);
the district's trend (reception and result rates, local average) as an inline
SVG chart and a table; and a units × months table linking every unit page
(``<month>/units/<code>.html``), coloured by what the letter says.

Everything read from the folders is data: escaped by the template. A month
whose outcomes.json cannot be read is still listed, with its files. The page
is written to a temporary file and moved into place, so a reader (or a
concurrent run) never sees half a page. Wording: templates/index.html.j2.
"""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import quote

from cchc import fmt
from cchc.months import is_month
from cchc.pages import UNITS_DIR, page_env, pages_css, unit_filenames, write_page
from cchc.svgchart import line_chart

INDEX = "index.html"
#: (key, file name) of the month files the portal links, in display order.
MONTH_FILES = (
    ("html", "report.html"),
    ("pdf", "report.pdf"),
    ("docx", "report.docx"),
    ("xlsx", "scorecard.xlsx"),
    ("json", "outcomes.json"),
)
STATUS_KEYS = {  # outcomes key -> the unit's status on the grid (the strongest wins: criticise > remind > commend)
    "criticize": "criticize",
    "remind": "remind",
    "commend_departments": "commend",
    "commend_local_digitization": "commend",
    "commend_local_payment": "commend",
}
_STRENGTH = {"criticize": 3, "remind": 2, "commend": 1}


def _href(*parts: str) -> str:
    return "/".join(quote(p) for p in parts)


def published_months(output_dir: Path) -> list[Path]:
    """Month folders YYYY-MM with an outcomes.json, sorted (dot folders are staging: skipped)."""
    output_dir = Path(output_dir)
    if not output_dir.is_dir():
        return []
    return sorted(
        p for p in output_dir.iterdir()
        if p.is_dir() and not p.name.startswith(".") and is_month(p.name) and (p / "outcomes.json").is_file()
    )


def _rate(x):
    return None if fmt.is_missing(x) else float(x)


def _month_entry(folder: Path) -> dict:
    month = folder.name
    entry = {
        "month": month,
        "label": fmt.month_label(month),
        "files": [{"key": key, "href": _href(month, name)} for key, name in MONTH_FILES if (folder / name).is_file()],
        "error": None,
        "district": {},
        "local_average": None,
        "counts": {},
        "units": [],
        "index766": None,
    }
    try:
        doc = json.loads((folder / "outcomes.json").read_text(encoding="utf-8"))
        units = [u for u in doc.get("units") or [] if u.get("code") is not None]
        rules = doc.get("outcomes") or {}
    except (OSError, ValueError, AttributeError) as exc:
        entry["error"] = f"{type(exc).__name__}: {exc}"
        return entry
    entry["index766"] = _index766_entry(doc)
    d = doc.get("district") or {}
    entry["district"] = {
        "reception_rate": _rate(d.get("reception_rate")),
        "result_rate": _rate(d.get("result_rate")),
        "overdue_total": d.get("overdue_total"),
    }
    entry["local_average"] = _rate(doc.get("local_average_reception_rate"))
    commended = {str(u.get("code")) for k in ("commend_departments", "commend_local_digitization",
                                               "commend_local_payment") for u in rules.get(k) or []}
    entry["counts"] = {
        "commend": len(commended),
        "criticize": len(rules.get("criticize") or []),
        "remind": len(rules.get("remind") or []),
    }
    status: dict[str, str] = {}
    for key, st in STATUS_KEYS.items():
        for u in rules.get(key) or []:
            code = str(u.get("code"))
            if _STRENGTH[st] > _STRENGTH.get(status.get(code), 0):
                status[code] = st
    files = unit_filenames([str(u["code"]) for u in units])
    for u in units:
        code = str(u["code"])
        page = folder / UNITS_DIR / files[code]
        entry["units"].append({
            "code": code,
            "name": str(u.get("name") or code),
            "kind": u.get("kind"),
            "reception_rate": _rate(u.get("reception_rate")),
            "status": status.get(code),
            "href": _href(month, UNITS_DIR, files[code]) if page.is_file() else None,
        })
    return entry


def _index766_entry(doc: dict) -> dict | None:
    """The month's rule 8 at a glance: the province's score and rank, how many units are urgent or need attention."""
    x = doc.get("index766")
    if not isinstance(x, dict):
        return None
    p = x.get("province") or {}
    params = doc.get("parameters") or {}
    return {"score": _rate(p.get("score")), "rank": p.get("rank"), "of": p.get("of"),
            "urgent": len(x.get("urgent") or []), "attention": len(x.get("attention") or []),
            "good": _rate(params.get("index766_good")), "urgent_below": _rate(params.get("index766_urgent"))}


def _index766_chart(months: list[dict]) -> dict | None:
    """The province's 766 total month by month, with the latest month's thresholds (None: no month has it)."""
    scored = [m for m in months if m["index766"]]
    if not any(m["index766"]["score"] is not None for m in scored):
        return None
    last = scored[-1]["index766"]
    hlines = [{"key": k, "value": last[v]} for k, v in (("good", "good"), ("urgent", "urgent_below"))
              if last[v] is not None]
    return line_chart([m["label"] for m in scored], [{"key": "unit", "values": [m["index766"]["score"] for m in scored]}],
                      hlines=hlines, width=max(560, 60 * len(scored)), height=190, value_text=fmt.num)


def _unit_grid(months: list[dict]) -> dict:
    """Rows (units, latest month's registry order first) × columns (months, oldest first)."""
    order: list[str] = []
    info: dict[str, dict] = {}
    for m in reversed(months):  # the newest month's names and order win
        for u in m["units"]:
            if u["code"] not in info:
                info[u["code"]] = {"code": u["code"], "name": u["name"], "kind": u["kind"]}
                order.append(u["code"])
    cells = {m["month"]: {u["code"]: u for u in m["units"]} for m in months}
    rows = []
    for code in order:
        rows.append(info[code] | {"cells": [cells[m["month"]].get(code) for m in months]})
    return {
        "departments": [r for r in rows if r["kind"] == "department"],
        "locals": [r for r in rows if r["kind"] != "department"],
        "local_kinds": fmt.kinds_phrase(rows),
    }


def index_context(output_dir: Path) -> dict:
    """What index.html shows: the months (oldest first), the trend chart, the unit grid."""
    months = [_month_entry(p) for p in published_months(output_dir)]
    good = [m for m in months if m["error"] is None]
    chart = None
    if good:
        chart = line_chart(
            [m["label"] for m in good],
            [
                {"key": "local_average", "values": [m["local_average"] for m in good]},
                {"key": "result", "values": [m["district"]["result_rate"] for m in good]},
                {"key": "reception", "values": [m["district"]["reception_rate"] for m in good]},
            ],
            width=max(560, 60 * len(good)), height=210,
        )
    return {
        "months": months,
        "chart": chart,
        "grid": _unit_grid(good),
        "chart766": _index766_chart(good),
        "months766": [m for m in good if m["index766"]],
        "grid_months": good,
        "css": pages_css(),
    }


def render_index(output_dir: Path) -> str:
    return page_env().get_template("index.html.j2").render(**index_context(output_dir))


def write_index(output_dir: Path) -> Path:
    """Write <output_dir>/index.html (atomically) and return its path."""
    output_dir = Path(output_dir)
    output_dir.mkdir(parents=True, exist_ok=True)
    return write_page(output_dir / INDEX, render_index(output_dir))
