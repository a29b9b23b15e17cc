"""The notebook's rule parameters: defaults, config.yml overrides, validation.

`resolve_parameters(config, month, **given)` gives the values the rules use.
Precedence for each name: a given value that is not None, else
``config["parameters"][name]`` when set, else `DEFAULTS[name]`.
"""

from __future__ import annotations

import math
from numbers import Real

from cchc.months import parse_month, quarter_start

#: Defaults of data-contract.md, plus `commend_department_digitization` (rule 1's 100%).
DEFAULTS: dict = {
    "payment_target": 30.0,
    "very_low_payment": 2.0,
    "commend_local_digitization": 99.0,
    "commend_payment": 80.0,
    "criticism_months": 5,
    "payment_window_start": None,  # None: first month of the quarter of `month`
    "commend_department_digitization": 100.0,
}

#: Parameters that are percentages, checked to lie in 0–100.
THRESHOLDS = (
    "payment_target",
    "very_low_payment",
    "commend_local_digitization",
    "commend_payment",
    "commend_department_digitization",
)


def _number(name: str, value) -> float:
    """A finite float from a number or a text such as "30", "99,5" or "80%"."""
    if isinstance(value, bool):
        raise ValueError(f"parameter {name}: expected a number, got {value!r}")
    if isinstance(value, Real):
        out = float(value)
    else:
        text = str(value).strip().rstrip("%").strip().replace(",", ".")
        try:
            out = float(text)
        except ValueError:
            raise ValueError(f"parameter {name}: expected a number, got {value!r}") from None
    if not math.isfinite(out):
        raise ValueError(f"parameter {name}: expected a finite number, got {value!r}")
    return out


def _threshold(name: str, value) -> float:
    out = _number(name, value)
    if not 0 <= out <= 100:
        raise ValueError(f"parameter {name}: a percentage must be between 0 and 100, got {value!r}")
    return out


def _months_count(name: str, value) -> int:
    out = _number(name, value)
    if out != int(out) or out < 1:
        raise ValueError(f"parameter {name}: expected a whole number of months >= 1, got {value!r}")
    return int(out)


def _window_start(name: str, value, month: str) -> str:
    if value is None or (isinstance(value, str) and not value.strip()):
        return quarter_start(month)
    try:
        y, m = parse_month(str(value))
    except ValueError:
        raise ValueError(f"parameter {name}: expected a month YYYY-MM, got {value!r}") from None
    start = f"{y:04d}-{m:02d}"
    if start > month:
        raise ValueError(f"parameter {name}: the payment window must start on or before the reported month {month}, got {start}")
    return start


def resolve_parameters(config: dict | None, month: str, **given) -> dict:
    """The rule parameters for `month`, validated; ValueError with a clear message otherwise.

    Thresholds become floats in 0–100, `criticism_months` an int >= 1,
    `payment_window_start` a "YYYY-MM" no later than `month` (None: start of
    the month's quarter). Unknown names in `given` are an error; keys of
    ``config["parameters"]`` that are not rule parameters (month, data_dir …)
    are ignored here.
    """
    parse_month(month)  # ValueError on a malformed month
    unknown = sorted(set(given) - set(DEFAULTS))
    if unknown:
        raise ValueError(f"unknown parameter(s): {', '.join(unknown)}; known: {', '.join(DEFAULTS)}")
    from_config = (config or {}).get("parameters") or {}
    if not isinstance(from_config, dict):
        raise ValueError("config.yml: 'parameters' must be a mapping of name: value")

    def pick(name):
        if given.get(name) is not None:
            return given[name]
        if from_config.get(name) is not None:
            return from_config[name]
        return DEFAULTS[name]

    out = {name: _threshold(name, pick(name)) for name in THRESHOLDS}
    out["criticism_months"] = _months_count("criticism_months", pick("criticism_months"))
    out["payment_window_start"] = _window_start("payment_window_start", pick("payment_window_start"), month)
    return {name: out[name] for name in DEFAULTS}
