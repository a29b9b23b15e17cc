"""Reading a data directory into a `Dataset`, checking it against docs/data-format.md.

    ds = load_dataset("data", "2023-06")      # raises DataError with every problem
    problems = validate("data", "2023-06")    # errors and warnings, never raises

Every file of every month up to the reported one is read (the history): the
workbooks (`cchc.workbook`, through the cache of `cchc.cache`) and the other
sources of `cchc.sources`. Each family of figures of a month comes from the
source `cchc.sources.FIGURES` prefers among those the month has
(`Dataset.coverage`); every problem of every file is collected before
anything is raised. Frames are as in docs/architecture.md.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from cchc.cache import read_cached, read_month_cached
from cchc.config import load_config
from cchc.contract import SHEETS  # in __all__: the contract's sheets, public here too
from cchc.dataset import (
    DIGITIZATION_COLUMNS,
    ERROR,
    OVERDUE_COLUMNS,
    PAYMENT_COLUMNS,
    REPORT_COLUMNS,
    TIMELINESS_COLUMNS,
    WARNING,
    DataError,
    Dataset,
    Problem,
)
from cchc.dossier_merge import reconcile
from cchc.dossiers import read_records
from cchc.index766 import assemble as assemble_index766
from cchc.index766 import read_export
from cchc.months import is_month, month_range
from cchc.registry import load_registry
from cchc.renamed import no_row_warning, summarize_unknown_units
from cchc.sources import FIGURES, SOURCES, list_sources, months_of
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

def available_months(data_dir) -> list[str]:
    """Months with at least one source (raw/YYYY-MM.xlsx, raw/766/…, raw/hoso/…), sorted."""
    return months_of(list_sources(Path(data_dir))[0])


def latest_month(data_dir) -> str | None:
    """The latest month with data, or None."""
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


def _no_data_for(month: str, listing: dict) -> Problem:
    have = months_of(listing)
    listed = ", ".join(have) if len(have) <= 6 else f"{len(have)} months, {have[0]} … {have[-1]}"
    found = f" (months found: {listed})" if have else " (raw/ has no month's file)"
    expected = ", ".join(SOURCES[s].pattern(month) for s in ("workbook", "index766", "dossiers"))
    return Problem(ERROR, f"no data for {month}: expected one of {expected}{found}",
                   file=f"{SOURCES['workbook'].folder}/{month}.xlsx")


def _read_workbooks(listing: dict, months: list[str], month: str, registry, problems: list[Problem]
                    ) -> dict[str, MonthData]:
    """The months' workbooks that hold figures; warnings and errors for those that do not."""
    check_units = len(registry) > 0
    loaded: dict[str, MonthData] = {}
    for m in months:
        path = listing["workbook"].get(m)
        if path is None:
            continue
        file = f"{SOURCES['workbook'].folder}/{path.name}"
        result, month_problems = read_month_cached(path, file, m, registry, check_units)
        problems += month_problems
        if result is None:
            continue
        alone = not any(m in listing[s] for s in SOURCES if s != "workbook")
        if not result.has_figures:
            if m == month and alone:
                problems.append(Problem(ERROR, NO_FIGURES + ": fill it in (a blank template is not a month's data)",
                                        file=file))
            else:
                what = "the month has no data of it" if m == month else "a month without data (streaks restart after it)"
                problems.append(Problem(WARNING, f"{NO_FIGURES}: {what}", file=file))
            continue
        loaded[m] = result
        figures = result.figures()
        records = m in listing.get("dossiers", {})  # dossier records bring these figures instead
        if not figures["digitization"]:
            if not records:
                problems.append(Problem(WARNING, f"sheet SoHoa has no figures (every count is blank): "
                                                 f"the digitisation of {m} is left out", file=file, sheet="SoHoa"))
        else:
            missing = registry.units[~registry.units["code"].isin(result.digitization["code"])]
            problems += [no_row_warning(file, code, name) for name, code in zip(missing["name"], missing["code"])]
            _all_zero(result.digitization, "SoHoa", file, problems)
        if not figures["payments"]:
            if not records:
                problems.append(Problem(WARNING, f"sheet ThanhToan has no figures (every count is blank): "
                                                 f"the online payments of {m} are left out", file=file,
                                        sheet="ThanhToan"))
        elif len(result.payments):
            _all_zero(result.payments, "ThanhToan", file, problems)
    return loaded


#: The start of the message of a workbook without a single figure.
NO_FIGURES = "the workbook has no figures (every count in SoHoa and ThanhToan is blank, QuaHan and BaoCao have no row)"


def _all_zero(frame: pd.DataFrame, sheet: str, file: str, problems: list[Problem]) -> None:
    counts = frame.drop(columns=["code", "row", "given"])
    if len(counts) and not counts.to_numpy().any():
        problems.append(Problem(WARNING, f"every count in {sheet} is 0: check that the sheet was filled in",
                                file=file, sheet=sheet))


