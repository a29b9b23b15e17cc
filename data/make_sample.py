#!/usr/bin/env python
"""Build the Tứ Kỳ 2023 sample data set: units.csv, config.yml, raw/2023-01.xlsx … 2023-06.xlsx.

    python data/make_sample.py [--out DIR]        (default: the folder of this script)

The June 2023 workbook reproduces every figure of the seed letter (UBND huyện Tứ Kỳ,
July 2023) under the rules of docs/review.md; January–May give the history the
rules look back on (streaks, reminder counts, the April–June payment window).

Figures are chosen by construction: a few units are pinned to the seed's rates by small
integer searches, the rest are drawn from a fixed-seed random generator inside bands and
balanced so that the pooled rates hit the seed exactly. The script ends by reading the
workbooks it wrote back in, with its own parser and its own arithmetic (independent of
the `cchc` package), and fails loudly if any figure is off.

Deterministic: re-running gives byte-identical files (fixed seed, fixed zip timestamps).
The raw files are never edited by hand: change this script and re-run it (`make sample`).
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import math
import random
import re
import sys
import unicodedata
import zipfile
from fractions import Fraction
from pathlib import Path

import openpyxl
from openpyxl.styles import Alignment, Border, Font, Side
from openpyxl.utils import get_column_letter

SEED = 20230630
YEAR = 2023
MONTHS = [f"{YEAR}-{m:02d}" for m in range(1, 7)]
JUN, MAY = "2023-06", "2023-05"
FIXED_ZIP_TIME = (2023, 7, 3, 8, 0, 0)
FIXED_PROPS_TIME = dt.datetime(2023, 7, 3, 8, 0, 0)


class SampleError(Exception):
    pass


def nfc(s: str) -> str:
    return unicodedata.normalize("NFC", s)


# ----------------------------------------------------------------------------
# Registry: departments in the seed's order, then the 23 local units in the
# official order (docs/review.md). Registry order is the tie-break everywhere.
# ----------------------------------------------------------------------------

DEPARTMENTS = [
    ("TNMT", "Phòng Tài nguyên và Môi trường huyện",
     ["Phòng Tài nguyên và Môi trường", "Tài nguyên và Môi trường huyện", "Phòng TN&MT", "Phòng TNMT"]),
    ("TCKH", "Phòng Tài chính - Kế hoạch huyện",
     ["Tài chính - Kế hoạch huyện", "Phòng Tài chính - Kế hoạch", "Phòng TC-KH", "Phòng TCKH"]),
    ("TP", "Phòng Tư pháp huyện", ["Phòng Tư pháp", "Tư pháp huyện"]),
    ("LDTBXH", "Phòng Lao động - Thương binh và Xã hội huyện",
     ["Phòng Lao động - Thương binh và Xã hội", "Phòng LĐ-TB&XH", "Phòng LĐTBXH"]),
    ("KTHT", "Phòng Kinh tế và Hạ tầng huyện", ["Phòng Kinh tế và Hạ tầng", "Phòng KT&HT", "Phòng KTHT"]),
    ("NV", "Phòng Nội vụ huyện", ["Phòng Nội vụ", "Nội vụ huyện"]),
    ("VHTT", "Phòng Văn hoá và Thông tin huyện", ["Phòng Văn hoá và Thông tin", "Phòng VH&TT", "Phòng VHTT"]),
    ("GDDT", "Phòng Giáo dục và Đào tạo huyện", ["Phòng Giáo dục và Đào tạo", "Phòng GD&ĐT", "Phòng GDĐT"]),
    ("YT", "Phòng Y tế huyện", ["Phòng Y tế", "Y tế huyện"]),
    ("NNPTNT", "Phòng Nông nghiệp và Phát triển nông thôn huyện",
     ["Phòng Nông nghiệp và Phát triển nông thôn", "Phòng NN&PTNT", "Phòng NNPTNT"]),
]

LOCAL_NAMES = [
    ("Tứ Kỳ", "town", []),
    ("An Thanh", "commune", []),
    ("Bình Lãng", "commune", ["Bình Lăng"]),
    ("Chí Minh", "commune", []),
    ("Cộng Lạc", "commune", []),
    ("Dân Chủ", "commune", []),
    ("Đại Hợp", "commune", []),
    ("Đại Sơn", "commune", []),
    ("Hà Kỳ", "commune", []),
    ("Hà Thanh", "commune", []),
    ("Hưng Đạo", "commune", []),
    ("Minh Đức", "commune", []),
    ("Ngọc Kỳ", "commune", []),
    ("Nguyên Giáp", "commune", ["Nguyễn Giáp"]),
    ("Phượng Kỳ", "commune", ["Phụng Kỳ"]),
    ("Quang Khải", "commune", []),
    ("Quang Phục", "commune", []),
    ("Quang Trung", "commune", []),
    ("Quảng Nghiệp", "commune", []),
    ("Tái Sơn", "commune", []),
    ("Tân Kỳ", "commune", []),
    ("Tiên Động", "commune", []),
    ("Văn Tố", "commune", []),
]


def ascii_code(name: str) -> str:
    s = unicodedata.normalize("NFD", name.replace("Đ", "D").replace("đ", "d"))
    s = "".join(c for c in s if not unicodedata.combining(c))
    return re.sub(r"[^A-Za-z0-9]+", "_", s).strip("_").upper()


def build_registry() -> list[dict]:
    units = []
    for code, name, aliases in DEPARTMENTS:
        units.append({"code": code, "name": nfc(name), "kind": "department", "aliases": [nfc(a) for a in aliases]})
    for name, kind, aliases in LOCAL_NAMES:
        prefix = "TT" if kind == "town" else "XA"
        units.append({"code": f"{prefix}_{ascii_code(name)}", "name": nfc(name), "kind": kind,
                      "aliases": [nfc(a) for a in aliases]})
    return units


REGISTRY = build_registry()
BY_CODE = {u["code"]: u for u in REGISTRY}
DEPT_CODES = [u["code"] for u in REGISTRY if u["kind"] == "department"]
LOCAL_CODES = [u["code"] for u in REGISTRY if u["kind"] != "department"]
SEED_SIX = ["TNMT", "TCKH", "TP", "LDTBXH", "KTHT", "NV"]


def C(name: str) -> str:
    """Code of a local unit by its bare name."""
    for u in REGISTRY:
        if u["kind"] != "department" and u["name"] == nfc(name):
            return u["code"]
    raise KeyError(name)


# ----------------------------------------------------------------------------
# Exact rate arithmetic
# ----------------------------------------------------------------------------

MARGIN = Fraction(1, 10**5)  # keep every exact rate this far (in %) from a rounding boundary


def r2(k: int, n: int) -> float:
    """The displayed rate: 100·k/n rounded to 2 decimals."""
    return round(100 * k / n, 2)


def hits(k: int, n: int, target: float) -> bool:
    """100·k/n rounds to `target` (2 decimals), safely away from the rounding boundary."""
    if n <= 0 or k < 0 or k > n:
        return False
    x = Fraction(100 * k, n)
    t = Fraction(str(target))
    half = Fraction(1, 200)
    return t - half + MARGIN <= x <= t + half - MARGIN and r2(k, n) == target


def pin(target: float, n_pref: int, n_min: int = 1, n_max: int = 100000) -> tuple[int, int]:
    """The (n, k) closest to n_pref with 100·k/n displayed as `target`."""
    for d in range(0, 2000):
        for n in ((n_pref + d, n_pref - d) if d else (n_pref,)):
            if n < n_min or n > n_max:
                continue
            k0 = round(target * n / 100)
            for k in (k0 - 1, k0, k0 + 1):
                if hits(k, n, target):
                    return n, k
    raise SampleError(f"no n near {n_pref} gives {target}")


# ----------------------------------------------------------------------------
# The plan: the shape of the year
# ----------------------------------------------------------------------------

# Local average reception rate (pooled over the 23 local units), hit exactly each month.
LOCAL_AVG = {"2023-01": 92.47, "2023-02": 93.58, "2023-03": 94.36, "2023-04": 95.21, "2023-05": 96.38, "2023-06": 97.04}
# District (all units) reception and result rates: hit exactly where the seed gives them.
DISTRICT_REC = {"2023-05": 96.65, "2023-06": 97.31}
DISTRICT_RES = {"2023-05": 96.28, "2023-06": 98.67}
# Planned (approximate) local result rate in the months without a target.
LOCAL_RES_PLAN = {"2023-01": 91.6, "2023-02": 92.7, "2023-03": 93.9, "2023-04": 95.0, "2023-05": 96.0, "2023-06": 98.6}
SEASON = {"2023-01": 1.12, "2023-02": 0.78, "2023-03": 1.06, "2023-04": 0.96, "2023-05": 1.0, "2023-06": 1.0}

# Monthly volume of dossiers received (before seasonal factor and noise).
LOCAL_BASE = {
    "Tứ Kỳ": 300, "An Thanh": 150, "Bình Lãng": 120, "Chí Minh": 140, "Cộng Lạc": 135, "Dân Chủ": 110,
    "Đại Hợp": 125, "Đại Sơn": 350, "Hà Kỳ": 105, "Hà Thanh": 115, "Hưng Đạo": 195, "Minh Đức": 140,
    "Ngọc Kỳ": 170, "Nguyên Giáp": 130, "Phượng Kỳ": 145, "Quang Khải": 125, "Quang Phục": 145,
    "Quang Trung": 228, "Quảng Nghiệp": 150, "Tái Sơn": 120, "Tân Kỳ": 100, "Tiên Động": 130, "Văn Tố": 125,
}

# Below the local average (1) or not (0), January … June. A unit's streak is the run of
# 1s ending in a month; only Hưng Đạo reaches 5 (February–June). "Z": received nothing.
FLAGS = {
    "Tứ Kỳ":        "000000",
    "An Thanh":     "110000",
    "Bình Lãng":    "011001",
    "Chí Minh":     "000000",
    "Cộng Lạc":     "101101",
    "Dân Chủ":      "111011",
    "Đại Hợp":      "0Z1110",
    "Đại Sơn":      "100000",
    "Hà Kỳ":        "111101",
    "Hà Thanh":     "010110",
    "Hưng Đạo":     "011111",
    "Minh Đức":     "000111",
    "Ngọc Kỳ":      "000000",
    "Nguyên Giáp":  "100000",
    "Phượng Kỳ":    "000000",
    "Quang Khải":   "110110",
    "Quang Phục":   "000000",
    "Quang Trung":  "010000",
    "Quảng Nghiệp": "001000",
    "Tái Sơn":      "001101",
    "Tân Kỳ":       "Z11000",
    "Tiên Động":    "001111",
    "Văn Tố":       "100101",
}

# Hưng Đạo's slide, then June's partial recovery (the seed's 86,77% → 89,8%).
HUNG_DAO_PLAN = {"2023-01": None, "2023-02": 85.4, "2023-03": 84.9, "2023-04": 85.8}

# Departments: (received, resolved) volumes per month, Jan … May (June is the seed's).
DEPT_VOLUME = {
    "TNMT":   [(121, 117), (84, 90), (118, 112), (109, 111), (116, 114)],
    "TCKH":   [(92, 88), (61, 66), (87, 83), (80, 82), (86, 85)],
    "TP":     [(134, 131), (97, 99), (129, 130), (121, 118), (125, 127)],
    "LDTBXH": [(2, 2), (0, 1), (3, 2), (1, 2), (2, 2)],
    "KTHT":   [(14, 12), (9, 11), (13, 15), (10, 9), (12, 13)],
    "NV":     [(0, 0), (1, 1), (0, 1), (2, 1), (1, 1)],
    "VHTT":   [(5, 6), (3, 3), (7, 6), (6, 7), (6, 5)],
    "GDDT":   [(0, 0), (0, 0), (1, 1), (0, 0), (0, 0)],
    "YT":     [(3, 2), (1, 2), (2, 3), (0, 1), (2, 2)],
    "NNPTNT": [(0, 0), (2, 1), (1, 2), (1, 1), (1, 1)],
}
DEPT_RATE_PLAN = {"2023-01": 97.6, "2023-02": 98.2, "2023-03": 98.7, "2023-04": 99.1, "2023-05": 99.3}

# June, departments: the seed's six at 100 %, the other four short of it or idle.
DEPT_JUNE = {  # received, received_digitized, resolved, resolved_digitized
    "TNMT": (113, 113, 109, 109), "TCKH": (89, 89, 84, 84), "TP": (127, 127, 128, 128),
    "LDTBXH": (1, 1, 1, 1), "KTHT": (11, 11, 14, 14), "NV": (1, 1, 1, 1),
    "VHTT": (6, 6, 7, 6), "GDDT": (0, 0, 0, 0), "YT": (2, 2, 3, 2), "NNPTNT": (0, 0, 2, 1),
}

# June, local units pinned to the seed: (reception rate, result rate).
JUNE_PINNED = {
    "Ngọc Kỳ": (100.0, 100.0),
    "Phượng Kỳ": (99.3, 100.0),
    "Đại Sơn": (99.15, 99.72),
    "Quang Trung": (99.13, 99.53),
    "Hưng Đạo": (89.8, None),
}
MAY_PINNED = {"Hưng Đạo": 86.77}


# ----------------------------------------------------------------------------
# Digitisation: generation and balancing
# ----------------------------------------------------------------------------

class Row:
    """One unit's counts for one rate (reception or result) in one month."""

    def __init__(self, code, n, k=None, lo=None, hi=None, plan=None):
        self.code, self.n, self.k = code, n, k
        self.pinned = k is not None
        self.lo, self.hi, self.plan = lo, hi, plan

    def kmin(self):
        return self.k if self.pinned else max(0, math.ceil(Fraction(str(self.lo)) * self.n / 100))

    def kmax(self):
        return self.k if self.pinned else min(self.n, math.floor(Fraction(str(self.hi)) * self.n / 100))


