"""cchc.pdf: the HTML report as an A4 PDF, set in the shipped fonts, the same on every machine."""

import os
import re
import subprocess
import sys
import unicodedata
from pathlib import Path

import matplotlib
import pytest
from pypdf import PdfReader

from cchc import fonts
from cchc.nbhtml import html_page, notebook_to_html
from cchc.pdf import html_to_pdf
from reports import appendix_fragment, letter_html, tiny_notebook, with_appendix

A4 = (595.28, 841.89)  # points


def page_texts(pdf: Path) -> list[str]:
    return [unicodedata.normalize("NFC", p.extract_text()) for p in PdfReader(str(pdf)).pages]


@pytest.fixture(scope="module")
def report_page():
    """Letter, analysis and a several-page appendix."""
    return notebook_to_html(with_appendix(tiny_notebook(letter_html()), appendix_fragment(160)))


@pytest.fixture(scope="module")
def report_pdf(report_page, tmp_path_factory):
    out = tmp_path_factory.mktemp("pdf") / "report.pdf"
    assert html_to_pdf(report_page, out) == out
    return out


@pytest.fixture(scope="module")
def texts(report_pdf):
    return page_texts(report_pdf)


def test_pdf_is_a4_with_the_letter_text(report_pdf, texts):
    for page in PdfReader(str(report_pdf)).pages:
        assert float(page.mediabox.width) == pytest.approx(A4[0], abs=1)
        assert float(page.mediabox.height) == pytest.approx(A4[1], abs=1)
    flat = re.sub(r"\s+", " ", "\n".join(texts))
    for expected in ("ỦY BAN NHÂN DÂN", "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc",
                     "97,31%", "0,66%", "98,67%", "89,8%", "7,24%", "0,35%", "Nhắc nhở lần thứ nhất",
                     "UBND xã Hưng Đạo", "Quảng Nghiệp", "Nơi nhận:", "CHỦ TỊCH", "Vũ Thị Hà"):
        assert expected in flat, expected


def test_pdf_letter_then_analysis_on_a_new_page(texts):
    letter_pages = [i for i, t in enumerate(texts) if "Vũ Thị Hà" in t or "Kính gửi" in t]
    analysis_pages = [i for i, t in enumerate(texts) if "Phân tích tháng 6/2023" in t]
    assert letter_pages[0] == 0
    assert analysis_pages and max(letter_pages) < min(analysis_pages)
    assert "Vũ Thị Hà" not in texts[min(analysis_pages)]


def test_page_numbers_from_page_two_and_the_annex_numbered_on_its_own(texts):
    """Decree 30: no number on the first page; the annex (phụ lục) starts a page,
    its first page unnumbered, then 2, 3 …"""
    lines = [[line.strip() for line in t.splitlines()] for t in texts]
    first = next(i for i, t in enumerate(texts) if "Phụ lục: bảng đầy đủ" in t)
    assert first >= 2 and "Phân tích tháng 6/2023" not in texts[first]
    assert "1" not in lines[0]
    for number, page_lines in enumerate(lines[1:first], start=2):
        assert str(number) in page_lines
    annex = lines[first:]
    assert len(annex) >= 3
    assert "Xã Thử Nghiệm 0" in texts[first] and "Xã Thử Nghiệm 159" in texts[-1]
    assert "1" not in annex[0] and str(first + 1) not in annex[0]
    for number, page_lines in enumerate(annex[1:], start=2):
        assert str(number) in page_lines and str(first + number) not in page_lines


def test_every_font_is_a_shipped_one_embedded(report_pdf):
    found = {}
    for page in PdfReader(str(report_pdf)).pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            descriptor = font["/DescendantFonts"][0].get_object()["/FontDescriptor"].get_object()
            found[str(font["/BaseFont"]).split("+", 1)[-1]] = "/FontFile2" in descriptor
    assert found and all(found.values()), found  # every font embedded
    assert {"Liberation-Serif-cchc", "Liberation-Serif-cchc-Bold", "Liberation-Serif-cchc-Italic",
            "Liberation-Sans-cchc", "Liberation-Sans-cchc-Bold"} <= set(found), found
    assert all("cchc" in name for name in found), found  # no system font stood in


def test_font_face_points_at_the_shipped_files():
    urls = re.findall(r'url\("([^"]+)"\)', fonts.font_face_css())
    assert len(urls) == 8
    for url in urls:
        assert url.startswith("file://") and (fonts.font_file().parent / url.rsplit("/", 1)[1]).is_file()


