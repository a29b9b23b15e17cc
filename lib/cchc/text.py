"""Text as the product writes it: Unicode NFC, the one normal form of every string.

    nfc("Hoa\u0300 Bi\u0300nh")   # -> "Hoà Bình" (composed)
    lower_first("Mất điện toàn khu vực")   # -> "mất điện toàn khu vực"

Every text that comes from a file (registry, config, workbooks) or goes into an
output (letter, tables, charts, office files) passes through `nfc`; callers
strip or fold as their job needs.
"""

from __future__ import annotations

import unicodedata


def nfc(text) -> str:
    """`text` as a string in Unicode normal form C (None gives "")."""
    if text is None:
        return ""
    return unicodedata.normalize("NFC", str(text))


def nfc_tree(value):
    """Every string in a YAML-like tree (dicts, lists, scalars) in NFC and stripped; keys too."""
    if isinstance(value, str):
        return nfc(value).strip()
    if isinstance(value, dict):
        return {nfc_tree(k): nfc_tree(v) for k, v in value.items()}
    if isinstance(value, list):
        return [nfc_tree(v) for v in value]
    return value


def starts_lower(text) -> bool:
    """Does the text begin with a lower-case letter ("do lỗi …", "vì …")?"""
    s = nfc(text).lstrip()
    return bool(s) and s[0].islower()


def lower_first(text) -> str:
    """The text with its first letter lowered, where that cannot change a name.

    A sentence written to stand alone ("Mất điện toàn khu vực") can then go on
    after a colon in the middle of a sentence. Left as written: a first word
    that is not a capitalised word (an abbreviation "UBND", "VNPT", "iGate",
    a number, a single letter) and a first word followed by a capitalised one
    (a proper name: "Sở Tư pháp …", "Hải Dương …").
    """
    s = nfc(text)
    words = s.split()
    if not words:
        return s
    first = words[0].lstrip("\"'“(")
    if len(first) < 2 or not first[0].isupper() or any(c.isupper() for c in first[1:]):
        return s
    if len(words) > 1 and words[1][:1].isupper():
        return s
    at = s.index(first[0])
    return s[:at] + s[at].lower() + s[at + 1:]
