"""Display helpers for notebooks/monthly_report.ipynb.

Each `show_*` function displays one section of the analysis (HTML tables from
`cchc.tables`, figures from `cchc.charts`); the notebook is a list of calls.
Captions live in templates/labels.yml (key ``captions``).
"""

from __future__ import annotations

import html

from cchc import charts, charts766, fmt, sources
from cchc.monthly import Review
from cchc.months import month_range
from cchc.narrative import render_html
from cchc.outcomes import month_overdue
from cchc.tables import appendix_html, labels, table_html


def _display(obj) -> None:
    from IPython.display import HTML, display

    display(HTML(obj) if isinstance(obj, str) else obj)


def _figure(fig) -> None:
    """Display a chart as one PNG image.

    The PNG is drawn here, once (`charts.png_bytes`), rather than by the
    inline backend, which draws every figure twice (``bbox_inches="tight"``)
    and keeps an alpha channel. The charts are built without pyplot, so there
    is nothing to close.
    """
    if fig is None:
        return
    from IPython.display import Image

    _display(Image(data=charts.png_bytes(fig), format="png"))


def caption(key: str, **values) -> str:
    return labels()["captions"][key].format(**values)


def _p(text: str) -> str:
    return f'<p class="cchc-note">{html.escape(text)}</p>'


def setup() -> None:
    """Inline figures as PNG only, whatever the user's JupyterLab settings: one
    image per chart, and WeasyPrint lays PNGs out far faster than SVGs."""
    try:
        from matplotlib_inline.backend_inline import set_matplotlib_formats

        set_matplotlib_formats("png")
    except Exception:  # outside a kernel: nothing to set
        pass


def data_span(months: list[str]) -> str:
    """The months the review read, as a range: "dữ liệu 6 tháng, từ tháng 1/2023 đến tháng 6/2023."
    (a history of 60 months is one line, not 60 months listed); missing months are counted."""
    first, last = fmt.month_label(months[0]), fmt.month_label(months[-1])
    if len(months) == 1:
        return caption("generated_one", first=first)
    missing = len(month_range(months[0], months[-1])) - len(months)
    if missing:
        return caption("generated_gaps", n=len(months), first=first, last=last, missing=missing)
    return caption("generated", n=len(months), first=first, last=last)


def show_title(rv: Review) -> None:
    issuer = " ".join(rv.config.get("issuer_lines") or [rv.config["issuer"]])
    _display(f'<h1 class="cchc-title">{html.escape(caption("title", month=fmt.month_label(rv.month)))}</h1>'
             + _p(f"{issuer} — " + data_span(rv.ds.months)))


def _missing(rv: Review, *families: str) -> str:
    """One line per group of `families` no file brought this month, naming the files that would."""
    words = labels()["figures"]
    # the section's own families only: the files (and sheets) that would bring them
    coverage = {f: s if f in families else "-" for f, s in rv.outcomes["coverage"].items()}
    return "".join(
        _p(caption("missing", month=fmt.month_label(rv.month), what=fmt.join_vn(words[f] for f in m["figures"]),
                   files=" hoặc ".join(m["files"])))
        for m in sources.missing(coverage, rv.month)
    )


def _none_of(rv: Review, *families: str) -> bool:
    """No file brought any of `families` this month: the section shows only the line naming the files."""
    if any(rv.outcomes["coverage"].get(f) for f in families):
        return False
    _display(_missing(rv, *families))
    return True


def show_letter(rv: Review) -> None:
    _display(render_html(rv.letter))


def show_data_quality(rv: Review) -> None:
    warnings = rv.outcomes["warnings"]
    parts = [_p(caption("warnings_none") if not warnings else caption("warnings_some", n=len(warnings)))]
    if warnings:
        parts.append(table_html([{"warning": w} for w in warnings], ["warning"]))
    words, sources = labels()["figures"], labels()["sources"]
    coverage = [{"figures": words[f], "source": sources[s] if s else caption("coverage_none")}
                for f, s in rv.outcomes["coverage"].items()]
    parts.append(table_html(coverage, ["figures", "source"], caption=caption("coverage")))
    parts.append(_missing(rv, *rv.outcomes["coverage"]))
    parts.append(table_html(rv.outcomes["inputs"], ["file", "sha256"], caption=caption("inputs")))
    _display("".join(parts))