def _near(center: int, span: int):
    yield center
    for d in range(1, span + 1):
        yield center + d
        yield center - d


def balance(local: list[Row], dept: list[Row], local_target, district_target, rng, what: str):
    """Choose free counts so that the pooled rates hit the targets exactly.

    Free local rows may change n (the total is searched near the plan) and k (within
    their band); department rows are fixed in n and may change k within their band.
    """
    free_l = [r for r in local if not r.pinned and r.n > 0]
    free_d = [r for r in dept if not r.pinned and r.n > 0]
    for r in local + dept:
        if not r.pinned and r.n == 0:
            r.k, r.pinned = 0, True
    pin_n = sum(r.n for r in local if r.pinned)
    pin_short = sum(r.n - r.k for r in local if r.pinned)
    L_plan = sum(r.n for r in local)
    free_plan_frac = (sum(r.n * (100 - r.plan) / 100 for r in free_l) / max(1, sum(r.n for r in free_l)))
    D_n = sum(r.n for r in dept)
    D_pin_short = sum(r.n - r.k for r in dept if r.pinned)
    D_min = D_pin_short + sum(r.n - r.kmax() for r in free_d)
    D_max = D_pin_short + sum(r.n - r.kmin() for r in free_d)
    D_plan = D_pin_short + round(sum(r.n * (100 - r.plan) / 100 for r in free_d))

    choice = None
    for L_n in _near(L_plan, 400):
        free_n = L_n - pin_n
        if free_n < len(free_l):
            continue
        s_plan = pin_short + free_plan_frac * free_n
        cands = sorted(range(max(0, int(s_plan * 0.6)), int(s_plan * 1.4) + 3), key=lambda s: (abs(s - s_plan), s))
        for S_L in cands:
            if local_target is not None and not hits(L_n - S_L, L_n, local_target):
                continue
            if district_target is None:
                S_D = D_plan
            else:
                S_D = next((s for s in sorted(range(D_min, D_max + 1), key=lambda s: (abs(s - D_plan), s))
                            if hits(L_n + D_n - S_L - s, L_n + D_n, district_target)), None)
                if S_D is None:
                    continue
            choice = (L_n, S_L, S_D)
            break
        if choice:
            break
    if choice is None:
        raise SampleError(f"{what}: no totals hit {local_target} / {district_target}")
    L_n, S_L, S_D = choice

    # Spread the change of the local total over the free units, one dossier at a time.
    diff = L_n - L_plan
    order = free_l[:]
    rng.shuffle(order)
    i = 0
    while diff:
        r = order[i % len(order)]
        step = 1 if diff > 0 else -1
        if r.n + step >= 20:
            r.n += step
            diff -= step
        i += 1
    _spread(free_l, S_L - pin_short, rng, what + " (local)")
    _spread(free_d, S_D - D_pin_short, rng, what + " (departments)")


