"""Build small `Dataset` objects from Python literals, for tests (no Excel).

    ds = make_dataset(
        units=[("D1", "Phòng A", "department"), ("X1", "Xã A", "commune")],
        digitization={"2023-06": {"X1": (100, 99, 50, 50)}},  # received, digitized, resolved, digitized
        payments={"2023-06": {"X1": (10, 3)}},                # total, online
        overdue=[("2023-06", "X1", "Hộ tịch")],               # or dicts with any OVERDUE_COLUMNS
        reports=[("2023-06", "X1", "Báo cáo 6 tháng", "2023-06-10", "2023-06-12", False)],
        month="2023-06",
    )

`months` defaults to every month named in digitization/payments/overdue/reports
plus `month`, up to `month`. Every registry unit gets a row for every month in
digitization and payments (zeros, ``present=False`` when not given), as the
loader guarantees.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from cchc.dataset import (
    DIGITIZATION_COLUMNS,
    OVERDUE_COLUMNS,
    PAYMENT_COLUMNS,
    REPORT_COLUMNS,
    UNIT_COLUMNS,
    Dataset,
    Problem,
)
from cchc.sources import FIGURES

DEFAULT_CONFIG = {
    "issuer": "UBND HUYỆN THỬ",
    "level": "huyện",
    "place": "Thử",
    "document_code": "UBND-NV",
    "signer": {"title": "CHỦ TỊCH", "name": "Nguyễn Văn A"},
    "recipients": [],
    "distribution": [],
    "parameters": {},
}


def _units(units) -> pd.DataFrame:
    rows = [
        {"code": u[0], "name": u[1], "kind": u[2], "aliases": tuple(u[3]) if len(u) > 3 else (), "order": i,
         "dvc_code": u[4] if len(u) > 4 else ""}
        for i, u in enumerate(units)
    ]
    frame = pd.DataFrame(rows, columns=UNIT_COLUMNS)
    return frame.astype({"code": "str", "name": "str", "kind": "str", "order": "int64", "dvc_code": "str"})


def _per_unit_month(data: dict, units: pd.DataFrame, months: list[str], values: list[str]) -> pd.DataFrame:
    """One row per month and registry unit; counts from `data[month][code]`, else zeros."""
    given = pd.DataFrame(
        [(m, c, *v) for m, per in data.items() for c, v in per.items() if m in months],
        columns=["month", "code", *values],
    ).assign(present=True)
    grid = pd.DataFrame({"month": months}).merge(units[["code", "order"]], how="cross")
    out = grid.merge(given, on=["month", "code"], how="left", validate="one_to_one")
    out[values] = out[values].fillna(0).astype("int64")
    out["present"] = out["present"].fillna(False).astype(bool)
    return out.sort_values(["month", "order"], kind="stable").drop(columns="order").reset_index(drop=True)


def _dates(frame: pd.DataFrame, cols) -> pd.DataFrame:
    return frame.assign(**{c: pd.to_datetime(frame[c]).astype("datetime64[ns]") for c in cols})


def _overdue(rows, months) -> pd.DataFrame:
    recs = []
    for i, r in enumerate(rows):
        if not isinstance(r, dict):
            r = dict(zip(["month", "code", "field", "excused", "reason", "basis"], r))
        month = r["month"]
        recs.append(
            {
                "month": month,
                "dossier": r.get("dossier", f"HS-{i + 1:04d}"),
                "code": r["code"],
                "field": r.get("field", "Hộ tịch"),
                "procedure": r.get("procedure", ""),
                "deadline": r.get("deadline", f"{month}-10"),
                "returned": r.get("returned", None),
                "excused": bool(r.get("excused", False)),
                "reason": r.get("reason", ""),
                "basis": r.get("basis", ""),
            }
        )
    frame = pd.DataFrame(recs, columns=OVERDUE_COLUMNS)
    frame = frame[frame["month"].isin(months)].astype({"excused": bool})
    for c in ("month", "dossier", "code", "field", "procedure", "reason", "basis"):
        frame[c] = frame[c].astype("str")
    return _dates(frame, ["deadline", "returned"]).reset_index(drop=True)


def _reports(rows, months) -> pd.DataFrame:
    recs = []
    for r in rows:
        if not isinstance(r, dict):
            r = dict(zip(["month", "code", "report", "due", "submitted", "complete"], r))
        month = r["month"]
        recs.append(
            {
                "month": month,
                "code": r["code"],
                "report": r.get("report", "Báo cáo CCHC"),
                "due": r.get("due", f"{month}-10"),
                "submitted": r.get("submitted", f"{month}-09"),
                "complete": bool(r.get("complete", True)),
            }
        )
    frame = pd.DataFrame(recs, columns=REPORT_COLUMNS)
    frame = frame[frame["month"].isin(months)].astype({"complete": bool})
    for c in ("month", "code", "report"):
        frame[c] = frame[c].astype("str")
    return _dates(frame, ["due", "submitted"]).reset_index(drop=True)


def _sort_by_registry(frame: pd.DataFrame, units: pd.DataFrame) -> pd.DataFrame:
    order = dict(zip(units["code"], units["order"]))
    key = frame["code"].map(order)
    return (
        frame.assign(_o=key, _r=range(len(frame)))
        .sort_values(["month", "_o", "_r"], kind="stable")
        .drop(columns=["_o", "_r"])
        .reset_index(drop=True)
    )


def _coverage(months: list[str], given: dict) -> pd.DataFrame:
    rows = {m: {**{f: (None if f == "index766" else "workbook") for f in FIGURES}, **given.get(m, {})} for m in months}
    frame = pd.DataFrame.from_dict(rows, orient="index", columns=list(FIGURES), dtype=object)
    return frame.where(frame.notna(), None).rename_axis("month")


def make_dataset(
    units,
    digitization: dict | None = None,
    payments: dict | None = None,
    overdue=(),
    reports=(),
    month: str = "2023-06",
    months: list[str] | None = None,
    config: dict | None = None,
    warnings: list | None = None,
    coverage: dict | None = None,
) -> Dataset:
    """A Dataset from compact literals (see the module docstring).

    `coverage`: {month: {family: source or None}} for the months whose figures
    do not all come from the workbook (default: every month's workbook brings
    digitisation, payments, overdue dossiers and reports; no 766 export).
    """
    digitization = digitization or {}
    payments = payments or {}
    overdue = [r if isinstance(r, dict) else dict(zip(["month", "code", "field", "excused", "reason", "basis"], r)) for r in overdue]
    reports = list(reports)
    if months is None:
        named = set(digitization) | set(payments) | {r["month"] for r in overdue}
        named |= {(r["month"] if isinstance(r, dict) else r[0]) for r in reports}
        months = sorted(m for m in named | {month} if m <= month)
    months = sorted(months)
    reg = _units(units)
    codes = set(reg["code"])
    for source in (digitization, payments):
        for per in source.values():
            unknown = set(per) - codes
            assert not unknown, f"unknown unit(s) in test data: {unknown}"
    dig = _per_unit_month(digitization, reg, months, DIGITIZATION_COLUMNS[2:6])[DIGITIZATION_COLUMNS]
    pay = _per_unit_month(payments, reg, months, PAYMENT_COLUMNS[2:4])[PAYMENT_COLUMNS]
    return Dataset(
        data_dir=Path("test-data"),
        month=month,
        months=months,
        config=dict(DEFAULT_CONFIG if config is None else config),
        units=reg,
        digitization=dig,
        payments=pay,
        overdue=_sort_by_registry(_overdue(overdue, months), reg),
        reports=_sort_by_registry(_reports(reports, months), reg),
        coverage=_coverage(months, coverage or {}),
        inputs=[{"file": f"raw/{m}.xlsx", "sha256": "0" * 64} for m in months],
        warnings=list(warnings or []),
    )


def warning(message: str) -> Problem:
    """A warning Problem, for datasets that carry some."""
    return Problem(level="warning", message=message)
