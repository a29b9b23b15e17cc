"""The command line: validate, bad options, nothing written on bad input."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from cchc.cli import main

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "data"


def test_validate_sample_is_clean(capsys):
    assert main(["validate", "--month", "2023-06", "--data-dir", str(DATA)]) == 0
    assert "0 error(s)" in capsys.readouterr().out


def test_validate_defaults_to_latest_month(capsys):
    assert main(["validate", "--data-dir", str(DATA)]) == 0


def test_bad_month_is_a_usage_error(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["report", "--month", "2023-13"])
    assert exc.value.code == 2
    assert "YYYY-MM" in capsys.readouterr().err


def test_unknown_parameter_is_a_usage_error(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["report", "-p", "payment_targt=40"])
    assert exc.value.code == 2
    assert "payment_target" in capsys.readouterr().err


def test_out_of_range_parameter_writes_nothing(tmp_path, capsys):
    code = main(["report", "--month", "2023-06", "--data-dir", str(DATA), "--output-dir", str(tmp_path),
                 "-p", "payment_target=130"])
    assert code == 2
    assert "payment_target" in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []


def test_bad_data_lists_every_problem_and_writes_nothing(tmp_path, capsys):
    data = tmp_path / "data"
    shutil.copytree(DATA, data)
    from openpyxl import load_workbook

    path = data / "raw" / "2023-06.xlsx"
    wb = load_workbook(path)
    ws = wb["SoHoa"]
    header = next(r for r in range(1, 10) if any(str(c.value or "").strip() == "Tiếp nhận" for c in ws[r]))
    col = {str(c.value).strip(): c.column for c in ws[header] if c.value}
    ws.cell(header + 1, col["Tiếp nhận"]).value = -3
    ws.cell(header + 2, col["Đơn vị"]).value = "Xã Không Có"
    wb["QuaHan"].title = "QuaHan_old"
    wb.save(path)
    out = tmp_path / "out"
    code = main(["report", "--month", "2023-06", "--data-dir", str(data), "--output-dir", str(out)])
    err = capsys.readouterr().err
    assert code == 1
    assert "-3" in err and "Xã Không Có" in err and "QuaHan" in err
    assert "Nothing was written" in err
    assert not out.exists() or list(out.iterdir()) == []


def test_no_traceback_from_the_module_entry_point(tmp_path):
    (tmp_path / "raw").mkdir()
    done = subprocess.run([sys.executable, "-m", "cchc", "validate", "--data-dir", str(tmp_path)],
                          capture_output=True, text=True)
    assert done.returncode == 1
    assert "Traceback" not in done.stderr + done.stdout


@pytest.mark.parametrize("argv", [
    ["report", "--month", "9999-12"],
    ["validate", "--month", "9999-12"],
    ["template", "--month", "0000-01"],
    ["batch", "--from", "2023-01", "--to", "9999-12"],
    ["batch", "--from", "1066-10", "--to", "2023-06"],
])
def test_an_impossible_month_is_a_usage_error_not_a_failure(argv, capsys, tmp_path):
    with pytest.raises(SystemExit) as exc:
        main([*argv, "--data-dir", str(tmp_path)])
    err = capsys.readouterr().err
    assert exc.value.code == 2
    assert "between 1950-01 and 2149-12" in err and "unexpected failure" not in err
    assert list(tmp_path.iterdir()) == []
