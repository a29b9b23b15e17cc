"""A blank data-entry workbook for one month: ``raw/<month>.xlsx``.

The workbook has the four sheets of the data contract (SoHoa, QuaHan,
ThanhToan, BaoCao) with exactly the contract's headers (`cchc.contract`, the
ones the loader looks for), a title row above the header and an STT column
(both skipped by the loader), the registry's units filled in where a sheet has
one row per unit, data validation with Vietnamese input messages, frozen
headers and column widths.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from cchc import contract, fmt
from cchc.cells import EXCEL_EPOCH, YEAR_MAX, YEAR_MIN
from cchc.dataset import DataError
from cchc.months import parse_month
from cchc.registry import UNITS_FILE, read_units
from cchc.text import nfc

#: Title row, then the header row; data starts on DATA_ROW.
TITLE_ROW = 1
HEADER_ROW = 2
DATA_ROW = 3
#: Rows prepared (validation, formats) on sheets with one row per dossier/report.
FREE_ROWS = 500

_COUNT = "count"
_BOOL = "bool"
_DATE = "date"
_TEXT = "text"
_UNIT = "unit"


@dataclass(frozen=True)
class _Col:
    kind: str
    width: float
    prompt: str = ""  # input message (Vietnamese)
    required: bool = False


#: How each sheet is presented: its title, whether it has one row per unit, and
#: per field the kind of cell, the column width and the input message. Headers,
#: their order and the bounds of counts come from the contract (cchc.contract).
LAYOUT: dict[str, dict] = {
    "SoHoa": {
        "title": "SỐ HOÁ HỒ SƠ THỦ TỤC HÀNH CHÍNH",
        "per_unit": True,
        "columns": {
            "unit": _Col(_UNIT, 34, "Tên cơ quan, đơn vị (đã điền sẵn theo danh mục units.csv)."),
            "received": _Col(_COUNT, 12, "Số hồ sơ tiếp nhận trong tháng: số nguyên ≥ 0."),
            "received_digitized": _Col(
                _COUNT, 16,
                "Số hồ sơ được số hoá đầy đủ thành phần khi tiếp nhận: số nguyên từ 0 đến số Tiếp nhận.",
            ),
            "resolved": _Col(
                _COUNT, 12, "Số hồ sơ đã giải quyết trong tháng (kể cả hồ sơ tháng trước chuyển sang): số nguyên ≥ 0."
            ),
            "resolved_digitized": _Col(
                _COUNT, 14, "Số hồ sơ đã giải quyết có kết quả được số hoá: số nguyên từ 0 đến số Giải quyết."
            ),
        },
    },
    "QuaHan": {
        "title": "HỒ SƠ GIẢI QUYẾT THỦ TỤC HÀNH CHÍNH QUÁ HẠN",
        "per_unit": False,
        "columns": {
            "dossier": _Col(_TEXT, 20, "Mã hồ sơ trên Hệ thống thông tin giải quyết TTHC; không trùng nhau.", required=True),
            "unit": _Col(_UNIT, 30, "Cơ quan, đơn vị để hồ sơ quá hạn: chọn trong danh sách (theo sheet SoHoa)."),
            "field": _Col(_TEXT, 24, "Lĩnh vực của thủ tục, ví dụ: Người có công, Hộ tịch, Đất đai."),
            "procedure": _Col(_TEXT, 30, "Tên thủ tục hành chính (có thể để trống)."),
            "deadline": _Col(_DATE, 13, "Hạn giải quyết theo quy định, dạng ngày dd/mm/yyyy."),
            "returned": _Col(_DATE, 14, "Ngày trả kết quả, dạng dd/mm/yyyy; để trống nếu hồ sơ chưa giải quyết xong."),
            "excused": _Col(_BOOL, 11, "Có: quá hạn do nguyên nhân ngoài đơn vị (không nhắc nhở); Không: ngược lại."),
            "reason": _Col(_TEXT, 40, "Lý do quá hạn / lý do miễn trừ (bắt buộc khi Miễn trừ = Có)."),
            "basis": _Col(_TEXT, 40, "Văn bản làm căn cứ miễn trừ, ví dụ: Báo cáo số …/BC-UBND ngày … (có thể để trống)."),
        },
    },
    "ThanhToan": {
        "title": "THANH TOÁN TRỰC TUYẾN TRÊN CỔNG DỊCH VỤ CÔNG QUỐC GIA",
        "per_unit": True,
        "columns": {
            "unit": _Col(_UNIT, 34, "Tên cơ quan, đơn vị (đã điền sẵn theo danh mục units.csv)."),
            "payment_total": _Col(_COUNT, 14, "Tổng số giao dịch thanh toán phí, lệ phí trong tháng: số nguyên ≥ 0."),
            "payment_online": _Col(
                _COUNT, 12,
                "Số giao dịch thanh toán trực tuyến trên Cổng DVC quốc gia: số nguyên từ 0 đến Tổng giao dịch.",
            ),
        },
    },
    "BaoCao": {
        "title": "BÁO CÁO CẢI CÁCH HÀNH CHÍNH ĐỊNH KỲ ĐẾN HẠN TRONG THÁNG",
        "per_unit": False,
        "columns": {
            "unit": _Col(_UNIT, 30, "Cơ quan, đơn vị phải báo cáo: chọn trong danh sách (theo sheet SoHoa)."),
            "report": _Col(_TEXT, 40, "Tên báo cáo, ví dụ: Báo cáo CCHC định kỳ 6 tháng đầu năm."),
            "due": _Col(_DATE, 13, "Hạn nộp báo cáo, dạng ngày dd/mm/yyyy."),
            "submitted": _Col(_DATE, 13, "Ngày nộp báo cáo, dạng dd/mm/yyyy; để trống nếu chưa nộp."),
            "complete": _Col(_BOOL, 11, "Có: báo cáo đủ nội dung theo quy định; Không: thiếu nội dung."),
        },
    },
}

_THIN = Side(style="thin", color="808080")
_BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
_UNIT_FILL = PatternFill("solid", fgColor="F2F2F2")



def _serial(day: dt.date) -> int:
    """A day as Excel's serial number (the 1900 date system)."""
    return (day - EXCEL_EPOCH.date()).days

