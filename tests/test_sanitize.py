"""Formula-injection neutralisation (cchc.sanitize.neutralize_cell)."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cchc.sanitize import is_formula_like, neutralize_cell


@pytest.mark.parametrize(
    "text",
    ['=HYPERLINK("http://x","bấm")', "+1", "-2", "@SUM(A1)", "\t=1", "\r=1", "＝1+1", "=cmd|' /C calc'!A0"],
)
def test_formula_like_text_is_quoted_and_kept_whole(text):
    out = neutralize_cell(text)
    assert out == "'" + text
    assert not is_formula_like(out)


@pytest.mark.parametrize("text", ["Hưng Đạo", "Phòng Tài chính - Kế hoạch huyện", "", "1/1 hồ sơ", "'đã trích"])
def test_ordinary_text_unchanged(text):
    assert neutralize_cell(text) == text


def test_non_text():
    assert neutralize_cell(None) == ""
    assert neutralize_cell(-2) == "-2"  # a number is not a formula
    assert neutralize_cell(97.31) == "97.31"


@given(st.text())
def test_never_loses_text_and_never_starts_a_formula(text):
    out = neutralize_cell(text)
    assert out.endswith(text) and len(out) - len(text) in (0, 1)
    assert not is_formula_like(out)
