"""The seed letter's figures (June 2023, Tứ Kỳ), from build_outcomes on the sample data.

The sample is committed (data/make_sample.py makes it): these tests never skip.
"""

from pathlib import Path

import pytest

from cchc.load import load_dataset
from cchc.outcomes import build_outcomes, to_json

DATA = Path(__file__).resolve().parents[1] / "data"

@pytest.fixture(scope="module")
def doc():
    return build_outcomes(load_dataset(DATA, "2023-06"), {})


def names(items):
    return [u["name"] for u in items]


def test_district_opening_paragraph(doc):
    d = doc["district"]
    assert (d["reception_rate"], d["reception_rate_change"]) == (97.31, 0.66)
    assert (d["result_rate"], d["result_rate_change"]) == (98.67, 2.39)
    assert (d["overdue_total"], d["overdue_excused"]) == (2, 1)
    assert doc["local_average_reception_rate"] == 97.04
    assert [(o["name"], o["excused"]) for o in doc["overdue"]] == [("An Thanh", True), ("Tái Sơn", False)]


def test_commended_departments(doc):
    assert names(doc["outcomes"]["commend_departments"]) == [
        "Phòng Tài nguyên và Môi trường huyện", "Phòng Tài chính - Kế hoạch huyện", "Phòng Tư pháp huyện",
        "Phòng Lao động - Thương binh và Xã hội huyện", "Phòng Kinh tế và Hạ tầng huyện", "Phòng Nội vụ huyện",
    ]
    counts = [(u["received"], u["resolved"]) for u in doc["outcomes"]["commend_departments"]]
    assert counts == [(113, 109), (89, 84), (127, 128), (1, 1), (11, 14), (1, 1)]


def test_commended_communes(doc):
    o = doc["outcomes"]
    assert [(u["name"], u["reception_rate"], u["result_rate"]) for u in o["commend_local_digitization"]] == [
        ("Ngọc Kỳ", 100.0, 100.0), ("Phượng Kỳ", 99.3, 100.0), ("Đại Sơn", 99.15, 99.72), ("Quang Trung", 99.13, 99.53)]
    assert [(u["name"], u["payment_rate"]) for u in o["commend_local_payment"]] == [
        ("Chí Minh", 95.44), ("Quang Phục", 92.67), ("An Thanh", 85.66), ("Quảng Nghiệp", 80.71)]


def test_criticism_of_hung_dao(doc):
    (c,) = doc["outcomes"]["criticize"]
    assert (c["name"], c["streak"], c["reception_rate"], c["reception_rate_change"], c["average"], c["gap"]) == (
        "Hưng Đạo", 5, 89.8, 3.03, 97.04, 7.24)
    assert len(c["history"]) == 5


def test_first_reminder_of_tai_son(doc):
    (r,) = doc["outcomes"]["remind"]
    assert (r["name"], r["count"], r["reasons"]) == ("Tái Sơn", 1, ["overdue", "report_late", "report_incomplete"])
    assert len(r["overdue"]) == 1


def test_payment_window_quarter_to_date(doc):
    o = doc["outcomes"]
    assert o["payment_window"] == {"start": "2023-04", "end": "2023-06", "months": ["2023-04", "2023-05", "2023-06"]}
    assert names(o["payment_meets"]) == ["Chí Minh", "Quang Phục", "An Thanh", "Quảng Nghiệp", "Nguyên Giáp",
                                         "Quang Trung", "Bình Lãng", "Ngọc Kỳ", "Tứ Kỳ"]
    assert len(o["payment_below"]) == 13
    assert [(u["name"], u["window_payment_rate"]) for u in o["payment_very_low"]] == [
        ("Hà Kỳ", 0.35), ("Đại Sơn", 0.4), ("Cộng Lạc", 0.4), ("Tái Sơn", 1.22), ("Văn Tố", 1.23), ("Tiên Động", 1.32)]
    assert names(o["payment_below"])[:6] == names(o["payment_very_low"])
    assert names(o["payment_not_implemented"]) == ["Tân Kỳ"]
    assert len(o["payment_meets"]) + len(o["payment_below"]) + len(o["payment_not_implemented"]) == 23


def test_serialises(doc):
    assert '"Hưng Đạo"' in to_json(doc)


def test_fixture_is_what_build_outcomes_gives_on_the_sample():
    """tests/fixtures/outcomes_2023-06.json feeds the fast letter, docx and export
    tests: it must stay the product's own output (regenerate it when this fails)."""
    import json

    fixture = json.loads((DATA.parent / "tests" / "fixtures" / "outcomes_2023-06.json").read_text(encoding="utf-8"))
    assert fixture == json.loads(json.dumps(build_outcomes(load_dataset(DATA, "2023-06"))))