def test_pdf_from_a_file_fetches_nothing_remote(tmp_path):
    page = tmp_path / "p.html"
    page.write_text(html_page('<p>Xin chào <img src="http://example.invalid/x.png"></p>'
                              '<link rel="stylesheet" href="https://example.invalid/x.css">'),
                    encoding="utf-8")
    out = html_to_pdf(page, tmp_path / "p.pdf")
    assert out.read_bytes().startswith(b"%PDF")


# ---------------------------------------------------------------- the same on every machine

_FONTS_CONF = """<?xml version="1.0"?>
<!DOCTYPE fontconfig SYSTEM "fonts.dtd">
<fontconfig>
{dirs}
<cachedir>{cache}</cachedir>
</fontconfig>
"""


def _machine(tmp_path: Path, name: str, font_files: list[Path]) -> dict:
    """The environment of a machine whose only fonts are `font_files` (a fontconfig of its own)."""
    folder = tmp_path / name / "fonts"
    folder.mkdir(parents=True)
    for f in font_files:
        (folder / f.name).symlink_to(f)
    conf = tmp_path / name / "fonts.conf"
    conf.write_text(_FONTS_CONF.format(dirs=f"<dir>{folder}</dir>", cache=tmp_path / name / "cache"), encoding="utf-8")
    return {**os.environ, "FONTCONFIG_FILE": str(conf)}


def _pdf_on(env: dict, html: Path, out: Path) -> list[str]:
    code = "import sys; from pathlib import Path; from cchc.pdf import html_to_pdf; html_to_pdf(Path(sys.argv[1]), sys.argv[2])"
    subprocess.run([sys.executable, "-c", code, str(html), str(out)], env=env, check=True, timeout=300)
    return page_texts(out)


@pytest.mark.slow
def test_the_same_pages_with_only_dejavu_and_with_more_fonts(tmp_path):
    """A fresh machine has DejaVu only; an analyst's has Liberation Sans and Serif
    (Chromium and LibreOffice bring them) and more: the PDF is the same on both."""
    mpl_fonts = Path(matplotlib.get_data_path()) / "fonts" / "ttf"
    dejavu = sorted(mpl_fonts.glob("DejaVu*.ttf"))
    assert dejavu
    more = dejavu + sorted(p for p in mpl_fonts.glob("*.ttf") if p not in dejavu) + sorted(
        fonts.font_file().parent.glob("*.ttf"))  # Liberation installed system-wide, as "Liberation Sans/Serif"
    html = tmp_path / "report.html"  # letter, analysis and a two-page annex
    html.write_text(notebook_to_html(with_appendix(tiny_notebook(letter_html()), appendix_fragment(60))),
                    encoding="utf-8")
    bare = _pdf_on(_machine(tmp_path, "bare", dejavu), html, tmp_path / "bare.pdf")
    rich = _pdf_on(_machine(tmp_path, "rich", more), html, tmp_path / "rich.pdf")
    assert len(bare) == len(rich) and bare == rich


# ------------------------------------------------- the signature never stands alone (issue 13, item 5)

def _squash(text: str) -> str:
    return " ".join(unicodedata.normalize("NFC", text).split())


@pytest.mark.parametrize("month", ["2023-01", "2023-02", "2023-03", "2023-04", "2023-05", "2023-06"])
def test_the_page_with_the_signature_has_the_end_of_the_body(month, tmp_path):
    """Decree 30 practice: the closing lines of the body, 'Nơi nhận' and the signature on one page."""
    from cchc.monthly import review
    from cchc.narrative import render_html

    letter = review(month, Path(__file__).resolve().parents[1] / "data").letter
    pages = [_squash(t) for t in page_texts(html_to_pdf(html_page(render_html(letter)), tmp_path / "l.pdf"))]
    signed = [i for i, t in enumerate(pages) if _squash(letter.signer_name) in t]
    assert len(signed) == 1
    page = pages[signed[0]]
    assert _squash(letter.distribution_label) in page and all(_squash(t) in page for t in letter.signer_title)
    last_words = " ".join(_squash(letter.blocks[-1].text).split()[-4:])
    assert last_words in page, f"page {signed[0] + 1} of {len(pages)} starts: {page[:200]}"
