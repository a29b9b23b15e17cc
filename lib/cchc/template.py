"""A blank data-entry workbook for one month: ``raw/<month>.xlsx``.

The workbook has the four sheets of the data contract (SoHoa, QuaHan,
ThanhToan, BaoCao) with exactly the contract's headers, a title row above the
header and an STT column (both skipped by the loader), the registry's units
filled in where a sheet has one row per unit, data validation with
Vietnamese input messages, frozen headers and column widths.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from cchc import fmt
from cchc.dataset import DataError
from cchc.months import parse_month
from cchc.registry import UNITS_FILE, read_units

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
    header: str  # exactly as in docs/data-contract.md
    kind: str
    width: float
    prompt: str = ""  # input message (Vietnamese)
    max_of: str = ""  # for counts bounded by another column: that column's header
    required: bool = False


def _nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


SHEETS: dict[str, dict] = {
    "SoHoa": {
        "title": "SỐ HOÁ HỒ SƠ THỦ TỤC HÀNH CHÍNH",
        "per_unit": True,
        "columns": [
            _Col("Đơn vị", _UNIT, 34, "Tên cơ quan, đơn vị (đã điền sẵn theo danh mục units.csv)."),
            _Col("Tiếp nhận", _COUNT, 12, "Số hồ sơ tiếp nhận trong tháng: số nguyên ≥ 0."),
            _Col(
                "Số hoá đầy đủ khi tiếp nhận", _COUNT, 16,
                "Số hồ sơ được số hoá đầy đủ thành phần khi tiếp nhận: số nguyên từ 0 đến số Tiếp nhận.",
                max_of="Tiếp nhận",
            ),
            _Col("Giải quyết", _COUNT, 12, "Số hồ sơ đã giải quyết trong tháng (kể cả hồ sơ tháng trước chuyển sang): số nguyên ≥ 0."),
            _Col(
                "Số hoá kết quả", _COUNT, 14,
                "Số hồ sơ đã giải quyết có kết quả được số hoá: số nguyên từ 0 đến số Giải quyết.",
                max_of="Giải quyết",
            ),
        ],
    },
    "QuaHan": {
        "title": "HỒ SƠ GIẢI QUYẾT THỦ TỤC HÀNH CHÍNH QUÁ HẠN",
        "per_unit": False,
        "columns": [
            _Col("Mã hồ sơ", _TEXT, 20, "Mã hồ sơ trên Hệ thống thông tin giải quyết TTHC; không trùng nhau.", required=True),
            _Col("Đơn vị", _UNIT, 30, "Cơ quan, đơn vị để hồ sơ quá hạn: chọn trong danh sách (theo sheet SoHoa)."),
            _Col("Lĩnh vực", _TEXT, 24, "Lĩnh vực của thủ tục, ví dụ: Người có công, Hộ tịch, Đất đai."),
            _Col("Thủ tục", _TEXT, 30, "Tên thủ tục hành chính (có thể để trống)."),
            _Col("Hạn xử lý", _DATE, 13, "Hạn giải quyết theo quy định, dạng ngày dd/mm/yyyy."),
            _Col("Ngày trả kết quả", _DATE, 14, "Ngày trả kết quả, dạng dd/mm/yyyy; để trống nếu hồ sơ chưa giải quyết xong."),
            _Col("Miễn trừ", _BOOL, 11, "Có: quá hạn do nguyên nhân ngoài đơn vị (không nhắc nhở); Không: ngược lại."),
            _Col("Lý do", _TEXT, 40, "Lý do quá hạn / lý do miễn trừ (bắt buộc khi Miễn trừ = Có)."),
            _Col("Căn cứ", _TEXT, 40, "Văn bản làm căn cứ miễn trừ, ví dụ: Báo cáo số …/BC-UBND ngày … (có thể để trống)."),
        ],
    },
    "ThanhToan": {
        "title": "THANH TOÁN TRỰC TUYẾN TRÊN CỔNG DỊCH VỤ CÔNG QUỐC GIA",
        "per_unit": True,
        "columns": [
            _Col("Đơn vị", _UNIT, 34, "Tên cơ quan, đơn vị (đã điền sẵn theo danh mục units.csv)."),
            _Col("Tổng giao dịch", _COUNT, 14, "Tổng số giao dịch thanh toán phí, lệ phí trong tháng: số nguyên ≥ 0."),
            _Col(
                "Trực tuyến", _COUNT, 12,
                "Số giao dịch thanh toán trực tuyến trên Cổng DVC quốc gia: số nguyên từ 0 đến Tổng giao dịch.",
                max_of="Tổng giao dịch",
            ),
        ],
    },
    "BaoCao": {
        "title": "BÁO CÁO CẢI CÁCH HÀNH CHÍNH ĐỊNH KỲ ĐẾN HẠN TRONG THÁNG",
        "per_unit": False,
        "columns": [
            _Col("Đơn vị", _UNIT, 30, "Cơ quan, đơn vị phải báo cáo: chọn trong danh sách (theo sheet SoHoa)."),
            _Col("Báo cáo", _TEXT, 40, "Tên báo cáo, ví dụ: Báo cáo CCHC định kỳ 6 tháng đầu năm."),
            _Col("Hạn nộp", _DATE, 13, "Hạn nộp báo cáo, dạng ngày dd/mm/yyyy."),
            _Col("Ngày nộp", _DATE, 13, "Ngày nộp báo cáo, dạng dd/mm/yyyy; để trống nếu chưa nộp."),
            _Col("Đầy đủ", _BOOL, 11, "Có: báo cáo đủ nội dung theo quy định; Không: thiếu nội dung."),
        ],
    },
}

_THIN = Side(style="thin", color="808080")
_BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
_UNIT_FILL = PatternFill("solid", fgColor="F2F2F2")


def _registry_units(data_dir: Path) -> pd.DataFrame:
    """The registry (cchc.registry.read_units), in registry order; DataError when it has errors."""
    units, problems = read_units(Path(data_dir) / UNITS_FILE)
    if any(p.is_error for p in problems):
        raise DataError(problems)
    return units.sort_values("order", kind="stable").reset_index(drop=True)


def printed_unit_name(name: str, kind: str) -> str:
    """The unit as printed on a data-entry row: "UBND xã Ngọc Kỳ", or the department's full name."""
    return _nfc(fmt.unit_label({"name": _nfc(str(name).strip()), "kind": str(kind).strip().lower()}))


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
    for sheet_name, spec in SHEETS.items():
        ws = wb.create_sheet(sheet_name)
        _fill_sheet(ws, spec, month, unit_names)
    wb.active = 0
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    wb.save(tmp)
    tmp.replace(path)
    return path


