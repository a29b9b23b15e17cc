"""cchc.fmt: Vietnamese numbers, dates and lists of units."""

import datetime as dt
import math

import pandas as pd
import pytest

from cchc import fmt


@pytest.mark.parametrize(
    "x, expected",
    [
        (97.31, "97,31%"),
        (89.80, "89,8%"),
        (0.4, "0,4%"),
        (100.0, "100%"),
        (100, "100%"),
        (0.35, "0,35%"),
        (1234.5, "1.234,5%"),
        (0.355, "0,36%"),  # half-up, as displayed
        (99.995, "100%"),
        (99.994, "99,99%"),
        (0.0, "0%"),
        (-1.2, "-1,2%"),
        (-0.001, "0%"),  # no "-0%"
    ],
)
def test_pct(x, expected):
    assert fmt.pct(x) == expected


@pytest.mark.parametrize("x", [None, float("nan"), math.nan, pd.NA])
def test_pct_and_num_of_undefined(x):
    assert fmt.pct(x) == fmt.UNDEFINED
    assert fmt.num(x) == fmt.UNDEFINED


def test_num():
    assert fmt.num(100 * 450375 / 887351) == "50,75"  # 50.754999994…, not a tie
    assert fmt.num(97.31 - 96.65) == "0,66" and fmt.num(97.305) == "97,31"
    assert fmt.num(0.66) == "0,66"
    assert fmt.num(1234.5) == "1.234,5"
    assert fmt.num(1234567) == "1.234.567"
    assert fmt.num(113) == "113"
    assert fmt.num(7.20) == "7,2"


@pytest.mark.parametrize(
    "x, expected",
    [
        (0.66, "tăng 0,66%"),
        (2.39, "tăng 2,39%"),
        (-1.2, "giảm 1,2%"),
        (-0.004, "không đổi"),  # rounds to 0
        (0, "không đổi"),
        (None, ""),
        (float("nan"), ""),
    ],
)
def test_signed_change(x, expected):
    assert fmt.signed_change(x) == expected


def test_direction_uses_the_displayed_value():
    assert fmt.direction(0.004) == 0
    assert fmt.direction(0.005) == 1
    assert fmt.direction(-3) == -1


@pytest.mark.parametrize("n, expected", [(0, "00"), (1, "01"), (6, "06"), (13, "13"), (100, "100")])
def test_count2(n, expected):
    assert fmt.count2(n) == expected


def test_count2_rejects_negative():
    with pytest.raises(ValueError):
        fmt.count2(-1)


def test_month_label_and_dates():
    assert fmt.month_label("2023-06") == "6/2023"
    assert fmt.month_label("2023-12") == "12/2023"
    assert fmt.date_vn("2023-06-30") == "30/6/2023"
    assert fmt.date_vn("2023-04-01") == "01/4/2023"
    assert fmt.date_vn(dt.date(2024, 1, 1)) == "01/1/2024"
    assert fmt.date_vn(pd.Timestamp("2023-07-13")) == "13/7/2023"
    assert fmt.date_vn(dt.datetime(2023, 11, 5, 8, 30)) == "05/11/2023"
    assert fmt.last_day("2024-02") == dt.date(2024, 2, 29)
    assert fmt.last_day("2023-12") == dt.date(2023, 12, 31)
    assert fmt.first_day("2023-04") == dt.date(2023, 4, 1)


def _u(name, kind="commune"):
    return {"code": name, "name": name, "kind": kind}


def test_unit_label():
    assert fmt.unit_label(_u("Hưng Đạo")) == "UBND xã Hưng Đạo"
    assert fmt.unit_label(_u("Tứ Kỳ", "town")) == "UBND thị trấn Tứ Kỳ"
    assert fmt.unit_label(_u("Hoà Bình", "ward")) == "UBND phường Hoà Bình"
    assert fmt.unit_label(_u("Phòng Nội vụ huyện", "department")) == "Phòng Nội vụ huyện"


def test_group_names_as_in_the_seed():
    units = [_u(n) for n in ["Chí Minh", "Quang Phục", "An Thanh"]]
    units.insert(1, _u("Tứ Kỳ", "town"))  # a town among communes: grouped at its prefix
    assert fmt.group_names(units) == "UBND xã Chí Minh, Quang Phục, An Thanh và UBND thị trấn Tứ Kỳ"
    assert fmt.group_names([_u("An Thanh"), _u("Tái Sơn")]) == "UBND xã An Thanh và Tái Sơn"
    assert fmt.group_names([_u("Tân Kỳ")]) == "UBND xã Tân Kỳ"
    assert fmt.group_names([]) == ""


def test_group_names_with_departments_and_three_kinds():
    units = [
        _u("Phòng Y tế huyện", "department"),
        _u("A", "ward"),
        _u("B"),
        _u("C", "ward"),
        _u("D", "town"),
    ]
    assert fmt.group_names(units) == "Phòng Y tế huyện, UBND phường A, C, UBND xã B và UBND thị trấn D"
    deps = [_u("Phòng Tư pháp huyện", "department"), _u("Phòng Nội vụ huyện", "department")]
    assert fmt.group_names(deps) == "Phòng Tư pháp huyện và Phòng Nội vụ huyện"


def test_names_written_by_the_caller():
    """The letter wraps each name (not the prefix) in a mention: `name` writes the name part."""
    units = [_u("Phòng Y tế huyện", "department"), _u("A", "ward"), _u("B"), _u("C", "ward")]
    braces = lambda u: "{" + u["name"] + "}"  # noqa: E731
    assert fmt.group_names(units, name=braces) == "{Phòng Y tế huyện}, UBND phường {A}, {C} và UBND xã {B}"
    assert fmt.unit_label(_u("Hưng Đạo"), name=braces) == "UBND xã {Hưng Đạo}"


def test_group_names_accepts_rows():
    df = pd.DataFrame([_u("An Thanh"), _u("Tái Sơn")])
    assert fmt.group_names(r for _, r in df.iterrows()) == "UBND xã An Thanh và Tái Sơn"


@pytest.mark.parametrize(
    "kinds, expected",
    [
        (["commune"], "xã"),
        (["town", "commune"], "xã, thị trấn"),
        (["ward", "commune"], "xã, phường"),
        (["town", "ward", "commune", "department"], "xã, phường, thị trấn"),
        (["ward"], "phường"),
        (["department"], ""),
    ],
)
def test_kinds_phrase(kinds, expected):
    assert fmt.kinds_phrase([_u(str(i), k) for i, k in enumerate(kinds)]) == expected


def test_join_vn():
    assert fmt.join_vn([]) == ""
    assert fmt.join_vn(["a"]) == "a"
    assert fmt.join_vn(["a", "b"]) == "a và b"
    assert fmt.join_vn(["a", "b", "c"], sep="; ") == "a; b và c"
