"""A month's outputs appear together or not at all (cchc.run).

Fast tests drive `run.run_report` with the notebook and the exports replaced by
fakes, and check each way a run can fail: the previous outputs of the month stay
as they were (same bytes) and no staging folder is left. The slow tests run the
real pipeline: one `python -m cchc report` is killed with SIGKILL midway,
leaving the old outputs; the next run of the month (a fake one that fails)
cleans up after it and replaces nothing; a real kernel whose notebook fails is
a clear error.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from cchc import nbhtml, pdf, run

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "data"
MONTH = "2023-06"

OLD_FILES = {
    "report.html": b"<p>old report</p>",
    "report.pdf": b"%PDF-1.7 old",
    "outcomes.json": b'{"month": "2023-06", "old": true}\n',
    "report.ipynb": b"{}",
    "scorecard.xlsx": b"PK old",
    "units/XA_NGOC_KY.html": b"<p>old unit page</p>",
}


def snapshot(folder: Path) -> dict[str, bytes]:
    """Every file under a folder (relative path -> bytes)."""
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def leftovers(output_dir: Path) -> list[str]:
    """Staging or replaced folders left in the output folder."""
    return sorted(p.name for p in output_dir.iterdir() if p.name.startswith((run.STAGE_PREFIX, run.OLD_PREFIX)))


def make_old_outputs(output_dir: Path) -> dict[str, bytes]:
    final = output_dir / MONTH
    for name, content in OLD_FILES.items():
        (final / name).parent.mkdir(parents=True, exist_ok=True)
        (final / name).write_bytes(content)
    return snapshot(final)


# ----------------------------------------------------------------- fast: a fake pipeline


class FakePipeline:
    """Stands in for papermill and the exports; fails where told to."""

    def __init__(self, output_dir: Path, fail_at: str | None = None, exc: BaseException | None = None):
        self.output_dir = output_dir
        self.fail_at = fail_at
        self.exc = exc or RuntimeError(f"boom in {fail_at}")
        self.seen_final: list[dict] = []

    def _maybe_fail(self, step):
        if self.fail_at == step:
            raise self.exc

    def _look(self):
        final = self.output_dir / MONTH
        self.seen_final.append(snapshot(final) if final.exists() else {})

    def execute_notebook(self, stage, parameters, notebook=None):
        """The kernel: it writes the month's files into `files_dir`, the staging folder."""
        assert stage.parent == self.output_dir.resolve() and parameters["files_dir"] == str(stage)
        (stage / "report.ipynb").write_text("{}", encoding="utf-8")
        (stage / "outcomes.json").write_text('{"month": "2023-06", "new": true}\n', encoding="utf-8")
        for name in ("scorecard.xlsx", "report.docx"):
            (stage / name).write_bytes(b"PK new")
        (stage / "units").mkdir()
        (stage / "units" / "XA_NGOC_KY.html").write_text("<p>new</p>", encoding="utf-8")
        self._look()
        self._maybe_fail("notebook")
        return {"cells": []}

    def notebook_to_html(self, nb, out_path=None, title=None):
        self._look()
        self._maybe_fail("html")
        Path(out_path).write_text("<p>new report</p>", encoding="utf-8")
        return "<p>new report</p>"

    def html_to_pdf(self, html, out_path, base_url=None):
        self._look()
        if self.fail_at == "pdf-partial":  # a half-written PDF, then the failure
            Path(out_path).write_bytes(b"%PDF-1.7 half")
            raise self.exc
        self._maybe_fail("pdf")
        if self.fail_at != "no-pdf":
            Path(out_path).write_bytes(b"%PDF-1.7 new")
        return Path(out_path)


@pytest.fixture
def fake(monkeypatch, tmp_path):
    def install(fail_at=None, exc=None):
        pipeline = FakePipeline(tmp_path / "output", fail_at, exc)
        monkeypatch.setattr(run, "execute_notebook", pipeline.execute_notebook)
        monkeypatch.setattr(nbhtml, "notebook_to_html", pipeline.notebook_to_html)
        monkeypatch.setattr(pdf, "html_to_pdf", pipeline.html_to_pdf)
        monkeypatch.setattr(run, "refresh_index", lambda output_dir: None)
        return pipeline

    return install


