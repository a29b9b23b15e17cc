"""Rules 1–6 on small hand-made datasets, and the parameters they read."""

import pytest

from cchc.indicators import unit_month, window_payments
from cchc.params import DEFAULTS, resolve_parameters
from cchc.rules import (
    classify_payments,
    commend_departments,
    commend_local_digitization,
    commend_local_payment,
    criticize,
    payment_window,
    remind,
)
from frames import make_dataset

M = "2023-06"
P = resolve_parameters({}, M)


def codes(frame):
    return list(frame["code"])


def table(units, digitization=None, **kw):
    return unit_month(make_dataset(units, digitization or {M: {}}, **kw))


# --- rule 1 -------------------------------------------------------------------

DEPTS = [("D1", "Phòng A", "department"), ("D2", "Phòng B", "department"), ("D3", "Phòng C", "department"),
         ("D4", "Phòng D", "department"), ("D5", "Phòng E", "department"), ("X1", "Xã", "commune")]


def test_commend_departments_every_defined_rate_100_after_rounding():
    t = table(DEPTS, {M: {
        "D1": (100000, 99996, 5, 5),   # 99.996 shows 100: commended
        "D2": (100000, 99994, 5, 5),   # 99.994 shows 99.99: not
        "D3": (1, 1, 0, 0),            # only reception defined: commended
        "D4": (0, 0, 0, 0),            # nothing defined: not
        "D5": (3, 3, 4, 3),            # result 75%: not
        "X1": (9, 9, 9, 9),            # a commune: never in rule 1
    }})
    assert codes(commend_departments(t, M, P)) == ["D1", "D3"]


def test_commend_departments_registry_order_and_parameter():
    t = table(DEPTS, {M: {"D5": (10, 10, 1, 1), "D1": (10, 9, 1, 1), "D2": (1, 1, 1, 1)}})
    assert codes(commend_departments(t, M, P)) == ["D2", "D5"]
    assert codes(commend_departments(t, M, {**P, "commend_department_digitization": 90})) == ["D1", "D2", "D5"]


# --- rule 2 -------------------------------------------------------------------

LOCALS = [("D1", "Phòng A", "department")] + [(f"X{i}", f"Xã {i}", "commune") for i in range(1, 7)] + [("T1", "Thị trấn", "town")]


def test_commend_local_digitization_threshold_after_rounding_and_order():
    t = table(LOCALS, {M: {
        "D1": (10, 10, 10, 10),           # department: not in rule 2
        "X1": (100000, 98996, 10, 10),    # 98.996 shows 99: commended
        "X2": (100000, 98994, 10, 10),    # 98.994 shows 98.99: not
        "X3": (10, 10, 10, 10),           # 100 / 100
        "X4": (0, 0, 0, 0),               # nothing defined: not
        "X5": (0, 0, 200, 199),           # only result defined, 99.5
        "X6": (10, 10, 200, 199),         # 100 / 99.5
        "T1": (10, 10, 10, 10),           # ties X3 exactly: registry order
    }})
    assert codes(commend_local_digitization(t, M, P)) == ["X3", "T1", "X6", "X1", "X5"]


def test_commend_local_digitization_excludes_criticised_units():
    data = {f"2023-0{i}": {"X1": (1000, 995, 1, 1), "X2": (1000, 1000, 1, 1)} for i in range(1, 7)}
    t = table(LOCALS, data)
    assert codes(criticize(t, M, P)) == ["X1"]
    assert codes(commend_local_digitization(t, M, P)) == ["X2"]


# --- rule 3 -------------------------------------------------------------------

def test_commend_local_payment_threshold_rounded_best_first_ties_registry():
    t = table(LOCALS, payments={M: {
        "D1": (10, 10),
        "X1": (100000, 79995),  # 79.995 shows 80: commended
        "X2": (100000, 79994),  # not
        "X3": (10, 9),
        "X4": (20, 18),         # ties X3 exactly
        "X5": (0, 0),           # undefined
        "T1": (4, 4),
    }})
    assert codes(commend_local_payment(t, M, P)) == ["T1", "X3", "X4", "X1"]


