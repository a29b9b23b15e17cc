"""Parsed months kept between runs, so that a workbook is read only once.

    month, problems = read_month_cached(path, "raw/2023-06.xlsx", "2023-06", registry)

The same as `cchc.workbook.read_month`, taken from the cache folder
(`cache_dir`) when the file, the month, the registry and the code are those of
a month read before.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from cchc.dataset import Problem
from cchc.registry import Registry
from cchc.workbook import MonthData, read_month

#: Where parsed months are kept between runs (a folder; "" or "off" turns the cache off).
CACHE_VARIABLE = "CCHC_CACHE_DIR"
#: At most this many cached months; the oldest are dropped beyond it.
CACHE_MAX_ENTRIES = 2000
_CODE_FILES = ("workbook.py", "xlsx.py", "contract.py", "table.py", "columns.py", "sheets.py", "log.py", "cells.py",
               "registry.py", "dataset.py", "months.py", "text.py")
_code_key: str | None = None


def cache_dir() -> Path | None:
    """The folder of the parsed-month cache, or None when it is turned off.

    $CCHC_CACHE_DIR, else the user's cache folder (~/.cache/cchc/months,
    $XDG_CACHE_HOME, %LOCALAPPDATA% on Windows).
    """
    import os

    value = os.environ.get(CACHE_VARIABLE)
    if value is not None:
        return None if value.strip().lower() in ("", "0", "off", "no", "none", "false") else Path(value)
    if os.name == "nt" and os.environ.get("LOCALAPPDATA"):
        base = Path(os.environ["LOCALAPPDATA"]) / "cchc" / "Cache"
    else:
        base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "cchc"
    return base / "months"


def _code_fingerprint() -> str:
    """What a cached month depends on besides its inputs: this code and the parsing libraries."""
    global _code_key
    if _code_key is None:
        import sys
        from importlib.metadata import version

        h = hashlib.sha256()
        here = Path(__file__).parent
        for name in _CODE_FILES:
            h.update(name.encode() + b"\0" + (here / name).read_bytes() + b"\0")
        for pkg in ("openpyxl", "pandas", "numpy"):
            h.update(f"{pkg}={version(pkg)};".encode())
        h.update(sys.version.encode())
        _code_key = h.hexdigest()
    return _code_key


def _month_key(sha: str, file: str, month: str, registry: Registry, check_units: bool) -> str:
    units = registry.units[["code", "name", "kind", "aliases", "order"]]
    h = hashlib.sha256()
    for part in (_code_fingerprint(), sha, file, month, str(bool(check_units)),
                 repr([tuple(r) for r in units.itertuples(index=False)])):
        h.update(part.encode("utf-8") + b"\0")
    return h.hexdigest()


def read_month_cached(
    path: Path, file: str, month: str, registry: Registry, check_units: bool = True
) -> tuple[MonthData | None, list[Problem]]:
    """`read_month`, remembered between runs.

    Reading a workbook (openpyxl, then checking every cell) is the slow part
    of a run, and the history is read again by every run (the command checks
    the data, then the notebook's kernel loads it; each month of a batch reads
    all the months before it). A month's result depends only on the file's
    bytes, its name, the month, the registry and this code, so it is kept,
    pickled, under a key made of all of them: a changed workbook, units.csv or
    cchc version is read afresh. Any trouble with the cache (unwritable,
    damaged entry) falls back on reading the workbook.
    """
    import os
    import pickle

    folder = cache_dir()
    if folder is None:
        return read_month(path, file, month, registry, check_units)
    try:
        sha = hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return read_month(path, file, month, registry, check_units)  # says why, in plain words
    entry = folder / f"{_month_key(sha, file, month, registry, check_units)}.pickle"
    try:
        with open(entry, "rb") as f:
            result = pickle.load(f)
        os.utime(entry)  # recently used: kept when the cache is pruned
        return result
    except Exception:  # noqa: BLE001 — absent or damaged: read the workbook
        pass
    result = read_month(path, file, month, registry, check_units)
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