def _spread(rows: list[Row], shortfall: int, rng, what: str):
    """Set k of free rows (start from the plan) so that Σ(n − k) == shortfall, within bands."""
    for r in rows:
        r.k = min(max(round(r.n * r.plan / 100), r.kmin()), r.kmax())
    diff = sum(r.n - r.k for r in rows) - shortfall  # > 0: too many missing: raise k
    order = rows[:]
    rng.shuffle(order)
    guard = 0
    while diff:
        moved = False
        for r in order:
            if diff > 0 and r.k < r.kmax():
                r.k += 1
                diff -= 1
                moved = True
            elif diff < 0 and r.k > r.kmin():
                r.k -= 1
                diff += 1
                moved = True
            if not diff:
                break
        guard += 1
        if not moved or guard > 10000:
            raise SampleError(f"{what}: cannot place a shortfall of {shortfall} within the bands")


def make_digitization(rng) -> dict[str, dict[str, list[int]]]:
    """{month: {code: [received, received_digitized, resolved, resolved_digitized]}}"""
    out = {}
    for mi, month in enumerate(MONTHS):
        avg = LOCAL_AVG[month]
        rec_local, res_local, rec_dept, res_dept = [], [], [], []
        for code in LOCAL_CODES:
            name = BY_CODE[code]["name"]
            flag = FLAGS[name][mi]
            if flag == "Z":
                rec_local.append(Row(code, 0, 0))
                res_local.append(Row(code, 0, 0))
                continue
            n = max(25, round(LOCAL_BASE[name] * SEASON[month] * rng.uniform(0.92, 1.08)))
            m = max(20, round(n * rng.uniform(0.9, 1.1)))
            # reception
            if month == JUN and name in JUNE_PINNED:
                n, k = pin(JUNE_PINNED[name][0], n)
                rec_local.append(Row(code, n, k))
            elif month == MAY and name in MAY_PINNED:
                n, k = pin(MAY_PINNED[name], n)
                rec_local.append(Row(code, n, k))
            elif name == "Hưng Đạo" and HUNG_DAO_PLAN.get(month):
                p = HUNG_DAO_PLAN[month]
                rec_local.append(Row(code, n, lo=p - 0.8, hi=p + 0.8, plan=p))
            elif flag == "1":
                depth = rng.uniform(1.5, 5.5)
                plan = avg - rng.uniform(1.0, depth)
                rec_local.append(Row(code, n, lo=avg - depth - 1.5, hi=avg - 0.5, plan=plan))
            else:
                hi = 98.9 if month == JUN else 100.0  # June: only the seed's four reach 99 %
                top = min(hi, avg + 5.5)
                plan = rng.uniform(avg + 0.9, top) if top > avg + 0.9 else (avg + 0.5 + hi) / 2
                rec_local.append(Row(code, n, lo=avg + 0.5, hi=hi, plan=plan))
            # result
            if month == JUN and name in JUNE_PINNED and JUNE_PINNED[name][1] is not None:
                m, mk = pin(JUNE_PINNED[name][1], m)
                res_local.append(Row(code, m, mk))
            else:
                base = LOCAL_RES_PLAN[month]
                plan = min(100.0, base + rng.uniform(-2.5, 2.5))
                res_local.append(Row(code, m, lo=max(0, plan - 4.0), hi=min(100.0, plan + 3.0), plan=plan))
        for code in DEPT_CODES:
            if month == JUN:
                n, k, m, mk = DEPT_JUNE[code]
                rec_dept.append(Row(code, n, k))
                res_dept.append(Row(code, m, mk))
                continue
            n, m = DEPT_VOLUME[code][mi]
            p = DEPT_RATE_PLAN[month]
            for rows, cnt in ((rec_dept, n), (res_dept, m)):
                if cnt <= 5:  # a handful of dossiers: all digitised, or one missed early in the year
                    k = cnt - 1 if (cnt >= 2 and mi < 2 and code in ("YT", "VHTT")) else cnt
                    rows.append(Row(code, cnt, k))
                else:
                    plan = min(100.0, p + rng.uniform(-1.0, 1.0))
                    rows.append(Row(code, cnt, lo=max(90.0, plan - 3.0), hi=100.0, plan=plan))
        balance(rec_local, rec_dept, avg, DISTRICT_REC.get(month), rng, f"{month} reception")
        balance(res_local, res_dept, None, DISTRICT_RES.get(month), rng, f"{month} result")
        table = {}
        for rows_rec, rows_res in ((rec_dept, res_dept), (rec_local, res_local)):
            for a, b in zip(rows_rec, rows_res):
                table[a.code] = [a.n, a.k, b.n, b.k]
        out[month] = {code: table[code] for code in DEPT_CODES + LOCAL_CODES}
    return out


# ----------------------------------------------------------------------------
# Payments (local units only; departments have no fee-payment rows)
# ----------------------------------------------------------------------------

