"""Fuzzing the loader: whatever the data directory holds, `validate` returns problems
and `load_dataset` returns a Dataset or raises DataError -- never another exception.

Hypothesis writes real files: monthly workbooks with random sheets present or
absent (or misspelt), header rows at random positions, columns missing, shuffled
or doubled, cells of mixed types (ints, floats, negative, huge, text, dates,
times, booleans, blanks, unicode in NFC and NFD, Excel error values, formulas
without a saved result, formula-like text), random units.csv and config.yml
variants, and now and then a file that is not a workbook at all.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import tempfile
import unicodedata
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook

from cchc import cache, load
from cchc.dataset import (
    DIGITIZATION_COLUMNS,
    OVERDUE_COLUMNS,
    PAYMENT_COLUMNS,
    REPORT_COLUMNS,
    UNIT_COLUMNS,
    DataError,
    Dataset,
    Problem,
)
from workbooks import DEFAULT_CONFIG, DEFAULT_UNITS, SHEETS, write_config

MONTH = "2023-06"


@pytest.fixture(scope="module", autouse=True)
def no_month_cache():
    """Every case is read from its file, not taken from the parsed-month cache:
    what is checked is the parsing."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv(cache.CACHE_VARIABLE, "off")
        yield
UNIT_NAMES = [u[1] for u in DEFAULT_UNITS] + ["UBND xã Hòa Bình", "Phụng Kỳ", "Hoa Binh", "Tổng cộng", "Toàn huyện"]

# Text without the control characters an .xlsx cannot hold (openpyxl refuses them).
_chars = st.characters(blacklist_categories=("Cs", "Cc"), max_codepoint=0x2FFFF)
texts = st.one_of(
    st.text(_chars, max_size=12),
    st.sampled_from(UNIT_NAMES),
    st.sampled_from(UNIT_NAMES).map(lambda s: unicodedata.normalize("NFD", s)),
    st.sampled_from(["Có", "Không", "x", "TRUE", "0", "yes", "-", " ", "", "có lẽ"]),
    st.sampled_from(["1.234", "1,234", "12,5", "1 000", "-3", "1e5", "#DIV/0!", "#N/A", "#REF!"]),
    st.sampled_from(["05/06/2023", "31/02/2023", "2023-06-05", "5/6/23", "01/01/2999", "01/01/1500", "hôm qua"]),
    st.sampled_from(["'=HYPERLINK(\"http://x\")", "+1", "@SUM(A1)", "<script>alert(1)</script>"]),
)
formulas = st.sampled_from(["=1+1", "=SUM(B2:B3)", "=A1", '=HYPERLINK("http://x","y")', "=1/0"])
cell_values = st.one_of(
    st.none(),
    st.integers(-5, 200),
    st.integers(min_value=-(10**30), max_value=10**30),
    st.floats(allow_nan=False, allow_infinity=False, width=64),
    st.sampled_from([0.5, 12.5, 1e15, 1e300, -0.0]),
    st.booleans(),
    st.datetimes(min_value=dt.datetime(1900, 3, 1), max_value=dt.datetime(9999, 12, 31)),
    st.dates(min_value=dt.date(1900, 3, 1), max_value=dt.date(9999, 12, 31)),
    st.times(),
    texts,
    formulas,
)


@st.composite
def sheet_rows(draw, sheet: str) -> list[list]:
    """A sheet: title rows, a header (maybe shifted, shuffled, incomplete), data rows."""
    headers = [h for _, h in SHEETS[sheet]]
    kept = [h for h in headers if draw(st.integers(0, 9)) > 0]  # now and then a column is missing
    if draw(st.booleans()):
        kept = draw(st.permutations(kept))
    if draw(st.integers(0, 6)) == 0:
        kept = kept + draw(st.lists(st.sampled_from(headers + ["STT", "Ghi chú"]), max_size=2))
    variants = {
        0: lambda h: h,
        1: lambda h: h.upper(),
        2: lambda h: unicodedata.normalize("NFD", h),
        3: lambda h: f"  {h} ",
    }
    style = draw(st.sampled_from(sorted(variants)))
    header = [variants[style](h) for h in kept]
    offset = draw(st.integers(0, 3))
    rows: list[list] = [[draw(texts)] for _ in range(draw(st.integers(0, 3)))]  # title rows
    rows.append([None] * offset + header)
    for _ in range(draw(st.integers(0, 6))):
        if draw(st.integers(0, 5)) == 0:
            rows.append([])  # a blank row
            continue
        row = [draw(cell_values) for _ in range(len(header) + draw(st.integers(-1, 1)))]
        if row and draw(st.booleans()) and "Đơn vị" in kept:  # mostly a plausible unit
            row[kept.index("Đơn vị") % len(row)] = draw(st.sampled_from(UNIT_NAMES))
        rows.append([None] * offset + row)
    return rows


