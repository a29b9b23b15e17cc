"""Run one month: execute the notebook with papermill, export, publish atomically.

While the kernel executes the notebook (another process, on another core), a
thread of this process writes the month's machine-readable and office files
(`write_month_files`: outcomes.json, scorecard.xlsx, report.docx, unit pages)
and sets up the exporters (`cchc.export.prepare`), so that little is left to do
once the notebook is done: the HTML export and the PDF. The thread starts from
nbclient's ``on_notebook_start`` hook, when papermill has done its own imports
(two threads importing at once can meet a half-initialised module).

Everything is written into a staging folder next to the month's folder and
moved into place only when every file is there, so a month's outputs appear
together or not at all, and a failed or interrupted run leaves the previous
outputs of that month as they were.
"""

from __future__ import annotations

import os
import re
import shutil
import sys
import threading
import uuid
from pathlib import Path

from cchc.params import PARAMETER_NAMES
from cchc.paths import notebook_path

#: The files a successful run leaves in <output_dir>/<month>/.
REPORT_FILES = ("report.html", "report.pdf", "outcomes.json", "report.ipynb")

#: The notebook parameters of the data contract, in its order.
NOTEBOOK_PARAMETERS = ("month", "data_dir", "output_dir", *PARAMETER_NAMES)

STAGE_PREFIX = ".staging-"
SWITCH_INTERVAL = 0.0005  # s, while the kernel runs (sys.setswitchinterval)
OLD_PREFIX = ".replaced-"


class RunError(Exception):
    """The notebook or an export failed; the message says where."""


def stage_dir_for(output_dir: Path, month: str) -> Path:
    """A fresh staging folder name, carrying this process's id."""
    return Path(output_dir) / f"{STAGE_PREFIX}{month}-{os.getpid()}-{uuid.uuid4().hex[:8]}"


def _owner_alive(folder: Path) -> bool:
    """Is the process that made this staging folder still running?"""
    m = re.fullmatch(rf"{re.escape(STAGE_PREFIX)}\d{{4}}-\d{{2}}-(\d+)-[0-9a-f]{{8}}", folder.name)
    if not m:
        return False  # not a name of this version: stale
    pid = int(m.group(1))
    if pid == os.getpid():
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def clean_stale(output_dir: Path, month: str) -> None:
    """Remove what killed runs of this month left; leave running ones alone."""
    for p in Path(output_dir).glob(f"{STAGE_PREFIX}{month}-*"):
        if not _owner_alive(p):
            shutil.rmtree(p, ignore_errors=True)
    for p in Path(output_dir).glob(f"{OLD_PREFIX}{month}-*"):
        final = Path(output_dir) / month
        if final.exists():
            shutil.rmtree(p, ignore_errors=True)
        else:  # killed between the two renames of publish(): put the old one back
            os.replace(p, final)


def publish(stage: Path, final: Path) -> None:
    """Move the staging folder to its final name, replacing the old one.

    If the second rename fails, the old folder is put back before the error
    goes on: the month keeps its previous outputs.
    """
    old = None
    if final.exists():
        old = final.with_name(f"{OLD_PREFIX}{final.name}-{uuid.uuid4().hex[:8]}")
        os.replace(final, old)
    try:
        os.replace(stage, final)
    except BaseException:
        if old is not None:
            os.replace(old, final)
        raise
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def execute_notebook(stage: Path, parameters: dict, notebook: Path | None = None, on_start=None):
    """Execute the monthly notebook into stage/report.ipynb; return the node.

    `on_start()`, if given, is called once the kernel is up, before the first cell.
    """
    import papermill as pm  # heavy: only when a report runs

    nb_in = Path(notebook or notebook_path())
    hooks = {"on_notebook_start": lambda **_: on_start()} if on_start else {}
    try:
        return pm.execute_notebook(
            str(nb_in),
            str(stage / "report.ipynb"),
            parameters=parameters,
            cwd=str(nb_in.parent),
            progress_bar=False,
            log_output=False,
            kernel_name="python3",
            # every cell has run and its outputs are in: stop the kernel at once
            # rather than wait for it to wind down (about 0.3 s)
            shutdown_kernel="immediate",
            **hooks,
        )
    except pm.PapermillExecutionError as exc:
        raise RunError(
            f"the notebook failed in cell {exc.exec_count}: {exc.ename}: {exc.evalue}"
        ) from None