PAY_BASE = {  # fee-payment transactions a month (certified copies make most of them)
    "Tứ Kỳ": 420, "An Thanh": 240, "Bình Lãng": 180, "Chí Minh": 250, "Cộng Lạc": 205, "Dân Chủ": 165,
    "Đại Hợp": 190, "Đại Sơn": 230, "Hà Kỳ": 190, "Hà Thanh": 175, "Hưng Đạo": 280, "Minh Đức": 215,
    "Ngọc Kỳ": 260, "Nguyên Giáp": 200, "Phượng Kỳ": 225, "Quang Khải": 190, "Quang Phục": 235,
    "Quang Trung": 310, "Quảng Nghiệp": 230, "Tái Sơn": 165, "Tân Kỳ": 150, "Tiên Động": 235, "Văn Tố": 160,
}
PAY_SEASON = {"2023-01": 1.15, "2023-02": 0.75, "2023-03": 1.05, "2023-04": 0.97, "2023-05": 1.0, "2023-06": 1.03}
# April–June pooled rate planned for each local unit (meets: best first).
PAY_WINDOW_PLAN = {
    "Chí Minh": 89.0, "Quang Phục": 82.0, "An Thanh": 74.5, "Quảng Nghiệp": 66.0, "Nguyên Giáp": 54.0,
    "Quang Trung": 46.0, "Bình Lãng": 40.0, "Ngọc Kỳ": 35.5, "Tứ Kỳ": 31.8,
    "Phượng Kỳ": 25.5, "Minh Đức": 21.0, "Đại Hợp": 16.5, "Dân Chủ": 11.5, "Hà Thanh": 7.5,
    "Hưng Đạo": 4.8, "Quang Khải": 3.4, "Tân Kỳ": 0.0,
}
# June rate ≥ 80 %: exactly these four (the seed's commendation).
PAY_JUNE_PINNED = {"Chí Minh": 95.44, "Quang Phục": 92.67, "An Thanh": 85.66, "Quảng Nghiệp": 80.71}
# Very low over the window, pinned exactly. Đại Sơn and Cộng Lạc both display 0,4 %,
# Đại Sơn strictly lower on the exact value (ordering is on exact values; Cộng Lạc comes
# first in the registry, so a tie would put it first).
PAY_WINDOW_PINNED = {"Hà Kỳ": 0.35, "Đại Sơn": 0.4, "Cộng Lạc": 0.4, "Tái Sơn": 1.22, "Văn Tố": 1.23,
                     "Tiên Động": 1.32}
PAY_EARLY_FACTOR = {"2023-01": 0.45, "2023-02": 0.6, "2023-03": 0.8}


def _window_total(target: float, pref: int, below=None, above=None) -> tuple[int, int]:
    """(total, online) over the window, total closest to pref, rate displayed as target;
    `below`/`above`: an exact rate the result must stay strictly under / over."""
    best = None
    for T in range(max(1, pref - 200), pref + 201):
        o0 = round(target * T / 100)
        for o in (o0 - 1, o0, o0 + 1):
            if o < 1 or not hits(o, T, target):
                continue
            if below is not None and not Fraction(o, T) < below:
                continue
            if above is not None and not Fraction(o, T) > above:
                continue
            if best is None or abs(T - pref) < abs(best[0] - pref):
                best = (T, o)
    if best is None:
        raise SampleError(f"no payment window total for {target}")
    return best


def make_payments(rng) -> dict[str, dict[str, list[int]]]:
    """{month: {local code: [payment_total, payment_online]}}"""
    out = {m: {} for m in MONTHS}
    cong_lac = None
    for code in LOCAL_CODES:
        name = BY_CODE[code]["name"]
        totals = {m: max(15, round(PAY_BASE[name] * PAY_SEASON[m] * rng.uniform(0.9, 1.1))) for m in MONTHS}
        online = {}
        if name in PAY_WINDOW_PINNED:
            target = PAY_WINDOW_PINNED[name]
            pref = sum(totals[m] for m in MONTHS[3:])
            if name == "Cộng Lạc":
                T, o = _window_total(target, pref, above=Fraction(4, 1000))
                cong_lac = Fraction(o, T)
            elif name == "Đại Sơn":  # after Cộng Lạc in the registry: strictly below it
                T, o = _window_total(target, pref, below=min(cong_lac, Fraction(4, 1000)))
            else:
                T, o = _window_total(target, pref)
            # rescale April–June to T, online dossiers in May and June
            scale = T / pref
            a = round(totals["2023-04"] * scale)
            b = round(totals["2023-05"] * scale)
            totals["2023-04"], totals["2023-05"], totals["2023-06"] = a, b, T - a - b
            online["2023-04"] = o // 4
            online["2023-06"] = o // 2
            online["2023-05"] = o - online["2023-04"] - online["2023-06"]
            for m in MONTHS[:3]:
                online[m] = 1 if (m == "2023-03" and name in ("Tiên Động", "Văn Tố", "Tái Sơn")) else 0
        else:
            w = PAY_WINDOW_PLAN[name]
            if name in PAY_JUNE_PINNED:
                t, o = pin(PAY_JUNE_PINNED[name], totals["2023-06"])
                totals["2023-06"], online["2023-06"] = t, o
                online["2023-04"] = round(totals["2023-04"] * (w - 8.0) / 100)
                online["2023-05"] = round(totals["2023-05"] * (w - 3.0) / 100)
            else:
                online["2023-04"] = round(totals["2023-04"] * w * 0.85 / 100)
                online["2023-05"] = round(totals["2023-05"] * w / 100)
                online["2023-06"] = round(totals["2023-06"] * min(w * 1.15, 79.0) / 100)
            for m in MONTHS[:3]:
                online[m] = round(totals[m] * w * PAY_EARLY_FACTOR[m] / 100)
            if name == "Quang Khải":
                online["2023-01"] = 0
        for m in MONTHS:
            out[m][code] = [totals[m], online[m]]
    return out


# ----------------------------------------------------------------------------
# Overdue dossiers and periodic reports
# ----------------------------------------------------------------------------

D = dt.date
AN_THANH_REASON = ("do lỗi phần mềm nên công chức Phòng Người có công thuộc Sở Lao động - "
                   "Thương binh và Xã hội tích chuyển chậm")
AN_THANH_BASIS = "Báo cáo số 107/BC-UBND ngày 13/7/2023 của UBND xã An Thanh"

# (month, dossier, unit code, field, procedure, deadline, returned or None, excused, reason, basis)
OVERDUE = [
    ("2023-01", "H23.21-230104-0017", "TNMT", "Đất đai",
     "Đăng ký biến động quyền sử dụng đất, quyền sở hữu tài sản gắn liền với đất",
     D(2023, 1, 12), D(2023, 1, 16), True,
     "Hệ thống thông tin đất đai của tỉnh gián đoạn từ ngày 10/01/2023 đến ngày 13/01/2023",
     "Công văn số 21/CNVPĐK ngày 17/01/2023 của Chi nhánh Văn phòng Đăng ký đất đai huyện Tứ Kỳ"),
    ("2023-01", "H23.21.06-230109-0004", C("Dân Chủ"), "Hộ tịch", "Thủ tục đăng ký khai sinh",
     D(2023, 1, 10), D(2023, 1, 12), False,
     "Công chức Tư pháp - Hộ tịch nghỉ ốm, không bàn giao hồ sơ cho người thay thế", ""),
    ("2023-02", "H23.21.12-230206-0009", C("Minh Đức"), "Bảo trợ xã hội",
     "Thủ tục thực hiện, điều chỉnh, thôi hưởng trợ cấp xã hội hằng tháng",
     D(2023, 2, 20), D(2023, 2, 23), True,
     "Chờ kết quả xác minh của UBND xã nơi người đề nghị cư trú trước đây",
     "Báo cáo số 12/BC-UBND ngày 06/3/2023 của UBND xã Minh Đức"),
    ("2023-03", "H23.21.10-230301-0003", C("Hà Thanh"), "Đất đai", "Thủ tục hoà giải tranh chấp đất đai",
     D(2023, 3, 24), None, False, "Chưa tổ chức hoà giải trong thời hạn quy định", ""),
    ("2023-04", "H23.21.07-230417-0011", C("Đại Hợp"), "Hộ tịch", "Thủ tục đăng ký kết hôn",
     D(2023, 4, 18), D(2023, 4, 19), True,
     "Lỗi kết nối Cơ sở dữ liệu hộ tịch điện tử dùng chung",
     "Báo cáo số 25/BC-UBND ngày 05/5/2023 của UBND xã Đại Hợp"),
    ("2023-05", "H23.21.10-230515-0006", C("Hà Thanh"), "Hộ tịch", "Thủ tục đăng ký khai tử",
     D(2023, 5, 16), D(2023, 5, 18), False, "Công chức tiếp nhận chuyển hồ sơ chậm", ""),
    ("2023-06", "H23.21.02-230602-0008", C("An Thanh"), "Người có công",
     "Thủ tục giải quyết chế độ trợ cấp thờ cúng liệt sĩ",
     D(2023, 6, 14), D(2023, 6, 19), True, AN_THANH_REASON, AN_THANH_BASIS),
    ("2023-06", "H23.21.20-230607-0005", C("Tái Sơn"), "Người có công",
     "Thủ tục giải quyết trợ cấp mai táng phí đối với người có công với cách mạng",
     D(2023, 6, 21), D(2023, 6, 26), False, "Công chức phụ trách chuyển hồ sơ lên cấp huyện chậm", ""),
]

