"""The Tứ Kỳ 2023 sample (data/): it loads cleanly and carries the seed letter's raw figures.

The first group reads the sample through the product's loader (`cchc.load.load_dataset`)
and checks the counts behind every figure of the seed letter with plain arithmetic on the
documented frames (docs/architecture.md), not with the product's indicators. The last test
re-runs data/make_sample.py into a temporary folder and compares it with the committed files.
"""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
from pathlib import Path

import openpyxl
import pytest

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "data"
MONTHS = [f"2023-{m:02d}" for m in range(1, 7)]
JUN, MAY = "2023-06", "2023-05"

SEED_DEPARTMENTS = {  # received, received_digitized, resolved, resolved_digitized (seed, section 1)
    "TNMT": (113, 113, 109, 109),
    "TCKH": (89, 89, 84, 84),
    "TP": (127, 127, 128, 128),
    "LDTBXH": (1, 1, 1, 1),
    "KTHT": (11, 11, 14, 14),
    "NV": (1, 1, 1, 1),
}


def r2(k, n):
    return round(100 * k / n, 2)


@pytest.fixture(scope="module")
def ds():
    from cchc import load
    return load.load_dataset(DATA, JUN)


@pytest.fixture(scope="module")
def codes(ds):
    """Registry name -> code, and the lists of department and local codes in registry order."""
    u = ds.units.sort_values("order")
    by_name = dict(zip(u["name"], u["code"]))
    depts = list(u.loc[u["kind"] == "department", "code"])
    locals_ = list(u.loc[u["kind"] != "department", "code"])
    return by_name, depts, locals_


def counts(ds, month, code):
    d = ds.digitization
    row = d[(d["month"] == month) & (d["code"] == code)]
    assert len(row) == 1, (month, code)
    r = row.iloc[0]
    return int(r["received"]), int(r["received_digitized"]), int(r["resolved"]), int(r["resolved_digitized"])


def pooled(ds, month, codes_, num, den):
    d = ds.digitization
    d = d[(d["month"] == month) & d["code"].isin(codes_)]
    return r2(int(d[num].sum()), int(d[den].sum()))


def test_registry_and_months(ds, codes):
    by_name, depts, locals_ = codes
    assert ds.months == MONTHS
    assert depts[:6] == list(SEED_DEPARTMENTS)
    assert len(depts) == 10 and len(locals_) == 23
    assert locals_[0] == "TT_TU_KY" and ds.units.set_index("code").loc["TT_TU_KY", "kind"] == "town"
    assert [n for n in by_name if by_name[n] in locals_] == [
        "Tứ Kỳ", "An Thanh", "Bình Lãng", "Chí Minh", "Cộng Lạc", "Dân Chủ", "Đại Hợp", "Đại Sơn", "Hà Kỳ",
        "Hà Thanh", "Hưng Đạo", "Minh Đức", "Ngọc Kỳ", "Nguyên Giáp", "Phượng Kỳ", "Quang Khải", "Quang Phục",
        "Quang Trung", "Quảng Nghiệp", "Tái Sơn", "Tân Kỳ", "Tiên Động", "Văn Tố"]
    assert not ds.warnings, [str(w) for w in ds.warnings]


def test_config_from_the_seed(ds):
    c = ds.config
    assert c["issuer"] == "UBND HUYỆN TỨ KỲ" and c["issuer_lines"] == ["ỦY BAN NHÂN DÂN", "HUYỆN TỨ KỲ"]
    assert c["place"] == "Tứ Kỳ" and c["document_code"] == "UBND-NV"
    assert c["signer"] == {"title": "CHỦ TỊCH", "name": "Vũ Thị Hà"}
    assert c["distribution"][-1] == "Lưu: VT, NV" and "Như trên" not in c["distribution"]


@pytest.mark.parametrize("code", list(SEED_DEPARTMENTS))
def test_june_department_counts(ds, code):
    assert counts(ds, JUN, code) == SEED_DEPARTMENTS[code]


def test_other_departments_not_at_100(ds, codes):
    _, depts, _ = codes
    for code in depts[6:]:
        n, k, m, mk = counts(ds, JUN, code)
        rates = [r2(k, n)] if n else []
        rates += [r2(mk, m)] if m else []
        assert not rates or min(rates) < 100, code


