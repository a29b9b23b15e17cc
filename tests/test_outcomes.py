"""The outcomes.json document: shape, natives, extensions, serialisation."""

import json

import numpy as np
import pandas as pd
import pytest

from cchc.outcomes import build_outcomes, native, to_json
from frames import make_dataset, warning

UNITS = [("D1", "Phòng Tư pháp huyện", "department"), ("X1", "An Thanh", "commune"),
         ("X2", "Tái Sơn", "commune"), ("X3", "Hưng Đạo", "commune"), ("T1", "Tứ Kỳ", "town")]


def dataset(**kw):
    dig = {f"2023-0{i}": {"D1": (10, 10, 10, 10), "X1": (100, 99, 10, 10), "X2": (100, 99, 10, 10),
                          "X3": (100, 80, 10, 10), "T1": (0, 0, 0, 0)} for i in range(1, 7)}
    dig["2023-05"]["X3"] = (1000, 867, 10, 10)
    dig["2023-06"]["X3"] = (1000, 898, 10, 10)
    pays = {"2023-06": {"X1": (100, 90), "X2": (1000, 3), "T1": (10, 0)}}
    overdue = [
        {"month": "2023-06", "code": "X1", "field": "Người có công", "excused": True, "reason": "lỗi phần mềm",
         "basis": "Báo cáo số 107/BC-UBND", "deadline": "2023-06-05", "returned": "2023-06-09"},
        {"month": "2023-06", "code": "X2", "field": "Người có công", "dossier": "HS-X2", "deadline": "2023-06-05"},
    ]
    reports = [("2023-06", "X2", "Báo cáo 6 tháng", "2023-06-15", "2023-06-20", False)]
    return make_dataset(UNITS, dig, pays, overdue, reports, warnings=[warning("thiếu đơn vị")], **kw)


@pytest.fixture(scope="module")
def doc():
    return build_outcomes(dataset(), {})


def test_top_level_shape(doc):
    assert list(doc) == ["month", "previous_month", "next_month", "parameters", "inputs", "coverage", "missing", "district",
                         "local_average_reception_rate", "units", "overdue", "overdue_listed", "payment_window", "outcomes",
                         "index766", "warnings"]
    assert doc["index766"] is None  # no 766 export this month
    assert (doc["month"], doc["previous_month"], doc["next_month"]) == ("2023-06", "2023-05", "2023-07")
    assert list(doc["outcomes"]) == ["commend_departments", "commend_local_digitization", "commend_local_payment",
                                     "criticize", "remind", "payment_window", "payment_meets", "payment_below",
                                     "payment_very_low", "payment_not_implemented"]
    assert doc["outcomes"]["payment_window"] == doc["payment_window"] == {"start": "2023-04", "end": "2023-06", "months": ["2023-04", "2023-05", "2023-06"]}
    assert doc["warnings"] == ["thiếu đơn vị"]
    assert doc["inputs"][-1] == {"file": "raw/2023-06.xlsx", "sha256": "0" * 64}
    assert doc["parameters"]["payment_target"] == 30.0 and doc["parameters"]["criticism_months"] == 5


def test_units_carry_every_figure_with_nulls_for_undefined(doc):
    assert [u["code"] for u in doc["units"]] == ["D1", "X1", "X2", "X3", "T1"]
    contract = {"code", "name", "kind", "received", "received_digitized", "reception_rate", "resolved",
                "resolved_digitized", "result_rate", "payment_total", "payment_online", "payment_rate",
                "window_payment_rate", "below_average_streak", "overdue_total", "overdue_excused"}
    assert all(contract <= set(u) for u in doc["units"])
    t1 = doc["units"][4]
    assert t1["reception_rate"] is None and t1["result_rate"] is None and t1["reception_rate_change"] is None
    assert t1["payment_rate"] == 0.0 and doc["units"][0]["payment_rate"] is None
    assert doc["units"][3]["reception_rate"] == 89.8 and doc["units"][3]["reception_rate_change"] == 3.1


def test_district_and_overdue(doc):
    d = doc["district"]
    assert (d["overdue_total"], d["overdue_excused"], d["overdue_fields"]) == (2, 1, ["Người có công"])
    assert d["reception_rate"] == 91.4  # pooled: 1106 / 1210
    assert d["reception_rate_change"] is not None
    assert doc["local_average_reception_rate"] == 91.33  # locals only: 1096 / 1200
    first = doc["overdue"][0]
    assert first["name"] == "An Thanh" and first["kind"] == "commune" and first["excused"] is True
    assert (first["deadline"], first["returned"], first["basis"]) == ("2023-06-05", "2023-06-09", "Báo cáo số 107/BC-UBND")
    assert doc["overdue"][1]["returned"] is None