def test_files_appear_together(fake, tmp_path):
    out = tmp_path / "output"
    old = make_old_outputs(out)
    pipeline = fake()
    final = run.run_report(MONTH, DATA, out)
    assert final == (out / MONTH).resolve()
    # while the run wrote its files, the month's folder held the old ones, untouched
    assert pipeline.seen_final == [old, old, old]
    new = snapshot(final)
    assert set(new) == {*run.REPORT_FILES, "units/XA_NGOC_KY.html"}
    assert b"old" not in b"".join(new.values())  # nothing of the old run is mixed in
    assert leftovers(out) == []


def test_first_run_of_a_month(fake, tmp_path):
    out = tmp_path / "output"
    fake()
    final = run.run_report(MONTH, DATA, out)
    assert set(snapshot(final)) >= set(run.REPORT_FILES)
    assert leftovers(out) == []


@pytest.mark.parametrize(
    "fail_at, exc, match",
    [
        ("notebook", run.RunError("the notebook failed in cell 3: ValueError: x"), "cell 3"),
        ("html", RuntimeError("nbconvert broke"), "nbconvert"),
        ("pdf", OSError(28, "No space left on device"), "space"),
        ("pdf-partial", RuntimeError("WeasyPrint broke"), "WeasyPrint"),
        ("no-pdf", None, "did not write report.pdf"),
        ("notebook", KeyboardInterrupt(), None),
    ],
)
def test_a_failed_run_keeps_the_old_outputs(fake, tmp_path, fail_at, exc, match):
    out = tmp_path / "output"
    old = make_old_outputs(out)
    fake(fail_at, exc)
    expected = type(exc) if exc is not None else run.RunError
    with pytest.raises(expected) as info:
        run.run_report(MONTH, DATA, out)
    if match:
        assert match in str(info.value)
    assert snapshot(out / MONTH) == old
    assert leftovers(out) == []


def test_a_failed_first_run_writes_nothing(fake, tmp_path):
    out = tmp_path / "output"
    fake("pdf")
    with pytest.raises(RuntimeError):
        run.run_report(MONTH, DATA, out)
    assert not (out / MONTH).exists()
    assert leftovers(out) == []


def test_cli_reports_a_failed_run_in_one_line(fake, tmp_path, capsys):
    from cchc.cli import main

    out = tmp_path / "output"
    old = make_old_outputs(out)
    fake("pdf", RuntimeError("WeasyPrint broke"))
    code = main(["report", "--month", MONTH, "--data-dir", str(DATA), "--output-dir", str(out)])
    err = capsys.readouterr().err
    assert code == 1
    assert "ERROR" in err and "WeasyPrint broke" in err and "Traceback" not in err
    assert snapshot(out / MONTH) == old


def test_parameters_of_the_command_line_reach_the_notebook(fake, tmp_path, monkeypatch):
    """`-p NAME=VALUE` goes to papermill as the notebook's parameter, beside the options."""
    from cchc.cli import main

    pipeline = fake()
    seen = {}

    def execute(stage, parameters, notebook=None):
        seen.update(parameters)
        return pipeline.execute_notebook(stage, parameters, notebook)

    monkeypatch.setattr(run, "execute_notebook", execute)
    out = tmp_path / "output"
    assert main(["report", "--month", MONTH, "--data-dir", str(DATA), "--output-dir", str(out),
                 "-p", "criticism_months=6", "-p", "payment_target=35"]) == 0
    assert seen["criticism_months"] == "6" and seen["payment_target"] == "35"
    assert seen["month"] == MONTH and seen["data_dir"] == str(DATA.resolve())
    assert seen["output_dir"] == str(out.resolve()) and Path(seen["files_dir"]).parent == out.resolve()


def test_other_months_are_not_touched(fake, tmp_path):
    out = tmp_path / "output"
    (out / "2023-05").mkdir(parents=True)
    (out / "2023-05" / "report.html").write_bytes(b"may")
    (out / f"{run.STAGE_PREFIX}2023-05-deadbeef").mkdir()  # another month's run, still going
    fake()
    run.run_report(MONTH, DATA, out)
    assert (out / "2023-05" / "report.html").read_bytes() == b"may"
    assert (out / f"{run.STAGE_PREFIX}2023-05-deadbeef").is_dir()


# ----------------------------------------------------------------- fast: leftovers of killed runs


