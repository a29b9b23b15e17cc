"""One month's review, assembled: what the notebook calls.

`review()` loads the data, resolves the parameters, computes the indicators,
applies the rules and drafts the letter: the month is computed once, in the
notebook's kernel. `write_files()` writes, from that review, the month's
machine-readable and office files into the folder a report run gives the
notebook (`files_dir`); the rest of the notebook only displays.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from cchc.dataset import ERROR, DataError, Dataset, Problem
from cchc.load import latest_month, load_dataset
from cchc.narrative import Letter, build_letter
from cchc.outcomes import build_outcomes, compute, to_json
from cchc.params import resolve_parameters
from cchc.paths import resolve_dir, tried


@dataclass
class Review:
    """Everything known about the reported month."""

    ds: Dataset
    params: dict
    table: pd.DataFrame  # indicators.unit_month: one row per unit and month
    district: pd.DataFrame  # indicators.district: one row per month
    window: pd.DataFrame  # indicators.window_payments over the payment window, with rule 6's `payment_class`
    rules: dict  # rules.apply_rules: rule name -> frame, in the letter's order
    index766: object  # rule 8 (cchc.rule8.Rule8), None when the month has no 766 export
    outcomes: dict  # the outcomes.json document
    letter: Letter

    @property
    def month(self) -> str:
        return self.ds.month

    @property
    def config(self) -> dict:
        return self.ds.config

    @property
    def this_month(self) -> pd.DataFrame:
        """The unit table of the reported month, with the window payments and rule 6's class."""
        win = self.window[["code", "window_payment_total", "window_payment_online", "window_payment_rate", "payment_class"]]
        return self.table[self.table["month"] == self.month].merge(win, on="code", how="left")


def review(month: str | None = None, data_dir="data", **given) -> Review:
    """The month's review. `given` are notebook parameters; None takes the default.

    Raises `cchc.dataset.DataError` on bad input and ValueError on a bad parameter.
    """
    as_given, data_dir = data_dir, resolve_dir(data_dir)
    if not data_dir.is_dir():
        raise DataError([Problem(ERROR, f"the data folder {data_dir} does not exist{tried('data_dir', as_given)}")])
    month = month or latest_month(data_dir)
    if month is None:
        raise ValueError(f"no month's file in {data_dir / 'raw'} (raw/YYYY-MM.xlsx, raw/766/…, raw/hoso/…)")
    ds = load_dataset(data_dir, month)
    params = resolve_parameters(ds.config, month, **given)
    frames = compute(ds, params)
    outcomes = build_outcomes(ds, params, frames)
    return Review(
        ds=ds,
        params=params,
        table=frames.table,
        district=frames.district,
        window=frames.window,
        rules=frames.rules,
        index766=frames.index766,
        outcomes=outcomes,
        letter=build_letter(outcomes, ds.config),
    )


def write_files(rv: Review, dest) -> list[Path]:
    """Write outcomes.json, scorecard.xlsx, report.docx, overdue.csv and units/<code>.html (one page per unit) into `dest`.

    `dest` None writes nothing (the notebook in JupyterLab, where no report
    run gave it a folder) and returns [].
    """
    if dest is None:
        return []
    from cchc.docx_letter import write_docx
    from cchc.scorecard import write_scorecard
    from cchc.unitpages import write_unit_pages

    dest = Path(dest)
    dest.mkdir(parents=True, exist_ok=True)
    (dest / "outcomes.json").write_text(to_json(rv.outcomes), encoding="utf-8")
    write_scorecard(rv.outcomes, dest / "scorecard.xlsx")
    write_docx(rv.letter, dest / "report.docx")
    pages = write_unit_pages(rv, dest)
    # every overdue dossier of the month (outcomes.json and the report list only the longest overdue)
    from cchc.dossier_report import write_overdue_csv

    write_overdue_csv(rv.ds, rv.month, dest / "overdue.csv")
    return [dest / n for n in ("outcomes.json", "scorecard.xlsx", "report.docx", "overdue.csv")] + pages
