#!/usr/bin/env python
"""Build the province sample: a fictional province after the July 2025 reform, with Decision 766 exports.

    python data/make_province_sample.py [--out DIR] [--locals N] [--departments N] [--seed N]

(default: data/province/, 15 departments and 112 local units). It writes
units.csv, config.yml, raw/766/2025-07 … 2025-12 (the national portal's
Decision 766 exports) and raw/2025-11.xlsx, raw/2025-12.xlsx (the office's
monthly workbooks): July–October are 766-only months, November and December
have both sources.

Tỉnh Phù Vân is not a real place; its units' names are made up, and every
figure is synthetic. The other 33 provinces of the exports' provinces sheet
carry the names of the real ones (from the `vietnam-provinces` package) with
made-up scores, as context for the ranking.

The exports are written as the portal writes them: three sheets (provinces,
departments, local units) under title rows, the portal's extra columns (ID,
TEN_COQUAN, CAPDONVIID, ID_COQUAN, ROW_STT), numbers as text with a decimal
comma (a decimal point in September), names with the portal's prefixes and
suffixes ("UBND Xã Tân Lập - tỉnh Phù Vân", "Thanh tra tỉnh Phù Vân"), and
August as a CSV file. Rule 8 has every case to show: units urgent several
months running, ties, a group at 0, the province's rank moving; September
carries two quirks the loader warns about (a total off its groups by 0,3, a
unit without a row).

Deterministic: the same arguments give byte-identical files (fixed seed,
fixed zip timestamps). Only openpyxl, the standard library and
vietnam-provinces are used. Never edit the output by hand: change this
script and re-run it (`make province-sample`).
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import io
import random
import re
import sys
import zipfile
from pathlib import Path

import openpyxl

SEED = 20251231
PROVINCE = "Phù Vân"  # fictional
PROVINCE_CODE = "H99"  # fictional portal code (MA_COQUAN)
MONTHS = [f"2025-{m:02d}" for m in range(7, 13)]
WORKBOOK_MONTHS = ["2025-11", "2025-12"]
CSV_MONTH = "2025-08"
POINT_MONTH = "2025-09"  # numbers with a decimal point; the month with the two quirks
FIXED_ZIP_TIME = (2026, 1, 5, 8, 0, 0)
FIXED_PROPS_TIME = dt.datetime(2026, 1, 5, 8, 0, 0)
GROUPS = {"CKMB": 18, "TDGQ": 20, "CLGQ": 12, "TTTT": 10, "MDHL": 18, "MDSH": 22}

DEPARTMENTS = [
    ("SO_TP", "Sở Tư pháp"), ("SO_TC", "Sở Tài chính"), ("SO_NV", "Sở Nội vụ"), ("SO_XD", "Sở Xây dựng"),
    ("SO_CT", "Sở Công Thương"), ("SO_YT", "Sở Y tế"), ("SO_GDDT", "Sở Giáo dục và Đào tạo"),
    ("SO_NNMT", "Sở Nông nghiệp và Môi trường"), ("SO_KHCN", "Sở Khoa học và Công nghệ"),
    ("SO_VHTTDL", "Sở Văn hoá, Thể thao và Du lịch"), ("SO_DTTG", "Sở Dân tộc và Tôn giáo"),
    ("SO_NGV", "Sở Ngoại vụ"), ("TTT", "Thanh tra tỉnh"), ("VP_UBND", "Văn phòng UBND tỉnh"),
    ("BQL_KKT", "Ban Quản lý Khu kinh tế"),
]
FIRST = ["An", "Bình", "Hoà", "Phú", "Tân", "Long", "Thạnh", "Đông", "Tây", "Hưng", "Phước", "Vĩnh", "Thuận",
         "Quang", "Minh", "Đức", "Hải", "Thanh", "Xuân", "Trung", "Nghĩa", "Mỹ", "Kim", "Ngọc", "Cẩm"]
SECOND = ["Lạc", "Thành", "Lợi", "Sơn", "Điền", "Thịnh", "Khánh", "Tiến", "Phong", "Hiệp", "Lộc", "Định",
          "Hậu", "Nguyên", "Kỳ", "Giang", "Xá", "Tường", "Quý", "Lập"]
SPECIAL_ZONES = ["Hòn Ngọc", "Bãi Vàng"]


# --------------------------------------------------------------------------- the registry


def build_units(n_departments: int, n_locals: int, rng: random.Random) -> list[dict]:
    if n_departments > len(DEPARTMENTS):
        raise SystemExit(f"at most {len(DEPARTMENTS)} departments")
    units = []
    for i, (code, name) in enumerate(DEPARTMENTS[:n_departments], start=1):
        # most departments carry their portal code; a few are matched by name only
        units.append({"code": code, "name": name, "kind": "department", "aliases": "",
                      "dvc_code": "" if i % 5 == 0 else f"{PROVINCE_CODE}.{i:02d}"})
    names = [f"{a} {b}" for a in FIRST for b in SECOND if a != b]
    rng.shuffle(names)
    n_zones = min(2, max(0, n_locals // 50))
    plain = n_locals - n_zones
    if plain > len(names):
        raise SystemExit(f"at most {len(names) + 2} local units")
    local = []
    for i, name in enumerate(names[:plain]):
        local.append((name, "ward" if i % 8 == 7 else "commune"))
    local += [(SPECIAL_ZONES[k], "special_zone") for k in range(n_zones)]
    for k, (name, kind) in enumerate(local):
        code = f"{30001 + 3 * k:05d}"  # fictional ward codes, in the official code order
        units.append({"code": code, "name": name, "kind": kind, "aliases": "",
                      "dvc_code": "" if k % 7 == 3 else f"{PROVINCE_CODE}.{100 + k:03d}"})
    return units


def units_csv(units: list[dict]) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["code", "name", "kind", "aliases", "dvc_code"])
    for u in units:
        w.writerow([u["code"], u["name"], u["kind"], u["aliases"], u["dvc_code"]])
    return buf.getvalue()


CONFIG_YML = f"""\
# Tỉnh {PROVINCE}: a fictional province after the July 2025 reform (data/make_province_sample.py).
# Written by the script: change the script, not this file.
issuer: "UBND TỈNH {PROVINCE.upper()}"
issuer_lines: ["ỦY BAN NHÂN DÂN", "TỈNH {PROVINCE.upper()}"]
level: "tỉnh"                      # "Chủ tịch UBND tỉnh", "các sở, ban, ngành"
province_code: "{PROVINCE_CODE}"                # the province's own MA_COQUAN in the 766 exports
place: "{PROVINCE}"
document_code: "UBND-KSTT"
proposer: "Văn phòng UBND tỉnh"
signer: {{title: "CHỦ TỊCH", name: "Trần Minh Khoa"}}
recipients:
  - "Giám đốc các sở, Thủ trưởng các ban, ngành tỉnh"
  - "Chủ tịch UBND các xã, phường, đặc khu"