def test_clean_stale_removes_staging_folders_of_the_month(tmp_path):
    out = tmp_path / "output"
    old = make_old_outputs(out)
    for name in (f"{run.STAGE_PREFIX}{MONTH}-0badf00d", f"{run.STAGE_PREFIX}{MONTH}-12345678"):
        (out / name / "units").mkdir(parents=True)
        (out / name / "report.ipynb").write_text("{}")
    (out / f"{run.OLD_PREFIX}{MONTH}-abcdef01").mkdir()  # killed after publish's second rename
    run.clean_stale(out, MONTH)
    assert leftovers(out) == []
    assert snapshot(out / MONTH) == old


def test_a_killed_run_s_kernel_socket_folder_goes_at_the_next_run(tmp_path):
    """The kernel's sockets live in cchc-kernel-<pid>-…, removed at the end of the run; a run killed
    with SIGKILL cannot remove it, so the next run removes those whose process is gone."""
    gone = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    dead = tmp_path / f"{run.KERNEL_PREFIX}{int(gone.stdout)}-abc123"
    (dead / "k-1").mkdir(parents=True)
    alive = tmp_path / f"{run.KERNEL_PREFIX}{os.getppid()}-def456"
    alive.mkdir()
    run.clean_stale_kernel_folders(tmp_path)
    assert not dead.exists() and alive.is_dir()
    with run.kernel_transport() as config:
        mine = Path(config.KernelManager.ip).parent
        assert mine.is_dir() and mine.name.startswith(f"{run.KERNEL_PREFIX}{os.getpid()}-")
    assert not mine.exists()


def test_clean_stale_puts_back_the_old_outputs_after_a_kill_between_renames(tmp_path):
    """Killed after publish() moved the old folder aside but before the new one came in."""
    out = tmp_path / "output"
    old = make_old_outputs(out)
    os.replace(out / MONTH, out / f"{run.OLD_PREFIX}{MONTH}-abcdef01")
    (out / f"{run.STAGE_PREFIX}{MONTH}-0badf00d").mkdir()
    run.clean_stale(out, MONTH)
    assert snapshot(out / MONTH) == old
    assert leftovers(out) == []


def test_publish_failure_between_the_renames_keeps_the_old_outputs(fake, tmp_path, monkeypatch):
    out = tmp_path / "output"
    old = make_old_outputs(out)
    fake()
    real_replace = os.replace
    calls = []

    def replace(src, dst):
        calls.append((Path(src).name, Path(dst).name))
        if Path(src).name.startswith(run.STAGE_PREFIX):
            raise OSError(13, "Permission denied")
        return real_replace(src, dst)

    monkeypatch.setattr(run.os, "replace", replace)
    with pytest.raises(OSError):
        run.run_report(MONTH, DATA, out)
    monkeypatch.setattr(run.os, "replace", real_replace)
    assert (out / MONTH).is_dir() and snapshot(out / MONTH) == old


# ----------------------------------------------------------------- slow: the real pipeline


def _kernel_pids(parent: int) -> list[int]:
    """The processes the report started (its Jupyter kernel runs in a session of its own,
    so killing the report's process group does not reach it)."""
    import psutil  # installed with ipykernel

    try:
        return [p.pid for p in psutil.Process(parent).children(recursive=True)]
    except psutil.Error:
        return []


def _alive(pid: int) -> bool:
    import psutil

    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.Error:
        return False


@pytest.fixture(scope="module")
def killed(tmp_path_factory):
    """A report killed with SIGKILL once its notebook has staged the month's files; the old
    outputs were there before."""
    out = tmp_path_factory.mktemp("atomic") / "output"
    old = make_old_outputs(out)
    logs = out.parent / "killed.log"
    with open(logs, "wb") as log:
        proc = subprocess.Popen([sys.executable, "-m", "cchc", "report", "--month", MONTH, "--data-dir", str(DATA),
                                 "--output-dir", str(out)], cwd=ROOT, stdout=log, stderr=subprocess.STDOUT,
                                start_new_session=True)
    observed, stage, kernels = [], None, []
    try:
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline and proc.poll() is None:
            observed.append(snapshot(out / MONTH))  # the month's folder, as a reader sees it meanwhile
            stages = sorted(out.glob(f"{run.STAGE_PREFIX}{MONTH}-*"))
            kernels = kernels or _kernel_pids(proc.pid)
            # late in the run: the notebook has written the month's files, the exports are to come
            if stages and (stages[0] / "outcomes.json").exists() and kernels:
                stage = stages[0]
                break
            time.sleep(0.05)
        assert stage is not None, f"the run never got midway: {logs.read_text(errors='replace')}"
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)
    # The kernel runs in a session of its own; it notices its parent is gone within a second or so.
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and any(_alive(p) for p in kernels):
        time.sleep(0.1)
    orphans = [p for p in kernels if _alive(p)]
    for p in orphans:  # started (indirectly) by this test: end them by their id
        os.kill(p, signal.SIGKILL)
    return {"out": out, "old": old, "stage": stage, "observed": observed, "returncode": proc.returncode,
            "orphans": orphans, "kernels": kernels}


