#!/usr/bin/env python
"""The benchmark: whole processes, timed, as ratios against their floor (`make bench`).

    .venv/bin/python bench/run.py [--runs 3] [--batch-runs 1] [--only floor,sample,province,batch]
                                  [--batch-data small|province] [--jobs 2]

Cases (each a separate process started with subprocess, timed with
time.perf_counter, peak memory from os.wait4's rusage: the largest resident
set of the process and of the children it waited for, i.e. the notebook kernel):

  floor     bench/floor.py: papermill runs an EMPTY notebook (same kernel) and
            nbconvert exports it to HTML, in one process. What any papermill
            report costs on this machine.
  sample    python -m cchc report --month 2023-06 (data/, Tứ Kỳ: 33 units, 6 months)
  province  python -m cchc report --month 2025-12 on bench/make_province.py data
            (20 departments, 150 local units, 24 months)
  batch     python -m cchc batch, 12 months, -j JOBS against -j 1 (the same
            months one after another). Data: --batch-data small (default: a
            district-sized synthetic set, 10 departments + 23 local units,
            12 months) or province (months 13-24 of the province data).

Report and floor runs are interleaved (floor, sample, province, floor, …) so
that the noise of a shared machine falls on all of them alike; each case gets
one untimed warm-up run first. Medians are reported, with min and max.
Ratios and targets:

  sample / floor          ≤ 1.5
  province / sample       ≤ 2.0
  batch -jJOBS / -j1      ≤ 0.65

Runs are "warm": the warm-up leaves the parsed-month cache of cchc.cache
filled, as after any earlier run on the same data. --cold-cache gives every
timed run an empty cache instead (the first run ever on that data).

Writes bench/results/latest.json (git-ignored) and prints a table. Pure
Python standard library: works on a fresh machine after `make setup`.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
RESULTS = BENCH / "results"
PY = sys.executable

SAMPLE_MONTH = "2023-06"
PROVINCE = {"months": 24, "start": "2024-01", "departments": 20, "locals_": 150}
PROVINCE_MONTH = "2025-12"
SMALL = {"months": 12, "start": "2025-01", "departments": 10, "locals_": 23}
BATCH_RANGE = ("2025-01", "2025-12")
TARGETS = {"sample/floor": 1.5, "province/sample": 2.0, "batch/serial": 0.65}


# --------------------------------------------------------------------------- machine


def machine() -> dict:
    cpu = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        cpu = platform.processor()
    versions = {}
    for pkg in ("papermill", "nbconvert", "ipykernel", "matplotlib", "pandas", "weasyprint", "openpyxl"):
        try:
            from importlib.metadata import version

            versions[pkg] = version(pkg)
        except Exception:  # noqa: BLE001 - a missing package is just not listed
            pass
    return {
        "nproc": os.cpu_count(),
        "cpu": cpu,
        "python": platform.python_version(),
        "platform": platform.platform(),
        "packages": versions,
    }


def loadavg() -> list[float] | None:
    try:
        return [round(x, 2) for x in os.getloadavg()]
    except OSError:
        return None


# --------------------------------------------------------------------------- data


def _province_module():
    import importlib.util

    spec = importlib.util.spec_from_file_location("bench_make_province", BENCH / "make_province.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def ensure_data(name: str, args: dict) -> Path:
    """bench/results/data-<name>/, (re)made when the generator or its arguments changed."""
    out = RESULTS / f"data-{name}"
    stamp = hashlib.sha256((BENCH / "make_province.py").read_bytes() + repr(sorted(args.items())).encode()).hexdigest()
    stamp_file = out / ".bench-stamp"
    if stamp_file.is_file() and stamp_file.read_text() == stamp:
        return out
    shutil.rmtree(out, ignore_errors=True)
    print(f"… generating {out.relative_to(ROOT)} ({args})", flush=True)
    _province_module().make_province(out, **args)
    stamp_file.write_text(stamp)
    return out


# --------------------------------------------------------------------------- timing


def timed(cmd: list[str], env: dict | None = None) -> dict:
    """Run one process to the end: wall seconds, peak RSS (MB) of it and its waited-for children."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    # communicate() reads the pipes; wait4 then reaps the process and gives its rusage
    out, err = _drain(proc)
    _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        said = out.decode("utf-8", "replace").splitlines()[-25:] + [
            ln for ln in err.decode("utf-8", "replace").splitlines() if "%|" not in ln][-15:]
        raise SystemExit(f"FAILED ({proc.returncode}): {' '.join(cmd)}\n" + "\n".join(said))
    return {"seconds": seconds, "cpu_seconds": usage.ru_utime + usage.ru_stime, "maxrss_mb": usage.ru_maxrss / 1024}


