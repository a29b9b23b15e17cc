"""Run one month: execute the notebook with papermill, export it, publish atomically.

    final = run_report("2023-06", Path("data"), Path("output"))

The notebook's kernel computes the month's review once (`cchc.monthly.review`)
and writes, from it, outcomes.json, scorecard.xlsx, report.docx and the unit
pages into the folder given as its `files_dir` parameter (here a staging
folder). This process then exports the executed notebook as report.html
(`cchc.nbhtml`) and report.pdf (`cchc.pdf`), and publishes the folder.

Everything is written into the staging folder next to the month's folder and
moved into place only when every file is there, so a month's outputs appear
together or not at all, and a failed or interrupted run leaves the previous
outputs of that month as they were.
"""

from __future__ import annotations

import os
import re
import shutil
import sys
import tempfile
import uuid
from contextlib import contextmanager
from pathlib import Path

from cchc.params import PARAMETER_NAMES
from cchc.paths import notebook_path

#: The files a successful run leaves in <output_dir>/<month>/ (and the folder units/).
REPORT_FILES = ("report.html", "report.pdf", "report.ipynb", "outcomes.json", "scorecard.xlsx", "report.docx")

#: The notebook parameters: the data contract's, then `files_dir` (set by the run).
NOTEBOOK_PARAMETERS = ("month", "data_dir", "output_dir", *PARAMETER_NAMES, "files_dir")

STAGE_PREFIX = ".staging-"
OLD_PREFIX = ".replaced-"


class RunError(Exception):
    """The notebook or an export failed; the message says where."""


def stage_dir_for(output_dir: Path, month: str) -> Path:
    """A fresh staging folder name, carrying this process's id."""
    return Path(output_dir) / f"{STAGE_PREFIX}{month}-{os.getpid()}-{uuid.uuid4().hex[:8]}"


def _pid_alive(pid: int) -> bool:
    """Is process `pid` running (or there, but not ours to signal)?"""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _owner_alive(folder: Path) -> bool:
    """Is the process that made this staging folder still running?"""
    m = re.fullmatch(rf"{re.escape(STAGE_PREFIX)}\d{{4}}-\d{{2}}-(\d+)-[0-9a-f]{{8}}", folder.name)
    if not m:
        return False  # not a name of this version: stale
    pid = int(m.group(1))
    return pid != os.getpid() and _pid_alive(pid)


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


#: The longest path of a Unix socket (sun_path is 104 bytes on macOS, 108 on Linux),
#: with room for the "-<port>" the kernel manager appends.
SOCKET_PATH_MAX = 96


#: The private temporary folders of the kernels' sockets: cchc-kernel-<pid of the run>-<random>.
KERNEL_PREFIX = "cchc-kernel-"


def clean_stale_kernel_folders(tmp: Path | None = None) -> None:
    """Remove the socket folders of runs that were killed (their process is gone)."""
    for folder in Path(tmp or tempfile.gettempdir()).glob(f"{KERNEL_PREFIX}*-*"):
        m = re.fullmatch(rf"{re.escape(KERNEL_PREFIX)}(\d+)-.+", folder.name)
        if m and int(m.group(1)) != os.getpid() and not _pid_alive(int(m.group(1))):
            shutil.rmtree(folder, ignore_errors=True)


@contextmanager
def kernel_transport():
    """The kernel manager's configuration for one run: IPC (Unix sockets in a
    private temporary folder) where the system has them, else the default TCP.

    Over TCP, ipykernel warns on every start that the kernel "is running over
    TCP without encryption"; over IPC the kernel is reachable only through
    files of this user, and says nothing. The folder (and the sockets) go at
    the end of the run; those of killed runs, at the start of the next one.
    """
    from traitlets.config import Config

    if os.name != "posix":
        yield Config()
        return
    clean_stale_kernel_folders()
    folder = tempfile.mkdtemp(prefix=f"{KERNEL_PREFIX}{os.getpid()}-")
    try:
        ip = os.path.join(folder, "k")
        if len(ip) > SOCKET_PATH_MAX:  # a very long TMPDIR: sockets cannot live there
            yield Config()
        else:
            yield Config({"KernelManager": {"transport": "ipc", "ip": ip}})
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def execute_notebook(stage: Path, parameters: dict, notebook: Path | None = None):
    """Execute the monthly notebook into stage/report.ipynb; return the executed node."""
    import papermill as pm  # heavy: only when a report runs

    nb_in = Path(notebook or notebook_path())
    try:
        with kernel_transport() as config:
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
                # nbclient's NotebookClient hands its config to the kernel manager it makes
                config=config,
            )
    except pm.PapermillExecutionError as exc:
        raise RunError(
            f"the notebook failed in cell {exc.exec_count}: {exc.ename}: {exc.evalue}"
        ) from None


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
    stage = build_report(month, data_dir, output_dir, overrides, notebook)
    final = publish_report(stage, output_dir, month)
    if index:
        refresh_index(Path(output_dir).resolve())
    return final


def build_report(
    month: str,
    data_dir: Path,
    output_dir: Path,
    overrides: dict | None = None,
    notebook: Path | None = None,
) -> Path:
    """Every report file of the month in a fresh staging folder under output_dir; return that folder.

    Nothing is published: `publish_report` does that (a batch publishes in its
    own process, so that an interrupt publishes nothing more). On any failure
    or interrupt the staging folder is removed.
    """
    from cchc import nbhtml, pdf

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
        "files_dir": str(stage),
    }
    try:
        nb = execute_notebook(stage, params, notebook)
        page = nbhtml.notebook_to_html(nb, stage / "report.html", title=report_title(month))
        pdf.html_to_pdf(page, stage / "report.pdf", base_url=str(stage))
        missing = [f for f in REPORT_FILES if not (stage / f).is_file()]
        if missing:
            raise RunError(f"the run did not write {', '.join(missing)}")
    except BaseException:
        shutil.rmtree(stage, ignore_errors=True)
        raise
    return stage


def publish_report(stage: Path, output_dir: Path, month: str) -> Path:
    """Publish a staging folder of `build_report` as <output_dir>/<month>/ (`publish`); return that folder.

    If publishing fails, the staging folder is removed and the month keeps its previous outputs.
    """
    final = Path(output_dir).resolve() / month
    try:
        publish(Path(stage), final)
    except BaseException:
        shutil.rmtree(stage, ignore_errors=True)
        raise
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
