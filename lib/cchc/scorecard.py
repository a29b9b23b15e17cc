"""The month's scorecard workbook (.xlsx) from the outcomes dict.

Sheets: "Chỉ số" (every unit's indicators, with conditional formatting for a
reception rate below the local average and a payment rate below the target),
one sheet per rule outcome, "Hồ sơ quá hạn" (the month's overdue dossiers) and
"Tham số" (parameters, district figures, input files with their SHA-256,
warnings). Text that comes from the input is neutralised against formula
injection (`cchc.sanitize.neutralize_cell`); rates are numbers shown "0.00".
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path

from openpyxl import Workbook
from openpyxl.formatting.rule import FormulaRule
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from cchc import fmt
from cchc.index766 import GROUPS
from cchc.sanitize import neutralize_cell
from cchc.tables import column_label, labels, overdue_note
from cchc.text import nfc

RATE_FORMAT = "0.00"
COUNT_FORMAT = "0"
DATE_FORMAT = "dd/mm/yyyy"

INDICATOR_SHEET = "Chỉ số"
OVERDUE_SHEET = "Hồ sơ quá hạn"
PARAMETER_SHEET = "Tham số"
INDEX766_SHEET = "Chỉ số 766"

#: Rule outcome key -> sheet name (≤ 31 characters, no []:*?/\).
RULE_SHEETS = {
    "commend_departments": "Biểu dương cơ quan",
    "commend_local_digitization": "Biểu dương số hoá",
    "commend_local_payment": "Biểu dương thanh toán TT",
    "criticize": "Phê bình",
    "remind": "Nhắc nhở",
    "payment_meets": "TTTT đạt chỉ tiêu",
    "payment_below": "TTTT chưa đạt chỉ tiêu",
    "payment_very_low": "TTTT rất thấp",
    "payment_not_implemented": "TTTT chưa thực hiện",
}

_HEADER_FONT = Font(bold=True)
_HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
_SECTION_FONT = Font(bold=True, size=12)
#: Excel's "light red fill with dark red text".
_BAD_FILL = PatternFill("solid", fgColor="FFC7CE", bgColor="FFC7CE")
_BAD_FONT = Font(color="9C0006")
_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


@dataclass(frozen=True)
class Col:
    key: str  # key in the outcome object
    fmt: str = "text"  # text | int | rate | date | bool | kind | list | reasons | history | dossiers | reports
    width: float | None = None

    @property
    def header(self) -> str:
        """The Vietnamese header: templates/labels.yml ``columns``, as the analysis tables write it."""
        return column_label(self.key)


UNIT_COLS = [Col("code"), Col("name", width=30), Col("kind", "kind", 18)]

_DIGITIZATION = [
    Col("received", "int"),
    Col("received_digitized", "int"),
    Col("reception_rate", "rate"),
    Col("resolved", "int"),
    Col("resolved_digitized", "int"),
    Col("result_rate", "rate"),
]

_PAYMENT = [
    Col("payment_total", "int"),
    Col("payment_online", "int"),
    Col("payment_rate", "rate"),
]

INDICATOR_COLS = UNIT_COLS + _DIGITIZATION + _PAYMENT + [
    Col("window_payment_rate", "rate"),
    Col("below_average_streak", "int"),
    Col("overdue_total", "int"),
    Col("overdue_excused", "int"),
]

_WINDOW = [
    Col("window_payment_total", "int"),
    Col("window_payment_online", "int"),
    Col("window_payment_rate", "rate"),
]

RULE_COLS: dict[str, list[Col]] = {
    "commend_departments": UNIT_COLS + _DIGITIZATION,
    "commend_local_digitization": UNIT_COLS + _DIGITIZATION,
    "commend_local_payment": UNIT_COLS + _PAYMENT,
    "criticize": UNIT_COLS + [
        Col("streak", "int"),
        Col("reception_rate", "rate"),
        Col("reception_rate_change", "rate"),
        Col("average", "rate"),
        Col("gap", "rate"),
        Col("received", "int"),
        Col("received_digitized", "int"),
        Col("history", "history", 50),
    ],
    "remind": UNIT_COLS + [
        Col("count", "int"),
        Col("reasons", "reasons", 36),
        Col("overdue_fields", "list", 30),
        Col("overdue", "dossiers", 50),
        Col("reports", "reports", 50),
    ],
    "payment_meets": UNIT_COLS + _WINDOW,
    "payment_below": UNIT_COLS + _WINDOW,
    "payment_very_low": UNIT_COLS + _WINDOW,
    "payment_not_implemented": UNIT_COLS + _WINDOW,
}

#: Rule 8: every unit of the month's 766 export (departments, then local units, by rank).
INDEX766_COLS = UNIT_COLS + [
    Col("rank", "int"),
    Col("total", "rate"),
    Col("change", "rate"),
    Col("band", width=20),
    Col("weakest", width=24),
    Col("urgent_streak", "int"),
    *(Col(g, "rate") for g in GROUPS),
]


def _index766_rows(doc: dict) -> list[dict]:
    words = labels()["index766"]
    return [{**u, **u["groups"], "band": words["bands"][u["band"]], "weakest": words["groups"][u["weakest"]]}
            for u in doc["units"]]


OVERDUE_COLS = [
    Col("dossier", width=22),
    Col("code"),
    Col("name", width=26),
    Col("kind", "kind", 18),
    Col("field", width=24),
    Col("procedure", width=30),
    Col("deadline", "date", 13),
    Col("returned", "date", 14),
    Col("excused", "bool", 10),
    Col("reason", width=40),
    Col("basis", width=40),
]


# --------------------------------------------------------------------------- values

def _clean_text(value: str) -> str:
    """NFC, control characters openpyxl cannot store made visible (␋), formula-like text quoted."""
    text = nfc(value)
    text = _ILLEGAL.sub(lambda m: chr(0x2400 + ord(m.group())), text)
    return neutralize_cell(text)


def _put(ws, row: int, col: int, value, number_format: str | None = None):
    """Write one cell; every text goes through `_clean_text` and is stored as a string."""
    if isinstance(value, str):
        cell = ws.cell(row, col)
        cell.value = _clean_text(value)
        cell.data_type = "s"
    else:
        cell = ws.cell(row, col, value)
    if number_format:
        cell.number_format = number_format
    return cell


def _date(value):
    if value in (None, ""):
        return None
    if isinstance(value, (dt.date, dt.datetime)):
        return value
    try:
        return dt.date.fromisoformat(str(value)[:10])
    except ValueError:
        return str(value)


def _month_vn(month) -> str:
    try:
        return fmt.month_label(str(month))
    except ValueError:
        return str(month)


def _date_vn(value) -> str:
    if value in (None, ""):
        return ""
    try:
        return fmt.date_vn(value)
    except ValueError:
        return str(value)


def _cell_value(col: Col, obj: dict):
    value = obj.get(col.key)
    if col.fmt in ("int", "rate"):
        return value if isinstance(value, (int, float)) and not isinstance(value, bool) else (None if value is None else str(value))
    if col.fmt == "date":
        return _date(value)
    if col.fmt == "bool":
        return None if value is None else labels()["booleans"]["true" if value else "false"]
    if col.fmt == "kind":
        return labels()["kinds"].get(value, value)
    if col.fmt == "list":
        return "; ".join(str(v) for v in value or [])
    if col.fmt == "reasons":
        return "; ".join(labels()["reasons"].get(v, str(v)) for v in value or [])
    if col.fmt == "history":
        return "; ".join(
            f"{_month_vn(h.get('month'))}: {fmt.pct(h.get('reception_rate'))} / {fmt.pct(h.get('average'))}" for h in value or []
        )
    if col.fmt == "dossiers":
        parts = []
        for d in value or []:
            bits = [str(d.get("field") or "")]
            if d.get("procedure"):
                bits.append(str(d["procedure"]))
            bits.append(f"hạn {_date_vn(d.get('deadline'))}")
            bits.append(f"trả {_date_vn(d.get('returned'))}" if d.get("returned") else "chưa trả")
            parts.append(f"{d.get('dossier', '')} ({', '.join(b for b in bits if b)})")
        return "; ".join(parts)
    if col.fmt == "reports":
        parts = []
        for r in value or []:
            flags = []
            if r.get("missing"):
                flags.append("chưa nộp")
            elif r.get("late"):
                flags.append(f"nộp chậm: hạn {_date_vn(r.get('due'))}, nộp {_date_vn(r.get('submitted'))}")
            if r.get("incomplete") or (r.get("complete") is False and not r.get("missing")):
                flags.append("chưa đầy đủ")
            parts.append(f"{r.get('report', '')} ({', '.join(flags)})" if flags else str(r.get("report", "")))
        return "; ".join(parts)
    return value


_FORMATS = {"int": COUNT_FORMAT, "rate": RATE_FORMAT, "date": DATE_FORMAT}


# --------------------------------------------------------------------------- sheets

def _table(ws, cols: list[Col], rows: list[dict], numbered: bool = False) -> None:
    """Header row 1, one row per object, frozen header, widths, autofilter."""
    headers = (["STT"] if numbered else []) + [c.header for c in cols]
    offset = 1 if numbered else 0
    for j, header in enumerate(headers, start=1):
        cell = ws.cell(1, j, header)
        cell.font = _HEADER_FONT
        cell.fill = _HEADER_FILL
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
    widths = [len(h) for h in headers]
    for i, obj in enumerate(rows, start=2):
        if numbered:
            _put(ws, i, 1, i - 1)
        for j, col in enumerate(cols, start=1 + offset):
            value = _cell_value(col, obj)
            cell = _put(ws, i, j, value, _FORMATS.get(col.fmt))
            if col.fmt in ("history", "dossiers", "reports", "reasons", "list"):
                cell.alignment = Alignment(wrap_text=True, vertical="top")
            shown = len(cell.value) if isinstance(cell.value, str) else (10 if cell.value is not None else 0)
            widths[j - 1] = max(widths[j - 1], shown)
    for j, width in enumerate(widths, start=1):
        col = cols[j - 1 - offset] if j > offset else None
        if col is None:
            size = 6
        elif col.fmt in ("int", "rate", "date", "bool"):
            size = min(max(len(col.header) // 2 + 2, 10), 18)  # the header wraps
        else:
            size = col.width or min(max(width + 2, 10), 50)
        ws.column_dimensions[get_column_letter(j)].width = size
    ws.row_dimensions[1].height = 48
    last_col = get_column_letter(len(headers))
    ws.auto_filter.ref = f"A1:{last_col}{max(len(rows) + 1, 1)}"
    ws.freeze_panes = ws.cell(2, (3 if numbered else 2) + 1)  # header row and code/name columns
    _print_setup(ws)


def _print_setup(ws) -> None:
    """A4 landscape, one page wide, the header row repeated on every page."""
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_title_rows = "1:1"


def _indicator_sheet(ws, outcomes: dict) -> None:
    units = outcomes.get("units") or []
    _table(ws, INDICATOR_COLS, units)
    n = len(units)
    if n == 0:
        return
    letter = {c.key: get_column_letter(j) for j, c in enumerate(INDICATOR_COLS, start=1)}
    kind = letter["kind"]
    last = n + 1

    average = outcomes.get("local_average_reception_rate")
    if isinstance(average, (int, float)):
        col = letter["reception_rate"]
        ws.conditional_formatting.add(
            f"{col}2:{col}{last}",
            FormulaRule(
                formula=[f'AND(ISNUMBER({col}2),{col}2<{_num(average)},${kind}2<>"{labels()["kinds"]["department"]}")'],
                fill=_BAD_FILL, font=_BAD_FONT, stopIfTrue=False,
            ),
        )
    target = (outcomes.get("parameters") or {}).get("payment_target")
    if isinstance(target, (int, float)) and not isinstance(target, bool):
        for key in ("payment_rate", "window_payment_rate"):
            col = letter[key]
            ws.conditional_formatting.add(
                f"{col}2:{col}{last}",
                FormulaRule(
                    formula=[f"AND(ISNUMBER({col}2),{col}2<{_num(target)})"],
                    fill=_BAD_FILL, font=_BAD_FONT, stopIfTrue=False,
                ),
            )


def _num(value) -> str:
    """A number as written in a formula (always '.' decimal, no exponent)."""
    text = f"{float(value):.6f}".rstrip("0").rstrip(".")
    return text or "0"


def _section(ws, row: int, title: str) -> int:
    cell = ws.cell(row, 1, title)
    cell.font = _SECTION_FONT
    return row + 1


def _pair(ws, row: int, label: str, value, number_format: str | None = None) -> int:
    _put(ws, row, 1, label)
    if isinstance(value, (list, dict)):
        value = str(value)
    _put(ws, row, 2, value, number_format)
    return row + 1


def _parameter_sheet(ws, outcomes: dict) -> None:
    ws.column_dimensions["A"].width = 58
    ws.column_dimensions["B"].width = 70
    row = _section(ws, 1, "Tháng báo cáo")
    row = _pair(ws, row, "Tháng", str(outcomes.get("month", "")))
    window = (outcomes.get("outcomes") or {}).get("payment_window") or outcomes.get("payment_window") or {}
    if window:
        row = _pair(ws, row, "Kỳ tính thanh toán trực tuyến", f"{window.get('start', '')} – {window.get('end', '')}")

    row = _section(ws, row + 1, "Tham số")
    for key, value in (outcomes.get("parameters") or {}).items():
        number_format = RATE_FORMAT if isinstance(value, float) else None
        _put(ws, row, 1, labels()["parameters"].get(key, key))
        _put(ws, row, 2, value if isinstance(value, (int, float, str)) or value is None else str(value), number_format)
        _put(ws, row, 3, key)
        row += 1
    ws.column_dimensions["C"].width = 32

    district = dict(outcomes.get("district") or {})
    if "local_average_reception_rate" not in district and outcomes.get("local_average_reception_rate") is not None:
        district["local_average_reception_rate"] = outcomes["local_average_reception_rate"]
    if district:
        row = _section(ws, row + 1, "Số liệu chung")
        for key, value in district.items():
            if isinstance(value, (list, dict)):
                value = "; ".join(str(v) for v in value) if isinstance(value, list) else str(value)
            number_format = RATE_FORMAT if ("rate" in key or key.endswith("_change")) and isinstance(value, (int, float)) else None
            _put(ws, row, 1, column_label(key))
            _put(ws, row, 2, value, number_format)
            _put(ws, row, 3, key)
            row += 1

    row = _section(ws, row + 1, "Tệp dữ liệu vào (SHA-256)")
    for item in outcomes.get("inputs") or []:
        _put(ws, row, 1, str(item.get("file", "")))
        _put(ws, row, 2, str(item.get("sha256", "")))
        row += 1

    row = _section(ws, row + 1, "Cảnh báo về dữ liệu")
    warnings = outcomes.get("warnings") or []
    if not warnings:
        _put(ws, row, 1, "Không có")
        row += 1
    for text in warnings:
        cell = _put(ws, row, 1, str(text))
        cell.alignment = Alignment(wrap_text=True, vertical="top")
        ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=3)
        row += 1

    row = _section(ws, row + 1, "Chú thích")
    kinds = fmt.kinds_phrase(outcomes.get("units") or []) or "cấp xã"
    _put(ws, row, 1, f"Ô tô đỏ ở sheet Chỉ số: tỷ lệ số hoá khi tiếp nhận của {kinds} thấp hơn trung bình chung; "
                      "tỷ lệ thanh toán trực tuyến thấp hơn chỉ tiêu.")
    ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=3)
    ws.cell(row, 1).alignment = Alignment(wrap_text=True, vertical="top")
    ws.row_dimensions[row].height = 32
    ws.freeze_panes = None


def write_scorecard(outcomes: dict, path: Path) -> None:
    """Write the month's scorecard workbook to ``path`` (.xlsx), from the outcomes dict."""
    path = Path(path)
    wb = Workbook()
    ws = wb.active
    ws.title = INDICATOR_SHEET
    _indicator_sheet(ws, outcomes)

    rules = outcomes.get("outcomes") or {}
    for key, title in RULE_SHEETS.items():
        _table(wb.create_sheet(title), RULE_COLS[key], rules.get(key) or [], numbered=True)

    overdue = outcomes.get("overdue") or []
    ws = wb.create_sheet(OVERDUE_SHEET)
    _table(ws, OVERDUE_COLS, overdue, numbered=True)
    listed = outcomes.get("overdue_listed") or {}
    note = overdue_note(len(overdue), int(listed.get("total", len(overdue))))
    if note:  # outcomes.json holds the longest overdue only: say so under the table
        _put(ws, len(overdue) + 3, 1, note)
    if outcomes.get("index766"):
        _table(wb.create_sheet(INDEX766_SHEET), INDEX766_COLS, _index766_rows(outcomes["index766"]), numbered=True)
    _parameter_sheet(wb.create_sheet(PARAMETER_SHEET), outcomes)

    wb.properties.title = f"Kết quả CCHC tháng {_month_vn(outcomes.get('month', ''))}"
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    wb.save(tmp)
    tmp.replace(path)
