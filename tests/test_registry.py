"""units.csv: reading, validation and name matching."""

import unicodedata

import pytest

from cchc.dataset import UNIT_COLUMNS
from cchc.registry import Registry, fold, load_registry, normalize_name, read_units
from workbooks import DEFAULT_UNITS, write_units

UNITS = [
    ("TNMT", "Phòng Tài nguyên và Môi trường huyện", "department", ""),
    ("TCKH", "Phòng Tài chính - Kế hoạch huyện", "department", "Tài chính - Kế hoạch huyện"),
    ("TP", "Phòng Tư pháp huyện", "department", ""),
    ("XA_HOA_BINH", "Hoà Bình", "commune", ""),
    ("XA_HA_KY", "Hà Kỳ", "commune", ""),
    ("XA_HA_KY2", "Hạ Kỳ", "commune", ""),
    ("XA_TAN", "Tân Kỳ", "commune", ""),
    ("XA_TAN2", "Tấn Kỳ", "commune", ""),
    ("XA_PHUONG_KY", "Phượng Kỳ", "commune", "Phụng Kỳ"),
    ("XA_NGUYEN_GIAP", "Nguyên Giáp", "commune", "Nguyễn Giáp"),
    ("XA_THUY", "Thuỷ Sơn", "commune", ""),
    ("TT_TU_KY", "Tứ Kỳ", "town", ""),
    ("P_1", "Phường 1", "ward", ""),
]


@pytest.fixture
def registry(tmp_path):
    write_units(tmp_path / "units.csv", UNITS)
    reg, problems = load_registry(tmp_path)
    assert problems == []
    return reg


def test_units_frame_shape(registry):
    units = registry.units
    assert list(units.columns) == UNIT_COLUMNS
    assert list(units["order"]) == list(range(len(UNITS)))
    assert units["order"].dtype == "int64"
    assert units.loc[8, "aliases"] == ("Phụng Kỳ",)
    assert units.loc[0, "aliases"] == ()
    assert list(units["kind"].unique()) == ["department", "commune", "town", "ward"]


@pytest.mark.parametrize(
    "text, code",
    [
        ("Hoà Bình", "XA_HOA_BINH"),
        ("Hòa Bình", "XA_HOA_BINH"),  # tone placement
        ("UBND xã Hòa Bình", "XA_HOA_BINH"),
        ("Ủy ban nhân dân xã Hoà Bình", "XA_HOA_BINH"),
        ("Uỷ ban nhân dân xã Hoà Bình", "XA_HOA_BINH"),
        ("xã Hoà Bình", "XA_HOA_BINH"),
        ("HOÀ BÌNH", "XA_HOA_BINH"),  # case
        ("hoà   bình ", "XA_HOA_BINH"),  # spacing
        (unicodedata.normalize("NFD", "Hòa Bình"), "XA_HOA_BINH"),  # NFD
        ("UBND Hoà Bình", "XA_HOA_BINH"),
        ("Hà Kỳ", "XA_HA_KY"),
        ("Hạ Kỳ", "XA_HA_KY2"),  # other tone: other commune
        ("Tân Kỳ", "XA_TAN"),
        ("Tấn Kỳ", "XA_TAN2"),  # other vowel mark: other commune
        ("Phụng Kỳ", "XA_PHUONG_KY"),  # alias
        ("UBND xã Phụng Kỳ", "XA_PHUONG_KY"),
        ("Nguyễn Giáp", "XA_NGUYEN_GIAP"),
        ("Thủy Sơn", "XA_THUY"),  # thuỷ = thủy
        ("UBND thị trấn Tứ Kỳ", "TT_TU_KY"),
        ("Thị trấn Tứ Kỳ", "TT_TU_KY"),
        ("TT Tứ Kỳ", "TT_TU_KY"),
        ("UBND phường Phường 1", "P_1"),
        ("Phường 1", "P_1"),
        ("Phòng Tư pháp huyện", "TP"),
        ("phòng  tư pháp HUYỆN", "TP"),
        ("Phòng Tài chính – Kế hoạch huyện", "TCKH"),  # en dash
        ("Phòng Tài chính-Kế hoạch huyện", "TCKH"),
        ("Tài chính - Kế hoạch huyện", "TCKH"),  # alias
        ("Phòng Tư pháp", "TP"),  # without "huyện": unique among departments
        ("Tư pháp", "TP"),
    ],
)
def test_match(registry, text, code):
    assert registry.match(text) == code


