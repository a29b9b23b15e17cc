"""Neutralising text that a spreadsheet would read as a formula.

A cell whose text begins with ``=``, ``+``, ``-``, ``@`` (or a tab / carriage
return, or their full-width forms) is run as a formula by Excel and LibreOffice
when it is opened from a CSV file or re-entered in a cell ("CSV/formula
injection": ``=HYPERLINK(...)`` in a unit name or a reason). Such text gets a
leading apostrophe, the spreadsheets' own "this is text" quote; the rest of the
text is kept as it is, so nothing is lost.
"""

from __future__ import annotations

#: First characters that make a spreadsheet treat a cell as a formula.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r", "＝", "＋", "－", "＠")

QUOTE = "'"


def is_formula_like(text: str) -> bool:
    """True when a spreadsheet would take ``text`` for a formula."""
    return isinstance(text, str) and text.startswith(FORMULA_PREFIXES)


def neutralize_cell(text) -> str:
    """``text`` made safe for a spreadsheet cell (xlsx or CSV), shown in full.

    ``"=HYPERLINK(...)"`` → ``"'=HYPERLINK(...)"``, ``"-2"`` → ``"'-2"``; other text is
    returned unchanged. ``None`` gives ``""``; a non-text value (a number) gives its
    ``str()`` unchanged: numbers are not formulas.
    """
    if text is None:
        return ""
    if not isinstance(text, str):
        return str(text)
    if is_formula_like(text):
        return QUOTE + text
    return text