def write_month_files(month: str, data_dir: Path, overrides: dict, stage: Path):
    """The month's files that do not come from the notebook; the exporters set
    up; the PDF's appendix laid out (returned: `cchc.export.Appendix`).

    The same `cchc.monthly.review` as the notebook's, with the same parameters:
    outcomes.json, scorecard.xlsx, report.docx and units/*.html
    (`cchc.monthly.write_files`), and the appendix the notebook shows
    (`cchc.tables.appendix_html`).
    """
    from cchc import export
    from cchc.monthly import review, write_files
    from cchc.tables import appendix_html

    rv = review(month, data_dir, **overrides)
    write_files(rv, stage)
    export.prepare()
    return export.prepare_appendix(appendix_html(rv.outcomes), title=report_title(month))


class Beside:
    """Run a function once in a thread beside the main one; hand back its result or error."""

    def __init__(self, fn):
        self._fn = fn
        self._value = None
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="cchc-beside", daemon=True)
        self._lock = threading.Lock()

    def _run(self) -> None:
        try:
            self._value = self._fn()
        except BaseException as exc:  # handed to the main thread by result()
            self._error = exc

    def start(self) -> None:
        """Start the thread (a second call does nothing)."""
        with self._lock:
            if self._thread.ident is None:  # never started
                self._thread.start()

    def wait(self) -> None:
        """Wait for the thread, if it was started."""
        if self._thread.ident is not None:
            self._thread.join()

    def result(self):
        """Start the function if it never started; wait; return its value or raise its error."""
        self.start()
        self.wait()
        if self._error is not None:
            raise self._error
        return self._value


def report_title(month: str) -> str:
    from cchc.fmt import month_label
    from cchc.tables import labels

    return labels()["captions"]["title"].format(month=month_label(month))


def run_report(
    month: str,
    data_dir: Path,
    output_dir: Path,
    overrides: dict | None = None,
    notebook: Path | None = None,
    index: bool = True,
) -> Path:
    """Write <output_dir>/<month>/ with every report file; return that folder.

    The caller has validated the data (`cchc.load.load_dataset`) first, so
    that bad input never starts a kernel. With `index` (the default), the
    portal <output_dir>/index.html is then rewritten (`refresh_index`; a
    batch passes False and writes it once at the end).
    """
    from cchc import export

    data_dir, output_dir = Path(data_dir).resolve(), Path(output_dir).resolve()
    output_dir.mkdir(parents=True, exist_ok=True)
    clean_stale(output_dir, month)
    stage = stage_dir_for(output_dir, month)
    stage.mkdir()
    params = {
        **(overrides or {}),
        "month": month,
        "data_dir": str(data_dir),
        "output_dir": str(output_dir),
    }
    beside = Beside(lambda: write_month_files(month, data_dir, overrides or {}, stage))
    switch = sys.getswitchinterval()
    try:
        try:
            # The thread beside computes; this one mostly waits for the kernel's
            # messages and should answer them at once: hand the GIL over every
            # 0.5 ms instead of 5 (fewer idle gaps between cells).
            sys.setswitchinterval(SWITCH_INTERVAL)
            nb = execute_notebook(stage, params, notebook, on_start=beside.start)
        finally:
            sys.setswitchinterval(switch)
            beside.wait()  # never remove or publish the stage under the thread's feet
        appendix = beside.result()
        html = export.notebook_to_html(nb, stage / "report.html", title=report_title(month))
        export.html_to_pdf(html, stage / "report.pdf", appendix=appendix)
        missing = [f for f in REPORT_FILES if not (stage / f).is_file()]
        if missing:
            raise RunError(f"the run did not write {', '.join(missing)}")
        final = output_dir / month
        publish(stage, final)
    except BaseException:
        # (an interrupt may have cut the wait above short: the thread must be
        # done before the stage goes; interrupted again, the stage stays and
        # the next run of the month removes it)
        beside.wait()
        shutil.rmtree(stage, ignore_errors=True)
        raise
    if index:
        refresh_index(output_dir)
    return final


def refresh_index(output_dir: Path) -> Path | None:
    """Rewrite <output_dir>/index.html (`cchc.portal.write_index`); return its path.

    The month's report is already published: a failure here is a warning on
    stderr (and None), never an error of the run.
    """
    try:
        from cchc.portal import write_index

        return write_index(output_dir)
    except Exception as exc:
        print(f"WARNING the index {Path(output_dir) / 'index.html'} was not updated: "
              f"{type(exc).__name__}: {exc}", file=sys.stderr)
        return None
