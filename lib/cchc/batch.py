"""Several months in one command: `python -m cchc batch --from 2023-01 --to 2023-06`.

    code = run_batch("2023-01", "2023-06", Path("data"), Path("output"), {}, jobs=None)

Each month of [start, end] that has a workbook is validated, then run
(`cchc.run.run_report`: papermill, export, atomic publish) in its own worker
process, several at a time (a process pool in the "spawn" context: papermill is
not thread-safe, and a worker starts clean). Months are independent: each run
reads its own history from data_dir. A failing month does not stop the others;
a month without a workbook is skipped and said so. Progress goes to stderr
(tqdm), the summary to stdout, then the portal (`output_dir/index.html`) is
rewritten from whatever is published.

Exit code: 0 when every month of the range was written, 1 otherwise (a month
failed or had no workbook, or the index could not be written), 2 for a wrong
range or a bad number of jobs.
"""

from __future__ import annotations

import multiprocessing
import os
import sys
import tempfile
import traceback
from concurrent.futures import ProcessPoolExecutor, as_completed
from contextlib import contextmanager
from pathlib import Path

from cchc.months import month_error, month_range

EXIT_OK, EXIT_PROBLEMS, EXIT_USAGE = 0, 1, 2
OK, FAILED, SKIPPED = "ok", "failed", "skipped"
#: At most this many problems of a month are printed in the summary.
MAX_PROBLEMS = 20


def _result(month: str, status: str, reason: str = "", details=(), warnings: int = 0, path: str = "") -> dict:
    return {"month": month, "status": status, "reason": reason, "details": list(details),
            "warnings": warnings, "path": path}


@contextmanager
def _captured_stderr():
    """This process's stderr (fd 2: the notebook kernel's log lines too) into a temporary file.

    The kernels of parallel months would otherwise write over the progress bar;
    what they said is kept for the summary of a month that fails.
    """
    sys.stderr.flush()
    saved = os.dup(2)
    with tempfile.TemporaryFile() as log:
        os.dup2(log.fileno(), 2)
        try:
            yield log
        finally:
            sys.stderr.flush()
            os.dup2(saved, 2)
            os.close(saved)


def _tail(log, lines: int = 8) -> list[str]:
    log.flush()
    log.seek(0)
    text = log.read().decode("utf-8", "replace")
    keep = [ln.rstrip() for ln in text.splitlines() if ln.strip() and "running over TCP without encryption" not in ln]
    return [f"log: {ln}" for ln in keep[-lines:]]


def run_month(month: str, data_dir: str, output_dir: str, overrides: dict) -> dict:
    """Validate then run one month (in a worker process); never raises for a month's own failure.

    Returns {"month", "status" ("ok" / "failed"), "reason" (one line, plain
    words), "details" (each data problem, or the last lines the run logged),
    "warnings" (how many data warnings), "path"}.
    """
    with _captured_stderr() as log:
        result = _run_month(month, data_dir, output_dir, overrides)
        if result["status"] == FAILED and not result["details"]:
            result["details"] = _tail(log)
    return result


def _run_month(month: str, data_dir: str, output_dir: str, overrides: dict) -> dict:
    from cchc.dataset import DataError
    from cchc.load import load_dataset
    from cchc.params import resolve_parameters
    from cchc.run import RunError, run_report

    try:
        ds = load_dataset(data_dir, month)
    except DataError as exc:
        errors = exc.errors
        return _result(month, FAILED, f"the data has {len(errors)} error(s); nothing was written",
                       [str(p) for p in errors], warnings=len(exc.warnings))
    try:
        resolve_parameters(ds.config, month, **overrides)
    except ValueError as exc:
        return _result(month, FAILED, f"bad parameter: {exc}", warnings=len(ds.warnings))
    try:
        final = run_report(month, data_dir, output_dir, overrides, index=False)
    except RunError as exc:
        return _result(month, FAILED, f"the run failed: {exc}", warnings=len(ds.warnings))
    except OSError as exc:
        return _result(month, FAILED, f"could not write the outputs: {exc}", warnings=len(ds.warnings))
    except Exception as exc:  # an unexpected error: say where, go on with the other months
        where = traceback.extract_tb(exc.__traceback__)[-1]
        return _result(month, FAILED,
                       f"unexpected error {type(exc).__name__}: {exc} (at {Path(where.filename).name}:{where.lineno})",
                       warnings=len(ds.warnings))
    return _result(month, OK, warnings=len(ds.warnings), path=str(final))


