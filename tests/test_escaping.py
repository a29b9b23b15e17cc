"""Text from the data never runs: escaped in every HTML page, neutralised in the .xlsx.

Script and event-handler payloads are put into unit names and aliases
(units.csv), a dossier's Lý do and Căn cứ, a report's name (Báo cáo) and the
config's texts. Every HTML output is parsed with html.parser: no <script>, no
attribute starting with "on", no javascript: URL -- while the payload is still
there as visible text (escaped, not dropped). In scorecard.xlsx no cell is a
formula and no text starts with = + - @, yet the text is complete.

The fast tests render the letter (narrative.render_html) and the tables
(tables.table_html); the slow ones run the real notebook on the month and export its
HTML, unit pages, office files and the portal's index.
"""

from __future__ import annotations

import copy
import csv
import json
import re
import shutil
import unicodedata
from html.parser import HTMLParser
from pathlib import Path

import openpyxl
import pytest
import yaml

from cchc import narrative, tables
from cchc.sanitize import FORMULA_PREFIXES

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "data"
FIXTURES = Path(__file__).parent / "fixtures"
MONTH = "2023-06"

SCRIPT = "<script>alert(1)</script>"
IMG = "<img src=x onerror=alert(1)>"
SVG = '"><svg/onload=alert(1)>'
LINK = '<a href="javascript:alert(1)">x</a>'
HYPERLINK = '=HYPERLINK("http://x.invalid/?leak","Bấm vào đây")'


class Audit(HTMLParser):
    """What a browser would run in a page, and the text it would show."""

    ACTIVE = {"script", "iframe", "object", "embed", "frame", "frameset", "applet", "base", "form", "meta"}

    def __init__(self, page: str):
        super().__init__(convert_charrefs=True)
        self.tags: list[str] = []
        self.handlers: list[tuple] = []
        self.js_urls: list[tuple] = []
        self.bad_images: list[str] = []
        self.chunks: list[str] = []
        self._skip = 0
        self.feed(page)
        self.close()

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        for name, value in attrs:
            if name.lower().startswith("on"):
                self.handlers.append((tag, name, value))
            if value and re.sub(r"\s", "", value).lower().startswith(("javascript:", "vbscript:")):
                self.js_urls.append((tag, name, value))
        if tag == "img":
            src = dict(attrs).get("src") or ""
            if not src.startswith("data:"):
                self.bad_images.append(src)
        if tag in ("style", "script"):
            self._skip += 1

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        if tag in ("style", "script"):
            self._skip -= 1

    def handle_endtag(self, tag):
        if tag in ("style", "script") and self._skip:
            self._skip -= 1

    def handle_data(self, data):
        if not self._skip:
            self.chunks.append(data)

    @property
    def text(self) -> str:
        return " ".join(" ".join(self.chunks).split())

    @property
    def active(self) -> list[str]:
        return [t for t in self.tags if t in self.ACTIVE]


def assert_inert(page: str, shown: list[str], allow_meta: bool = False) -> Audit:
    """No element or attribute that runs code; each `shown` text is visible as text."""
    audit = Audit(page)
    active = [t for t in audit.active if not (allow_meta and t == "meta")]
    assert active == [], active
    assert audit.handlers == [], audit.handlers
    assert audit.js_urls == [], audit.js_urls
    assert audit.bad_images == [], audit.bad_images
    for text in shown:
        assert " ".join(text.split()) in audit.text, text
    assert "&amp;lt;" not in page  # escaped once, not twice
    return audit


# ----------------------------------------------------------------- the letter and the tables


@pytest.fixture(scope="module")
def evil_outcomes():
    o = json.loads((FIXTURES / "outcomes_2023-06.json").read_text(encoding="utf-8"))
    names = {"XA_TAI_SON": f"Tái Sơn {SCRIPT}", "XA_AN_THANH": f"An Thanh {IMG}", "TP": f"Phòng Tư pháp {SVG}",
             "XA_NGOC_KY": HYPERLINK}

    def walk(node):
        if isinstance(node, dict):
            if node.get("code") in names and "name" in node:
                node["name"] = names[node["code"]]
            if "report" in node and isinstance(node["report"], str):
                node["report"] = f"Báo cáo CCHC {SCRIPT} {IMG}"
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(o)
    o["overdue"][0]["reason"] = f"{SCRIPT} do lỗi phần mềm {LINK}"
    o["overdue"][0]["basis"] = f"@SUM(1) {IMG} Báo cáo số 107/BC-UBND"
    # the letter's excuses come from district.overdue_excuses (the list of dossiers is bounded)
    o["district"]["overdue_excuses"][0].update(reason=o["overdue"][0]["reason"], basis=o["overdue"][0]["basis"])
    return o


@pytest.fixture(scope="module")
def evil_config():
    config = yaml.safe_load((FIXTURES / "config.yml").read_text(encoding="utf-8"))
    config["issuer"] = f"UBND HUYỆN {SCRIPT}"
    config["signer"] = {"title": "CHỦ TỊCH", "name": f"Vũ Thị Hà {IMG}"}
    config["recipients"] = [f"Thủ trưởng {SVG}", "Chủ tịch UBND các xã, thị trấn"]
    config["distribution"] = [f"Lưu: VT, {SCRIPT}"]
    config["proposer"] = f"Văn phòng {IMG}"
    return config


