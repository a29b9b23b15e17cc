"""The draft letter as an editable Word file (.docx), laid out per Decree 30/2020/NĐ-CP.

`write_docx(letter, path)` walks the `cchc.narrative.Letter` (the same object the
HTML and PDF renderers walk): every word comes from the letter, none is added
here. Layout (Appendix I of the Decree):

- A4 portrait, margins top 2 cm, bottom 2 cm, left 3 cm, right 1.5 cm;
- Times New Roman (ascii, hAnsi, east-asian and complex-script font attributes
  all set, so Word never falls back to a theme font; LibreOffice substitutes the
  metric-compatible Liberation Serif), body 14 pt;
- a borderless two-column header table: issuing body (capitals, bold, 13 pt,
  short rule under it) and national motto (capitals, bold, 12 pt) with
  "Độc lập - Tự do - Hạnh phúc" (bold, 13 pt, rule of the same length under
  it); under them the number and the "V/v" subject (12 pt, centred) on the
  left, the place-date line (italic, 14 pt) on the right;
- "Kính gửi:" and the recipients; body paragraphs justified, first-line indent
  1 cm (dash and plus items too);
- a borderless table at the end: "Nơi nhận:" (bold italic 12 pt, entries 11 pt)
  on the left, the signature block (title capitals bold, name bold, centred) on
  the right; its row never splits, and the last body paragraph keeps with it
  ("keep with next", widow control), so the signature never stands alone on a
  page;
- page numbers centred in the header from page 2 (different first page).
"""

from __future__ import annotations

from pathlib import Path

from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_TABLE_ALIGNMENT, WD_CELL_VERTICAL_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Emu, Pt

from cchc import fonts
from cchc.text import nfc

FONT = "Times New Roman"

PAGE_WIDTH_CM, PAGE_HEIGHT_CM = 21.0, 29.7
MARGIN_TOP_CM, MARGIN_BOTTOM_CM, MARGIN_LEFT_CM, MARGIN_RIGHT_CM = 2.0, 2.0, 3.0, 1.5
TEXT_WIDTH_CM = PAGE_WIDTH_CM - MARGIN_LEFT_CM - MARGIN_RIGHT_CM  # 16.5

BODY_PT = 14
ISSUER_PT = 13
MOTTO_PT = 12
SLOGAN_PT = 13
NUMBER_PT = 13
SUBJECT_PT = 12
PLACE_DATE_PT = 14
DISTRIBUTION_LABEL_PT = 12
DISTRIBUTION_PT = 11
SIGNER_PT = 14
PAGE_NUMBER_PT = 13

FIRST_LINE_INDENT_CM = 1.0
PARAGRAPH_AFTER_PT = 6
#: Body line spacing: "exactly" this many points (Decree: single or at least 15 pt).
BODY_LINE_PT = 18

#: Header table: the left column is as wide as its widest line, within these bounds
#: (the right one keeps room for the 12 pt national motto, 8.8 cm).
HEADER_LEFT_MIN_CM = 5.6
HEADER_LEFT_MAX_CM = 7.2
#: Closing table columns (cm): Nơi nhận | signature.
CLOSING_LEFT_CM = 8.0
CLOSING_RIGHT_CM = TEXT_WIDTH_CM - CLOSING_LEFT_CM
#: Left/right cell margins of the layout tables (cm).
CELL_MARGIN_CM = 0.1
#: Blank lines left for the signature and seal.
SIGNATURE_SPACE_LINES = 4

# Child order of <w:tblPr> and what may follow <w:pBdr> in <w:pPr> (ECMA-376): Word
# rejects a file whose elements are out of order.
_TBLPR_ORDER = (
    "w:tblStyle", "w:tblpPr", "w:tblOverlap", "w:bidiVisual", "w:tblStyleRowBandSize", "w:tblStyleColBandSize",
    "w:tblW", "w:jc", "w:tblCellSpacing", "w:tblInd", "w:tblBorders", "w:shd", "w:tblLayout", "w:tblCellMar",
    "w:tblLook", "w:tblCaption", "w:tblDescription", "w:tblPrChange",
)
_PPR_AFTER_PBDR = (
    "w:shd", "w:tabs", "w:suppressAutoHyphens", "w:kinsoku", "w:wordWrap", "w:overflowPunct", "w:topLinePunct",
    "w:autoSpaceDE", "w:autoSpaceDN", "w:bidi", "w:adjustRightInd", "w:snapToGrid", "w:spacing", "w:ind",
    "w:contextualSpacing", "w:mirrorIndents", "w:suppressOverlap", "w:jc", "w:textDirection", "w:textAlignment",
    "w:textboxTightWrap", "w:outlineLvl", "w:divId", "w:cnfStyle", "w:rPr", "w:sectPr", "w:pPrChange",
)