@pytest.mark.parametrize("text", ["Hoa Binh", "Ha Ky", "Bình", "UBND", "", None, "Phòng", "xã Phòng Tư pháp huyện", "Tổng"])
def test_no_match(registry, text):
    assert registry.match(text) is None


def test_normalize_name():
    assert normalize_name("UBND xã Hòa Bình") == normalize_name("Hoà Bình")
    assert normalize_name("Uỷ ban nhân dân thị trấn  Tứ  Kỳ") == normalize_name("tứ kỳ")
    assert normalize_name("Hà Kỳ") != normalize_name("Hạ Kỳ")
    assert normalize_name("Tân") != normalize_name("Tấn")
    assert normalize_name("hoá") == normalize_name("hóa")
    assert normalize_name("thuỷ") == normalize_name("thủy")
    # "Phòng" is kept: departments match on their full name
    assert normalize_name("Phòng Nội vụ") != normalize_name("Nội vụ")
    # a bare prefix is a name, not nothing
    assert normalize_name("xã") != ""


def test_fold_keeps_other_diacritics():
    assert fold("Đại Sơn") != fold("Dại Sơn")
    assert fold("Văn Tố") != fold("Văn To")
    assert fold("  Số hoá   đầy đủ ") == fold("số hóa đầy đủ")


def test_closest(registry):
    assert registry.closest("Hoa Binh")[0] == "Hoà Bình"
    assert registry.closest("Phượng Kì")[0] == "Phượng Kỳ"
    assert len(registry.closest("Hà Kỳ", n=2)) == 2
    assert registry.closest("Phụng Ky")[0] == "Phượng Kỳ"  # via the alias, reported by name


def test_bom_and_aliases_split(tmp_path):
    write_units(tmp_path / "units.csv", [("A", "Ngọc Kỳ", "commune", " Ngọc Kì ; Ngoc Ky;; ")], bom=True)
    reg, problems = load_registry(tmp_path)
    assert problems == []
    assert list(reg.units.columns) == UNIT_COLUMNS
    assert reg.units.loc[0, "aliases"] == ("Ngọc Kì", "Ngoc Ky")
    assert reg.match("Ngoc Ky") == "A"


def test_nfd_file_gives_nfc_names(tmp_path):
    write_units(tmp_path / "units.csv", [("A", unicodedata.normalize("NFD", "Hoà Bình"), "commune")])
    reg, _ = load_registry(tmp_path)
    assert reg.units.loc[0, "name"] == unicodedata.normalize("NFC", "Hoà Bình")


def _problems(tmp_path, text):
    (tmp_path / "units.csv").write_text(text, encoding="utf-8")
    return read_units(tmp_path / "units.csv")


def test_missing_file(tmp_path):
    reg, problems = load_registry(tmp_path)
    assert len(reg) == 0
    assert [p.level for p in problems] == ["error"]
    assert problems[0].file == "units.csv"


def test_missing_columns(tmp_path):
    units, problems = _problems(tmp_path, "code,ten,kind\nA,Ngọc Kỳ,commune\n")
    assert len(units) == 0
    assert [(p.level, p.column) for p in problems] == [("error", "name")]


def test_empty_registry(tmp_path):
    for text in ("", "code,name,kind,aliases\n", "code,name,kind,aliases\n,,,\n"):
        units, problems = _problems(tmp_path, text)
        assert len(units) == 0
        assert len(problems) == 1 and problems[0].is_error


def test_row_problems(tmp_path):
    units, problems = _problems(
        tmp_path,
        "code,name,kind,aliases\n"
        "A,Ngọc Kỳ,commune,\n"
        "A,Hà Kỳ,commune,\n"  # duplicate code
        "B,,commune,\n"  # empty name
        "C,Tân Kỳ,village,\n"  # unknown kind
        ",Văn Tố,commune,\n",  # empty code
    )
    assert [(p.row, p.column, p.value) for p in problems] == [
        (3, "code", "A"),
        (4, "name", ""),
        (5, "kind", "village"),
        (6, "code", ""),
    ]
    assert all(p.is_error and p.file == "units.csv" for p in problems)
    assert list(units["code"]) == ["A"]


