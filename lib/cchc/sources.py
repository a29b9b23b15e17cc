"""The files a month may come from, and which of the month's figures each one brings.

    listing, problems = list_sources(Path("data"))   # {"workbook": {"2023-06": Path(...)}, ...}

A month's data may come from any of three independent sources, each a folder
of files named after the month:

- ``workbook``: raw/YYYY-MM.xlsx, the office's monthly workbook (four sheets);
- ``index766``: raw/766/YYYY-MM.xlsx or .csv, the national portal's Decision 766 scores;
- ``dossiers``: raw/hoso/YYYY-MM.csv, .xlsx or .parquet, one record per dossier.

A month is reportable when it has at least one of them. Each family of
figures (`FIGURES`) comes from the first source in its list that the month
has and that holds it; a family no source brings is *missing*, and the report
says which file would bring it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from cchc.dataset import ERROR, WARNING, Problem
from cchc.months import is_month

RAW_DIR = "raw"


@dataclass(frozen=True)
class Source:
    name: str
    folder: str  # relative to the data folder
    extensions: tuple[str, ...]  # in order of preference in messages

    def pattern(self, month: str) -> str:
        """How the files of a month are named: "raw/2025-10.xlsx", "raw/hoso/2025-10.csv (.xlsx, .parquet)"."""
        first, *others = self.extensions
        return f"{self.folder}/{month}.{first}" + (f" ({', '.join('.' + e for e in others)})" if others else "")


SOURCES = {
    "workbook": Source("workbook", RAW_DIR, ("xlsx",)),
    "index766": Source("index766", f"{RAW_DIR}/766", ("xlsx", "csv")),
    "dossiers": Source("dossiers", f"{RAW_DIR}/hoso", ("csv", "xlsx", "parquet")),
}

#: Families of figures -> the sources that may bring them, the first one present wins.
FIGURES = {
    "digitization": ("dossiers", "workbook"),
    "payments": ("dossiers", "workbook"),
    "overdue": ("dossiers", "workbook"),
    "reports": ("workbook",),
    "index766": ("index766",),
}

_MONTH_FILE = re.compile(r"(\d{4}-\d{2})\.([A-Za-z]+)")


def list_sources(data_dir: Path) -> tuple[dict[str, dict[str, Path]], list[Problem]]:
    """{source: {month: path}} of every source folder, and the problems of the listing.

    Names that are not a month's file are skipped with a warning (Excel's lock
    files, backups, notes); two files of one month in one source (2025-10.csv
    and 2025-10.xlsx) are an error: which one holds the month is not ours to guess.
    """
    data_dir = Path(data_dir)
    problems: list[Problem] = []
    listing: dict[str, dict[str, Path]] = {}
    for source in SOURCES.values():
        folder = data_dir / source.folder
        found: dict[str, Path] = {}
        listing[source.name] = found
        if not folder.is_dir():
            continue
        for path in sorted(folder.iterdir()):
            name = path.name
            if name.startswith(".") or path.is_dir():
                continue  # .gitkeep, .DS_Store, the other sources' folders
            m = _MONTH_FILE.fullmatch(name)
            if m and is_month(m.group(1)) and m.group(2).lower() in source.extensions:
                month = m.group(1)
                if month in found:
                    problems.append(Problem(
                        ERROR, f"two files for {month}: {found[month].name} and {name}; keep one",
                        file=f"{source.folder}/{name}"))
                    continue
                found[month] = path
            else:
                why = ("an Excel lock file (the workbook is open in Excel)" if name.startswith("~$")
                       else "not a file of a month")
                problems.append(Problem(WARNING, f"ignored: {why}; expected {source.pattern('YYYY-MM')}",
                                        file=f"{source.folder}/{name}"))
    if not (data_dir / RAW_DIR).is_dir():
        problems.append(Problem(ERROR, "no raw/ folder: expected the month's files in raw/ (raw/YYYY-MM.xlsx, "
                                       "raw/766/YYYY-MM.xlsx, raw/hoso/YYYY-MM.csv)", file=RAW_DIR))
    return listing, problems


def months_of(listing: dict[str, dict[str, Path]]) -> list[str]:
    """Every month that has at least one source, sorted."""
    return sorted({m for found in listing.values() for m in found})


#: The workbook's sheet that holds each family of figures.
SHEET_OF = {"digitization": "SoHoa", "payments": "ThanhToan", "overdue": "QuaHan", "reports": "BaoCao"}


def missing(coverage: dict, month: str) -> list[dict]:
    """The families of figures no source brought for `month`, grouped by the files that would bring them.

    `coverage`: {family: source or None} (a row of `Dataset.coverage`). Returns
    [{"figures": [family, …], "files": ["raw/hoso/2025-10.csv (.xlsx, .parquet)",
    "raw/2025-10.xlsx (sheet SoHoa, QuaHan)"]}] in the order of FIGURES.
    """
    groups: dict[tuple, list[str]] = {}
    for family, sources in FIGURES.items():
        if coverage.get(family) is None:
            groups.setdefault(sources, []).append(family)
    out = []
    for sources, families in groups.items():
        files = []
        for name in sources:
            file = SOURCES[name].pattern(month)
            if name == "workbook":
                file += f" (sheet {', '.join(SHEET_OF[f] for f in families)})"
            files.append(file)
        out.append({"figures": families, "files": files})
    return out


def source_of_file(file: str) -> str | None:
    """The source a problem's file belongs to ("workbook", "index766", "dossiers"), None for units.csv, config.yml …"""
    for name in ("index766", "dossiers", "workbook"):  # the sub-folders before raw/ itself
        folder = SOURCES[name].folder + "/"
        if file.startswith(folder) and "/" not in file[len(folder):]:
            return name
    return None
