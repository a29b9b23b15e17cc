"""Parsing of single cell values read from a workbook: integers, counts, booleans, dates.

Each parser takes the value openpyxl gives (None, str, int, float, bool,
datetime, date) and returns the parsed value, or raises `ValueError` whose
message says what is wrong in plain words; the loader turns it into a Problem.
Blank cells (None, "", spaces) are handled by the callers via `is_blank`.
"""

from __future__ import annotations

import datetime as dt
import math
import re
import unicodedata

from cchc.text import nfc

EXCEL_EPOCH = dt.datetime(1899, 12, 30)  # the 1900 date system (serial 1 = 1900-01-01)
# Serial numbers accepted as dates: 1950-01-01 … 2149-12-31; anything else is
# far more likely a count typed into a date column.
_SERIAL_MIN, _SERIAL_MAX = 18264, 91313
# Dates of any form must fall in the same years (a typo such as 2203 or 1023,
# and the frames' datetime64[ns] only reach 1677-2262).
YEAR_MIN, YEAR_MAX = 1950, 2149

_PLAIN_INT = re.compile(r"[+-]?\d+")
_GROUPED_INT = re.compile(r"[+-]?\d{1,3}(?:([.,])\d{3})(?:\1\d{3})*")  # 1.234 / 1,234 / 1.234.567
_DECIMAL = re.compile(r"[+-]?\d+[.,]\d+")
_SPACES = re.compile(r"[\s\u00a0\u202f]+")
_DMY = re.compile(r"(\d{1,2})\s*[/.\-]\s*(\d{1,2})\s*[/.\-]\s*(\d{4})(?:\s+\d{1,2}:\d{2}(?::\d{2})?)?")
_ISO = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})(?:[T ]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?")

TRUE_WORDS = frozenset({"co", "x", "true", "1", "yes", "y", "dung", "v", "\u2713", "\u2714"})
FALSE_WORDS = frozenset({"khong", "false", "0", "no", "n", "sai", "-"})


def is_blank(value) -> bool:
    """None, NaN, or a text of spaces only."""
    if value is None:
        return True
    if isinstance(value, str):
        return not value.strip()
    if isinstance(value, float):
        return math.isnan(value)
    return False


def cell_text(value) -> str:
    """A cell value as the user would read it, for messages."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime):
        if value.time() == dt.time(0):
            return value.strftime("%d/%m/%Y")
        return value.strftime("%d/%m/%Y %H:%M:%S")
    if isinstance(value, dt.date):
        return value.strftime("%d/%m/%Y")
    return nfc(value).strip()


def _excel_error(value) -> None:
    if isinstance(value, str) and value.strip().startswith("#") and value.strip().endswith(("!", "?", "A")):
        raise ValueError(f"Excel error value {value.strip()}: fix the formula")


def parse_int(value) -> int:
    """A whole number: 12, 12.0, "12", "1.234" or "1,234" (thousands), "1 234".

    Raises ValueError for 12.5 / "12,5" ("not a whole number"), text, booleans.
    Negative numbers are returned as such: the range check is the caller's.
    """
    if isinstance(value, bool):
        raise ValueError("not a number (TRUE/FALSE): expected a whole number")
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        if math.isnan(value) or math.isinf(value):
            raise ValueError("expected a whole number")
        if abs(value - round(value)) > 1e-9:
            raise ValueError("not a whole number")
        return int(round(value))
    if isinstance(value, str):
        _excel_error(value)
        text = _SPACES.sub("", value)
        if _PLAIN_INT.fullmatch(text):
            return int(text)
        if _GROUPED_INT.fullmatch(text):
            # "1.234" and "1,234" are both 1234: Vietnamese and English exports
            # write the thousands separator differently; a count has no decimals.
            return int(re.sub(r"[.,]", "", text))
        if _DECIMAL.fullmatch(text):
            number = float(text.replace(",", "."))
            if number.is_integer():
                return int(number)
            raise ValueError("not a whole number")
        raise ValueError("not a number: expected a whole number")
    if isinstance(value, (dt.date, dt.datetime, dt.time)):
        raise ValueError("not a number (a date): expected a whole number")
    raise ValueError("expected a whole number")


#: Larger counts are typing errors (and would not fit the frames' int64).
MAX_COUNT = 10**12


def parse_count(value) -> int:
    """A count cell: blank or "-" is 0, otherwise `parse_int`, at most MAX_COUNT."""
    if is_blank(value) or (isinstance(value, str) and value.strip() in {"-", "–"}):
        return 0
    number = parse_int(value)
    if abs(number) > MAX_COUNT:
        raise ValueError(f"too large for a count (more than {MAX_COUNT:,}): expected a whole number of dossiers "
                         "or transactions")
    return number


def fold_ascii(text: str) -> str:
    """Lower case without any diacritic (đ -> d): for yes/no words and totals labels."""
    s = unicodedata.normalize("NFD", text.casefold()).replace("đ", "d")
    return "".join(c for c in s if not unicodedata.combining(c)).strip()


def parse_bool(value) -> bool:
    """Có/Không, x/blank, TRUE/FALSE, 1/0, yes/no (case and accents ignored); blank is False."""
    if is_blank(value):
        return False
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, float)) and value in (0, 1):
        return bool(value)
    if isinstance(value, str):
        word = " ".join(fold_ascii(value).split()).rstrip(".")
        if word in TRUE_WORDS:
            return True
        if word in FALSE_WORDS:
            return False
    raise ValueError("not a yes/no value: expected Có/Không, x/blank, TRUE/FALSE, 1/0 or yes/no")


def parse_date(value, epoch: dt.datetime = EXCEL_EPOCH) -> dt.datetime | None:
    """A date (time of day dropped): Excel date cell, Excel serial number,
    text dd/mm/yyyy or d/m/yyyy (also with - or .), or ISO yyyy-mm-dd. Blank is None.
    Years outside YEAR_MIN..YEAR_MAX are refused ("date out of range")."""
    if is_blank(value):
        return None
    if isinstance(value, bool):
        raise ValueError("not a date (TRUE/FALSE): expected an Excel date or dd/mm/yyyy")
    if isinstance(value, dt.date):  # datetime too
        return _in_range(dt.datetime(value.year, value.month, value.day), cell_text(value))
    if isinstance(value, (int, float)):
        return _from_serial(value, epoch)
    if isinstance(value, str):
        _excel_error(value)
        text = value.strip()
        m = _DMY.fullmatch(text)
        if m:
            return _make_date(int(m.group(3)), int(m.group(2)), int(m.group(1)), text)
        m = _ISO.fullmatch(text)
        if m:
            return _make_date(int(m.group(1)), int(m.group(2)), int(m.group(3)), text)
        if _PLAIN_INT.fullmatch(text):
            return _from_serial(int(text), epoch)
    raise ValueError("not a date: expected an Excel date or dd/mm/yyyy")


def _make_date(year: int, month: int, day: int, text: str) -> dt.datetime:
    try:
        date = dt.datetime(year, month, day)
    except ValueError:
        raise ValueError(f"no such date: {text} (expected dd/mm/yyyy)") from None
    return _in_range(date, text)


def _in_range(date: dt.datetime, text: str) -> dt.datetime:
    if not (YEAR_MIN <= date.year <= YEAR_MAX):
        raise ValueError(f"date out of range: {text} (expected a year between {YEAR_MIN} and {YEAR_MAX})")
    return date


def _from_serial(number: float, epoch: dt.datetime) -> dt.datetime:
    if not (_SERIAL_MIN <= number <= _SERIAL_MAX):
        raise ValueError("not a date: a number, expected an Excel date or dd/mm/yyyy")
    return epoch + dt.timedelta(days=int(math.floor(number)))


def parse_text(value) -> str:
    """Text of a cell, NFC, stripped; "" when blank. Whole numbers lose their ".0"."""
    if is_blank(value):
        return ""
    return cell_text(value)