distribution:
  - "Thường trực Tỉnh uỷ"
  - "Thường trực HĐND tỉnh"
  - "CT, các PCT.UBND tỉnh"
  - "Lưu: VT, KSTT"
superior: "Chính phủ"
overdue_system: "Hệ thống thông tin giải quyết TTHC của tỉnh"
payment_portal: "Cổng dịch vụ công quốc gia"
parameters: {{}}
"""


# --------------------------------------------------------------------------- the 766 scores


def profiles(units: list[dict], rng: random.Random) -> dict:
    """Each unit's share of each group's maximum, and how it moves month to month."""
    out = {}
    locals_ = [u for u in units if u["kind"] != "department"]
    # units below 80: some stay there, some recover, some slide into it, so that runs differ in length
    stories = {u["code"]: ("stays", "recovers", "slides")[i % 3]
               for i, u in enumerate(rng.sample(locals_, max(3, len(locals_) // 12)))}
    departments = [u for u in units if u["kind"] == "department"]
    if len(departments) > 5:
        stories[departments[5]["code"]] = "slides"  # a department too
    for u in units:
        story = stories.get(u["code"])
        if story == "stays":
            base, trend = rng.uniform(0.66, 0.76), rng.uniform(-0.003, 0.004)
        elif story == "recovers":
            base, trend = rng.uniform(0.74, 0.78), rng.uniform(0.012, 0.02)
        elif story == "slides":
            base, trend = rng.uniform(0.84, 0.86), rng.uniform(-0.022, -0.014)
        elif u["kind"] == "department":
            base, trend = rng.uniform(0.85, 0.97), rng.uniform(-0.004, 0.006)
        else:
            base, trend = rng.uniform(0.83, 0.98), rng.uniform(-0.004, 0.006)
        out[u["code"]] = {
            "shares": {g: min(1.0, max(0.0, base + rng.uniform(-0.08, 0.07))) for g in GROUPS},
            "trend": trend,
            "no_payment": u["kind"] != "department" and rng.random() < 0.025,  # TTTT at 0
        }
    return out


def scores(units: list[dict], prof: dict, k: int, rng: random.Random) -> dict[str, dict]:
    """{code: {group: points, "TONG_SCORE": total}} of month number k (0-based)."""
    out = {}
    for u in units:
        p = prof[u["code"]]
        groups = {}
        for g, top in GROUPS.items():
            share = p["shares"][g] + p["trend"] * k + rng.uniform(-0.03, 0.03)
            groups[g] = round(top * min(1.0, max(0.0, share)), 2)
        if p["no_payment"]:
            groups["TTTT"] = 0.0
        out[u["code"]] = {**groups, "TONG_SCORE": round(sum(groups.values()), 2)}
    return out


def make_ties(month_scores: dict[str, dict], units: list[dict]) -> None:
    """Two local units with the same total (a shared rank, listed in registry order)."""
    local = [u["code"] for u in units if u["kind"] != "department"]
    a, b = local[4], local[9]
    month_scores[b] = dict(month_scores[a])


def other_provinces(rng: random.Random) -> list[tuple[str, str, float]]:
    """(name as the portal writes it, code, total) of the 33 other provinces: real names, made-up scores."""
    from vietnam_provinces import Province

    rows = []
    for p in sorted(Province.iter_all(), key=lambda p: p.code.value)[:33]:
        name = p.name if p.name.startswith("Thành phố") else f"tỉnh {p.name}"
        rows.append((f"UBND {name}", f"H{p.code.value:02d}", round(rng.uniform(78, 95), 2)))
    return rows


def portal_name(u: dict) -> str:
    suffix = f" - tỉnh {PROVINCE}"
    if u["kind"] == "department":  # "Thanh tra tỉnh Phù Vân", "Sở Tư pháp - tỉnh Phù Vân"
        return f"{u['name']} {PROVINCE}" if u["name"].endswith(" tỉnh") else u["name"] + suffix
    word = {"commune": "Xã", "ward": "Phường", "special_zone": "Đặc khu"}[u["kind"]]
    return f"UBND {word} {u['name']}{suffix}"


HEADER = ["ID", "TEN", "MA_COQUAN", "LOAI_COQUAN", "TEN_COQUAN", "CAPDONVIID", "ID_COQUAN",
          *GROUPS, "TONG_SCORE", "ROW_STT"]


def _text(x: float, decimal: str) -> str:
    return f"{x:.2f}".rstrip("0").rstrip(".").replace(".", decimal)


def export_sheets(units: list[dict], month_scores: dict, provinces: list[tuple], decimal: str,
                  skip: set[str]) -> dict[str, list[list]]:
    def row(i, name, code, kind, figures):
        return [1000 + i, name, code, kind, name.split(" - ")[0], {1: 1, 2: 2, 3: 3}[kind], 5000 + i,
                *(_text(figures[g], decimal) for g in GROUPS), _text(figures["TONG_SCORE"], decimal), i]

    prov_rows = [row(i, n, c, 1, f) for i, (n, c, f) in enumerate(provinces, start=1)]
    dept = [u for u in units if u["kind"] == "department" and u["code"] not in skip]
    local = [u for u in units if u["kind"] != "department" and u["code"] not in skip]
    return {
        "Tinh_TP": prov_rows,
        "So_Ban_Nganh": [row(i, portal_name(u), u["dvc_code"], 2, month_scores[u["code"]])
                         for i, u in enumerate(dept, start=1)],
        "Xa_Phuong_DacKhu": [row(i, portal_name(u), u["dvc_code"], 3, month_scores[u["code"]])
                             for i, u in enumerate(local, start=1)],
    }


def write_export(path: Path, month: str, sheets: dict[str, list[list]]) -> None:
    y, m = int(month[:4]), int(month[5:7])
    if path.suffix == ".csv":
        buf = io.StringIO()
        w = csv.writer(buf, delimiter=";", lineterminator="\r\n")
        w.writerow(HEADER)
        for rows in sheets.values():
            w.writerows(rows)
        path.write_bytes(("\ufeff" + buf.getvalue()).encode("utf-8"))
        return
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for name, rows in sheets.items():
        ws = wb.create_sheet(name)
        ws.append([f"KẾT QUẢ ĐÁNH GIÁ BỘ CHỈ SỐ PHỤC VỤ NGƯỜI DÂN, DOANH NGHIỆP THÁNG {m}/{y}"])
        ws.append(["(Dữ liệu trích xuất từ Cổng Dịch vụ công quốc gia theo Quyết định số 766/QĐ-TTg)"])
        ws.append(HEADER)
        for r in rows:
            ws.append(r)
    _save(wb, path)


# --------------------------------------------------------------------------- the workbooks


def workbook(path: Path, units: list[dict], month: str, rng: random.Random) -> None:
    """The office's monthly workbook: SoHoa, QuaHan, ThanhToan, BaoCao, title rows above the headers."""
    y, m = int(month[:4]), int(month[5:7])
    wb = openpyxl.Workbook()
    wb.remove(wb.active)

    def sheet(name, title, header):
        ws = wb.create_sheet(name)
        ws.append([title])
        ws.append([])
        ws.append(header)
        return ws

    ws = sheet("SoHoa", f"TỔNG HỢP KẾT QUẢ SỐ HOÁ HỒ SƠ TTHC THÁNG {m}/{y}",
               ["STT", "Đơn vị", "Tiếp nhận", "Số hoá đầy đủ khi tiếp nhận", "Giải quyết", "Số hoá kết quả"])
    pay = sheet("ThanhToan", f"THANH TOÁN TRỰC TUYẾN THÁNG {m}/{y}",
                ["STT", "Đơn vị", "Tổng giao dịch", "Trực tuyến"])
    overdue = sheet("QuaHan", f"HỒ SƠ QUÁ HẠN THÁNG {m}/{y}",
                    ["STT", "Mã hồ sơ", "Đơn vị", "Lĩnh vực", "Thủ tục", "Hạn xử lý", "Ngày trả kết quả",
                     "Miễn trừ", "Lý do", "Căn cứ"])
    reports = sheet("BaoCao", f"CHẾ ĐỘ BÁO CÁO CCHC THÁNG {m}/{y}",
                    ["STT", "Đơn vị", "Báo cáo", "Hạn nộp", "Ngày nộp", "Đầy đủ"])
    n_overdue = 0
    for i, u in enumerate(units, start=1):
        label = u["name"] if u["kind"] == "department" else portal_name(u).split(" - ")[0]
        received = rng.randint(5, 60) if u["kind"] == "department" else rng.randint(40, 400)
        quality = 1.0 if rng.random() < 0.5 else rng.uniform(0.9, 0.995)
        resolved = max(0, int(received * rng.uniform(0.85, 1.05)))
        ws.append([i, label, received, int(received * quality), resolved, int(resolved * min(1.0, quality + 0.01))])
        if u["kind"] != "department":
            total = rng.randint(10, 150)
            pay.append([i, label, total, int(total * rng.choice([0.0, 0.01, 0.15, 0.25, 0.35, 0.5, 0.85]))])
        if rng.random() < 0.04:
            n_overdue += 1
            due = dt.date(y, m, rng.randint(3, 20))
            overdue.append([n_overdue, f"{PROVINCE_CODE}.{i:03d}-{y % 100}{m:02d}-{n_overdue:04d}", label,
                            "Đất đai", "Đăng ký biến động quyền sử dụng đất", due.strftime("%d/%m/%Y"),
                            (due + dt.timedelta(days=3)).strftime("%d/%m/%Y"), None,
                            "Cán bộ thụ lý chậm xử lý", None])
        due = dt.date(y, m, 20)
        late = rng.random() < 0.03
        reports.append([i, label, f"Báo cáo kết quả CCHC tháng {m}/{y}", due.strftime("%d/%m/%Y"),
                        (due + dt.timedelta(days=2 if late else -3)).strftime("%d/%m/%Y"), "Có"])
    _save(wb, path)


