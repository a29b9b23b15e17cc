"""Bounded outputs: a month with many overdue dossiers keeps its letter's figures right and its
documents small; the full list goes to overdue.csv."""

from __future__ import annotations

import csv
import datetime as dt
import json

import pytest

from cchc.dossier_counts import days_late
from cchc.dossier_report import longest_overdue, write_overdue_csv
from cchc.monthly import review
from cchc.outcomes import FIELDS_NAMED, OVERDUE_LISTED, REMIND_LISTED, UNITS_NAMED, to_json

MONTH = "2025-10"
N_UNITS, N_FIELDS, PER = 14, 13, 3  # every unit has PER overdue dossiers in every field: 546 in all
CONFIG = """issuer: "UBND TỈNH AN BÌNH"
level: "tỉnh"
place: "An Bình"
document_code: "UBND-KSTT"
proposer: "Văn phòng UBND tỉnh"
signer: {title: "CHỦ TỊCH", name: "Nguyễn Văn A"}
"""


@pytest.fixture(scope="module")
def big(tmp_path_factory):
    d = tmp_path_factory.mktemp("big")
    units = ["code,name,kind,aliases,dvc_code"] + [f"X{i:02d},Xã Số {i},commune,,H99.{i}" for i in range(N_UNITS)]
    (d / "units.csv").write_text("\n".join(units) + "\n", encoding="utf-8")
    (d / "config.yml").write_text(CONFIG, encoding="utf-8")
    (d / "raw" / "hoso").mkdir(parents=True)
    rows = [["MaHoSo", "DonViXuLy", "TenLinhVuc", "KenhThucHien", "NgayTiepNhan", "NgayHenTra", "NgayKetThucXuLy",
             "HoSoCoThanhPhanSoHoa", "DaSoHoaKetQua"]]
    k = 0
    for u in range(N_UNITS):
        for f in range(N_FIELDS):
            for j in range(PER + (f == 0 and u == 0)):  # one more in the first field of the first unit
                k += 1
                due = dt.date(2025, 10, 1 + (k % 28))
                fin = "" if k % 2 else (due + dt.timedelta(days=1 + k % 3)).strftime("%d/%m/%Y")
                rows.append([f"HS{k}", f"H99.{u}", f"Lĩnh vực {f:02d}", "1", "01/09/2025", due.strftime("%d/%m/%Y"),
                             fin, "1", "0"])
    with open(d / "raw" / "hoso" / f"{MONTH}.csv", "w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows(rows)
    return review(MONTH, d), k


def test_the_counts_are_over_every_dossier(big):
    rv, total = big
    o = rv.outcomes
    assert o["district"]["overdue_total"] == total == N_UNITS * N_FIELDS * PER + 1
    assert o["overdue_listed"] == {"total": total, "listed": OVERDUE_LISTED, "limit": OVERDUE_LISTED}
    assert len(o["overdue"]) == OVERDUE_LISTED
    # the listed ones are the longest overdue
    shortest_listed = min(r["days_late"] for r in o["overdue"])
    od = rv.ds.overdue
    late = days_late(od, MONTH)
    listed = {r["dossier"] for r in o["overdue"]}
    assert late[~od["dossier"].isin(listed)].max() <= shortest_listed
    assert [r["dossier"] for r in o["overdue"]] == [d for d in od["dossier"] if d in listed]  # in the usual order
    groups = o["district"]["overdue_by_field"]
    assert len(groups) == FIELDS_NAMED and groups[0]["field"] == "Lĩnh vực 00" and groups[0]["count"] == N_UNITS * PER + 1
    assert all(len(g["units"]) == UNITS_NAMED and g["units_total"] == N_UNITS for g in groups)
    assert groups[0]["units"][0]["code"] == "X00" and groups[0]["units"][0]["count"] == PER + 1
    more = o["district"]["overdue_fields_more"]
    assert more == {"fields": N_FIELDS - FIELDS_NAMED, "count": (N_FIELDS - FIELDS_NAMED) * N_UNITS * PER}
    assert sum(g["count"] for g in groups) + more["count"] == total == len(od[od["month"] == MONTH])
    for r in o["outcomes"]["remind"]:
        assert len(r["overdue"]) <= REMIND_LISTED
        assert sum(g["count"] for g in r["overdue_by_field"]) + r["overdue_fields_more"]["count"] == r["overdue_count"]


def test_the_letter_names_a_few_and_counts_the_rest(big):
    rv, total = big
    body = rv.letter.body_text()
    assert f"phát sinh {total} hồ sơ giải quyết TTHC quá hạn: {N_UNITS * PER + 1} hồ sơ ở lĩnh vực Lĩnh vực 00 tại " \
           f"{N_UNITS} cơ quan, đơn vị, nhiều nhất là UBND xã Xã Số 0" in body
    assert f"{(N_FIELDS - FIELDS_NAMED) * N_UNITS * PER} hồ sơ ở 03 lĩnh vực khác" in body
    assert f"thuộc các lĩnh vực Lĩnh vực 00 ({PER + 1:02d} hồ sơ)" in body
    assert "lĩnh vực khác (" in body  # each reminded unit: five fields named, the others counted
    assert len(body) < 12_000


def test_the_documents_stay_small_and_the_csv_has_them_all(big, tmp_path):
    rv, total = big
    assert len(to_json(rv.outcomes)) < 150_000
    assert len(longest_overdue(rv.outcomes)) == 20
    path = write_overdue_csv(rv.ds, MONTH, tmp_path / "overdue.csv")
    lines = path.read_text(encoding="utf-8-sig").splitlines()
    assert len(lines) == total + 1 and lines[0].startswith("Mã hồ sơ,Mã đơn vị,Đơn vị,Lĩnh vực")
    assert json.loads(to_json(rv.outcomes))["units"][0]["on_time_rate"] == 0.0  # every finished one was late


def test_unit_pages_count_every_dossier_and_list_the_longest(big, tmp_path, monkeypatch):
    """A unit's page is built from all the month's overdue dossiers, not from outcomes.json's
    100: it lists its UNIT_LISTED longest overdue and says how many there are in all."""
    from cchc import unitpages

    rv, _ = big
    monkeypatch.setattr(unitpages, "UNIT_LISTED", 10)
    x00 = next(c for c in unitpages.unit_contexts(rv) if c["unit"]["code"] == "X00")
    mine = rv.ds.overdue[(rv.ds.overdue["code"] == "X00") & (rv.ds.overdue["month"] == MONTH)]
    assert x00["overdue_total"] == len(mine) == N_FIELDS * PER + 1
    assert len(x00["overdue"]) == 10
    late = dict(zip(mine["dossier"], days_late(mine, MONTH)))
    assert min(late[d["dossier"]] for d in x00["overdue"]) >= sorted(late.values(), reverse=True)[9]
    assert x00["overdue_note"] == f"10 hồ sơ quá hạn lâu nhất (trong tổng số {len(mine)} hồ sơ quá hạn; " \
                                  "danh sách đầy đủ: tệp overdue.csv)"
    page = unitpages.write_unit_pages(rv, tmp_path)[0].read_text(encoding="utf-8")
    assert x00["overdue_note"] in page and page.count("<td>HS") == 10


def test_the_scorecard_says_its_overdue_sheet_is_the_longest_only(big, tmp_path):
    import openpyxl

    from cchc.scorecard import OVERDUE_SHEET, write_scorecard

    rv, total = big
    write_scorecard(rv.outcomes, tmp_path / "s.xlsx")
    ws = openpyxl.load_workbook(tmp_path / "s.xlsx")[OVERDUE_SHEET]
    texts = [c.value for c in ws["A"] if isinstance(c.value, str)]
    assert f"{OVERDUE_LISTED} hồ sơ quá hạn lâu nhất (trong tổng số {total} hồ sơ quá hạn; " \
           "danh sách đầy đủ: tệp overdue.csv)" in texts