# --------------------------------------------------------------------------- letter access

def _get(obj, *names, default=None):
    """The first of `names` that `obj` has (attribute or key), else `default`."""
    for name in names:
        if isinstance(obj, dict) and name in obj:
            return obj[name]
        if hasattr(obj, name):
            return getattr(obj, name)
    return default


def _lines(value) -> list[str]:
    """A header field as a list of lines (a str, a list of str, or None)."""
    if value is None:
        return []
    if isinstance(value, str):
        return [value] if value else []
    return [str(v) for v in value if v is not None and str(v) != ""]


def _runs(block) -> list[tuple[str, bool, bool]]:
    """A block's runs as printed (`Block.styled`), as (text, bold, italic)."""
    return [(nfc(r.text), bool(r.bold), bool(r.italic)) for r in block.styled]


# --------------------------------------------------------------------------- low-level formatting

def _set_rfonts(rpr, name: str = FONT) -> None:
    """Set every font slot of an <w:rPr> (ascii, hAnsi, eastAsia, cs), dropping theme fonts."""
    rfonts = rpr.find(qn("w:rFonts"))
    if rfonts is None:
        rfonts = OxmlElement("w:rFonts")
        rpr.insert(0, rfonts)
    for attr in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
        if rfonts.get(qn(attr)) is not None:
            del rfonts.attrib[qn(attr)]
    for attr in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
        rfonts.set(qn(attr), name)


def _set_lang(rpr, lang: str = "vi-VN") -> None:
    el = rpr.find(qn("w:lang"))
    if el is None:
        el = OxmlElement("w:lang")
        rpr.append(el)
    el.set(qn("w:val"), lang)
    el.set(qn("w:eastAsia"), lang)


def _run(paragraph, text: str, size: float, bold: bool = False, italic: bool = False):
    run = paragraph.add_run(nfc(text))
    run.font.name = FONT
    _set_rfonts(run.element.get_or_add_rPr())
    run.font.size = Pt(size)
    run.font.bold = bold
    run.font.italic = italic
    # Complex-script size and bold follow the Latin ones (Word reads them for some text).
    rpr = run.element.get_or_add_rPr()
    szcs = OxmlElement("w:szCs")
    szcs.set(qn("w:val"), str(int(round(size * 2))))
    rpr.append(szcs)
    return run


def _paragraph_format(paragraph, align=WD_ALIGN_PARAGRAPH.CENTER, before: float = 0, after: float = 0,
                      line: float | None = None, first_indent_cm: float | None = None,
                      left_cm: float | None = None, right_cm: float | None = None, keep_next: bool = False):
    pf = paragraph.paragraph_format
    pf.alignment = align
    pf.space_before = Pt(before)
    pf.space_after = Pt(after)
    if line is None:
        pf.line_spacing_rule = WD_LINE_SPACING.SINGLE
    else:
        pf.line_spacing_rule = WD_LINE_SPACING.EXACTLY
        pf.line_spacing = Pt(line)
    if first_indent_cm is not None:
        pf.first_line_indent = Cm(first_indent_cm)
    if left_cm is not None:
        pf.left_indent = Cm(left_cm)
    if right_cm is not None:
        pf.right_indent = Cm(right_cm)
    if keep_next:
        pf.keep_with_next = True
    pf.widow_control = True
    return paragraph


def _first_paragraph(cell):
    """The cell's first (empty) paragraph, for the first line written into it."""
    return cell.paragraphs[0]


def _cell_paragraph(cell, first: list):
    """The next paragraph of `cell`: its initial empty one the first time, a new one after."""
    if first and first[0]:
        first[0] = False
        return _first_paragraph(cell)
    return cell.add_paragraph()


def text_width_cm(text: str, size: float, bold: bool = False, italic: bool = False) -> float:
    """Printed width of `text` in Times New Roman (via the metric-compatible Liberation Serif shipped)."""
    return fonts.text_width_pt(text, size, "serif", bold=bold, italic=italic) / 72 * 2.54


# python-docx gives public access to a run's XML (`Run.element`) and a paragraph's
# (`ParagraphFormat.element`); a cell's, row's and table's XML are that
# paragraph's ancestors (w:p in w:tc in w:tr in w:tbl).

def _paragraph_xml(paragraph):
    """The <w:p> of a paragraph."""
    return paragraph.paragraph_format.element


def _table_xml(table):
    """The <w:tbl> of a table."""
    return _paragraph_xml(table.cell(0, 0).paragraphs[0]).getparent().getparent().getparent()


