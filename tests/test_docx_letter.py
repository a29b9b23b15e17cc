"""The letter as .docx (cchc.docx_letter.write_docx), laid out per Decree 30/2020/NĐ-CP."""

import json
from pathlib import Path

import pytest
from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Pt

from cchc.config import load_config
from cchc.docx_letter import FONT, write_docx
from cchc.narrative import Block, Letter, Run, build_letter

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture(scope="module")
def seed_letter():
    outcomes = json.loads((FIXTURES / "outcomes_2023-06.json").read_text(encoding="utf-8"))
    config, problems = load_config(FIXTURES)
    assert not [p for p in problems if p.is_error]
    return build_letter(outcomes, config)


@pytest.fixture(scope="module")
def seed_doc(seed_letter, tmp_path_factory):
    path = tmp_path_factory.mktemp("docx") / "letter.docx"
    write_docx(seed_letter, path)
    return Document(str(path))


def small_letter(**kw) -> Letter:
    fields = dict(
        issuer=["ỦY BAN NHÂN DÂN", "HUYỆN THỬ"],
        motto=["CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc"],
        number="Số:      /UBND-NV",
        place_date="Thử, ngày      tháng 7 năm 2023",
        subject=["V/v nhắc nhở các cơ quan", "tháng 6/2023"],
        recipients_label="Kính gửi:",
        recipients=["- Thủ trưởng các cơ quan;", "- Chủ tịch UBND các xã."],
        blocks=[
            Block("paragraph", [Run("Mở đầu "), Run("nghiêng", italic=True), Run(" và "), Run("đậm", bold=True), Run(".")]),
            Block("heading", [Run("1. Mục một", bold=True)]),
            Block("dash", [Run("- Gạch đầu dòng; ký tự * giữ nguyên.")]),
            Block("plus", [Run("+ Dấu cộng.")]),
        ],
        distribution_label="Nơi nhận:",
        distribution=["- Như trên;", "- Lưu: VT, NV."],
        signer_title=["KT. CHỦ TỊCH", "PHÓ CHỦ TỊCH"],
        signer_name="Nguyễn Văn A",
        month="2023-06",
    )
    fields.update(kw)
    return Letter(**fields)


def doc_of(letter, tmp_path) -> Document:
    path = tmp_path / "x.docx"
    write_docx(letter, path)
    return Document(str(path))


def body_paragraphs(doc):
    """Top-level paragraphs with text (outside the layout tables)."""
    return [p for p in doc.paragraphs if p.text.strip()]


def all_text(doc) -> str:
    parts = [p.text for p in doc.paragraphs]
    for t in doc.tables:
        for row in t.rows:
            for cell in row.cells:
                parts.extend(p.text for p in cell.paragraphs)
    return "\n".join(parts)


def cm(length) -> float:
    return length / 360000


# --------------------------------------------------------------------------- page


def test_page_a4_and_margins(seed_doc):
    s = seed_doc.sections[0]
    assert cm(s.page_width) == pytest.approx(21.0, abs=0.01)
    assert cm(s.page_height) == pytest.approx(29.7, abs=0.01)
    assert cm(s.top_margin) == pytest.approx(2.0, abs=0.01)
    assert cm(s.bottom_margin) == pytest.approx(2.0, abs=0.01)
    assert cm(s.left_margin) == pytest.approx(3.0, abs=0.01)
    assert 1.5 - 0.01 <= cm(s.right_margin) <= 2.0 + 0.01