@st.composite
def workbooks(draw) -> dict:
    """{sheet name: rows}; sheets may be missing or misspelt."""
    out = {}
    for sheet in SHEETS:
        fate = draw(st.integers(0, 11))
        if fate == 0:
            continue  # missing sheet
        name = sheet if fate > 1 else draw(st.sampled_from([sheet.lower(), sheet + " ", "Sheet1"]))
        if name in out:
            continue
        out[name] = draw(sheet_rows(sheet))
    if not out:
        out["Ghi chú"] = [["a workbook needs one sheet"]]
    return out


@st.composite
def units_csv(draw) -> str | bytes | None:
    """units.csv text: the default registry, mutated; sometimes bytes, sometimes no file."""
    fate = draw(st.integers(0, 14))
    if fate == 0:
        return None
    if fate == 1:
        return draw(st.binary(max_size=60))
    rows = [list(u) for u in DEFAULT_UNITS]
    for _ in range(draw(st.integers(0, 3))):
        rows.append([draw(st.sampled_from(["", "TP", "X1", "X2"]) | st.text(_chars, max_size=4)),
                     draw(texts), draw(st.sampled_from(["commune", "town", "ward", "department", "xã", "", "village"])),
                     draw(st.sampled_from(["", "Phụng Kỳ", "a;b", ";;", "Ngọc Kỳ"]))])
    if draw(st.booleans()):
        rows = draw(st.permutations(rows))
    header = draw(st.sampled_from([["code", "name", "kind", "aliases"], ["code", "name", "kind"], ["Code", "Name", "Kind", "Aliases"],
                                   ["code", "ten", "kind", "aliases"]]))
    lines = [",".join(header)] + [",".join('"' + str(c).replace('"', '""') + '"' for c in r[: len(header)]) for r in rows]
    text = "\n".join(lines) + "\n"
    if draw(st.integers(0, 5)) == 0:
        text = unicodedata.normalize("NFD", text)
    return text


configs = st.one_of(
    st.just(DEFAULT_CONFIG),
    st.just({k: v for k, v in DEFAULT_CONFIG.items() if k != "place"}),
    st.just({**DEFAULT_CONFIG, "signer": "Chủ tịch"}),
    st.just({**DEFAULT_CONFIG, "parameters": {"payment_target": 40, "unknown": 1}, "recipients": "Một người"}),
    st.sampled_from(["issuer: [unclosed\n", "- a\n- b\n", "", "issuer:\tX\n", "\x00\x01"]),
)


def _write_workbook(path: Path, sheets: dict) -> None:
    wb = Workbook()
    wb.remove(wb.active)
    for name, rows in sheets.items():
        ws = wb.create_sheet(name)
        for row in rows:
            ws.append(row)
    wb.save(path)


def _write_data_dir(root: Path, units, config, months: dict) -> Path:
    (root / "raw").mkdir(parents=True)
    if isinstance(units, bytes):
        (root / "units.csv").write_bytes(units)
    elif units is not None:
        (root / "units.csv").write_text(units, encoding="utf-8")
    write_config(root / "config.yml", config)
    for month, content in months.items():
        path = root / "raw" / f"{month}.xlsx"
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            _write_workbook(path, content)
    return root


