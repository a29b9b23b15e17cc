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


def resolve_dir(path: str | os.PathLike, cwd: Path | None = None) -> Path:
    """An absolute path for a data or output folder given in a parameter.

    Relative paths are taken from the repository root when the notebook runs
    from ``notebooks/`` (JupyterLab and papermill both do), otherwise from the
    current folder, so ``data_dir = "data"`` means the same everywhere.
    """
    p = Path(path).expanduser()
    if p.is_absolute():
        return p
    base = Path(cwd) if cwd is not None else Path.cwd()
    if base.name == "notebooks" and (base.parent / "lib" / "cchc").is_dir():
        base = base.parent
    return (base / p).resolve()
