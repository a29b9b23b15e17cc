"""Parsing of cell values: integers, booleans, dates."""

import datetime as dt

import pytest

from cchc.cells import cell_text, is_blank, parse_bool, parse_date, parse_int, parse_text


@pytest.mark.parametrize(
    "value, expected",
    [
        (12, 12),
        (0, 0),
        (-3, -3),
        (12.0, 12),
        (11.999999999999, 12),  # float noise from a formula
        ("12", 12),
        (" 12 ", 12),
        ("1.234", 1234),
        ("1,234", 1234),
        ("1.234.567", 1234567),
        ("1,234,567", 1234567),
        ("1 234", 1234),
        ("1\u00a0234", 1234),
        ("12,0", 12),
        ("12.00", 12),
        ("-5", -5),
    ],
)
def test_parse_int_accepts(value, expected):
    assert parse_int(value) == expected
    assert isinstance(parse_int(value), int)


@pytest.mark.parametrize("value", [12.5, "12.5", "12,5", "1.2345", "1,23"])
def test_parse_int_not_whole(value):
    with pytest.raises(ValueError, match="not a whole number"):
        parse_int(value)


@pytest.mark.parametrize("value", ["abc", "12 hồ sơ", True, False, dt.date(2023, 6, 1), "#DIV/0!", "#N/A", float("nan")])
def test_parse_int_rejects(value):
    with pytest.raises(ValueError):
        parse_int(value)


def test_parse_int_excel_error_message():
    with pytest.raises(ValueError, match="Excel error"):
        parse_int("#VALUE!")


@pytest.mark.parametrize(
    "value",
    ["Có", "có", "CÓ", "co", "Co", "x", "X", " x ", "TRUE", "true", True, 1, 1.0, "1", "yes", "Yes", "Y", "Đúng",
     "co\u0301"],  # NFD "có"
)
def test_parse_bool_true(value):
    assert parse_bool(value) is True


@pytest.mark.parametrize(
    "value", ["Không", "không", "KHÔNG", "khong", "FALSE", "false", False, 0, 0.0, "0", "no", "No", "N", None, "", "  "]
)
def test_parse_bool_false(value):
    assert parse_bool(value) is False


@pytest.mark.parametrize("value", ["có lẽ", "maybe", 2, "2", "ok", dt.date(2023, 1, 1)])
def test_parse_bool_rejects(value):
    with pytest.raises(ValueError, match="yes/no"):
        parse_bool(value)


JUNE_5 = dt.datetime(2023, 6, 5)


@pytest.mark.parametrize(
    "value",
    [
        dt.datetime(2023, 6, 5),
        dt.datetime(2023, 6, 5, 14, 30),  # time of day dropped
        dt.date(2023, 6, 5),
        45082,  # Excel serial
        45082.0,
        45082.6,  # serial with a time
        "05/06/2023",
        "5/6/2023",
        "05/6/2023",
        " 5/06/2023 ",
        "05-06-2023",
        "05.06.2023",
        "2023-06-05",
        "2023-6-5",
        "2023-06-05 00:00:00",
        "2023-06-05T08:00:00",
        "45082",
    ],
)
def test_parse_date_forms(value):
    assert parse_date(value) == JUNE_5


def test_parse_date_blank_is_none():
    assert parse_date(None) is None
    assert parse_date("   ") is None


def test_parse_date_1904_epoch():
    assert parse_date(43620, epoch=dt.datetime(1904, 1, 1)) == JUNE_5


@pytest.mark.parametrize("value", ["31/02/2023", "32/01/2023", "2023-13-01", "5/13/2023"])
def test_parse_date_impossible(value):
    with pytest.raises(ValueError, match="no such date"):
        parse_date(value)


@pytest.mark.parametrize("value", ["hôm qua", "06/2023", "5/6/23", 12, 1.5, True, "x"])
def test_parse_date_rejects(value):
    with pytest.raises(ValueError):
        parse_date(value)


def test_blank_and_text():
    assert is_blank(None) and is_blank("") and is_blank(" \t") and is_blank(float("nan"))
    assert not is_blank(0) and not is_blank("0") and not is_blank(False)
    assert parse_text(None) == ""
    assert parse_text(123456.0) == "123456"
    assert parse_text("  Ho\u0300a  ") == "Hòa"  # NFC, stripped
    assert cell_text(dt.datetime(2023, 6, 5)) == "05/06/2023"
    assert cell_text(12.5) == "12.5"
    assert cell_text(True) == "TRUE"
