"""cchc.nbhtml: the executed notebook as one offline HTML page, letter first."""

import json
import re

import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

from cchc.nbhtml import notebook_to_html
from reports import SOURCE_MARK, appendix_fragment, letter_html, png_1x1, tiny_notebook, with_appendix


@pytest.fixture(scope="module")
def notebook():
    return tiny_notebook(letter_html())


@pytest.fixture(scope="module")
def report_html(notebook, tmp_path_factory):
    out = tmp_path_factory.mktemp("html") / "report.html"
    page = notebook_to_html(notebook, out)
    assert out.read_text(encoding="utf-8") == page
    return page


def test_report_is_offline(report_html):
    assert "<script" not in report_html.lower()
    assert not re.search(r"""(src|href)\s*=\s*["']?\s*(https?:)?//""", report_html, re.I)
    assert not re.search(r"@import|url\(\s*['\"]?https?:", report_html, re.I)
    assert "<link" not in report_html.lower()
    assert "mathjax" not in report_html.lower() and "require.js" not in report_html.lower()
    assert "data:image/png;base64," in report_html


def test_a_markdown_cell_with_a_script_is_made_offline():
    page = notebook_to_html(new_notebook(cells=[new_markdown_cell('Chữ <script>alert(1)</script> và <link rel="x">')]))
    assert "<script" not in page and "<link" not in page and "Chữ" in page


def test_report_has_no_code_and_no_noise(report_html):
    assert SOURCE_MARK not in report_html
    assert "In&nbsp;[" not in report_html and "In [" not in report_html
    assert "DeprecationWarning" not in report_html
    assert "HIDDEN_OUTPUT" not in report_html  # tagged remove (cell) and remove-output (outputs only)
    assert "alert(&#39;js&#39;)" not in report_html and "alert('js')" not in report_html
    assert "xin chào" in report_html and "Ngọc Kỳ" in report_html and "<div>ok</div>" in report_html


def test_report_puts_the_letter_first(report_html):
    letter_at = report_html.index('class="cchc-letter"')
    analysis_at = report_html.index("Phân tích tháng 6/2023")
    assert letter_at < report_html.index('class="cchc-analysis cchc-after-letter"') < analysis_at
    assert "@page" in report_html and ".cchc-after-letter" in report_html  # print CSS inlined
    assert '<html lang="vi">' in report_html


def test_report_without_letter_has_no_page_break():
    page = notebook_to_html(new_notebook(cells=[new_markdown_cell("Chỉ phân tích")]))
    assert '<div class="cchc-analysis">' in page and "Chỉ phân tích" in page


def test_notebook_node_is_not_modified(notebook):
    before = json.dumps(notebook, sort_keys=True)
    notebook_to_html(notebook)
    assert json.dumps(notebook, sort_keys=True) == before


def test_png_is_preferred_to_svg_and_svg_alone_is_inlined():
    svg = '<svg xmlns="http://www.w3.org/2000/svg" width="2" height="2"><rect width="2" height="2"/></svg>'
    both = new_output("display_data", data={"image/png": png_1x1(), "image/svg+xml": svg})
    alone = new_output("display_data", data={"image/svg+xml": svg})
    page = notebook_to_html(new_notebook(cells=[new_code_cell("a", outputs=[both])]))
    assert "data:image/png;base64," in page and "image/svg+xml" not in page
    page = notebook_to_html(new_notebook(cells=[new_code_cell("b", outputs=[alone])]))
    assert "data:image/svg+xml;base64," in page and "<svg" not in page


def test_the_appendix_cell_is_marked_for_print(notebook):
    page = notebook_to_html(with_appendix(notebook, appendix_fragment(3)))
    cell = page.index('class="cell cell-code cell-appendix"')
    assert page.index("Phụ lục: bảng đầy đủ") > cell > page.index("Phân tích tháng 6/2023")
    assert ".cell-appendix { page: annex;" in page  # print.css: an annex of its own
