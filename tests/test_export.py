"""cchc.export: the offline HTML report (nbconvert) and the A4 PDF (WeasyPrint)."""

import base64
import json
import re
import struct
import unicodedata
import zlib
from pathlib import Path

import pytest
import yaml
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

from cchc.export import FONTS, font_face_css, html_page, html_to_pdf, notebook_to_html
from cchc.narrative import build_letter, render_html

FIXTURES = Path(__file__).parent / "fixtures"
A4 = (595.28, 841.89)  # points


@pytest.fixture(scope="module")
def letter_html():
    outcomes = json.loads((FIXTURES / "outcomes_2023-06.json").read_text(encoding="utf-8"))
    config = yaml.safe_load((FIXTURES / "config.yml").read_text(encoding="utf-8"))
    return render_html(build_letter(outcomes, config))


def _png_1x1() -> str:
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    raw = (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0))
           + chunk(b"IDAT", zlib.compress(b"\x00\xff\x00\x00")) + chunk(b"IEND", b""))
    return base64.b64encode(raw).decode()


# ------------------------------------------------------------------ PDF
# One WeasyPrint run for the module: the tiny report (letter, then analysis).


@pytest.fixture(scope="module")
def report_pdf(report_html, tmp_path_factory):
    out = tmp_path_factory.mktemp("pdf") / "report.pdf"
    assert html_to_pdf(report_html, out) == out
    return out


@pytest.fixture(scope="module")
def pdf_pages(report_pdf):
    from pypdf import PdfReader

    return PdfReader(str(report_pdf)).pages


def test_pdf_is_a4_with_the_letter_text(pdf_pages):
    assert len(pdf_pages) >= 3
    for page in pdf_pages:
        box = page.mediabox
        assert float(box.width) == pytest.approx(A4[0], abs=1)
        assert float(box.height) == pytest.approx(A4[1], abs=1)
    text = unicodedata.normalize("NFC", "\n".join(p.extract_text() for p in pdf_pages))
    flat = re.sub(r"\s+", " ", text)
    for expected in ("ỦY BAN NHÂN DÂN", "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc",
                     "97,31%", "0,66%", "98,67%", "89,8%", "7,24%", "0,35%", "Nhắc nhở lần thứ nhất",
                     "UBND xã Hưng Đạo", "Quảng Nghiệp", "Nơi nhận:", "CHỦ TỊCH", "Vũ Thị Hà"):
        assert expected in flat, expected


def test_pdf_letter_then_analysis_on_a_new_page(pdf_pages):
    pages = [unicodedata.normalize("NFC", p.extract_text()) for p in pdf_pages]
    letter_pages = [i for i, t in enumerate(pages) if "Vũ Thị Hà" in t or "Kính gửi" in t]
    analysis_pages = [i for i, t in enumerate(pages) if "Phân tích tháng 6/2023" in t]
    assert letter_pages[0] == 0
    assert analysis_pages and max(letter_pages) < min(analysis_pages)
    assert "Vũ Thị Hà" not in pages[min(analysis_pages)]


def test_pdf_page_numbers_from_page_two(pdf_pages):
    pages = [[line.strip() for line in p.extract_text().splitlines()] for p in pdf_pages]
    assert "1" not in pages[0]
    for number, lines in enumerate(pages[1:], start=2):
        assert str(number) in lines


def test_pdf_embeds_liberation_serif(pdf_pages):
    fonts = {}
    for page in pdf_pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            descriptor = font["/DescendantFonts"][0].get_object()["/FontDescriptor"].get_object()
            fonts[str(font["/BaseFont"])] = "/FontFile2" in descriptor or "/FontFile3" in descriptor
    assert fonts and all(fonts.values()), fonts  # every font embedded
    names = {n.split("+", 1)[-1].replace("-", "") for n in fonts}
    assert {"LiberationSerif", "LiberationSerifBold", "LiberationSerifItalic"} <= names, names
    assert not any("Times" in n for n in names), names  # the letter never falls back


def test_font_face_points_at_the_vendored_files():
    css = font_face_css()
    urls = re.findall(r'url\("([^"]+)"\)', css)
    assert len(urls) == 4
    for url in urls:
        assert url.startswith("file://")
        assert (FONTS / url.rsplit("/", 1)[1]).is_file()


