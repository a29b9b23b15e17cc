"""Several months in one command: `python -m cchc batch --from 2023-01 --to 2023-06`.

    code = run_batch("2023-01", "2023-06", Path("data"), Path("output"), {}, jobs=None)

Each month of [start, end] that has data is validated, then built
(`cchc.run.build_report`: papermill, export, into a staging folder) in a worker
process, several at a time ("spawn" processes: papermill is not thread-safe, and
a worker starts clean), and published by this process (`cchc.run.publish_report`)
as each one arrives. Months are independent: each run reads its own history
from data_dir. A failing month does not stop the others; a month without
data (no file in any source) is skipped and said so. Progress goes to stderr (tqdm), the summary to
stdout, then the portal (`output_dir/index.html`) is rewritten from whatever is
published.

Ctrl-C (SIGINT, which the terminal sends to the whole foreground process group)
is this process's to handle: the workers ignore it, their kernels run in
sessions of their own. This process then publishes nothing more, stops the
workers (SIGTERM, which unwinds a worker's run: its kernel is shut down, its
staging folder removed; SIGKILL after STOP_GRACE seconds), removes what they
left, says which months had been published, and returns 130. A second Ctrl-C
changes nothing.

Exit code: 0 when every month of the range was written, 1 otherwise (a month
failed or had no data, or the index could not be written), 2 for a wrong
range or a bad number of jobs, 130 when interrupted.
"""

from __future__ import annotations

import multiprocessing
import os
import shutil
import signal
import sys
import tempfile
import time
import traceback
from contextlib import contextmanager
from multiprocessing.connection import wait
from pathlib import Path

from cchc.months import month_error, month_range

EXIT_OK, EXIT_PROBLEMS, EXIT_USAGE, EXIT_INTERRUPTED = 0, 1, 2, 130
OK, FAILED, SKIPPED, STOPPED = "ok", "failed", "skipped", "stopped"
#: Seconds a stopped worker has to unwind (shut its kernel down, remove its staging folder) before it is killed.
STOP_GRACE = 5.0
#: At most this many problems of a month are printed in the summary.
MAX_PROBLEMS = 20


def _result(month: str, status: str, reason: str = "", details=(), warnings: int = 0, path: str = "",
            stage: str = "") -> dict:
    return {"month": month, "status": status, "reason": reason, "details": list(details),
            "warnings": warnings, "path": path, "stage": stage}


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
    """Validate then build one month (in a worker process); never raises for a month's own failure.

    Returns {"month", "status" ("ok" / "failed"), "reason" (one line, plain
    words), "details" (each data problem, or the last lines the run logged),
    "warnings" (how many data warnings), "path" (empty), "stage" (the staging
    folder of a built month, for the batch to publish)}.
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
    from cchc.run import RunError, build_report

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
        stage = build_report(month, data_dir, output_dir, overrides)
    except RunError as exc:
        return _result(month, FAILED, f"the run failed: {exc}", warnings=len(ds.warnings))
    except OSError as exc:
        return _result(month, FAILED, f"could not write the outputs: {exc}", warnings=len(ds.warnings))
    except Exception as exc:  # an unexpected error: say where, go on with the other months
        where = traceback.extract_tb(exc.__traceback__)[-1]
        return _result(month, FAILED,
                       f"unexpected error {type(exc).__name__}: {exc} (at {Path(where.filename).name}:{where.lineno})",
                       warnings=len(ds.warnings))
    return _result(month, OK, warnings=len(ds.warnings), stage=str(stage))


# --------------------------------------------------------------------------- the workers


class Stopped(SystemExit):
    """Raised in a worker by SIGTERM: the batch is stopping. A SystemExit, so that
    asyncio (nbclient's loop) lets it through and the run unwinds: papermill shuts
    the kernel down, `build_report` removes the staging folder."""


def _stop(signum, frame):
    raise Stopped(0)


def _worker(conn, data_dir: str, output_dir: str, overrides: dict) -> None:
    """A worker process: build the months it is sent (None: no more) and send back each result."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the batch's to handle (module docstring)
    if hasattr(signal, "pthread_sigmask"):  # blocked while the process started (_started_quietly)
        signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})
    signal.signal(signal.SIGTERM, _stop)
    try:
        while True:
            month = conn.recv()
            if month is None:
                return
            conn.send(run_month(month, data_dir, output_dir, overrides))
    except (Stopped, EOFError, OSError):  # stopped, or the batch went away
        return


