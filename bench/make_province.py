#!/usr/bin/env python
"""A synthetic province for the benchmark: 20 departments, 150 local units, 24 months.

    .venv/bin/python bench/make_province.py OUT_DIR [--months 24] [--start 2024-01]
                                            [--departments 20] [--locals 150] [--seed N]

writes a data directory of docs/data-format.md into OUT_DIR:
units.csv, config.yml and raw/YYYY-MM.xlsx, one workbook per month, shaped like the
exports an office actually receives (title rows above the header, an STT and a
"Ghi chú" column, a "Tổng cộng" row under SoHoa and ThanhToan, dates written as
Excel dates or as dd/mm/yyyy text, "x"/"Có"/"Không" for booleans, unit names
with and without their "UBND xã"/"Phường" prefix).

The figures are random but shaped so that every rule has something to do at
province scale: most departments at 100 %, a few lagging; local units of
different quality, some persistently below the average (criticised after five
months), overdue dossiers (about a fifth excused, with a reason and a basis),
monthly reports sometimes late, incomplete or missing, online payment from
"not implemented" to over 80 %. The data must load without any error and
without warnings.

Deterministic: the same arguments give byte-identical files (fixed seed, fixed
zip timestamps). Only openpyxl and the standard library are used, so that the
benchmark can build its data on a fresh machine.
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import random
import re
import sys
import unicodedata
import zipfile
from pathlib import Path

import openpyxl

SEED = 20250701
PROVINCE = "An Bình"  # fictional
FIXED_ZIP_TIME = (2026, 1, 5, 8, 0, 0)
FIXED_PROPS_TIME = dt.datetime(2026, 1, 5, 8, 0, 0)

DEPARTMENT_NAMES = [
    ("STP", "Sở Tư pháp tỉnh"), ("STC", "Sở Tài chính tỉnh"), ("SNV", "Sở Nội vụ tỉnh"),
    ("SXD", "Sở Xây dựng tỉnh"), ("SCT", "Sở Công Thương tỉnh"), ("SYT", "Sở Y tế tỉnh"),
    ("SGDDT", "Sở Giáo dục và Đào tạo tỉnh"), ("SNNMT", "Sở Nông nghiệp và Môi trường tỉnh"),
    ("SKHCN", "Sở Khoa học và Công nghệ tỉnh"), ("SVHTTDL", "Sở Văn hoá, Thể thao và Du lịch tỉnh"),
    ("SDTTG", "Sở Dân tộc và Tôn giáo tỉnh"), ("SNGV", "Sở Ngoại vụ tỉnh"),
    ("TTT", "Thanh tra tỉnh"), ("VPUB", "Văn phòng UBND tỉnh"),
    ("BQLKCN", "Ban Quản lý các khu công nghiệp tỉnh"), ("BQLKKT", "Ban Quản lý khu kinh tế tỉnh"),
    ("SLDTBXH", "Sở Lao động - Thương binh và Xã hội tỉnh"), ("STTTT", "Sở Thông tin và Truyền thông tỉnh"),
    ("SGTVT", "Sở Giao thông vận tải tỉnh"), ("SKHDT", "Sở Kế hoạch và Đầu tư tỉnh"),
]
FIRST = ["An", "Bình", "Hoà", "Phú", "Tân", "Long", "Thạnh", "Đông", "Tây", "Hưng", "Phước",
         "Vĩnh", "Thuận", "Quang", "Minh", "Đức", "Hải", "Thanh", "Xuân", "Trung", "Nghĩa",
         "Mỹ", "Kim", "Ngọc", "Cẩm"]
SECOND = ["Lạc", "Thành", "Mỹ", "Lợi", "Sơn", "Điền", "Thịnh", "Khánh", "Tiến", "Phong",
          "Hiệp", "Lộc", "Định", "Hậu", "Nguyên", "Kỳ", "Giang", "Xá", "Tường", "Quý"]
FIELDS = ["Đất đai", "Hộ tịch", "Chứng thực", "Người có công", "Bảo trợ xã hội", "Xây dựng",
          "Đăng ký kinh doanh", "Môi trường", "Giáo dục", "Y tế"]
PROCEDURES = {
    "Đất đai": "Đăng ký biến động quyền sử dụng đất",
    "Hộ tịch": "Đăng ký khai sinh kết hợp đăng ký thường trú",
    "Chứng thực": "Chứng thực hợp đồng, giao dịch",
    "Người có công": "Giải quyết chế độ trợ cấp người có công",
    "Bảo trợ xã hội": "Thực hiện trợ cấp xã hội hằng tháng",
    "Xây dựng": "Cấp giấy phép xây dựng nhà ở riêng lẻ",
    "Đăng ký kinh doanh": "Đăng ký thành lập hộ kinh doanh",
    "Môi trường": "Đăng ký môi trường",
    "Giáo dục": "Chuyển trường cho học sinh",
    "Y tế": "Cấp chứng chỉ hành nghề",
}
REASONS = ["Cán bộ thụ lý chậm xử lý", "Chờ ý kiến của cơ quan phối hợp", "Hồ sơ phải xác minh thực địa"]
EXCUSES = [("Hệ thống thông tin giải quyết TTHC của tỉnh gặp sự cố", "Công văn số {n}/TTCĐS ngày {d} của Trung tâm Chuyển đổi số"),
           ("Chậm do cơ quan cấp tỉnh chuyển kết quả", "Báo cáo số {n}/BC-UBND ngày {d} của đơn vị")]
REPORT_NAME = "Báo cáo kết quả CCHC tháng {m}"


def ascii_code(name: str) -> str:
    s = unicodedata.normalize("NFD", name.replace("Đ", "D").replace("đ", "d"))
    s = "".join(c for c in s if not unicodedata.combining(c))
    return re.sub(r"[^A-Za-z0-9]+", "_", s).strip("_").upper()


def month_list(start: str, n: int) -> list[str]:
    y, m = int(start[:4]), int(start[5:7])
    out = []
    for _ in range(n):
        out.append(f"{y}-{m:02d}")
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return out


# --------------------------------------------------------------------------- the registry


def build_registry(n_departments: int, n_locals: int, rng: random.Random) -> list[dict]:
    if n_departments > len(DEPARTMENT_NAMES):
        raise SystemExit(f"at most {len(DEPARTMENT_NAMES)} departments")
    if n_locals > len(FIRST) * (len(SECOND) - 1):
        raise SystemExit("too many local units for the name list")
    units = [{"code": code, "name": name, "kind": "department", "aliases": [name.removesuffix(" tỉnh")]}
             for code, name in DEPARTMENT_NAMES[:n_departments]]
    names = [f"{a} {b}" for a in FIRST for b in SECOND if a != b]
    rng.shuffle(names)
    n_wards = max(1, n_locals // 6) if n_locals > 1 else 0
    seen: set[str] = set()
    for i, name in enumerate(sorted(names[:n_locals], key=lambda s: ascii_code(s))):
        kind = "ward" if i % 6 == 5 and n_wards > 0 else "commune"
        n_wards -= kind == "ward"
        prefix = "P" if kind == "ward" else "XA"
        code = f"{prefix}_{ascii_code(name)}"
        while code in seen:  # "Thanh Khánh" and "Thạnh Khánh" fold to the same ASCII
            code += "_2"
        seen.add(code)
        units.append({"code": code, "name": name, "kind": kind, "aliases": []})
    return units


# --------------------------------------------------------------------------- one month of figures


def _date_cell(d: dt.date | None, rng: random.Random):
    if d is None:
        return None
    return d.strftime("%d/%m/%Y") if rng.random() < 0.4 else dt.datetime(d.year, d.month, d.day)


def _unit_cell(u: dict, rng: random.Random) -> str:
    if u["kind"] == "department":
        return u["name"] if rng.random() < 0.8 else u["aliases"][0]
    prefix = {"commune": "xã", "ward": "phường", "town": "thị trấn"}[u["kind"]]
    r = rng.random()
    if r < 0.5:
        return u["name"]
    if r < 0.8:
        return f"UBND {prefix} {u['name']}"
    return f"{prefix.capitalize()} {u['name']}"


def month_figures(units: list[dict], month: str, k: int, profile: dict, rng: random.Random) -> dict:
    """The rows of the four sheets of one month (k: 0-based month number)."""
    y, m = int(month[:4]), int(month[5:7])
    first = dt.date(y, m, 1)
    last = (dt.date(y + (m == 12), m % 12 + 1, 1) - dt.timedelta(days=1))
    digi, pay, overdue, reports = [], [], [], []
    for i, u in enumerate(units):
        p = profile[u["code"]]
        # SoHoa: volume × seasonal noise; quality drifts up over the months
        idle = rng.random() < p["idle"]
        received = 0 if idle else max(0, int(rng.gauss(p["volume"], p["volume"] * 0.15)))
        resolved = 0 if idle else max(0, int(received * rng.uniform(0.85, 1.1)))
        q = min(1.0, p["quality"] + 0.0004 * k)
        if p["slump"] and p["slump"][0] <= k < p["slump"][1]:
            q -= 0.06
        rd = received if q >= 1.0 else min(received, int(round(received * rng.uniform(q - 0.01, q + 0.005))))
        sd = resolved if q >= 1.0 else min(resolved, int(round(resolved * rng.uniform(q - 0.005, q + 0.01))))
        digi.append((u, received, max(rd, 0), resolved, max(sd, 0)))
        # ThanhToan: local units only; a few have no transactions at all
        if u["kind"] != "department" and not p["no_payment"]:
            total = max(1, int(rng.gauss(p["volume"] * 0.4, p["volume"] * 0.08)))
            online = min(total, int(round(total * max(0.0, rng.gauss(p["online"], 0.02))))) if p["online"] > 0 else 0
            pay.append((u, total, online))
        # QuaHan
        for _ in range(rng.choices((0, 1, 2), weights=(1 - p["overdue"], p["overdue"] * 0.8, p["overdue"] * 0.2))[0]):
            field = rng.choice(FIELDS)
            due = first + dt.timedelta(days=rng.randrange(0, (last - first).days - 5))
            returned = None if rng.random() < 0.25 else due + dt.timedelta(days=rng.randint(1, 5))
            excused = rng.random() < 0.2
            if excused:
                reason, basis = rng.choice(EXCUSES)
                basis = basis.format(n=rng.randint(10, 300), d=f"{min(28, last.day)}/{m}/{y}")
            else:
                reason, basis = rng.choice(REASONS), None
            code = f"H{y % 100}.{i + 1:03d}-{y % 100}{m:02d}{due.day:02d}-{len(overdue) + 1:04d}"
            overdue.append((code, u, field, PROCEDURES[field], due, returned, excused, reason, basis))
        # BaoCao: one monthly report per unit, due on the 20th
        due = dt.date(y, m, 20)
        r = rng.random()
        if r < p["report_missing"]:
            submitted, complete = None, False
        elif r < p["report_missing"] + 0.04:
            submitted, complete = due + dt.timedelta(days=rng.randint(1, 6)), True
        else:
            submitted, complete = due - dt.timedelta(days=rng.randint(0, 8)), rng.random() > 0.02
        reports.append((u, REPORT_NAME.format(m=f"{m}/{y}"), due, submitted, complete))
    return {"digi": digi, "pay": pay, "overdue": overdue, "reports": reports}


def unit_profiles(units: list[dict], n_months: int, rng: random.Random) -> dict:
    out = {}
    for u in units:
        dept = u["kind"] == "department"
        if dept:
            quality = 1.0 if rng.random() < 0.7 else rng.choice([0.995, 0.99, 0.97])
        else:
            quality = rng.choice([1.0, 1.0, 0.998, 0.995, 0.993, 0.99, 0.99, 0.987, 0.985, 0.98]
                                 if rng.random() < 0.93 else [0.97, 0.95, 0.93])
        slump = None
        if not dept and rng.random() < 0.06:  # a run below the average: criticised after 5 months
            start = rng.randrange(0, max(1, n_months - 3))
            slump = (start, start + rng.randint(4, 9))
        out[u["code"]] = {
            "volume": rng.choice([5, 20, 60, 150]) if dept else rng.choice([40, 80, 120, 200, 350, 600]),
            "idle": 0.15 if dept and rng.random() < 0.3 else (0.02 if not dept else 0.0),
            "quality": quality,
            "slump": slump,
            "online": rng.choice([0.0, 0.01, 0.1, 0.2, 0.32, 0.45, 0.85]) if not dept else 0.0,
            "no_payment": not dept and rng.random() < 0.03,
            "overdue": 0.05 if dept else 0.12,
            "report_missing": rng.choice([0.0, 0.0, 0.01, 0.03]),
        }
    return out


# --------------------------------------------------------------------------- workbooks


def _sheet(wb, name: str, titles: list[str], header: list[str]):
    ws = wb.create_sheet(name)
    for t in titles:
        ws.append([t])
    ws.append([])
    ws.append(header)
    return ws


def write_workbook(path: Path, month: str, fig: dict, rng: random.Random) -> None:
    y, m = int(month[:4]), int(month[5:7])
    mm = f"{m}/{y}"
    hoa = "hóa" if m % 2 else "hoá"  # the export's spelling changes with the software version
    wb = openpyxl.Workbook()  # not write_only: Excel and LibreOffice write <dimension>, so must we
    wb.remove(wb.active)

    ws = _sheet(wb, "SoHoa", [f"TỔNG HỢP KẾT QUẢ SỐ HOÁ HỒ SƠ TTHC THÁNG {mm}",
                              "(Số liệu trích xuất từ Hệ thống thông tin giải quyết TTHC của tỉnh)"],
                ["STT", "Đơn vị", "Tiếp nhận", f"Số {hoa} đầy đủ khi tiếp nhận", "Giải quyết",
                 f"Số {hoa} kết quả", "Ghi chú"])
    sums = [0, 0, 0, 0]
    for i, (u, *v) in enumerate(fig["digi"], start=1):
        ws.append([i, _unit_cell(u, rng), *v, "Không phát sinh hồ sơ" if v[0] == 0 and v[2] == 0 else None])
        sums = [a + b for a, b in zip(sums, v)]
    ws.append([None, "Tổng cộng", *sums, None])

    ws = _sheet(wb, "QuaHan", [f"DANH SÁCH HỒ SƠ TTHC QUÁ HẠN THÁNG {mm}"],
                ["STT", "Mã hồ sơ", "Đơn vị", "Lĩnh vực", "Thủ tục", "Hạn xử lý", "Ngày trả kết quả",
                 "Miễn trừ", "Lý do", "Căn cứ", "Ghi chú"])
    yes = "x" if m % 2 else "Có"
    for i, (code, u, field, proc, due, ret, exc, reason, basis) in enumerate(fig["overdue"], start=1):
        ws.append([i, code, _unit_cell(u, rng), field, proc, _date_cell(due, rng), _date_cell(ret, rng),
                   yes if exc else None, reason, basis, None if ret else "Đang xử lý"])

    ws = _sheet(wb, "ThanhToan", [f"TỔNG HỢP KẾT QUẢ THANH TOÁN TRỰC TUYẾN THÁNG {mm}"],
                ["STT", "Đơn vị", "Tổng giao dịch", "Trực tuyến", "Tỷ lệ (%)", "Ghi chú"])
    tot = [0, 0]
    for i, (u, t, o) in enumerate(fig["pay"], start=1):
        ws.append([i, _unit_cell(u, rng), t, o, round(100 * o / t, 2) if t else None,
                   "Chưa thực hiện thanh toán trực tuyến" if o == 0 else None])
        tot = [tot[0] + t, tot[1] + o]
    ws.append([None, "Tổng cộng", tot[0], tot[1], round(100 * tot[1] / tot[0], 2) if tot[0] else None, None])

    ws = _sheet(wb, "BaoCao", [f"TÌNH HÌNH THỰC HIỆN CHẾ ĐỘ BÁO CÁO CCHC THÁNG {mm}"],
                ["STT", "Đơn vị", "Báo cáo", "Hạn nộp", "Ngày nộp", "Đầy đủ", "Ghi chú"])
    for i, (u, name, due, sub, complete) in enumerate(fig["reports"], start=1):
        ws.append([i, _unit_cell(u, rng), name, _date_cell(due, rng), _date_cell(sub, rng),
                   ("Có" if complete else "Không") if sub else None, "Nộp muộn" if sub and sub > due else None])

    wb.properties.creator = "bench/make_province.py"
    wb.properties.created = FIXED_PROPS_TIME
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


def units_csv(units: list[dict]) -> str:
    lines = ["code,name,kind,aliases"]
    for u in units:
        cells = [u["code"], u["name"], u["kind"], ";".join(u["aliases"])]
        lines.append(",".join(f'"{c}"' if ("," in c or '"' in c) else c for c in cells))
    return "\n".join(lines) + "\n"


CONFIG_YML = f"""\
# Synthetic province for bench/ (bench/make_province.py): not a real place.
issuer: "UBND TỈNH {PROVINCE.upper()}"
issuer_lines: ["ỦY BAN NHÂN DÂN", "TỈNH {PROVINCE.upper()}"]
level: "tỉnh"
place: "{PROVINCE}"
document_code: "UBND-NV"
proposer: "Văn phòng UBND tỉnh"
signer: {{title: "CHỦ TỊCH", name: "Nguyễn Văn A"}}
recipients:
  - "Giám đốc các sở, thủ trưởng các ban, ngành tỉnh"
  - "Chủ tịch UBND các xã, phường"
