"""A province's local units from the official list after the July 2025 reform, as units.csv rows.

    path, summary = write_local_units("data", "An Giang")     # `cchc units --province "An Giang"`

The list is the `vietnam-provinces` package's (the General Statistics
Office's codes: 34 provinces, 3,321 communes, wards and special zones). Each
local unit gets its official ward code (five digits, "00070") as its registry
`code`, its bare name ("Tân Lập", as docs/data-format.md wants local names) and
its kind from the official type (xã → commune, phường → ward, đặc khu →
special_zone), in the official code order. The departments (sở, ban, ngành)
and the portal codes (`dvc_code`) are the office's to add.
"""

from __future__ import annotations

import csv
import difflib
import io
from dataclasses import dataclass
from pathlib import Path

from cchc.cells import fold_ascii
from cchc.registry import UNITS_FILE
from cchc.text import nfc

#: The official type of a local unit -> the registry's kind, and the word its name starts with.
KINDS = {"xã": ("commune", "Xã "), "phường": ("ward", "Phường "), "đặc khu": ("special_zone", "Đặc khu ")}
_LEADS = ("tinh ", "thanh pho ", "tp. ", "tp ", "t.p. ")


class UnknownProvince(ValueError):
    """The name is none of the 34 provinces; `closest` holds the nearest names."""

    def __init__(self, name: str, closest: list[str]):
        self.closest = closest
        hint = f"; closest: {', '.join(closest)}" if closest else ""
        super().__init__(f"unknown province '{name}'{hint} (the 34 provinces and cities after July 2025)")


@dataclass(frozen=True)
class LocalUnit:
    code: str
    name: str
    kind: str


def _key(name: str) -> str:
    """A province's name compared: no case, no diacritics, no "tỉnh"/"thành phố"/"TP." in front."""
    key = " ".join(fold_ascii(nfc(name)).split())
    for lead in _LEADS:
        if key.startswith(lead):
            return key[len(lead):].strip()
    return key


def provinces() -> list:
    """The 34 provinces and centrally-run cities (vietnam_provinces.Province), in the official code order."""
    from vietnam_provinces import Province

    return sorted(Province.iter_all(), key=lambda p: p.code.value)


def find_province(name: str):
    """The province `name` means ("An Giang", "tỉnh An Giang", "Huế", "TP Hồ Chí Minh"); UnknownProvince otherwise."""
    known = {_key(p.name): p for p in provinces()}
    key = _key(name)
    if key in known:
        return known[key]
    near = difflib.get_close_matches(key, list(known), n=3, cutoff=0.5)
    raise UnknownProvince(name, [nfc(known[k].name) for k in near])


def local_units(province) -> list[LocalUnit]:
    """The province's communes, wards and special zones: official code, bare name, kind; in code order."""
    from vietnam_provinces import Ward

    out = []
    for ward in sorted(Ward.iter_by_province(province.code), key=lambda w: w.code.value):
        kind, lead = KINDS[ward.division_type.value]
        name = nfc(ward.name)
        out.append(LocalUnit(f"{ward.code.value:05d}", name[len(lead):] if name.startswith(lead) else name, kind))
    return out


def units_csv(units: list[LocalUnit]) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["code", "name", "kind", "aliases", "dvc_code"])
    for u in units:
        w.writerow([u.code, u.name, u.kind, "", ""])
    return buf.getvalue()


def write_local_units(data_dir, name: str, force: bool = False) -> tuple[Path, dict]:
    """Write <data_dir>/units.csv with the local units of province `name`.

    Returns the path and a summary {"province", "counts": {kind: n}, "total"}.
    FileExistsError when units.csv exists and `force` is False; UnknownProvince
    for a name that is none of the 34.
    """
    province = find_province(name)
    path = Path(data_dir) / UNITS_FILE
    if path.exists() and not force:
        raise FileExistsError(f"{path} already exists: it is not overwritten (use --force to replace it)")
    units = local_units(province)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(units_csv(units), encoding="utf-8")
    tmp.replace(path)
    counts = {kind: sum(u.kind == kind for u in units) for kind, _ in KINDS.values()}
    return path, {"province": nfc(province.name), "counts": counts, "total": len(units)}


def list_version() -> str:
    """The official list's version, for the command's message ("2025.10.1, data of 2025-10-18")."""
    import vietnam_provinces

    return f"{vietnam_provinces.__version__}, data of {vietnam_provinces.__data_version__}"
