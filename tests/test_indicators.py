"""Indicators: rates, pooled district figures, changes on rounded values, streaks, windows."""

import math

import numpy as np
import pandas as pd
import pytest

from cchc.indicators import district, peer_averages, rate, round2, unit_month, window_payments
from frames import make_dataset

UNITS = [
    ("D1", "Phòng A huyện", "department"),
    ("X1", "An Bình", "commune"),
    ("X2", "Bình Minh", "commune"),
    ("T1", "Thị Trấn", "town"),
]


def row(table, code, month):
    rows = table[(table["code"] == code) & (table["month"] == month)]
    assert len(rows) == 1
    return rows.iloc[0]


@pytest.mark.parametrize(
    "value, expected",
    [(97.305, 97.31), (96.654, 96.65), (98.996, 99.0), (99.994, 99.99), (99.996, 100.0), (99.995, 100.0),
     (0.285, 0.29), (89.8, 89.8), (-0.655, -0.66), (100.0, 100.0), (0.0, 0.0),
     (100 * 450375 / 887351, 50.75),  # 50.754999994…: below the tie, not on it
     (97.31 - 96.65, 0.66), (96.65 - 97.31, -0.66), (1.005, 1.01), (2.675, 2.68)],
)
def test_round2_half_away_from_zero(value, expected):
    assert round2(value) == expected
    assert round2(pd.Series([value])).iloc[0] == expected  # vectorised: the same rule
    assert round2(np.array([value]))[0] == expected


def test_round2_other_places():
    assert [round2(x, 0) for x in (0.5, 1.5, -0.5, 9.49)] == [1.0, 2.0, -1.0, 9.0]
    assert round2(7.25, 1) == 7.3 and round2(-7.25, 1) == -7.3


def test_a_rate_near_a_tie_is_rounded_as_printed():
    """100 × 450375/887351 = 50.754999994…: the figure a threshold compares is the printed 50,75."""
    from cchc import fmt

    value = rate(pd.Series([450375]), pd.Series([887351])).iloc[0]
    assert round2(value) == 50.75 and fmt.num(value) == "50,75"
    assert round2(pd.Series([value])).iloc[0] == 50.75


def test_round2_nan_and_negative_zero():
    assert math.isnan(round2(float("nan")))
    assert math.copysign(1.0, round2(-0.001)) == 1.0  # no "-0.0" in the JSON
    s = round2(pd.Series([1.005, float("nan")], index=[5, 7]))
    assert list(s.index) == [5, 7] and s.iloc[0] == 1.01 and math.isnan(s.iloc[1])


def test_one_row_per_unit_and_month_in_registry_order():
    ds = make_dataset(UNITS, {"2023-05": {"X1": (1, 1, 1, 1)}, "2023-06": {"X2": (2, 1, 0, 0)}})
    t = unit_month(ds)
    assert list(t["month"]) == ["2023-05"] * 4 + ["2023-06"] * 4
    assert list(t["code"]) == ["D1", "X1", "X2", "T1"] * 2
    assert list(t["is_local"][:4]) == [False, True, True, True]


def test_zero_dossiers_rate_is_undefined_not_zero():
    ds = make_dataset(UNITS, {"2023-06": {"X1": (0, 0, 4, 3), "X2": (10, 0, 0, 0)}})
    t = unit_month(ds)
    x1, x2, d1 = row(t, "X1", "2023-06"), row(t, "X2", "2023-06"), row(t, "D1", "2023-06")
    assert math.isnan(x1["reception_rate"]) and x1["result_rate"] == 75.0
    assert x2["reception_rate"] == 0.0 and math.isnan(x2["result_rate"])
    assert math.isnan(d1["payment_rate"]) and math.isnan(d1["reception_rate"])
    assert not x1["below_average"]  # undefined rate is never "below"


