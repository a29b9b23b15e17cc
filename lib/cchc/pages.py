"""The shared frame of the offline pages (unit pages, the portal): environment, style, file names, writing.

    env = page_env()                 # Jinja2, autoescaped: every data text is escaped
    css = pages_css()                # templates/pages.css, inlined in each page
    files = unit_filenames(codes)    # code -> a file name safe on every system
    write_page(path, html)           # written whole or not at all

Every page is self-contained: inline CSS, no script, relative links only.
"""

from __future__ import annotations

import hashlib
import os
import re
import uuid
from functools import lru_cache
from pathlib import Path

import jinja2

from cchc import fmt
from cchc.paths import TEMPLATES_DIR

#: The folder of a month's unit pages, beside its report (<month>/units/<file>).
UNITS_DIR = "units"
PAGES_CSS = TEMPLATES_DIR / "pages.css"

# Names some systems refuse as file names (Windows devices), whatever the extension.
_RESERVED = {"con", "prn", "aux", "nul", *(f"com{i}" for i in range(10)), *(f"lpt{i}" for i in range(10))}
_UNSAFE = re.compile(r"[^A-Za-z0-9_-]+")


@lru_cache(maxsize=1)
def page_env() -> jinja2.Environment:
    """The Jinja2 environment of the shared pages (unit pages, the portal): autoescaped."""
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(TEMPLATES_DIR)),
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
        undefined=jinja2.StrictUndefined,
        extensions=["jinja2.ext.do"],
    )
    env.filters.update(
        pct=fmt.pct,
        num=fmt.num,
        count2=fmt.count2,
        month_label=fmt.month_label,
        date_vn=fmt.date_vn,
        label=fmt.unit_label,
        names=fmt.group_names,
        change=fmt.signed_change,
        direction=fmt.direction,
    )
    env.globals.update(pct=fmt.pct, num=fmt.num, count2=fmt.count2)
    return env


def pages_css() -> str:
    return PAGES_CSS.read_text(encoding="utf-8")


def write_page(path: Path, text: str) -> Path:
    """Write `text` to `path` through a temporary file and a rename: a reader never sees half a page."""
    path = Path(path)
    tmp = path.with_name(f".{path.name}-{uuid.uuid4().hex[:8]}.tmp")
    try:
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()
    return path


# ============================================================== file names


def _digest(code: str) -> str:
    return hashlib.sha1(code.encode("utf-8")).hexdigest()[:8]


def unit_filenames(codes) -> dict[str, str]:
    """Registry code -> a file name safe everywhere ("XA_NGOC_KY.html").

    A code made of ASCII letters, digits, "_" and "-" keeps its spelling; any
    other code (accents, spaces, "/", "<", a device name such as "CON") gets the
    safe part plus a short hash of the code. Two codes differing only in case
    (the same file on Windows and macOS) are told apart by the hash too. The
    result depends on the list of codes in order, so pass the registry order.
    """
    out: dict[str, str] = {}
    seen: set[str] = set()
    for code in codes:
        code = str(code)
        base = _UNSAFE.sub("_", code).strip("_-")[:60] or "unit"
        if base != code or base.casefold() in _RESERVED:
            base = f"{base}-{_digest(code)}"
        name, i = base, 1
        if name.casefold() in seen:
            name = f"{base}-{_digest(code)}"
        while name.casefold() in seen:  # pathological: hash collision as well
            i += 1
            name = f"{base}-{_digest(code)}-{i}"
        seen.add(name.casefold())
        out[code] = f"{name}.html"
    return out
