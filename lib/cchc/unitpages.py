"""One HTML page per unit for the month: its rates, rank, what the letter says, what it must reach.

    paths = write_unit_pages(rv, dest)        # dest/units/<code>.html, one per registry unit

A render step of the month's run (`cchc.monthly.write_files`), not a notebook
run per unit: this module makes each page's context from the `Review` already
computed; the pages come from one Jinja2 template (templates/unit_page.html.j2,
every Vietnamese word there) in the shared page environment (`cchc.pages`), the
small charts are inline SVG drawn from `cchc.svgchart`'s geometry. A
district's 33 units take well under a second; a province's 170 a few seconds.

Each page is self-contained (inline CSS from templates/pages.css, no script, no
external file), links back to the month's report (``../report.html``) and to the
portal (``../../index.html``), and escapes every data text (Jinja autoescape).

Definitions used on the page:

- peers: departments are compared with departments, local units (communes,
  towns, wards) with local units; the *peer average* of a rate is pooled over
  the peers (sums, then the ratio; `indicators.peer_averages`), so for a local
  unit's reception rate it is the letter's "trung bình chung" of the local units.
- rank: position among the peers with a defined rate this month, best first,
  on the displayed (2-decimal) values; equal values share a rank ("1, 2, 2, 4").
- how many more: the smallest k with round2(100 × (done + k) / total) >= target,
  on this month's counts (and, for online payment, also on the payment window).
"""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd

from cchc import fmt
from cchc.indicators import RATE_COUNTS, peer_averages, rate, round2
from cchc.months import month_range, parse_month
from cchc.outcomes import OVERDUE_FIGURES, longest, month_overdue, records
from cchc.pages import UNITS_DIR, page_env, pages_css, unit_filenames, write_page
from cchc.rules import PAYMENT_CLASSES
from cchc.panel766 import unit_panel
from cchc.svgchart import line_chart
from cchc.tables import overdue_note

#: rate key -> (rate column, numerator column, denominator column), from indicators.RATE_COUNTS
RATES = {key: (col, *RATE_COUNTS[col]) for key, col in
         (("reception", "reception_rate"), ("result", "result_rate"), ("payment", "payment_rate"))}
WINDOW = ("window_payment_rate", "window_payment_online", "window_payment_total")
RULE_KEYS = ("commend_departments", "commend_local_digitization", "commend_local_payment", "criticize", "remind")
PAYMENT_KEYS = tuple(f"payment_{cls}" for cls in PAYMENT_CLASSES)  # the outcomes' lists of rule 6
#: Bounded pages: a unit's page lists at most this many of its overdue dossiers (the longest
#: overdue) and of its excused ones; the counts are over all of them (overdue.csv lists them all).
UNIT_LISTED = 50
NO_OVERDUE = {"overdue": [], "overdue_total": 0, "excused": [], "excused_total": 0, "overdue_note": None}


# ============================================================== arithmetic


def _defined(x) -> bool:
    return not fmt.is_missing(x)


def more_needed(done: int, total: int, target) -> int | None:
    """How many more (dossiers, payments) would have reached `target` % this month.

    The smallest k >= 0 with round2(100 × (done + k) / total) >= round2(target):
    the displayed rate, as every threshold compares. 0 when already reached;
    None when there is nothing to count (total 0), no target, or the target is
    above 100%.
    """
    done, total = int(done), int(total)
    if total <= 0 or not _defined(target):
        return None
    t = round2(float(target))
    if t > 100:
        return None
    if round2(100 * done / total) >= t:
        return 0
    # Below (t - 0.005) % the displayed rate is below t: start just under that bound.
    k = max(0, math.floor((t - 0.005) * total / 100) - done - 1)
    while done + k <= total:
        if round2(100 * (done + k) / total) >= t:
            return k
        k += 1
    return None  # pragma: no cover - t <= 100 is reached at k = total - done


# ============================================================== the letter


def _segments(runs, code: str) -> list[dict]:
    """Runs as printed segments, the unit's own mentions marked (neighbours of one style joined)."""
    segments: list[dict] = []
    for r in runs:
        seg = {"text": r.text, "bold": r.bold, "italic": r.italic, "mark": r.unit == code}
        if segments and all(segments[-1][k] == seg[k] for k in ("bold", "italic", "mark")):
            segments[-1]["text"] += r.text
        else:
            segments.append(seg)
    return segments


def letter_quotes(letter, codes) -> dict[str, list[dict]]:
    """Per unit code, the parts of the letter about it, in the letter's order.

    The letter's blocks are cut into sections at its headings. A section whose
    heading names the unit is quoted with its blocks that name the unit or no
    unit at all ("Lý do: …" under "Nhắc nhở … đối với UBND xã Tái Sơn"); in any
    other section, the blocks naming the unit are quoted under the heading.
    "Names" is the letter's own structure: the units a block mentions
    (`Block.units`, from the template's mentions), never a search of the text.
    Returns {code: [{"heading": segments | None, "blocks": [segments, ...]}]}.
    """
    sections: list[dict] = [{"heading": None, "blocks": []}]
    for block in letter.blocks:
        if block.kind == "heading":
            sections.append({"heading": block, "blocks": []})
        else:
            sections[-1]["blocks"].append(block)

    out: dict[str, list[dict]] = {str(code): [] for code in codes}
    for sec in sections:
        head = sec["heading"]
        head_named = set(head.units) if head is not None else set()
        for code in out:
            if code in head_named:
                chosen = [b for b in sec["blocks"] if code in b.units or not b.units]
            else:
                chosen = [b for b in sec["blocks"] if code in b.units]
            if not chosen and code not in head_named:
                continue
            out[code].append({
                "heading": _segments(head.runs, code) if head is not None else None,
                "blocks": [{"kind": b.kind, "segments": _segments(b.runs, code)} for b in chosen],
            })
    return out