def _coverage(months: list[str], loaded: dict[str, dict]) -> pd.DataFrame:
    """Per month, the source of each family of figures (None: no source brought it)."""
    rows = {}
    for m in months:
        have = {name: by_month[m].figures() for name, by_month in loaded.items() if m in by_month}
        rows[m] = {family: next((s for s in sources if have.get(s, {}).get(family)), None)
                   for family, sources in FIGURES.items()}
    frame = pd.DataFrame.from_dict(rows, orient="index", columns=list(FIGURES), dtype=object)
    return frame.where(frame.notna(), None).rename_axis("month")


#: The readers of the sources other than the workbook: (path, file, month, registry) ->
#: (the month's data or None, problems). The data has the file's `sha256`, `figures()`
#: ({family: bool}, as `cchc.workbook.MonthData.figures`) and, for each family of
#: figures it brings, a frame of that name with the columns of the workbook's.
READERS: dict = {"index766": read_export, "dossiers": read_records}


def _read_others(listing: dict, months: list[str], registry, problems: list[Problem]) -> dict[str, dict]:
    """{source: {month: data}} of the sources of READERS, read through the cache."""
    out: dict[str, dict] = {}
    for name, reader in READERS.items():
        out[name] = {}
        for m in months:
            path = listing[name].get(m)
            if path is None:
                continue
            data, found = read_cached(reader, path, f"{SOURCES[name].folder}/{path.name}", m, registry)
            problems += found
            if data is not None:
                out[name][m] = data
    return out


def _frames(family: str, coverage: pd.DataFrame, loaded: dict[str, dict]) -> dict[str, pd.DataFrame]:
    """{month: the frame of `family`} from the source that brought it, for every month it was brought."""
    column = coverage[family]
    return {m: getattr(loaded[source][m], family) for m, source in column.items() if source is not None}


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
    listing, listing_problems = list_sources(data_dir)
    problems += config_problems + unit_problems + listing_problems

    months = [m for m in months_of(listing) if m <= month]
    if month not in months and (data_dir / SOURCES["workbook"].folder).is_dir():
        problems.append(_no_data_for(month, listing))
    if months:
        for gap in (m for m in month_range(months[0], month) if m not in months and m != month):
            problems.append(Problem(WARNING, f"no data for {gap}: a gap in the history (streaks restart after it)",
                                    file=f"{SOURCES['workbook'].folder}/{gap}.xlsx"))

    loaded = {"workbook": _read_workbooks(listing, months, month, registry, problems),
              **_read_others(listing, months, registry, problems)}
    problems = summarize_unknown_units(problems, registry)  # a renamed unit: one problem, not one per row
    if any(p.is_error for p in problems):
        return None, problems
    coverage = _coverage(months, loaded)
    loaded, found = reconcile(loaded, coverage, registry)  # excuses and differences of months with records
    problems += found
    units = registry.units
    exports766 = {m: loaded[source][m] for m, source in coverage["index766"].items() if source is not None}
    index766, provinces766, assembly = assemble_index766(exports766, units, config, month)
    problems += assembly
    dataset = Dataset(
        data_dir=data_dir,
        month=month,
        months=months,
        config=config,
        units=units,
        digitization=_grid(_frames("digitization", coverage, loaded), units, months, DIGITIZATION_COLUMNS),
        payments=_grid(_frames("payments", coverage, loaded), units, months, PAYMENT_COLUMNS),
        overdue=_rows_frame(_frames("overdue", coverage, loaded), units, OVERDUE_COLUMNS, OVERDUE_DTYPES),
        reports=_rows_frame(_frames("reports", coverage, loaded), units, REPORT_COLUMNS, REPORT_DTYPES),
        coverage=coverage,
        timeliness=_timeliness(loaded.get("dossiers", {})),
        index766=index766,
        provinces766=provinces766,
        inputs=[{"file": f"{SOURCES[name].folder}/{listing[name][m].name}", "sha256": data.sha256}
                for m in months for name, by_month in loaded.items() for data in [by_month.get(m)] if data],
        warnings=[p for p in problems if not p.is_error],
    )
    return dataset, problems


def _timeliness(records: dict) -> pd.DataFrame:
    """Per month with records and unit: the counts behind on_time_rate and online_share."""
    parts = [data.timeliness.assign(month=m) for m, data in records.items() if data.figures()["digitization"]]
    columns = TIMELINESS_COLUMNS
    if not parts:
        return pd.DataFrame({c: pd.Series(dtype="str" if c in ("month", "code") else "int64") for c in columns})
    return pd.concat(parts, ignore_index=True)[columns].astype({"month": "str", "code": "str"})


def validate(data_dir, month: str) -> list[Problem]:
    """Every problem (errors and warnings) of the data directory for the month; never raises."""
    return _collect(data_dir, month)[1]


def load_dataset(data_dir, month: str) -> Dataset:
    """The month and its history as tidy frames; DataError with every problem if any is an error."""
    dataset, problems = _collect(data_dir, month)
    if dataset is None:
        raise DataError(problems)
    return dataset
