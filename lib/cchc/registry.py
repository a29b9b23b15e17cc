"""The registry of units (units.csv): reading, validation, name matching.

Names written in the monthly workbooks are matched against the registry's names
and aliases through a *key* that ignores case, spacing, Unicode normalisation
form, the placement of the tone mark ("hoá" = "hóa", "Uỷ" = "Ủy") and a leading
"UBND" / "Ủy ban nhân dân" then "xã" / "thị trấn" / "phường". Diacritics are
otherwise kept: "Hà Kỳ" and "Hạ Kỳ", "Tân" and "Tấn" stay different.

    registry, problems = load_registry(data_dir)
    registry.match("UBND xã Hòa Bình")      # -> "XA_HOA_BINH" (registry name "Hoà Bình")
    registry.closest("Hoa Binh")            # -> ["Hoà Bình", ...]
"""

from __future__ import annotations

import csv
import difflib
import re
import unicodedata
from pathlib import Path

import pandas as pd

from cchc.dataset import ERROR, KINDS, LOCAL_KINDS, UNIT_COLUMNS, WARNING, Problem
from cchc.text import nfc

UNITS_FILE = "units.csv"
REQUIRED_COLUMNS = ("code", "name", "kind")

# Vietnamese tone marks (as combining characters after NFD). Vowel marks
# (circumflex, breve, horn) are part of the letter and are kept in place.
TONE_MARKS = frozenset("\u0300\u0301\u0303\u0309\u0323")
_WORD = re.compile(r"[\w\u0300-\u036f]+")
_DASHES = re.compile(r"\s*[\u2010-\u2015\u2212-]\s*")

# Words accepted in the kind column besides the contract's English ones.
_KIND_WORDS = {
    "department": "department",
    "commune": "commune",
    "town": "town",
    "ward": "ward",
    "special zone": "special_zone",
    "phòng": "department",
    "cơ quan": "department",
    "xã": "commune",
    "thị trấn": "town",
    "phường": "ward",
    "đặc khu": "special_zone",
}


def _move_tone(match: re.Match) -> str:
    word = match.group(0)
    tones = sorted(c for c in word if c in TONE_MARKS)
    if not tones:
        return word
    return "".join(c for c in word if c not in TONE_MARKS) + "".join(tones)


def fold(text) -> str:
    """Comparison key of a text: case, spacing, NFC/NFD and tone placement ignored.

    Each word's tone mark is moved to the end of the word, so "hoá"/"hóa" and
    "thuỷ"/"thủy" give the same key while "Hà"/"Hạ" and "Tân"/"Tấn" do not.
    Dashes of any kind become " - ". Used for names and for sheet headers.
    """
    if text is None:
        return ""
    s = unicodedata.normalize("NFD", str(text)).casefold()
    s = _DASHES.sub(" - ", s)
    s = _WORD.sub(_move_tone, s)
    return " ".join(s.split())


_KIND_WORDS = {fold(k): v for k, v in _KIND_WORDS.items()}
_ORGAN_PREFIXES = tuple(fold(p) + " " for p in ("UBND", "Ủy ban nhân dân"))
_KIND_PREFIXES = tuple(
    (fold(p) + " ", kind)
    for p, kind in (("thị trấn", "town"), ("xã", "commune"), ("phường", "ward"), ("đặc khu", "special_zone"),
                    ("TT", "town"), ("TT.", "town"))
)
# The national portal writes "UBND xã Đông Thái - tỉnh An Giang", "Sở Tư pháp - thành phố Huế":
# the province after a dash is not part of the unit's name.
_PORTAL_SUFFIX = re.compile(r" - (?:" + "|".join(fold(w) for w in ("tỉnh", "thành phố")) + r") .+$")
# …and "Thanh tra tỉnh An Giang": for a department, the level word and the place after it.
_DEPT_PLACE = re.compile(r" (?:" + "|".join(fold(w) for w in ("tỉnh", "thành phố", "huyện")) + r") .+$")
# For departments only, a looser second chance: "Tài chính - Kế hoạch huyện"
# for "Phòng Tài chính - Kế hoạch huyện", "Phòng Tư pháp" for "Phòng Tư pháp huyện".
_DEPT_PREFIXES = tuple(fold(p) + " " for p in ("Phòng", "Sở", "Ban"))
_DEPT_SUFFIXES = tuple(" " + fold(p) for p in ("huyện", "tỉnh", "thành phố", "thị xã", "quận"))


