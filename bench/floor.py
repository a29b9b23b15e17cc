"""The floor of a report run: what any papermill-run notebook report costs.

    .venv/bin/python bench/floor.py [OUTPUT_DIR]

In one Python process, as `python -m cchc report` does: papermill executes an
EMPTY notebook (one trivial cell, the same ``python3`` kernel, the same
papermill options as cchc.run.execute_notebook), then nbconvert exports it once
to HTML. Nothing of cchc is imported. bench/run.py times this script as a whole
process and divides the report's time by it.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    out = Path(argv[0]) if argv else Path(tempfile.mkdtemp(prefix="cchc-floor-"))
    out.mkdir(parents=True, exist_ok=True)

    import nbformat
    import papermill as pm

    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"}
    nb.cells = [nbformat.v4.new_code_cell("month = None", metadata={"tags": ["parameters"]})]
    src = out / "empty.ipynb"
    nbformat.write(nb, str(src))
    executed = pm.execute_notebook(
        str(src), str(out / "empty-executed.ipynb"), parameters={"month": "2023-06"},
        cwd=str(out), progress_bar=False, log_output=False, kernel_name="python3",
        shutdown_kernel="immediate",
    )

    from nbconvert import HTMLExporter

    page, _ = HTMLExporter(exclude_input=True).from_notebook_node(executed)
    (out / "empty.html").write_text(page, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
