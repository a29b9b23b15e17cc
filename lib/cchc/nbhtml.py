"""The executed notebook as the report: one self-contained, offline HTML page.

    notebook_to_html(nb, "output/2023-06/report.html", title="…")

nbconvert's HTMLExporter with our template (templates/nbconvert/cchc): no
input code, no prompts, no scripts, no external stylesheet, font or image
(report.css and print.css inlined, images as data: URIs). Before the template
runs, two preprocessors arrange the cells:

- nbconvert's own TagRemovePreprocessor drops the cells tagged ``remove`` /
  ``remove-cell`` / ``remove_cell`` and the outputs of cells tagged
  ``remove-output`` / ``remove_output``;
- `ArrangeCells` (ours) puts the cells tagged ``letter`` first, marks where the
  analysis starts and which cell is the appendix (cell metadata ``cchc``, read
  by the template), and removes <script> and <link> elements an output may
  carry (or a markdown cell): the report runs no code and loads nothing.
"""

from __future__ import annotations

import copy
import functools
import html as _html
import re
from pathlib import Path

from nbconvert.preprocessors import Preprocessor

from cchc.paths import TEMPLATES_DIR

NBCONVERT_TEMPLATES = TEMPLATES_DIR / "nbconvert"
REPORT_CSS = TEMPLATES_DIR / "report.css"
PRINT_CSS = TEMPLATES_DIR / "print.css"

LETTER_TAG = "letter"
APPENDIX_TAG = "appendix"
REMOVE_CELL_TAGS = {"remove", "remove-cell", "remove_cell"}
REMOVE_OUTPUT_TAGS = {"remove-output", "remove_output"}
# PNG before SVG: WeasyPrint places a PNG at once, while a matplotlib SVG costs
# about a second a chart.
DATA_PRIORITY = ["text/html", "image/png", "image/jpeg", "image/svg+xml", "text/markdown", "text/latex", "text/plain"]

_SCRIPT_RE = re.compile(r"<script\b[^>]*>.*?</script\s*>", re.IGNORECASE | re.DOTALL)
_LINK_RE = re.compile(r"<link\b[^>]*>", re.IGNORECASE)


def report_css() -> str:
    """report.css then print.css: the styles inlined into every HTML page."""
    return REPORT_CSS.read_text(encoding="utf-8") + "\n" + PRINT_CSS.read_text(encoding="utf-8")


def html_page(body_html: str, title: str = "") -> str:
    """An HTML fragment (e.g. the letter) as a standalone page with the report's styles."""
    return (
        '<!DOCTYPE html>\n<html lang="vi">\n<head>\n<meta charset="utf-8">\n'
        f"<title>{_html.escape(title)}</title>\n<style>\n{report_css()}\n</style>\n</head>\n"
        f'<body class="cchc-report">\n{body_html}\n</body>\n</html>\n'
    )


def offline(markup: str) -> str:
    """An output's HTML without <script> and <link> elements."""
    return _LINK_RE.sub("", _SCRIPT_RE.sub("", markup))


def _tags(cell) -> set[str]:
    return set(cell.get("metadata", {}).get("tags", []) or [])


class ArrangeCells(Preprocessor):
    """Letter cells first, the analysis and the appendix marked, outputs made offline."""

    def preprocess(self, nb, resources):
        letter, rest = [], []
        for cell in nb.cells:
            tags = _tags(cell)
            cell.setdefault("metadata", {})["cchc"] = {"letter": LETTER_TAG in tags, "appendix": APPENDIX_TAG in tags}
            if cell.get("cell_type") == "markdown":
                cell["source"] = offline(cell["source"])
            for output in cell.get("outputs", []):
                data = output.get("data", {})
                if "text/html" in data:
                    data["text/html"] = offline("".join(data["text/html"]))
            (letter if LETTER_TAG in tags else rest).append(cell)
        visible = [c for c in rest if c.get("cell_type") != "code" or c.get("outputs")]
        if visible:
            visible[0]["metadata"]["cchc"].update(first_analysis=True, after_letter=bool(letter))
        nb.cells = letter + rest
        return nb, resources


@functools.lru_cache(maxsize=1)
def _exporter():
    """The report's nbconvert exporter (our template), made once a process."""
    from nbconvert import HTMLExporter
    from traitlets.config import Config

    config = Config()
    config.NbConvertBase.display_data_priority = DATA_PRIORITY  # read by the data-type filter
    config.TagRemovePreprocessor.enabled = True
    config.TagRemovePreprocessor.remove_cell_tags = sorted(REMOVE_CELL_TAGS)
    config.TagRemovePreprocessor.remove_all_outputs_tags = sorted(REMOVE_OUTPUT_TAGS)
    exporter = HTMLExporter(
        config=config,
        template_name="cchc",
        extra_template_basedirs=[str(NBCONVERT_TEMPLATES)],
        exclude_input=True,
        exclude_input_prompt=True,
        exclude_output_prompt=True,
        embed_images=True,
        exclude_anchor_links=True,  # no "¶" links on headings
    )
    exporter.register_preprocessor(ArrangeCells(), enabled=True)
    return exporter


def notebook_to_html(nb, out_path=None, title: str | None = None) -> str:
    """The HTML report of an executed notebook (a path or an nbformat node, not modified).

    Returns the page; writes it to `out_path` (UTF-8) when given.
    """
    import nbformat

    if isinstance(nb, (str, Path)):
        node, name = nbformat.read(str(nb), as_version=4), Path(nb).stem
    else:
        node, name = copy.deepcopy(nb), "report"
    resources = {
        "metadata": {"name": name},
        "cchc_css": report_css(),
        "cchc_title": title or node.get("metadata", {}).get("title") or name,
    }
    page, _ = _exporter().from_notebook_node(node, resources=resources)
    if out_path is not None:
        Path(out_path).write_text(page, encoding="utf-8")
    return page