def summary_lines(results: list[dict], start: str, end: str) -> list[str]:
    """The end-of-batch summary, one block per month, in month order."""
    written = sum(r["status"] == OK for r in results)
    failed = sum(r["status"] == FAILED for r in results)
    skipped = sum(r["status"] == SKIPPED for r in results)
    lines = [f"Batch {start} to {end}: {written} month(s) written, {failed} failed, {skipped} skipped."]
    for r in sorted(results, key=lambda r: r["month"]):
        warn = f" ({r['warnings']} data warning(s))" if r["warnings"] else ""
        if r["status"] == OK:
            lines.append(f"  {r['month']}  ok       written to {r['path']}{warn}")
        elif r["status"] == SKIPPED:
            lines.append(f"  {r['month']}  skipped  {r['reason']}")
        else:
            lines.append(f"  {r['month']}  FAILED   {r['reason']}{warn}")
            shown = r["details"][:MAX_PROBLEMS]
            lines.extend(f"             - {d}" for d in shown)
            if len(r["details"]) > len(shown):
                lines.append(f"             … and {len(r['details']) - len(shown)} more problem(s): "
                             f"python -m cchc validate --month {r['month']} lists them all")
    return lines


def _pool(jobs: int) -> ProcessPoolExecutor:
    return ProcessPoolExecutor(max_workers=jobs, mp_context=multiprocessing.get_context("spawn"))


def run_batch(start: str, end: str, data_dir, output_dir, overrides: dict | None = None, jobs: int | None = None) -> int:
    """Write the reports of every month from start to end (both included), then the index.

    Returns the exit code (module docstring).
    """
    from tqdm import tqdm

    from cchc.run import refresh_index

    for problem in filter(None, (month_error(start), month_error(end))):
        print(f"ERROR   {problem}", file=sys.stderr)
        return EXIT_USAGE
    if start > end:
        print(f"ERROR   expected a range of months YYYY-MM with --from <= --to, got {start} to {end}", file=sys.stderr)
        return EXIT_USAGE
    if jobs is not None and jobs < 1:
        print(f"ERROR   --jobs must be at least 1, got {jobs}", file=sys.stderr)
        return EXIT_USAGE
    data_dir, output_dir = Path(data_dir).resolve(), Path(output_dir).resolve()
    overrides = dict(overrides or {})

    months = month_range(start, end)
    results: list[dict] = []
    todo = []
    for m in months:
        if (data_dir / "raw" / f"{m}.xlsx").is_file():
            todo.append(m)
        else:
            results.append(_result(m, SKIPPED, f"no workbook raw/{m}.xlsx in {data_dir}"))

    if todo:
        workers = max(1, min(jobs or os.cpu_count() or 1, len(todo)))
        with tqdm(total=len(todo), desc="cchc batch", unit="month", file=sys.stderr, dynamic_ncols=True) as bar, \
                _pool(workers) as pool:
            futures = {pool.submit(run_month, m, str(data_dir), str(output_dir), overrides): m for m in todo}
            try:
                for fut in as_completed(futures):
                    m = futures[fut]
                    try:
                        res = fut.result()
                    except Exception as exc:  # the worker process died (killed, out of memory …)
                        res = _result(m, FAILED, f"the worker process stopped: {type(exc).__name__}: {exc}")
                    results.append(res)
                    bar.set_postfix_str(f"{m} {'ok' if res['status'] == OK else 'FAILED'}")
                    bar.update(1)
            except KeyboardInterrupt:
                pool.shutdown(wait=False, cancel_futures=True)
                raise

    for line in summary_lines(results, start, end):
        print(line)
    index = refresh_index(output_dir)
    if index is not None:
        print(f"Index: {index}")
    all_written = all(r["status"] == OK for r in results)
    return EXIT_OK if all_written and index is not None else EXIT_PROBLEMS