def strip_portal_suffix(key: str) -> str:
    """A folded name without the portal's " - tỉnh …" / " - thành phố …" ending."""
    return _PORTAL_SUFFIX.sub("", key)


def _strip_organ(key: str) -> str:
    for prefix in _ORGAN_PREFIXES:
        if key.startswith(prefix):
            return key[len(prefix):]
    return key


def split_name(text) -> tuple[str | None, str]:
    """(kind hinted by a prefix or None, key without the prefixes) of a unit name."""
    key = _strip_organ(strip_portal_suffix(fold(text)))
    hint = None
    for prefix, kind in _KIND_PREFIXES:
        if key.startswith(prefix) and len(key) > len(prefix):
            key, hint = key[len(prefix):].strip(), kind
            break
    return hint, key


def normalize_name(text) -> str:
    """Matching key of a unit name: `fold` minus a leading UBND/Ủy ban nhân dân, xã/thị trấn/phường."""
    return split_name(text)[1]


def name_keys(text) -> list[str]:
    """Keys under which a registry name or alias is found: without the prefixes,
    and, when it starts with one ("Phường 1"), also with the kind word kept."""
    keys = [normalize_name(text)]
    whole = _strip_organ(fold(text))
    if whole not in keys:
        keys.append(whole)
    return keys


def _loose_department_key(key: str) -> str:
    key = _DEPT_PLACE.sub("", key)
    for prefix in _DEPT_PREFIXES:
        if key.startswith(prefix):
            key = key[len(prefix):]
            break
    for suffix in _DEPT_SUFFIXES:
        if key.endswith(suffix):
            key = key[: -len(suffix)]
            break
    return key.strip()


class Registry:
    """The units of the registry and name matching against them.

    `units` is the frame of docs/architecture.md: code, name, kind, aliases, order.
    """

    def __init__(self, units: pd.DataFrame):
        self.units = units.reset_index(drop=True)
        self._kind = dict(zip(self.units["code"], self.units["kind"]))
        self._name = dict(zip(self.units["code"], self.units["name"]))
        self._exact: dict[str, list[str]] = {}
        # registry codes and portal codes (dvc_code), compared without case or surrounding spaces
        self._by_code = {str(c).strip().casefold(): c for c in self.units["code"]}
        self._by_code.update({str(d).strip().casefold(): c for c, d in zip(self.units["code"], self.units["dvc_code"]) if d})
        loose: dict[str, list[str]] = {}
        self._labels: dict[str, list[str]] = {}  # key -> codes, for `closest`
        for code, name, kind, aliases in self.units[["code", "name", "kind", "aliases"]].itertuples(index=False):
            for text in (name, *aliases):
                for key in name_keys(text):
                    _add(self._exact, key, code)
                if kind == "department":
                    _add(loose, _loose_department_key(normalize_name(text)), code)
        # A loose key shared by two departments is no key at all.
        self._loose = {k: v[0] for k, v in loose.items() if len(v) == 1 and k}

    def __len__(self) -> int:
        return len(self.units)

    @property
    def codes(self) -> list[str]:
        return list(self.units["code"])

    def name(self, code: str) -> str:
        return self._name[code]

    def kind(self, code: str) -> str:
        return self._kind[code]

    def by_code(self, text) -> str | None:
        """The unit whose registry code or portal code (`dvc_code`) the text is, or None."""
        return self._by_code.get(str(text).strip().casefold()) if text is not None else None

    def candidates(self, text) -> list[str]:
        """Codes of every unit the text may name (registry order); [] when none.

        Names as the workbooks and the national portal write them: "UBND xã Hòa
        Bình", "UBND Xã Nhơn Hội - tỉnh An Giang", "Thanh tra tỉnh An Giang".
        """
        hint, key = split_name(text)
        if not key:
            return []
        found = self._exact.get(key) or self._exact.get(_strip_organ(strip_portal_suffix(fold(text))), [])
        if hint and found:
            same_kind = [c for c in found if self._kind[c] == hint]
            local = [c for c in found if self._kind[c] in LOCAL_KINDS]
            found = same_kind or local
        if not found and not hint:
            full = strip_portal_suffix(fold(text))
            code = self._loose.get(_loose_department_key(full)) or self._loose.get(_loose_department_key(key))
            found = [code] if code else []
        return list(found)

    def match(self, text) -> str | None:
        """The code of the unit the text names, or None when unknown or ambiguous."""
        found = self.candidates(text)
        return found[0] if len(found) == 1 else None

    def closest(self, text, n: int = 3) -> list[str]:
        """Up to n registry names closest to the text (difflib on the keys)."""
        key = normalize_name(text)
        keys = list(self._exact)
        names: list[str] = []
        for cutoff in (0.6, 0.4):
            for k in difflib.get_close_matches(key, keys, n=max(3 * n, 10), cutoff=cutoff):
                for code in self._exact[k]:
                    if self._name[code] not in names:
                        names.append(self._name[code])
            if names:
                break
        return names[:n]