def _rule(cell, column_cm: float, length_cm: float, first: list) -> None:
    """A horizontal rule of `length_cm`, centred in a cell of `column_cm`: an empty
    paragraph with a bottom border, narrowed by equal left and right indents."""
    p = _cell_paragraph(cell, first)
    inner = column_cm - 2 * CELL_MARGIN_CM
    indent = max(0.0, (inner - length_cm) / 2)
    _paragraph_format(p, left_cm=indent, right_cm=indent, line=2, after=6)
    ppr = _paragraph_xml(p).get_or_add_pPr()
    pbdr = OxmlElement("w:pBdr")
    bottom = OxmlElement("w:bottom")
    bottom.set(qn("w:val"), "single")
    bottom.set(qn("w:sz"), "6")  # 3/4 pt
    bottom.set(qn("w:space"), "1")
    bottom.set(qn("w:color"), "000000")
    pbdr.append(bottom)
    # pBdr goes before shd/tabs/…/spacing/ind/jc in CT_PPr's sequence.
    ppr.insert_element_before(pbdr, *_PPR_AFTER_PBDR)
    # A tiny empty run keeps the paragraph 2 pt high.
    _run(p, "", 1)


def _borderless(table, widths_cm: list[float]) -> None:
    """No borders, fixed layout, the given column widths, small cell margins."""
    tblpr = _table_xml(table).tblPr
    for tag in ("w:tblBorders", "w:tblLayout", "w:tblCellMar"):
        for old in tblpr.findall(qn(tag)):
            tblpr.remove(old)
    borders = OxmlElement("w:tblBorders")
    for edge in ("top", "left", "bottom", "right", "insideH", "insideV"):
        el = OxmlElement(f"w:{edge}")
        el.set(qn("w:val"), "nil")
        borders.append(el)
    tblpr.insert_element_before(borders, *_TBLPR_ORDER[_TBLPR_ORDER.index("w:tblBorders") + 1 :])
    layout = OxmlElement("w:tblLayout")
    layout.set(qn("w:type"), "fixed")
    tblpr.insert_element_before(layout, *_TBLPR_ORDER[_TBLPR_ORDER.index("w:tblLayout") + 1 :])
    mar = OxmlElement("w:tblCellMar")
    for edge in ("left", "right"):
        el = OxmlElement(f"w:{edge}")
        el.set(qn("w:w"), str(int(round(CELL_MARGIN_CM / 2.54 * 1440))))
        el.set(qn("w:type"), "dxa")
        mar.append(el)
    tblpr.insert_element_before(mar, *_TBLPR_ORDER[_TBLPR_ORDER.index("w:tblCellMar") + 1 :])
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False
    total = sum(widths_cm)
    tblw = tblpr.find(qn("w:tblW"))
    if tblw is None:
        tblw = OxmlElement("w:tblW")
        tblpr.insert_element_before(tblw, *_TBLPR_ORDER[_TBLPR_ORDER.index("w:tblW") + 1 :])
    tblw.set(qn("w:w"), str(int(round(total / 2.54 * 1440))))
    tblw.set(qn("w:type"), "dxa")
    for col, width in zip(table.columns, widths_cm):
        col.width = Cm(width)
    for row in table.rows:
        for cell, width in zip(row.cells, widths_cm):
            cell.width = Cm(width)
            cell.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.TOP
    # Rows of a layout table never split across pages.
    for row in table.rows:
        trpr = _paragraph_xml(row.cells[0].paragraphs[0]).getparent().getparent().get_or_add_trPr()
        cant = OxmlElement("w:cantSplit")
        trpr.append(cant)


def _page_number_field(paragraph, size: float) -> None:
    """A PAGE field in `paragraph`."""
    def fld(char_type):
        run = _run(paragraph, "", size)
        el = OxmlElement("w:fldChar")
        el.set(qn("w:fldCharType"), char_type)
        run.element.append(el)
        return run

    fld("begin")
    run = _run(paragraph, "", size)
    instr = OxmlElement("w:instrText")
    instr.set(qn("xml:space"), "preserve")
    instr.text = " PAGE "
    run.element.append(instr)
    fld("separate")
    _run(paragraph, "2", size)
    fld("end")


# --------------------------------------------------------------------------- document parts

