"""Rule 8, the Decision 766 index: a pure function over tidy frames (cchc.rule8), and outcomes.json's `index766`."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from cchc.index766 import GROUPS
from cchc.outcomes766 import index766_document
from cchc.params import resolve_parameters
from cchc.rule8 import bands, rule8, weakest_group

PARAMS = {"index766_good": 90.0, "index766_urgent": 80.0, "index766_top": 3}
UNITS = pd.DataFrame(
    [("D1", "Sở A", "department"), ("D2", "Sở B", "department"), ("D3", "Sở C", "department"),
     ("D4", "Sở D", "department"), ("X1", "Một", "commune"), ("X2", "Hai", "ward"), ("X3", "Ba", "special_zone"),
     ("X4", "Bốn", "commune"), ("X5", "Năm", "commune")],
    columns=["code", "name", "kind"]).assign(order=range(9))


def split(total):
    groups = {g: round(m * total / 100, 2) for g, m in GROUPS.items()}
    groups["MDSH"] = round(total - sum(v for g, v in groups.items() if g != "MDSH"), 2)
    return groups


def scores(months: dict) -> pd.DataFrame:
    """{month: {code: total or dict of groups (+ total)}} -> Dataset.index766."""
    rows = []
    for month, units in months.items():
        for code, value in units.items():
            groups = dict(value) if isinstance(value, dict) else split(value)
            total = groups.pop("total", None)
            total = round(sum(groups.values()), 2) if total is None else total
            rows.append({"month": month, "code": code, "total": float(total), **{g: float(v) for g, v in groups.items()}})
    return pd.DataFrame(rows, columns=["month", "code", "total", *GROUPS])


def provinces(months: dict) -> pd.DataFrame:
    """{month: [(dvc_code, total, issuer)]} -> Dataset.provinces766."""
    rows = [{"month": m, "dvc_code": c, "name": f"UBND tỉnh {c}", "total": float(t), **split(t), "issuer": i}
            for m, ps in months.items() for c, t, i in ps]
    return pd.DataFrame(rows, columns=["month", "dvc_code", "name", "total", *GROUPS, "issuer"]).astype({"issuer": bool})


NO_PROVINCES = provinces({})


def run(months, month="2025-10", prov=NO_PROVINCES, **params):
    return rule8(scores(months), UNITS, prov, month, {**PARAMS, **params})


def codes(frame):
    return list(frame["code"])


def test_no_export_no_rule():
    assert run({"2025-09": {"D1": 95}}, "2025-10") is None
    assert index766_document(None) is None


def test_ranks_per_level_equal_totals_share_a_rank_listed_in_registry_order():
    r = run({"2025-10": {"D3": 91, "D1": 91, "D2": 95, "X5": 88.004, "X1": 88, "X2": 97}})
    u = r.units.set_index("code")
    assert codes(r.units) == ["D2", "D1", "D3", "X2", "X1", "X5"]  # departments first, then local units
    assert list(r.units["rank"]) == [1, 2, 2, 1, 2, 2]  # 88,004 is shown 88: the same total as 88
    assert (u.loc["D1", "of"], u.loc["X1", "of"]) == (3, 3)


@pytest.mark.parametrize("total, band", [(90, "good"), (89.995, "good"), (89.99, "attention"), (80, "attention"),
                                         (79.995, "attention"), (79.99, "urgent"), (0, "urgent"), (100, "good")])
def test_bands_compare_the_displayed_total(total, band):
    assert bands(pd.Series([total]), 90, 80).iloc[0] == band


def test_the_thresholds_are_parameters():
    r = run({"2025-10": {"X1": 85, "X2": 75}}, index766_good=85, index766_urgent=70)
    assert list(r.units["band"]) == ["good", "attention"]
    with pytest.raises(ValueError, match="index766_urgent"):
        resolve_parameters({}, "2025-10", index766_good=70, index766_urgent=80)
    assert resolve_parameters({"parameters": {"index766_top": "5"}}, "2025-10")["index766_top"] == 5
    with pytest.raises(ValueError, match="index766_top"):
        resolve_parameters({}, "2025-10", index766_top=-1)


def test_weakest_group_is_the_lowest_share_of_its_maximum_ties_in_the_portal_order():
    frame = pd.DataFrame([
        {"CKMB": 18, "TDGQ": 20, "CLGQ": 12, "TTTT": 10, "MDHL": 18, "MDSH": 0},  # a group at 0
        {"CKMB": 9, "TDGQ": 10, "CLGQ": 12, "TTTT": 10, "MDHL": 18, "MDSH": 22},  # 9/18 = 10/20: CKMB first
        {"CKMB": 18, "TDGQ": 20, "CLGQ": 3.6, "TTTT": 3, "MDHL": 18, "MDSH": 22},  # 0,3 = 0,3: CLGQ before TTTT
        {"CKMB": 18, "TDGQ": 20, "CLGQ": 12, "TTTT": 10, "MDHL": 18, "MDSH": 22},  # all full: CKMB
        {"CKMB": 5.4, "TDGQ": 6, "CLGQ": 12, "TTTT": 10, "MDHL": 18, "MDSH": 22},  # 0,3 in binary noise: still a tie
    ])
    names, shares = weakest_group(frame)
    assert list(names) == ["MDSH", "CKMB", "CLGQ", "CKMB", "CKMB"]
    assert list(shares.round(4)) == [0.0, 0.5, 0.3, 1.0, 0.3]


def test_a_unit_missing_from_the_export_is_neither_ranked_nor_listed():
    r = run({"2025-10": {"X1": 70, "X2": 95}})
    assert codes(r.units) == ["X1", "X2"][::-1]
    assert "X3" not in codes(r.urgent) + codes(r.attention) + codes(r.commend["local"])
    assert r.averages["local"] == 82.5 and math.isnan(r.averages["department"])


def test_a_total_that_disagrees_with_its_groups_is_taken_as_given():
    r = run({"2025-10": {"X1": dict(split(85), total=79.5)}})
    assert r.units.iloc[0]["band"] == "urgent" and r.units.iloc[0]["total"] == 79.5


def test_urgent_for_several_months_and_what_ends_the_run():
    months = {
        "2025-06": {"X1": 75, "X2": 70, "X3": 70},
        "2025-07": {"X1": 76, "X2": 70, "X3": 70},
        "2025-08": {"X1": 77, "X2": 85},             # X3 has no row: its run ends
        "2025-09": {"X1": 78, "X2": 70, "X3": 70},
        # no export in 2025-10: a gap ends every run
        "2025-11": {"X1": 79, "X2": 70, "X3": 70},
        "2025-12": {"X1": 79.5, "X2": 71, "X3": 70, "X4": 95},
    }
    assert run(months, "2025-09").units.set_index("code")["urgent_streak"].to_dict() == {"X1": 4, "X2": 1, "X3": 1}
    r = run(months, "2025-12")
    assert r.units.set_index("code")["urgent_streak"].to_dict() == {"X4": 0, "X1": 2, "X2": 2, "X3": 2}
    assert codes(r.urgent) == ["X3", "X2", "X1"]  # worst first


def test_change_from_the_previous_months_export_or_none():
    r = run({"2025-09": {"X1": 80.333, "X2": 90}, "2025-10": {"X1": 81.5, "X2": 90, "X3": 95}})
    change = r.units.set_index("code")["change"]
    assert change["X1"] == 1.17  # 81,5 − 80,33 (displayed values)
    assert change["X2"] == 0 and math.isnan(change["X3"])
    r = run({"2025-08": {"X1": 80}, "2025-10": {"X1": 81.5}})  # no export in September
    assert math.isnan(r.units.iloc[0]["change"])


def test_commend_the_top_of_each_level_whose_total_is_good():
    r = run({"2025-10": {"D1": 95, "D2": 89, "D3": 99, "D4": 94,
                         "X1": 92, "X2": 96, "X3": 92, "X4": 91, "X5": 96}})
    assert codes(r.commend["department"]) == ["D3", "D1", "D4"]
    assert codes(r.commend["local"]) == ["X2", "X5", "X1", "X3"]  # a tie at the 3rd place brings both
    r = run({"2025-10": {"D1": 95, "D2": 89, "X1": 85}}, index766_top=3)
    assert codes(r.commend["department"]) == ["D1"] and codes(r.commend["local"]) == []  # not good: not commended
    assert codes(run({"2025-10": {"D1": 95}}, index766_top=0).commend["department"]) == []


def test_attention_and_urgent_lists_worst_first_both_levels_ties_in_registry_order():
    r = run({"2025-10": {"D1": 85, "D2": 70, "X1": 85, "X2": 70, "X3": 95}})
    assert codes(r.urgent) == ["D2", "X2"] and codes(r.attention) == ["D1", "X1"]


def test_the_province_its_rank_among_the_provinces_and_its_change():
    prov = provinces({"2025-09": [("H98", 90, False), ("H99", 85.3, True)],
                      "2025-10": [("H97", 92, False), ("H98", 86.5, False), ("H99", 86.5, True), ("H96", 80, False)]})
    r = run({"2025-09": {"X1": 90}, "2025-10": {"X1": 90}}, prov=prov)
    assert r.province == {"name": "UBND tỉnh H99", "score": 86.5, "rank": 2, "of": 4, "change": 1.2}
    assert list(r.provinces["dvc_code"]) == ["H97", "H98", "H99", "H96"]  # ties in file order
    assert list(r.province_history["rank"]) == [2, 2]
    alone = run({"2025-10": {"X1": 90}}, prov=provinces({"2025-10": [("H99", 86.5, True)]}))
    assert alone.province["change"] != alone.province["change"]  # NaN: no previous month
    assert run({"2025-10": {"X1": 90}}).province is None


def test_the_outcomes_document():
    prov = provinces({"2025-10": [("H99", 86.504, True), ("H98", 90, False)]})
    r = run({"2025-10": {"D1": 95, "X1": dict(CKMB=5.2, TDGQ=18, CLGQ=11, TTTT=9, MDHL=15, MDSH=15.92, total=74.12),
                         "X2": 85}}, prov=prov)
    doc = index766_document(r)
    assert list(doc) == ["month", "province", "averages", "units", "commend", "urgent", "attention"]
    assert doc["province"] == {"score": 86.5, "rank": 2, "of": 2, "change": None}
    assert doc["averages"] == {"department": 95.0, "local": 79.56}
    (urgent,) = doc["urgent"]
    assert urgent == {"code": "X1", "name": "Một", "kind": "commune", "level": "local", "total": 74.12,
                      "groups": {"CKMB": 5.2, "TDGQ": 18.0, "CLGQ": 11.0, "TTTT": 9.0, "MDHL": 15.0, "MDSH": 15.92},
                      "change": None, "rank": 2, "band": "urgent", "weakest": "CKMB", "urgent_streak": 1}
    assert [u["code"] for u in doc["commend"]["department"]] == ["D1"] and doc["commend"]["local"] == []
    assert [u["code"] for u in doc["attention"]] == ["X2"]