REPORTS = {
    "2023-03": {"report": "Báo cáo CCHC định kỳ quý I năm 2023", "due": D(2023, 3, 15),
                "exceptions": {C("Quang Khải"): (D(2023, 3, 17), True)}},
    "2023-06": {"report": "Báo cáo cải cách hành chính định kỳ 6 tháng đầu năm 2023", "due": D(2023, 6, 15),
                "exceptions": {C("Tái Sơn"): (D(2023, 6, 20), False)}},
}


def make_reports(rng) -> dict[str, list[tuple]]:
    """{month: [(code, report, due, submitted, complete)]}: every unit, when a report is due."""
    out = {m: [] for m in MONTHS}
    for month, spec in REPORTS.items():
        for code in DEPT_CODES + LOCAL_CODES:
            if code in spec["exceptions"]:
                sub, complete = spec["exceptions"][code]
            else:
                sub, complete = spec["due"] - dt.timedelta(days=rng.randint(0, 7)), True
            out[month].append((code, spec["report"], spec["due"], sub, complete))
    return out


# ----------------------------------------------------------------------------
# Writing the workbooks, shaped like real exports
# ----------------------------------------------------------------------------

def unit_label(code: str, rng, sheet: str) -> str:
    """The unit cell as an export or a clerk would write it."""
    u = BY_CODE[code]
    x = rng.random()
    if u["kind"] == "department":
        plain = u["name"][: -len(" huyện")] if u["name"].endswith(" huyện") else u["name"]
        if code == "VHTT" and x < 0.6:
            return "Phòng Văn hóa và Thông tin"  # new-style tone placement
        if x < 0.55:
            return plain
        if x < 0.8:
            return u["name"]
        if x < 0.9 and u["aliases"]:
            return u["aliases"][-2] if len(u["aliases"]) >= 2 else u["aliases"][0]
        return unicodedata.normalize("NFD", plain)
    prefix = "thị trấn" if u["kind"] == "town" else "xã"
    name = u["name"]
    if u["aliases"] and sheet in ("ThanhToan", "BaoCao") and rng.random() < 0.35:
        name = u["aliases"][0]  # hand-compiled sheets use the older spellings
    if x < 0.55:
        return f"UBND {prefix} {name}"
    if x < 0.65:
        return f"{prefix.capitalize()} {name}"
    if x < 0.73:
        return f"UBND {prefix} {name}".upper()
    if x < 0.8:
        return f"Uỷ ban nhân dân {prefix} {name}"  # old tone placement
    if x < 0.9:
        return unicodedata.normalize("NFD", f"UBND {prefix} {name}")
    return f"UBND {prefix}  {name} "  # stray spaces


THIN = Side(style="thin")
BOX = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)


def _sheet(wb, title: str, titles: list[str], headers: list[str], widths: list[int]):
    ws = wb.create_sheet(title)
    last = get_column_letter(len(headers))
    for i, t in enumerate(titles, start=1):
        ws.cell(row=i, column=1, value=t).font = Font(bold=(i == 1), italic=(i > 1))
        ws.cell(row=i, column=1).alignment = Alignment(horizontal="center")
        ws.merge_cells(f"A{i}:{last}{i}")
    hr = len(titles) + 1
    for j, h in enumerate(headers, start=1):
        c = ws.cell(row=hr, column=j, value=h)
        c.font = Font(bold=True)
        c.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        c.border = BOX
        ws.column_dimensions[get_column_letter(j)].width = widths[j - 1]
    return ws, hr + 1


def _put(ws, row: int, values: list):
    for j, v in enumerate(values, start=1):
        c = ws.cell(row=row, column=j, value=v)
        c.border = BOX
        if isinstance(v, (dt.date, dt.datetime)):
            c.number_format = "DD/MM/YYYY"


def _date_cell(d, rng, p_text=0.4):
    if d is None:
        return None
    return d.strftime("%d/%m/%Y") if rng.random() < p_text else dt.datetime(d.year, d.month, d.day)


def write_workbook(path: Path, month: str, digi, pay, overdue, reports, rng):
    y, m = int(month[:4]), int(month[5:])
    nxt = D(y + (m == 12), m % 12 + 1, 3)
    mm = f"{m}/{y}"
    hoa = "hóa" if m % 2 else "hoá"  # the export's spelling changes with the software version
    wb = openpyxl.Workbook()
    wb.remove(wb.active)

    # SoHoa
    ws, r = _sheet(wb, "SoHoa", [
        f"TỔNG HỢP KẾT QUẢ SỐ HOÁ HỒ SƠ TTHC THÁNG {mm}",
        f"(Số liệu trích xuất từ Hệ thống thông tin giải quyết TTHC của tỉnh ngày {nxt:%d/%m/%Y})",
    ], ["STT", "Đơn vị", "Tiếp nhận", f"Số {hoa} đầy đủ khi tiếp nhận", "Giải quyết", f"Số {hoa} kết quả", "Ghi chú"],
        [6, 44, 12, 18, 12, 14, 30])
    sums = [0, 0, 0, 0]
    for i, code in enumerate(DEPT_CODES + LOCAL_CODES, start=1):
        v = digi[code]
        note = ""
        if v[0] == 0 and v[2] == 0:
            note = "Không phát sinh hồ sơ" if BY_CODE[code]["kind"] == "department" else "Chưa đồng bộ dữ liệu"
        _put(ws, r, [i, unit_label(code, rng, "SoHoa"), *v, note or None])
        sums = [a + b for a, b in zip(sums, v)]
        r += 1
    _put(ws, r, [None, "Tổng cộng", *sums, None])
    for j in range(1, 8):
        ws.cell(row=r, column=j).font = Font(bold=True)

    # QuaHan
    ws, r = _sheet(wb, "QuaHan", [f"DANH SÁCH HỒ SƠ TTHC QUÁ HẠN THÁNG {mm}"],
                   ["STT", "Mã hồ sơ", "Đơn vị", "Lĩnh vực", "Thủ tục", "Hạn xử lý", "Ngày trả kết quả",
                    "Miễn trừ", "Lý do", "Căn cứ", "Ghi chú"],
                   [6, 24, 30, 16, 40, 13, 13, 10, 50, 50, 14])
    yes = "x" if m % 2 else "Có"
    for i, (_, dossier, code, field, proc, due, ret, exc, reason, basis) in enumerate(overdue, start=1):
        _put(ws, r, [i, dossier, unit_label(code, rng, "QuaHan"), field, proc, _date_cell(due, rng),
                     _date_cell(ret, rng), yes if exc else None, reason, basis or None,
                     None if ret else "Đang xử lý"])
        r += 1

    # ThanhToan
    ws, r = _sheet(wb, "ThanhToan", [
        f"TỔNG HỢP KẾT QUẢ THANH TOÁN TRỰC TUYẾN THÁNG {mm}",
        "(Theo báo cáo của UBND các xã, thị trấn)",
    ], ["STT", "Đơn vị", "Tổng giao dịch", "Trực tuyến", "Tỷ lệ (%)", "Ghi chú"], [6, 34, 14, 12, 10, 30])
    tot = [0, 0]
    for i, code in enumerate(LOCAL_CODES, start=1):
        t, o = pay[code]
        note = "Chưa thực hiện thanh toán trực tuyến" if o == 0 else None
        _put(ws, r, [i, unit_label(code, rng, "ThanhToan"), t, o, round(100 * o / t, 2) if t else None, note])
        tot = [tot[0] + t, tot[1] + o]
        r += 1
    _put(ws, r, [None, "Tổng cộng", tot[0], tot[1], round(100 * tot[1] / tot[0], 2), None])
    for j in range(1, 7):
        ws.cell(row=r, column=j).font = Font(bold=True)

    # BaoCao
    ws, r = _sheet(wb, "BaoCao", [f"TÌNH HÌNH THỰC HIỆN CHẾ ĐỘ BÁO CÁO CCHC THÁNG {mm}"],
                   ["STT", "Đơn vị", "Báo cáo", "Hạn nộp", "Ngày nộp", "Đầy đủ", "Ghi chú"],
                   [6, 40, 44, 13, 13, 10, 24])
    for i, (code, report, due, sub, complete) in enumerate(reports, start=1):
        note = "Nộp muộn" if sub and sub > due else None
        _put(ws, r, [i, unit_label(code, rng, "BaoCao"), report, _date_cell(due, rng, 0.5),
                     _date_cell(sub, rng, 0.5), "Có" if complete else "Không", note])
        r += 1

    wb.properties.creator = "make_sample.py"
    wb.properties.created = FIXED_PROPS_TIME
    buf = io.BytesIO()
    wb.save(buf)
    path.write_bytes(_deterministic_zip(buf.getvalue()))