def test_rule_lists(doc):
    o = doc["outcomes"]
    assert [u["code"] for u in o["commend_departments"]] == ["D1"]
    assert o["commend_departments"][0]["received"] == 10 and o["commend_departments"][0]["result_rate"] == 100.0
    assert [u["code"] for u in o["commend_local_digitization"]] == ["X1", "X2"]
    assert [(u["code"], u["payment_rate"]) for u in o["commend_local_payment"]] == [("X1", 90.0)]
    assert [u["code"] for u in o["payment_not_implemented"]] == ["T1"]
    assert [(u["code"], u["window_payment_rate"]) for u in o["payment_very_low"]] == [("X2", 0.3)]


def test_every_unit_carries_its_payment_class(doc):
    """Rule 6's class of each unit, the one the lists were made from (None: not considered)."""
    assert {u["code"]: u["payment_class"] for u in doc["units"]} == {
        "D1": None, "X1": "meets", "X2": "very_low", "X3": None, "T1": "not_implemented"}
    o = doc["outcomes"]
    for u in doc["units"]:
        lists = {k for k in ("meets", "below", "very_low", "not_implemented") if u["code"] in {x["code"] for x in o[f"payment_{k}"]}}
        assert lists == ({u["payment_class"], "below"} if u["payment_class"] == "very_low" else {u["payment_class"]} - {None})


def test_criticize_entry(doc):
    (c,) = doc["outcomes"]["criticize"]
    assert (c["code"], c["streak"], c["reception_rate"], c["reception_rate_change"]) == ("X3", 6, 89.8, 3.1)
    assert c["average"] == doc["local_average_reception_rate"]
    assert c["gap"] == pytest.approx(round(c["average"] - 89.8, 2))
    assert [h["month"] for h in c["history"]] == [f"2023-0{i}" for i in range(1, 7)]
    assert c["history"][-1] == {"month": "2023-06", "reception_rate": 89.8, "average": c["average"]}


def test_remind_entry(doc):
    (r,) = doc["outcomes"]["remind"]
    assert (r["code"], r["count"], r["reasons"]) == ("X2", 1, ["overdue", "report_late", "report_incomplete"])
    assert r["overdue"] == [{"dossier": "HS-X2", "field": "Người có công", "procedure": "", "deadline": "2023-06-05", "returned": None}]
    assert r["overdue_fields"] == ["Người có công"]
    assert r["reports"] == [{"report": "Báo cáo 6 tháng", "due": "2023-06-15", "submitted": "2023-06-20",
                             "complete": False, "late": True, "incomplete": True, "missing": False}]


def test_json_is_deterministic_and_native(doc):
    text = to_json(doc)
    assert "Tái Sơn" in text and "NaN" not in text
    assert json.loads(text) == doc
    assert to_json(build_outcomes(dataset(), {})) == text


def test_parameters_change_outcomes_and_are_echoed():
    doc = build_outcomes(dataset(), {"criticism_months": 7, "payment_window_start": "2023-06", "data_dir": "x"})
    assert doc["outcomes"]["criticize"] == []
    assert doc["parameters"]["criticism_months"] == 7 and doc["payment_window"]["start"] == "2023-06"
    cfg = dataset().config | {"parameters": {"commend_payment": 95}}
    assert build_outcomes(dataset(config=cfg))["outcomes"]["commend_local_payment"] == []


def test_month_without_data_is_an_error():
    ds = dataset()
    ds.month = "2023-07"
    with pytest.raises(ValueError, match="2023-07 has no data"):
        build_outcomes(ds)


def test_native_conversions():
    assert native(np.int64(3)) == 3 and type(native(np.int64(3))) is int
    assert native(np.float64("nan")) is None and native(pd.NaT) is None and native(None) is None
    assert type(native(np.bool_(True))) is bool
    assert native(pd.Timestamp("2023-07-13")) == "2023-07-13"
    assert native({"a": (np.float64(1.5),)}) == {"a": [1.5]}
    with pytest.raises(TypeError):
        native(object())