def _fill_sheet(ws, spec: dict, month: str, unit_names: list[str]) -> None:
    columns: list[_Col] = spec["columns"]
    per_unit: bool = spec["per_unit"]
    n_rows = len(unit_names) if per_unit else FREE_ROWS
    first, last = DATA_ROW, DATA_ROW + max(n_rows, 1) - 1

    # Title row (skipped by the loader) and header row.
    title = ws.cell(TITLE_ROW, 1, _nfc(f"{spec['title']} — {_month_label(month).upper()}"))
    title.font = Font(bold=True, size=12)
    ws.row_dimensions[HEADER_ROW].height = 33
    headers = ["STT"] + [c.header for c in columns]
    for j, header in enumerate(headers, start=1):
        cell = ws.cell(HEADER_ROW, j, _nfc(header))
        cell.font = Font(bold=True)
        cell.fill = _HEADER_FILL
        cell.border = _BORDER
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
    ws.column_dimensions["A"].width = 6

    letter_of = {c.header: get_column_letter(j) for j, c in enumerate(columns, start=2)}

    if per_unit:
        for i, name in enumerate(unit_names):
            r = DATA_ROW + i
            ws.cell(r, 1, i + 1).alignment = Alignment(horizontal="center")
            cell = ws.cell(r, 2)
            cell.value = name
            cell.data_type = "s"  # a name is text, even one that starts with "="
            cell.fill = _UNIT_FILL
            for j in range(1, len(headers) + 1):
                ws.cell(r, j).border = _BORDER

    unit_list_ref = f"SoHoa!$B${DATA_ROW}:$B${DATA_ROW + max(len(unit_names), 1) - 1}"
    for j, col in enumerate(columns, start=2):
        letter = get_column_letter(j)
        rng = f"{letter}{first}:{letter}{last}"
        width = col.width
        if col.kind == _UNIT and per_unit:
            width = max(width, min(60, max((len(n) for n in unit_names), default=10) + 2))
        ws.column_dimensions[letter].width = width
        dv = _validation(col, letter, letter_of, unit_list_ref, per_unit)
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


def _validation(col: _Col, letter: str, letter_of: dict, unit_list_ref: str, per_unit: bool):
    title = col.header[:32]
    if col.kind == _COUNT:
        if col.max_of:
            bound = f"{letter_of[col.max_of]}{DATA_ROW}"
            dv = DataValidation(type="whole", operator="between", formula1="0", formula2=bound, allow_blank=True)
            dv.error = f"Phải là số nguyên từ 0 đến số ở cột '{col.max_of}'."
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
        # 1/1/2000 .. 31/12/2099 as Excel serial numbers.
        dv = DataValidation(type="date", operator="between", formula1="36526", formula2="73050", allow_blank=True)
        dv.errorTitle = "Ngày không hợp lệ"
        dv.error = "Nhập ngày dạng dd/mm/yyyy (từ năm 2000 đến 2099)."
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