def test_district_and_local_average(ds, codes):
    _, depts, locals_ = codes
    everyone = depts + locals_
    rec = {m: pooled(ds, m, everyone, "received_digitized", "received") for m in (MAY, JUN)}
    res = {m: pooled(ds, m, everyone, "resolved_digitized", "resolved") for m in (MAY, JUN)}
    assert (rec[JUN], rec[MAY], round(rec[JUN] - rec[MAY], 2)) == (97.31, 96.65, 0.66)
    assert (res[JUN], res[MAY], round(res[JUN] - res[MAY], 2)) == (98.67, 96.28, 2.39)
    assert pooled(ds, JUN, locals_, "received_digitized", "received") == 97.04


def test_june_local_digitization(ds, codes):
    by_name, _, locals_ = codes
    high = []
    for code in locals_:
        n, k, m, mk = counts(ds, JUN, code)
        rates = ([r2(k, n)] if n else []) + ([r2(mk, m)] if m else [])
        if rates and min(rates) >= 99:
            high.append((-k / n, -mk / m, code))
    assert [c for *_, c in sorted(high)] == [by_name[n] for n in ("Ngọc Kỳ", "Phượng Kỳ", "Đại Sơn", "Quang Trung")]
    expected = {"Ngọc Kỳ": (100.0, 100.0), "Phượng Kỳ": (99.3, 100.0), "Đại Sơn": (99.15, 99.72),
                "Quang Trung": (99.13, 99.53)}
    for name, rates in expected.items():
        n, k, m, mk = counts(ds, JUN, by_name[name])
        assert (r2(k, n), r2(mk, m)) == rates, name


def test_hung_dao_streak(ds, codes):
    by_name, _, locals_ = codes
    avg = {m: pooled(ds, m, locals_, "received_digitized", "received") for m in MONTHS}

    def below(m, code):
        n, k, _, _ = counts(ds, m, code)
        return n > 0 and r2(k, n) < avg[m]

    def streak(code, upto):
        s = 0
        for m in MONTHS[: MONTHS.index(upto) + 1]:
            s = s + 1 if below(m, code) else 0
        return s

    hd = by_name["Hưng Đạo"]
    n, k, _, _ = counts(ds, JUN, hd)
    n5, k5, _, _ = counts(ds, MAY, hd)
    assert (r2(k, n), r2(k5, n5)) == (89.8, 86.77)
    assert round(r2(k, n) - r2(k5, n5), 2) == 3.03 and round(avg[JUN] - r2(k, n), 2) == 7.24
    assert [below(m, hd) for m in MONTHS] == [False, True, True, True, True, True]
    for code in locals_:
        if code != hd:
            assert max(streak(code, m) for m in MONTHS) < 5, code


def test_june_overdue(ds, codes):
    by_name, _, _ = codes
    od = ds.overdue[ds.overdue["month"] == JUN]
    assert list(od["code"]) == [by_name["An Thanh"], by_name["Tái Sơn"]]
    assert list(od["field"]) == ["Người có công", "Người có công"]
    assert list(od["excused"]) == [True, False]
    an_thanh = od.iloc[0]
    assert an_thanh["reason"] == ("do lỗi phần mềm nên công chức Phòng Người có công thuộc Sở Lao động - "
                                  "Thương binh và Xã hội tích chuyển chậm")
    assert an_thanh["basis"] == "Báo cáo số 107/BC-UBND ngày 13/7/2023 của UBND xã An Thanh"
    assert od.iloc[1]["reason"]


def test_reminder_history(ds, codes):
    """Tái Sơn's June reminder is its first of the year; nobody else is reminded in June."""
    by_name, depts, locals_ = codes

    def reminded(month):
        od = ds.overdue[(ds.overdue["month"] == month) & ~ds.overdue["excused"]]
        rp = ds.reports[ds.reports["month"] == month]
        bad = rp[rp["submitted"].isna() | (rp["submitted"] > rp["due"]) | ~rp["complete"]]
        return set(od["code"]) | set(bad["code"])

    assert reminded(JUN) == {by_name["Tái Sơn"]}
    assert all(by_name["Tái Sơn"] not in reminded(m) for m in MONTHS[:5])
    assert sum(by_name["Hà Thanh"] in reminded(m) for m in MONTHS[:5]) == 2