distribution:
  - "Thường trực Tỉnh uỷ"
  - "CT, các PCT.UBND tỉnh"
  - "Lưu: VT, NV"
superior: "Chính phủ"
overdue_system: "Hệ thống thông tin giải quyết TTHC của tỉnh"
payment_portal: "Cổng dịch vụ công quốc gia"
parameters: {{}}
"""


def make_province(out: Path, months: int = 24, start: str = "2024-01", departments: int = 20,
                  locals_: int = 150, seed: int = SEED) -> list[str]:
    """Write the data directory into `out`; return its months."""
    out = Path(out)
    (out / "raw").mkdir(parents=True, exist_ok=True)
    rng = random.Random(seed)
    units = build_registry(departments, locals_, rng)
    profile = unit_profiles(units, months, rng)
    (out / "units.csv").write_text(units_csv(units), encoding="utf-8")
    (out / "config.yml").write_text(CONFIG_YML, encoding="utf-8")
    names = month_list(start, months)
    for k, month in enumerate(names):
        fig = month_figures(units, month, k, profile, rng)
        write_workbook(out / "raw" / f"{month}.xlsx", month, fig, rng)
    return names


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("out", type=Path, help="the data directory to write (created)")
    ap.add_argument("--months", type=int, default=24)
    ap.add_argument("--start", default="2024-01", help="first month YYYY-MM")
    ap.add_argument("--departments", type=int, default=20)
    ap.add_argument("--locals", dest="locals_", type=int, default=150)
    ap.add_argument("--seed", type=int, default=SEED)
    args = ap.parse_args(argv)
    names = make_province(args.out, args.months, args.start, args.departments, args.locals_, args.seed)
    print(f"Wrote {args.out}: units.csv ({args.departments} departments, {args.locals_} local units), "
          f"config.yml, raw/{names[0]}.xlsx … raw/{names[-1]}.xlsx")
    return 0


if __name__ == "__main__":
    sys.exit(main())