def show_district(rv: Review) -> None:
    if _none_of(rv, "digitization", "overdue"):
        return
    d = rv.outcomes["district"]
    _display(_missing(rv, "digitization", "overdue") + _p(caption(
        "district",
        reception=fmt.pct(d["reception_rate"]), result=fmt.pct(d["result_rate"]),
        average=fmt.pct(rv.outcomes["local_average_reception_rate"]),
        overdue=d["overdue_total"], excused=d["overdue_excused"],
    )) + table_html(rv.district, ["month", "received", "received_digitized", "reception_rate", "reception_rate_change",
                                  "resolved", "resolved_digitized", "result_rate", "result_rate_change",
                                  "local_average_reception_rate", "overdue_total", "overdue_excused"],
                    caption=caption("district_table")))
    _figure(charts.district_trend(rv.district, level=rv.config.get("level")))


def show_indicators(rv: Review) -> None:
    if _none_of(rv, "digitization", "payments"):
        return
    p = rv.params
    _display(_missing(rv, "digitization", "payments"))
    _figure(charts.ranked_rates(rv.table, rv.month, "reception_rate", kind="local",
                                target=p["commend_local_digitization"]))
    _figure(charts.ranked_rates(rv.table, rv.month, "result_rate", kind="local", average=False,
                                target=p["commend_local_digitization"]))
    _figure(charts.ranked_rates(rv.table, rv.month, "reception_rate", kind="department", average=False,
                                target=p["commend_department_digitization"]))
    _figure(charts.ranked_rates(rv.table, rv.month, "payment_rate", kind="local", average=False,
                                target=p["payment_target"]))


def show_streaks(rv: Review) -> None:
    if _none_of(rv, "digitization"):
        return
    _figure(charts.streak_heatmap(rv.table))


def show_rules(rv: Review) -> None:
    if _none_of(rv, "digitization", "payments", "overdue", "reports"):
        return
    o = rv.outcomes["outcomes"]
    sections = [
        ("commend_departments", ["name", "received", "received_digitized", "reception_rate", "resolved",
                                 "resolved_digitized", "result_rate"]),
        ("commend_local_digitization", ["name", "reception_rate", "result_rate"]),
        ("commend_local_payment", ["name", "payment_total", "payment_online", "payment_rate"]),
        ("criticize", ["name", "streak", "reception_rate", "reception_rate_change", "average", "gap"]),
        ("remind", ["name", "count", "reasons"]),
    ]
    _display("".join(
        f"<h3>{html.escape(caption('rule_' + key, n=fmt.count2(len(o[key]))))}</h3>" + table_html(o[key], cols)
        for key, cols in sections
    ))
    if o["criticize"]:  # the evidence: each criticised unit's rate against the average, month by month
        _display(f"<h4>{html.escape(caption('criticize_history'))}</h4>" + _history_table(o["criticize"]))


def _history_table(units: list[dict]) -> str:
    """One table: the average, then each criticised unit, over the months of the longest streak."""
    months = sorted({h["month"] for u in units for h in u["history"]})
    average = {h["month"]: h["average"] for u in units for h in u["history"]}
    rows = [{"name": caption("average_row"), **{m: fmt.num(average.get(m)) for m in months}}]
    rows += [{"name": fmt.unit_label(u), **{h["month"]: fmt.num(h["reception_rate"]) for h in u["history"]}}
             for u in units]
    return table_html(rows, ["name", *months], header={m: fmt.month_label(m) for m in months})


def show_payments(rv: Review) -> None:
    if not rv.outcomes["payment_window"]["months"]:  # no month of the window has payment figures
        _display(_missing(rv, "payments"))
        return
    o = rv.outcomes["outcomes"]
    w = o["payment_window"]
    _display(_missing(rv, "payments"))
    _figure(charts.payment_window(rv.window[rv.window["is_local"]], target=rv.params["payment_target"],
                                  very_low=rv.params["very_low_payment"], window=(w["start"], w["end"])))
    cols = ["name", "window_payment_total", "window_payment_online", "window_payment_rate"]
    _display("".join(
        f"<h3>{html.escape(caption(key, n=fmt.count2(len(o[key]))))}</h3>" + table_html(o[key], cols)
        for key in ("payment_meets", "payment_very_low", "payment_below", "payment_not_implemented")
    ))


def show_overdue(rv: Review) -> None:
    if _none_of(rv, "overdue", "reports"):
        return
    _display(_missing(rv, "overdue", "reports"))
    od = month_overdue(rv.ds, rv.month)
    _figure(charts.overdue_by_field(od, month=rv.month))
    if rv.ds.source_of("overdue") == "dossiers":  # from records: days late, timeliness, the longest overdue
        from cchc import dossier_report

        _figure(dossier_report.days_late_by_field(od, rv.month))
        for rate in ("on_time_rate", "online_share"):
            _figure(charts.ranked_rates(rv.table, rv.month, rate, kind="all", average=False))
        rows = dossier_report.longest_overdue(rv.outcomes)
        _display(table_html(rows, ["dossier", "name", "field", "procedure", "deadline", "returned", "days_late",
                                   "excused", "reason"],
                            caption=caption("overdue_longest", n=fmt.count2(len(rows)),
                                            total=fmt.num(rv.outcomes["overdue_listed"]["total"]))))
        return
    _display(table_html(rv.outcomes["overdue"], ["dossier", "name", "field", "procedure", "deadline", "returned",
                                                 "excused", "reason", "basis"], caption=caption("overdue_table")))