@contextmanager
def _started_quietly():
    """SIGINT held back (not lost) while worker processes start: a new process
    inherits the mask, so it never sees a Ctrl-C before it ignores SIGINT."""
    if not hasattr(signal, "pthread_sigmask"):
        yield
        return
    old = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, old)


class _Workers:
    """The worker processes of a batch, each with its pipe and the month it builds."""

    def __init__(self, data_dir: Path, output_dir: Path, overrides: dict):
        self.args = (str(data_dir), str(output_dir), overrides)
        self.context = multiprocessing.get_context("spawn")
        self.busy: dict = {}  # connection -> (process, month)
        self.idle: list = []  # (process, connection)

    def start(self) -> None:
        parent, child = self.context.Pipe()
        process = self.context.Process(target=_worker, args=(child, *self.args), daemon=True,
                                       name="cchc-batch-worker")
        with _started_quietly():
            process.start()
        child.close()
        self.idle.append((process, parent))

    def send(self, month: str) -> None:
        process, conn = self.idle.pop()
        try:
            conn.send(month)
        except OSError:  # it died while idle: the month goes to a new worker
            conn.close()
            self.start()
            process, conn = self.idle.pop()
            conn.send(month)
        self.busy[conn] = (process, month)

    def wait(self, timeout: float) -> list:
        """[(month, result or None when its worker died)] of the months done within `timeout`."""
        if not self.busy:
            return []
        watched = list(self.busy) + [p.sentinel for p, _ in self.busy.values()]
        ready = set(wait(watched, timeout))
        done = []
        for conn, (process, month) in list(self.busy.items()):
            if conn not in ready and process.sentinel not in ready:
                continue
            try:
                result = conn.recv() if conn.poll() else None
            except (EOFError, OSError):
                result = None
            if result is None and process.is_alive():
                continue  # its pipe woke up with nothing yet
            del self.busy[conn]
            if result is not None and process.is_alive():
                self.idle.append((process, conn))
            else:
                conn.close()
            done.append((month, result))
        return done

    def months(self) -> list[str]:
        return [m for _, m in self.busy.values()]

    def close(self) -> None:
        """No more months: each idle worker is told so and ends."""
        for process, conn in self.idle:
            try:
                conn.send(None)
            except OSError:
                pass
        for process, conn in self.idle:
            process.join(STOP_GRACE)
            if process.is_alive():
                process.kill()
                process.join()
            conn.close()
        self.idle = []

    def stop(self) -> None:
        """Stop every worker now (SIGTERM, SIGKILL after STOP_GRACE seconds), and wait until they are gone."""
        everyone = [(p, c) for c, (p, _) in self.busy.items()] + self.idle
        for process, _ in everyone:
            if process.is_alive():
                process.terminate()
        deadline = time.monotonic() + STOP_GRACE
        for process, _ in everyone:
            process.join(max(0.0, deadline - time.monotonic()))
        for process, conn in everyone:
            if process.is_alive():
                process.kill()
                process.join()
            conn.close()
        self.busy, self.idle = {}, []


def summary_lines(results: list[dict], start: str, end: str) -> list[str]:
    """The end-of-batch summary, one block per month, in month order."""
    written = sum(r["status"] == OK for r in results)
    failed = sum(r["status"] == FAILED for r in results)
    skipped = sum(r["status"] == SKIPPED for r in results)
    stopped = sum(r["status"] == STOPPED for r in results)
    also = f", {stopped} not written (interrupted)" if stopped else ""
    lines = [f"Batch {start} to {end}: {written} month(s) written, {failed} failed, {skipped} skipped{also}."]
    for r in sorted(results, key=lambda r: r["month"]):
        warn = f" ({r['warnings']} data warning(s))" if r["warnings"] else ""
        if r["status"] == OK:
            lines.append(f"  {r['month']}  ok       written to {r['path']}{warn}")
        elif r["status"] == SKIPPED:
            lines.append(f"  {r['month']}  skipped  {r['reason']}")
        elif r["status"] == STOPPED:
            lines.append(f"  {r['month']}  stopped  {r['reason']}")
        else:
            lines.append(f"  {r['month']}  FAILED   {r['reason']}{warn}")
            shown = r["details"][:MAX_PROBLEMS]
            lines.extend(f"             - {d}" for d in shown)
            if len(r["details"]) > len(shown):
                lines.append(f"             … and {len(r['details']) - len(shown)} more problem(s): "
                             f"python -m cchc validate --month {r['month']} lists them all")
    return lines


