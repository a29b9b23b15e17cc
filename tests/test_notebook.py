"""notebooks/monthly_report.ipynb: committed clean, documented parameters, and
run as JupyterLab runs it (defaults, from notebooks/) it gives what the CLI gives."""

from __future__ import annotations

import json
from pathlib import Path

import nbformat
import pytest

from cchc.monthly import review
from cchc.narrative import render_html
from cchc.run import NOTEBOOK_PARAMETERS

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK = ROOT / "notebooks" / "monthly_report.ipynb"


@pytest.fixture(scope="module")
def nb():
    return nbformat.read(NOTEBOOK, as_version=4)


def test_committed_without_outputs_or_counts(nb):
    for cell in nb.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None


def test_every_contract_parameter_in_the_tagged_cell_with_a_comment(nb):
    cells = [c for c in nb.cells if "parameters" in c.metadata.get("tags", [])]
    assert len(cells) == 1
    lines = {line.split("=")[0].strip(): line for line in cells[0].source.splitlines() if "=" in line}
    for name in NOTEBOOK_PARAMETERS:
        assert name in lines, name
        assert "  # " in lines[name], f"{name} has no comment"


def test_papermill_documents_the_parameters():
    from papermill.inspection import display_notebook_help
    from click import Context, Command

    ctx = Context(Command("papermill"))
    import io
    from contextlib import redirect_stdout

    buf = io.StringIO()
    with redirect_stdout(buf):
        display_notebook_help(ctx, str(NOTEBOOK), None)
    text = buf.getvalue()
    assert "Unable to parse" not in text
    for name in NOTEBOOK_PARAMETERS:
        assert f"  {name}:" in text


def test_the_letter_and_the_appendix_are_tagged(nb):
    """cchc.nbhtml puts the letter first; print.css prints the appendix as an annex."""
    tagged = {tag: [c.source for c in nb.cells if tag in c.metadata.get("tags", [])] for tag in ("letter", "appendix")}
    assert tagged == {"letter": ["nbk.show_letter(rv)"], "appendix": ["nbk.show_appendix(rv)"]}


def test_the_kernel_writes_the_month_files_where_the_run_says(nb):
    """One computation: the last cell writes the review's files into files_dir
    (hidden from the report); the parameters cell leaves it None."""
    last = nb.cells[-1]
    assert last.source == "monthly.write_files(rv, files_dir)"
    assert "remove-cell" in last.metadata.get("tags", [])
    params = next(c for c in nb.cells if "parameters" in c.metadata.get("tags", []))
    assert "files_dir = None  #" in params.source


def test_only_cchc_calls_in_code_cells(nb):
    """The notebook is thin: no pandas, no loops, no file I/O of its own."""
    code = "\n".join(c.source for c in nb.cells if c.cell_type == "code" and "parameters" not in c.metadata.get("tags", []))
    for word in ("import pandas", "for ", "open(", "read_excel", "to_csv"):
        assert word not in code


@pytest.mark.slow
def test_runs_in_jupyterlab_with_its_defaults_as_under_papermill(nb):
    """Executed as JupyterLab does (defaults, cwd notebooks/, no injection), the
    notebook shows the letter of the latest month and draws every chart."""
    from nbclient import NotebookClient

    run = nbformat.from_dict(json.loads(json.dumps(nb)))
    before = sorted((ROOT / "output").iterdir()) if (ROOT / "output").exists() else []
    NotebookClient(run, timeout=600, kernel_name="python3",
                   resources={"metadata": {"path": str(ROOT / "notebooks")}}).execute()
    letter_cell = next(c for c in run.cells if "letter" in c.metadata.get("tags", []))
    shown = "".join(o.get("data", {}).get("text/html", "") for o in letter_cell.outputs)
    assert shown.strip() == render_html(review(None, ROOT / "data").letter).strip()
    images = sum("image/png" in o.get("data", {}) for c in run.cells if c.cell_type == "code" for o in c.outputs)
    assert images >= 7  # district trend, four rankings, heat map, payments, overdue
    errors = [o for c in run.cells if c.cell_type == "code" for o in c.outputs if o.output_type == "error"]
    assert errors == []
    after = sorted((ROOT / "output").iterdir()) if (ROOT / "output").exists() else []
    assert after == before  # files_dir None: nothing written