def test_letter_html_is_inert_and_shows_the_text(evil_outcomes, evil_config):
    letter = narrative.build_letter(copy.deepcopy(evil_outcomes), evil_config)
    page = narrative.render_html(letter)
    assert_inert(page, [
        f"Tái Sơn {SCRIPT}",  # a reminded unit
        f"An Thanh {IMG}",  # the unit of the excused dossier
        f"{SCRIPT} do lỗi phần mềm {LINK}",  # the excuse
        f"CCHC {SCRIPT} {IMG}",  # a late report's name (the letter drops its "Báo cáo")
        SVG,  # a commended department
        HYPERLINK,  # a commended commune
        f"Vũ Thị Hà {IMG}",  # the signer (config.yml)
        f"Thủ trưởng {SVG}",  # a recipient (config.yml)
    ])
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_letter_keeps_a_late_reports_name(evil_outcomes, evil_config):
    letter = narrative.build_letter(copy.deepcopy(evil_outcomes), evil_config)
    assert f"CCHC {SCRIPT} {IMG}" in letter.body_text()


def test_data_text_cannot_add_blocks_to_the_letter(evil_outcomes, evil_config):
    """A reason typed on several lines (Alt+Enter in Excel) stays inside its paragraph:
    its lines cannot become headings or list items of the letter's markup."""
    o = copy.deepcopy(evil_outcomes)
    o["overdue"][0]["reason"] = "chậm\n## 9. Mục giả\r\n- dòng giả\u2028+ **đậm giả**"
    o["district"]["overdue_excuses"][0]["reason"] = o["overdue"][0]["reason"]
    letter = narrative.build_letter(o, evil_config)
    normal = narrative.build_letter(copy.deepcopy(evil_outcomes), evil_config)
    assert [b.kind for b in letter.blocks] == [b.kind for b in normal.blocks]
    assert not any("Mục giả" in b.text for b in letter.blocks if b.kind == "heading")
    assert any("chậm ## 9. Mục giả - dòng giả + **đậm giả**" in b.text for b in letter.blocks)


@pytest.mark.parametrize("caption", ["", f"Bảng {SCRIPT}"])
def test_tables_are_inert_and_show_the_text(evil_outcomes, caption):
    rows = evil_outcomes["overdue"] + [{"name": IMG, "reason": SVG, "basis": LINK, "field": HYPERLINK,
                                        "report": SCRIPT, "reasons": [SCRIPT, "overdue"]}]
    columns = ["dossier", "name", "field", "procedure", "deadline", "returned", "excused", "reason", "basis",
               "report", "reasons"]
    page = tables.table_html(rows, columns, caption=caption)
    assert_inert(page, [SCRIPT, IMG, SVG, LINK, HYPERLINK, f"{SCRIPT} do lỗi phần mềm {LINK}"]
                 + ([caption] if caption else []))


def test_tables_escape_quotes_in_text():
    page = tables.table_html([{"name": 'a" onmouseover="alert(1)', "reason": "' onfocus='x"}], ["name", "reason"])
    assert_inert(page, ['a" onmouseover="alert(1)', "' onfocus='x"])


# ----------------------------------------------------------------- one whole report


