"""The whole product on the sample, through the command line, as the analyst runs it.

One report of June 2023 is written once for the module (it takes ~20 s) and
every test reads its files: outcomes.json, the HTML and the PDF's text.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import unicodedata
from html.parser import HTMLParser
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "data"

pytestmark = pytest.mark.slow


def cchc(*args, cwd=ROOT, env=None):
    return subprocess.run([sys.executable, "-m", "cchc", *map(str, args)], cwd=cwd,
                          capture_output=True, text=True, timeout=600, env=env)


@pytest.fixture(scope="module")
def june(tmp_path_factory):
    out = tmp_path_factory.mktemp("output")
    tmp = tmp_path_factory.mktemp("tmp")
    done = cchc("report", "--month", "2023-06", "--data-dir", DATA, "--output-dir", out,
                env={**os.environ, "TMPDIR": str(tmp)})
    assert done.returncode == 0, done.stderr
    # the run leaves no temporary font folder of WeasyPrint behind
    assert not list(tmp.glob("weasyprint-*"))
    return out / "2023-06", done, tmp


@pytest.fixture(scope="module")
def outcomes(june):
    return json.loads((june[0] / "outcomes.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def pdf_text(june):
    from pypdf import PdfReader

    reader = PdfReader(june[0] / "report.pdf")
    text = "\n".join(page.extract_text() for page in reader.pages)
    return unicodedata.normalize("NFC", re.sub(r"[ \t]+", " ", text))


@pytest.fixture(scope="module")
def html_text(june):
    return (june[0] / "report.html").read_text(encoding="utf-8")


def test_no_warning_about_the_kernel_s_transport(june):
    """The kernel talks over Unix sockets in a private folder, removed after the run: ipykernel's
    "Kernel is running over TCP without encryption" warning is not raised (nor hidden)."""
    folder, done, tmp = june
    assert "without encryption" not in done.stderr, done.stderr
    assert "[IPKernelApp]" not in done.stderr, done.stderr
    assert not list(tmp.glob("cchc-kernel-*"))


def test_report_writes_every_file(june):
    folder, done, _ = june
    for name in ("report.html", "report.pdf", "outcomes.json", "report.ipynb", "report.docx", "scorecard.xlsx"):
        assert (folder / name).stat().st_size > 0, name
    assert "Wrote" in done.stdout
    assert not [p for p in folder.parent.iterdir() if p.name.startswith(".")], "no staging folder left behind"


def test_outcomes_json_has_every_contract_key(outcomes):
    for key in ("month", "parameters", "inputs", "district", "local_average_reception_rate", "units", "outcomes", "warnings"):
        assert key in outcomes
    assert outcomes["month"] == "2023-06"
    assert {i["file"] for i in outcomes["inputs"]} >= {"raw/2023-06.xlsx"}
    assert all(re.fullmatch(r"[0-9a-f]{64}", i["sha256"]) for i in outcomes["inputs"])
    for key in ("commend_departments", "commend_local_digitization", "commend_local_payment", "criticize", "remind",
                "payment_window", "payment_meets", "payment_below", "payment_very_low", "payment_not_implemented"):
        assert key in outcomes["outcomes"]
    unit_keys = {"code", "name", "kind", "received", "received_digitized", "reception_rate", "resolved",
                 "resolved_digitized", "result_rate", "payment_total", "payment_online", "payment_rate",
                 "window_payment_rate", "below_average_streak", "overdue_total", "overdue_excused"}
    assert all(unit_keys <= set(u) for u in outcomes["units"])


def test_outcomes_reproduce_the_seed(outcomes):
    d = outcomes["district"]
    assert (d["reception_rate"], d["reception_rate_change"]) == (97.31, 0.66)
    assert (d["result_rate"], d["result_rate_change"]) == (98.67, 2.39)
    assert (d["overdue_total"], d["overdue_excused"]) == (2, 1)
    assert outcomes["local_average_reception_rate"] == 97.04
    o = outcomes["outcomes"]
    names = lambda key: [u["name"] for u in o[key]]  # noqa: E731
    assert len(o["commend_departments"]) == 6
    assert names("commend_local_digitization") == ["Ngọc Kỳ", "Phượng Kỳ", "Đại Sơn", "Quang Trung"]
    assert names("commend_local_payment") == ["Chí Minh", "Quang Phục", "An Thanh", "Quảng Nghiệp"]
    assert [(u["name"], u["streak"]) for u in o["criticize"]] == [("Hưng Đạo", 5)]
    assert [(u["name"], u["count"]) for u in o["remind"]] == [("Tái Sơn", 1)]
    assert o["payment_window"] == {"start": "2023-04", "end": "2023-06", "months": ["2023-04", "2023-05", "2023-06"]}
    assert (len(o["payment_meets"]), len(o["payment_below"]), len(o["payment_very_low"]),
            len(o["payment_not_implemented"])) == (9, 13, 6, 1)


SEED_PHRASES = [
    "97,31%", "0,66%", "98,67%", "2,39%", "89,8%", "7,24%", "0,35%", "06 cơ quan", "04 UBND xã",
    "05 tháng liên tiếp", "Nhắc nhở lần thứ nhất", "(tiếp nhận 113/113 hồ sơ, giải quyết 109/109 hồ sơ)",
    "(1/1 hồ sơ)", "Vũ Thị Hà", "Báo cáo số 107/BC-UBND", "kể từ ngày 01/4/2023 đến 30/6/2023",
]


@pytest.mark.parametrize("phrase", SEED_PHRASES)
def test_pdf_text_has_the_seed_phrases(pdf_text, phrase):
    # a justified line may break after "/" (107/ BC-UBND): allow that, nothing else
    pattern = r"\s+".join(re.escape(w).replace("/", r"/\s*") for w in phrase.split())
    assert re.search(pattern, pdf_text), phrase


def test_pdf_is_a4_with_embedded_liberation_serif(june):
    from pypdf import PdfReader

    reader = PdfReader(june[0] / "report.pdf")
    box = reader.pages[0].mediabox
    assert (round(float(box.width) / 72 * 25.4), round(float(box.height) / 72 * 25.4)) == (210, 297)
    fonts = set()
    for page in reader.pages[:2]:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            desc = font.get("/FontDescriptor") or font["/DescendantFonts"][0].get_object()["/FontDescriptor"]
            desc = desc.get_object()
            if any(k in desc for k in ("/FontFile", "/FontFile2", "/FontFile3")):
                fonts.add(str(font["/BaseFont"]))
    assert any(re.search(r"Liberation-?Serif", f) for f in fonts), fonts


class _Refs(HTMLParser):
    def __init__(self):
        super().__init__()
        self.refs, self.scripts, self.inputs = [], 0, 0

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "script":
            self.scripts += 1
        for key in ("src", "href"):
            if attrs.get(key):
                self.refs.append(attrs[key])
        if "jp-InputArea" in (attrs.get("class") or "") or "input_area" in (attrs.get("class") or ""):
            self.inputs += 1


def test_html_is_offline_and_shows_no_code(html_text):
    refs = _Refs()
    refs.feed(html_text)
    assert refs.scripts == 0
    assert refs.inputs == 0
    remote = [r for r in refs.refs if re.match(r"(?i)(https?:)?//", r)]
    assert remote == []
    assert not re.search(r"(?i)@import|url\(\s*['\"]?https?:", html_text)
    assert "nbk.show_letter" not in html_text and "import " not in html_text


def test_html_has_letter_first_then_the_analysis(html_text):
    letter = html_text.index("Kính gửi")
    analysis = html_text.index("Dữ liệu và chất lượng dữ liệu")
    assert letter < analysis
    assert "<svg" in html_text or "data:image/png;base64" in html_text


def test_executed_notebook_keeps_parameters(june):
    import nbformat

    nb = nbformat.read(june[0] / "report.ipynb", as_version=4)
    injected = [c for c in nb.cells if "injected-parameters" in c.metadata.get("tags", [])]
    assert injected and 'month = "2023-06"' in injected[0].source


def test_outcomes_json_is_what_the_notebook_computed(june, outcomes):
    """The kernel computes the month once and writes outcomes.json from it:
    the notebook's letter is the letter of outcomes.json, and outcomes.json is,
    byte for byte, the review of the month computed here."""
    import nbformat

    from cchc.load import load_dataset
    from cchc.narrative import build_letter, render_html
    from cchc.outcomes import build_outcomes, to_json

    nb = nbformat.read(june[0] / "report.ipynb", as_version=4)
    cell = next(c for c in nb.cells if "letter" in c.metadata.get("tags", []))
    shown = "".join(o.get("data", {}).get("text/html", "") for o in cell.outputs)
    ds = load_dataset(DATA, "2023-06")
    assert shown.strip() == render_html(build_letter(outcomes, ds.config)).strip()
    assert (june[0] / "outcomes.json").read_text(encoding="utf-8") == to_json(build_outcomes(ds))
