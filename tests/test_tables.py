"""cchc.tables: escaped HTML tables; long ones carry column widths measured from the shipped font."""

import re

from cchc import fonts
from cchc.tables import FIXED_LAYOUT_MIN_ROWS, TEXT_WIDTH_PT, column_widths, table_html

ROWS = [{"name": f"Xã Số {i}", "received": 1000 + i, "reception_rate": 97.31} for i in range(40)]
COLUMNS = ["name", "received", "reception_rate"]


def _shares(table: str) -> list[float]:
    return [float(w) for w in re.findall(r'<col style="width:([\d.]+)%">', table)]


def test_only_long_tables_get_fixed_widths(monkeypatch):
    from cchc import tables

    long = table_html(ROWS, COLUMNS, caption="Phụ lục")
    short = table_html(ROWS[:FIXED_LAYOUT_MIN_ROWS - 1], COLUMNS)
    assert "cchc-fixed" in long and "<colgroup>" in long
    assert "cchc-fixed" not in short and "<colgroup>" not in short
    shares = _shares(long)
    assert len(shares) == 3 and abs(sum(shares) - 100) < 0.05
    # the same table, cell for cell, as the same rows without the widths
    monkeypatch.setattr(tables, "FIXED_LAYOUT_MIN_ROWS", len(ROWS) + 1)
    plain = table_html(ROWS, COLUMNS, caption="Phụ lục")
    assert "<colgroup>" not in plain and plain.count("<tr") == len(ROWS) + 1
    assert re.sub(r"<colgroup>.*?</colgroup>| cchc-fixed", "", long) == plain


def test_widths_follow_the_font_not_the_number_of_characters():
    """'WWWW' and 'iiii' have four characters each; in the shipped sans W is far wider."""
    wide = column_widths(["a", "b"], [["WWWWWWWW", "iiiiiiii"]] * 20, [False, False])
    assert wide[0] > 2 * wide[1]
    assert fonts.text_width_pt("WWWWWWWW", 7.5) > 2 * fonts.text_width_pt("iiiiiiii", 7.5)


def test_columns_that_fit_get_their_widest_text_and_a_crowded_table_shares_the_room():
    fit = column_widths(["Đơn vị", "Số"], [["Xã Ngọc Kỳ", "12"]] * 20, [False, True])
    assert abs(fit[0] / fit[1] - (fonts.text_width_pt("Xã Ngọc Kỳ", 7.5) + 6.5)
               / (fonts.text_width_pt("Số", 7.5, bold=True) + 6.5)) < 1e-9
    long_text = "rất dài " * 40
    crowded = column_widths(["Lý do", "Số"], [[long_text, "1.234.567"]] * 20, [False, True])
    number = fonts.text_width_pt("1.234.567", 7.5) + 6.5
    assert crowded[1] * TEXT_WIDTH_PT >= number - 1e-6  # a number never wraps
