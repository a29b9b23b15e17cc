"""The executed notebook as a self-contained HTML report, and HTML as PDF.

    notebook_to_html("output/2023-06/monthly_report.ipynb", "output/2023-06/report.html")
    html_to_pdf("output/2023-06/report.html", "output/2023-06/report.pdf")

The HTML opens anywhere, offline: no input code, no prompts, no scripts, no
external stylesheet, font or image (report.css and print.css inlined, images as
data: URIs). Cells tagged ``letter`` come first, then a page break, then the
analysis. Cells tagged ``remove`` / ``remove-cell`` are left out, and the
outputs of cells tagged ``remove-output`` too.

The PDF is A4 portrait (print.css: margins 20/20/20/30 mm, page number centred
in the top margin from page 2), set in the vendored Liberation Serif, which
WeasyPrint embeds (the HTML asks for "Times New Roman"; an extra user
stylesheet sets the letter in "Liberation Serif" from lib/cchc/fonts). Only file: and data:
URLs are fetched. nbconvert and WeasyPrint are imported lazily, on first use or
by `prepare()`, which a run calls while the kernel works; the exporter and the
PDF's fonts and stylesheets are then set up once a process.
"""

from __future__ import annotations

import atexit
import copy
import functools
import html as _html
import re
from dataclasses import dataclass
from pathlib import Path

PACKAGE = Path(__file__).parent
TEMPLATES = PACKAGE / "templates"
NBCONVERT_TEMPLATES = TEMPLATES / "nbconvert"
FONTS = PACKAGE / "fonts"
REPORT_CSS = TEMPLATES / "report.css"
PRINT_CSS = TEMPLATES / "print.css"

LETTER_TAG = "letter"
APPENDIX_TAG = "appendix"
APPENDIX_START, APPENDIX_END = "<!--cchc-appendix-->", "<!--/cchc-appendix-->"
REMOVE_CELL_TAGS = {"remove", "remove-cell", "remove_cell"}
REMOVE_OUTPUT_TAGS = {"remove-output", "remove_output"}
FONT_FAMILIES = ("Liberation Serif",)
FONT_FILES = {  # (weight, style) -> file
    ("normal", "normal"): "LiberationSerif-Regular.ttf",
    ("bold", "normal"): "LiberationSerif-Bold.ttf",
    ("normal", "italic"): "LiberationSerif-Italic.ttf",
    ("bold", "italic"): "LiberationSerif-BoldItalic.ttf",
}
# PNG before SVG: a chart that comes in both is embedded as PNG, which WeasyPrint
# places at once (`cchc.pdfimages`), while drawing a matplotlib SVG costs about
# a second a chart.
DATA_PRIORITY = [
    "text/html",
    "image/png",
    "image/jpeg",
    "image/svg+xml",
    "text/markdown",
    "text/latex",
    "text/plain",
]


def report_css() -> str:
    """report.css then print.css: the styles inlined into every HTML page."""
    return REPORT_CSS.read_text(encoding="utf-8") + "\n" + PRINT_CSS.read_text(encoding="utf-8")


def html_page(body_html: str, title: str = "") -> str:
    """Wrap an HTML fragment (e.g. narrative.render_html) as a standalone page."""
    return (
        '<!DOCTYPE html>\n<html lang="vi">\n<head>\n<meta charset="utf-8">\n'
        f"<title>{_html.escape(title)}</title>\n<style>\n{report_css()}\n</style>\n</head>\n"
        f"<body>\n{body_html}\n</body>\n</html>\n"
    )


# ============================================================== notebook -> HTML


def _tags(cell) -> set[str]:
    return set(cell.get("metadata", {}).get("tags", []) or [])


