"""The national portal's Decision 766 export of a month (raw/766/YYYY-MM.xlsx or .csv), read and checked.

    export, problems = read_export(path, "raw/766/2025-10.xlsx", "2025-10", registry)
    export.index766      # one row per registry unit scored: code, level, total, CKMB … MDSH, sheet, row
    export.provinces     # one row per province (LOAI_COQUAN 1): dvc_code, name, total, CKMB … MDSH, sheet, row

The export is read as the portal writes it: one or more sheets with any names
(provinces, departments, local units), a header row anywhere in the first
rows holding at least the columns of `COLUMNS` (extra columns are ignored),
numbers as numbers or as text with "." or "," as the decimal mark. A sheet
whose header has fewer than `MIN_HEADERS` of those columns is not a table of
scores and is skipped; one with more but not all of them is an error per
missing column. Every problem of the file is collected, each located by file,
sheet, row, column and value:

errors   a missing column; a type (LOAI_COQUAN) other than 1, 2, 3; a score
         that is blank, not a number or outside its range (`GROUPS`, total
         0–100); a type-2/3 row that matches no registry unit (with the
         closest names), matches several, or matches a unit of the other
         level; a unit (or province) twice in one file;
warnings a total that differs from the sum of its six groups by more than
         `SUM_TOLERANCE`; a registry unit with no row.

Rows match the registry by portal code (`dvc_code`, or the registry code),
else by name (`cchc.registry.Registry.candidates`: the portal's "UBND xã … -
tỉnh …", "Sở Tư pháp - tỉnh …", "Thanh tra tỉnh …"). Type-1 rows are
provinces: the issuer's own row is found when the month is assembled
(`assemble`, from config.yml's `province_code` or its issuer name), the others
are context.
"""

from __future__ import annotations

import csv
import hashlib
import io
import math
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from cchc import cells, xlsx
from cchc.dataset import INDEX766_COLUMNS, PROVINCES766_COLUMNS, SCORES766, WARNING, Problem, empty_frame
from cchc.log import Log
from cchc.registry import Registry, fold, strip_portal_suffix
from cchc.table import HEADER_SEARCH_ROWS, find_header
from cchc.text import nfc

#: The six groups of the index and their maximum points, in the portal's order
#: (also the tie-break order of the weakest group).
GROUPS: dict[str, float] = {"CKMB": 18.0, "TDGQ": 20.0, "CLGQ": 12.0, "TTTT": 10.0, "MDHL": 18.0, "MDSH": 22.0}
TOTAL_MAX = 100.0
#: The export's columns we read: field -> header as the portal writes it.
COLUMNS: dict[str, str] = {"name": "TEN", "dvc_code": "MA_COQUAN", "type": "LOAI_COQUAN",
                           **{g: g for g in GROUPS}, "total": "TONG_SCORE"}
#: A sheet whose best header row has fewer of COLUMNS than this is not a table of scores.
MIN_HEADERS = 3
#: A total may differ from the sum of its groups by this much (the portal rounds each group).
SUM_TOLERANCE = 0.05
#: LOAI_COQUAN -> what the row is.
TYPES = {1: "province", 2: "department", 3: "local"}
SCORE_COLUMNS = SCORES766  # "total", then GROUPS' keys (the frames' schema, cchc.dataset)
UNIT_COLUMNS = ["code", "level", *SCORE_COLUMNS, "sheet", "row"]
PROVINCE_COLUMNS = ["dvc_code", "name", *SCORE_COLUMNS, "sheet", "row"]

_NUMBER = re.compile(r"[+-]?(?:\d+(?:[.,]\d*)?|[.,]\d+)")
_SPACES = re.compile(r"[\s\u00a0\u202f]+")


@dataclass
class Export766:
    """One month's 766 export, parsed: the scored registry units and the provinces."""

    index766: pd.DataFrame  # UNIT_COLUMNS, file order
    provinces: pd.DataFrame  # PROVINCE_COLUMNS, file order
    sha256: str
    file: str

    def figures(self) -> dict[str, bool]:
        """The families of figures it brings (cchc.sources.FIGURES): the 766 index."""
        return {"index766": True}


def level_of(kind: str) -> str:
    """The 766 level of a registry kind: "department" or "local"."""
    return "department" if kind == "department" else "local"