def _registry_units(data_dir: Path) -> pd.DataFrame:
    """The registry (cchc.registry.read_units), in registry order; DataError when it has errors."""
    units, problems = read_units(Path(data_dir) / UNITS_FILE)
    if any(p.is_error for p in problems):
        raise DataError(problems)
    return units.sort_values("order", kind="stable").reset_index(drop=True)


def printed_unit_name(name: str, kind: str) -> str:
    """The unit as printed on a data-entry row: "UBND xã Ngọc Kỳ", or the department's full name."""
    return nfc(fmt.unit_label({"name": nfc(str(name).strip()), "kind": str(kind).strip().lower()}))


def _month_label(month: str) -> str:
    year, mon = parse_month(month)
    return f"tháng {mon}/{year}"


def write_template(data_dir: Path, month: str, force: bool = False) -> Path:
    """Write ``data_dir/raw/<month>.xlsx``, a blank data-entry workbook; return its path.

    Refuses (FileExistsError) to overwrite an existing file unless ``force``.
    Raises DataError when units.csv is missing or has errors (nothing is written).
    """
    parse_month(month)  # ValueError on a bad month
    data_dir = Path(data_dir)
    path = data_dir / "raw" / f"{month}.xlsx"
    if path.exists() and not force:
        raise FileExistsError(
            f"{path} already exists: it may hold entered data, so it was not overwritten. "
            "Remove or rename it first, or ask for a forced overwrite (force=True / --force)."
        )
    units = _registry_units(data_dir)
    unit_names = [printed_unit_name(n, k) for n, k in zip(units["name"], units["kind"])]

    wb = Workbook()
    wb.remove(wb.active)
    for sheet in contract.SHEETS:
        _fill_sheet(wb.create_sheet(sheet), sheet, month, unit_names)
    wb.active = 0
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    wb.save(tmp)
    tmp.replace(path)
    return path