# --------------------------------------------------------------------------- files


def _save(wb, path: Path) -> None:
    wb.properties.creator = "data/make_province_sample.py"
    wb.properties.created = wb.properties.modified = FIXED_PROPS_TIME
    buf = io.BytesIO()
    wb.save(buf)
    path.write_bytes(_deterministic_zip(buf.getvalue()))


def _deterministic_zip(data: bytes) -> bytes:
    """Same bytes on every run: fixed entry timestamps and document dates."""
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    stamp = FIXED_PROPS_TIME.strftime("%Y-%m-%dT%H:%M:%SZ")
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in sorted(src.infolist(), key=lambda i: i.filename != "[Content_Types].xml"):
            body = src.read(info.filename)
            if info.filename == "docProps/core.xml":
                text = body.decode("utf-8")
                text = re.sub(r"(<dcterms:(?:modified|created)[^>]*>)[^<]*(</dcterms:)", rf"\g<1>{stamp}\g<2>", text)
                body = text.encode("utf-8")
            zi = zipfile.ZipInfo(info.filename, date_time=FIXED_ZIP_TIME)
            zi.compress_type = zipfile.ZIP_DEFLATED
            zi.external_attr = 0o644 << 16
            dst.writestr(zi, body)
    return out.getvalue()


def make_province_sample(out: Path, departments: int = 15, locals_: int = 112, seed: int = SEED) -> list[Path]:
    """Write the data folder into `out`; the files written."""
    out = Path(out)
    (out / "raw" / "766").mkdir(parents=True, exist_ok=True)
    rng = random.Random(seed)
    units = build_units(departments, locals_, rng)
    prof = profiles(units, rng)
    others = other_provinces(rng)
    written = [out / "units.csv", out / "config.yml"]
    written[0].write_text(units_csv(units), encoding="utf-8")
    written[1].write_text(CONFIG_YML, encoding="utf-8")
    for k, month in enumerate(MONTHS):
        month_scores = scores(units, prof, k, rng)
        make_ties(month_scores, units)
        totals = [s["TONG_SCORE"] for s in month_scores.values()]
        mine = round(sum(totals) / len(totals) + 1.5, 2)
        share = mine / 100
        province = {g: round(top * share, 2) for g, top in GROUPS.items()}
        province["TONG_SCORE"] = round(sum(province.values()), 2)
        drift = [(n, c, round(min(99.0, t + rng.uniform(-1.5, 1.5) + 0.3 * k), 2)) for n, c, t in others]
        provinces = [(f"UBND tỉnh {PROVINCE}", PROVINCE_CODE, province)]
        for n, c, t in drift:
            s = {g: round(top * t / 100, 2) for g, top in GROUPS.items()}
            s["TONG_SCORE"] = round(sum(s.values()), 2)
            provinces.append((n, c, s))
        skip: set[str] = set()
        if month == POINT_MONTH:  # the two quirks: a total off its groups, a unit without a row
            local = [u for u in units if u["kind"] != "department"]
            off = month_scores[local[2]["code"]]
            off["TONG_SCORE"] = round(off["TONG_SCORE"] + 0.3, 2)
            skip = {local[-3]["code"]}
        sheets = export_sheets(units, month_scores, provinces, "." if month == POINT_MONTH else ",", skip)
        path = out / "raw" / "766" / f"{month}.{'csv' if month == CSV_MONTH else 'xlsx'}"
        write_export(path, month, sheets)
        written.append(path)
    for month in WORKBOOK_MONTHS:
        path = out / "raw" / f"{month}.xlsx"
        workbook(path, units, month, random.Random(f"{seed}-{month}"))
        written.append(path)
    return written


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=Path(__file__).resolve().parent / "province")
    ap.add_argument("--departments", type=int, default=15)
    ap.add_argument("--locals", dest="locals_", type=int, default=112)
    ap.add_argument("--seed", type=int, default=SEED)
    args = ap.parse_args(argv)
    written = make_province_sample(args.out, args.departments, args.locals_, args.seed)
    print(f"Wrote {len(written)} files into {args.out}: units.csv ({args.departments} departments, "
          f"{args.locals_} local units), config.yml, raw/766/{MONTHS[0]} … {MONTHS[-1]}, "
          + ", ".join(f"raw/{m}.xlsx" for m in WORKBOOK_MONTHS))
    return 0


if __name__ == "__main__":
    sys.exit(main())
