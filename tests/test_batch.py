"""Batch runs (cchc.batch.run_batch): months in parallel processes, failures reported, the index.

The fast tests use months that fail before any notebook starts (no workbook,
an unreadable workbook). One slow test runs the real pipeline over three
sample months, one of them broken.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from cchc.batch import EXIT_PROBLEMS, EXIT_USAGE, run_batch, summary_lines

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "data"


def copy_data(tmp_path: Path, months) -> Path:
    data = tmp_path / "data"
    (data / "raw").mkdir(parents=True)
    for name in ("units.csv", "config.yml"):
        shutil.copy(DATA / name, data / name)
    for m in months:
        shutil.copy(DATA / "raw" / f"{m}.xlsx", data / "raw" / f"{m}.xlsx")
    return data


def test_bad_range_or_jobs_is_a_usage_error(tmp_path, capsys):
    assert run_batch("2023-06", "2023-05", DATA, tmp_path / "out", {}) == EXIT_USAGE
    assert run_batch("2023-05", "2023-06", DATA, tmp_path / "out", {}, jobs=0) == EXIT_USAGE
    assert run_batch("2023-05", "9999-12", DATA, tmp_path / "out", {}) == EXIT_USAGE  # no 10000-01 to reach
    assert "ERROR" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()


def test_missing_and_unreadable_months_fail_and_are_named(tmp_path, capsys):
    data = copy_data(tmp_path, ["2023-01", "2023-02"])
    (data / "raw" / "2023-02.xlsx").write_bytes(b"this is not a workbook")
    out = tmp_path / "out"
    code = run_batch("2023-02", "2023-03", data, out, {}, jobs=2)
    captured = capsys.readouterr()
    assert code == EXIT_PROBLEMS
    summary = captured.out
    assert "0 month(s) written, 1 failed, 1 skipped" in summary
    assert "2023-02  FAILED   the data has" in summary
    assert "raw/2023-02.xlsx" in summary  # the problem, located
    assert "2023-03  skipped  no data for 2023-03" in summary
    assert "cchc batch" in captured.err  # the progress bar, on stderr
    assert not (out / "2023-02").exists()
    assert (out / "index.html").is_file()  # the portal, empty but there


def test_a_bad_parameter_fails_every_month_plainly(tmp_path, capsys):
    data = copy_data(tmp_path, ["2023-01"])
    code = run_batch("2023-01", "2023-01", data, tmp_path / "out", {"payment_target": "150"}, jobs=1)
    assert code == EXIT_PROBLEMS
    assert "2023-01  FAILED   bad parameter: parameter payment_target" in capsys.readouterr().out


def test_summary_lines_in_month_order_with_every_reason():
    results = [
        {"month": "2023-03", "status": "failed", "reason": "the run failed: the notebook failed in cell 3",
         "details": [], "warnings": 0, "path": ""},
        {"month": "2023-01", "status": "ok", "reason": "", "details": [], "warnings": 2, "path": "out/2023-01"},
        {"month": "2023-02", "status": "failed", "reason": "the data has 25 error(s); nothing was written",
         "details": [f"problem {i}" for i in range(25)], "warnings": 0, "path": ""},
        {"month": "2023-04", "status": "skipped", "reason": "no workbook raw/2023-04.xlsx in data",
         "details": [], "warnings": 0, "path": ""},
    ]
    lines = summary_lines(results, "2023-01", "2023-04")
    assert lines[0] == "Batch 2023-01 to 2023-04: 1 month(s) written, 2 failed, 1 skipped."
    assert lines[1] == "  2023-01  ok       written to out/2023-01 (2 data warning(s))"
    assert lines[2].startswith("  2023-02  FAILED   the data has 25 error(s)")
    assert sum(line.startswith("             - problem") for line in lines) == 20
    assert any("… and 5 more problem(s)" in line for line in lines)
    assert any(line.startswith("  2023-03  FAILED   the run failed: the notebook failed in cell 3") for line in lines)
    assert lines[-1].startswith("  2023-04  skipped")


@pytest.mark.slow
def test_batch_over_sample_months_one_broken(tmp_path, capsys):
    """May is written while June, whose workbook is garbage, fails beside it: exit 1."""
    from test_portal import all_pages, broken_links, page_links

    data = copy_data(tmp_path, ["2023-01", "2023-02", "2023-03", "2023-04", "2023-05", "2023-06"])
    (data / "raw" / "2023-06.xlsx").write_bytes(b"PK\x03\x04 garbage, not a workbook")
    out = tmp_path / "out"
    code = run_batch("2023-05", "2023-06", data, out, {}, jobs=2)
    summary = capsys.readouterr().out
    assert code == EXIT_PROBLEMS, summary
    assert "1 month(s) written, 1 failed, 0 skipped" in summary
    assert "2023-05  ok" in summary
    assert "2023-06  FAILED   the data has" in summary and "raw/2023-06.xlsx" in summary
    for month in ("2023-05",):
        folder = out / month
        for name in ("report.html", "report.pdf", "outcomes.json", "report.ipynb", "report.docx", "scorecard.xlsx"):
            assert (folder / name).stat().st_size > 0, (month, name)
        assert len(list((folder / "units").glob("*.html"))) == 33
    assert not (out / "2023-06").exists()
    assert not list(out.glob(".*"))  # no staging folder or temporary index left
    index = out / "index.html"
    links = page_links(index).links
    assert "2023-05/report.html" in links and "2023-05/report.pdf" in links
    assert "2023-05/units/XA_HUNG_DAO.html" in links
    assert broken_links(all_pages(out)) == []


# ----------------------------------------------------------------- Ctrl-C (issue 13, item 1)

def _published(out: Path) -> set[str]:
    return {p.name for p in out.glob("20??-??") if (p / "outcomes.json").is_file()} if out.is_dir() else set()


def _processes_with(tag: str) -> list[int]:
    """Processes whose environment carries `tag` (the batch, its workers and their kernels)."""
    found = []
    for env in Path("/proc").glob("[0-9]*/environ"):
        try:
            if tag.encode() in env.read_bytes():
                found.append(int(env.parent.name))
        except OSError:
            pass
    return found


def _wait_until(condition, seconds: float, what: str) -> None:
    import time

    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, f"not within {seconds} s: {what}"
        time.sleep(0.2)


@pytest.mark.slow
@pytest.mark.skipif(not Path("/proc/self/environ").exists(), reason="finds the kernels through /proc")
def test_ctrl_c_stops_the_workers_and_their_kernels_and_publishes_nothing_more(tmp_path):
    """Ctrl-C while months are being built (SIGINT to the whole process group, as a terminal sends it, twice):
    the batch exits 130 within seconds, says exactly which months were published, and nothing else is
    published or left running."""
    import os
    import signal
    import subprocess
    import sys
    import threading
    import uuid

    tag = f"CCHC_TEST_BATCH_{uuid.uuid4().hex}"
    out = tmp_path / "out"
    proc = subprocess.Popen(
        [sys.executable, "-m", "cchc", "batch", "--from", "2023-01", "--to", "2023-06", "-j", "2",
         "--data-dir", str(DATA), "--output-dir", str(out)],
        cwd=ROOT, env={**os.environ, tag: "1"}, start_new_session=True,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    err_lines: list[str] = []
    reader = threading.Thread(target=lambda: err_lines.extend(proc.stderr), daemon=True)
    reader.start()
    try:
        # the moment a user presses Ctrl-C: months being built by their kernels in their staging folders
        _wait_until(lambda: list(out.glob(".staging-*/report.ipynb")) or proc.poll() is not None, 400,
                    "months being built")
        assert proc.poll() is None, "".join(err_lines)
        before = _published(out)
        os.killpg(proc.pid, signal.SIGINT)
        _wait_until(lambda: any("Interrupted" in ln for ln in err_lines) or proc.poll() is not None, 20,
                    "the batch says it was interrupted")
        try:
            os.killpg(proc.pid, signal.SIGINT)  # impatient: a second Ctrl-C
        except ProcessLookupError:
            pass  # already gone
        stdout = proc.stdout.read() if proc.wait(timeout=20) is not None else ""
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    reader.join(10)
    stderr = "".join(err_lines)
    assert proc.returncode == 130, stderr
    assert "Traceback" not in stdout + stderr, stdout + stderr
    # exactly the months published before the interrupt, said so
    _wait_until(lambda: not _processes_with(tag), 20, "every worker and kernel of the batch gone")
    published = _published(out)
    assert before <= published
    said = sorted(published)
    if said:
        assert (f"Interrupted: {len(said)} month(s) were published before the interrupt: {', '.join(said)}; "
                "nothing else was written.") in stderr
    else:
        assert "Interrupted: no month was published; nothing else was written." in stderr
    for month in {"2023-01", "2023-02", "2023-03", "2023-04", "2023-05", "2023-06"} - published:
        assert f"  {month}  stopped  interrupted" in stdout
    assert not list(out.glob(".staging-*")) and not list(out.glob(".replaced-*"))
