"""The problems found in one file, each located in it.

    log = Log("raw/2023-06.xlsx")
    log.error("the unit cell is empty", sheet="SoHoa", row=7, column="Đơn vị")
    log.problems   # -> [Problem("error", "the unit cell is empty", "raw/2023-06.xlsx", "SoHoa", 7, "Đơn vị", "")]
"""

from __future__ import annotations

from cchc import cells
from cchc.dataset import ERROR, WARNING, Problem


class Log:
    """Collects the problems of one file; a value is kept as the user would read it."""

    def __init__(self, file: str):
        self.file = file
        self.problems: list[Problem] = []

    def add(self, level, message, sheet="", row=None, column="", value=None):
        text = cells.cell_text(value)
        self.problems.append(Problem(level, message, self.file, sheet, row, column, text))

    def error(self, message, **where):
        self.add(ERROR, message, **where)

    def warning(self, message, **where):
        self.add(WARNING, message, **where)
