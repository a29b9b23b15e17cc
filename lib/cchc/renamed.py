"""Units renamed in units.csv: the old name in past workbooks as one problem, not one per row.

    problems = summarize_unknown_units(problems, registry)

When units.csv renames a unit, every past workbook still writes the old name:
an "unknown unit" error on each of its rows (SoHoa, ThanhToan, QuaHan, BaoCao,
month after month) and a "has no row in SoHoa" warning for the renamed unit in
each of those months. A name unknown in two workbooks or more is one problem
instead, which says where it is and suggests the fix: add the old name to the
unit's aliases. The unit is the one registry unit without a SoHoa row in every
workbook whose SoHoa has the unknown name (else the closest names are given);
its "has no row" warnings in those workbooks go, as they say the same thing.
A name unknown in one workbook only (a typing mistake, most likely) keeps its
errors row by row.
"""

from __future__ import annotations

from cchc import cells
from cchc.contract import SHEETS
from cchc.dataset import ERROR, WARNING, Problem
from cchc.registry import Registry, fold, normalize_name

#: The start of the error on a unit cell that names no registry unit (cchc.columns).
UNKNOWN_UNIT = "unknown unit: not in units.csv (name or alias)"
#: The end of the warning on a registry unit without a SoHoa row (cchc.load).
NO_ROW = "has no row in SoHoa: counted as no dossiers"


def no_row_warning(file: str, code: str, name: str) -> Problem:
    return Problem(WARNING, f"unit {name} ({code}) {NO_ROW}", file=file, sheet="SoHoa", value=name)


def _is_unknown(p: Problem) -> bool:
    return p.level == ERROR and p.message.startswith(UNKNOWN_UNIT)


def _is_no_row(p: Problem) -> bool:
    return p.level == WARNING and p.sheet == "SoHoa" and p.message.endswith(NO_ROW)


def _bare_name(text: str, key: str) -> str:
    """The name as written, without a leading "UBND xã" and the like: "UBND xã Hoà Bình" -> "Hoà Bình"."""
    words = cells.cell_text(text).split()
    for i in range(len(words)):
        if fold(" ".join(words[i:])) == key:
            return " ".join(words[i:])
    return " ".join(words)


def _where(files: list[str], rows: int, sheets: list[str]) -> str:
    """ "raw/2023-05.xlsx and raw/2023-06.xlsx (4 rows of SoHoa, ThanhToan)", the first and last of many."""
    if len(files) <= 3:
        listed, count = ", ".join(files[:-1]) + " and " + files[-1], ""
    else:
        listed, count = f"{files[0]} … {files[-1]}", f"{len(files)} workbooks; "
    return f"{listed} ({count}{rows} rows of {', '.join(sheets)})"


def summarize_unknown_units(problems: list[Problem], registry: Registry) -> list[Problem]:
    """The problems with each name unknown in several workbooks as one error (module docstring)."""
    groups: dict[str, list[Problem]] = {}
    for p in problems:
        if _is_unknown(p):
            key = normalize_name(p.value)
            if key:
                groups.setdefault(key, []).append(p)
    groups = {k: g for k, g in groups.items() if len({p.file for p in g}) >= 2}
    if not groups:
        return problems

    no_row: dict[str, set[str]] = {}  # file -> codes without a SoHoa row
    for p in problems:
        if _is_no_row(p):
            no_row.setdefault(p.file, set()).update(registry.candidates(p.value))

    summary: dict[str, Problem] = {}
    dropped: set[tuple[str, str]] = set()  # (file, code) of redundant "has no row" warnings
    for key, group in groups.items():
        name = _bare_name(group[0].value, key)
        files = list(dict.fromkeys(p.file for p in group))
        sheets = sorted({p.sheet for p in group}, key=lambda s: list(SHEETS).index(s) if s in SHEETS else len(SHEETS))
        in_sohoa = list(dict.fromkeys(p.file for p in group if p.sheet == "SoHoa"))
        unit = None
        if in_sohoa:
            common = set.intersection(*(no_row.get(f, set()) for f in in_sohoa))
            if len(common) == 1:
                unit = common.pop()
        where = f"unknown unit '{name}' in {_where(files, len(group), sheets)} is not in units.csv"
        if unit is not None:
            dropped.update((f, unit) for f in in_sohoa)
            fix = (f"if it is the old name of '{registry.name(unit)}' ({unit}), add '{name}' to that unit's aliases "
                   "in units.csv (column aliases, names separated by ';')")
        else:
            near = registry.closest(name)
            fix = (f"if it is the old name of a unit, add '{name}' to that unit's aliases in units.csv"
                   + (f" (closest registry names: {', '.join(near)})" if near else ""))
        summary[key] = Problem(ERROR, f"{where}; {fix}")

    out, done = [], set()
    for p in problems:
        if _is_unknown(p) and normalize_name(p.value) in summary:
            key = normalize_name(p.value)
            if key not in done:  # the summary where the name is first met
                out.append(summary[key])
                done.add(key)
        elif _is_no_row(p) and any((p.file, c) in dropped for c in registry.candidates(p.value)):
            continue
        else:
            out.append(p)
    return out
