"""A month's sources and the figures they bring (cchc.sources, the assembly in cchc.load).

A workbook that was never filled in is not a month of zeros: a blank reported
month stops the run; a blank sheet or a blank earlier month is a month
without those figures, said in a warning, in outcomes.json and in the letter,
which then states nothing it has no data for.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from cchc import load
from cchc.cli import main
from cchc.monthly import review
from cchc.sources import list_sources, missing, source_of_file
from workbooks import DEFAULT_UNITS, make_data_dir, valid_month

NAMES = [u[1] for u in DEFAULT_UNITS]


def blank_month() -> dict:
    """What `cchc template` writes: every unit named, every count blank, no dossier, no report."""
    return {"SoHoa": [(n,) for n in NAMES], "QuaHan": [], "ThanhToan": [(n,) for n in NAMES], "BaoCao": []}


def messages(problems, level=None):
    return [p.message for p in problems if level is None or p.level == level]


def test_a_blank_reported_month_is_an_error_and_nothing_is_written(tmp_path, capsys):
    data = make_data_dir(tmp_path, months={"2023-07": valid_month(month="2023-07"), "2023-08": blank_month()})
    problems = load.validate(data, "2023-08")
    errors = [p for p in problems if p.is_error]
    assert len(errors) == 1 and errors[0].file == "raw/2023-08.xlsx"
    assert errors[0].message.startswith(load.NO_FIGURES)
    out = tmp_path / "out"
    assert main(["report", "--month", "2023-08", "--data-dir", str(data), "--output-dir", str(out)]) == 1
    assert "Nothing was written." in capsys.readouterr().err and not (out / "2023-08").exists()


def test_a_blank_earlier_month_is_a_month_without_data(tmp_path):
    months = {m: valid_month(month=m) for m in ("2023-04", "2023-06")}
    data = make_data_dir(tmp_path, months={**months, "2023-05": blank_month()})
    problems = load.validate(data, "2023-06")
    assert not [p for p in problems if p.is_error]
    assert any(p.file == "raw/2023-05.xlsx" and "a month without data" in p.message for p in problems)
    rv = review("2023-06", data)
    assert rv.ds.covered("digitization") == ["2023-04", "2023-06"]
    assert rv.outcomes["payment_window"]["months"] == ["2023-04", "2023-06"]  # May is not counted as zero
    may = rv.table[rv.table["month"] == "2023-05"]
    assert may["reception_rate"].isna().all() and (may["below_average_streak"] == 0).all()


def test_a_blank_payment_sheet_leaves_payments_out_and_says_so(tmp_path):
    june = {**valid_month(), "ThanhToan": [(n,) for n in NAMES]}
    data = make_data_dir(tmp_path, months={"2023-06": june})
    problems = load.validate(data, "2023-06")
    assert any(p.sheet == "ThanhToan" and "has no figures" in p.message for p in problems)
    rv = review("2023-06", data)
    assert rv.outcomes["coverage"]["payments"] is None and rv.outcomes["coverage"]["digitization"] == "workbook"
    assert rv.outcomes["missing"][0] == {"figures": ["payments"], "files": [
        "raw/hoso/2023-06.csv (.xlsx, .parquet)", "raw/2023-06.xlsx (sheet ThanhToan)"]}
    text = rv.letter.body_text()
    assert "Về thanh toán trực tuyến\n" not in text and "(0%)" not in text  # no payment result from no data
    assert "Chưa có số liệu thanh toán trực tuyến tháng 6/2023: cần tệp raw/hoso/2023-06.csv" in text
    assert [b.kind for b in rv.letter.blocks if "Chưa có số liệu" in b.text] == ["note"]


def test_a_sheet_of_zeros_is_a_warning(tmp_path):
    zeros = {**valid_month(), "SoHoa": [(n, 0, 0, 0, 0) for n in NAMES]}
    data = make_data_dir(tmp_path, months={"2023-06": zeros})
    assert "every count in SoHoa is 0: check that the sheet was filled in" in messages(load.validate(data, "2023-06"))


def test_without_overdue_figures_the_letter_states_no_overdue_result():
    from frames import make_dataset

    from cchc.narrative import build_letter
    from cchc.outcomes import build_outcomes

    ds = make_dataset(units=[("X1", "A", "commune")], digitization={"2023-06": {"X1": (100, 99, 50, 50)}},
                      coverage={"2023-06": {"overdue": None}})
    doc = build_outcomes(ds)
    assert doc["district"]["overdue_total"] is None
    text = build_letter(doc, ds.config).body_text()
    assert "quá hạn" not in text.split("\n")[0]  # neither "không phát sinh" nor a count
    assert text.split("\n")[0].endswith("đạt 100%.")
    assert "Chưa có số liệu hồ sơ quá hạn tháng 6/2023" in text


def test_the_sample_letter_has_no_note():
    rv = review("2023-06", Path(__file__).resolve().parents[1] / "data")
    assert rv.outcomes["missing"] == [{"figures": ["index766"], "files": ["raw/766/2023-06.xlsx (.csv)"]}]
    assert not [b for b in rv.letter.blocks if b.kind == "note"]


def test_listing_every_source_and_its_odd_files(tmp_path):
    data = make_data_dir(tmp_path, months={"2023-06": valid_month()})
    (data / "raw" / "766").mkdir()
    (data / "raw" / "hoso").mkdir()
    for name in ("766/2023-07.csv", "766/2023-07.xlsx", "766/notes.txt", "hoso/2023-05.parquet", "hoso/2023-06.json"):
        (data / "raw" / name).write_bytes(b"x")
    listing, problems = list_sources(data)
    assert set(listing["workbook"]) == {"2023-06"} and set(listing["index766"]) == {"2023-07"}
    assert set(listing["dossiers"]) == {"2023-05"}
    assert [(p.level, p.file) for p in problems] == [
        ("error", "raw/766/2023-07.xlsx"), ("warning", "raw/766/notes.txt"), ("warning", "raw/hoso/2023-06.json")]
    assert "two files for 2023-07" in problems[0].message
    assert load.available_months(data) == ["2023-05", "2023-06", "2023-07"]


def test_missing_groups_figures_by_the_files_that_would_bring_them():
    none = dict.fromkeys(["digitization", "payments", "overdue", "reports"])
    assert missing({**none, "index766": "index766"}, "2025-10") == [
        {"figures": ["digitization", "payments", "overdue"],
         "files": ["raw/hoso/2025-10.csv (.xlsx, .parquet)", "raw/2025-10.xlsx (sheet SoHoa, ThanhToan, QuaHan)"]},
        {"figures": ["reports"], "files": ["raw/2025-10.xlsx (sheet BaoCao)"]},
    ]
    assert [source_of_file(f) for f in ("raw/2023-06.xlsx", "raw/766/2025-10.csv", "raw/hoso/2025-10.parquet",
                                         "units.csv", "raw/old/2023-06.xlsx")] == [
        "workbook", "index766", "dossiers", None, None]


def test_validate_reports_per_source(tmp_path, capsys):
    data = make_data_dir(tmp_path, months={"2023-05": valid_month(month="2023-05"), "2023-06": valid_month()})
    assert main(["validate", "--month", "2023-06", "--data-dir", str(data)]) == 0
    out = capsys.readouterr().out.splitlines()
    start = out.index("Sources of 2023-06:")
    assert out[start + 1].split() == ["workbook", "raw/2023-06.xlsx:", "0", "error(s),", "0", "warning(s)"]
    assert out[start + 2].startswith("  766 export       no file (raw/766/2023-06.xlsx (.csv))")
    assert out[start + 3].startswith("  dossier records  no file (raw/hoso/2023-06.csv")


@pytest.mark.parametrize("month", ["2023-06"])
def test_outcomes_json_says_where_each_family_came_from(month):
    rv = review(month, Path(__file__).resolve().parents[1] / "data")
    doc = json.loads(json.dumps(rv.outcomes))
    assert doc["coverage"] == {"digitization": "workbook", "payments": "workbook", "overdue": "workbook",
                               "reports": "workbook", "index766": None}