@pytest.mark.slow
def test_kill_midway_leaves_the_old_outputs(killed):
    assert killed["returncode"] == -signal.SIGKILL
    assert killed["kernels"], "the kernel was running when the report was killed"
    assert killed["orphans"] == [], "the kernel outlived its killed parent for more than 10 s"
    out = killed["out"]
    assert snapshot(out / MONTH) == killed["old"]  # same files, same bytes
    assert all(seen == killed["old"] for seen in killed["observed"])  # at every moment of the run
    assert (killed["stage"] / "outcomes.json").is_file()  # the killed run's staging folder is left behind ...
    assert [p.name for p in out.glob(f"{run.OLD_PREFIX}*")] == []


@pytest.mark.slow
def test_the_next_run_cleans_up_after_the_killed_one_and_a_failed_run_replaces_nothing(killed, monkeypatch):
    """The next run of the month, in this process, after the killed one: it removes the
    killed run's staging folder; its own files are made, then its export fails, and
    it replaces nothing. (The pipeline is the fake one: that the kernel's
    outcomes.json is the review computed in this process is held by test_end_to_end.)"""
    out = killed["out"]
    pipeline = FakePipeline(out, fail_at="html")
    monkeypatch.setattr(run, "execute_notebook", pipeline.execute_notebook)
    monkeypatch.setattr(nbhtml, "notebook_to_html", pipeline.notebook_to_html)
    monkeypatch.setattr(pdf, "html_to_pdf", pipeline.html_to_pdf)
    with pytest.raises(RuntimeError, match="boom in html"):
        run.run_report(MONTH, DATA, out)
    assert not killed["stage"].exists()  # the killed run's staging folder is gone
    assert pipeline.seen_final == [killed["old"], killed["old"]]  # while it ran, the old outputs
    assert snapshot(out / MONTH) == killed["old"]  # the failed run replaced nothing
    assert leftovers(out) == []


@pytest.mark.slow
def test_a_notebook_that_fails_is_a_clear_error_and_replaces_nothing(tmp_path):
    """A real kernel, a notebook whose second cell raises: RunError naming the cell."""
    import nbformat
    from nbformat.v4 import new_code_cell, new_notebook

    nb = new_notebook(cells=[new_code_cell("month = None", metadata={"tags": ["parameters"]}),
                             new_code_cell("raise ValueError('the data broke the notebook')")],
                      metadata={"kernelspec": {"name": "python3", "language": "python", "display_name": "Python 3"},
                                "language_info": {"name": "python"}})
    path = tmp_path / "broken.ipynb"
    nbformat.write(nb, str(path))
    out = tmp_path / "output"
    old = make_old_outputs(out)
    with pytest.raises(run.RunError, match="cell .*ValueError: the data broke the notebook"):
        run.run_report(MONTH, DATA, out, notebook=path)
    assert snapshot(out / MONTH) == old
    assert leftovers(out) == []


def test_clean_stale_leaves_a_running_run_alone(tmp_path):
    """Two runs of one month: the second must not delete the first one's staging folder."""
    import subprocess
    import sys

    out = tmp_path / "output"
    out.mkdir()
    alive = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        running = out / f"{run.STAGE_PREFIX}2023-06-{alive.pid}-abcd1234"
        dead = out / f"{run.STAGE_PREFIX}2023-06-999999999-abcd1234"
        legacy = out / f"{run.STAGE_PREFIX}2023-06-abcd1234"
        for folder in (running, dead, legacy):
            folder.mkdir()
        run.clean_stale(out, "2023-06")
        assert running.exists() and not dead.exists() and not legacy.exists()
    finally:
        alive.kill()
        alive.wait()