def test_pdf_from_a_file_fetches_nothing_remote(tmp_path):
    page = tmp_path / "p.html"
    page.write_text(html_page('<p>Xin chào <img src="http://example.invalid/x.png"></p>'
                              '<link rel="stylesheet" href="https://example.invalid/x.css">'),
                    encoding="utf-8")
    out = html_to_pdf(page, tmp_path / "p.pdf")
    assert out.read_bytes().startswith(b"%PDF")


# ------------------------------------------------------------ notebook → HTML

SOURCE_MARK = "SECRET_INPUT_CODE_4711"


@pytest.fixture(scope="module")
def tiny_notebook(letter_html):
    return new_notebook(cells=[
        new_markdown_cell("# Phân tích tháng 6/2023\n\nMột đoạn *văn bản*."),
        new_code_cell(f"{SOURCE_MARK} = 1\nprint('hello')", execution_count=1, outputs=[
            new_output("stream", name="stdout", text="xin chào\n"),
            new_output("stream", name="stderr", text="DeprecationWarning: noise\n"),
        ]),
        new_code_cell(f"{SOURCE_MARK}_letter", metadata={"tags": ["letter"]}, execution_count=2, outputs=[
            new_output("display_data", data={"text/html": letter_html, "text/plain": "<Letter>"}),
        ]),
        new_code_cell(f"{SOURCE_MARK}_chart", execution_count=3, outputs=[
            new_output("display_data", data={"image/png": _png_1x1(), "text/plain": "<Figure>"}),
        ]),
        new_code_cell(f"{SOURCE_MARK}_table", execution_count=4, outputs=[
            new_output("execute_result", execution_count=4, data={
                "text/html": '<table class="dataframe"><tr><th>Đơn vị</th></tr><tr><td>Ngọc Kỳ</td></tr></table>',
                "application/javascript": "alert('js')",
                "text/plain": "table"}),
        ]),
        new_code_cell("hidden", metadata={"tags": ["remove"]}, execution_count=5, outputs=[
            new_output("stream", name="stdout", text="HIDDEN_OUTPUT\n")]),
        new_code_cell("scripted", execution_count=6, outputs=[new_output("display_data", data={
            "text/html": '<div>ok</div><script src="https://cdn.example/x.js"></script>'})]),
    ])


@pytest.fixture(scope="module")
def report_html(tiny_notebook, tmp_path_factory):
    out = tmp_path_factory.mktemp("html") / "report.html"
    page = notebook_to_html(tiny_notebook, out)
    assert out.read_text(encoding="utf-8") == page
    return page


def test_report_is_offline(report_html):
    assert "<script" not in report_html.lower()
    assert not re.search(r"""(src|href)\s*=\s*["']?\s*(https?:)?//""", report_html, re.I)
    assert not re.search(r"@import|url\(\s*['\"]?https?:", report_html, re.I)
    assert "<link" not in report_html.lower()
    assert "mathjax" not in report_html.lower() and "require.js" not in report_html.lower()
    assert "data:image/png;base64," in report_html


def test_report_has_no_code_and_no_noise(report_html):
    assert SOURCE_MARK not in report_html
    assert "In&nbsp;[" not in report_html and "In [" not in report_html
    assert "DeprecationWarning" not in report_html
    assert "HIDDEN_OUTPUT" not in report_html
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


def test_notebook_node_is_not_modified(tiny_notebook):
    before = json.dumps(tiny_notebook, sort_keys=True)
    notebook_to_html(tiny_notebook)
    assert json.dumps(tiny_notebook, sort_keys=True) == before



def test_png_is_preferred_to_svg_and_svg_alone_is_inlined():
    svg = '<svg xmlns="http://www.w3.org/2000/svg" width="2" height="2"><rect width="2" height="2"/></svg>'
    both = new_output("display_data", data={"image/png": _png_1x1(), "image/svg+xml": svg})
    alone = new_output("display_data", data={"image/svg+xml": svg})
    page = notebook_to_html(new_notebook(cells=[new_code_cell("a", outputs=[both])]))
    assert "data:image/png;base64," in page and "image/svg+xml" not in page
    page = notebook_to_html(new_notebook(cells=[new_code_cell("b", outputs=[alone])]))
    assert "data:image/svg+xml;base64," in page and "<svg" not in page


# ------------------------------------------------------------------ the appendix, an annex of its own