def parse_score(value) -> float:
    """A score: a number, or a text with "." or "," as the decimal mark ("86,5", " 86.50 ")."""
    if cells.is_blank(value):
        raise ValueError("empty score: expected a number")
    if isinstance(value, bool):
        raise ValueError("not a number (TRUE/FALSE): expected a score")
    if isinstance(value, (int, float)):
        if isinstance(value, float) and not math.isfinite(value):
            raise ValueError("not a number: expected a score")
        return float(value)
    if isinstance(value, str):
        text = _SPACES.sub("", value)
        if text.startswith("#"):
            raise ValueError(f"Excel error value {text}: expected a score")
        if _NUMBER.fullmatch(text):
            return float(text.replace(",", "."))
    raise ValueError("not a number: expected a score such as 86,5")


def _parse_type(value) -> int:
    try:
        number = cells.parse_int(value) if not cells.is_blank(value) else None
    except ValueError:
        number = None
    if number not in TYPES:
        raise ValueError("LOAI_COQUAN must be 1 (province), 2 (department) or 3 (local unit)")
    return number


# --------------------------------------------------------------------------- the file's sheets


def _csv_rows(data: bytes, log: Log) -> list[tuple] | None:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        log.error(f"cannot be read: the CSV file is not UTF-8 text (byte {exc.start}); export it again as UTF-8")
        return None
    if not text.strip():
        log.error("cannot be read: the file is empty")
        return None
    # the separator of the header row, wherever it is among the rows find_header searches: the one a
    # line there has most of (a title row above the header may hold a comma in a file separated by ";")
    head = text.splitlines()[:HEADER_SEARCH_ROWS]
    delimiter = max((",", ";", "\t"), key=lambda d: max(line.count(d) for line in head))
    return [tuple(row) for row in csv.reader(io.StringIO(text), delimiter=delimiter)]


def _sheets(data: bytes, file: str, log: Log) -> list[tuple[str, list[tuple]]] | None:
    """(sheet name, rows) of the file: every sheet of a workbook, the one table of a CSV ("")."""
    if file.lower().endswith(".csv"):
        rows = _csv_rows(data, log)
        return None if rows is None else [("", rows)]
    try:
        book = xlsx.Workbook(data)
    except Exception:  # noqa: BLE001 — any failure is the same problem for the user
        log.error(xlsx.unreadable(data))
        return None
    out = []
    with book:
        for name in book.sheetnames:
            try:
                out.append((name, book.rows(name)))
            except Exception:  # noqa: BLE001
                log.error("cannot read this sheet: the workbook is damaged; export it again", sheet=name)
    return out


def _tables(sheets: list[tuple[str, list[tuple]]], log: Log) -> list[pd.DataFrame]:
    """The score tables of the sheets: object columns named by field, plus sheet, row and the headers as written."""
    tables = []
    for sheet, rows in sheets:
        last, mapping, best, count = find_header(rows, COLUMNS)
        if last is None:
            if count >= MIN_HEADERS:
                for field, header in COLUMNS.items():
                    if field not in mapping:
                        log.error(f"missing column '{header}' (header row {best + 1}); the portal's export has "
                                  + ", ".join(COLUMNS.values()), sheet=sheet, row=best + 1, column=header)
            elif sheet and any(not cells.is_blank(v) for r in rows for v in r):
                log.warning("no table of 766 scores in this sheet (no header row with "
                            + ", ".join(COLUMNS.values()) + "): ignored", sheet=sheet)
            continue
        fields = list(COLUMNS)
        index = [mapping[f][0] for f in fields]
        body = rows[last + 1:]
        matrix = np.empty((len(body), len(fields)), dtype=object)
        for i, r in enumerate(body):
            matrix[i] = [r[j] if j < len(r) else None for j in index]
        frame = pd.DataFrame(matrix, columns=fields, dtype=object)
        frame = frame.assign(sheet=sheet, row=np.arange(last + 2, last + 2 + len(body)))
        frame.attrs["headers"] = {f: mapping[f][1] for f in fields}
        blank = frame[fields].map(cells.is_blank).all(axis=1)
        tables.append(frame[~blank.to_numpy()])
    if not tables and not any(p.is_error for p in log.problems):
        log.error("no table of 766 scores found: expected a header row with " + ", ".join(COLUMNS.values()))
    return tables


# --------------------------------------------------------------------------- rows


def _scores(table: pd.DataFrame, log: Log) -> tuple[pd.DataFrame, pd.Series]:
    """The parsed scores (floats) of a table and the mask of rows with an error."""
    headers = table.attrs["headers"]
    out = pd.DataFrame(index=table.index)
    bad = pd.Series(False, index=table.index)
    limits = {**GROUPS, "total": TOTAL_MAX}
    for field in SCORE_COLUMNS:
        values = np.full(len(table), np.nan)
        for i, (value, sheet, row) in enumerate(zip(table[field], table["sheet"], table["row"])):
            try:
                x = parse_score(value)
            except ValueError as exc:
                log.error(str(exc), sheet=sheet, row=int(row), column=headers[field], value=value)
                continue
            if not 0 <= x <= limits[field]:
                what = "the total" if field == "total" else f"group {field}"
                log.error(f"{what} is outside its range 0–{limits[field]:g}", sheet=sheet, row=int(row),
                          column=headers[field], value=value)
                continue
            values[i] = x
        out[field] = values
        bad |= out[field].isna()
    return out, bad


