"""The sheets of a monthly workbook, as docs/data-format.md declares them.

The one place where sheet names, field names, headers and column order are
written: the loader looks for these headers, the blank template writes them.

    SHEETS["SoHoa"]["received"]   # -> "Tiếp nhận"
"""

from __future__ import annotations

#: Sheet -> field -> header as the contract writes it, in the contract's column order.
SHEETS: dict[str, dict[str, str]] = {
    "SoHoa": {
        "unit": "Đơn vị",
        "received": "Tiếp nhận",
        "received_digitized": "Số hoá đầy đủ khi tiếp nhận",
        "resolved": "Giải quyết",
        "resolved_digitized": "Số hoá kết quả",
    },
    "QuaHan": {
        "dossier": "Mã hồ sơ",
        "unit": "Đơn vị",
        "field": "Lĩnh vực",
        "procedure": "Thủ tục",
        "deadline": "Hạn xử lý",
        "returned": "Ngày trả kết quả",
        "excused": "Miễn trừ",
        "reason": "Lý do",
        "basis": "Căn cứ",
    },
    "ThanhToan": {
        "unit": "Đơn vị",
        "payment_total": "Tổng giao dịch",
        "payment_online": "Trực tuyến",
    },
    "BaoCao": {
        "unit": "Đơn vị",
        "report": "Báo cáo",
        "due": "Hạn nộp",
        "submitted": "Ngày nộp",
        "complete": "Đầy đủ",
    },
}
#: The sheets of one row per unit, and their count columns.
COUNT_FIELDS: dict[str, list[str]] = {
    "SoHoa": ["received", "received_digitized", "resolved", "resolved_digitized"],
    "ThanhToan": ["payment_total", "payment_online"],
}
#: (part, whole): the part may not exceed the whole.
COUNT_LIMITS: dict[str, list[tuple[str, str]]] = {
    "SoHoa": [("received_digitized", "received"), ("resolved_digitized", "resolved")],
    "ThanhToan": [("payment_online", "payment_total")],
}
