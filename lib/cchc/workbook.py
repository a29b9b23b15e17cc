"""One monthly workbook, read and checked against the contract.

    month, problems = read_month(path, "raw/2023-06.xlsx", "2023-06", registry)

`month` is None when the file cannot be read or a sheet cannot be used;
`problems` holds every error and warning of the file, sorted by sheet and row.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from cchc import xlsx
from cchc.contract import SHEETS
from cchc.dataset import Problem
from cchc.log import Log
from cchc.registry import Registry, fold
from cchc.sheets import parse_sheet
from cchc.table import read_table


@dataclass
class MonthData:
    """The parsed sheets of one month (cchc.sheets) and the file's sha256.

    `digitization` and `payments` have a bool column `given`: the row has at
    least one count cell filled in (a blank cell counts as 0, but a sheet of
    blank cells is a form never filled in, not a month of zeros).
    """

    digitization: pd.DataFrame
    payments: pd.DataFrame
    overdue: pd.DataFrame
    reports: pd.DataFrame
    sha256: str

    @property
    def has_figures(self) -> bool:
        """Anything at all filled in: a count in SoHoa or ThanhToan, a row in QuaHan or BaoCao."""
        return bool(self.digitization["given"].any() or self.payments["given"].any()
                    or len(self.overdue) or len(self.reports))

    def figures(self) -> dict[str, bool]:
        """Which families of figures (cchc.sources.FIGURES) this workbook brings.

        None when it has no figure at all. SoHoa brings digitisation when one of
        its counts is filled in; ThanhToan brings payments when one of its counts
        is, or when it has no unit row (no unit had payment transactions);
        QuaHan and BaoCao bring overdue dossiers and reports (an empty sheet:
        none this month) once the workbook has any figure.
        """
        filled = self.has_figures
        return {
            "digitization": bool(self.digitization["given"].any()),
            "payments": filled and bool(self.payments["given"].any() or self.payments.empty),
            "overdue": filled,
            "reports": filled,
        }


def read_month(
    path: Path, file: str, month: str, registry: Registry, check_units: bool = True
) -> tuple[MonthData | None, list[Problem]]:
    """Read and check one monthly workbook: its parsed sheets (None when unreadable) and problems."""
    log = Log(file)
    try:
        data = path.read_bytes()
    except OSError as exc:
        log.error(f"cannot read the file: {exc.strerror or exc}")
        return None, log.problems
    sha = hashlib.sha256(data).hexdigest()

    try:
        book = xlsx.Workbook(data)
    except Exception:  # noqa: BLE001 — any failure is the same problem for the user
        log.error(xlsx.unreadable(data))
        return None, log.problems

    sheets: dict[str, pd.DataFrame] = {}
    with book:
        for sheet in SHEETS:
            frame = _sheet(book, sheet, registry, log, check_units, month)
            if frame is not None:
                sheets[sheet] = frame

    order = {s: i for i, s in enumerate(SHEETS)}
    problems = sorted(log.problems, key=lambda p: (order.get(p.sheet, -1), p.row or 0))
    if len(sheets) < len(SHEETS):
        return None, problems
    month_data = MonthData(
        digitization=sheets["SoHoa"], payments=sheets["ThanhToan"], overdue=sheets["QuaHan"],
        reports=sheets["BaoCao"], sha256=sha,
    )
    return month_data, problems


def _sheet(book: xlsx.Workbook, sheet: str, registry: Registry, log: Log, check_units: bool,
           month: str) -> pd.DataFrame | None:
    """The frame of one contract sheet, or None (and errors) when it is missing, unreadable or headless."""
    present = book.sheetnames
    if sheet not in present:
        near = [s for s in present if fold(s).replace(" ", "") == fold(sheet)]
        hint = f" (found '{near[0]}': rename it to '{sheet}')" if near else f" (sheets found: {', '.join(present)})"
        log.error(f"missing sheet '{sheet}'{hint}", sheet=sheet)
        return None
    try:
        rows, uncached = book.rows(sheet), book.uncached(sheet)
    except Exception:  # noqa: BLE001
        log.error("cannot read this sheet: the workbook is damaged; save it again from Excel", sheet=sheet)
        return None
    table = read_table(sheet, rows, log, uncached)
    return None if table is None else parse_sheet(table, registry, log, check_units, month, book.epoch)
