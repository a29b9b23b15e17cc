"""Reading dossier records (cchc.dossiers): the three file forms, forgiving headers and dates,
units by portal code, code or name, and strict checks with short messages."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import openpyxl
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from cchc.dossiers import read_records
from cchc.registry import load_registry

MONTH = "2023-06"
UNITS = """code,name,kind,aliases,dvc_code
TP,Phòng Tư pháp huyện,department,Phòng Tư pháp,H23.21.03
XA_AN_THANH,An Thanh,commune,,H23.21.12
XA_HA_KY,Hà Kỳ,commune,,
"""
HEADER = ["STT", "MaHoSo", "DonViXuLy", "TenLinhVuc", "TenTTHC", "KenhThucHien", "NgayTiepNhan", "NgayHenTra",
          "NgayKetThucXuLy", "HoSoCoThanhPhanSoHoa", "DaSoHoaKetQua", "CoPhi", "DuocThanhToanTrucTuyen", "GhiChu"]
D = dt.datetime
#         code   unit (3 ways)                  field        ch received            due              finished           flags
RECORDS = [
    ("HS1", "H23.21.12", "Hộ tịch", 2, D(2023, 6, 1, 8), D(2023, 6, 5), D(2023, 6, 5, 16, 45), (1, 1, 1, 1)),
    ("HS2", "UBND xã An Thanh", "Hộ tịch", 1, D(2023, 5, 31, 23, 59), D(2023, 6, 2), D(2023, 6, 1, 7), (0, 1, 0, 0)),
    ("HS3", "XA_HA_KY", "Đất đai", 1, D(2023, 6, 30, 17), D(2023, 7, 5), None, (1, 0, 1, 0)),
    ("HS4", "Phòng Tư pháp", "Chứng thực", 3, D(2023, 5, 20, 9), D(2023, 6, 10), D(2023, 6, 12, 10), (0, 0, 0, 0)),
    ("HS5", "h23.21.03", "Chứng thực", 1, D(2023, 6, 10, 9), D(2023, 6, 29), D(2023, 7, 3, 9), (1, 0, 0, 0)),
]
EXPECTED = {  # by hand: received, received_digitized, resolved, resolved_digitized
    "TP": [1, 1, 1, 0],  # HS5 received; HS4 resolved (late)
    "XA_AN_THANH": [1, 1, 2, 2],  # HS1 received and resolved; HS2 resolved
    "XA_HA_KY": [1, 1, 0, 0],  # HS3
}
EXPECTED_PAY = {"TP": [0, 0], "XA_AN_THANH": [1, 1], "XA_HA_KY": [1, 0]}


@pytest.fixture(scope="module")
def registry(tmp_path_factory):
    d = tmp_path_factory.mktemp("reg")
    (d / "units.csv").write_text(UNITS, encoding="utf-8")
    reg, problems = load_registry(d)
    assert not problems
    return reg


def text_date(v):
    return "" if v is None else v.strftime("%d/%m/%Y %H:%M")


def csv_text(records=RECORDS, header=HEADER, sep=",") -> str:
    lines = [sep.join(header)]
    for i, (code, unit, field, ch, rec, due, fin, flags) in enumerate(records, start=1):
        lines.append(sep.join([str(i), code, unit, field, "Thủ tục", str(ch), text_date(rec), due.strftime("%d/%m/%Y"),
                               text_date(fin), *map(str, flags), ""]))
    return "\n".join(lines) + "\n"


def write_xlsx(path: Path, records=RECORDS, blank_top=0):
    wb = openpyxl.Workbook()
    ws = wb.active
    for _ in range(blank_top):
        ws.append([])
    ws.append(["DANH SÁCH HỒ SƠ THÁNG 6/2023"])
    ws.append([])
    # Vietnamese headers, any case and accents
    ws.append(["STT", "Mã hồ sơ", "ĐƠN VỊ XỬ LÝ", "Tên lĩnh vực", "Tên TTHC", "Kênh thực hiện", "Ngày tiếp nhận",
               "Ngày hẹn trả", "Ngày kết thúc xử lý", "Hồ sơ có thành phần số hoá", "Đã số hóa kết quả", "Có phí",
               "Được thanh toán trực tuyến", "Ghi chú"])
    for i, (code, unit, field, ch, rec, due, fin, flags) in enumerate(records, start=1):
        due_cell = (due.date() - dt.date(1899, 12, 30)).days if i % 2 else due  # Excel serial or date cell
        fin_cell = text_date(fin) if i == 3 else fin  # text or date-time cell
        ws.append([i, code, unit, field, "Thủ tục", ch, rec, due_cell, fin_cell, *flags, None])
    wb.save(path)


def write_parquet(path: Path, records=RECORDS):
    cols = list(zip(*records))
    pq.write_table(pa.table({
        "MAHOSO": pa.array(cols[0]), "donvixuly": pa.array(cols[1]), "TenLinhVuc": pa.array(cols[2]),
        "KenhThucHien": pa.array(cols[3], pa.int8()), "NgayTiepNhan": pa.array(cols[4], pa.timestamp("ms")),
        "NgayHenTra": pa.array([d.date() for d in cols[5]], pa.date32()),
        "NgayKetThucXuLy": pa.array(cols[6], pa.timestamp("ms")),
        **{name: pa.array([f[j] for f in cols[7]], pa.int8()) for j, name in enumerate(
            ["HoSoCoThanhPhanSoHoa", "DaSoHoaKetQua", "CoPhi", "DuocThanhToanTrucTuyen"])},
        "Extra": pa.array(["x"] * len(records)),
    }), path)


def read(path: Path, registry):
    return read_records(path, f"raw/hoso/{path.name}", MONTH, registry)


@pytest.mark.parametrize("form", ["csv", "xlsx", "parquet"])
def test_each_form_gives_the_counts_by_hand(tmp_path, registry, form):
    path = tmp_path / f"{MONTH}.{form}"
    if form == "csv":
        path.write_text(csv_text(), encoding="utf-8")
    elif form == "xlsx":
        write_xlsx(path)
    else:
        write_parquet(path)
    records, problems = read(path, registry)
    assert [p for p in problems if p.is_error] == []
    dig = records.digitization.set_index("code")
    assert {c: dig.loc[c].tolist() for c in EXPECTED} == EXPECTED
    pay = records.payments.set_index("code")
    assert {c: pay.loc[c].tolist() for c in EXPECTED_PAY} == EXPECTED_PAY
    od = records.overdue
    assert od["dossier"].tolist() == ["HS4", "HS5"] and od["code"].tolist() == ["TP", "TP"]
    assert od["field"].tolist() == ["Chứng thực", "Chứng thực"]
    assert od["returned"].iloc[0] == pd_ts("2023-06-12") and od["returned"].isna().iloc[1]
    assert records.figures() == {"digitization": True, "payments": True, "overdue": True, "reports": False}
    t = records.timeliness.set_index("code")
    assert t.loc["XA_AN_THANH", "finished_on_time"] == 2 and t.loc["XA_AN_THANH", "received_online"] == 1


def pd_ts(s):
    import pandas as pd

    return pd.Timestamp(s)


def test_semicolon_csv_with_title_lines_and_bom(tmp_path, registry):
    path = tmp_path / f"{MONTH}.csv"
    path.write_bytes("\ufeffDanh sách hồ sơ;;\n".encode() + csv_text(sep=";").encode())
    records, problems = read(path, registry)
    assert not [p for p in problems if p.is_error]
    assert records.digitization.set_index("code").loc["TP"].tolist() == EXPECTED["TP"]


def test_xlsx_rows_are_the_sheets_rows(tmp_path, registry):
    bad = [r if r[0] != "HS3" else ("HS3", "Xã Không Có", *r[2:]) for r in RECORDS]
    path = tmp_path / f"{MONTH}.xlsx"
    write_xlsx(path, bad, blank_top=2)  # rows 1-2 blank, title on 3, header on 5, HS3 on row 8
    records, problems = read(path, registry)
    assert records is None
    (p,) = [p for p in problems if p.is_error]
    assert (p.row, p.column, p.value, p.sheet) == (8, "ĐƠN VỊ XỬ LÝ", "Xã Không Có", "Sheet")
    assert "unknown unit" in p.message


def test_without_payment_columns_no_payments(tmp_path, registry):
    keep = [i for i, h in enumerate(HEADER) if h not in ("CoPhi", "DuocThanhToanTrucTuyen")]
    lines = [",".join(c for j, c in enumerate(line.split(",")) if j in keep) for line in csv_text().splitlines()]
    path = tmp_path / f"{MONTH}.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    records, problems = read(path, registry)
    assert not problems
    assert records.figures()["payments"] is False and records.figures()["digitization"] is True
    # one of the pair without the other is a missing column
    keep2 = [i for i, h in enumerate(HEADER) if h != "CoPhi"]
    lines = [",".join(c for j, c in enumerate(line.split(",")) if j in keep2) for line in csv_text().splitlines()]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    records, problems = read(path, registry)
    assert records is None and [p.column for p in problems] == ["CoPhi"]


def test_missing_columns_are_named(tmp_path, registry):
    lines = csv_text().replace("NgayHenTra", "Hạn").replace("DonViXuLy", "Đơn vị")
    path = tmp_path / f"{MONTH}.csv"
    path.write_text(lines, encoding="utf-8")
    records, problems = read(path, registry)
    assert records is None  # no header row: DonViXuLy is the header's mark
    assert "no header row naming MaHoSo and DonViXuLy" in problems[0].message
    path.write_text(csv_text().replace("NgayHenTra", "Hạn"), encoding="utf-8")
    records, problems = read(path, registry)
    assert records is None and [(p.column, p.message.split(" (")[0]) for p in problems] == [
        ("NgayHenTra", "missing column NgayHenTra")]


def test_every_kind_of_error_once_with_its_first_rows(tmp_path, registry):
    """5,000 records, 2,000 of them bad in six ways: a short message, every kind counted."""
    rows = []
    for i in range(5000):
        code, unit, ch = f"HS{i}", "H23.21.12", "1"
        rec, due, fin, flags = "01/06/2023 08:00", "10/06/2023", "05/06/2023 09:00", ["1", "1", "0", "0"]
        if i % 10 == 1:
            flags[0] = "2"  # 500 bad flags
        if i % 10 == 2:
            unit = "Xã An Thành" if i % 20 == 2 else "Phường Không Có"  # 500 rows, 2 distinct unknown names
        if i % 10 == 3:
            fin = "30/05/2023 10:00"  # 500 finished before received
        if i % 10 == 4:
            ch = "4"  # 500 channels outside 1-3
        if i % 500 == 5:
            code = "HS0"  # 10 repeats of the first code
        if i == 6:
            rec = "31/06/2023"  # no such date
        rows.append(",".join([str(i), code, unit, "Hộ tịch", "", ch, rec, due, fin, *flags, ""]))
    path = tmp_path / f"{MONTH}.csv"
    path.write_text(",".join(HEADER) + "\n" + "\n".join(rows) + "\n", encoding="utf-8")
    records, problems = read(path, registry)
    assert records is None
    assert len(problems) < 45
    text = "\n".join(map(str, problems))
    assert "… and 495 more rows with this problem (500 in all): not a 0/1 flag" in text
    assert "… and 495 more rows with this problem (500 in all): not a channel" in text
    assert "… and 495 more rows with this problem (500 in all): impossible date: finished before it was received" \
           in text
    assert "… and 5 more rows with this problem (10 in all): repeated MaHoSo" in text
    assert "no such date" in text
    flag = next(p for p in problems if p.message.startswith("not a 0/1 flag"))
    assert (flag.file, flag.row, flag.column, flag.value) == (f"raw/hoso/{MONTH}.csv", 3, "HoSoCoThanhPhanSoHoa", "2")
    unknown = [p for p in problems if p.message.startswith("unknown unit")]
    assert len(unknown) == 2  # once per distinct name, with its number of rows and the closest names
    near = next(p for p in unknown if p.value == "Xã An Thành")
    assert "(250 rows)" in near.message and "An Thanh" in near.message and near.row == 4


def test_the_portal_name_and_blank_rows(tmp_path, registry):
    recs = [("HS1", "UBND xã An Thanh - tỉnh Hải Dương", *RECORDS[0][2:])]
    path = tmp_path / f"{MONTH}.csv"
    path.write_text(csv_text(recs) + ",,,,,,,,,,,,,\n", encoding="utf-8")
    records, problems = read(path, registry)
    assert not [p for p in problems if p.is_error] and records.records == 1
    assert records.digitization.set_index("code").loc["XA_AN_THANH", "received"] == 1


def test_a_file_that_is_not_records(tmp_path, registry):
    path = tmp_path / f"{MONTH}.parquet"
    path.write_bytes(b"not parquet")
    records, problems = read(path, registry)
    assert records is None and "not a Parquet file" in problems[0].message
    path = tmp_path / f"{MONTH}.xlsx"
    path.write_bytes(b"PK\x03\x04 broken")
    records, problems = read(path, registry)
    assert records is None and "not an Excel workbook" in problems[0].message
