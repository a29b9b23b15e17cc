"""Small executed notebooks and report pages for the HTML and PDF tests."""

from __future__ import annotations

import base64
import json
import struct
import zlib
from pathlib import Path

import yaml
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

FIXTURES = Path(__file__).parent / "fixtures"
SOURCE_MARK = "SECRET_INPUT_CODE_4711"


def letter_html() -> str:
    """The June 2023 letter (from the outcomes fixture) as the notebook shows it."""
    from cchc.narrative import build_letter, render_html

    outcomes = json.loads((FIXTURES / "outcomes_2023-06.json").read_text(encoding="utf-8"))
    config = yaml.safe_load((FIXTURES / "config.yml").read_text(encoding="utf-8"))
    return render_html(build_letter(outcomes, config))


def png_1x1() -> str:
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    raw = (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0))
           + chunk(b"IDAT", zlib.compress(b"\x00\xff\x00\x00")) + chunk(b"IEND", b""))
    return base64.b64encode(raw).decode()


def tiny_notebook(letter: str):
    """An executed notebook: analysis cells, the letter cell (tagged), noise to leave out."""
    return new_notebook(cells=[
        new_markdown_cell("# Phân tích tháng 6/2023\n\nMột đoạn *văn bản*."),
        new_code_cell(f"{SOURCE_MARK} = 1\nprint('hello')", execution_count=1, outputs=[
            new_output("stream", name="stdout", text="xin chào\n"),
            new_output("stream", name="stderr", text="DeprecationWarning: noise\n"),
        ]),
        new_code_cell(f"{SOURCE_MARK}_letter", metadata={"tags": ["letter"]}, execution_count=2, outputs=[
            new_output("display_data", data={"text/html": letter, "text/plain": "<Letter>"}),
        ]),
        new_code_cell(f"{SOURCE_MARK}_chart", execution_count=3, outputs=[
            new_output("display_data", data={"image/png": png_1x1(), "text/plain": "<Figure>"}),
        ]),
        new_code_cell(f"{SOURCE_MARK}_table", execution_count=4, outputs=[
            new_output("execute_result", execution_count=4, data={
                "text/html": '<table class="dataframe"><tr><th>Đơn vị</th></tr><tr><td>Ngọc Kỳ</td></tr></table>',
                "application/javascript": "alert('js')",
                "text/plain": "table"}),
        ]),
        new_code_cell("hidden", metadata={"tags": ["remove"]}, execution_count=5, outputs=[
            new_output("stream", name="stdout", text="HIDDEN_OUTPUT\n")]),
        new_code_cell("half hidden", metadata={"tags": ["remove-output"]}, execution_count=6, outputs=[
            new_output("stream", name="stdout", text="HIDDEN_OUTPUT_TOO\n")]),
        new_code_cell("scripted", execution_count=7, outputs=[new_output("display_data", data={
            "text/html": '<div>ok</div><script src="https://cdn.example/x.js"></script>'})]),
    ])


def appendix_fragment(rows: int) -> str:
    """The appendix table of `rows` made-up units."""
    from cchc.tables import appendix_html

    units = [{"code": f"U{i}", "name": f"Xã Thử Nghiệm {i}", "received": 100 + i, "received_digitized": 99,
              "reception_rate": 99.0, "resolved": 80, "resolved_digitized": 80, "result_rate": 100.0}
             for i in range(rows)]
    return appendix_html({"month": "2023-06", "units": units})


def with_appendix(notebook, fragment: str):
    """The notebook with an appendix cell (tagged) at the end, showing `fragment`."""
    cell = new_code_cell("nbk.show_appendix(rv)", metadata={"tags": ["appendix"]}, execution_count=9, outputs=[
        new_output("display_data", data={"text/html": fragment, "text/plain": "<IPython.core.display.HTML object>"})])
    return new_notebook(cells=[*notebook.cells, cell], metadata=notebook.metadata)
