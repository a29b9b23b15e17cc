#!/usr/bin/env python
"""The benchmark of dossier records: reading and counting a month, a report of a big month, a national month.

    .venv/bin/python bench/hoso.py [--runs 3] [--only read,report,national] [--national-records 10000000]

Cases (each run is a separate process, timed from start to exit with
time.perf_counter; peak memory from os.wait4's rusage, as bench/run.py does):

  read      cchc.dossiers.read_records on a province month of 500,000 records
            (bench/make_hoso.py: 20 departments + 168 local units), once per file
            form (parquet, csv, xlsx), the parsed-month cache off. Also printed:
            the seconds inside the process (reading, checking and counting,
            without the interpreter's start and the imports).
            Targets: ≤ 1 s Parquet, ≤ 3 s CSV, ≤ 20 s xlsx, ≤ 1.5 GB.
  report    python -m cchc report on the 500,000-record month against the same
            registry with 5,000 records (Parquet), the cache warm as after any
            earlier run (one untimed run each first). Target: ratio ≤ 1.5.
  national  read_records on a national month: 3,321 local units, 10,000,000
            records, Parquet and CSV, cache off. Target ≤ 30 s, ≤ 4 GB.

Generated data goes to bench/results/hoso-* (git-ignored), made once and
reused (a stamp file names the generator's arguments). Writes
bench/results/hoso.json and prints a table.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results"
PY = sys.executable
MONTH = "2025-10"
sys.path.insert(0, str(ROOT / "bench"))
from run import timed  # noqa: E402 - the same process timing as the main benchmark

READ_SNIPPET = """
import sys, time
from pathlib import Path
t0 = time.perf_counter()
from cchc.registry import load_registry
from cchc.dossiers import read_records
d, form, month = Path(sys.argv[1]), sys.argv[2], sys.argv[3]
reg, _ = load_registry(d)
t = time.perf_counter()
rec, problems = read_records(d / "raw" / "hoso" / f"{month}.{form}", f"raw/hoso/{month}.{form}", month, reg)
inside = time.perf_counter() - t
assert rec is not None, [str(p) for p in problems[:5]]
print(f"INSIDE {inside:.3f} RECORDS {rec.records} OVERDUE {len(rec.overdue)} IMPORTS {t - t0:.3f}")
"""


def data(name: str, scale: str, records: int, forms: str) -> Path:
    out = RESULTS / f"hoso-{name}"
    stamp = f"{scale} {records} {forms} {(ROOT / 'bench' / 'make_hoso.py').stat().st_size}"
    stamp_file = out / ".bench-stamp"
    if stamp_file.is_file() and stamp_file.read_text() == stamp:
        return out
    shutil.rmtree(out, ignore_errors=True)
    print(f"… generating {out.relative_to(ROOT)} ({scale}, {records:,} records, {forms})", flush=True)
    subprocess.run([PY, str(ROOT / "bench" / "make_hoso.py"), str(out), "--scale", scale, "--records", str(records),
                    "--month", MONTH, "--forms", forms], check=True)
    stamp_file.write_text(stamp)
    return out


def read_case(folder: Path, form: str) -> dict:
    env = {**os.environ, "CCHC_CACHE_DIR": "off", "PYTHONPATH": str(ROOT / "lib")}
    cmd = [PY, "-c", READ_SNIPPET, str(folder / form), form, MONTH]
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True, cwd=ROOT)
    if proc.returncode:
        raise SystemExit(proc.stderr[-2000:])
    r = timed(cmd, env=env)
    words = proc.stdout.split()
    r["inside"] = float(words[1])
    return r


def median(runs: list[dict], key: str) -> float:
    return statistics.median(r[key] for r in runs)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--only", default="read,report,national")
    ap.add_argument("--national-records", type=int, default=10_000_000)
    args = ap.parse_args(argv)
    only = set(args.only.split(","))
    RESULTS.mkdir(parents=True, exist_ok=True)
    results: dict = {}

    if "read" in only or "report" in only:
        province = data("province", "province", 500_000, "parquet,csv,xlsx")
    if "read" in only:
        for form in ("parquet", "csv", "xlsx"):
            runs = [read_case(province, form) for _ in range(args.runs)]
            results[f"read {form}"] = {"median_s": median(runs, "seconds"), "inside_s": median(runs, "inside"),
                                       "peak_mb": max(r["maxrss_mb"] for r in runs), "runs": runs}
            print(f"read {form:8s} {results[f'read {form}']['median_s']:7.2f} s  (inside {median(runs, 'inside'):.2f} s)"
                  f"  peak {results[f'read {form}']['peak_mb']:.0f} MB", flush=True)

    if "report" in only:
        small = data("province-small", "province", 5_000, "parquet")
        env = {**os.environ, "PYTHONPATH": str(ROOT / "lib"), "CCHC_CACHE_DIR": str(RESULTS / "hoso-cache")}
        cases = {"small": small / "parquet", "big": province / "parquet"}
        out = RESULTS / "hoso-out"
        runs: dict[str, list] = {k: [] for k in cases}
        for k, folder in cases.items():  # warm-up: fills the parsed-month cache
            timed([PY, "-m", "cchc", "report", "--month", MONTH, "--data-dir", str(folder), "--output-dir",
                   str(out / k)], env=env)
        for _ in range(args.runs):
            for k, folder in cases.items():
                runs[k].append(timed([PY, "-m", "cchc", "report", "--month", MONTH, "--data-dir", str(folder),
                                      "--output-dir", str(out / k)], env=env))
        for k in cases:
            results[f"report {k}"] = {"median_s": median(runs[k], "seconds"), "peak_mb": max(r["maxrss_mb"] for r in runs[k]),
                                      "runs": runs[k]}
        ratio = results["report big"]["median_s"] / results["report small"]["median_s"]
        results["report ratio"] = ratio
        sizes = {k: {p.name: p.stat().st_size for p in (out / k / MONTH).iterdir() if p.is_file()} for k in cases}
        results["report sizes"] = sizes
        print(f"report small {results['report small']['median_s']:.2f} s, big {results['report big']['median_s']:.2f} s,"
              f" ratio {ratio:.2f}", flush=True)

    if "national" in only:
        national = data("national", "national", args.national_records, "parquet,csv")
        for form in ("parquet", "csv"):
            runs = [read_case(national, form) for _ in range(max(1, min(args.runs, 2)))]
            results[f"national {form}"] = {"median_s": median(runs, "seconds"), "inside_s": median(runs, "inside"),
                                           "peak_mb": max(r["maxrss_mb"] for r in runs), "runs": runs}
            print(f"national {form:8s} {results[f'national {form}']['median_s']:7.2f} s  "
                  f"(inside {median(runs, 'inside'):.2f} s)  peak {results[f'national {form}']['peak_mb']:.0f} MB",
                  flush=True)

    (RESULTS / "hoso.json").write_text(json.dumps(results, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