def _evil_data_dir(root: Path) -> Path:
    """The sample data with payloads in units.csv and in June's workbook."""
    data = root / "data"
    shutil.copytree(DATA, data)
    with open(data / "units.csv", encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    renames = {"XA_TAI_SON": f"Tái Sơn {SCRIPT}", "XA_AN_THANH": f"An Thanh {IMG}", "TP": f"+Phòng Tư pháp {SVG}",
               "XA_NGOC_KY": HYPERLINK, "NV": "-Phòng Nội vụ huyện", "XA_DAI_SON": "@Đại Sơn"}
    extra_aliases = {"XA_TAI_SON": [f"{IMG} bí danh"], "XA_HA_KY": [SCRIPT]}
    for row in rows:
        code = row["code"]
        aliases = [a for a in row["aliases"].split(";") if a]
        if code in renames:
            aliases.append(row["name"])  # the workbooks still write the old name
            row["name"] = renames[code]
        row["aliases"] = ";".join(aliases + extra_aliases.get(code, []))
    with open(data / "units.csv", "w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=["code", "name", "kind", "aliases"])
        writer.writeheader()
        writer.writerows(rows)

    path = data / "raw" / f"{MONTH}.xlsx"
    wb = openpyxl.load_workbook(path)

    def header(ws):
        for r in range(1, 10):
            names = {str(c.value).strip(): c.column for c in ws[r] if isinstance(c.value, str)}
            if "Đơn vị" in names:
                return r, names
        raise AssertionError(ws.title)

    ws = wb["QuaHan"]
    hr, col = header(ws)
    for r in range(hr + 1, ws.max_row + 1):
        unit = unicodedata.normalize("NFC", str(ws.cell(r, col["Đơn vị"]).value or ""))
        if "An Thanh" in unit:
            ws.cell(r, col["Lý do"]).value = f"{SCRIPT} do lỗi phần mềm {LINK}"
            ws.cell(r, col["Căn cứ"]).value = f"@SUM(1) {IMG} Báo cáo số 107/BC-UBND"
        elif "Tái Sơn" in unit:
            ws.cell(r, col["Lý do"]).value = f"-2 ngày {SVG}"
            cell = ws.cell(r, col["Căn cứ"])
            cell.value = HYPERLINK
            cell.data_type = "s"  # text that looks like a formula, as a user may type it after an apostrophe
    ws = wb["BaoCao"]
    hr, col = header(ws)
    changed = 0
    for r in range(hr + 1, ws.max_row + 1):
        if "Tái Sơn" in unicodedata.normalize("NFC", str(ws.cell(r, col["Đơn vị"]).value or "")):
            ws.cell(r, col["Báo cáo"]).value = f"Báo cáo CCHC {SCRIPT} {IMG}"
            changed += 1
    assert changed == 1
    wb.save(path)
    return data


@pytest.fixture(scope="module")
def evil_report(tmp_path_factory):
    """The month's review by the real notebook in a real kernel, its HTML and the portal's
    index, as `cchc report` makes them (the PDF, which only prints that HTML, is left out:
    it adds nothing to what is checked here and costs seconds)."""
    from cchc import load, nbhtml, run

    root = tmp_path_factory.mktemp("escaping")
    data = _evil_data_dir(root)
    assert [str(p) for p in load.validate(data, MONTH) if p.is_error] == []
    out = root / "output"
    folder = out / MONTH
    folder.mkdir(parents=True)
    params = {"month": MONTH, "data_dir": str(data), "output_dir": str(out), "files_dir": str(folder)}
    nb = run.execute_notebook(folder, params)
    nbhtml.notebook_to_html(nb, folder / "report.html", title=run.report_title(MONTH))
    assert run.refresh_index(out) == out / "index.html"
    return out


SHOWN = [f"Tái Sơn {SCRIPT}", f"An Thanh {IMG}", f"{SCRIPT} do lỗi phần mềm {LINK}", SVG, HYPERLINK,
         f"CCHC {SCRIPT} {IMG}"]


@pytest.mark.slow
def test_report_html_is_inert(evil_report):
    page = (evil_report / MONTH / "report.html").read_text(encoding="utf-8")
    audit = assert_inert(page, SHOWN, allow_meta=True)
    assert "script" not in audit.tags


@pytest.mark.slow
def test_unit_pages_and_index_are_inert(evil_report):
    pages = sorted((evil_report / MONTH / "units").glob("*.html")) + [evil_report / "index.html"]
    assert len(pages) > 2
    for path in pages:
        assert_inert(path.read_text(encoding="utf-8"), [], allow_meta=True)
    tai_son = (evil_report / MONTH / "units" / "XA_TAI_SON.html").read_text(encoding="utf-8")
    assert_inert(tai_son, [f"Tái Sơn {SCRIPT}"], allow_meta=True)


@pytest.mark.slow
def test_scorecard_is_neutralised_and_complete(evil_report):
    wb = openpyxl.load_workbook(evil_report / MONTH / "scorecard.xlsx")
    texts = []
    for ws in wb:
        for row in ws.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (ws.title, cell.coordinate, cell.value)
                if isinstance(cell.value, str):
                    assert not cell.value.startswith(FORMULA_PREFIXES), (ws.title, cell.coordinate, cell.value)
                    texts.append(cell.value)
    for original in (HYPERLINK, f"+Phòng Tư pháp {SVG}", "-Phòng Nội vụ huyện", "@Đại Sơn",
                     f"@SUM(1) {IMG} Báo cáo số 107/BC-UBND", f"-2 ngày {SVG}"):
        assert original not in texts
        assert "'" + original in texts, original  # quoted, nothing lost
    assert f"Tái Sơn {SCRIPT}" in texts  # plain text is kept as it is (no HTML escaping in a spreadsheet)


@pytest.mark.slow
def test_json_and_docx_keep_the_text_as_written(evil_report):
    from docx import Document

    outcomes = json.loads((evil_report / MONTH / "outcomes.json").read_text(encoding="utf-8"))
    overdue = {o["code"]: o for o in outcomes["overdue"]}
    assert overdue["XA_AN_THANH"]["reason"] == f"{SCRIPT} do lỗi phần mềm {LINK}"
    assert overdue["XA_TAI_SON"]["basis"] == HYPERLINK
    assert {u["code"]: u["name"] for u in outcomes["units"]}["XA_TAI_SON"] == f"Tái Sơn {SCRIPT}"
    doc = Document(str(evil_report / MONTH / "report.docx"))
    text = "\n".join(p.text for p in doc.paragraphs)
    assert f"Tái Sơn {SCRIPT}" in text and "&lt;" not in text
