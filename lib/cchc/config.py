"""config.yml: the issuing body, signer, recipients and default parameters.

    config, problems = load_config(data_dir)

Required keys (docs/data-format.md): issuer, place, document_code, signer (title,
name). Optional keys get defaults (`DEFAULTS`); unknown keys are kept as they
are. Every text is NFC and stripped.
"""

from __future__ import annotations

import copy
from pathlib import Path

import yaml

from cchc.dataset import ERROR, WARNING, Problem
from cchc.params import PARAMETER_NAMES  # the rule parameters config.yml may set defaults for
from cchc.text import nfc_tree

CONFIG_FILE = "config.yml"
REQUIRED_KEYS = ("issuer", "place", "document_code", "signer")
SIGNER_KEYS = ("title", "name")


DEFAULT_LEVEL = "huyện"


def defaults(level: str = DEFAULT_LEVEL) -> dict:
    """Values of the optional keys when config.yml leaves them out."""
    return {
        "level": level,
        # a province's People's Committee has its own office; a commune's (and a former district's) is shared
        "proposer": "Văn phòng UBND tỉnh" if level == "tỉnh" else f"Văn phòng HĐND và UBND {level}",
        # no default recipients: the letter addresses the kinds of unit the
        # registry holds ("Chủ tịch UBND các xã, phường", …)
        "recipients": [],
        "distribution": [f"CT, các PCT.UBND {level}", "Lưu: VT"],
        # who sets the online-payment target, and where payments are made (the letter, the unit pages)
        "superior": "UBND tỉnh",
        "payment_portal": "Cổng dịch vụ công quốc gia",
        "parameters": {},
    }


def _filled(value) -> bool:
    return value is not None and (not isinstance(value, str) or value.strip() != "")


def load_config(data_dir) -> tuple[dict, list[Problem]]:
    """Read and check `<data_dir>/config.yml`: (config with defaults, problems).

    On errors the returned config still holds whatever could be read.
    """
    path = Path(data_dir) / CONFIG_FILE
    problems: list[Problem] = []

    def problem(message, column="", value="", row=None, level=ERROR):
        problems.append(Problem(level, message, file=CONFIG_FILE, row=row, column=column, value=str(value)))

    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        problem("config.yml is missing: expected issuer, place, document_code and signer")
        return defaults(), problems
    except UnicodeDecodeError:
        problem("config.yml is not UTF-8 text")
        return defaults(), problems
    except OSError as exc:
        problem(f"cannot read config.yml: {exc.strerror or exc}")
        return defaults(), problems

    try:
        raw = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        line = mark.line + 1 if mark is not None else None
        what = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        where = f" at line {line}" if line else ""
        problem(f"not valid YAML{where}: {what}", row=line)
        return defaults(), problems

    if raw is None:
        raw = {}
    if not isinstance(raw, dict):
        problem("not a mapping of keys (expected issuer: …, place: …)")
        return defaults(), problems

    config = nfc_tree(raw)
    for key in REQUIRED_KEYS[:3]:
        if not _filled(config.get(key)):
            problem(f"required key '{key}' is missing or empty", column=key)
        elif not isinstance(config[key], str):
            config[key] = str(config[key])

    signer = config.get("signer")
    if not isinstance(signer, dict):
        if signer is None:
            problem("required key 'signer' is missing (signer: {title: …, name: …})", column="signer")
        else:
            problem("'signer' must have 'title' and 'name'", column="signer", value=signer)
    else:
        for key in SIGNER_KEYS:
            if not _filled(signer.get(key)):
                problem(f"required key 'signer.{key}' is missing or empty", column=f"signer.{key}")

    level = config.get("level")
    if not _filled(level):
        level = DEFAULT_LEVEL
    out = {k: v for k, v in config.items() if v is not None}
    for key, value in defaults(str(level)).items():
        out.setdefault(key, value)
    out["level"] = str(level)

    for key in ("recipients", "distribution"):
        value = out[key]
        if isinstance(value, str):
            out[key] = [value]
        elif not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            problem(f"'{key}' must be a list of texts", column=key, value=value)
            out[key] = defaults(out["level"])[key]

    params = out["parameters"]
    if not isinstance(params, dict):
        problem("'parameters' must be a mapping (name: value)", column="parameters", value=params)
        out["parameters"] = {}
    else:
        for name in params:
            if name not in PARAMETER_NAMES:
                problem(
                    f"unknown parameter '{name}' (known: {', '.join(PARAMETER_NAMES)})",
                    column=f"parameters.{name}",
                    level=WARNING,
                )
    return copy.deepcopy(out), problems
