"""The draft letter (công văn): from the outcomes dict to a structured `Letter`.

    letter = build_letter(outcomes, config)   # wording: templates/letter_body.md.j2
    html = render_html(letter)                # fragment: templates/letter.html.j2

All the wording lives in ``letter_body.md.j2``. It writes a small line markup,
one block per line, that :func:`parse_markup` turns into a :class:`Letter`:

    @key: value      header field, plain text (see Letter for the keys)
    ## 1. Biểu dương …  heading            -> Block("heading", …), runs bold
    Chủ tịch UBND …   paragraph          -> Block("paragraph", …)
    - 06 cơ quan …    dash item           -> Block("dash", …), "- " kept in the text
    + Có 09 UBND …    plus item           -> Block("plus", …), "+ " kept in the text
    > *[Chưa có …]*   editor's note       -> Block("note", …)

Inline ``*italic*`` and ``**bold**``; ``[CODE|name]`` is a mention of the
unit CODE (the `label` and `names` filters write one around each unit name);
``\\`` escapes the next character. Data text is escaped by the ``md`` filter
so that a "*" in a reason stays a "*" and a "[" a "[".

The HTML, PDF and DOCX renderers all walk the same `Letter`: header fields,
then ``blocks`` in order (their `styled` runs ``(text, bold, italic)``), then
the distribution list and the signature. Every string in a Letter is final,
printed text (NFC), punctuation included: renderers add no words. A block's
`runs` also say which text names which unit (`Run.unit`); the unit pages quote
the letter from them (`Block.units`).
"""

from __future__ import annotations

import copy
import math
import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import NamedTuple

import jinja2

from cchc import fmt
from cchc.config import DEFAULT_LEVEL
from cchc.config import defaults as config_defaults
from cchc.index766 import GROUPS
from cchc.indicators import round2
from cchc.months import parse_month, prev_month
from cchc.paths import TEMPLATES_DIR
from cchc.tables import labels
from cchc.text import lower_first, nfc, starts_lower

BLOCK_KINDS = ("heading", "paragraph", "dash", "plus", "note")


# ============================================================== the Letter


class Run(NamedTuple):
    """A piece of text with one style. Unpacks as ``text, bold, italic, unit``.

    unit: the registry code of the unit this text names (a mention the
    template wrote), None for any other text.
    """

    text: str
    bold: bool = False
    italic: bool = False
    unit: str | None = None


@dataclass
class Block:
    """One block of the body.

    kind: "heading" (a section title; its runs are bold), "paragraph",
    "dash" (text starts with "- "), "plus" (text starts with "+ "), "note"
    (an editor's note of the draft, in italics: a section left out for want
    of data, and the file that would bring it).
    All are printed as justified paragraphs with a first-line indent.
    """

    kind: str
    runs: list[Run]

    @property
    def text(self) -> str:
        return "".join(r.text for r in self.runs)

    @property
    def units(self) -> tuple[str, ...]:
        """The codes of the units the block names, in order of first mention."""
        return tuple(dict.fromkeys(r.unit for r in self.runs if r.unit is not None))

    @property
    def styled(self) -> list[Run]:
        """The runs as printed: neighbours of the same style joined (mentions are not a style)."""
        out: list[Run] = []
        for r in self.runs:
            if out and (out[-1].bold, out[-1].italic) == (r.bold, r.italic):
                out[-1] = Run(out[-1].text + r.text, r.bold, r.italic)
            else:
                out.append(Run(r.text, r.bold, r.italic))
        return out