def _appendix_fragment(rows: int) -> str:
    from cchc.tables import appendix_html

    units = [{"code": f"U{i}", "name": f"Xã Thử Nghiệm {i}", "received": 100 + i, "received_digitized": 99,
              "reception_rate": 99.0, "resolved": 80, "resolved_digitized": 80, "result_rate": 100.0}
             for i in range(rows)]
    return appendix_html({"month": "2023-06", "units": units})


def _with_appendix(notebook, fragment):
    cell = new_code_cell("nbk.show_appendix(rv)", metadata={"tags": ["appendix"]}, execution_count=9, outputs=[
        new_output("display_data", data={"text/html": fragment, "text/plain": "<IPython.core.display.HTML object>"})])
    return new_notebook(cells=[*notebook.cells, cell], metadata=notebook.metadata)


def test_the_appendix_is_marked_and_split_off(tiny_notebook):
    from cchc.export import appendix_page, split_appendix

    fragment = _appendix_fragment(3)
    page = notebook_to_html(_with_appendix(tiny_notebook, fragment))
    main, region = split_appendix(page)
    assert region is not None and fragment in region and "cell-appendix" in region
    assert fragment not in main and "Phân tích tháng 6/2023" in main
    alone = appendix_page(page, region)
    assert alone.startswith(page[:page.index("<body")]) and fragment in alone
    assert split_appendix(notebook_to_html(tiny_notebook)) == (notebook_to_html(tiny_notebook), None)


def test_the_appendix_laid_out_beforehand_is_the_reports(tiny_notebook):
    from cchc.export import prepare_appendix, split_appendix

    fragment = _appendix_fragment(3)
    prepared = prepare_appendix(fragment)
    _, region = split_appendix(notebook_to_html(_with_appendix(tiny_notebook, fragment)))
    assert prepared.region == region  # so html_to_pdf may use its layout
    assert prepared.region != split_appendix(notebook_to_html(
        _with_appendix(tiny_notebook, _appendix_fragment(4))))[1]


@pytest.mark.parametrize("beforehand", ["same", "other", None])
def test_the_pdf_prints_the_appendix_as_an_annex_numbered_on_its_own(tiny_notebook, tmp_path, beforehand):
    """The annex starts a page, its first page unnumbered, then 2, 3 …; a layout
    made beforehand for another appendix is not used."""
    from pypdf import PdfReader

    from cchc.export import prepare_appendix

    fragment = _appendix_fragment(160)  # several pages
    page = notebook_to_html(_with_appendix(tiny_notebook, fragment))
    prepared = {"same": lambda: prepare_appendix(fragment), "other": lambda: prepare_appendix(_appendix_fragment(2)),
                None: lambda: None}[beforehand]()
    pages = [unicodedata.normalize("NFC", p.extract_text())
             for p in PdfReader(str(html_to_pdf(page, tmp_path / "r.pdf", appendix=prepared))).pages]
    first = next(i for i, t in enumerate(pages) if "Phụ lục: bảng đầy đủ" in t)
    assert "Phân tích tháng 6/2023" not in pages[first] and first >= 2
    annex = pages[first:]
    assert len(annex) >= 3
    assert "Xã Thử Nghiệm 0" in annex[0] and "Xã Thử Nghiệm 159" in annex[-1]
    assert "Xã Thử Nghiệm 1 " not in "".join(pages[:first])
    lines = [[line.strip() for line in t.splitlines()] for t in annex]
    assert str(first + 1) not in lines[0] and "1" not in lines[0]  # unnumbered, like the letter's first page
    for number, page_lines in enumerate(lines[1:], start=2):
        assert str(number) in page_lines and str(first + number) not in page_lines


def test_a_matching_layout_made_beforehand_is_the_one_printed(tiny_notebook, tmp_path):
    """Same markup: html_to_pdf takes the prepared document as it is (here one
    that says something else, to tell it apart) and does not lay it out again."""
    from pypdf import PdfReader

    from cchc.export import Appendix, _layout, split_appendix

    fragment = _appendix_fragment(3)
    page = notebook_to_html(_with_appendix(tiny_notebook, fragment))
    _, region = split_appendix(page)
    stand_in = Appendix(region, _layout(html_page("<p>Bản dựng sẵn</p>")))
    text = unicodedata.normalize("NFC", "\n".join(
        p.extract_text() for p in PdfReader(str(html_to_pdf(page, tmp_path / "r.pdf", appendix=stand_in))).pages))
    assert "Bản dựng sẵn" in text and "Xã Thử Nghiệm 0" not in text
