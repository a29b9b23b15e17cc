"""The benchmark's synthetic province (bench/make_province.py) is valid contract data.

Fast: three months only. Timings are never asserted here (bench/run.py measures them).
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

from cchc.load import load_dataset, validate

ROOT = Path(__file__).resolve().parents[1]


def _module(name: str):
    spec = importlib.util.spec_from_file_location(f"bench_{name}", ROOT / "bench" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def province(tmp_path_factory):
    out = tmp_path_factory.mktemp("province")
    months = _module("make_province").make_province(out, months=3, start="2025-01")
    return out, months


def test_three_months_load_without_errors_or_warnings(province):
    out, months = province
    assert months == ["2025-01", "2025-02", "2025-03"]
    assert validate(out, "2025-03") == []
    ds = load_dataset(out, "2025-03")  # raises DataError on any error
    assert ds.months == months
    assert ds.warnings == []


def test_sizes_are_the_province_scale(province):
    out, _ = province
    ds = load_dataset(out, "2025-03")
    kinds = ds.units["kind"].value_counts()
    assert len(ds.units) == 170
    assert kinds["department"] == 20
    assert kinds.drop("department").sum() == 150
    assert ds.units["code"].is_unique and ds.units["name"].is_unique
    assert len(ds.digitization) == 170 * 3 and ds.digitization["present"].all()
    assert len(ds.payments) == 170 * 3
    assert len(ds.reports) == 170 * 3  # one monthly report per unit
    assert len(ds.overdue) > 0 and ds.overdue["excused"].any()
    assert sorted((out / "raw").iterdir()) == [out / "raw" / f"2025-0{m}.xlsx" for m in (1, 2, 3)]


def test_deterministic(province, tmp_path):
    out, _ = province
    _module("make_province").make_province(tmp_path, months=3, start="2025-01")
    for name in ("units.csv", "config.yml", "raw/2025-01.xlsx", "raw/2025-03.xlsx"):
        assert (tmp_path / name).read_bytes() == (out / name).read_bytes(), name


def test_floor_notebook_is_trivial():
    """The floor runs an empty notebook: nothing of cchc in it."""
    text = (ROOT / "bench" / "floor.py").read_text(encoding="utf-8")
    assert "import cchc" not in text and "from cchc" not in text


def test_floor_runs_papermill_as_the_report_does():
    """Same kernel, same papermill options (progress, logging, shutdown) as cchc.run."""
    import re

    def options(path):
        text = path.read_text(encoding="utf-8")
        return set(re.findall(r"(progress_bar|log_output|kernel_name|shutdown_kernel)=([^,\n)]+)", text))

    floor = options(ROOT / "bench" / "floor.py")
    report = options(ROOT / "lib" / "cchc" / "run.py")
    assert len(report) == 4 and floor == report


# --------------------------------------------------------------------------- the speed work keeps behaviour


def test_parsed_months_cache_gives_the_same_dataset(tmp_path, monkeypatch):
    import shutil

    import pandas as pd

    from cchc import load
    from cchc.cache import CACHE_VARIABLE

    data = tmp_path / "data"
    shutil.copytree(ROOT / "data", data)
    monkeypatch.setenv(CACHE_VARIABLE, "off")
    fresh, fresh_problems = load._collect(data, "2023-06")
    cache = tmp_path / "cache"
    monkeypatch.setenv(CACHE_VARIABLE, str(cache))
    for _ in range(2):  # the first run fills the cache, the second reads it
        ds, problems = load._collect(data, "2023-06")
        for name in ("digitization", "payments", "overdue", "reports", "units"):
            pd.testing.assert_frame_equal(getattr(ds, name), getattr(fresh, name))
        assert ds.inputs == fresh.inputs and list(map(str, problems)) == list(map(str, fresh_problems))
    assert len(list(cache.glob("*.pickle"))) == 6
    # a changed workbook or registry is read afresh, never taken from the cache
    units = (data / "units.csv").read_text(encoding="utf-8")
    (data / "units.csv").write_text(units.replace("Ngọc Kỳ,commune", "Ngọc Kỳ,ward"), encoding="utf-8")
    assert load.load_dataset(data, "2023-06").units.set_index("code").loc["XA_NGOC_KY", "kind"] == "ward"
    assert len(list(cache.glob("*.pickle"))) == 12


def test_cache_can_be_turned_off(monkeypatch):
    from cchc.cache import CACHE_VARIABLE, cache_dir

    for value in ("", "off", "0"):
        monkeypatch.setenv(CACHE_VARIABLE, value)
        assert cache_dir() is None


def test_png_bytes_is_one_opaque_palette_png():
    import io

    from PIL import Image

    from cchc import charts

    fig = charts._message_figure("Tiêu đề", "Không có dữ liệu.")
    png = charts.png_bytes(fig)
    image = Image.open(io.BytesIO(png))
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and image.mode == "P"
    w, h = fig.get_size_inches() * fig.dpi
    assert image.size == (round(w), round(h))
