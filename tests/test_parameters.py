"""Each notebook parameter changes what it should (through cchc.monthly.review,
the one call the notebook makes; the CLI's -p path is in test_end_to_end)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from cchc.monthly import review

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "data"


@pytest.fixture(scope="module")
def base():
    return review("2023-06", DATA)


def names(rv, key):
    return [u["name"] for u in rv.outcomes["outcomes"][key]]


def test_month_defaults_to_latest_and_selects_the_month():
    assert review(None, DATA).month == "2023-06"
    may = review("2023-05", DATA)
    assert may.outcomes["month"] == "2023-05"
    assert may.outcomes["payment_window"] == {"start": "2023-04", "end": "2023-05", "months": ["2023-04", "2023-05"]}
    assert "tháng 6 năm 2023" in may.letter.place_date
    assert all(m <= "2023-05" for m in may.ds.months)


def test_data_dir_selects_the_data(tmp_path):
    data = tmp_path / "d"
    shutil.copytree(DATA, data)
    cfg = yaml.safe_load((data / "config.yml").read_text(encoding="utf-8"))
    cfg["signer"] = {"title": "KT. CHỦ TỊCH", "name": "Nguyễn Văn A"}
    (data / "config.yml").write_text(yaml.safe_dump(cfg, allow_unicode=True), encoding="utf-8")
    rv = review("2023-06", str(data))
    assert rv.letter.signer_name == "Nguyễn Văn A"


def test_relative_data_dir_is_taken_from_the_repository_root(monkeypatch):
    monkeypatch.chdir(ROOT / "notebooks")
    assert review("2023-06", "data").ds.data_dir == DATA


def test_payment_target(base):
    assert len(names(base, "payment_meets")) == 9
    rv = review("2023-06", DATA, payment_target=35)
    rates = {u["name"]: u["window_payment_rate"] for u in base.outcomes["outcomes"]["payment_meets"]}
    assert names(rv, "payment_meets") == [n for n in names(base, "payment_meets") if rates[n] >= 35]
    assert len(names(rv, "payment_meets")) < 9
    assert "(35%)" in rv.letter.body_text()


def test_very_low_payment(base):
    rv = review("2023-06", DATA, very_low_payment=1.3)
    assert names(rv, "payment_very_low") == ["Hà Kỳ", "Đại Sơn", "Cộng Lạc", "Tái Sơn", "Văn Tố"]
    assert names(rv, "payment_below") == names(base, "payment_below")


def test_commend_local_digitization(base):
    assert names(base, "commend_local_digitization") == ["Ngọc Kỳ", "Phượng Kỳ", "Đại Sơn", "Quang Trung"]
    rv = review("2023-06", DATA, commend_local_digitization=99.2)
    assert names(rv, "commend_local_digitization") == ["Ngọc Kỳ", "Phượng Kỳ"]
    assert "02 UBND xã" in rv.letter.body_text()


def test_commend_payment():
    rv = review("2023-06", DATA, commend_payment=90)
    assert names(rv, "commend_local_payment") == ["Chí Minh", "Quang Phục"]


def test_criticism_months(base):
    assert names(review("2023-06", DATA, criticism_months=6), "criticize") == []
    four = names(review("2023-06", DATA, criticism_months=4), "criticize")
    assert "Hưng Đạo" in four and len(four) > 1


def test_payment_window_start(base):
    rv = review("2023-06", DATA, payment_window_start="2023-06")
    assert rv.outcomes["payment_window"] == {"start": "2023-06", "end": "2023-06", "months": ["2023-06"]}
    june = {u["name"] for u in rv.outcomes["units"] if u["payment_rate"] is not None and u["payment_rate"] >= 30}
    assert set(names(rv, "payment_meets")) == june
    assert "kể từ ngày 01/6/2023 đến 30/6/2023" in rv.letter.body_text()


def test_config_yml_sets_defaults(tmp_path):
    data = tmp_path / "d"
    shutil.copytree(DATA, data)
    cfg = yaml.safe_load((data / "config.yml").read_text(encoding="utf-8"))
    cfg["parameters"] = {"criticism_months": 6}
    (data / "config.yml").write_text(yaml.safe_dump(cfg, allow_unicode=True), encoding="utf-8")
    assert names(review("2023-06", data), "criticize") == []
    assert names(review("2023-06", data, criticism_months=5), "criticize") == ["Hưng Đạo"]


def test_bad_parameter_is_a_clear_error():
    with pytest.raises(ValueError, match="payment_window_start"):
        review("2023-06", DATA, payment_window_start="2023-07")


def test_commend_department_digitization(base):
    assert len(names(base, "commend_departments")) == 6
    rv = review("2023-06", DATA, commend_department_digitization=80)
    assert len(names(rv, "commend_departments")) > 6
    assert set(names(base, "commend_departments")) < set(names(rv, "commend_departments"))


def test_the_parameters_are_declared_once_in_the_notebooks_order():
    from cchc import config, params, run
    from cchc.tables import labels

    assert params.PARAMETER_NAMES == (
        "payment_target", "very_low_payment", "commend_local_digitization", "commend_payment",
        "criticism_months", "payment_window_start", "commend_department_digitization",
        "index766_good", "index766_urgent", "index766_top")
    assert tuple(params.DEFAULTS) == params.PARAMETER_NAMES
    assert config.PARAMETER_NAMES is params.PARAMETER_NAMES  # config.yml's check of its keys
    n = len(params.PARAMETER_NAMES)
    assert run.NOTEBOOK_PARAMETERS[3:3 + n] == params.PARAMETER_NAMES  # after month, data_dir, output_dir
    assert tuple(labels()["parameters"]) == params.PARAMETER_NAMES  # the scorecard's labels
    resolved = params.resolve_parameters({}, "2023-06")
    assert tuple(resolved) == params.PARAMETER_NAMES
