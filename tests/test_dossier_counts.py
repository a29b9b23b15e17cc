"""The counting rules of dossier records (cchc.dossier_counts), each with a hand-computed expectation.

June 2023: the first day is 01/06, the last 30/06. Every record below says
what it should count for; the expectations are written out by hand.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from cchc.dossier_counts import COUNTS, combine, count_records, days_late

CODES = ["A", "B"]
MONTH = "2023-06"

#    id  received            due          finished            dig res fee paid ch  what it is
ROWS = [
    (1, "2023-06-01 08:00", "2023-06-05", "2023-06-05 16:45", 1, 1, 1, 1, 2),  # received; finished 16:45 on the due day: on time
    (2, "2023-05-31 23:59", "2023-06-02", "2023-06-01 07:00", 0, 1, 0, 0, 1),  # received the day before the month: resolved only
    (3, "2023-06-30 17:00", "2023-07-05", None, 1, 0, 1, 0, 1),               # received on the last day, not yet due
    (4, "2023-05-20 09:00", "2023-06-10", "2023-06-12 10:00", 0, 0, 0, 0, 1),  # finished 2 days late in the month
    (5, "2023-05-25 09:00", "2023-06-20", None, 0, 0, 0, 0, 3),               # carried over, pending, due 20/06: overdue
    (6, "2023-06-10 09:00", "2023-06-29", "2023-07-03 09:00", 1, 0, 0, 0, 2),  # finished after the month: pending then, overdue
    (7, "2023-06-10 09:00", "2023-06-30", None, 0, 0, 0, 0, 1),               # due on the last day, pending: not overdue
    (8, "2023-06-15 09:00", "2023-06-20", "2023-07-01 08:00", 0, 0, 1, 0, 1),  # finished the day after the month: overdue
    (9, "2023-05-01 09:00", "2023-05-10", "2023-05-20 09:00", 1, 1, 1, 1, 2),  # all in May: counts for nothing
    (10, "2023-07-01 00:05", "2023-07-10", None, 1, 0, 1, 1, 2),              # received after the month: nothing
    (11, "2023-06-20 09:00", "2023-06-25", "2023-06-30 23:00", 0, 1, 0, 0, 1),  # finished late on the last day
]


def frame(rows=ROWS, code="A") -> pd.DataFrame:
    d = lambda v: pd.Timestamp(v).normalize() if v else pd.NaT  # noqa: E731 - calendar days, as the reader gives
    return pd.DataFrame({
        "code": pd.Categorical([code] * len(rows), categories=CODES),
        "received": [d(r[1]) for r in rows], "due": [d(r[2]) for r in rows], "finished": [d(r[3]) for r in rows],
        "channel": np.array([r[8] for r in rows], dtype="int8"),
        "digitized": [bool(r[4]) for r in rows], "result_digitized": [bool(r[5]) for r in rows],
        "fee": [bool(r[6]) for r in rows], "paid_online": [bool(r[7]) for r in rows],
        "dossier": [f"HS{r[0]}" for r in rows], "field": ["Hộ tịch"] * len(rows), "procedure": [""] * len(rows),
        "row": [r[0] + 1 for r in rows],
    })


@pytest.fixture(scope="module")
def counts():
    return count_records(frame(), MONTH)


def test_per_unit_counts_by_hand(counts):
    a = counts.units.loc["A"].to_dict()
    assert a == {
        "received": 6,  # 1, 3, 6, 7, 8, 11 (not 2: 31/05 23:59; not 10: 01/07)
        "received_digitized": 3,  # 1, 3, 6
        "resolved": 4,  # 1, 2, 4, 11 (not 6 or 8: finished in July; not 9: in May)
        "resolved_digitized": 3,  # 1, 2, 11
        "payment_total": 3,  # received with a fee: 1, 3, 8
        "payment_online": 1,  # 1
        "finished_on_time": 2,  # 1 (16:45 on the due day), 2
        "received_online": 2,  # channel 2 among the received: 1, 6 (9 and 10 are not received in June)
    }
    assert counts.units.loc["B"].tolist() == [0] * len(COUNTS)  # a unit without records: zeros
    assert list(counts.units.index) == CODES


def test_overdue_by_hand(counts):
    od = counts.overdue.set_index("dossier")
    assert list(od.index) == ["HS4", "HS5", "HS6", "HS8", "HS11"]  # file order
    returned = {k: (v.strftime("%Y-%m-%d") if pd.notna(v) else None) for k, v in od["returned"].items()}
    assert returned == {"HS4": "2023-06-12", "HS5": None, "HS6": None, "HS8": None, "HS11": "2023-06-30"}
    assert not od["excused"].any() and (od["reason"] == "").all()
    assert od.loc["HS6", "row"] == 7
    late = days_late(counts.overdue, MONTH)
    assert late.tolist() == [2, 10, 1, 10, 5]  # returned − due, or 30/06 − due while pending


def test_month_boundaries_move_the_counts():
    """The same records counted for May and for July."""
    may = count_records(frame(), "2023-05").units.loc["A"]
    # received in May: 2 (31/05 23:59), 4, 5, 9; resolved in May: 9
    assert (may["received"], may["resolved"], may["finished_on_time"]) == (4, 1, 0)
    may_od = count_records(frame(), "2023-05").overdue
    # pending at May's end with due before 31/05: 9 finished in May late (20/05 > 10/05); 2, 4, 5 not yet due
    assert may_od["dossier"].tolist() == ["HS9"]
    july = count_records(frame(), "2023-07")
    assert july.units.loc["A", "received"] == 1  # 10
    assert july.units.loc["A", "resolved"] == 2  # 6 (03/07), 8 (01/07)
    # pending at July's end: 3, 5, 7 (10 is due 10/07 < 31/07 too)
    assert july.overdue["dossier"].tolist() == ["HS3", "HS5", "HS6", "HS7", "HS8", "HS10"]


def test_the_due_day_itself():
    rows = [(1, "2023-06-01", "2023-06-15", "2023-06-15 23:59", 0, 0, 0, 0, 1),  # on time
            (2, "2023-06-01", "2023-06-15", "2023-06-16 00:01", 0, 0, 0, 0, 1)]  # one day late
    c = count_records(frame(rows), MONTH)
    assert c.units.loc["A", "finished_on_time"] == 1
    assert c.overdue["dossier"].tolist() == ["HS2"] and days_late(c.overdue, MONTH).tolist() == [1]


def test_a_dossier_pending_across_months():
    """Received in April, due in May, still pending: overdue at the end of May and of June."""
    rows = [(1, "2023-04-20", "2023-05-05", None, 1, 0, 0, 0, 1)]
    for month, late in (("2023-05", 26), ("2023-06", 56)):
        c = count_records(frame(rows), month)
        assert c.units.loc["A", "received"] == 0 and c.units.loc["A", "resolved"] == 0
        assert c.overdue["dossier"].tolist() == ["HS1"] and days_late(c.overdue, month).tolist() == [late]
    assert count_records(frame(rows), "2023-04").overdue.empty  # not yet due at April's end


def test_combine_adds_batches():
    first, second = count_records(frame(ROWS[:5]), MONTH), count_records(frame(ROWS[5:], code="B"), MONTH)
    total = combine([first, second], CODES)
    whole = count_records(frame(), MONTH)
    assert total.units.loc["A"].add(total.units.loc["B"]).tolist() == whole.units.loc["A"].tolist()
    assert total.overdue["dossier"].tolist() == whole.overdue["dossier"].tolist()