def _check_sum(scores: pd.DataFrame, table: pd.DataFrame, log: Log) -> None:
    groups = scores[list(GROUPS)].sum(axis=1)
    off = (scores["total"] - groups).abs().round(6) > SUM_TOLERANCE
    header = table.attrs["headers"]["total"]
    for i in np.flatnonzero(off.to_numpy()):
        t, s = scores["total"].iloc[i], groups.iloc[i]
        log.warning(f"the total differs from the sum of its six groups ({_n(s)}) by {_n(abs(t - s))}: "
                    f"check the export", sheet=table["sheet"].iloc[i], row=int(table["row"].iloc[i]),
                    column=header, value=table["total"].iloc[i])


def _n(x: float) -> str:
    return f"{round(float(x), 2):g}".replace(".", ",")


def _match(name: str, dvc: str, level: str, registry: Registry) -> tuple[str | None, str | None]:
    """(registry code, None) or (None, why not) for a type-2/3 row."""
    code = registry.by_code(dvc) if dvc else None
    if code is None:
        found = registry.candidates(name)
        if len(found) > 1:
            same = [c for c in found if level_of(registry.kind(c)) == level]
            found = same if len(same) == 1 else found
        if len(found) > 1:
            names = ", ".join(f"{registry.name(c)} ({c})" for c in found)
            return None, f"ambiguous unit: it may be {names}; give the unit's dvc_code in units.csv"
        if not found:
            near = registry.closest(name or dvc)
            hint = f"; closest registry names: {', '.join(near)}" if near else ""
            return None, f"unknown unit: not in units.csv (dvc_code, name or alias){hint}"
        code = found[0]
    if level_of(registry.kind(code)) != level:
        other = "a department" if level == "local" else "a local unit"
        return None, (f"LOAI_COQUAN says {'a department' if level == 'department' else 'a local unit'}, "
                      f"but it matches {registry.name(code)} ({code}), {other} in units.csv")
    return code, None


def read_export(path: Path, file: str, month: str, registry: Registry) -> tuple[Export766 | None, list[Problem]]:
    """Read and check one month's 766 export: its parsed rows (None when it cannot be used) and every problem."""
    log = Log(file)
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        log.error(f"cannot read the file: {exc.strerror or exc}")
        return None, log.problems
    sha = hashlib.sha256(data).hexdigest()
    sheets = _sheets(data, file, log)
    if sheets is None:
        return None, log.problems
    units: list[dict] = []
    provinces: list[dict] = []
    seen: dict[str, tuple[str, int]] = {}
    for table in _tables(sheets, log):
        headers = table.attrs["headers"]
        scores, bad = _scores(table, log)
        _check_sum(scores[~bad], table[~bad], log)
        for i, (name_cell, dvc_cell, type_cell, sheet, row) in enumerate(
                table[["name", "dvc_code", "type", "sheet", "row"]].itertuples(index=False)):
            row = int(row)
            name, dvc = cells.parse_text(name_cell), cells.parse_text(dvc_cell)
            try:
                kind = TYPES[_parse_type(type_cell)]
            except ValueError as exc:
                log.error(str(exc), sheet=sheet, row=row, column=headers["type"], value=type_cell)
                continue
            if not name and not dvc:
                log.error("the unit has neither a name (TEN) nor a code (MA_COQUAN)", sheet=sheet, row=row,
                          column=headers["name"])
                continue
            if kind == "province":
                key, code, where = "province:" + fold(dvc or name), None, (headers["dvc_code" if dvc else "name"],
                                                                           dvc or name)
            else:
                code, why = _match(name, dvc, kind, registry)
                if code is None:
                    column = "dvc_code" if dvc and not name else "name"
                    log.error(why, sheet=sheet, row=row, column=headers[column], value=name or dvc)
                    continue
                key, where = code, (headers["name"], name or dvc)
            if key in seen:
                first_sheet, first_row = seen[key]
                at = f"sheet {first_sheet}, row {first_row}" if first_sheet else f"row {first_row}"
                what = registry.name(code) + f" ({code})" if code else "this province"
                log.error(f"{what} is in the export twice (first on {at}): one row per unit",
                          sheet=sheet, row=row, column=where[0], value=where[1])
                continue
            seen[key] = (sheet, row)
            if bad.iloc[i]:
                continue
            figures = {f: float(scores[f].iloc[i]) for f in SCORE_COLUMNS}
            if kind == "province":
                provinces.append({"dvc_code": dvc, "name": nfc(name), **figures, "sheet": sheet, "row": row})
            else:
                units.append({"code": code, "level": kind, **figures, "sheet": sheet, "row": row})
    if any(p.is_error for p in log.problems):
        return None, log.problems
    scored = set(u["code"] for u in units)
    for code, name in zip(registry.units["code"], registry.units["name"]):
        if code not in scored:
            log.warning(f"unit {name} ({code}) has no row in the 766 export: it is left out of the ranking",
                        value=name)
    return Export766(_frame(units, UNIT_COLUMNS), _frame(provinces, PROVINCE_COLUMNS), sha, file), log.problems


