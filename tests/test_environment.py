"""environment.yml, pyproject.toml and requirements.lock name the same pins."""

import re
import tomllib
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]


def _pins(lines):
    out = {}
    for line in lines:
        m = re.fullmatch(r"\s*([A-Za-z0-9_.\-]+)\s*==\s*([^\s;]+)\s*", line)
        if m:
            out[m.group(1).lower().replace("_", "-")] = m.group(2)
    return out


def pyproject_pins():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    lines = list(project["dependencies"])
    for extra in project["optional-dependencies"].values():
        lines += extra
    return _pins(lines), len(lines)


def conda_pins():
    env = yaml.safe_load((ROOT / "environment.yml").read_text(encoding="utf-8"))
    pip = next(d["pip"] for d in env["dependencies"] if isinstance(d, dict) and "pip" in d)
    return _pins(p for p in pip if not p.startswith("-e"))


def test_every_pyproject_dependency_is_pinned():
    pins, n = pyproject_pins()
    assert len(pins) == n, "every dependency in pyproject.toml is pinned with =="


def test_environment_yml_matches_pyproject():
    assert conda_pins() == pyproject_pins()[0]


def test_lock_agrees_with_pyproject():
    lock = _pins((ROOT / "requirements.lock").read_text(encoding="utf-8").splitlines())
    for name, version in pyproject_pins()[0].items():
        assert lock.get(name) == version, f"{name}: pyproject {version}, lock {lock.get(name)}"


def test_environment_yml_uses_python_311():
    env = yaml.safe_load((ROOT / "environment.yml").read_text(encoding="utf-8"))
    assert "python=3.11" in env["dependencies"]
