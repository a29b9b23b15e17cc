"""A month with both dossier records and a workbook: what each brings, and where they differ.

    loaded, problems = reconcile(loaded, coverage, registry)

When the records bring a month's figures (`cchc.sources.FIGURES`: they are
preferred over the workbook), the workbook of the same month still brings:

- the excuses: its QuaHan rows marked Miễn trừ, matched on Mã hồ sơ, excuse
  the records' overdue dossier of that code (with the row's Lý do and Căn cứ;
  an unexcused QuaHan row gives its Lý do too). A QuaHan row whose dossier the
  records do not show overdue is a warning: the records decide what is overdue;
- the reports (BaoCao), untouched.

Where the workbook also gives SoHoa or ThanhToan figures for a unit, the
records win, and each unit whose figures differ gets one warning naming the
figures and both values.
"""

from __future__ import annotations

import dataclasses

import pandas as pd

from cchc.contract import COUNT_FIELDS, SHEETS
from cchc.dataset import WARNING, Problem
from cchc.sources import SOURCES


def reconcile(loaded: dict[str, dict], coverage: pd.DataFrame, registry) -> tuple[dict[str, dict], list[Problem]]:
    """`loaded` ({source: {month: data}}) with the records' overdue excused from the workbooks; the warnings."""
    records, books = loaded.get("dossiers", {}), loaded.get("workbook", {})
    problems: list[Problem] = []
    out = {**loaded, "dossiers": dict(records)}
    for month, data in records.items():
        book = books.get(month)
        if book is None:
            continue
        file = f"{SOURCES['workbook'].folder}/{month}.xlsx"
        if coverage.loc[month, "overdue"] == "dossiers" and book.figures()["overdue"]:
            overdue, found = excuse(data.overdue, book.overdue, file, month)
            out["dossiers"][month] = dataclasses.replace(data, overdue=overdue)
            problems += found
        for family, sheet in (("digitization", "SoHoa"), ("payments", "ThanhToan")):
            if coverage.loc[month, family] == "dossiers" and book.figures()[family]:
                problems += differences(getattr(data, family), getattr(book, family), sheet, file, registry)
    return out, problems


def excuse(overdue: pd.DataFrame, quahan: pd.DataFrame, file: str, month: str) -> tuple[pd.DataFrame, list[Problem]]:
    """The records' overdue dossiers with `excused`, `reason` and `basis` from the workbook's QuaHan rows."""
    rows = quahan.drop_duplicates("dossier").set_index("dossier")
    matched = overdue["dossier"].map(rows["excused"]) if len(rows) else pd.Series(index=overdue.index, dtype=object)
    out = overdue.assign(
        excused=matched.fillna(False).astype(bool).to_numpy(),
        reason=overdue["dossier"].map(rows["reason"]).fillna("").astype(str).to_numpy() if len(rows) else "",
        basis=overdue["dossier"].map(rows["basis"]).fillna("").astype(str).to_numpy() if len(rows) else "",
    )
    problems = []
    unused = quahan[~quahan["dossier"].isin(overdue["dossier"])]
    header = SHEETS["QuaHan"]["dossier"]
    for dossier, excused, row in zip(unused["dossier"], unused["excused"], unused["row"]):
        what = "its excuse is not used" if excused else "the row is not counted"
        problems.append(Problem(WARNING, f"the dossier records do not show this dossier overdue in {month}: {what} "
                                         "(the records decide what is overdue)",
                                file, "QuaHan", int(row), header, str(dossier)))
    return out, problems


def differences(records: pd.DataFrame, sheet_rows: pd.DataFrame, sheet: str, file: str, registry) -> list[Problem]:
    """One warning per unit whose workbook figures differ from the records' (the records are used)."""
    fields = COUNT_FIELDS[sheet]
    given = sheet_rows[sheet_rows["given"]] if "given" in sheet_rows else sheet_rows
    both = given.merge(records[["code", *fields]], on="code", how="left", suffixes=("_book", "_records"))
    problems = []
    for row in both.itertuples(index=False):  # one per unit of the sheet: bounded by the registry, not the records
        diffs = []
        for f in fields:
            book, rec = int(getattr(row, f + "_book")), getattr(row, f + "_records")
            rec = 0 if pd.isna(rec) else int(rec)
            if book != rec:
                diffs.append(f"'{SHEETS[sheet][f]}' {book} in the workbook, {rec} in the records")
        if diffs:
            name = registry.name(row.code)
            problems.append(Problem(WARNING, f"{name} ({row.code}): " + "; ".join(diffs) + " (the records are used)",
                                    file, sheet, int(row.row), SHEETS[sheet]["unit"], name))
    return problems