def test_a_threshold_compares_the_printed_figure():
    """450375 of 887351 online is printed 50,75%: a 50.76% bar is not reached, a 50.75% one is."""
    t = table(LOCALS, payments={M: {"X1": (887351, 450375)}})
    assert codes(commend_local_payment(t, M, {**P, "commend_payment": 50.76})) == []
    assert codes(commend_local_payment(t, M, {**P, "commend_payment": 50.75})) == ["X1"]


# --- rule 4 -------------------------------------------------------------------

def streak_data(n_below, months=6):
    """X1 below average in its last n_below months (of 2023-01..months), at average before."""
    data = {}
    for i in range(1, months + 1):
        below = i > months - n_below
        data[f"2023-{i:02d}"] = {"X1": (10, 5 if below else 10, 1, 1), "X2": (10, 10, 1, 1)}
    return data


def test_criticize_streak_of_exactly_n():
    t = table(LOCALS, streak_data(5))
    out = criticize(t, M, P)
    assert codes(out) == ["X1"] and list(out["streak"]) == [5]


def test_no_criticism_for_streak_of_n_minus_1():
    assert codes(criticize(table(LOCALS, streak_data(4)), M, P)) == []
    assert codes(criticize(table(LOCALS, streak_data(4)), M, {**P, "criticism_months": 4})) == ["X1"]


def test_gap_month_prevents_criticism():
    data = streak_data(6)
    del data["2023-03"]
    assert codes(criticize(table(LOCALS, data), M, P)) == []


def test_departments_are_never_criticised():
    data = {f"2023-0{i}": {"D1": (10, 1, 1, 1), "X2": (10, 10, 1, 1)} for i in range(1, 7)}
    assert codes(criticize(table(LOCALS, data), M, P)) == []


# --- rule 5 -------------------------------------------------------------------

def test_remind_excused_overdue_is_not_a_reason():
    t = table(LOCALS, overdue=[(M, "X1", "Hộ tịch", True, "lỗi phần mềm"), (M, "X2", "Hộ tịch", False), (M, "D1", "Đất đai")])
    out = remind(t, M, P)
    assert codes(out) == ["D1", "X2"]
    assert list(out["count"]) == [1, 1]
    assert list(out["reasons"]) == [["overdue"], ["overdue"]]


def test_remind_reasons_in_order():
    t = table(LOCALS, overdue=[(M, "X1", "Hộ tịch")], reports=[
        (M, "X1", "BC 6 tháng", "2023-06-10", "2023-06-15", False),
        (M, "X1", "BC quý", "2023-06-10", None, False),
        (M, "X2", "BC quý", "2023-06-10", "2023-06-09", False),
    ])
    out = remind(t, M, P).set_index("code")
    assert out.loc["X1", "reasons"] == ["overdue", "report_late", "report_incomplete", "report_missing"]
    assert out.loc["X2", "reasons"] == ["report_incomplete"]


def test_remind_count_is_per_calendar_year_and_restarts_in_january():
    od = [("2023-10", "X1", "Hộ tịch"), ("2023-12", "X1", "Hộ tịch"), ("2024-01", "X1", "Hộ tịch"), ("2024-02", "X1", "Hộ tịch")]
    months = ["2023-10", "2023-11", "2023-12", "2024-01", "2024-02"]
    t = unit_month(make_dataset(LOCALS, overdue=od, months=months, month="2024-02"))
    assert list(remind(t, "2023-12", P)["count"]) == [2]
    assert list(remind(t, "2024-01", P)["count"]) == [1]
    assert list(remind(t, "2024-02", P)["count"]) == [2]
    assert codes(remind(t, "2023-11", P)) == []


def test_remind_rerun_of_past_month_gives_same_answer():
    od = [("2023-02", "X1", "Hộ tịch"), ("2023-04", "X1", "Hộ tịch"), ("2023-06", "X1", "Hộ tịch")]
    months = [f"2023-0{i}" for i in range(1, 7)]
    late = unit_month(make_dataset(LOCALS, overdue=od, months=months, month="2023-06"))
    early = unit_month(make_dataset(LOCALS, overdue=od, months=months[:4], month="2023-04"))
    assert list(remind(late, "2023-04", P)["count"]) == list(remind(early, "2023-04", P)["count"]) == [2]
    assert list(remind(late, "2023-06", P)["count"]) == [3]


