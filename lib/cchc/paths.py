"""Where things are: the project root, the notebook, relative data paths."""

from __future__ import annotations

import os
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
TEMPLATES_DIR = PACKAGE_DIR / "templates"
FONTS_DIR = PACKAGE_DIR / "fonts"


def project_root() -> Path:
    """The checkout's top folder (the one holding notebooks/ and lib/)."""
    return PACKAGE_DIR.parent.parent


def notebook_path(name: str = "monthly_report.ipynb") -> Path:
    return project_root() / "notebooks" / name


def relative_base(cwd: Path | None = None) -> Path:
    """The folder relative data and output folders are taken from.

    The repository root when this package runs from its checkout (the notebook
    in JupyterLab runs from ``notebooks/``, plain papermill from wherever it
    was started, ``cchc report`` from anywhere: the same folder for all);
    otherwise (an installed package) the current folder.
    """
    root = project_root()
    if (root / "notebooks").is_dir() and (root / "lib" / "cchc").is_dir():
        return root
    return Path(cwd) if cwd is not None else Path.cwd()


def resolve_dir(path: str | os.PathLike, cwd: Path | None = None) -> Path:
    """An absolute path for a data or output folder given in a parameter.

    Relative paths are taken from `relative_base` (the repository root), so
    ``data_dir = "data"`` means the same folder wherever the notebook runs.
    """
    p = Path(path).expanduser()
    if p.is_absolute():
        return p
    return (relative_base(cwd) / p).resolve()


def tried(name: str, path: str | os.PathLike, cwd: Path | None = None) -> str:
    """Where a relative folder parameter was looked for, for an error message
    ("" for an absolute one): " (data_dir 'data' is taken from the repository root …)"."""
    if Path(path).expanduser().is_absolute():
        return ""
    base = relative_base(cwd)
    given = f"{name} '{os.fspath(path)}'"
    if base == project_root():
        return f" ({given} is taken from the repository root {base}; give an absolute path for a folder elsewhere)"
    return f" ({given} is taken from the current folder {base}; give an absolute path for a folder elsewhere)"