def test_ambiguous_names(tmp_path):
    units, problems = _problems(
        tmp_path,
        "code,name,kind,aliases\n"
        "A,Hoà Bình,commune,\n"
        "B,UBND xã Hòa Bình,commune,\n"  # same key as A
        "C,Ngọc Kỳ,commune,Hà Kỳ\n"
        "D,Hà Kỳ,commune,\n"  # alias of C
        "E,Tứ Kỳ,town,\n"
        "F,Tứ Kỳ,commune,\n",  # same bare name, other kind: a warning only
    )
    errors = [p for p in problems if p.is_error]
    warnings = [p for p in problems if not p.is_error]
    assert [(p.row, p.value) for p in errors] == [(3, "UBND xã Hòa Bình"), (5, "Hà Kỳ")]
    assert [(p.row, p.value) for p in warnings] == [(7, "Tứ Kỳ")]
    reg = Registry(units)
    assert reg.match("Tứ Kỳ") is None  # ambiguous without the prefix
    assert reg.match("thị trấn Tứ Kỳ") == "E"
    assert reg.match("UBND xã Tứ Kỳ") == "F"
    assert set(reg.candidates("Tứ Kỳ")) == {"E", "F"}


def test_vietnamese_kind_words(tmp_path):
    units, problems = _problems(tmp_path, "code,name,kind\nA,Ngọc Kỳ,Xã\nB,Tứ Kỳ,thị trấn\nC,Phòng Nội vụ,Department\n")
    assert problems == []
    assert list(units["kind"]) == ["commune", "town", "department"]


def test_not_utf8(tmp_path):
    (tmp_path / "units.csv").write_bytes("code,name,kind\nA,Ngọc Kỳ,commune\n".encode("cp1258", errors="replace")
                                         .replace(b"Ng", b"Ng\xff"))
    units, problems = read_units(tmp_path / "units.csv")
    assert len(problems) == 1 and "UTF-8" in problems[0].message


def test_default_units_are_valid(tmp_path):
    write_units(tmp_path / "units.csv", DEFAULT_UNITS)
    assert load_registry(tmp_path)[1] == []


def test_clash_reported_once(tmp_path):
    units, problems = _problems(tmp_path, "code,name,kind\nA,Phường 1,ward\nB,Phường 1,ward\n")
    assert [(p.level, p.row) for p in problems] == [("error", 3)]


@pytest.mark.parametrize("delimiter", [";", "\t"])
def test_semicolon_or_tab_separated_units_csv_reads_as_the_comma_one(tmp_path, delimiter):
    """Excel in a Vietnamese locale saves "CSV" separated by ';' (aliases, which hold ';', then come quoted)."""
    import csv

    write_units(tmp_path / "units.csv", DEFAULT_UNITS)
    expected, _ = read_units(tmp_path / "units.csv")
    with open(tmp_path / "excel.csv", "w", encoding="utf-8-sig", newline="") as f:
        w = csv.writer(f, delimiter=delimiter)
        w.writerow(["code", "name", "kind", "aliases"])
        w.writerows([*u[:3], "Phụng Kỳ;Phung Ky" if u[3] else ""] for u in DEFAULT_UNITS)
    units, problems = read_units(tmp_path / "excel.csv")
    assert problems == []
    assert units["code"].tolist() == expected["code"].tolist()
    assert units["name"].tolist() == expected["name"].tolist()
    assert units.set_index("code").loc["XA_PHUONG_KY", "aliases"] == ("Phụng Kỳ", "Phung Ky")


def test_an_unknown_separator_is_named_as_the_likely_cause(tmp_path):
    units, problems = _problems(tmp_path, "code|name|kind\nA|Ngọc Kỳ|commune\n")
    assert len(units) == 0
    assert len(problems) == 1, [str(p) for p in problems]  # one cause, not one error per column
    assert "the likely cause is the separator '|'" in problems[0].message
    assert "'code', 'name', 'kind'" in problems[0].message