@dataclass
class Letter:
    """The letter as printed (Decree 30/2020/NĐ-CP layout), every string final.

    issuer              issuing body, one string per printed line (caps, bold)
    motto               ["CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc"]
    number              "Số:      /UBND-NV" (blank number: keep the spaces, e.g. white-space: pre)
    place_date          "Tứ Kỳ, ngày      tháng 7 năm 2023" (italic; blank day, same)
    subject             "V/v …" as printed lines (breaks chosen by the template),
                        centred under the number, 12–13pt
    recipients_label    "Kính gửi:"
    recipients          printed lines: "- Thủ trưởng …;" … "- Chủ tịch ….". A single
                        recipient is one line without the dash ("X."), to be
                        printed on the label's line
    blocks              the body (Block list), opening paragraph to closing sentence
    distribution_label  "Nơi nhận:" (bold italic 12pt)
    distribution        printed lines, "- Như trên;" … "- Lưu: VT, NV." (11pt)
    signer_title        lines of the signer's title (caps, bold), e.g. ["CHỦ TỊCH"]
    signer_name         e.g. "Vũ Thị Hà" (bold)
    month               the reported month, "YYYY-MM"
    """

    issuer: list[str] = field(default_factory=list)
    motto: list[str] = field(default_factory=list)
    number: str = ""
    place_date: str = ""
    subject: list[str] = field(default_factory=list)
    recipients_label: str = ""
    recipients: list[str] = field(default_factory=list)
    blocks: list[Block] = field(default_factory=list)
    distribution_label: str = ""
    distribution: list[str] = field(default_factory=list)
    signer_title: list[str] = field(default_factory=list)
    signer_name: str = ""
    month: str = ""

    def body_text(self) -> str:
        """The body, one block per line, as plain text (markup removed)."""
        return "\n".join(b.text for b in self.blocks)

    def text(self) -> str:
        """The whole letter as plain text, in reading order."""
        parts = [
            *self.issuer,
            *self.motto,
            self.number,
            *self.subject,
            self.place_date,
            self.recipients_label,
            *self.recipients,
            self.body_text(),
            self.distribution_label,
            *self.distribution,
            *self.signer_title,
            self.signer_name,
        ]
        return "\n".join(p for p in parts if p)


# ============================================================== the markup


#: Characters with a meaning in the inline markup: escaped with "\\" in data text.
_SPECIAL = ("\\", "*", "[", "]", "|")


def _escape(s: str) -> str:
    for c in _SPECIAL:
        s = s.replace(c, "\\" + c)
    return s


def md_escape(value) -> str:
    """Escape data text for the markup: "*", "[", "]", "|" and "\\" literal; one line only."""
    s = _escape(_one_line(str(value)))
    if s[:1] in ("-", "+", "#", "@"):
        s = "\\" + s
    return s


def mention(code, text: str) -> str:
    """The markup of `text` (data, escaped here) naming the unit `code`: "[CODE|text]"."""
    return f"[{_escape(str(code))}|{md_escape(text)}]"


def parse_inline(text: str, bold: bool = False) -> list[Run]:
    """Split "a *b* **c** [X|d] \\*" into runs; unbalanced markers close at the end.

    "[CODE|…]" marks its text as naming the unit CODE (`Run.unit`); a "[" with
    no "|" after it is text.
    """
    runs: list[Run] = []
    buf: list[str] = []
    b, it, unit = bold, False, None

    def flush():
        if buf:
            t = "".join(buf)
            if runs and (runs[-1].bold, runs[-1].italic, runs[-1].unit) == (b, it, unit):
                runs[-1] = Run(runs[-1].text + t, b, it, unit)
            else:
                runs.append(Run(t, b, it, unit))
            buf.clear()

    def code_at(i: int) -> tuple[str, int] | None:
        """The unit code of a mention opening at text[i] ("[") and where its text starts."""
        code, j = [], i + 1
        while j < n:
            if text[j] == "\\" and j + 1 < n:
                code.append(text[j + 1])
                j += 2
            elif text[j] == "|":
                return "".join(code), j + 1
            elif text[j] in "[]":
                return None
            else:
                code.append(text[j])
                j += 1
        return None

    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if c == "\\" and i + 1 < n:
            buf.append(text[i + 1])
            i += 2
        elif text.startswith("**", i):
            flush()
            b = not b if not bold else True
            i += 2
        elif c == "*":
            flush()
            it = not it
            i += 1
        elif c == "[" and unit is None and (opened := code_at(i)) is not None:
            flush()
            unit, i = opened
        elif c == "]" and unit is not None:
            flush()
            unit = None
            i += 1
        else:
            buf.append(c)
            i += 1
    flush()
    return runs


_HEADER_KEYS = {
    "issuer": "issuer",
    "motto": "motto",
    "number": "number",
    "place_date": "place_date",
    "subject": "subject",
    "recipients_label": "recipients_label",
    "recipient": "recipients",
    "distribution_label": "distribution_label",
    "distribution": "distribution",
    "signer_title": "signer_title",
    "signer_name": "signer_name",
}
_HEADER_RE = re.compile(r"^@([a-z_]+):[ ]?(.*)$")