def _setup(document) -> None:
    section = document.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width = Cm(PAGE_WIDTH_CM)
    section.page_height = Cm(PAGE_HEIGHT_CM)
    section.top_margin = Cm(MARGIN_TOP_CM)
    section.bottom_margin = Cm(MARGIN_BOTTOM_CM)
    section.left_margin = Cm(MARGIN_LEFT_CM)
    section.right_margin = Cm(MARGIN_RIGHT_CM)
    section.header_distance = Cm(1.0)
    section.footer_distance = Cm(1.0)
    section.gutter = Emu(0)

    # Defaults: Times New Roman in every slot, 14 pt, Vietnamese.
    styles_el = document.styles.element
    rpr_default = styles_el.find(qn("w:docDefaults"))
    if rpr_default is not None:
        rpr = rpr_default.find(qn("w:rPrDefault") + "/" + qn("w:rPr"))
        if rpr is not None:
            _set_rfonts(rpr)
            _set_lang(rpr)
    normal = document.styles["Normal"]
    normal.font.name = FONT
    normal.font.size = Pt(BODY_PT)
    _set_rfonts(normal.element.get_or_add_rPr())
    _set_lang(normal.element.get_or_add_rPr())
    normal.paragraph_format.space_before = Pt(0)
    normal.paragraph_format.space_after = Pt(0)

    # Page numbers from page 2: an empty first-page header, the number in the others.
    section.different_first_page_header_footer = True
    section.first_page_header.is_linked_to_previous = False
    header = section.header
    header.is_linked_to_previous = False
    p = header.paragraphs[0]
    _paragraph_format(p)
    _page_number_field(p, PAGE_NUMBER_PT)


def _header_left_width(issuer: list[str], number: list[str], subject: list[str]) -> float:
    """Width of the header's left column: the widest of its lines, within bounds that
    leave the national motto room on the right."""
    widths = [text_width_cm(t.upper(), ISSUER_PT, bold=True) for t in issuer]
    widths += [text_width_cm(t, NUMBER_PT) for t in number]
    widths += [text_width_cm(t, SUBJECT_PT) for t in subject]
    needed = max(widths, default=0) + 2 * CELL_MARGIN_CM + 0.3
    return round(min(max(needed, HEADER_LEFT_MIN_CM), HEADER_LEFT_MAX_CM), 2)


def _header_table(document, letter) -> None:
    issuer = _lines(_get(letter, "issuer"))
    motto = _lines(_get(letter, "motto"))
    number = _lines(_get(letter, "number"))
    place_date = _lines(_get(letter, "place_date"))
    subject = _lines(_get(letter, "subject"))

    left_cm = _header_left_width(issuer, number, subject)
    right_cm = TEXT_WIDTH_CM - left_cm
    table = document.add_table(rows=2, cols=2)
    _borderless(table, [left_cm, right_cm])
    (issuer_cell, motto_cell), (number_cell, date_cell) = table.rows[0].cells, table.rows[1].cells

    first = [True]
    for line in issuer:
        p = _cell_paragraph(issuer_cell, first)
        _paragraph_format(p)
        _run(p, line.upper(), ISSUER_PT, bold=True)
    if issuer:
        # Decree 30: a rule 1/3 to 1/2 as long as the line above it.
        _rule(issuer_cell, left_cm, max(1.2, text_width_cm(issuer[-1].upper(), ISSUER_PT, True) * 0.45), first)

    first = [True]
    for i, line in enumerate(motto):
        p = _cell_paragraph(motto_cell, first)
        _paragraph_format(p)
        if i == 0:
            _run(p, line.upper(), MOTTO_PT, bold=True)
        else:
            _run(p, line, SLOGAN_PT, bold=True)
    if len(motto) > 1:
        # Decree 30: a rule as long as "Độc lập - Tự do - Hạnh phúc".
        _rule(motto_cell, right_cm, text_width_cm(motto[-1], SLOGAN_PT, bold=True), first)

    first = [True]
    for line in number:
        p = _cell_paragraph(number_cell, first)
        _paragraph_format(p)
        _run(p, line, NUMBER_PT)
    if subject:
        # One paragraph; the letter's own line breaks kept (it wraps the subject for this column).
        p = _cell_paragraph(number_cell, first)
        _paragraph_format(p, before=3)
        for i, line in enumerate(subject):
            run = _run(p, line, SUBJECT_PT)
            if i < len(subject) - 1:
                run.add_break()

    first = [True]
    for line in place_date:
        p = _cell_paragraph(date_cell, first)
        _paragraph_format(p)
        _run(p, line, PLACE_DATE_PT, italic=True)