def _check(root: Path, month: str) -> None:
    problems = load.validate(root, month)
    assert isinstance(problems, list) and all(isinstance(p, Problem) for p in problems)
    assert all(p.level in ("error", "warning") and p.message for p in problems)
    assert all("Traceback" not in str(p) for p in problems)
    has_errors = any(p.is_error for p in problems)
    try:
        ds = load.load_dataset(root, month)
    except DataError as exc:
        assert has_errors and exc.errors, "DataError without errors"
        assert exc.problems == problems  # the same list, every time
        return
    assert not has_errors, [str(p) for p in problems if p.is_error]
    assert isinstance(ds, Dataset) and ds.month == month
    assert list(ds.units.columns) == UNIT_COLUMNS
    assert list(ds.digitization.columns) == DIGITIZATION_COLUMNS
    assert list(ds.payments.columns) == PAYMENT_COLUMNS
    assert list(ds.overdue.columns) == OVERDUE_COLUMNS
    assert list(ds.reports.columns) == REPORT_COLUMNS
    counts = ds.digitization[DIGITIZATION_COLUMNS[2:6]]
    assert (counts >= 0).all().all()
    assert (ds.digitization["received_digitized"] <= ds.digitization["received"]).all()
    assert (ds.payments["payment_online"] <= ds.payments["payment_total"]).all()
    assert len(ds.digitization) == len(ds.units) * len(ds.months)
    for frame, column in ((ds.overdue, "deadline"), (ds.reports, "due")):
        assert str(frame[column].dtype) == "datetime64[ns]" and frame[column].notna().all()
    assert all(isinstance(s, str) and s == unicodedata.normalize("NFC", s) for s in ds.overdue["reason"])
    assert ds.overdue["dossier"].is_unique
    assert isinstance(ds.warnings, list)


# CCHC_FUZZ_EXAMPLES=2000 pytest tests/test_fuzz_loader.py: a longer hunt.
EXAMPLES = int(os.environ.get("CCHC_FUZZ_EXAMPLES", "25"))  # more: CCHC_FUZZ_EXAMPLES=500
FUZZ = settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


@FUZZ
@given(
    units=units_csv(),
    config=configs,
    month=workbooks(),
    previous=st.one_of(st.none(), workbooks(), st.binary(max_size=40), st.just(b"PK\x03\x04broken")),
    replace=st.one_of(st.none(), st.sampled_from([b"", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100, b"a,b\n1,2\n"])),
)
def test_loader_never_raises_anything_but_data_error(units, config, month, previous, replace):
    root = Path(tempfile.mkdtemp(prefix="cchc-fuzz-"))
    try:
        months = {MONTH: replace if replace is not None else month}
        if previous is not None:
            months["2023-05"] = previous
        _write_data_dir(root / "data", units, config, months)
        _check(root / "data", MONTH)
    finally:
        shutil.rmtree(root, ignore_errors=True)


@FUZZ
@given(month=workbooks())
def test_valid_registry_random_workbook(month):
    """The registry and config are fine: every problem is the workbook's, located in it."""
    root = Path(tempfile.mkdtemp(prefix="cchc-fuzz-"))
    try:
        units = "code,name,kind,aliases\n" + "\n".join(",".join(u) for u in DEFAULT_UNITS) + "\n"
        _write_data_dir(root / "data", units, DEFAULT_CONFIG, {MONTH: month})
        _check(root / "data", MONTH)
        for p in load.validate(root / "data", MONTH):
            if p.is_error:
                assert p.file == f"raw/{MONTH}.xlsx"
                assert p.sheet in SHEETS or not p.sheet
    finally:
        shutil.rmtree(root, ignore_errors=True)


_BASE = {
    "SoHoa": [[h for _, h in SHEETS["SoHoa"]], ["Ngọc Kỳ", 10, 9, 8, 8]],
    "QuaHan": [[h for _, h in SHEETS["QuaHan"]], ["HS-1", "Ngọc Kỳ", "Hộ tịch", "", "01/06/2023", None, "Không", "Chậm", ""]],
    "ThanhToan": [[h for _, h in SHEETS["ThanhToan"]], ["Ngọc Kỳ", 10, 3]],
    "BaoCao": [[h for _, h in SHEETS["BaoCao"]], ["Thử", "Báo cáo", "10/06/2023", "09/06/2023", "Có"]],
}
_COLUMNS = [(sheet, col) for sheet, rows in _BASE.items() for col in range(len(rows[0]))]


@settings(max_examples=EXAMPLES, deadline=None)
@given(where=st.sampled_from(_COLUMNS), value=cell_values)
def test_any_value_in_any_contract_column(where, value):
    """One random value in one contract column of an otherwise valid month."""
    sheet, col = where
    rows = [list(r) for r in _BASE[sheet]]
    rows[1][col] = value
    root = Path(tempfile.mkdtemp(prefix="cchc-fuzz-"))
    try:
        units = "code,name,kind,aliases\n" + "\n".join(",".join(u) for u in DEFAULT_UNITS) + "\n"
        _write_data_dir(root / "data", units, DEFAULT_CONFIG, {MONTH: {**_BASE, sheet: rows}})
        _check(root / "data", MONTH)
    finally:
        shutil.rmtree(root, ignore_errors=True)