def test_peer_averages_pool_each_group_and_give_the_local_average():
    ds = make_dataset(UNITS, {"2023-05": {"D1": (10, 5, 0, 0)},
                              "2023-06": {"D1": (100, 100, 4, 1), "X1": (300, 150, 10, 10), "T1": (1, 0, 0, 0)}})
    t = unit_month(ds)
    peers = peer_averages(t)
    assert peers.loc[("2023-06", True), "reception_rate"] == 100 * 150 / 301
    assert peers.loc[("2023-06", False), "result_rate"] == 25.0
    assert math.isnan(peers.loc[("2023-05", True), "reception_rate"])  # nothing received by the local units
    assert row(t, "X1", "2023-06")["local_average_reception_rate"] == peers.loc[("2023-06", True), "reception_rate"]


def test_district_is_pooled_not_mean_of_rates():
    ds = make_dataset(UNITS, {"2023-06": {"D1": (100, 100, 0, 0), "X1": (300, 150, 10, 10), "X2": (1, 0, 0, 0)}})
    d = district(ds).iloc[0]
    assert d["reception_rate"] == pytest.approx(250 / 401 * 100)  # mean of rates would be 50
    assert d["result_rate"] == 100.0


def test_local_average_pools_local_units_only():
    ds = make_dataset(UNITS, {"2023-06": {"D1": (1000, 0, 0, 0), "X1": (100, 90, 0, 0), "T1": (300, 300, 0, 0)}})
    t = unit_month(ds)
    assert row(t, "X1", "2023-06")["local_average_reception_rate"] == pytest.approx(97.5)
    assert district(ds).iloc[0]["local_average_reception_rate"] == pytest.approx(97.5)
    assert row(t, "X1", "2023-06")["below_average"] and not row(t, "T1", "2023-06")["below_average"]


def test_change_is_difference_of_rounded_rates():
    # 97.305 -> 97.31 and 96.654 -> 96.65: 0.66 (the exact difference 0.651 would show 0.65)
    ds = make_dataset([("X1", "A", "commune")], {"2023-05": {"X1": (100000, 96654, 1, 1)}, "2023-06": {"X1": (20000, 19461, 1, 1)}})
    assert row(unit_month(ds), "X1", "2023-06")["reception_rate_change"] == 0.66
    d = district(ds).set_index("month")
    assert d.loc["2023-06", "reception_rate_change"] == 0.66
    assert math.isnan(d.loc["2023-05", "reception_rate_change"])


def test_change_is_null_when_previous_month_missing():
    ds = make_dataset(UNITS, {"2023-04": {"X1": (10, 5, 1, 1)}, "2023-06": {"X1": (10, 9, 1, 1)}})
    t = unit_month(ds)
    assert ds.months == ["2023-04", "2023-06"]
    assert math.isnan(row(t, "X1", "2023-06")["reception_rate_change"])
    assert math.isnan(district(ds).set_index("month").loc["2023-06", "result_rate_change"])


def test_change_is_null_when_previous_rate_undefined():
    ds = make_dataset(UNITS, {"2023-05": {"X1": (0, 0, 1, 1)}, "2023-06": {"X1": (10, 9, 1, 1)}})
    t = unit_month(ds)
    assert math.isnan(row(t, "X1", "2023-06")["reception_rate_change"])
    assert row(t, "X1", "2023-06")["result_rate_change"] == 0.0


def months_below(n, start=1, gap_at=None, zero_at=None):
    """X1 at 50% and X2 at 100% for n months from 2023-start (optionally a gap or a zero month)."""
    data = {}
    for i in range(n):
        m = f"2023-{start + i:02d}"
        if m == gap_at:
            continue
        data[m] = {"X1": (0, 0, 0, 0) if m == zero_at else (10, 5, 1, 1), "X2": (10, 10, 1, 1)}
    return data


def test_streak_counts_consecutive_months_below_average():
    t = unit_month(make_dataset(UNITS, months_below(6)))
    assert list(t[t["code"] == "X1"]["below_average_streak"]) == [1, 2, 3, 4, 5, 6]
    assert list(t[t["code"] == "X2"]["below_average_streak"]) == [0] * 6