def _add(index: dict, key: str, code: str) -> None:
    codes = index.setdefault(key, [])
    if code not in codes:
        codes.append(code)


def empty_units() -> pd.DataFrame:
    return _frame([])


def _frame(records: list[dict]) -> pd.DataFrame:
    frame = pd.DataFrame(records, columns=UNIT_COLUMNS)
    frame["aliases"] = frame["aliases"].astype(object)
    return frame.astype({"code": "str", "name": "str", "kind": "str", "order": "int64", "dvc_code": "str"})


#: The separators units.csv may have: Excel writes "CSV" with ';' where the decimal
#: comma is the locale's (Vietnamese, most of Europe), and "Unicode text" with tabs.
SEPARATORS = (",", ";", "\t")


def _header(cells: list[str]) -> list[str]:
    return [nfc(c).strip().casefold() for c in cells]


def _delimiter(header_line: str) -> str:
    """The separator of units.csv, sniffed from its header row: the one that
    gives the most of the required columns (the comma on a tie)."""
    def found(sep):
        header = _header(next(csv.reader([header_line], delimiter=sep), []))
        return sum(c in header for c in REQUIRED_COLUMNS)

    return max(SEPARATORS, key=found)


def _separator_hint(header: list[str]) -> str:
    """When the header row is one cell holding punctuation: the likely cause."""
    cells = [c for c in header if c.strip()]
    if len(cells) != 1:
        return ""
    sep = next((ch for ch in cells[0].strip() if not (ch.isalnum() or ch in " _")), None)
    if sep is None:
        return ""
    return (f"its header row is one column, {cells[0].strip()!r}: the likely cause is the separator {sep!r} "
            "(',', ';' and tabs are read); save it as 'CSV UTF-8 (Comma delimited)'")


