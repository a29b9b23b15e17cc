"""Text as the product writes it: Unicode NFC, the one normal form of every string.

    nfc("Hoa\u0300 Bi\u0300nh")   # -> "Hoà Bình" (composed)

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