# ============================================================== figures


def _int(x) -> int:
    return 0 if fmt.is_missing(x) else int(x)


def _num_or_none(x):
    return None if fmt.is_missing(x) else float(x)


def _figure(done, total, value) -> dict:
    """{"done", "total", "rate"}: the indicators' counts and rate (None when undefined)."""
    return {"done": _int(done), "total": _int(total), "rate": _num_or_none(value)}


def peer_ranks(this_month: pd.DataFrame) -> dict[str, dict[str, dict]]:
    """code -> rate key -> {"rank", "of"} among the peers with a defined rate (None: unranked).

    Best first on the displayed values; equal values share the better rank.
    """
    columns = {key: spec[0] for key, spec in RATES.items()} | {"window": WINDOW[0]}
    out: dict[str, dict[str, dict]] = {str(c): {} for c in this_month["code"]}
    for _, peers in this_month.groupby("is_local"):
        for key, col in columns.items():
            shown = round2(peers[col].astype("float64"))
            ranks = shown.rank(method="min", ascending=False)
            of = int(shown.notna().sum())
            for code, r in zip(peers["code"], ranks):
                out[str(code)][key] = {"rank": None if fmt.is_missing(r) else int(r), "of": of}
    return out


def _by_code(items) -> dict[str, dict]:
    return {str(u.get("code")): u for u in items or []}


def _page_common(rv) -> dict:
    """What every unit page of the month shares."""
    month = rv.month
    year, _ = parse_month(month)
    o = rv.outcomes
    window = o["outcomes"]["payment_window"]
    units = rv.ds.units
    local_units = units[units["kind"] != "department"].to_dict("records")
    cfg = rv.config
    return {
        "month": month,
        "month_label": fmt.month_label(month),
        "year": year,
        "next_label": fmt.month_label(o["next_month"]),
        "next_first_day": fmt.date_vn(fmt.first_day(o["next_month"])),
        "issuer": " ".join(cfg.get("issuer_lines") or [cfg["issuer"]]),
        "level": cfg["level"],
        "superior": cfg["superior"],
        "local_kinds": fmt.kinds_phrase(local_units),
        "params": dict(rv.params),
        "window": {
            "start": fmt.date_vn(fmt.first_day(window["start"])),
            "end": fmt.date_vn(fmt.last_day(window["end"])),
        },
        "local_average": _num_or_none(o.get("local_average_reception_rate")),
    }


