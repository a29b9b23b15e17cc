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


# ----------------------------------------------------- bad data, other folders (issue 13, items 3 and 4)

def _bad_data(tmp_path: Path) -> Path:
    """A June with two errors and a warning."""
    from workbooks import make_data_dir, valid_month

    month = valid_month()
    month["SoHoa"] = [("Ngọc Kỳ", -3, 0, 0, 0), ("Xã Không Có", 1, 1, 1, 1)]
    return make_data_dir(tmp_path, months={"2023-06": month})


def test_a_data_error_says_every_problem_as_the_command_line_does(tmp_path, capsys):
    import pickle

    from cchc.cli import print_problems
    from cchc.dataset import DataError

    data = _bad_data(tmp_path)
    with pytest.raises(DataError) as caught:
        review("2023-06", data)
    problems = caught.value.problems
    assert sum(p.is_error for p in problems) == 2 and any(not p.is_error for p in problems)
    print_problems(problems)
    cli_lines = capsys.readouterr().err.splitlines()
    message = str(caught.value)
    assert message.splitlines() == ["2 error(s) in the input data:", *cli_lines]
    assert "value '-3'" in message and "Xã Không Có" in message
    assert pickle.loads(pickle.dumps(caught.value)).problems == problems


def test_relative_data_dir_is_the_repository_root_s_from_any_folder(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # plain papermill starts the kernel where it was started
    assert review("2023-05", "data").ds.data_dir == ROOT / "data"


def test_a_missing_data_folder_says_where_it_was_looked_for(tmp_path, monkeypatch):
    from cchc.dataset import DataError

    monkeypatch.chdir(tmp_path)
    with pytest.raises(DataError) as caught:
        review("2023-05", "no-such-data")
    assert (f"the data folder {ROOT / 'no-such-data'} does not exist (data_dir 'no-such-data' is taken from "
            f"the repository root {ROOT}") in str(caught.value)


def _papermill(cwd: Path, *params: str):
    import subprocess
    import sys

    return subprocess.run([sys.executable, "-m", "papermill", str(NOTEBOOK), "out.ipynb", "--no-progress-bar",
                           *params], cwd=cwd, capture_output=True, text=True, timeout=600)


@pytest.mark.slow
def test_plain_papermill_from_another_folder_finds_the_data_and_takes_the_parameters(tmp_path):
    done = _papermill(tmp_path, "-p", "month", "2023-05", "-p", "payment_target", "35", "-p", "criticism_months", "6")
    assert done.returncode == 0, done.stderr[-3000:]
    run = nbformat.read(tmp_path / "out.ipynb", as_version=4)
    letter_cell = next(c for c in run.cells if "letter" in c.metadata.get("tags", []))
    shown = "".join(o.get("data", {}).get("text/html", "") for o in letter_cell.outputs)
    expected = review("2023-05", ROOT / "data", payment_target=35, criticism_months=6).letter
    assert shown.strip() == render_html(expected).strip()
    assert "35%" in shown and shown.strip() != render_html(review("2023-05", ROOT / "data").letter).strip()


@pytest.mark.slow
def test_plain_papermill_on_bad_data_shows_every_problem(tmp_path):
    from cchc.load import validate

    data = _bad_data(tmp_path)
    done = _papermill(tmp_path, "-p", "month", "2023-06", "-p", "data_dir", str(data))
    assert done.returncode != 0
    run = nbformat.read(tmp_path / "out.ipynb", as_version=4)
    errors = [o for c in run.cells if c.cell_type == "code" for o in c.outputs if o.output_type == "error"]
    assert len(errors) == 1 and errors[0].ename == "DataError"
    for p in validate(data, "2023-06"):  # each problem, in the notebook and on papermill's stderr
        assert str(p) in errors[0].evalue
        assert str(p) in done.stderr


@pytest.mark.parametrize("months, subtitle", [
    ([f"{y}-{m:02d}" for y in range(2019, 2024) for m in range(1, 13)],
     "UBND HUYỆN THỬ — dữ liệu 60 tháng, từ tháng 1/2019 đến tháng 12/2023."),
    (["2023-01", "2023-02", "2023-04"], "UBND HUYỆN THỬ — dữ liệu 3 tháng, từ tháng 1/2023 đến tháng 4/2023 "
                                        "(thiếu 1 tháng)."),
    (["2023-06"], "UBND HUYỆN THỬ — dữ liệu tháng 6/2023."),
])
def test_the_title_gives_the_months_read_as_a_range(monkeypatch, months, subtitle):
    import html
    import re
    from types import SimpleNamespace

    from cchc import notebook as nbk

    shown = []
    monkeypatch.setattr(nbk, "_display", shown.append)  # our own display helper, not a library's
    nbk.show_title(SimpleNamespace(config={"issuer": "UBND HUYỆN THỬ"}, month=months[-1],
                                   ds=SimpleNamespace(months=months)))
    text = html.unescape(re.sub(r"<[^>]+>", "\n", shown[0]))
    assert subtitle in text.splitlines()