def _arrange(nb):
    """Letter cells first (stable order), removed cells dropped, markers set."""
    letter, rest = [], []
    for cell in nb.cells:
        tags = _tags(cell)
        if tags & REMOVE_CELL_TAGS:
            continue
        if tags & REMOVE_OUTPUT_TAGS and cell.get("cell_type") == "code":
            cell["outputs"] = []
        cell.setdefault("metadata", {})["cchc"] = {"letter": LETTER_TAG in tags, "appendix": APPENDIX_TAG in tags}
        (letter if LETTER_TAG in tags else rest).append(cell)
    visible = [c for c in rest if c.get("cell_type") != "code" or c.get("outputs")]
    if visible:
        visible[0]["metadata"]["cchc"].update(first_analysis=True, after_letter=bool(letter))
    nb.cells = letter + rest
    return nb


_SCRIPT_RE = re.compile(r"<script\b[^>]*>.*?</script\s*>", re.IGNORECASE | re.DOTALL)
_LINK_RE = re.compile(r"<link\b[^>]*>", re.IGNORECASE)


def _offline(page: str) -> str:
    """Drop any <script> or <link> an output may carry: the report runs no code."""
    return _LINK_RE.sub("", _SCRIPT_RE.sub("", page))


def _exporter_class():
    """nbconvert's HTMLExporter without the pass it makes at the end over the
    whole page with BeautifulSoup (0.2–0.3 s a report): that pass gives an alt
    text to images without one and a tabindex to JupyterLab's output classes;
    our template writes alt="" on every image and has no such classes."""
    from nbconvert import HTMLExporter
    from nbconvert.exporters.templateexporter import TemplateExporter
    from nbconvert.filters.highlight import Highlight2HTML
    from nbconvert.filters.widgetsdatatypefilter import WidgetsDataTypeFilter

    class ReportExporter(HTMLExporter):
        def from_notebook_node(self, nb, resources=None, **kw):
            # HTMLExporter.from_notebook_node up to its BeautifulSoup pass
            resources = self._init_resources(resources)
            self.register_filter("highlight_code", self.filters.get("highlight_code", Highlight2HTML(parent=self)))
            self.register_filter("filter_data_type", WidgetsDataTypeFilter(
                notebook_metadata=self._nb_metadata, parent=self, resources=resources))
            return TemplateExporter.from_notebook_node(self, nb, resources, **kw)

    return ReportExporter


@functools.lru_cache(maxsize=1)
def _html_exporter():
    """The report's nbconvert exporter (our template), made once a process."""
    from traitlets.config import Config

    config = Config()  # the data-type filter reads NbConvertBase's priority, not the exporter's
    config.NbConvertBase.display_data_priority = DATA_PRIORITY
    return _exporter_class()(
        config=config,
        template_name="cchc",
        extra_template_basedirs=[str(NBCONVERT_TEMPLATES)],
        exclude_input=True,
        exclude_input_prompt=True,
        exclude_output_prompt=True,
        embed_images=True,
        anchor_link_text="",
        exclude_anchor_links=True,  # no "¶" links on headings (and no <a /> to mend)
    )


def notebook_to_html(nb, out_path=None, title: str | None = None) -> str:
    """Export an executed notebook (path or nbformat node) as the HTML report.

    Returns the HTML text; writes it to out_path (UTF-8) when given. The node
    passed in is not modified.
    """
    import nbformat

    if isinstance(nb, (str, Path)):
        path = Path(nb)
        node = nbformat.read(str(path), as_version=4)
        name = path.stem
    else:
        node = copy.deepcopy(nb)
        name = "report"
    node = _arrange(node)
    resources = {
        "metadata": {"name": name},
        "cchc_css": report_css(),
        "cchc_title": title or node.get("metadata", {}).get("title") or name,
    }
    page, _ = _html_exporter().from_notebook_node(node, resources=resources)
    page = _offline(page)
    if out_path is not None:
        Path(out_path).write_text(page, encoding="utf-8")
    return page


_PNG_1X1 = ("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAIAAACQd1PeAAAADElEQVR4nGP4z8AAAAMBAQDJ/pLvAAAAAElFTkSuQmCC")


