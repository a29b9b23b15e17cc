#!/usr/bin/env python
"""The Tứ Kỳ 2023 sample as dossier records: data/hoso-sample/ (deterministic).

    .venv/bin/python data/make_records.py [--out DIR]      # `make records-sample`

Reads the committed workbook sample (data/raw/2023-MM.xlsx, through
make_sample.read_back) and writes a data folder whose January–June 2023
figures come from one record per dossier:

    data/hoso-sample/
      units.csv             the sample's registry, plus each unit's portal code (dvc_code)
      config.yml            the sample's, unchanged
      raw/hoso/2023-MM.*    the records: January and April as CSV, February and May as
                            xlsx, March and June as Parquet
      raw/2023-MM.xlsx      the sample's workbooks with SoHoa left blank: they still bring
                            QuaHan (the excuses, Miễn trừ), ThanhToan and BaoCao

The records give exactly the workbooks' SoHoa figures and overdue dossiers
(same codes, fields, procedures, deadlines and return dates), so
`make report DATA=data/hoso-sample` writes the June 2023 letter of the
workbook sample, figure for figure (tests/test_records_sample.py).

Why ThanhToan stays in the workbook: the records' payment transactions are
the dossiers *received* in the month with a fee (CoPhi = 1), while the
sample's ThanhToan counts more transactions than dossiers received for most
communes (the one-stop desks also collect fees of dossiers received earlier);
no set of records can give those figures under the counting rule. The records
therefore carry no CoPhi / DuocThanhToanTrucTuyen columns, and a file without
them brings no payment figures (docs/data-format.md).

Each month's records: the dossiers received in the month (those digitised at
reception flagged), the dossiers finished in the month (received in it or
carried over from the month before; those with a digitised result flagged),
the overdue dossiers of QuaHan (finished late in the month, or received
earlier and still pending), and dossiers received in the month still pending
at its end (due after it, some finished after it). Edge cases of the rules
are in the data: a dossier finished at 16:45 on its due day, finished on the
month's last day, due on the month's last day and pending.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import io
import random
import sys
from pathlib import Path

import openpyxl

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import make_sample  # noqa: E402 - the sample's own reader and its deterministic zip

SEED = 20230703
OUT = HERE / "hoso-sample"
FORMS = {"2023-01": "csv", "2023-02": "xlsx", "2023-03": "parquet",
         "2023-04": "csv", "2023-05": "xlsx", "2023-06": "parquet"}
HEADERS = ["STT", "MaHoSo", "DonViXuLy", "MaLinhVuc", "TenLinhVuc", "MaTTHC", "TenTTHC", "KenhThucHien",
           "NgayTiepNhan", "NgayHenTra", "NgayKetThucXuLy", "HoSoCoThanhPhanSoHoa", "DaSoHoaKetQua", "GhiChu"]
# The xlsx export writes its headers in Vietnamese: matched without case or accents.
XLSX_HEADERS = ["STT", "Mã hồ sơ", "Đơn vị xử lý", "Mã lĩnh vực", "Tên lĩnh vực", "Mã TTHC", "Tên TTHC",
                "Kênh thực hiện", "Ngày tiếp nhận", "Ngày hẹn trả", "Ngày kết thúc xử lý",
                "Hồ sơ có thành phần số hoá", "Đã số hoá kết quả", "Ghi chú"]
FIELDS = [("G01", "Hộ tịch", ["Đăng ký khai sinh", "Đăng ký kết hôn", "Trích lục hộ tịch"]),
          ("G02", "Chứng thực", ["Chứng thực bản sao từ bản chính", "Chứng thực chữ ký"]),
          ("G03", "Đất đai", ["Đăng ký biến động đất đai", "Cấp đổi giấy chứng nhận"]),
          ("G04", "Người có công", ["Trợ cấp người có công"]),
          ("G05", "Bảo trợ xã hội", ["Trợ cấp xã hội hằng tháng"]),
          ("G06", "Thành lập và hoạt động của hộ kinh doanh", ["Đăng ký hộ kinh doanh"])]


def D(y, m, d):
    return dt.date(y, m, d)


def month_bounds(month: str) -> tuple[dt.date, dt.date]:
    y, m = int(month[:4]), int(month[5:])
    first = D(y, m, 1)
    nxt = D(y + (m == 12), m % 12 + 1, 1)
    return first, nxt - dt.timedelta(days=1)


def at(day: dt.date, hour: int, minute: int) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, hour, minute)


def dvc_codes(registry: list[dict]) -> dict[str, str]:
    """A portal code per unit (fictional, shaped as the portal's: H23.21 the district, .01 … its units)."""
    return {u["code"]: f"H23.21.{i:02d}" for i, u in enumerate(registry, start=1)}


def month_records(month: str, got: dict, procedures: dict, dvc: dict, rng: random.Random) -> list[dict]:
    """Every record of the month, in file order (shuffled)."""
    first, last = month_bounds(month)
    registry = got["registry"]
    by_code = {u["code"]: u for u in registry}
    out: list[dict] = []
    seq = 5000

    def who(code: str) -> str:
        u = by_code[code]
        r = rng.random()
        if r < 0.8:
            return dvc[code]
        if r < 0.9:
            return code
        return u["name"] if u["kind"] == "department" else f"UBND {'thị trấn' if u['kind'] == 'town' else 'xã'} {u['name']}"

    def record(code, received, due, finished, digitized=0, result=0, field=None, procedure=None, dossier=None):
        nonlocal seq
        if field is None:
            fcode, fname, procs = FIELDS[rng.randrange(len(FIELDS))]
            procedure = rng.choice(procs)
        else:
            fcode = next((c for c, n, _ in FIELDS if n == field), "G99")
            fname = field
        if dossier is None:
            seq += 1
            dossier = f"{dvc[code]}-{received:%y%m%d}-{seq:04d}"
        out.append({"MaHoSo": dossier, "DonViXuLy": who(code), "MaLinhVuc": fcode, "TenLinhVuc": fname,
                    "MaTTHC": f"{fcode}.{len(procedure or ''):02d}",
                    "TenTTHC": procedure or "", "KenhThucHien": rng.choice((1, 1, 2, 2, 2, 3)),
                    "NgayTiepNhan": received, "NgayHenTra": due, "NgayKetThucXuLy": finished,
                    "HoSoCoThanhPhanSoHoa": digitized, "DaSoHoaKetQua": result})

    days = (last - first).days + 1
    for u in registry:
        code = u["code"]
        received_n, received_dig, resolved_n, resolved_dig = got["digi"][month].get(code, [0, 0, 0, 0])
        overdue = [o for o in got["overdue"][month] if o["code"] == code]
        late = [o for o in overdue if o["returned"]]
        pending = [o for o in overdue if not o["returned"]]
        on_time = resolved_n - len(late)
        if on_time < 0:
            raise SystemExit(f"{month} {code}: more late dossiers than resolved")
        from_month = min(received_n, on_time)  # finished in the month, received in it
        carried = on_time - from_month  # finished in the month, received the month before
        resolved_flags = [1] * resolved_dig + [0] * (resolved_n - resolved_dig)
        rng.shuffle(resolved_flags)
        received_flags = [1] * received_dig + [0] * (received_n - received_dig)
        rng.shuffle(received_flags)
        k = 0  # next resolved flag
        # received in the month
        for i in range(received_n):
            day = first + dt.timedelta(days=rng.randrange(days))
            received = at(day, rng.randrange(7, 16), rng.randrange(60))
            if i < from_month:
                finish_day = min(last, day + dt.timedelta(days=rng.randrange(0, 6)))
                if i == 0:  # finished at 16:45 on the due day: on time
                    due = finish_day
                    finished = at(finish_day, 16, 45)
                else:
                    due = finish_day + dt.timedelta(days=rng.randrange(0, 8))
                    finished = at(finish_day, max(received.hour, rng.randrange(8, 17)), rng.randrange(60))
                    if finished < received:
                        finished = received + dt.timedelta(minutes=30)
                if i == 1:  # finished on the month's last day
                    finished, due = at(last, 9, 30), last + dt.timedelta(days=3)
                    if finished < received:
                        finished = received
                record(code, received, at(due, 17, 0), finished, received_flags[i], resolved_flags[k])
                k += 1
            else:
                # still pending at the month's end, not yet due; some finished after the month
                due = last + dt.timedelta(days=rng.randrange(1, 15))
                finished = at(last + dt.timedelta(days=rng.randrange(1, 10)), 10, 0) if i % 3 == 0 else None
                if i % 7 == 1:  # due on the month's last day, pending: not overdue at its end
                    due = last
                record(code, received, at(due, 17, 0), finished, received_flags[i], 0)
        # carried over from the month before, finished on time in the month
        for _ in range(carried):
            received = at(first - dt.timedelta(days=rng.randrange(1, 20)), 9, 0)
            finish_day = first + dt.timedelta(days=rng.randrange(days))
            due = finish_day + dt.timedelta(days=rng.randrange(0, 5))
            record(code, received, at(due, 17, 0), at(finish_day, 14, 0), 1, resolved_flags[k])
            k += 1
        # the overdue dossiers of QuaHan, received before the month
        for o in late:
            received = at(min(o["deadline"] - dt.timedelta(days=7), first - dt.timedelta(days=1)), 8, 15)
            record(code, received, at(o["deadline"], 17, 0), at(o["returned"], 10, 20), 1, resolved_flags[k],
                   field=o["field"], procedure=procedures.get(o["dossier"], ""), dossier=o["dossier"])
            k += 1
        for o in pending:
            received = at(min(o["deadline"] - dt.timedelta(days=7), first - dt.timedelta(days=1)), 8, 15)
            record(code, received, at(o["deadline"], 17, 0), None, 1, 0,
                   field=o["field"], procedure=procedures.get(o["dossier"], ""), dossier=o["dossier"])
    rng.shuffle(out)
    return out


def quahan_procedures(src: Path) -> dict[str, str]:
    """Mã hồ sơ -> Thủ tục of every QuaHan row of the sample."""
    out = {}
    for month in FORMS:
        ws = openpyxl.load_workbook(src / "raw" / f"{month}.xlsx", read_only=True)["QuaHan"]
        rows = list(ws.iter_rows(values_only=True))
        hr = next(i for i, r in enumerate(rows) if "Mã hồ sơ" in r)
        at_code, at_proc = rows[hr].index("Mã hồ sơ"), rows[hr].index("Thủ tục")
        for r in rows[hr + 1:]:
            if r[at_code]:
                out[str(r[at_code]).strip()] = str(r[at_proc] or "").strip()
    return out


# ------------------------------------------------------------------ the three forms

def _text_date(v) -> str:
    return "" if v is None else v.strftime("%d/%m/%Y %H:%M")


def write_csv(path: Path, rows: list[dict]) -> None:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(HEADERS)
    for i, r in enumerate(rows, start=1):
        w.writerow([i, *(_text_date(r[h]) if h.startswith("Ngay") else r[h] for h in HEADERS[1:-1]), ""])
    path.write_text(buf.getvalue(), encoding="utf-8", newline="")


def write_parquet(path: Path, rows: list[dict]) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    cols = {h: [r.get(h) for r in rows] for h in HEADERS[1:-1]}
    table = pa.table({
        "STT": pa.array(range(1, len(rows) + 1), pa.int32()),
        **{h: pa.array(v, pa.timestamp("s") if h.startswith("Ngay") else
                       pa.int8() if h in ("KenhThucHien", "HoSoCoThanhPhanSoHoa", "DaSoHoaKetQua") else pa.string())
           for h, v in cols.items()},
    })
    pq.write_table(table, path, compression="zstd")


def write_xlsx(path: Path, rows: list[dict], month: str, rng: random.Random) -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "DanhSachHoSo"
    ws.append([f"DANH SÁCH HỒ SƠ TTHC THÁNG {int(month[5:])}/{month[:4]} - HUYỆN TỨ KỲ"])
    ws.append(["(Trích xuất từ Hệ thống thông tin giải quyết TTHC của tỉnh)"])
    ws.append([])
    ws.append(XLSX_HEADERS)
    for i, r in enumerate(rows, start=1):
        values = [i]
        for h in HEADERS[1:-1]:
            v = r[h]
            if h.startswith("Ngay") and v is not None:
                p = rng.random()  # dates as the exports write them: date-time cells, text, a few serials
                if p < 0.2:
                    v = v.strftime("%d/%m/%Y %H:%M")
                elif p < 0.25:
                    v = (v.date() - dt.date(1899, 12, 30)).days
            values.append(v)
        values.append(None)
        ws.append(values)
        for j, v in enumerate(values, start=1):
            if isinstance(v, dt.datetime):
                ws.cell(row=4 + i, column=j).number_format = "DD/MM/YYYY HH:MM"
    wb.properties.creator = "make_records.py"
    wb.properties.created = make_sample.FIXED_PROPS_TIME
    buf = io.BytesIO()
    wb.save(buf)
    path.write_bytes(make_sample._deterministic_zip(buf.getvalue()))


def blank_sohoa(src: Path, dst: Path) -> None:
    """The month's workbook with every count of SoHoa left blank (its units kept)."""
    wb = openpyxl.load_workbook(src)
    ws = wb["SoHoa"]
    rows = list(ws.iter_rows())
    hr = next(i for i, r in enumerate(rows) if any(c.value == "Đơn vị" for c in r))
    for r in rows[hr + 1:]:
        for c in r[2:6]:
            c.value = None
    wb.properties.created = make_sample.FIXED_PROPS_TIME
    buf = io.BytesIO()
    wb.save(buf)
    dst.write_bytes(make_sample._deterministic_zip(buf.getvalue()))


def build(out: Path, src: Path = HERE) -> None:
    got = make_sample.read_back(src)
    procedures = quahan_procedures(src)
    dvc = dvc_codes(got["registry"])
    (out / "raw" / "hoso").mkdir(parents=True, exist_ok=True)
    with open(src / "units.csv", encoding="utf-8", newline="") as f:
        lines = list(csv.reader(f))
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow([*lines[0], "dvc_code"])
    for line in lines[1:]:
        w.writerow([*line, dvc[line[0]]])
    (out / "units.csv").write_text(buf.getvalue(), encoding="utf-8", newline="")
    (out / "config.yml").write_bytes((src / "config.yml").read_bytes())
    rng = random.Random(SEED)
    for month, form in FORMS.items():
        blank_sohoa(src / "raw" / f"{month}.xlsx", out / "raw" / f"{month}.xlsx")
        rows = month_records(month, got, procedures, dvc, random.Random(rng.randrange(2**32)))
        path = out / "raw" / "hoso" / f"{month}.{form}"
        if form == "csv":
            write_csv(path, rows)
        elif form == "parquet":
            write_parquet(path, rows)
        else:
            write_xlsx(path, rows, month, random.Random(rng.randrange(2**32)))


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=OUT, help="data folder to write (default: data/hoso-sample)")
    args = ap.parse_args(argv)
    build(args.out)
    print(f"make_records: wrote {args.out}: units.csv, config.yml, raw/2023-01.xlsx … 2023-06.xlsx (SoHoa blank), "
          + ", ".join(f"raw/hoso/{m}.{f}" for m, f in FORMS.items()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