def run_batch(start: str, end: str, data_dir, output_dir, overrides: dict | None = None, jobs: int | None = None) -> int:
    """Write the reports of every month from start to end (both included), then the index.

    Returns the exit code (module docstring).
    """
    from cchc.load import available_months
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
    have = set(available_months(data_dir))
    for m in months:
        if m in have:
            todo.append(m)
        else:
            results.append(_result(m, SKIPPED, f"no data for {m} in {data_dir} (raw/{m}.xlsx, raw/766/…, raw/hoso/…)"))

    with _Interrupt() as interrupt:  # to the end: a second Ctrl-C changes nothing
        if todo:
            results += _run_months(todo, data_dir, output_dir, overrides, jobs, interrupt)
        for line in summary_lines(results, start, end):
            print(line)
        index = refresh_index(output_dir)  # the published months, those of before an interrupt too
        if index is not None:
            print(f"Index: {index}")
        if interrupt.seen:
            published = [r["month"] for r in sorted(results, key=lambda r: r["month"]) if r["status"] == OK]
            if published:
                print(f"Interrupted: {len(published)} month(s) were published before the interrupt: "
                      f"{', '.join(published)}; nothing else was written.", file=sys.stderr)
            else:
                print("Interrupted: no month was published; nothing else was written.", file=sys.stderr)
            return EXIT_INTERRUPTED
    all_written = all(r["status"] == OK for r in results)
    return EXIT_OK if all_written and index is not None else EXIT_PROBLEMS


class _Interrupt:
    """Ctrl-C noted, not raised, while a batch runs (in the main thread)."""

    def __init__(self):
        self.seen = False
        self.old = None

    def __enter__(self):
        try:
            self.old = signal.signal(signal.SIGINT, self._note)
        except ValueError:  # not the main thread: Ctrl-C is not ours to handle
            self.old = None
        return self

    def _note(self, signum, frame):  # a flag only: printing here could re-enter a write to stderr
        self.seen = True

    def __exit__(self, *exc):
        if self.old is not None:
            signal.signal(signal.SIGINT, self.old)


def _run_months(todo: list[str], data_dir: Path, output_dir: Path, overrides: dict, jobs: int | None,
                interrupt: "_Interrupt") -> list[dict]:
    """Build the months in worker processes, publish each as it arrives; the results, in the order done.

    Once interrupted, nothing more is published: the months not published are "stopped" results.
    """
    from tqdm import tqdm

    from cchc.run import clean_stale, publish_report

    results: list[dict] = []
    pending = list(reversed(todo))  # popped from the end: first month first
    workers = _Workers(data_dir, output_dir, overrides)
    wanted = max(1, min(jobs or os.cpu_count() or 1, len(todo)))
    with tqdm(total=len(todo), desc="cchc batch", unit="month", file=sys.stderr, dynamic_ncols=True) as bar:
        try:
            for _ in range(wanted):
                workers.start()
            while (pending or workers.busy) and not interrupt.seen:
                while pending and not interrupt.seen:
                    if not workers.idle:
                        if workers.busy:
                            break
                        workers.start()  # every worker died: a new one
                    workers.send(pending.pop())
                for month, res in workers.wait(timeout=0.2):
                    if res is None:  # the worker process died (killed, out of memory …)
                        res = _result(month, FAILED, "the worker process stopped")
                        clean_stale(output_dir, month)
                    elif res["status"] == OK:
                        if interrupt.seen:  # built, but the batch is stopping: not published
                            shutil.rmtree(res["stage"], ignore_errors=True)
                            res = _result(month, STOPPED, "interrupted: not published", warnings=res["warnings"])
                        else:
                            try:
                                res["path"] = str(publish_report(res["stage"], output_dir, month))
                            except OSError as exc:
                                res = _result(month, FAILED, f"could not publish the outputs: {exc}",
                                              warnings=res["warnings"])
                    results.append(res)
                    bar.set_postfix_str(f"{month} {'ok' if res['status'] == OK else res['status'].upper()}")
                    bar.update(1)
        finally:
            building = workers.months()
            if interrupt.seen:
                bar.write("Interrupted: stopping the workers; nothing more will be published …", file=sys.stderr)
            if interrupt.seen or workers.busy:
                workers.stop()
            else:
                workers.close()
            for month in building:  # what stopped workers left behind (their staging folders)
                clean_stale(output_dir, month)
    done = {r["month"] for r in results}
    results += [_result(m, STOPPED, "interrupted: not written") for m in todo if m not in done]
    return results
