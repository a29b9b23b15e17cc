"""The Tứ Kỳ sample as dossier records (data/hoso-sample/, data/make_records.py).

Its records give the workbook sample's figures exactly, and the June 2023 letter
from records is the letter from the workbooks. Each file form reports alone
(records only) and mixed with a workbook (records win; differences are warnings;
excuses come from QuaHan).
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from cchc.load import load_dataset
from cchc.monthly import review
from cchc.narrative import build_letter
from cchc.outcomes import build_outcomes

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "data"
RECORDS = DATA / "hoso-sample"
MONTHS = [f"2023-{m:02d}" for m in range(1, 7)]
FORMS = {"2023-01": "csv", "2023-02": "xlsx", "2023-03": "parquet", "2023-04": "csv", "2023-05": "xlsx",
         "2023-06": "parquet"}


@pytest.fixture(scope="module")
def books():
    return load_dataset(DATA, "2023-06")


@pytest.fixture(scope="module")
def records():
    return load_dataset(RECORDS, "2023-06")


def test_the_records_bring_the_figures(records):
    assert sorted(p.name for p in (RECORDS / "raw" / "hoso").iterdir()) == [f"{m}.{f}" for m, f in FORMS.items()]
    for m in MONTHS:
        assert records.source_of("digitization", m) == "dossiers"
        assert records.source_of("overdue", m) == "dossiers"
        assert records.source_of("payments", m) == "workbook"  # no CoPhi columns in the sample (make_records.py)
        assert records.source_of("reports", m) == "workbook"
    assert records.warnings == []


def test_their_counts_are_the_workbooks(books, records):
    for name in ("digitization", "payments"):
        a, b = getattr(books, name).drop(columns="present"), getattr(records, name).drop(columns="present")
        assert a.equals(b), name
    columns = ["month", "dossier", "code", "field", "procedure", "deadline", "returned", "excused", "reason", "basis"]
    assert books.overdue[columns].equals(records.overdue[columns])
    assert books.reports.equals(records.reports)


def test_the_june_letter_is_the_same(books, records):
    a = build_letter(build_outcomes(books), books.config)
    b = build_letter(build_outcomes(records), records.config)
    assert a == b
    assert "phát sinh 02 hồ sơ giải quyết TTHC quá hạn ở lĩnh vực Người có công" in b.body_text()


def test_new_indicators_only_where_there_are_records(books, records):
    out = build_outcomes(records)
    an_thanh = next(u for u in out["units"] if u["code"] == "XA_AN_THANH")
    t = records.timeliness.set_index(["month", "code"]).loc[("2023-06", "XA_AN_THANH")]
    assert an_thanh["on_time_rate"] == round(100 * t["finished_on_time"] / t["resolved"], 2)
    assert an_thanh["online_share"] == round(100 * t["received_online"] / t["received"], 2)
    assert 0 < an_thanh["on_time_rate"] < 100  # An Thanh had a late dossier in June
    assert all(u["on_time_rate"] is None and u["online_share"] is None for u in build_outcomes(books)["units"])


def test_make_records_is_deterministic(tmp_path):
    out = tmp_path / "hoso-sample"
    subprocess.run([sys.executable, str(DATA / "make_records.py"), "--out", str(out)], check=True,
                   capture_output=True)
    made = sorted(p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file())
    committed = sorted(p.relative_to(RECORDS).as_posix() for p in RECORDS.rglob("*") if p.is_file())
    assert made == committed
    for name in made:
        assert (out / name).read_bytes() == (RECORDS / name).read_bytes(), name


def copy_month(tmp_path: Path, month: str, workbook: bool) -> Path:
    d = tmp_path / f"{month}-{'mixed' if workbook else 'alone'}"
    (d / "raw" / "hoso").mkdir(parents=True)
    for name in ("units.csv", "config.yml"):
        shutil.copy(RECORDS / name, d / name)
    shutil.copy(RECORDS / "raw" / "hoso" / f"{month}.{FORMS[month]}", d / "raw" / "hoso")
    if workbook:
        shutil.copy(DATA / "raw" / f"{month}.xlsx", d / "raw")  # the full workbook: SoHoa given too
    return d


@pytest.mark.parametrize("month", ["2023-04", "2023-05", "2023-06"])  # CSV, xlsx, Parquet
def test_each_form_alone_and_mixed(tmp_path, books, month):
    alone = review(month, copy_month(tmp_path, month, workbook=False))
    assert alone.outcomes["coverage"] == {"digitization": "dossiers", "payments": None, "overdue": "dossiers",
                                          "reports": None, "index766": None}
    notes = [b.text for b in alone.letter.blocks if b.kind == "note"]
    assert len(notes) == 2 and "(sheet ThanhToan)" in notes[0] and "(sheet BaoCao)" in notes[1]
    this = books.digitization[books.digitization["month"] == month].drop(columns="present").reset_index(drop=True)
    got = alone.ds.digitization.drop(columns="present").reset_index(drop=True)
    assert got.equals(this)
    mixed = review(month, copy_month(tmp_path, month, workbook=True))
    assert mixed.outcomes["coverage"]["digitization"] == "dossiers" and mixed.outcomes["coverage"]["reports"] == "workbook"
    assert mixed.ds.warnings == []  # the workbook's SoHoa agrees with the records: no difference to report


def test_differences_are_warnings_and_the_records_win(tmp_path):
    d = copy_month(tmp_path, "2023-06", workbook=True)
    path = d / "raw" / "hoso" / "2023-06.parquet"
    table = pq.read_table(path)
    codes = table.column("MaHoSo").to_pylist()
    units = table.column("DonViXuLy").to_pylist()
    received = table.column("NgayTiepNhan").to_pylist()
    # drop one dossier of Tứ Kỳ town received in June and not overdue
    drop = next(i for i, (u, r) in enumerate(zip(units, received))
                if u in ("H23.21.11", "TT_TU_KY", "UBND thị trấn Tứ Kỳ") and r.month == 6)
    pq.write_table(table.take([i for i in range(len(codes)) if i != drop]), path)
    ds = load_dataset(d, "2023-06")
    (w,) = ds.warnings
    assert w.sheet == "SoHoa" and w.value == "Tứ Kỳ" and "(TT_TU_KY)" in w.message
    book = load_dataset(DATA, "2023-06").digitization
    want = book[(book["month"] == "2023-06") & (book["code"] == "TT_TU_KY")]["received"].iloc[0] - 1
    assert f"'Tiếp nhận' {want + 1} in the workbook, {want} in the records" in w.message
    assert w.message.endswith("(the records are used)")
    got = ds.digitization[(ds.digitization["month"] == "2023-06") & (ds.digitization["code"] == "TT_TU_KY")]
    assert got["received"].iloc[0] == want


def test_an_excuse_for_a_dossier_the_records_do_not_show_overdue(tmp_path):
    d = copy_month(tmp_path, "2023-06", workbook=True)
    path = d / "raw" / "hoso" / "2023-06.parquet"
    table = pq.read_table(path)
    keep = [i for i, c in enumerate(table.column("MaHoSo").to_pylist()) if c != "H23.21.02-230602-0008"]
    pq.write_table(table.take(keep), path)  # An Thanh's excused dossier is gone from the records
    ds = load_dataset(d, "2023-06")
    excuse = [w for w in ds.warnings if w.sheet == "QuaHan"]
    assert len(excuse) == 1 and excuse[0].value == "H23.21.02-230602-0008" and "its excuse is not used" in excuse[0].message
    assert ds.overdue[ds.overdue["month"] == "2023-06"]["dossier"].tolist() == ["H23.21.20-230607-0005"]


@pytest.mark.slow
@pytest.mark.parametrize("month, workbook", [("2023-04", False), ("2023-05", True)])  # CSV alone, xlsx mixed
def test_a_records_month_reports_end_to_end(tmp_path, month, workbook):
    """python -m cchc report on a month of records: the letter, the analysis (HTML, PDF), overdue.csv."""
    import json
    import os

    data = copy_month(tmp_path, month, workbook)
    out = tmp_path / "out"
    env = {**os.environ, "CCHC_CACHE_DIR": str(tmp_path / "cache")}
    run = subprocess.run([sys.executable, "-m", "cchc", "report", "--month", month, "--data-dir", str(data),
                          "--output-dir", str(out)], cwd=ROOT, env=env, capture_output=True, text=True)
    assert run.returncode == 0, run.stdout[-2000:] + run.stderr[-2000:]
    folder = out / month
    for name in ("report.html", "report.pdf", "report.docx", "outcomes.json", "scorecard.xlsx", "overdue.csv"):
        assert (folder / name).is_file(), name
    o = json.loads((folder / "outcomes.json").read_text(encoding="utf-8"))
    assert o["coverage"]["digitization"] == "dossiers"
    assert o["coverage"]["reports"] == ("workbook" if workbook else None)
    html = (folder / "report.html").read_text(encoding="utf-8")
    assert "hồ sơ quá hạn lâu nhất (trong tổng số" in html  # the analysis of a month with records