def test_june_reports(ds, codes):
    by_name, depts, locals_ = codes
    rp = ds.reports[ds.reports["month"] == JUN]
    assert sorted(rp["code"]) == sorted(depts + locals_)
    assert set(rp["report"]) == {"Báo cáo cải cách hành chính định kỳ 6 tháng đầu năm 2023"}
    late = rp[(rp["submitted"] > rp["due"]) | rp["submitted"].isna() | ~rp["complete"]]
    assert list(late["code"]) == [by_name["Tái Sơn"]]
    t = late.iloc[0]
    assert t["submitted"].date() == dt.date(2023, 6, 20) and t["submitted"] > t["due"] and not t["complete"]


def test_payments(ds, codes):
    by_name, depts, locals_ = codes
    name = {c: n for n, c in by_name.items()}
    p = ds.payments
    assert p[p["code"].isin(depts)][["payment_total", "payment_online"]].sum().sum() == 0
    order = {c: i for i, c in enumerate(locals_)}

    jun = p[(p["month"] == JUN) & p["code"].isin(locals_) & (p["payment_total"] > 0)]
    rate = {r.code: (r.payment_online / r.payment_total, r2(r.payment_online, r.payment_total)) for r in jun.itertuples()}
    top = sorted((c for c in rate if rate[c][1] >= 80), key=lambda c: (-rate[c][0], order[c]))
    assert [(name[c], rate[c][1]) for c in top] == [
        ("Chí Minh", 95.44), ("Quang Phục", 92.67), ("An Thanh", 85.66), ("Quảng Nghiệp", 80.71)]

    w = p[p["month"].isin(["2023-04", "2023-05", JUN]) & p["code"].isin(locals_)]
    w = w.groupby("code")[["payment_total", "payment_online"]].sum()
    w = w[w["payment_total"] > 0]
    exact = {c: r.payment_online / r.payment_total for c, r in w.iterrows()}
    shown = {c: r2(r.payment_online, r.payment_total) for c, r in w.iterrows()}
    meets = sorted((c for c in shown if shown[c] >= 30), key=lambda c: (-exact[c], order[c]))
    below = [c for c in shown if shown[c] < 30 and w.loc[c, "payment_online"] > 0]
    very = sorted((c for c in below if shown[c] < 2), key=lambda c: (exact[c], order[c]))
    none = [c for c in shown if w.loc[c, "payment_online"] == 0]
    assert [name[c] for c in meets] == ["Chí Minh", "Quang Phục", "An Thanh", "Quảng Nghiệp", "Nguyên Giáp",
                                        "Quang Trung", "Bình Lãng", "Ngọc Kỳ", "Tứ Kỳ"]
    assert len(below) == 13
    assert [(name[c], shown[c]) for c in very] == [("Hà Kỳ", 0.35), ("Đại Sơn", 0.4), ("Cộng Lạc", 0.4),
                                                   ("Tái Sơn", 1.22), ("Văn Tố", 1.23), ("Tiên Động", 1.32)]
    assert exact[by_name["Đại Sơn"]] < exact[by_name["Cộng Lạc"]]
    assert [name[c] for c in none] == ["Tân Kỳ"]


def _cells(path: Path) -> dict:
    wb = openpyxl.load_workbook(path)
    return {ws.title: [list(row) for row in ws.iter_rows(values_only=True)] for ws in wb}


def test_make_sample_regenerates_the_committed_files(tmp_path):
    """Running the script again gives the committed data (and its own self-check passes)."""
    done = subprocess.run([sys.executable, str(DATA / "make_sample.py"), "--out", str(tmp_path)],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    for name in ("units.csv", "config.yml"):
        assert (tmp_path / name).read_text(encoding="utf-8") == (DATA / name).read_text(encoding="utf-8"), name
    committed = sorted(p.name for p in (DATA / "raw").glob("2023-*.xlsx"))
    assert committed == [f"{m}.xlsx" for m in MONTHS]
    for fname in committed:
        assert _cells(tmp_path / "raw" / fname) == _cells(DATA / "raw" / fname), fname
