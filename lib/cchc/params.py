"""The notebook's rule parameters: declared once here, with defaults, config.yml overrides and validation.

`PARAMETERS` is the one list: each parameter's name, default and kind of
value, in the notebook's order. `PARAMETER_NAMES` and `DEFAULTS` derive from
it; so do config.yml's check of its `parameters` keys (`cchc.config`), the
notebook run's parameters (`cchc.run`) and the scorecard's parameter sheet,
whose Vietnamese labels are in templates/labels.yml (``parameters``).

`resolve_parameters(config, month, **given)` gives the values the rules use.
Precedence for each name: a given value that is not None, else
``config["parameters"][name]`` when set, else its default.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from numbers import Real

from cchc.months import parse_month, quarter_start

PERCENTAGE = "percentage"  # a float in 0–100 ("30", "99,5" and "80%" are read too)
MONTHS = "months"  # a whole number of months >= 1
MONTH = "month"  # a month "YYYY-MM" no later than the reported month; None: the quarter's first month
POINTS = "points"  # a score of the 766 index, a float in 0–100 ("90", "87,5")
COUNT = "count"  # a whole number >= 0


@dataclass(frozen=True)
class Parameter:
    name: str
    default: object
    kind: str  # PERCENTAGE | MONTHS | MONTH


#: The rule parameters, in the notebook's order (docs/data-format.md's defaults,
#: plus `commend_department_digitization`: rule 1's 100%; then rule 8's, the
#: Decision 766 index: the bands' thresholds and how many units are commended per level).
PARAMETERS = (
    Parameter("payment_target", 30.0, PERCENTAGE),
    Parameter("very_low_payment", 2.0, PERCENTAGE),
    Parameter("commend_local_digitization", 99.0, PERCENTAGE),
    Parameter("commend_payment", 80.0, PERCENTAGE),
    Parameter("criticism_months", 5, MONTHS),
    Parameter("payment_window_start", None, MONTH),
    Parameter("commend_department_digitization", 100.0, PERCENTAGE),
    Parameter("index766_good", 90.0, POINTS),
    Parameter("index766_urgent", 80.0, POINTS),
    Parameter("index766_top", 3, COUNT),
)

PARAMETER_NAMES: tuple[str, ...] = tuple(p.name for p in PARAMETERS)
DEFAULTS: dict = {p.name: p.default for p in PARAMETERS}


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


def _percentage(name: str, value, month: str) -> float:
    out = _number(name, value)
    if not 0 <= out <= 100:
        raise ValueError(f"parameter {name}: a percentage must be between 0 and 100, got {value!r}")
    return out


def _months_count(name: str, value, month: str) -> int:
    out = _number(name, value)
    if out != int(out) or out < 1:
        raise ValueError(f"parameter {name}: expected a whole number of months >= 1, got {value!r}")
    return int(out)


def _points(name: str, value, month: str) -> float:
    out = _number(name, value)
    if not 0 <= out <= 100:
        raise ValueError(f"parameter {name}: a score of the 766 index must be between 0 and 100, got {value!r}")
    return out


def _count(name: str, value, month: str) -> int:
    out = _number(name, value)
    if out != int(out) or out < 0:
        raise ValueError(f"parameter {name}: expected a whole number >= 0, got {value!r}")
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


_VALIDATE = {PERCENTAGE: _percentage, MONTHS: _months_count, MONTH: _window_start, POINTS: _points, COUNT: _count}


def resolve_parameters(config: dict | None, month: str, **given) -> dict:
    """The rule parameters for `month`, validated; ValueError with a clear message otherwise.

    Percentages become floats in 0–100, `criticism_months` an int >= 1,
    `payment_window_start` a "YYYY-MM" no later than `month` (None: start of
    the month's quarter). Unknown names in `given` are an error; keys of
    ``config["parameters"]`` that are not rule parameters (month, data_dir …)
    are ignored here. The result lists the parameters in `PARAMETERS` order.
    """
    parse_month(month)  # ValueError on a malformed month
    unknown = sorted(set(given) - set(PARAMETER_NAMES))
    if unknown:
        raise ValueError(f"unknown parameter(s): {', '.join(unknown)}; known: {', '.join(PARAMETER_NAMES)}")
    from_config = (config or {}).get("parameters") or {}
    if not isinstance(from_config, dict):
        raise ValueError("config.yml: 'parameters' must be a mapping of name: value")

    def pick(p: Parameter):
        if given.get(p.name) is not None:
            return given[p.name]
        if from_config.get(p.name) is not None:
            return from_config[p.name]
        return p.default

    out = {p.name: _VALIDATE[p.kind](p.name, pick(p), month) for p in PARAMETERS}
    if out["index766_urgent"] > out["index766_good"]:
        raise ValueError(f"parameters index766_urgent ({out['index766_urgent']:g}) and index766_good "
                         f"({out['index766_good']:g}): the urgent threshold cannot be above the good one")
    return out
