"""Parsed months kept between runs, so that a workbook is read only once.

    month, problems = read_month_cached(path, "raw/2023-06.xlsx", "2023-06", registry)
    export, problems = read_cached(reader, path, "raw/766/2025-10.csv", "2025-10", registry)

A reader's result for one month's file (the workbook's `cchc.workbook.read_month`,
or another source's reader), taken from the cache folder (`cache_dir`) when the
reader, the file, the month, the registry and the code are those of a month
read before.
"""

from __future__ import annotations

import functools
import hashlib
import os
import pickle
import sys
from importlib.metadata import version
from pathlib import Path

from cchc.dataset import Problem
from cchc.registry import Registry
from cchc.workbook import MonthData, read_month

#: Where parsed months are kept between runs (a folder; "" or "off" turns the cache off).
CACHE_VARIABLE = "CCHC_CACHE_DIR"
#: At most this many cached months; the oldest are dropped beyond it.
CACHE_MAX_ENTRIES = 2000
#: The package a cached month depends on: every module in it (*.py, sub-folders too).
PACKAGE_DIR = Path(__file__).resolve().parent


def cache_dir() -> Path | None:
    """The folder of the parsed-month cache, or None when it is turned off.

    $CCHC_CACHE_DIR, else the user's cache folder (~/.cache/cchc/months,
    $XDG_CACHE_HOME, %LOCALAPPDATA% on Windows).
    """
    value = os.environ.get(CACHE_VARIABLE)
    if value is not None:
        return None if value.strip().lower() in ("", "0", "off", "no", "none", "false") else Path(value)
    if os.name == "nt" and os.environ.get("LOCALAPPDATA"):
        base = Path(os.environ["LOCALAPPDATA"]) / "cchc" / "Cache"
    else:
        base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "cchc"
    return base / "months"


@functools.cache
def code_fingerprint(package: Path) -> str:
    """What a cached month depends on besides its inputs: the code and the parsing libraries.

    The bytes of every *.py file of the package, in the order of their paths
    relative to it, then the versions of openpyxl, pandas, numpy, pyarrow,
    fastexcel (the readers of dossier records) and Python.
    """
    h = hashlib.sha256()
    modules = sorted((p.relative_to(package).as_posix(), p) for p in package.rglob("*.py"))
    for name, path in modules:
        h.update(name.encode() + b"\0" + path.read_bytes() + b"\0")
    for pkg in ("openpyxl", "pandas", "numpy", "pyarrow", "fastexcel"):
        h.update(f"{pkg}={version(pkg)};".encode())
    h.update(sys.version.encode())
    return h.hexdigest()


def _month_key(reader, sha: str, file: str, month: str, registry: Registry, extra: tuple) -> str:
    units = registry.units[["code", "name", "kind", "aliases", "order", "dvc_code"]]
    h = hashlib.sha256()
    for part in (code_fingerprint(PACKAGE_DIR), f"{reader.__module__}.{reader.__qualname__}", sha, file, month,
                 repr(extra), repr([tuple(r) for r in units.itertuples(index=False)])):
        h.update(part.encode("utf-8") + b"\0")
    return h.hexdigest()


def read_month_cached(
    path: Path, file: str, month: str, registry: Registry, check_units: bool = True
) -> tuple[MonthData | None, list[Problem]]:
    """`cchc.workbook.read_month`, remembered between runs (`read_cached`)."""
    return read_cached(read_month, path, file, month, registry, check_units)


def read_cached(reader, path: Path, file: str, month: str, registry: Registry, *extra):
    """`reader(path, file, month, registry, *extra)`, remembered between runs.

    `reader` reads one month's file of a source (`cchc.workbook.read_month`,
    and the readers of the 766 export and of dossier records) and returns
    (its data or None, problems); the data has a `sha256` of the file.
    Reading a file (openpyxl, then checking every cell; or parsing a large
    export) is the slow part of a run, and the history is read again by every
    run (the command checks the data, then the notebook's kernel loads it; each
    month of a batch reads all the months before it). A month's result
    depends only on the reader, the file's bytes, its name, the month, the
    registry, the reader's other arguments (`extra`, their repr) and the code
    (`code_fingerprint`), so it is kept, pickled, under a key made of all of
    them: a changed file, units.csv or cchc version is read afresh. Any
    trouble with the cache (unwritable, damaged entry) falls back on reading.
    """
    folder = cache_dir()
    if folder is None:
        return reader(path, file, month, registry, *extra)
    try:
        with open(path, "rb") as f:  # streamed: a records file may be gigabytes
            sha = hashlib.file_digest(f, "sha256").hexdigest()
    except OSError:
        return reader(path, file, month, registry, *extra)  # says why, in plain words
    entry = folder / f"{_month_key(reader, sha, file, month, registry, extra)}.pickle"
    try:
        with open(entry, "rb") as f:
            result = pickle.load(f)
        os.utime(entry)  # recently used: kept when the cache is pruned
        return result
    except Exception:  # noqa: BLE001 — absent or damaged: read the file
        pass
    result = reader(path, file, month, registry, *extra)
    if result[0] is not None and result[0].sha256 != sha:
        return result  # the file changed while it was read: do not remember it
    try:
        folder.mkdir(parents=True, exist_ok=True)
        tmp = entry.with_name(f".{entry.name}.{os.getpid()}.tmp")
        with open(tmp, "wb") as f:
            pickle.dump(result, f, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, entry)  # atomic: parallel runs may write the same entry
        _prune(folder)
    except Exception:  # noqa: BLE001 — a cache that cannot be written is no cache
        pass
    return result


def _prune(folder: Path) -> None:
    entries = list(folder.glob("*.pickle"))
    if len(entries) <= CACHE_MAX_ENTRIES:
        return
    entries.sort(key=lambda p: p.stat().st_mtime)
    for p in entries[: len(entries) - CACHE_MAX_ENTRIES // 2]:
        p.unlink(missing_ok=True)