def _words766(key: str, **values) -> str:
    return labels()["charts766"][key].format(**values)


#: The columns of the 766 tables of the analysis and of the appendix.
INDEX766_COLUMNS = ["rank", "name", "total", "change", "band", "weakest", "urgent_streak"]


def _rows766(units: list[dict]) -> list[dict]:
    """outcomes.json's 766 units as table rows: the printed name, the band's and the weakest group's words."""
    words = labels()["index766"]
    return [{**u, "name": fmt.unit_label(u), "band": words["bands"][u["band"]],
             "weakest": f"{words['groups'][u['weakest']]} ({fmt.num(u['groups'][u['weakest']])})",
             **u["groups"]} for u in units]


def show_index766(rv: Review) -> None:
    """Rule 8: the province among the provinces, each level's totals ranked, the six groups, the trend, the lists."""
    doc, r8, p = rv.outcomes.get("index766"), rv.index766, rv.params
    if doc is None:
        _display(_missing(rv, "index766"))
        return
    parts = []
    prov = doc["province"]
    if prov:
        change = fmt.signed_change(prov["change"], unit=_words766("points_unit"))
        parts.append(_p(_words766("summary_province", score=fmt.num(prov["score"]), rank=prov["rank"], of=prov["of"],
                                  change=_words766("summary_change", change=change) if change else "")))
    who = _level_names(rv)
    averages = fmt.join_vn(f"{who[lvl]} {fmt.num(v)}" for lvl, v in doc["averages"].items() if v is not None)
    bands = r8.units["band"].value_counts()
    parts.append(_p(_words766("summary_levels", averages=averages, good=fmt.count2(bands.get("good", 0)),
                              attention=fmt.count2(bands.get("attention", 0)), urgent=fmt.count2(bands.get("urgent", 0)))))
    _display("".join(parts))
    if len(r8.provinces) > 1:
        _figure(charts766.provinces_chart(r8.provinces, rv.month))
    for level in ("department", "local"):
        if (r8.units["level"] == level).any():
            _figure(charts766.ranked_totals(r8.units, level, p["index766_good"], p["index766_urgent"], rv.month,
                                            who[level]))
    _figure(charts766.groups_heatmap(r8.units, rv.month))
    if len(rv.ds.covered("index766")) > 1 or len(r8.urgent):
        _figure(charts766.trend(r8.history, r8.province_history, list(r8.urgent["code"]), p["index766_good"],
                                p["index766_urgent"]))
    leaders = doc["commend"]["department"] + doc["commend"]["local"]
    good, urgent = fmt.num(p["index766_good"]), fmt.num(p["index766_urgent"])
    _display(
        f"<h3>{html.escape(_words766('table_urgent', x=urgent, n=fmt.count2(len(doc['urgent']))))}</h3>"
        + table_html(_rows766(doc["urgent"]), INDEX766_COLUMNS)
        + f"<h3>{html.escape(_words766('table_attention', lo=urgent, hi=good, n=fmt.count2(len(doc['attention']))))}</h3>"
        + table_html(_rows766(doc["attention"]), INDEX766_COLUMNS)
        + f"<h3>{html.escape(_words766('table_commend', n=fmt.count2(len(leaders))))}</h3>"
        + table_html(_rows766(leaders), INDEX766_COLUMNS))


def _level_names(rv: Review) -> dict:
    """How the analysis names each level of rule 8: the issuer's departments, and its local units by kind."""
    by_level = labels().get("departments_by_level", {})
    department = by_level.get(rv.config.get("level"), labels()["kinds"]["department"])
    return {"department": department, "local": charts._local_group_name(rv.ds.units["kind"])}


def show_appendix(rv: Review) -> None:
    doc = rv.outcomes.get("index766")
    full = "" if not doc else table_html(
        _rows766(doc["units"]), INDEX766_COLUMNS[:4] + list(charts766.GROUPS) + ["band", "urgent_streak"],
        caption=_words766("table_all", month=fmt.month_label(rv.month)))
    _display(appendix_html(rv.outcomes) + full)