def parse_markup(text: str, month: str = "") -> Letter:
    """The template's output -> Letter. Every non-blank line is one block."""
    letter = Letter(month=month)
    for raw in text.splitlines():
        line = raw.rstrip()
        if not line.strip():
            continue
        m = _HEADER_RE.match(line)
        if m:
            key, value = m.group(1), m.group(2)
            if key not in _HEADER_KEYS:
                raise ValueError(f"unknown header field in the letter template: @{key}")
            attr = _HEADER_KEYS[key]
            if isinstance(getattr(letter, attr), list):
                getattr(letter, attr).append(value)
            else:
                setattr(letter, attr, value)
            continue
        line = line.strip()
        if line.startswith("## "):
            letter.blocks.append(Block("heading", parse_inline(line[3:].strip(), bold=True)))
        elif line.startswith("- "):
            letter.blocks.append(Block("dash", parse_inline(line)))
        elif line.startswith("+ "):
            letter.blocks.append(Block("plus", parse_inline(line)))
        elif line.startswith("> "):
            letter.blocks.append(Block("note", parse_inline(line[2:].strip())))
        else:
            letter.blocks.append(Block("paragraph", parse_inline(line)))
    return letter


_NO_SPACE_BEFORE = (",", ";", ".", ":", ")", "*)")
_NO_SPACE_AFTER = ("(", "(*")


def join_line(text: str) -> str:
    """The `line` filter: a block's pieces (one per template line) -> one line.

    Pieces are joined with one space, none before , ; . : ) or "*)" and none
    after "(" or "(*"; runs of spaces become one; the block is put on a line
    of its own.
    """
    out = ""
    for piece in text.splitlines():
        piece = piece.strip()
        if not piece:
            continue
        if not out or piece.startswith(_NO_SPACE_BEFORE) or out.endswith(_NO_SPACE_AFTER):
            out += piece
        else:
            out += " " + piece
    return "\n" + re.sub(r" {2,}", " ", out) + "\n"


# ============================================================== context


def _one_line(s: str) -> str:
    return re.sub(r"[\r\n\t\v\f\u2028\u2029]+", " ", s)