def read_units(path: Path, file: str = UNITS_FILE) -> tuple[pd.DataFrame, list[Problem]]:
    """Read and check units.csv; returns the units frame (valid rows) and the problems."""
    problems: list[Problem] = []

    def error(message, row=None, column="", value="", level=ERROR):
        problems.append(Problem(level, message, file=file, row=row, column=column, value=str(value)))

    try:
        raw = Path(path).read_bytes()
    except FileNotFoundError:
        error("the registry of units is missing: expected a file units.csv (columns code,name,kind,aliases)")
        return empty_units(), problems
    except OSError as exc:
        error(f"cannot read the registry of units: {exc.strerror or exc}")
        return empty_units(), problems
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        error(f"units.csv is not UTF-8 text (byte {exc.start}); save it as 'CSV UTF-8'")
        return empty_units(), problems

    rows = text.splitlines()
    delimiter = _delimiter(rows[0]) if rows else ","
    lines = list(csv.reader(rows, delimiter=delimiter))
    if not lines or not any(c.strip() for c in lines[0]):
        error("units.csv is empty: expected a header row code,name,kind,aliases and one row per unit")
        return empty_units(), problems
    header = _header(lines[0])
    missing = [c for c in REQUIRED_COLUMNS if c not in header]
    cause = _separator_hint(lines[0]) if missing else ""
    if cause:  # one problem, its likely cause, rather than one per column
        error(f"units.csv has no column {', '.join(repr(c) for c in missing)}: {cause}", row=1)
    else:
        for c in missing:
            error(f"units.csv has no column '{c}' (expected columns code,name,kind,aliases)", row=1, column=c)
    if missing:
        return empty_units(), problems
    at = {c: header.index(c) for c in (*REQUIRED_COLUMNS, "aliases", "dvc_code") if c in header}
    seen_dvc: dict[str, int] = {}

    records: list[dict] = []
    seen_codes: dict[str, int] = {}
    for rownum, cells in enumerate(lines[1:], start=2):
        if not any(c.strip() for c in cells):
            continue
        code, name, kind_text, aliases_text = (
            nfc(cells[at[c]]).strip() if c in at and at[c] < len(cells) else "" for c in ("code", "name", "kind", "aliases")
        )
        ok = True
        if not code:
            error("empty unit code", row=rownum, column="code")
            ok = False
        elif code in seen_codes:
            error(f"duplicate unit code (already on row {seen_codes[code]})", row=rownum, column="code", value=code)
            ok = False
        if not name:
            error("empty unit name", row=rownum, column="name", value=name)
            ok = False
        kind = _KIND_WORDS.get(fold(kind_text).replace("_", " "))
        if kind is None:
            error(f"unknown kind: expected one of {', '.join(KINDS)}", row=rownum, column="kind", value=kind_text)
            ok = False
        if not ok:
            continue
        dvc_code = nfc(cells[at["dvc_code"]]).strip() if "dvc_code" in at and at["dvc_code"] < len(cells) else ""
        if dvc_code and dvc_code.casefold() in seen_dvc:
            error(f"duplicate portal code dvc_code (already on row {seen_dvc[dvc_code.casefold()]})",
                  row=rownum, column="dvc_code", value=dvc_code)
            continue
        seen_codes[code] = rownum
        if dvc_code:
            seen_dvc[dvc_code.casefold()] = rownum
        aliases = tuple(dict.fromkeys(a for a in (nfc(x).strip() for x in aliases_text.split(";")) if a))
        records.append({"code": code, "name": name, "kind": kind, "aliases": aliases, "row": rownum,
                        "dvc_code": dvc_code})

    if not records and not problems:
        error("units.csv lists no units")
    problems.extend(_ambiguities(records, file))
    units = _frame([{**{k: r[k] for k in UNIT_COLUMNS[:4]}, "order": i, "dvc_code": r["dvc_code"]}
                    for i, r in enumerate(records)])
    return units, problems


def _ambiguities(records: list[dict], file: str) -> list[Problem]:
    """Names/aliases that would make matching ambiguous.

    Two units of the same kind, or a department and any unit, sharing a key is an
    error. A commune and a town (or ward) with the same bare name is only a
    warning: the workbook must then write the prefix ("xã …", "thị trấn …").
    """
    owners: dict[str, list[tuple[dict, str]]] = {}
    for r in records:
        for text in (r["name"], *r["aliases"]):
            for key in name_keys(text):
                entries = owners.setdefault(key, [])
                if all(o["code"] != r["code"] for o, _ in entries):
                    entries.append((r, text))
    problems = []
    for entries in owners.values():
        for (first, first_text), (other, text) in zip(entries, entries[1:]):
            kinds = {first["kind"], other["kind"]}
            clash = len(kinds) == 1 or "department" in kinds
            column = "name" if text == other["name"] else "aliases"
            message = (
                f"name or alias '{text}' of unit {other['code']} is the same as '{first_text}' "
                f"of unit {first['code']} (row {first['row']})"
            )
            if clash:
                problems.append(Problem(ERROR, message + ": names and aliases must tell units apart",
                                        file=file, row=other["row"], column=column, value=text))
            else:
                problems.append(Problem(WARNING, message + ": the workbooks must write the prefix "
                                        "(xã / thị trấn / phường) to tell them apart",
                                        file=file, row=other["row"], column=column, value=text))
    return list(dict.fromkeys(problems))  # a clash under two keys is one problem


def load_registry(data_dir) -> tuple[Registry, list[Problem]]:
    """Read `<data_dir>/units.csv`; a Registry of its valid rows, and the problems."""
    units, problems = read_units(Path(data_dir) / UNITS_FILE)
    return Registry(units), problems