def test_fonts_times_new_roman_in_every_slot(seed_doc):
    normal = seed_doc.styles["Normal"]
    assert normal.font.name == FONT
    assert normal.font.size == Pt(14)
    rfonts = normal.element.rPr.find(qn("w:rFonts"))
    for slot in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
        assert rfonts.get(qn(slot)) == FONT
    defaults = seed_doc.styles.element.find(qn("w:docDefaults")).find(qn("w:rPrDefault")).find(qn("w:rPr")).find(qn("w:rFonts"))
    assert defaults.get(qn("w:eastAsia")) == FONT and defaults.get(qn("w:asciiTheme")) is None
    # every run says so too, and body runs are 13-14 pt
    runs = [r for p in seed_doc.paragraphs for r in p.runs if r.text]
    for t in seed_doc.tables:
        runs += [r for row in t.rows for c in row.cells for p in c.paragraphs for r in p.runs if r.text]
    assert runs
    for r in runs:
        rf = r._element.rPr.find(qn("w:rFonts"))
        assert {rf.get(qn(s)) for s in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs")} == {FONT}
    for p in body_paragraphs(seed_doc):
        for r in p.runs:
            if r.text.strip():
                assert Pt(13) <= r.font.size <= Pt(14), p.text


def _borders_nil(table):
    borders = table._tbl.tblPr.find(qn("w:tblBorders"))
    assert borders is not None
    edges = {el.tag.split("}")[1]: el.get(qn("w:val")) for el in borders}
    assert set(edges) >= {"top", "left", "bottom", "right", "insideH", "insideV"}
    assert set(edges.values()) <= {"nil", "none"}
    assert table._tbl.find(".//" + qn("w:tcBorders")) is None


def _has_rule(cell) -> bool:
    return any(p._p.find(qn("w:pPr") + "/" + qn("w:pBdr") + "/" + qn("w:bottom")) is not None for p in cell.paragraphs)


def test_header_table(seed_doc, seed_letter):
    body = seed_doc.element.body
    assert body[0].tag == qn("w:tbl")  # the letter opens with the header table
    table = seed_doc.tables[0]
    assert len(table.columns) == 2
    _borders_nil(table)
    (issuer, motto), (number, date) = table.rows[0].cells, table.rows[1].cells
    issuer_lines = [p for p in issuer.paragraphs if p.text]
    assert [p.text for p in issuer_lines] == ["ỦY BAN NHÂN DÂN", "HUYỆN TỨ KỲ"]
    for p in issuer_lines:
        assert p.alignment == WD_ALIGN_PARAGRAPH.CENTER
        assert all(r.bold and Pt(12) <= r.font.size <= Pt(13) for r in p.runs if r.text)
    assert _has_rule(issuer) and _has_rule(motto)
    motto_lines = [p for p in motto.paragraphs if p.text]
    assert [p.text for p in motto_lines] == ["CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc"]
    assert all(r.bold and Pt(12) <= r.font.size <= Pt(13) for r in motto_lines[0].runs if r.text)
    assert all(r.bold and Pt(13) <= r.font.size <= Pt(14) for r in motto_lines[1].runs if r.text)
    # number and subject under the issuer, centred; the subject keeps the letter's lines
    texts = [p.text for p in number.paragraphs if p.text]
    assert texts[0] == "Số:      /UBND-NV"
    assert texts[1] == "\n".join(seed_letter.subject)
    subject_p = [p for p in number.paragraphs if p.text.startswith("V/v")][0]
    assert subject_p.alignment == WD_ALIGN_PARAGRAPH.CENTER
    assert all(Pt(12) <= r.font.size <= Pt(13) for r in subject_p.runs if r.text)
    # place and date italic on the right
    (date_p,) = [p for p in date.paragraphs if p.text]
    assert date_p.text == "Tứ Kỳ, ngày      tháng 7 năm 2023"
    assert all(r.italic for r in date_p.runs if r.text)


def test_recipients(seed_doc):
    texts = [p.text for p in body_paragraphs(seed_doc)]
    i = texts.index("Kính gửi:")
    assert texts[i + 1 : i + 3] == ["- Thủ trưởng các cơ quan chuyên môn thuộc UBND huyện;", "- Chủ tịch UBND các xã, thị trấn."]


def test_single_recipient_on_the_label_line(tmp_path):
    doc = doc_of(small_letter(recipients=["Chủ tịch UBND xã A."]), tmp_path)
    assert "Kính gửi: Chủ tịch UBND xã A." in [p.text for p in doc.paragraphs]


def test_body_blocks_justified_with_first_line_indent(seed_doc, seed_letter):
    texts = [p.text for p in body_paragraphs(seed_doc)]
    start = texts.index(seed_letter.blocks[0].text)
    paragraphs = body_paragraphs(seed_doc)[start : start + len(seed_letter.blocks)]
    # the wording is the letter's, block for block
    assert [p.text for p in paragraphs] == [b.text for b in seed_letter.blocks]
    kinds = {b.kind for b in seed_letter.blocks}
    assert kinds == {"heading", "paragraph", "dash", "plus"}
    for p in paragraphs:
        assert p.alignment == WD_ALIGN_PARAGRAPH.JUSTIFY, p.text
        assert cm(p.paragraph_format.first_line_indent) == pytest.approx(1.0, abs=0.01), p.text


def test_runs_keep_bold_and_italic(tmp_path):
    letter = small_letter()
    doc = doc_of(letter, tmp_path)
    first = next(p for p in doc.paragraphs if p.text.startswith("Mở đầu"))
    styled = [(r.text, bool(r.bold), bool(r.italic)) for r in first.runs if r.text]
    assert styled == [("Mở đầu ", False, False), ("nghiêng", False, True), (" và ", False, False), ("đậm", True, False), (".", False, False)]
    heading = next(p for p in doc.paragraphs if p.text == "1. Mục một")
    assert all(r.bold for r in heading.runs if r.text)
    assert heading.paragraph_format.keep_with_next
    assert "- Gạch đầu dòng; ký tự * giữ nguyên." in [p.text for p in doc.paragraphs]


def test_seed_figures_present(seed_doc):
    text = all_text(seed_doc)
    for figure in ("97,31%", "0,66%", "98,67%", "89,8%", "95,44%", "Hưng Đạo", "Tái Sơn", "Tân Kỳ", "Vũ Thị Hà", "CHỦ TỊCH",
                   "113/113", "./."):
        assert figure in text, figure


def test_every_line_of_the_letter_is_in_the_docx(seed_doc, seed_letter):
    text = all_text(seed_doc)
    for line in seed_letter.text().splitlines():
        assert line in text, line


def test_closing_table(seed_doc, seed_letter):
    table = seed_doc.tables[-1]
    assert len(table.columns) == 2
    _borders_nil(table)
    left, right = table.rows[0].cells
    lines = [p for p in left.paragraphs if p.text]
    assert lines[0].text == "Nơi nhận:"
    assert all(r.bold and r.italic and r.font.size == Pt(12) for r in lines[0].runs if r.text)
    assert [p.text for p in lines[1:]] == seed_letter.distribution
    assert all(r.font.size == Pt(11) for p in lines[1:] for r in p.runs if r.text)
    signed = [p for p in right.paragraphs if p.text]
    assert [p.text for p in signed] == ["CHỦ TỊCH", "Vũ Thị Hà"]
    for p in signed:
        assert p.alignment == WD_ALIGN_PARAGRAPH.CENTER
        assert all(r.bold for r in p.runs if r.text)


def test_signer_title_lines(tmp_path):
    doc = doc_of(small_letter(), tmp_path)
    right = doc.tables[-1].rows[0].cells[1]
    assert [p.text for p in right.paragraphs if p.text] == ["KT. CHỦ TỊCH", "PHÓ CHỦ TỊCH", "Nguyễn Văn A"]


def test_page_numbers_from_page_two(seed_doc):
    s = seed_doc.sections[0]
    assert s.different_first_page_header_footer
    header_xml = s.header._element.xml
    assert "PAGE" in header_xml and "fldChar" in header_xml
    assert s.header.paragraphs[0].alignment == WD_ALIGN_PARAGRAPH.CENTER
    assert "PAGE" not in s.first_page_header._element.xml


def test_overwrites_and_creates_folders(tmp_path):
    path = tmp_path / "a" / "b" / "letter.docx"
    write_docx(small_letter(), path)
    write_docx(small_letter(signer_name="Trần Thị B"), path)
    assert "Trần Thị B" in all_text(Document(str(path)))
    assert [p.name for p in path.parent.iterdir()] == ["letter.docx"]


# Child order that Word enforces (ECMA-376), for the elements this writer touches.
ORDER = {
    "tblPr": ["tblStyle", "tblpPr", "tblOverlap", "bidiVisual", "tblStyleRowBandSize", "tblStyleColBandSize", "tblW", "jc",
              "tblCellSpacing", "tblInd", "tblBorders", "shd", "tblLayout", "tblCellMar", "tblLook", "tblCaption",
              "tblDescription"],
    "pPr": ["pStyle", "keepNext", "keepLines", "pageBreakBefore", "framePr", "widowControl", "numPr", "suppressLineNumbers",
            "pBdr", "shd", "tabs", "suppressAutoHyphens", "kinsoku", "wordWrap", "overflowPunct", "topLinePunct",
            "autoSpaceDE", "autoSpaceDN", "bidi", "adjustRightInd", "snapToGrid", "spacing", "ind", "contextualSpacing",
            "mirrorIndents", "suppressOverlap", "jc", "textDirection", "textAlignment", "textboxTightWrap", "outlineLvl",
            "divId", "cnfStyle", "rPr", "sectPr", "pPrChange"],
    "rPr": ["rStyle", "rFonts", "b", "bCs", "i", "iCs", "caps", "smallCaps", "strike", "dstrike", "outline", "shadow",
            "emboss", "imprint", "noProof", "snapToGrid", "vanish", "webHidden", "color", "spacing", "w", "kern",
            "position", "sz", "szCs", "highlight", "u", "effect", "bdr", "shd", "fitText", "vertAlign", "rtl", "cs", "em",
            "lang", "eastAsianLayout", "specVanish", "oMath"],
}


def test_xml_children_in_schema_order(seed_doc):
    parts = [seed_doc.element, seed_doc.styles.element, seed_doc.sections[0].header._element]
    checked = 0
    for root in parts:
        for parent, order in ORDER.items():
            for el in root.iter(qn(f"w:{parent}")):
                tags = [c.tag.split("}")[1] for c in el]
                known = [t for t in tags if t in order]
                assert known == sorted(known, key=order.index), (parent, tags)
                checked += 1
    assert checked > 100


@pytest.mark.parametrize("month", ["2023-01", "2023-02", "2023-03", "2023-04", "2023-05", "2023-06"])
def test_the_end_of_the_body_is_kept_with_the_signature(month, tmp_path):
    """As far as Word allows: the last paragraph 'keeps with next' (with widow control, its last lines go
    over with the closing table), the spacer too; the closing row cannot split and its lines keep together."""
    import zipfile
    import xml.etree.ElementTree as ET

    from cchc.monthly import review

    letter = review(month, Path(__file__).resolve().parents[1] / "data").letter
    path = tmp_path / "letter.docx"
    write_docx(letter, path)
    doc = Document(str(path))
    paragraphs = doc.paragraphs
    last = max(i for i, p in enumerate(paragraphs) if p.text == letter.blocks[-1].text)
    assert paragraphs[last].paragraph_format.keep_with_next
    assert paragraphs[last].paragraph_format.widow_control
    spacer = paragraphs[last + 1]
    assert spacer.text == "" and spacer.paragraph_format.keep_with_next
    closing = doc.tables[-1]
    assert letter.signer_name in closing.rows[0].cells[1].text
    for cell in closing.rows[0].cells:
        assert all(p.paragraph_format.keep_together for p in cell.paragraphs)
        assert all(p.paragraph_format.keep_with_next for p in cell.paragraphs[:-1])
    # what Word reads: after the last body paragraph, only the spacer, then the closing table, whose row cannot split
    w = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
    body = ET.fromstring(zipfile.ZipFile(path).read("word/document.xml")).find(f"{w}body")
    kids = list(body)
    tables = [i for i, k in enumerate(kids) if k.tag == f"{w}tbl"]
    end = tables[-1]
    assert [k.tag for k in kids[end - 2:end]] == [f"{w}p", f"{w}p"]
    assert all(k.find(f"{w}pPr/{w}keepNext") is not None for k in kids[end - 2:end])
    assert kids[end].find(f"{w}tr/{w}trPr/{w}cantSplit") is not None
