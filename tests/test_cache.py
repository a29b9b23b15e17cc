"""The parsed-month cache (cchc.cache): where it is kept, what its key covers."""

import shutil
import subprocess
import sys
from pathlib import Path

from cchc import cache
from cchc.registry import load_registry
from workbooks import make_data_dir

MONTH = "2023-06"


def test_the_session_cache_is_not_in_the_users_home():
    folder = cache.cache_dir()
    assert folder is not None and folder.is_dir()
    assert not folder.resolve().is_relative_to(Path.home().resolve())


def test_commands_started_by_the_tests_use_the_session_cache():
    code = "from cchc import cache; print(cache.cache_dir())"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert Path(out.strip()) == cache.cache_dir()


def _package_copy(folder: Path) -> Path:
    shutil.copytree(cache.PACKAGE_DIR, folder, ignore=shutil.ignore_patterns("__pycache__"))
    return folder


def test_the_fingerprint_covers_every_module_of_the_package(tmp_path):
    same = cache.code_fingerprint(_package_copy(tmp_path / "a"))
    assert cache.code_fingerprint(_package_copy(tmp_path / "b")) == same  # where it lies does not count
    changed = _package_copy(tmp_path / "c")
    (changed / "fmt.py").write_bytes((changed / "fmt.py").read_bytes() + b"\n")  # not a loader module
    assert cache.code_fingerprint(changed) != same
    added = _package_copy(tmp_path / "d")
    (added / "templates" / "helper.py").write_text("X = 1\n")  # in a sub-folder
    assert cache.code_fingerprint(added) != same
    renamed = _package_copy(tmp_path / "e")
    (renamed / "fmt.py").rename(renamed / "fmt2.py")
    assert cache.code_fingerprint(renamed) != same


def test_a_changed_module_reads_the_month_afresh(tmp_path, monkeypatch):
    data = make_data_dir(tmp_path)
    registry, _ = load_registry(data)
    folder = tmp_path / "cache"
    monkeypatch.setenv(cache.CACHE_VARIABLE, str(folder))
    path = data / "raw" / f"{MONTH}.xlsx"

    def read():
        month, problems = cache.read_month_cached(path, f"raw/{MONTH}.xlsx", MONTH, registry)
        assert month is not None and problems == []
        return sorted(p.name for p in folder.glob("*.pickle"))

    monkeypatch.setattr(cache, "PACKAGE_DIR", _package_copy(tmp_path / "v1"))
    first = read()
    assert read() == first and len(first) == 1  # the same code: taken from the cache
    changed = _package_copy(tmp_path / "v2")
    (changed / "charts.py").write_bytes((changed / "charts.py").read_bytes() + b"# new\n")
    monkeypatch.setattr(cache, "PACKAGE_DIR", changed)
    assert len(read()) == 2