def test_remind_in_the_letters_order_highest_number_first():
    od = [("2023-05", "X2", "Hộ tịch"), ("2023-06", "X1", "Hộ tịch"), ("2023-06", "X2", "Hộ tịch"), ("2023-06", "D1", "Đất đai")]
    t = unit_month(make_dataset(LOCALS, overdue=od, months=["2023-05", "2023-06"], month=M))
    out = remind(t, M, P)
    assert codes(out) == ["X2", "D1", "X1"]  # X2's second reminder, then the first ones in registry order
    assert list(out["count"]) == [2, 1, 1]


# --- rule 6 -------------------------------------------------------------------

def test_payment_window_classification():
    units = LOCALS + [("X7", "Xã 7", "commune"), ("X8", "Xã 8", "commune")]
    pays = {
        "2023-03": {"X6": (10, 10)},                         # outside the window
        "2023-04": {"X1": (10, 5), "X2": (1000, 10), "D1": (10, 0)},
        "2023-06": {"X1": (10, 1), "X3": (100000, 29995), "X4": (100000, 29994), "X5": (50, 0),
                    "T1": (1000, 3), "X7": (1000, 4), "X8": (100000, 199)},
    }
    ds = make_dataset(units, payments=pays)
    assert payment_window(M, P) == ("2023-04", "2023-06")
    out = classify_payments(window_payments(ds, *payment_window(M, P)), P)
    assert codes(out["meets"]) == ["X1", "X3"]                  # 6/20 = 30 exact, then 29.995 (shows 30)
    assert codes(out["below"]) == ["X8", "T1", "X7", "X2", "X4"]  # worst first
    assert codes(out["very_low"]) == ["X8", "T1", "X7", "X2"]    # 0.199, 0.3, 0.4, 1.0
    assert codes(out["not_implemented"]) == ["X5"]               # payments but none online
    every = [c for v in out.values() for c in codes(v)]
    assert "X6" not in every and "D1" not in every               # no transactions in window / department


def test_payment_meets_ties_registry_order_and_very_low_threshold_rounded():
    units = [(f"X{i}", f"Xã {i}", "commune") for i in range(1, 5)]
    ds = make_dataset(units, payments={M: {"X1": (10, 5), "X2": (20, 10), "X3": (100000, 1995), "X4": (100000, 1994)}})
    out = classify_payments(window_payments(ds, M, M), P)
    assert codes(out["meets"]) == ["X1", "X2"]
    assert codes(out["very_low"]) == ["X4"]  # 1.995 shows 2: not very low
    assert codes(out["below"]) == ["X4", "X3"]


# --- parameters -----------------------------------------------------------------

def test_parameter_defaults_and_precedence():
    assert resolve_parameters({}, M) == {**DEFAULTS, "payment_window_start": "2023-04",
                                         **{k: float(v) for k, v in DEFAULTS.items() if isinstance(v, float)}}
    config = {"parameters": {"payment_target": 25, "criticism_months": "3", "month": "2023-05"}}
    p = resolve_parameters(config, "2023-08", payment_target=None, commend_payment="85,5")
    assert p["payment_target"] == 25.0 and p["commend_payment"] == 85.5
    assert p["criticism_months"] == 3 and isinstance(p["criticism_months"], int)
    assert p["payment_window_start"] == "2023-07"
    assert resolve_parameters(config, M, payment_target=40)["payment_target"] == 40.0


@pytest.mark.parametrize(
    "given, message",
    [({"payment_target": 101}, "between 0 and 100"), ({"very_low_payment": -1}, "between 0 and 100"),
     ({"commend_payment": "abc"}, "expected a number"), ({"criticism_months": 0}, ">= 1"),
     ({"criticism_months": 2.5}, ">= 1"), ({"payment_window_start": "2023-07"}, "on or before"),
     ({"payment_window_start": "April"}, "YYYY-MM"), ({"payment_targte": 3}, "unknown parameter")],
)
def test_parameter_errors_are_clear(given, message):
    with pytest.raises(ValueError, match=message):
        resolve_parameters({}, M, **given)