def _recipients(document, letter) -> None:
    label = _get(letter, "recipients_label", default="") or ""
    recipients = _lines(_get(letter, "recipients", default=[]))
    label_indent = 2.5
    if label and len(recipients) == 1 and not recipients[0].startswith("- "):
        p = document.add_paragraph()
        _paragraph_format(p, align=WD_ALIGN_PARAGRAPH.LEFT, before=12, after=6, left_cm=label_indent)
        _run(p, f"{label} {recipients[0]}", BODY_PT)
        return
    if label:
        p = document.add_paragraph()
        _paragraph_format(p, align=WD_ALIGN_PARAGRAPH.LEFT, before=12, after=0, left_cm=label_indent, keep_next=True)
        _run(p, label, BODY_PT)
    for i, line in enumerate(recipients):
        p = document.add_paragraph()
        last = i == len(recipients) - 1
        # "- " hangs: wrapped lines align with the text after the dash.
        _paragraph_format(p, align=WD_ALIGN_PARAGRAPH.LEFT, after=12 if last else 0,
                          left_cm=label_indent + 1.5 + 0.35, first_indent_cm=-0.35, keep_next=not last)
        _run(p, line, BODY_PT)


def _body(document, letter) -> None:
    blocks = _get(letter, "blocks", default=[]) or []
    for i, block in enumerate(blocks):
        kind = _get(block, "kind", default="paragraph")
        p = document.add_paragraph()
        # A heading stays with what follows; so does the last paragraph, with the
        # closing table (Nơi nhận, signature): with widow control, at least its
        # last two lines go over with the signature, never the signature alone.
        _paragraph_format(
            p, align=WD_ALIGN_PARAGRAPH.JUSTIFY, after=PARAGRAPH_AFTER_PT, line=BODY_LINE_PT,
            first_indent_cm=FIRST_LINE_INDENT_CM, left_cm=0, right_cm=0,
            keep_next=(kind == "heading" or i == len(blocks) - 1),
        )
        for text, bold, italic in _runs(block):
            _run(p, text, BODY_PT, bold=bold or kind == "heading", italic=italic)


def _closing(document, letter) -> None:
    label = _get(letter, "distribution_label", default="") or ""
    entries = _lines(_get(letter, "distribution", default=[]))
    titles = _lines(_get(letter, "signer_title", default=[]))
    name = _get(letter, "signer_name", default="") or ""

    spacer = document.add_paragraph()
    _paragraph_format(spacer, after=0, keep_next=True)
    table = document.add_table(rows=1, cols=2)
    _borderless(table, [CLOSING_LEFT_CM, CLOSING_RIGHT_CM])
    left, right = table.rows[0].cells

    first = [True]
    if label:
        p = _cell_paragraph(left, first)
        _paragraph_format(p, align=WD_ALIGN_PARAGRAPH.LEFT)
        _run(p, label, DISTRIBUTION_LABEL_PT, bold=True, italic=True)
    for entry in entries:
        p = _cell_paragraph(left, first)
        _paragraph_format(p, align=WD_ALIGN_PARAGRAPH.LEFT, left_cm=0.3, first_indent_cm=-0.3)
        _run(p, entry, DISTRIBUTION_PT)

    first = [True]
    for line in titles:
        p = _cell_paragraph(right, first)
        _paragraph_format(p)
        _run(p, line.upper(), SIGNER_PT, bold=True)
    for _ in range(SIGNATURE_SPACE_LINES):
        p = _cell_paragraph(right, first)
        _paragraph_format(p)
        _run(p, "", SIGNER_PT)
    if name:
        p = _cell_paragraph(right, first)
        _paragraph_format(p)
        _run(p, name, SIGNER_PT, bold=True)
    # Each column in one piece (the row cannot split either: _borderless), for
    # word processors that look at the paragraphs rather than the row.
    for cell in (left, right):
        for p in cell.paragraphs:
            p.paragraph_format.keep_together = True
            p.paragraph_format.keep_with_next = p is not cell.paragraphs[-1]
    # A document ends with a paragraph (Word's rule); keep it 1 pt high.
    end = document.add_paragraph()
    _paragraph_format(end, line=1)


def build_docx(letter):
    """The letter as a python-docx Document (not saved)."""
    document = Document()
    _setup(document)
    # The default document starts with no paragraph; the header table comes first.
    _header_table(document, letter)
    _recipients(document, letter)
    _body(document, letter)
    _closing(document, letter)
    props = document.core_properties
    subject = _lines(_get(letter, "subject"))
    props.title = " ".join(subject)
    props.language = "vi-VN"
    props.author = ""
    props.comments = ""
    return document


def write_docx(letter, path: Path) -> None:
    """Write the letter to ``path`` as an editable .docx (Decree 30 layout)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    document = build_docx(letter)
    tmp = path.with_name(f".{path.name}.tmp")
    document.save(str(tmp))
    tmp.replace(path)