def _deterministic_zip(data: bytes) -> bytes:
    """Same bytes on every run: fixed entry timestamps and fixed document dates."""
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    stamp = FIXED_PROPS_TIME.strftime("%Y-%m-%dT%H:%M:%SZ")
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            body = src.read(info.filename)
            if info.filename == "docProps/core.xml":
                text = body.decode("utf-8")
                text = re.sub(r"(<dcterms:modified[^>]*>)[^<]*(</dcterms:modified>)", rf"\g<1>{stamp}\g<2>", text)
                text = re.sub(r"(<dcterms:created[^>]*>)[^<]*(</dcterms:created>)", rf"\g<1>{stamp}\g<2>", text)
                body = text.encode("utf-8")
            zi = zipfile.ZipInfo(info.filename, date_time=FIXED_ZIP_TIME)
            zi.compress_type = zipfile.ZIP_DEFLATED
            zi.external_attr = 0o644 << 16
            dst.writestr(zi, body)
    return out.getvalue()


# ----------------------------------------------------------------------------
# units.csv and config.yml
# ----------------------------------------------------------------------------

def units_csv() -> str:
    lines = ["code,name,kind,aliases"]
    for u in REGISTRY:
        cells = [u["code"], u["name"], u["kind"], ";".join(u["aliases"])]
        lines.append(",".join(f'"{c}"' if ("," in c or '"' in c) else c for c in cells))
    return "\n".join(lines) + "\n"


CONFIG_YML = """\
# Tứ Kỳ district, 2023: the issuing body and the letter's settings for the sample.
# Written by data/make_sample.py (`make sample`): change the script, not this file.

issuer: "UBND HUYỆN TỨ KỲ"          # issuing body, as printed in the header
# Extension: the header block as the seed prints it, one line each.
issuer_lines: ["ỦY BAN NHÂN DÂN", "HUYỆN TỨ KỲ"]
level: "huyện"                      # "Chủ tịch UBND huyện", "cơ quan chuyên môn thuộc UBND huyện"
place: "Tứ Kỳ"                      # place name of the date line
document_code: "UBND-NV"            # printed as "Số:      /UBND-NV"
proposer: "Văn phòng HĐND và UBND huyện"
signer: {title: "CHỦ TỊCH", name: "Vũ Thị Hà"}
recipients:                         # Kính gửi
  - "Thủ trưởng các cơ quan chuyên môn thuộc UBND huyện"
  - "Chủ tịch UBND các xã, thị trấn"
distribution:                       # Nơi nhận, after "Như trên"
  - "Ban Thường vụ Huyện uỷ"
  - "CT, các PCT.UBND huyện"
  - "Bí thư Đảng uỷ các xã, thị trấn"
  - "Các cơ quan, đơn vị có liên quan"
  - "Lưu: VT, NV"

# Extensions used by the letter's wording:
# who sets the online-payment target ("chỉ tiêu giao của UBND tỉnh")
superior: "UBND tỉnh"
# where overdue dossiers are recorded ("… hồ sơ quá hạn … trên Hệ thống thông tin giải quyết TTHC của tỉnh")
overdue_system: "Hệ thống thông tin giải quyết TTHC của tỉnh"
# where online payments are made ("thanh toán trực tuyến trên Cổng dịch vụ công quốc gia")
payment_portal: "Cổng dịch vụ công quốc gia"
# officers on duty at a local unit's one-stop desk, named in the criticism (rule 4)
one_stop_officers:
  - "công chức Văn phòng - Thống kê"
  - "công chức Văn hoá - Xã hội"
  - "công chức Tư pháp - Hộ tịch"
  - "công chức Địa chính - Xây dựng và Môi trường"
  - "công chức Chỉ huy trưởng BCH Quân sự"
# the officer told to start online payments where none were made (rule 6)
payment_officer: "công chức Tư pháp - Hộ tịch"

parameters: {}                      # defaults for the notebook parameters (none: the contract's defaults)
"""


# ----------------------------------------------------------------------------
# Self-check: read the workbooks back, recompute every seed figure
# ----------------------------------------------------------------------------

TONES = {"\u0300", "\u0301", "\u0303", "\u0309", "\u0323"}
PREFIXES = ["ubnd", "ủy ban nhân dân", "xã", "thị trấn", "phường"]


def canon(text: str) -> str:
    """Case-, spacing-, normal-form- and tone-placement-insensitive form (tone moved to word end)."""
    s = unicodedata.normalize("NFD", str(text)).casefold()
    words = []
    for w in s.split():
        tones = "".join(c for c in w if c in TONES)
        words.append("".join(c for c in w if c not in TONES) + tones)
    return " ".join(words)


CANON_PREFIXES = [canon(p) for p in PREFIXES]


def strip_prefix(c: str) -> str:
    changed = True
    while changed:
        changed = False
        for p in CANON_PREFIXES:
            if c.startswith(p + " "):
                c, changed = c[len(p) + 1:], True
    return c


def build_matcher(registry: list[dict]):
    table = {}
    for u in registry:
        for nm in [u["name"], *u["aliases"]]:
            key = strip_prefix(canon(nm))
            if table.get(key, u["code"]) != u["code"]:
                raise SampleError(f"ambiguous name {nm!r}")
            table[key] = u["code"]
    return lambda cell: table.get(strip_prefix(canon(cell)))