def _clean(obj):
    """Deep copy with every string NFC and on one line; NaN -> None."""
    if isinstance(obj, str):
        return _one_line(nfc(obj)).strip()
    if isinstance(obj, float) and math.isnan(obj):
        return None
    if isinstance(obj, dict):
        return {k: _clean(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_clean(v) for v in obj]
    if hasattr(obj, "item") and not isinstance(obj, (bytes, bytearray)):  # numpy scalars
        try:
            return _clean(obj.item())
        except (TypeError, ValueError):
            return obj
    return obj


def _rate(x):
    return None if fmt.is_missing(x) else float(x)


def _lines(value) -> list[str]:
    if value is None:
        return []
    if isinstance(value, (list, tuple)):
        out = []
        for v in value:
            out.extend(_lines(v))
        return out
    return [nfc(s).strip() for s in str(value).splitlines() if s.strip()]


def _list_items(value) -> list[str]:
    """Config list entries without their printed "- " and final ";"/"."."""
    out = []
    for v in value or []:
        s = _clean(str(v))
        s = re.sub(r"^[-–+•]\s*", "", s)
        s = re.sub(r"[;.,]+$", "", s).strip()
        if s:
            out.append(s)
    return out


class Obj(dict):
    """A dict whose keys read as attributes in the template (missing -> None)."""

    def __getattr__(self, key):
        try:
            return self[key]
        except KeyError:
            return None


def _full(rate) -> bool:
    return rate is not None and round2(rate) == 100


def _index766(doc: dict | None, params: dict) -> Obj | None:
    """Rule 8 as outcomes computed it (None: no 766 export this month); each unit with its weakest group's words."""
    if not doc:
        return None
    words = labels()["index766"]["groups"]

    def unit(u: dict) -> Obj:
        w = u["weakest"]
        return Obj(u, weakest_label=words[w], weakest_score=u["groups"][w], weakest_max=GROUPS[w])

    levels = {u["level"] for u in doc["units"]}
    return Obj(
        province=Obj(doc["province"]) if doc["province"] else None,
        averages=Obj(doc["averages"]),
        has_departments="department" in levels,
        has_locals="local" in levels,
        commend_departments=[unit(u) for u in doc["commend"]["department"]],
        commend_locals=[unit(u) for u in doc["commend"]["local"]],
        urgent=[unit(u) for u in doc["urgent"]],
        attention=[unit(u) for u in doc["attention"]],
        good=params["index766_good"],
        urgent_below=params["index766_urgent"],
    )


def _context(outcomes: dict, config: dict) -> Obj:
    """What the template reads: the outcomes as computed (nothing recomputed here) and config.yml's wording."""
    o = _clean(copy.deepcopy(outcomes))
    level = _clean((config or {}).get("level") or DEFAULT_LEVEL)
    cfg = {**config_defaults(level), **{k: v for k, v in (config or {}).items() if v is not None}}
    month = o["month"]
    nxt = o["next_month"]
    ny, nm = parse_month(nxt)
    params = o["parameters"]
    rules = o["outcomes"]
    units = o["units"]

    # ---- district figures and overdue dossiers of the month
    dist = o["district"]
    district = Obj(
        reception_rate=_rate(dist.get("reception_rate")),
        reception_rate_change=_rate(dist.get("reception_rate_change")),
        result_rate=_rate(dist.get("result_rate")),
        result_rate_change=_rate(dist.get("result_rate_change")),
    )
    excused, bases = [], []
    # every excused dossier's unit and reason: outcomes' overdue_excuses (the list of dossiers is bounded)
    for dz in dist["overdue_excuses"]:
        if dz.get("reason"):
            e = Obj(unit=Obj(code=dz["code"], name=dz["name"], kind=dz["kind"]), reason=dz["reason"])
            if e not in excused:
                excused.append(e)
        if dz.get("basis") and dz["basis"] not in bases:
            bases.append(dz["basis"])

    # ---- commendations
    deps = []
    for u in map(Obj, rules["commend_departments"]):
        r, rd = u.get("received") or 0, u.get("received_digitized") or 0
        s, sd = u.get("resolved") or 0, u.get("resolved_digitized") or 0
        u["same_counts"] = bool(r) and r == s == rd == sd
        deps.append(u)
    locs = []
    for u in map(Obj, rules["commend_local_digitization"]):
        u["reception_rate"], u["result_rate"] = _rate(u.get("reception_rate")), _rate(u.get("result_rate"))
        defined = [x for x in (u["reception_rate"], u["result_rate"]) if x is not None]
        u["all_full"] = bool(defined) and all(_full(x) for x in defined)
        locs.append(u)
    pays = [Obj(u) for u in rules["commend_local_payment"]]

    # ---- criticism: figures, average and gap as outcomes computed them
    crit = []
    for u in map(Obj, rules["criticize"]):
        u["reception_rate"] = _rate(u.get("reception_rate"))
        u["reception_rate_change"] = _rate(u.get("reception_rate_change"))
        u["gap"] = _rate(u.get("gap"))
        crit.append(u)

    # ---- reminders, grouped by reminder number (highest first)
    groups: dict[int, Obj] = {}
    for u in map(Obj, rules["remind"]):
        # over every dossier of the unit (outcomes lists only the longest overdue)
        u["overdue_by_field"] = [Obj(field=g["field"], count=g["count"], units=[]) for g in u["overdue_by_field"]]
        u["overdue_fields_more"] = Obj(u.get("overdue_fields_more") or {"fields": 0, "count": 0})
        reports = [Obj(r) for r in u["reports"]]  # the problem reports, flagged by outcomes
        u["reports_missing"] = [r for r in reports if r["missing"]]
        u["reports_poor"] = [r for r in reports if r["late"] or r["incomplete"]]
        count = int(u["count"])
        groups.setdefault(count, Obj(count=count, units=[]))["units"].append(u)
    remind_groups = [groups[k] for k in sorted(groups, reverse=True)]

    # ---- online payment over the window's months with payment figures
    window = rules["payment_window"]
    months = window["months"] or [window["start"], window["end"]]
    payment = Obj(
        target=params["payment_target"],
        start_date=fmt.date_vn(fmt.first_day(months[0])),
        end_date=fmt.date_vn(fmt.last_day(months[-1])),
        meets=[Obj(u) for u in rules["payment_meets"]],
        below=[Obj(u) for u in rules["payment_below"]],
        very_low=[Obj(u) for u in rules["payment_very_low"]],
        not_implemented=[Obj(u) for u in rules["payment_not_implemented"]],
    )

    signer = cfg.get("signer") or {}
    return Obj(
        month=month,
        month_label=fmt.month_label(month),
        prev_label=fmt.month_label(prev_month(month)),
        next_label=fmt.month_label(nxt),
        next_month_number=nm,
        next_month_year=ny,
        next_first_day=fmt.date_vn(fmt.first_day(nxt)),
        reported_december=parse_month(month)[1] == 12,
        level=level,
        place=_clean(cfg.get("place") or ""),
        document_code=_clean(cfg.get("document_code") or ""),
        issuer_lines=_lines(cfg.get("issuer_lines")) or _lines(cfg.get("issuer")),
        # config text printed in the body, escaped for the markup like data
        proposer=md_escape(_clean(cfg["proposer"])),
        superior=md_escape(_clean(cfg["superior"])),
        overdue_system=md_escape(_clean(cfg.get("overdue_system") or "")),
        payment_portal=md_escape(_clean(cfg["payment_portal"])),
        payment_officer=md_escape(_clean(cfg.get("payment_officer") or "")),
        one_stop_officers=_list_items(cfg.get("one_stop_officers")),
        recipients=_list_items(cfg.get("recipients")),
        distribution=_list_items(cfg.get("distribution")),
        signer_title_lines=_lines(signer.get("title")),
        signer_name=_clean(signer.get("name") or ""),
        # the kinds of unit the registry holds: whom the letter addresses
        local_kinds=fmt.kinds_phrase(units),
        has_departments=any(u["kind"] == "department" for u in units),
        district=district,
        overdue_total=None if dist["overdue_total"] is None else int(dist["overdue_total"]),
        # the letter's own figures no file brought this month (no note for the 766 index:
        # its section is there only when an export is)
        missing=[Obj(what=[labels()["figures"][f] for f in m["figures"]], files=m["files"])
                 for m in o["missing"] if m["figures"] != ["index766"]],
        overdue_by_field=([Obj(field=g["field"], count=g["count"], units=[Obj(x) for x in g["units"]],
                               units_total=g.get("units_total"))
                           for g in dist["overdue_by_field"]]),
        overdue_fields_more=Obj(dist.get("overdue_fields_more") or {"fields": 0, "count": 0}),
        excused=excused,
        bases=bases,
        has_commend=bool(deps or locs or pays),
        commend_departments=deps,
        commend_local_digitization=locs,
        commend_local_payment=pays,
        criticize=crit,
        remind_groups=remind_groups,
        payment=payment,
        index766=_index766(o.get("index766"), params),
    )


# ============================================================== Jinja


def _drop_prefix(value, prefix: str) -> str:
    s = str(value).strip()
    if s.casefold().startswith(prefix.casefold()):
        s = s[len(prefix):].strip()
    return s


def _named(u) -> str:
    """A unit's name in the markup: a mention of the unit (its code), the name escaped."""
    return mention(u["code"], fmt.unit_name(u))


def _env(autoescape: bool) -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(TEMPLATES_DIR)),
        autoescape=autoescape,
        trim_blocks=False,  # a tag's line leaves a blank line: ignored by the parser
        lstrip_blocks=True,
        keep_trailing_newline=True,
        undefined=jinja2.StrictUndefined,
        extensions=["jinja2.ext.do"],
    )


