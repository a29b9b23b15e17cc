"""Property tests: on random datasets the outcomes stay consistent with themselves."""

import json
import math
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

import pandas as pd
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from cchc import fmt
from cchc.indicators import rate, round2, shown_difference, unit_month
from cchc.months import month_range
from cchc.outcomes import build_outcomes
from cchc.params import resolve_parameters
from cchc.rules import remind
from frames import make_dataset

CANDIDATE_MONTHS = month_range("2022-10", "2023-03")  # crosses a year end
LOCAL = {"commune", "town", "ward"}


@st.composite
def counts(draw, his=(0, 3, 40)):
    """(total, part) with 0 <= part <= total: often all, none, a few or any."""
    total = draw(st.integers(0, draw(st.sampled_from(his))))
    part = draw(st.sampled_from(["all", "none", "any", "few"]))
    if part == "few":
        return total, draw(st.integers(min(total, 1), min(total, 1 + total // 60)))
    return total, {"all": total, "none": 0}.get(part) if part != "any" else draw(st.integers(0, total))


@st.composite
def datasets(draw):
    n_dep, n_loc = draw(st.integers(0, 3)), draw(st.integers(1, 6))
    units = [(f"D{i}", f"Phòng {i}", "department") for i in range(n_dep)]
    units += [(f"L{i}", f"Xã {i}", draw(st.sampled_from(["commune", "commune", "town", "ward"]))) for i in range(n_loc)]
    units = draw(st.permutations(units))  # registry order is not kind order
    keep = draw(st.lists(st.booleans(), min_size=len(CANDIDATE_MONTHS), max_size=len(CANDIDATE_MONTHS)))
    months = [m for m, k in zip(CANDIDATE_MONTHS, keep) if k] + [draw(st.sampled_from(["2023-04", "2023-05"]))]
    dig, pay, overdue, reports = {}, {}, [], []
    for m in months:
        dig[m], pay[m] = {}, {}
        for code, _, _ in units:
            (r, rd), (s, sd) = draw(counts((0, 3, 40, 5000))), draw(counts())
            dig[m][code] = (r, rd, s, sd)
            pay[m][code] = draw(counts((0, 10, 300)))
            for excused in draw(st.lists(st.booleans(), max_size=2)):
                overdue.append({"month": m, "code": code, "field": draw(st.sampled_from(["Hộ tịch", "Đất đai"])), "excused": excused})
            if draw(st.integers(0, 4)) == 0:
                sub = draw(st.sampled_from([None, f"{m}-09", f"{m}-15"]))
                reports.append((m, code, "BC", f"{m}-10", sub, draw(st.booleans())))
    overdue = [{**o, "dossier": f"HS{i}"} for i, o in enumerate(overdue)]
    params = {
        "criticism_months": draw(st.integers(1, 4)),
        "payment_target": draw(st.sampled_from([30, 50])),
        "very_low_payment": draw(st.sampled_from([2, 10])),
        "commend_local_digitization": draw(st.sampled_from([99, 90, 50])),
        "payment_window_start": draw(st.sampled_from([None, "2022-12"])),
    }
    return make_dataset(units, dig, pay, overdue, reports, month=months[-1], months=months), params


def codes(items):
    return [u["code"] for u in items]


def check_order(items, key, figures, best_first):
    """Sorted on exact value (undefined last), ties in registry order."""
    def sort_key(u):
        v = figures[u["code"]][key]
        return (math.isnan(v), -v if best_first else v, figures[u["code"]]["order"])
    assert items == sorted(items, key=sort_key)


SETTINGS = settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(datasets())
def test_outcomes_are_consistent(case):
    ds, given_params = case
    doc = build_outcomes(ds, given_params)
    p = resolve_parameters(ds.config, ds.month, **given_params)
    o = doc["outcomes"]
    kinds = dict(zip(ds.units["code"], ds.units["kind"]))

    # JSON-serialisable natives, no NaN
    assert json.loads(json.dumps(doc, allow_nan=False)) == doc

    # every rate is a percentage or null
    rate_keys = ("reception_rate", "result_rate", "payment_rate", "window_payment_rate")
    for item in doc["units"] + [u for k, v in o.items() if k != "payment_window" for u in v]:
        for k in rate_keys:
            assert item.get(k) is None or 0 <= item[k] <= 100

    # no unit twice in any list; kinds as the rules say
    for k, v in o.items():
        if k != "payment_window":
            assert len(codes(v)) == len(set(codes(v))), k
    assert all(kinds[c] == "department" for c in codes(o["commend_departments"]))
    for k in ("commend_local_digitization", "commend_local_payment", "criticize", "payment_meets",
              "payment_below", "payment_very_low", "payment_not_implemented"):
        assert all(kinds[c] in LOCAL for c in codes(o[k])), k

    # commended and criticised sets consistent
    assert not set(codes(o["criticize"])) & set(codes(o["commend_local_digitization"]))
    for u in o["criticize"]:
        assert u["streak"] >= p["criticism_months"] and u["gap"] > 0 and len(u["history"]) == u["streak"]
    for u in o["commend_departments"]:
        defined = [u[k] for k in ("reception_rate", "result_rate") if u[k] is not None]
        assert defined and all(r >= p["commend_department_digitization"] for r in defined)
    for u in o["commend_local_digitization"]:
        defined = [u[k] for k in ("reception_rate", "result_rate") if u[k] is not None]
        assert defined and all(r >= p["commend_local_digitization"] for r in defined)
    assert all(u["payment_rate"] >= p["commend_payment"] for u in o["commend_local_payment"])

    # payment classes: very_low within below; classes disjoint and cover every local unit with transactions
    meets, below, very_low, none = (set(codes(o[k])) for k in ("payment_meets", "payment_below", "payment_very_low", "payment_not_implemented"))
    assert very_low <= below
    assert not (meets & below) and not (meets & none) and not (below & none)
    with_tx = {u["code"] for u in doc["units"] if kinds[u["code"]] in LOCAL and u["window_payment_total"] > 0}
    assert meets | below | none == with_tx
    assert all(u["window_payment_rate"] >= p["payment_target"] for u in o["payment_meets"])
    assert all(u["window_payment_online"] > 0 and u["window_payment_rate"] < p["payment_target"] for u in o["payment_below"])
    assert all(u["window_payment_rate"] < p["very_low_payment"] for u in o["payment_very_low"])
    assert all(u["window_payment_online"] == 0 for u in o["payment_not_implemented"])
    # each unit's payment_class is the list it is in (very_low: the finer of below and very_low)
    for u in doc["units"]:
        cls = u["payment_class"]
        assert cls == ("very_low" if u["code"] in very_low else "meets" if u["code"] in meets
                       else "below" if u["code"] in below else "not_implemented" if u["code"] in none else None)

    # orderings on exact values, ties in registry order
    table = unit_month(ds)
    now = table[table["month"] == ds.month].set_index("code").to_dict("index")
    win = {u["code"]: u for u in doc["units"]}
    wfig = {c: {"order": now[c]["order"], "w": (u["window_payment_online"] / u["window_payment_total"] * 100
                                                 if u["window_payment_total"] else math.nan)} for c, u in win.items()}
    registry = [c for c in ds.units["code"]]
    for k in ("commend_departments", "criticize", "payment_not_implemented"):
        assert codes(o[k]) == [c for c in registry if c in set(codes(o[k]))], k
    # reminders as the letter groups them: highest reminder number first, then registry order
    by_letter = sorted(o["remind"], key=lambda u: (-u["count"], registry.index(u["code"])))
    assert codes(o["remind"]) == codes(by_letter)
    check_order(o["commend_local_payment"], "payment_rate", now, best_first=True)
    check_order(o["payment_meets"], "w", wfig, best_first=True)
    check_order(o["payment_below"], "w", wfig, best_first=False)
    check_order(o["payment_very_low"], "w", wfig, best_first=False)
    recs = o["commend_local_digitization"]
    assert recs == sorted(recs, key=lambda u: (math.isnan(now[u["code"]]["reception_rate"]), -now[u["code"]]["reception_rate"],
                                               math.isnan(now[u["code"]]["result_rate"]), -now[u["code"]]["result_rate"],
                                               now[u["code"]]["order"]))

    # district overdue figures reconcile with the dossier list
    assert doc["district"]["overdue_total"] == len(doc["overdue"])
    assert doc["district"]["overdue_excused"] == sum(d["excused"] for d in doc["overdue"])

    # reminder count = 1 + the months of the same year in which the unit was reminded
    earlier = [set(remind(table, m, p)["code"]) for m in ds.months if m[:4] == ds.month[:4] and m < ds.month]
    for u in o["remind"]:
        assert u["count"] == 1 + sum(u["code"] in reminded for reminded in earlier)
        assert u["reasons"] and (("overdue" in u["reasons"]) == bool(u["overdue"]))


@SETTINGS
@given(datasets())
def test_streak_matches_a_plain_loop(case):
    ds, _ = case
    table = unit_month(ds)
    index = {m: i for i, m in enumerate(month_range(ds.months[0], ds.month))}
    for code, rows in table.groupby("code"):
        streak, prev = 0, None
        local = bool(rows["is_local"].iloc[0])
        for m, value, avg, got in zip(rows["month"], rows["reception_rate"], rows["local_average_reception_rate"],
                                      rows["below_average_streak"]):
            below = local and not math.isnan(value) and round2(value) < round2(avg)
            consecutive = prev is not None and index[m] == index[prev] + 1
            streak = (streak + 1 if consecutive else 1) if below else 0
            prev = m
            assert got == streak, (code, m)


# ------------------------------------------------------------ one rounding


def _hundredths(exact: Fraction) -> Decimal:
    """A non-negative exact value rounded half up to 2 decimals."""
    return (Decimal(exact.numerator) / Decimal(exact.denominator)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def _printed(exact: Fraction) -> str:
    """That value as the letter writes it (under 1000: no thousands separator)."""
    text = f"{_hundredths(exact):f}"
    return text.rstrip("0").rstrip(".").replace(".", ",") if "." in text else text


@settings(max_examples=400, deadline=None)
@given(st.integers(1, 10**7).flatmap(lambda total: st.tuples(st.integers(0, total), st.just(total))))
@example((450375, 887351))  # 50.754999994…: a tolerance around ties took it for 50.755
@example((1, 8))  # 12.5 exactly
@example((1, 800))  # 0.125 exactly: a true tie, rounded up
def test_a_printed_rate_is_the_rate_the_rules_compare(counts):
    """For counts done/total: the rate the indicators compute, rounded as the rules compare it,
    is the exact ratio rounded half up, and fmt prints exactly that figure."""
    done, total = counts
    value = rate(pd.Series([done]), pd.Series([total])).iloc[0]
    compared = round2(pd.Series([value])).iloc[0]  # what a threshold compares (vectorised, as the rules do)
    exact = Fraction(100 * done, total)
    assert Decimal(repr(float(compared))) == _hundredths(exact)
    assert compared == round2(float(value))  # scalar and vectorised agree
    assert fmt.num(value) == fmt.num(compared) == _printed(exact)
    assert fmt.pct(value) == _printed(exact) + "%"


@settings(max_examples=300, deadline=None)
@given(st.integers(0, 10000), st.integers(0, 10000))
def test_a_printed_change_is_the_difference_of_the_printed_figures(a, b):
    """97.31 − 96.65: a change of two 2-decimal figures is exact, and printed as it is."""
    x, y = a / 100, b / 100
    change = shown_difference(x, y)
    assert Decimal(repr(float(change))) == Decimal(a - b) / 100
    assert fmt.num(abs(change)) == _printed(Fraction(abs(a - b), 100))