def read_back(data_dir: Path) -> dict:
    """Parse the written data directory with this script's own reader."""
    import csv
    with open(data_dir / "units.csv", encoding="utf-8", newline="") as f:
        registry = [{"code": r["code"], "name": r["name"], "kind": r["kind"],
                     "aliases": [a for a in r["aliases"].split(";") if a]} for r in csv.DictReader(f)]
    match = build_matcher(registry)
    totals_words = {canon(w) for w in ("Tổng", "Tổng cộng", "Cộng", "Toàn huyện")}

    def parse_date(v):
        if v is None or v == "":
            return None
        if isinstance(v, dt.datetime):
            return v.date()
        d_, m_, y_ = str(v).strip().split("/")
        return D(int(y_), int(m_), int(d_))

    def parse_bool(v):
        s = canon(v) if v is not None else ""
        if s in {canon(w) for w in ("Có", "x", "TRUE", "1", "yes")}:
            return True
        if s in {canon(w) for w in ("", "Không", "FALSE", "0", "no")}:
            return False
        raise SampleError(f"bad boolean {v!r}")

    out = {"registry": registry, "digi": {}, "pay": {}, "overdue": {}, "reports": {}}
    for month in MONTHS:
        wb = openpyxl.load_workbook(data_dir / "raw" / f"{month}.xlsx")
        if wb.sheetnames != ["SoHoa", "QuaHan", "ThanhToan", "BaoCao"]:
            raise SampleError(f"{month}: sheets {wb.sheetnames}")
        parsed = {}
        for sheet in wb.sheetnames:
            rows = list(wb[sheet].iter_rows(values_only=True))
            hr = next(i for i, row in enumerate(rows) if any(canon(c or "") == canon("Đơn vị") for c in row))
            heads = [canon(h) if h else "" for h in rows[hr]]
            recs, total = [], None
            for row in rows[hr + 1:]:
                if all(c is None or str(c).strip() == "" for c in row):
                    continue
                rec = {h: v for h, v in zip(heads, row) if h}
                unit = rec[canon("Đơn vị")]
                if canon(unit) in totals_words:
                    total = rec
                    continue
                code = match(unit)
                if code is None:
                    raise SampleError(f"{month} {sheet}: unknown unit {unit!r}")
                rec["code"] = code
                recs.append(rec)
            parsed[sheet] = (recs, total)

        def col(rec, name):
            key = canon(name)
            return rec[key]

        recs, total = parsed["SoHoa"]
        digi = {}
        for rec in recs:
            if rec["code"] in digi:
                raise SampleError(f"{month}: duplicate {rec['code']}")
            digi[rec["code"]] = [col(rec, "Tiếp nhận"), col(rec, "Số hoá đầy đủ khi tiếp nhận"),
                                 col(rec, "Giải quyết"), col(rec, "Số hoá kết quả")]
        sums = [sum(v[i] for v in digi.values()) for i in range(4)]
        if total is None or sums != [col(total, h) for h in ("Tiếp nhận", "Số hoá đầy đủ khi tiếp nhận",
                                                              "Giải quyết", "Số hoá kết quả")]:
            raise SampleError(f"{month}: SoHoa totals row disagrees")
        out["digi"][month] = digi

        recs, total = parsed["ThanhToan"]
        pay = {rec["code"]: [col(rec, "Tổng giao dịch"), col(rec, "Trực tuyến")] for rec in recs}
        if [col(total, "Tổng giao dịch"), col(total, "Trực tuyến")] != [sum(v[0] for v in pay.values()),
                                                                        sum(v[1] for v in pay.values())]:
            raise SampleError(f"{month}: ThanhToan totals row disagrees")
        out["pay"][month] = pay

        out["overdue"][month] = [{
            "dossier": col(rec, "Mã hồ sơ"), "code": rec["code"], "field": col(rec, "Lĩnh vực"),
            "deadline": parse_date(col(rec, "Hạn xử lý")), "returned": parse_date(col(rec, "Ngày trả kết quả")),
            "excused": parse_bool(col(rec, "Miễn trừ")), "reason": col(rec, "Lý do") or "",
            "basis": col(rec, "Căn cứ") or ""} for rec in parsed["QuaHan"][0]]
        out["reports"][month] = [{
            "code": rec["code"], "report": col(rec, "Báo cáo"), "due": parse_date(col(rec, "Hạn nộp")),
            "submitted": parse_date(col(rec, "Ngày nộp")), "complete": parse_bool(col(rec, "Đầy đủ"))}
            for rec in parsed["BaoCao"][0]]
    return out