def unit_contexts(rv) -> list[dict]:
    """The template context of every unit's page, in registry order (without the CSS)."""
    month = rv.month
    common = _page_common(rv)
    year = common["year"]
    axis = month_range(f"{year:04d}-01", month)
    axis_labels = [str(parse_month(m)[1]) for m in axis]
    axis_titles = [fmt.month_label(m) for m in axis]
    p = rv.params

    table = rv.table[rv.table["month"].isin(axis)]
    averages = peer_averages(rv.table)
    wsums = rv.window.groupby("is_local")[[WINDOW[1], WINDOW[2]]].sum()
    window_averages = rate(wsums[WINDOW[1]], wsums[WINDOW[2]]).set_axis(wsums.index)
    this = rv.this_month
    ranks = peer_ranks(this)
    rules = rv.outcomes["outcomes"]
    by_rule = {key: _by_code(rules.get(key)) for key in RULE_KEYS + PAYMENT_KEYS}
    overdue = _overdue_by_unit(month_overdue(rv.ds, month))
    quotes = letter_quotes(rv.letter, rv.ds.units["code"])
    files = unit_filenames(rv.ds.units["code"])
    rows_of: dict[str, dict[str, dict]] = {}  # code -> month -> row (plain dicts: cheap lookups)
    for rec in table.to_dict("records"):
        rows_of.setdefault(str(rec["code"]), {})[rec["month"]] = rec
    now_of = {str(r["code"]): r for r in this.to_dict("records")}
    covered = set(rv.ds.covered("digitization"))  # a month of the 766 index only has no row to show here

    contexts = []
    for unit in rv.ds.units.to_dict("records"):
        code = str(unit["code"])
        is_local = unit["kind"] != "department"
        rows = rows_of.get(code)
        now = now_of[code]

        history, series_values = [], {key: {"unit": [], "average": []} for key in RATES}
        for m in axis:
            present = rows is not None and m in rows and m in covered
            entry = {"month": m, "label": fmt.month_label(m), "present": present}
            for key, (col, num, den) in RATES.items():
                r = rows[m] if present else None
                fig = _figure(r[num], r[den], r[col]) if present else None
                avg = _num_or_none(averages[col].get((m, is_local))) if present else None
                entry[key] = fig | {"average": avg} if fig else None
                series_values[key]["unit"].append(fig["rate"] if fig else None)
                series_values[key]["average"].append(avg)
            history.append(entry)

        targets = {
            "reception": 100.0,
            "result": 100.0,
            "payment": float(p["payment_target"]),
        }
        charts = []
        for key in RATES:
            charts.append({
                "key": key,
                "target": targets[key],
                "empty": not any(_defined(v) for v in series_values[key]["unit"]),
                "svg": line_chart(axis_labels, [
                    {"key": "average", "values": series_values[key]["average"]},
                    {"key": "unit", "values": series_values[key]["unit"]},
                ], hlines=[{"key": "target", "value": targets[key]}], titles=axis_titles),
            })

        current = {key: _figure(now[num], now[den], now[col]) for key, (col, num, den) in RATES.items()}
        current["window"] = _figure(now.get(WINDOW[1]), now.get(WINDOW[2]), now.get(WINDOW[0]))
        for key, (col, _, _) in RATES.items():
            current[key]["average"] = _num_or_none(averages[col].get((month, is_local)))
        current["window"]["average"] = _num_or_none(window_averages.get(is_local))

        commend_threshold = p["commend_local_digitization"] if is_local else p["commend_department_digitization"]
        needs = []
        for key in ("reception", "result"):
            fig = current[key]
            goals = [{"kind": "average", "value": fig["average"]}]
            if float(commend_threshold) < 100:
                goals.append({"kind": "commend", "value": float(commend_threshold)})
            goals.append({"kind": "full", "value": 100.0})
            needs.append({"key": key, "figure": fig, "goals": _goals(fig, goals)})
        pay_goals = [{"kind": "target", "value": float(p["payment_target"])}]
        if is_local:
            pay_goals.append({"kind": "commend_payment", "value": float(p["commend_payment"])})
        if current["payment"]["total"] or is_local:
            needs.append({"key": "payment", "figure": current["payment"], "goals": _goals(current["payment"], pay_goals)})
        if current["window"]["total"] or is_local:
            needs.append({"key": "window", "figure": current["window"],
                          "goals": _goals(current["window"], [{"kind": "target", "value": float(p["payment_target"])}])})

        payment_class = None
        if isinstance(now.get("payment_class"), str):  # rule 6's class (None: not considered)
            key = f"payment_{now['payment_class']}"
            payment_class = {"key": key, **by_rule[key][code]}

        crit = by_rule["criticize"].get(code)
        contexts.append({
            **common,
            "unit": {
                "code": code, "name": unit["name"], "kind": unit["kind"],
                "label": fmt.unit_label(unit), "is_local": is_local,
            },
            "file": files[code],
            "current": current,
            "ranks": ranks.get(code, {}),
            "history": history,
            "charts": charts,
            "commend": [
                {"key": key, **by_rule[key][code]}
                for key in ("commend_departments", "commend_local_digitization", "commend_local_payment")
                if code in by_rule[key]
            ],
            "criticize": crit,
            "remind": by_rule["remind"].get(code),
            "payment_class": payment_class,
            **overdue.get(code, NO_OVERDUE),
            "streak": _int(now.get("below_average_streak")),
            "below_average": bool(now.get("below_average")) if is_local else False,
            "quotes": quotes.get(code, []),
            "needs": needs,
            "commend_threshold": float(commend_threshold),
            "index766": unit_panel(rv.index766, code, axis, p),
        })
    return contexts


def _overdue_by_unit(od: pd.DataFrame) -> dict[str, dict]:
    """Per unit code: its longest-overdue dossiers and its excused ones (at most UNIT_LISTED of each,
    in the sheet's order) and how many there are of each."""
    out = {}
    for code, group in od.groupby("code", sort=False):
        excused = group[group["excused"].astype(bool)]
        out[str(code)] = {
            "overdue": records(longest(group, UNIT_LISTED), OVERDUE_FIGURES),
            "overdue_total": len(group),
            "excused": records(longest(excused, UNIT_LISTED), OVERDUE_FIGURES),
            "excused_total": len(excused),
            "overdue_note": overdue_note(UNIT_LISTED, len(group)),
        }
    return out


def _goals(fig: dict, goals: list[dict]) -> list[dict]:
    out = []
    for g in goals:
        if g["value"] is None:
            continue
        out.append(g | {"more": more_needed(fig["done"], fig["total"], g["value"])})
    return out


# ============================================================== writing


def write_unit_pages(rv, dest: Path) -> list[Path]:
    """Write dest/units/<code>.html for every registry unit; return the paths (registry order)."""
    folder = Path(dest) / UNITS_DIR
    folder.mkdir(parents=True, exist_ok=True)
    template = page_env().get_template("unit_page.html.j2")
    css = pages_css()
    return [write_page(folder / ctx["file"], template.render(**ctx, css=css)) for ctx in unit_contexts(rv)]