@lru_cache(maxsize=1)
def _markup_env() -> jinja2.Environment:
    """The letter body's environment: its output is the line markup, not HTML.

    `label` (one unit) and `names` (a grouped list) write each unit's name as a
    mention of the unit, already escaped: they are not followed by `md`.
    """
    env = _env(autoescape=False)
    env.filters.update(
        md=md_escape,
        line=join_line,
        label=lambda u: fmt.unit_label(u, name=_named),
        names=lambda units: fmt.group_names(units, name=_named),
        kinds=fmt.kinds_phrase,
        change=fmt.signed_change,
        direction=fmt.direction,
        join_vn=lambda items, sep=", ": fmt.join_vn(items, sep=sep),
        drop_prefix=_drop_prefix,
        starts_lower=starts_lower,
        lower_first=lower_first,
    )
    env.globals.update(pct=fmt.pct, num=fmt.num, count2=fmt.count2, KIND_WORD=fmt.KIND_WORD)
    return env


@lru_cache(maxsize=1)
def _html_env() -> jinja2.Environment:
    return _env(autoescape=True)


def render_markup(outcomes: dict, config: dict) -> str:
    """The template's raw output (the line markup), for debugging and tests."""
    ctx = _context(outcomes, config)
    return _markup_env().get_template("letter_body.md.j2").render(ctx=ctx)


def build_letter(outcomes: dict, config: dict) -> Letter:
    """The draft letter of the month from the outcomes dict and config.yml."""
    return parse_markup(render_markup(outcomes, config), month=outcomes["month"])


def render_html(letter: Letter, css: bool = False) -> str:
    """The letter as an HTML fragment (<div class="cchc-letter">…</div>).

    Styled by the classes of report.css / print.css; with css=True the
    fragment carries report.css in a <style> (for a live notebook). All text
    is HTML-escaped.
    """
    style = (TEMPLATES_DIR / "report.css").read_text(encoding="utf-8") if css else ""
    return _html_env().get_template("letter.html.j2").render(letter=letter, style=style)