def _frame(records: list[dict], columns: list[str]) -> pd.DataFrame:
    frame = pd.DataFrame(records, columns=columns)
    types = {c: "float64" for c in SCORE_COLUMNS}
    types.update({c: "str" for c in columns if c not in SCORE_COLUMNS and c != "row"})
    return frame.astype({**types, "row": "int64"})


# --------------------------------------------------------------------------- the months, assembled


#: Dataset.index766: one row per month and scored registry unit.
SCORES_COLUMNS = INDEX766_COLUMNS
#: Dataset.provinces766: one row per month and province row of the export; `issuer`: the issuer's own row.
PROVINCES_COLUMNS = PROVINCES766_COLUMNS


def _key(text) -> str:
    """A province's name compared: folded, without a leading UBND / Ủy ban nhân dân."""
    key = strip_portal_suffix(fold(text))
    for prefix in (fold("UBND") + " ", fold("Ủy ban nhân dân") + " "):
        if key.startswith(prefix):
            key = key[len(prefix):]
    return key


def is_issuer(provinces: pd.DataFrame, config: dict) -> pd.Series:
    """The rows of `provinces` that are the issuer's own: by config `province_code`, else by its issuer name."""
    code = str((config or {}).get("province_code") or "").strip()
    if code:
        return provinces["dvc_code"].str.strip().str.casefold() == code.casefold()
    issuer = _key((config or {}).get("issuer") or "")
    return provinces["name"].map(_key) == issuer if issuer else pd.Series(False, index=provinces.index)


def assemble(exports: dict[str, Export766], units: pd.DataFrame, config: dict, month: str
             ) -> tuple[pd.DataFrame, pd.DataFrame, list[Problem]]:
    """The months' exports as the Dataset's frames (index766, provinces766), and the assembly's warnings.

    index766: SCORES_COLUMNS sorted by month then registry order; provinces766:
    PROVINCES_COLUMNS in file order, `issuer` marking the issuer's row
    (`is_issuer`). A province office (`level: tỉnh`, or a `province_code`)
    whose own row is not in the reported month's export is told so.
    """
    order = dict(zip(units["code"], units["order"]))
    parts = [e.index766.assign(month=m) for m, e in sorted(exports.items()) if len(e.index766)]
    scores = empty_frame(SCORES_COLUMNS)
    if parts:
        scores = pd.concat(parts, ignore_index=True)
        scores = (scores.assign(_order=scores["code"].map(order))
                  .sort_values(["month", "_order"], kind="stable")[SCORES_COLUMNS].reset_index(drop=True))
    parts = [e.provinces.assign(month=m) for m, e in sorted(exports.items()) if len(e.provinces)]
    provinces = empty_frame(PROVINCES_COLUMNS, issuer="bool")
    if parts:
        provinces = pd.concat(parts, ignore_index=True)
        provinces = provinces.assign(issuer=is_issuer(provinces, config).astype(bool))[PROVINCES_COLUMNS]
    problems = []
    export = exports.get(month)
    wants = bool((config or {}).get("province_code")) or (config or {}).get("level") == "tỉnh"
    if export is not None and wants and not provinces[provinces["month"] == month]["issuer"].any():
        code = (config or {}).get("province_code")
        by = f"province_code {code}" if code else f"the issuer's name '{(config or {}).get('issuer', '')}'"
        n = int((provinces["month"] == month).sum())
        problems.append(Problem(WARNING, f"the province's own row (LOAI_COQUAN 1, {by}) is not among the "
                                         f"{n} province rows of the export: the province's result is left out "
                                         "(set province_code in config.yml to the portal's MA_COQUAN)",
                                file=export.file))
    return scores.astype({"month": "str", "code": "str"}), provinces, problems