def _fill_sheet(ws, sheet: str, month: str, unit_names: list[str]) -> None:
    spec = LAYOUT[sheet]
    headers: dict[str, str] = contract.SHEETS[sheet]  # field -> header, in the contract's order
    per_unit: bool = spec["per_unit"]
    n_rows = len(unit_names) if per_unit else FREE_ROWS
    first, last = DATA_ROW, DATA_ROW + max(n_rows, 1) - 1

    # Title row (skipped by the loader) and header row.
    title = ws.cell(TITLE_ROW, 1, nfc(f"{spec['title']} — {_month_label(month).upper()}"))
    title.font = Font(bold=True, size=12)
    ws.row_dimensions[HEADER_ROW].height = 33
    for j, header in enumerate(["STT", *headers.values()], start=1):
        cell = ws.cell(HEADER_ROW, j, nfc(header))
        cell.font = Font(bold=True)
        cell.fill = _HEADER_FILL
        cell.border = _BORDER
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
    ws.column_dimensions["A"].width = 6

    letter_of = {field: get_column_letter(j) for j, field in enumerate(headers, start=2)}
    whole_of = dict(contract.COUNT_LIMITS.get(sheet, []))  # a count -> the count it may not exceed

    if per_unit:
        for i, name in enumerate(unit_names):
            r = DATA_ROW + i
            ws.cell(r, 1, i + 1).alignment = Alignment(horizontal="center")
            cell = ws.cell(r, 2)
            cell.value = name
            cell.data_type = "s"  # a name is text, even one that starts with "="
            cell.fill = _UNIT_FILL
            for j in range(1, len(headers) + 2):  # STT and the fields
                ws.cell(r, j).border = _BORDER

    unit_list_ref = f"SoHoa!$B${DATA_ROW}:$B${DATA_ROW + max(len(unit_names), 1) - 1}"
    for j, (field, header) in enumerate(headers.items(), start=2):
        col = spec["columns"][field]
        letter = letter_of[field]
        rng = f"{letter}{first}:{letter}{last}"
        width = col.width
        if col.kind == _UNIT and per_unit:
            width = max(width, min(60, max((len(n) for n in unit_names), default=10) + 2))
        ws.column_dimensions[letter].width = width
        whole = whole_of.get(field)
        bound = (letter_of[whole], headers[whole]) if whole else None
        dv = _validation(col, header, letter, bound, unit_list_ref, per_unit)
        if dv is not None:
            ws.add_data_validation(dv)
            dv.add(rng)
        number_format = {_DATE: "dd/mm/yyyy", _COUNT: "0"}.get(col.kind, "@" if col.required else None)
        if number_format and per_unit:
            for r in range(first, last + 1):
                ws.cell(r, j).number_format = number_format
        elif number_format:
            # A column style: Excel applies it to what is typed in; no empty cells are created.
            ws.column_dimensions[letter].number_format = number_format

    ws.freeze_panes = ws.cell(DATA_ROW, 3 if per_unit else 2)
    ws.sheet_view.zoomScale = 100
    ws.print_title_rows = f"{HEADER_ROW}:{HEADER_ROW}"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True


def _validation(col: _Col, header: str, letter: str, bound: tuple[str, str] | None, unit_list_ref: str,
                per_unit: bool):
    """The data validation of a column; `bound`: (column letter, header) of the count it may not exceed."""
    title = header[:32]
    if col.kind == _COUNT:
        if bound:
            whole_letter, whole_header = bound
            dv = DataValidation(type="whole", operator="between", formula1="0", formula2=f"{whole_letter}{DATA_ROW}",
                                allow_blank=True)
            dv.error = f"Phải là số nguyên từ 0 đến số ở cột '{whole_header}'."
        else:
            dv = DataValidation(type="whole", operator="greaterThanOrEqual", formula1="0", allow_blank=True)
            dv.error = "Phải là số nguyên lớn hơn hoặc bằng 0."
        dv.errorTitle = "Số không hợp lệ"
        dv.errorStyle = "stop"
    elif col.kind == _BOOL:
        dv = DataValidation(type="list", formula1='"Có,Không"', allow_blank=True)
        dv.errorTitle = "Chọn Có hoặc Không"
        dv.error = "Chỉ nhập Có hoặc Không."
        dv.errorStyle = "stop"
    elif col.kind == _DATE:
        # the years the loader accepts (cells.YEAR_MIN .. YEAR_MAX), as Excel serial numbers
        first, last = (_serial(dt.date(YEAR_MIN, 1, 1)), _serial(dt.date(YEAR_MAX, 12, 31)))
        dv = DataValidation(type="date", operator="between", formula1=str(first), formula2=str(last), allow_blank=True)
        dv.errorTitle = "Ngày không hợp lệ"
        dv.error = f"Nhập ngày dạng dd/mm/yyyy (từ năm {YEAR_MIN} đến {YEAR_MAX})."
        dv.errorStyle = "stop"
    elif col.kind == _UNIT and not per_unit:
        dv = DataValidation(type="list", formula1=unit_list_ref, allow_blank=True)
        dv.errorTitle = "Đơn vị không có trong danh mục"
        dv.error = "Tên đơn vị không khớp danh sách ở sheet SoHoa. Chọn Yes để giữ nguyên (tên khác của đơn vị), No để nhập lại."
        dv.errorStyle = "warning"
    elif col.kind == _TEXT and col.required:
        # Dossier codes are unique in the sheet.
        dv = DataValidation(
            type="custom", formula1=f"COUNTIF(${letter}${DATA_ROW}:${letter}${DATA_ROW + FREE_ROWS - 1},{letter}{DATA_ROW})=1",
            allow_blank=True,
        )
        dv.errorTitle = "Mã hồ sơ bị trùng"
        dv.error = "Mã hồ sơ này đã có ở dòng khác trong sheet."
        dv.errorStyle = "stop"
    elif col.prompt:
        dv = DataValidation(type=None, allow_blank=True)  # input message only
    else:
        return None
    dv.promptTitle = title
    dv.prompt = col.prompt[:255]
    dv.showInputMessage = True
    dv.showErrorMessage = dv.type is not None
    return dv
