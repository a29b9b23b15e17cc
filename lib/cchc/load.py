"""Reading a data directory into a `Dataset`, checking it against data-contract.md.

    ds = load_dataset("data", "2023-06")      # raises DataError with every problem
    problems = validate("data", "2023-06")    # errors and warnings, never raises

Every workbook up to the reported month is read (the history; `cchc.workbook`,
through the cache of `cchc.cache`); every problem of every file is collected
before anything is raised. Frames are as in docs/architecture.md.
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from cchc.cache import read_month_cached
from cchc.config import load_config
from cchc.contract import SHEETS  # in __all__: the contract's sheets, public here too
from cchc.dataset import (
    DIGITIZATION_COLUMNS,
    ERROR,
    OVERDUE_COLUMNS,
    PAYMENT_COLUMNS,
    REPORT_COLUMNS,
    WARNING,
    DataError,
    Dataset,
    Problem,
)
from cchc.months import is_month, month_range
from cchc.registry import load_registry
from cchc.renamed import no_row_warning, summarize_unknown_units
from cchc.workbook import MonthData

__all__ = [
    "DataError",
    "Dataset",
    "Problem",
    "SHEETS",
    "available_months",
    "latest_month",
    "load_dataset",
    "validate",
]

RAW_DIR = "raw"
_MONTH_FILE = re.compile(r"(\d{4}-\d{2})\.xlsx", re.IGNORECASE)


def _raw_listing(data_dir: Path) -> tuple[dict[str, Path], list[Problem]]:
    """{month: path} of raw/YYYY-MM.xlsx; other names are ignored with a warning."""
    raw = data_dir / RAW_DIR
    problems: list[Problem] = []
    if not raw.is_dir():
        problems.append(Problem(ERROR, "no raw/ folder: expected one workbook per month, raw/YYYY-MM.xlsx", file=RAW_DIR))
        return {}, problems
    found: dict[str, Path] = {}
    for path in sorted(raw.iterdir()):
        name = path.name
        if name.startswith("."):
            continue  # .gitkeep, .DS_Store
        m = _MONTH_FILE.fullmatch(name)
        if m and path.is_file() and is_month(m.group(1)):
            found[m.group(1)] = path
        else:
            why = "an Excel lock file (the workbook is open in Excel)" if name.startswith("~$") else "not a monthly workbook"
            problems.append(Problem(WARNING, f"ignored: {why}; expected raw/YYYY-MM.xlsx", file=f"{RAW_DIR}/{name}"))
    return found, problems


def available_months(data_dir) -> list[str]:
    """Months with a workbook raw/YYYY-MM.xlsx, sorted."""
    return sorted(_raw_listing(Path(data_dir))[0])


def latest_month(data_dir) -> str | None:
    """The latest month with a workbook, or None."""
    months = available_months(data_dir)
    return months[-1] if months else None


def _grid(frames: dict[str, pd.DataFrame], units: pd.DataFrame, months: list[str], columns: list[str]) -> pd.DataFrame:
    """One row per month and registry unit: counts where given, zeros and present=False elsewhere."""
    values = columns[2:-1]
    given = pd.concat(
        [f[["code", *values]].assign(month=m) for m, f in frames.items()] or [pd.DataFrame(columns=["month", "code", *values])],
        ignore_index=True,
    ).assign(present=True)
    grid = pd.DataFrame({"month": pd.Series(months, dtype="str")}).merge(units[["code", "order"]], how="cross")
    out = grid.merge(given.astype({"month": "str", "code": "str"}), on=["month", "code"], how="left")
    out[values] = out[values].fillna(0).astype("int64")
    out["present"] = out["present"].fillna(False).astype(bool)
    out = out.sort_values(["month", "order"], kind="stable").reset_index(drop=True)
    return out[columns].astype({"month": "str", "code": "str"})


def _rows_frame(frames: dict[str, pd.DataFrame], units: pd.DataFrame, columns: list[str], dtypes: dict) -> pd.DataFrame:
    """Overdue / reports of every month, sorted by month, registry order, sheet row."""
    parts = [f.assign(month=m) for m, f in frames.items() if len(f)]
    if not parts:
        return pd.DataFrame({c: pd.Series(dtype=dtypes.get(c, "str")) for c in columns})
    order = dict(zip(units["code"], units["order"]))
    out = pd.concat(parts, ignore_index=True)
    out = (
        out.assign(_order=out["code"].map(order))
        .sort_values(["month", "_order", "row"], kind="stable")
        .reset_index(drop=True)[columns]
    )
    return out.astype({c: dtypes.get(c, "str") for c in columns})


_DATE = "datetime64[ns]"
OVERDUE_DTYPES = {"deadline": _DATE, "returned": _DATE, "excused": "bool"}
REPORT_DTYPES = {"due": _DATE, "submitted": _DATE, "complete": "bool"}


def _collect(data_dir, month) -> tuple[Dataset | None, list[Problem]]:
    """Read everything; the Dataset (None when there are errors) and every problem."""
    data_dir = Path(data_dir)
    problems: list[Problem] = []
    if not is_month(str(month)):
        return None, [Problem(ERROR, f"the month must be written YYYY-MM (e.g. 2023-06), not '{month}'")]
    if not data_dir.is_dir():
        return None, [Problem(ERROR, f"the data folder {data_dir} does not exist")]

    config, config_problems = load_config(data_dir)
    registry, unit_problems = load_registry(data_dir)
    listing, raw_problems = _raw_listing(data_dir)
    problems += config_problems + unit_problems + raw_problems

    months = sorted(m for m in listing if m <= month)
    if month not in listing and (data_dir / RAW_DIR).is_dir():
        have = sorted(listing)
        listed = ", ".join(have) if len(have) <= 6 else f"{len(have)} months, {have[0]} … {have[-1]}"
        found = f" (months found: {listed})" if have else " (raw/ has no monthly workbook)"
        problems.append(Problem(ERROR, f"no workbook for {month}: expected raw/{month}.xlsx{found}",
                                file=f"{RAW_DIR}/{month}.xlsx"))
    if months:
        for gap in (m for m in month_range(months[0], month) if m not in listing):
            if gap != month:
                problems.append(Problem(
                    WARNING,
                    f"no workbook for {gap}: a gap in the history (streaks restart after it)",
                    file=f"{RAW_DIR}/{gap}.xlsx",
                ))

    check_units = len(registry) > 0
    loaded: dict[str, MonthData] = {}
    for m in months:
        file = f"{RAW_DIR}/{listing[m].name}"
        result, month_problems = read_month_cached(listing[m], file, m, registry, check_units)
        problems += month_problems
        if result is not None:
            loaded[m] = result
            missing = registry.units[~registry.units["code"].isin(result.digitization["code"])]
            problems += [no_row_warning(file, code, name) for name, code in zip(missing["name"], missing["code"])]
    problems = summarize_unknown_units(problems, registry)  # a renamed unit: one problem, not one per row

    if any(p.is_error for p in problems):
        return None, problems
    units = registry.units
    dataset = Dataset(
        data_dir=data_dir,
        month=month,
        months=months,
        config=config,
        units=units,
        digitization=_grid({m: d.digitization for m, d in loaded.items()}, units, months, DIGITIZATION_COLUMNS),
        payments=_grid({m: d.payments for m, d in loaded.items()}, units, months, PAYMENT_COLUMNS),
        overdue=_rows_frame({m: d.overdue for m, d in loaded.items()}, units, OVERDUE_COLUMNS, OVERDUE_DTYPES),
        reports=_rows_frame({m: d.reports for m, d in loaded.items()}, units, REPORT_COLUMNS, REPORT_DTYPES),
        inputs=[{"file": f"{RAW_DIR}/{listing[m].name}", "sha256": d.sha256} for m, d in loaded.items()],
        warnings=[p for p in problems if not p.is_error],
    )
    return dataset, problems


def validate(data_dir, month: str) -> list[Problem]:
    """Every problem (errors and warnings) of the data directory for the month; never raises."""
    return _collect(data_dir, month)[1]


def load_dataset(data_dir, month: str) -> Dataset:
    """The month and its history as tidy frames; DataError with every problem if any is an error."""
    dataset, problems = _collect(data_dir, month)
    if dataset is None:
        raise DataError(problems)
    return dataset