def _drain(proc: subprocess.Popen) -> tuple[bytes, bytes]:
    """Read stdout and stderr to their ends without waiting for (reaping) the process."""
    import threading

    chunks = {"out": [], "err": []}

    def pump(stream, key):
        for block in iter(lambda: stream.read(65536), b""):
            chunks[key].append(block)
        stream.close()

    threads = [threading.Thread(target=pump, args=(proc.stdout, "out")),
               threading.Thread(target=pump, args=(proc.stderr, "err"))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return b"".join(chunks["out"]), b"".join(chunks["err"])


def summarize(samples: list[dict]) -> dict:
    secs = [s["seconds"] for s in samples]
    return {
        "runs": len(secs),
        "median_s": round(statistics.median(secs), 3),
        "min_s": round(min(secs), 3),
        "max_s": round(max(secs), 3),
        "all_s": [round(x, 3) for x in secs],
        # user + system time of the process and its waited-for children (the kernel):
        # less sensitive than wall time to other load on a shared machine
        "median_cpu_s": round(statistics.median(s["cpu_seconds"] for s in samples), 3),
        "peak_rss_mb": round(max(s["maxrss_mb"] for s in samples), 1),
    }


# --------------------------------------------------------------------------- cases


def case_commands(work: Path, province: Path | None, batch_data: Path | None, jobs: int) -> dict:
    def fresh(name: str) -> str:
        d = Path(tempfile.mkdtemp(prefix=f"{name}-", dir=work))
        return str(d)

    cmds = {
        "floor": lambda: [PY, str(BENCH / "floor.py"), fresh("floor")],
        "sample": lambda: [PY, "-m", "cchc", "report", "--month", SAMPLE_MONTH,
                           "--data-dir", str(ROOT / "data"), "--output-dir", fresh("sample")],
    }
    if province is not None:
        cmds["province"] = lambda: [PY, "-m", "cchc", "report", "--month", PROVINCE_MONTH,
                                    "--data-dir", str(province), "--output-dir", fresh("province")]
    if batch_data is not None:
        for name, j in (("batch_serial", 1), ("batch_parallel", jobs)):
            cmds[name] = (lambda j=j, name=name: [PY, "-m", "cchc", "batch", "--from", BATCH_RANGE[0], "--to",
                                                  BATCH_RANGE[1], "--data-dir", str(batch_data),
                                                  "--output-dir", fresh(name), "-j", str(j)])
    return cmds


def run_cases(names: list[str], cmds: dict, runs: int, label: str, cold: Path | None = None,
              extra_env: dict | None = None) -> dict[str, list[dict]]:
    """Warm-up once, then `runs` interleaved timed runs of each case.

    cold: a folder under which each timed run gets an empty parsed-month
    cache (CCHC_CACHE_DIR), i.e. the first run on this data ever.
    """
    samples: dict[str, list[dict]] = {n: [] for n in names}
    base_env = {**os.environ, **extra_env} if extra_env else None
    for n in names:  # warm-up: caches, .pyc, fontconfig; not timed
        print(f"  warm-up {n} …", flush=True)
        timed(cmds[n](), env=base_env)
    for r in range(runs):
        for n in names:
            env = base_env
            if cold is not None:
                env = {**(base_env or os.environ), "CCHC_CACHE_DIR": tempfile.mkdtemp(prefix="cache-", dir=cold)}
            s = timed(cmds[n](), env=env)
            samples[n].append(s)
            print(f"  {label} run {r + 1}/{runs}  {n:15s} {s['seconds']:7.2f} s  cpu {s['cpu_seconds']:6.2f} s  "
                  f"{s['maxrss_mb']:6.0f} MB", flush=True)
    return samples


def ratio(results: dict, a: str, b: str, key: str = "median_s") -> float | None:
    if a in results and b in results and results[b][key]:
        return round(results[a][key] / results[b][key], 3)
    return None


def table(results: dict, ratios: dict, ratios_cpu: dict, info: dict) -> str:
    lines = [f"Machine: {info['nproc']} cores, {info['cpu']}; Python {info['python']}",
             "",
             f"{'case':16s} {'median s':>9s} {'min':>7s} {'max':>7s} {'runs':>5s} {'CPU s':>7s} {'peak RSS MB':>12s}"]
    for name, r in results.items():
        lines.append(f"{name:16s} {r['median_s']:9.2f} {r['min_s']:7.2f} {r['max_s']:7.2f} {r['runs']:5d} "
                     f"{r['median_cpu_s']:7.2f} {r['peak_rss_mb']:12.0f}")
    lines += ["", f"{'ratio (wall)':18s} {'value':>7s} {'target':>7s}  verdict   {'(CPU ratio)':>12s}"]
    for key, value in ratios.items():
        if value is None:
            continue
        target = TARGETS[key]
        cpu = ratios_cpu.get(key)
        lines.append(f"{key:18s} {value:7.2f} {'≤ ' + format(target, '.2f'):>7s}  "
                     f"{'meets ' if value <= target else 'MISSES'}   {cpu if cpu is not None else '':>12}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=3, help="timed runs of each report case (default 3)")
    ap.add_argument("--batch-runs", type=int, default=1, help="timed runs of each batch case (default 1)")
    ap.add_argument("--only", default="floor,sample,province,batch",
                    help="comma-separated cases among floor, sample, province, batch")
    ap.add_argument("--batch-data", choices=("small", "province"), default="small")
    ap.add_argument("--jobs", type=int, default=2, help="parallel jobs of the batch case (default 2)")
    ap.add_argument("--cold-cache", action="store_true",
                    help="time every run with an empty parsed-month cache (CCHC_CACHE_DIR): the first run on the data")
    ap.add_argument("--env", action="append", default=[], metavar="NAME=VALUE",
                    help="set in the environment of every timed process, e.g. PYTHONPATH=/other/tree/lib "
                         "to time another version of cchc (repeatable)")
    ap.add_argument("--output", type=Path, default=RESULTS / "latest.json")
    args = ap.parse_args(argv)
    only = {s.strip() for s in args.only.split(",") if s.strip()}
    unknown = only - {"floor", "sample", "province", "batch"}
    if unknown:
        ap.error(f"unknown case(s): {', '.join(sorted(unknown))}")

    RESULTS.mkdir(parents=True, exist_ok=True)
    info = machine()
    print(f"Machine: {info['nproc']} cores, {info['cpu']}; load average {loadavg()}", flush=True)
    province = ensure_data("province", PROVINCE) if "province" in only or (
        "batch" in only and args.batch_data == "province") else None
    batch_data = None
    if "batch" in only:
        batch_data = province if args.batch_data == "province" else ensure_data("small", SMALL)

    work = Path(tempfile.mkdtemp(prefix="cchc-bench-"))
    started = dt.datetime.now().isoformat(timespec="seconds")
    load_before = loadavg()
    try:
        cmds = case_commands(work, province, batch_data, args.jobs)
        report_cases = [n for n in ("floor", "sample", "province") if n in only]
        cold = work if args.cold_cache else None
        extra = dict(e.split("=", 1) for e in args.env)
        samples = run_cases(report_cases, cmds, args.runs, "report", cold, extra) if report_cases else {}
        if "batch" in only:
            samples.update(run_cases(["batch_serial", "batch_parallel"], cmds, args.batch_runs, "batch", cold, extra))
    finally:
        shutil.rmtree(work, ignore_errors=True)

    results = {n: summarize(s) for n, s in samples.items()}
    ratios = {
        "sample/floor": ratio(results, "sample", "floor"),
        "province/sample": ratio(results, "province", "sample"),
        "batch/serial": ratio(results, "batch_parallel", "batch_serial"),
    }
    ratios_cpu = {  # for reading only: parallel runs use more CPU, not less
        "sample/floor": ratio(results, "sample", "floor", "median_cpu_s"),
        "province/sample": ratio(results, "province", "sample", "median_cpu_s"),
        "batch/serial": ratio(results, "batch_parallel", "batch_serial", "median_cpu_s"),
    }
    doc = {
        "started": started,
        "machine": info,
        "load_average": {"before": load_before, "after": loadavg()},
        "settings": {"runs": args.runs, "batch_runs": args.batch_runs, "jobs": args.jobs,
                     "cold_cache": args.cold_cache, "env": args.env,
                     "batch_data": args.batch_data if "batch" in only else None,
                     "sample_month": SAMPLE_MONTH, "province": {**PROVINCE, "month": PROVINCE_MONTH},
                     "batch_range": list(BATCH_RANGE),
                     "small": SMALL if args.batch_data == "small" else None},
        "results": results,
        "ratios": ratios,
        "ratios_cpu": ratios_cpu,
        "targets": TARGETS,
    }
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(doc, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print()
    print(table(results, ratios, ratios_cpu, info))
    print(f"\nWrote {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
