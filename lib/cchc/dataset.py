"""The loaded month: tidy frames plus the problems found on the way.

Plain containers only; `cchc.load` fills them, everything else reads them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

ERROR = "error"
WARNING = "warning"


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the input, located as the user sees it."""

    level: str  # ERROR or WARNING
    message: str  # plain language: what is wrong and what was expected
    file: str = ""  # relative to the data directory: "raw/2023-06.xlsx"
    sheet: str = ""
    row: int | None = None  # Excel row number, 1-based
    column: str = ""  # the header as written in the file
    value: str = ""  # the offending value, as text

    @property
    def is_error(self) -> bool:
        return self.level == ERROR

    def location(self) -> str:
        parts = []
        if self.file:
            parts.append(self.file)
        if self.sheet:
            parts.append(f"sheet {self.sheet}")
        if self.row is not None:
            parts.append(f"row {self.row}")
        if self.column:
            parts.append(f"column '{self.column}'")
        if self.value != "":
            parts.append(f"value '{self.value}'")
        return ", ".join(parts)

    def __str__(self) -> str:
        loc = self.location()
        return f"{loc}: {self.message}" if loc else self.message


def problem_lines(problems: list[Problem]) -> list[str]:
    """Every problem on a line of its own, errors first, then the count: what
    `python -m cchc validate` prints."""
    errors = [p for p in problems if p.is_error]
    warnings = [p for p in problems if not p.is_error]
    return ([f"ERROR   {p}" for p in errors] + [f"WARNING {p}" for p in warnings]
            + [f"{len(errors)} error(s), {len(warnings)} warning(s)"])


class DataError(Exception):
    """Raised when the input has errors; carries every problem found.

    Its message lists every problem, as the command line does, so that a
    notebook run in JupyterLab or by plain papermill shows them all.
    """

    def __init__(self, problems: list[Problem]):
        self.problems = list(problems)
        errors = [p for p in self.problems if p.is_error]
        super().__init__("\n".join([f"{len(errors)} error(s) in the input data:", *problem_lines(self.problems)]))

    def __reduce__(self):  # pickled with its problems (a batch worker's result), not its message
        return type(self), (self.problems,)

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.is_error]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if not p.is_error]


@dataclass
class Dataset:
    """All months up to the reported one, as tidy frames (docs/architecture.md)."""

    data_dir: Path
    month: str
    months: list[str]
    config: dict
    units: pd.DataFrame
    digitization: pd.DataFrame
    payments: pd.DataFrame
    overdue: pd.DataFrame
    reports: pd.DataFrame
    coverage: pd.DataFrame  # index: the months; a column per family of figures: the source that brought it, or None
    inputs: list[dict] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)
    # months with dossier records: month, code, resolved, finished_on_time, received, received_online
    timeliness: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=TIMELINESS_COLUMNS))
    # the Decision 766 index (cchc.index766): one row per month and scored unit; one per month and province row
    index766: pd.DataFrame = field(default_factory=lambda: empty_frame(INDEX766_COLUMNS))
    provinces766: pd.DataFrame = field(default_factory=lambda: empty_frame(PROVINCES766_COLUMNS, issuer="bool"))

    def covered(self, figures: str) -> list[str]:
        """The months of the data whose `figures` (a column of `coverage`) some source brought."""
        return [m for m in self.months if self.source_of(figures, m) is not None]

    def source_of(self, figures: str, month: str | None = None) -> str | None:
        """The source that brought `figures` for `month` (default: the reported month), or None."""
        value = self.coverage[figures].get(month or self.month)
        return None if value is None or (isinstance(value, float) and value != value) else value


TIMELINESS_COLUMNS = ["month", "code", "resolved", "finished_on_time", "received", "received_online"]
def empty_frame(columns: list[str], **dtypes) -> pd.DataFrame:
    """A frame with no row: the 766 scores float64, `dtypes` as given, the rest str."""
    score = set(SCORES766)
    return pd.DataFrame({c: pd.Series(dtype=dtypes.get(c, "float64" if c in score else "str")) for c in columns})


SCORES766 = ["total", "CKMB", "TDGQ", "CLGQ", "TTTT", "MDHL", "MDSH"]
INDEX766_COLUMNS = ["month", "code", *SCORES766]
PROVINCES766_COLUMNS = ["month", "dvc_code", "name", *SCORES766, "issuer"]
UNIT_COLUMNS = ["code", "name", "kind", "aliases", "order", "dvc_code"]
DIGITIZATION_COLUMNS = ["month", "code", "received", "received_digitized", "resolved", "resolved_digitized", "present"]
PAYMENT_COLUMNS = ["month", "code", "payment_total", "payment_online", "present"]
OVERDUE_COLUMNS = ["month", "dossier", "code", "field", "procedure", "deadline", "returned", "excused", "reason", "basis"]
REPORT_COLUMNS = ["month", "code", "report", "due", "submitted", "complete"]
KINDS = ("department", "commune", "ward", "special_zone", "town")
LOCAL_KINDS = ("commune", "ward", "special_zone", "town")