def test_gap_in_history_ends_streak():
    ds = make_dataset(UNITS, months_below(6, gap_at="2023-03"), month="2023-06")
    t = unit_month(ds)
    assert "2023-03" not in ds.months
    assert list(t[t["code"] == "X1"]["below_average_streak"]) == [1, 2, 1, 2, 3]


def test_month_with_nothing_received_ends_streak():
    t = unit_month(make_dataset(UNITS, months_below(6, zero_at="2023-02")))
    assert list(t[t["code"] == "X1"]["below_average_streak"]) == [1, 0, 1, 2, 3, 4]


def test_streak_uses_rounded_comparison():
    # 99.994 vs an average that also shows 99.99: not below
    ds = make_dataset(UNITS, {"2023-06": {"X1": (100000, 99994, 0, 0), "X2": (100000, 99995, 0, 0)}})
    t = unit_month(ds)
    assert round2(row(t, "X1", "2023-06")["local_average_reception_rate"]) == 99.99
    assert not row(t, "X1", "2023-06")["below_average"]


def test_overdue_and_report_counts():
    ds = make_dataset(
        UNITS,
        {"2023-06": {}},
        overdue=[("2023-06", "X1", "Hộ tịch", True, "lỗi phần mềm"), ("2023-06", "X1", "Đất đai"), ("2023-06", "X2", "Hộ tịch")],
        reports=[
            ("2023-06", "X1", "BC quý", "2023-06-10", "2023-06-12", True),  # late
            ("2023-06", "X1", "BC tháng", "2023-06-10", "2023-06-10", False),  # on time, incomplete
            ("2023-06", "X2", "BC quý", "2023-06-10", None, False),  # missing (not also incomplete)
        ],
    )
    t = unit_month(ds)
    x1, x2 = row(t, "X1", "2023-06"), row(t, "X2", "2023-06")
    assert (x1["overdue_total"], x1["overdue_excused"], x1["overdue_unexcused"]) == (2, 1, 1)
    assert (x2["overdue_total"], x2["overdue_excused"], x2["overdue_unexcused"]) == (1, 0, 1)
    assert (x1["report_late"], x1["report_incomplete"], x1["report_missing"]) == (1, 1, 0)
    assert (x2["report_late"], x2["report_incomplete"], x2["report_missing"]) == (0, 0, 1)
    d = district(ds).iloc[0]
    assert (d["overdue_total"], d["overdue_excused"]) == (3, 1)


def test_window_payments_sums_months_inside_window_only():
    pays = {"2023-03": {"X1": (100, 100)}, "2023-04": {"X1": (10, 1), "X2": (5, 0)}, "2023-06": {"X1": (30, 2)}}
    ds = make_dataset(UNITS, payments=pays)
    w = window_payments(ds, "2023-04", "2023-06").set_index("code")
    assert list(w.index) == ["D1", "X1", "X2", "T1"]
    assert (w.loc["X1", "window_payment_total"], w.loc["X1", "window_payment_online"]) == (40, 3)
    assert w.loc["X1", "window_payment_rate"] == pytest.approx(7.5)  # pooled, not the mean of 10% and 6.67%
    assert w.loc["X2", "window_payment_rate"] == 0.0
    assert math.isnan(w.loc["T1", "window_payment_rate"])
    assert w.loc["X1", "window_months"] == 2  # 2023-05 has no data


def test_departments_are_never_below_the_local_average():
    # D1 digitises far less than the local units, month after month: still no streak
    months = {m: {"D1": (10, 1, 0, 0), "X1": (10, 10, 0, 0), "X2": (10, 9, 0, 0)} for m in ("2023-05", "2023-06")}
    t = unit_month(make_dataset(UNITS, months))
    dept = t[t["code"] == "D1"]
    assert not dept["below_average"].any() and (dept["below_average_streak"] == 0).all()
    x2 = t[(t["code"] == "X2") & (t["month"] == "2023-06")]
    assert x2["below_average_streak"].item() == 2