def prepare() -> None:
    """Import nbconvert and WeasyPrint and set both up, ahead of the first export.

    Exports an empty notebook (nbconvert loads and compiles its templates) and
    lays out a one-line page (WeasyPrint loads the fonts). A run calls it in a
    thread while the kernel executes the notebook (`cchc.run`).
    """
    from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

    shown = {"text/html": "<p>Ắ</p>", "image/png": _PNG_1X1, "text/plain": ""}
    notebook_to_html(new_notebook(cells=[  # a markdown cell and an output: their filters load too
        new_markdown_cell("## Ắ"), new_code_cell("", outputs=[new_output("display_data", data=shown)])]))
    _layout('<p class="cchc-letter">Ắ</p>')


# ============================================================== HTML -> PDF


def font_face_css() -> str:
    """The PDF's font stylesheet (user origin): the vendored Liberation Serif.

    @font-face rules map "Liberation Serif" to the files in lib/cchc/fonts, and
    a user-!important rule sets the letter and the page number in it, so that
    the PDF is the same on every machine (a real Times New Roman, where
    installed, is not used; the PDF names the font Liberation-Serif).
    """
    rules = []
    for family in FONT_FAMILIES:
        for (weight, style), filename in FONT_FILES.items():
            rules.append(
                f'@font-face {{ font-family: "{family}"; font-weight: {weight}; '
                f'font-style: {style}; src: url("{(FONTS / filename).as_uri()}"); }}'
            )
    stack = '"Liberation Serif", serif !important'
    rules.append(f".cchc-letter, .cchc-letter * {{ font-family: {stack}; }}")
    rules.append(f"@page {{ @top-center {{ font-family: {stack}; }} }}")
    return "\n".join(rules) + "\n"


def _looks_like_html(value: str) -> bool:
    return "<" in value[:2000]


# ---- long tables in the PDF: fixed layout, column widths computed here
#
# WeasyPrint's automatic table layout measures every cell twice (its narrowest
# and widest content) before it lays the table out: at 170 units the analysis
# tables are most of the PDF's time. With `table-layout: fixed` and the widths
# given in a <colgroup>, it only lays the cells out. The widths follow the
# automatic layout's rule on widths estimated from the texts (print.css sets
# the tables at 7.5 pt), so the tables look as before. Only the PDF gets
# this; report.html is untouched.

FIXED_LAYOUT_MIN_ROWS = 12  # shorter tables keep the automatic layout (cheap enough)
_TEXT_WIDTH_PT = 160 / 25.4 * 72  # A4 minus the 30 + 20 mm margins of print.css
_CHAR_PT = 4.1  # mean advance of a character at 7.5 pt (Liberation Sans / DejaVu Sans)
_CELL_PAD_PT = 6.5  # 2 × 2.5 pt padding + borders
_KEEP_ON_ONE_LINE = 18  # texts up to this long (a unit's name) do not wrap when the page allows
_LONG_TABLE = re.compile(
    r'<table class="cchc-table">(?P<cap><caption>.*?</caption>)?'
    r"<thead><tr>(?P<head>.*?)</tr></thead><tbody>(?P<body>.*?)</tbody></table>",
    re.S,
)
_CELL_RE = re.compile(r'<t[dh] class="(?P<cls>[\w -]*)"[^>]*>(?P<text>.*?)</t[dh]>', re.S)
_TAG_RE = re.compile(r"<[^>]+>")


def _cell_texts(row_html: str) -> list[tuple[str, str]]:
    return [(m["cls"], _html.unescape(_TAG_RE.sub("", m["text"]))) for m in _CELL_RE.finditer(row_html)]


