"""The fonts every printed output is set in, shipped with the package.

lib/cchc/fonts/ holds Liberation Serif (the letter: metric-compatible with
Times New Roman, as Decree 30 asks) and Liberation Sans (the analysis:
metric-compatible with Arial), regular, bold, italic and bold italic, under
the SIL Open Font License (LICENSE-Liberation.txt). Both cover Vietnamese.

The PDF declares them with @font-face (`font_face_css`) under names of our
own ("Liberation Serif cchc", "Liberation Sans cchc") that print.css puts first in every font
stack, so the PDF comes out the same on every machine, whatever fonts the
system has. Widths that must be known before layout (table columns, the .docx
header) are measured from the same files (`text_width_pt`).

    text_width_pt("Phòng Tư pháp huyện", 7.5)                 # sans, in points
    text_width_pt("ỦY BAN NHÂN DÂN", 13, "serif", bold=True)
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from cchc.paths import FONTS_DIR
from cchc.text import nfc

#: family key -> (CSS family name, file name stem). The CSS names are our own,
#: so that no installed font of the same name (another Liberation release) can
#: stand in for the shipped files.
FAMILIES = {
    "serif": ("Liberation Serif cchc", "LiberationSerif"),
    "sans": ("Liberation Sans cchc", "LiberationSans"),
}
#: (bold, italic) -> file name style
STYLES = {(False, False): "Regular", (True, False): "Bold", (False, True): "Italic", (True, True): "BoldItalic"}
#: A font size unit large enough that measured widths are exact to the point.
_UNITS = 1000


def font_file(family: str = "sans", bold: bool = False, italic: bool = False) -> Path:
    """The shipped TrueType file of a family ("serif" or "sans") and style."""
    return FONTS_DIR / f"{FAMILIES[family][1]}-{STYLES[(bool(bold), bool(italic))]}.ttf"


@lru_cache(maxsize=None)
def _font(family: str, bold: bool, italic: bool):
    from PIL import ImageFont  # Pillow comes with matplotlib

    return ImageFont.truetype(str(font_file(family, bold, italic)), _UNITS)


def text_width_pt(text: str, size: float, family: str = "sans", bold: bool = False, italic: bool = False) -> float:
    """The printed width of `text` on one line, in points, at `size` points."""
    return _font(family, bool(bold), bool(italic)).getlength(nfc(text)) * size / _UNITS


def font_face_css() -> str:
    """@font-face rules binding both families, every style, to the shipped files (file: URLs)."""
    rules = []
    for family, (name, _) in FAMILIES.items():
        for (bold, italic) in STYLES:
            rules.append(
                f'@font-face {{ font-family: "{name}"; font-weight: {"bold" if bold else "normal"}; '
                f'font-style: {"italic" if italic else "normal"}; '
                f'src: url("{font_file(family, bold, italic).as_uri()}"); }}'
            )
    return "\n".join(rules) + "\n"