def self_check(data_dir: Path) -> list[str]:
    """Recompute every seed figure from the written files; return the failures (empty = all good)."""
    got = read_back(data_dir)
    reg = got["registry"]
    name = {u["code"]: u["name"] for u in reg}
    order = {u["code"]: i for i, u in enumerate(reg)}
    code_of = {u["name"]: u["code"] for u in reg}
    locals_ = [u["code"] for u in reg if u["kind"] != "department"]
    depts = [u["code"] for u in reg if u["kind"] == "department"]
    fails: list[str] = []

    def check(cond, msg):
        if not cond:
            fails.append(msg)

    def pooled(month, codes, i):
        d = got["digi"][month]
        num = sum(d.get(c, [0, 0, 0, 0])[i + 1] for c in codes)
        den = sum(d.get(c, [0, 0, 0, 0])[i] for c in codes)
        return r2(num, den)

    def urate(month, code, i):  # i = 0 reception, 2 result
        v = got["digi"][month].get(code, [0, 0, 0, 0])
        return r2(v[i + 1], v[i]) if v[i] else None

    all_codes = depts + locals_
    # counts sane
    for month in MONTHS:
        d = got["digi"][month]
        check(set(d) == set(all_codes), f"{month}: SoHoa does not list every unit once")
        for c, v in d.items():
            check(all(isinstance(x, int) and x >= 0 for x in v) and v[1] <= v[0] and v[3] <= v[2],
                  f"{month} {c}: bad counts {v}")
        for c, (t, o) in got["pay"][month].items():
            check(c in locals_ and 0 <= o <= t, f"{month} {c}: bad payment {t}/{o}")

    # district and local average
    check(pooled(JUN, all_codes, 0) == 97.31, f"district reception June {pooled(JUN, all_codes, 0)}")
    check(pooled(MAY, all_codes, 0) == 96.65, f"district reception May {pooled(MAY, all_codes, 0)}")
    check(pooled(JUN, all_codes, 2) == 98.67, f"district result June {pooled(JUN, all_codes, 2)}")
    check(pooled(MAY, all_codes, 2) == 96.28, f"district result May {pooled(MAY, all_codes, 2)}")
    check(round(pooled(JUN, all_codes, 0) - pooled(MAY, all_codes, 0), 2) == 0.66, "reception change")
    check(round(pooled(JUN, all_codes, 2) - pooled(MAY, all_codes, 2), 2) == 2.39, "result change")
    avg = {m: pooled(m, locals_, 0) for m in MONTHS}
    check(avg[JUN] == 97.04, f"local average June {avg[JUN]}")

    # rule 1: departments at 100 % on every defined rate
    seed_depts = {"TNMT": [113, 113, 109, 109], "TCKH": [89, 89, 84, 84], "TP": [127, 127, 128, 128],
                  "LDTBXH": [1, 1, 1, 1], "KTHT": [11, 11, 14, 14], "NV": [1, 1, 1, 1]}
    for c, v in seed_depts.items():
        check(got["digi"][JUN][c] == v, f"June {c}: {got['digi'][JUN][c]} != {v}")
    commended = []
    for c in depts:
        rates = [x for x in (urate(JUN, c, 0), urate(JUN, c, 2)) if x is not None]
        if rates and all(x == 100.0 for x in rates):
            commended.append(c)
    check(commended == SEED_SIX, f"commended departments {commended}")

    # rule 2: local units with every defined rate >= 99
    high = []
    for c in locals_:
        rates = [urate(JUN, c, 0), urate(JUN, c, 2)]
        defined = [x for x in rates if x is not None]
        if defined and all(x >= 99 for x in defined):
            v = got["digi"][JUN][c]
            high.append((-(Fraction(v[1], v[0]) if v[0] else -1), -(Fraction(v[3], v[2]) if v[2] else -1),
                         order[c], c))
    high = [h[-1] for h in sorted(high)]
    want = [code_of[n] for n in ("Ngọc Kỳ", "Phượng Kỳ", "Đại Sơn", "Quang Trung")]
    check(high == want, f"high digitisation {high}")
    for n, (a, b) in {"Ngọc Kỳ": (100.0, 100.0), "Phượng Kỳ": (99.3, 100.0), "Đại Sơn": (99.15, 99.72),
                      "Quang Trung": (99.13, 99.53)}.items():
        check((urate(JUN, code_of[n], 0), urate(JUN, code_of[n], 2)) == (a, b), f"{n} June rates")

    # rule 4: streaks below the local average
    def streak(code, upto):
        s = 0
        for m in MONTHS[: MONTHS.index(upto) + 1]:
            rr = urate(m, code, 0)
            s = s + 1 if (rr is not None and rr < avg[m]) else 0
        return s

    hd = code_of["Hưng Đạo"]
    check(urate(JUN, hd, 0) == 89.8 and urate(MAY, hd, 0) == 86.77, "Hưng Đạo rates")
    check(round(urate(JUN, hd, 0) - urate(MAY, hd, 0), 2) == 3.03, "Hưng Đạo change")
    check(round(avg[JUN] - urate(JUN, hd, 0), 2) == 7.24, "Hưng Đạo gap")
    check(streak(hd, JUN) == 5 and streak(hd, "2023-01") == 0, f"Hưng Đạo streak {streak(hd, JUN)}")
    for c in locals_:
        if c != hd:
            for m in MONTHS:
                check(streak(c, m) < 5, f"{name[c]} streak {streak(c, m)} in {m}")

    # rule 5: reminders
    def problems(month, code):
        od = any(o["code"] == code and not o["excused"] for o in got["overdue"][month])
        rp = any(r["code"] == code and (r["submitted"] is None or r["submitted"] > r["due"] or not r["complete"])
                 for r in got["reports"][month])
        return od or rp

    reminded = {m: [c for c in all_codes if problems(m, c)] for m in MONTHS}
    ts = code_of["Tái Sơn"]
    check(reminded[JUN] == [ts], f"June reminders {reminded[JUN]}")
    check(not any(ts in reminded[m] for m in MONTHS[:5]), "Tái Sơn reminded before June")
    ht = code_of["Hà Thanh"]
    check(sum(ht in reminded[m] for m in MONTHS[:5]) == 2, "Hà Thanh: two reminders by May")
    od = got["overdue"][JUN]
    check(len(od) == 2 and all(o["field"] == "Người có công" for o in od), "June overdue dossiers")
    check([(o["code"], o["excused"]) for o in od] == [(code_of["An Thanh"], True), (ts, False)], "June overdue units")
    check(od[0]["reason"] == AN_THANH_REASON and od[0]["basis"] == AN_THANH_BASIS, "An Thanh excuse")
    rj = got["reports"][JUN]
    check(sorted(r["code"] for r in rj) == sorted(all_codes), "six-month report due from every unit")
    bad = [r for r in rj if r["submitted"] > r["due"] or not r["complete"]]
    check([(r["code"], r["submitted"], r["complete"]) for r in bad] == [(ts, D(2023, 6, 20), False)], "Tái Sơn report")

    # rule 3: June payment >= 80
    pj = got["pay"][JUN]
    prate = {c: Fraction(o, t) for c, (t, o) in pj.items() if t}
    top = sorted((c for c in prate if r2(pj[c][1], pj[c][0]) >= 80), key=lambda c: (-prate[c], order[c]))
    check([(name[c], r2(pj[c][1], pj[c][0])) for c in top] ==
          [("Chí Minh", 95.44), ("Quang Phục", 92.67), ("An Thanh", 85.66), ("Quảng Nghiệp", 80.71)],
          f"June payment commendation {[(name[c], r2(pj[c][1], pj[c][0])) for c in top]}")

    # rule 6: April–June window
    win = {}
    for c in locals_:
        t = sum(got["pay"][m].get(c, [0, 0])[0] for m in MONTHS[3:])
        o = sum(got["pay"][m].get(c, [0, 0])[1] for m in MONTHS[3:])
        if t:
            win[c] = (t, o)
    wr = {c: Fraction(o, t) for c, (t, o) in win.items()}
    disp = {c: r2(o, t) for c, (t, o) in win.items()}
    meets = sorted((c for c in win if disp[c] >= 30), key=lambda c: (-wr[c], order[c]))
    below = [c for c in win if disp[c] < 30 and win[c][1] > 0]
    very = sorted((c for c in below if disp[c] < 2), key=lambda c: (wr[c], order[c]))
    notimpl = [c for c in win if win[c][1] == 0]
    check([name[c] for c in meets] == ["Chí Minh", "Quang Phục", "An Thanh", "Quảng Nghiệp", "Nguyên Giáp",
                                       "Quang Trung", "Bình Lãng", "Ngọc Kỳ", "Tứ Kỳ"], f"meets {meets}")
    check(len(below) == 13, f"below {len(below)}")
    check([(name[c], disp[c]) for c in very] == [("Hà Kỳ", 0.35), ("Đại Sơn", 0.4), ("Cộng Lạc", 0.4),
                                                 ("Tái Sơn", 1.22), ("Văn Tố", 1.23), ("Tiên Động", 1.32)],
          f"very low {[(name[c], disp[c]) for c in very]}")
    check([name[c] for c in notimpl] == ["Tân Kỳ"], f"not implemented {notimpl}")
    check(len(win) == 23, "every local unit had payments in the window")
    return fails


# ----------------------------------------------------------------------------

def build(out: Path) -> None:
    rng = random.Random(SEED)
    digi = make_digitization(random.Random(rng.randrange(2**32)))
    pay = make_payments(random.Random(rng.randrange(2**32)))
    reports = make_reports(random.Random(rng.randrange(2**32)))
    label_rng = random.Random(rng.randrange(2**32))
    (out / "raw").mkdir(parents=True, exist_ok=True)
    (out / "units.csv").write_text(units_csv(), encoding="utf-8", newline="\n")
    (out / "config.yml").write_text(CONFIG_YML, encoding="utf-8", newline="\n")
    for month in MONTHS:
        write_workbook(out / "raw" / f"{month}.xlsx", month, digi[month], pay[month],
                       [o for o in OVERDUE if o[0] == month], reports[month], label_rng)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=Path(__file__).resolve().parent,
                    help="data directory to write (default: the folder of this script)")
    args = ap.parse_args(argv)
    try:
        build(args.out)
        fails = self_check(args.out)
    except SampleError as e:
        print(f"make_sample: FAILED: {e}", file=sys.stderr)
        return 1
    if fails:
        print("make_sample: SELF-CHECK FAILED:", file=sys.stderr)
        for f in fails:
            print("  - " + f, file=sys.stderr)
        return 1
    print(f"make_sample: wrote {args.out}/units.csv, config.yml, raw/{MONTHS[0]}.xlsx … {MONTHS[-1]}.xlsx; "
          "self-check passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