def _column_widths(head: list[tuple[str, str]], rows: list[list[tuple[str, str]]]) -> list[float] | None:
    """Widths in pt of the columns of a table, or None to leave it to WeasyPrint.

    The automatic layout of CSS 2.1, on estimated text widths: each column has
    a narrowest width (its longest word, or its whole text up to
    _KEEP_ON_ONE_LINE characters; a number never wraps) and a widest
    (its longest text on one line); the table takes the widest widths when
    they fit the page, else each column gets its narrowest width plus a share
    of the room left in proportion to what it would like more.
    """
    n = len(head)
    numeric = [cls.split()[0] == "num" if cls else False for cls, _ in head]
    narrow = [max((len(w) for w in text.split()), default=1) for _, text in head]
    wide = [len(text) for _, text in head]
    for row in rows:
        if len(row) != n:
            return None  # a colspan or an unexpected shape
        for i, (_, text) in enumerate(row):
            wide[i] = max(wide[i], len(text))
            fit = len(text) if numeric[i] else max(min(len(text), _KEEP_ON_ONE_LINE),
                                                    max((len(w) for w in text.split()), default=0))
            narrow[i] = max(narrow[i], fit)
    lo = [w * _CHAR_PT + _CELL_PAD_PT for w in narrow]
    hi = [max(w, m) * _CHAR_PT + _CELL_PAD_PT for w, m in zip(wide, narrow)]
    if sum(hi) <= _TEXT_WIDTH_PT:
        return hi
    if sum(lo) >= _TEXT_WIDTH_PT:
        return [w * _TEXT_WIDTH_PT / sum(lo) for w in lo]
    share = (_TEXT_WIDTH_PT - sum(lo)) / (sum(hi) - sum(lo))
    return [a + (b - a) * share for a, b in zip(lo, hi)]


def _fixed_table(match: re.Match) -> str:
    body = match["body"]
    if body.count("<tr>") < FIXED_LAYOUT_MIN_ROWS:
        return match[0]
    head = _cell_texts(match["head"])
    rows = [_cell_texts(r) for r in body.split("<tr>")[1:]]
    widths = _column_widths(head, rows) if head else None
    if not widths:
        return match[0]
    total = sum(widths)
    cols = "".join(f'<col style="width:{w / total * 100:.3f}%">' for w in widths)
    return (f'<table class="cchc-table" style="table-layout:fixed;width:{total:.1f}pt">{match["cap"] or ""}'
            f'<colgroup>{cols}</colgroup><thead><tr>{match["head"]}</tr></thead><tbody>{body}</tbody></table>')


def pdf_tables(page: str) -> str:
    """The HTML with its long analysis tables in fixed layout (see above)."""
    return _LONG_TABLE.sub(_fixed_table, page)


@functools.lru_cache(maxsize=1)
def _pdf_setup():
    """WeasyPrint's URL fetcher (file: and data: only), font configuration and
    the two user stylesheets, made once a process."""
    from weasyprint import CSS
    from weasyprint.text.fonts import FontConfiguration
    from weasyprint.urls import URLFetcher

    from cchc import pdfimages

    pdfimages.install()  # the charts' palette PNGs go into the PDF as they are
    atexit.register(release)  # while the modules WeasyPrint's clean-up needs are still there
    fetcher = URLFetcher(allowed_protocols={"file", "data"})
    fonts = FontConfiguration()
    stylesheets = (
        CSS(string=font_face_css(), font_config=fonts, url_fetcher=fetcher),
        CSS(string=PRINT_CSS.read_text(encoding="utf-8"), font_config=fonts, url_fetcher=fetcher),
    )
    return fetcher, fonts, stylesheets


def release() -> None:
    """Forget the exporter and the PDF set-up; WeasyPrint then removes the
    temporary folder of its font configuration."""
    _html_exporter.cache_clear()
    _pdf_setup.cache_clear()
    import gc

    gc.collect()


def _pdf_options() -> dict:
    _, fonts, stylesheets = _pdf_setup()
    return {"stylesheets": list(stylesheets), "font_config": fonts}


def _layout(page: str, base_url: str | None = None):
    """The WeasyPrint Document of an HTML page, laid out with the report's set-up."""
    from weasyprint import HTML

    fetcher, _, _ = _pdf_setup()
    document = HTML(string=pdf_tables(page), base_url=base_url or str(PACKAGE), url_fetcher=fetcher)
    return document.render(**_pdf_options())


# ---- the appendix: an annex of its own in the PDF
#
# The cell tagged "appendix" (the full table of every unit) is printed as an
# annex: it starts on a page of its own and its pages are numbered on their own,
# as Decree 30 numbers each phụ lục. Its layout depends on nothing else in the
# report, so a run lays it out while the kernel is still executing the notebook
# (`prepare_appendix`, from the HTML the appendix cell shows); `html_to_pdf`
# uses that layout only when the report's appendix is that HTML to the
# character, and lays the appendix out itself otherwise.

_BODY_RE = re.compile(r"<body\b")


def split_appendix(page: str) -> tuple[str, str | None]:
    """(the page without its appendix, the appendix's markup), or (page, None)."""
    start = page.find(APPENDIX_START)
    end = page.find(APPENDIX_END, start + 1) if start >= 0 else -1
    if end < 0:
        return page, None
    return page[:start] + page[end + len(APPENDIX_END):], page[start + len(APPENDIX_START):end]


def appendix_page(page: str, region: str) -> str:
    """The appendix as a page of its own, with the report's head (title, styles)."""
    head = page[:_BODY_RE.search(page).start()]
    return f'{head}<body class="cchc-report">\n<div class="cchc-analysis">{region}\n</div>\n</body>\n</html>\n'


@dataclass(frozen=True)
class Appendix:
    """The appendix laid out ahead of the report (`prepare_appendix`)."""

    region: str  # its markup, as in the report's HTML
    document: object  # the WeasyPrint Document of appendix_page(region)


def prepare_appendix(fragment: str, title: str = "", base_url: str | None = None) -> Appendix:
    """Lay out, for the PDF, the appendix whose cell shows the HTML `fragment`.

    The markup is made by exporting a notebook of that one cell: the same
    template and filters as the report's, so the same markup when the report's
    appendix cell shows the same HTML.
    """
    import nbformat

    output = nbformat.v4.new_output("display_data", data={"text/html": fragment, "text/plain": ""})
    cell = nbformat.v4.new_code_cell("", metadata={"tags": [APPENDIX_TAG]}, outputs=[output])
    page = notebook_to_html(nbformat.v4.new_notebook(cells=[cell]), title=title)
    _, region = split_appendix(page)
    return Appendix(region, _layout(appendix_page(page, region), base_url))


def html_to_pdf(html, out_path, base_url: str | None = None, appendix: Appendix | None = None) -> Path:
    """Render HTML (a path, or the HTML text itself) to an A4 PDF with WeasyPrint.

    The page setup comes from print.css (passed as an extra stylesheet, so a
    bare fragment gets it too; the document's own CSS wins), and the vendored
    Liberation Serif is embedded. Only file: and data: URLs are fetched: the
    report must not depend on the network. Long analysis tables are laid out
    with fixed column widths (`pdf_tables`). The appendix, if the page has one,
    follows as an annex (above); `appendix` is its layout made beforehand.
    """
    if isinstance(html, Path) or (isinstance(html, str) and not _looks_like_html(html)):
        path = Path(html)
        page, base_url = path.read_text(encoding="utf-8"), base_url or str(path.parent)
    else:
        page = str(html)
    main, region = split_appendix(page)
    documents = [_layout(main, base_url)]
    if region is not None:
        prepared = appendix is not None and appendix.region == region
        documents.append(appendix.document if prepared else _layout(appendix_page(page, region), base_url))
    out = Path(out_path)
    # hinting=True keeps the fonts' hinting: subsetting is faster (fontTools need
    # not rewrite the glyph programs) and the PDF is still small (~60 KB a letter).
    documents[0].copy([p for d in documents for p in d.pages]).write_pdf(str(out), hinting=True)
    return out
