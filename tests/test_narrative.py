"""cchc.narrative: the letter's wording and structure, from the outcomes dict."""

import copy
import json
import re
import unicodedata
from pathlib import Path

import pytest
import yaml

from cchc import fmt
from cchc.narrative import (
    BLOCK_KINDS,
    Block,
    Letter,
    Run,
    build_letter,
    join_line,
    md_escape,
    parse_inline,
    parse_markup,
    render_html,
)

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture(scope="module")
def june():
    return json.loads((FIXTURES / "outcomes_2023-06.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def config():
    return yaml.safe_load((FIXTURES / "config.yml").read_text(encoding="utf-8"))


@pytest.fixture()
def o(june):
    """A fresh copy of the June outcomes, to modify."""
    return copy.deepcopy(june)


@pytest.fixture(scope="module")
def letter(june, config):
    return build_letter(june, config)


def headings(letter):
    return [b.text for b in letter.blocks if b.kind == "heading"]


# ------------------------------------------------------------------ the seed


@pytest.mark.parametrize(
    "expected",
    [
        "Trong tháng 6/2023 các cơ quan, đơn vị, UBND các xã, thị trấn đã có nhiều cố gắng",
        "khi tiếp nhận đạt 97,31%, tăng 0,66% so với tháng 5/2023;",
        "tỷ lệ số hoá kết quả giải quyết TTHC đạt 98,67%, tăng 2,39% so với tháng 5/2023;",
        "phát sinh 02 hồ sơ giải quyết TTHC quá hạn ở lĩnh vực Người có công tại UBND xã An Thanh và Tái Sơn"
        " (UBND xã An Thanh do lỗi phần mềm nên",
        "Theo đề xuất của Văn phòng HĐND và UBND huyện, xét Báo cáo số 107/BC-UBND ngày 13/7/2023"
        " của UBND xã An Thanh; Chủ tịch UBND huyện có ý kiến như sau:",
        "- 06 cơ quan có kết quả tỷ lệ số hoá",
        "Phòng Tài nguyên và Môi trường huyện (tiếp nhận 113/113 hồ sơ, giải quyết 109/109 hồ sơ)",
        "Phòng Lao động - Thương binh và Xã hội huyện (1/1 hồ sơ)",
        "Phòng Nội vụ huyện (1/1 hồ sơ).",
        "- 04 UBND xã có kết quả tỷ lệ số hoá đầy đủ thành phần hồ sơ khi tiếp nhận và số hoá kết quả"
        " giải quyết TTHC trong tháng 6/2023 đạt tỷ lệ cao: UBND xã Ngọc Kỳ đạt 100%;"
        " UBND xã Phượng Kỳ (tiếp nhận đạt 99,3%; giải quyết 100%);",
        "UBND xã Chí Minh (95,44%), UBND xã Quang Phục (92,67%)",
        "Có 05 tháng liên tiếp tỷ lệ số hoá đầy đủ thành phần hồ sơ thấp hơn",
        "(trong tháng 6/2023, đạt 89,8%, tăng 3,03% so với tháng 5/2023, tuy nhiên vẫn thấp hơn 7,24%"
        " so với trung bình chung)",
        "(gồm công chức Văn phòng - Thống kê; công chức Văn hoá - Xã hội; công chức Tư pháp - Hộ tịch;"
        " công chức Địa chính - Xây dựng và Môi trường và công chức Chỉ huy trưởng BCH Quân sự)",
        "Lý do: Trong tháng 6/2023, xã đã để phát sinh 01 hồ sơ quá hạn thuộc lĩnh vực Người có công"
        " trên Hệ thống thông tin giải quyết TTHC của tỉnh; chưa chấp hành tốt chế độ báo cáo cải cách"
        " hành chính định kỳ 6 tháng đầu năm 2023 (chấp hành thời gian báo cáo chưa đảm bảo quy định;"
        " báo cáo chưa đầy đủ nội dung theo quy định).",
        "- Theo báo cáo của UBND các xã, thị trấn, kể từ ngày 01/4/2023 đến 30/6/2023 trên địa bàn huyện:",
        "+ Có 09 UBND xã, thị trấn thực hiện thanh toán trực tuyến đạt chỉ tiêu giao của UBND tỉnh (30%),"
        " gồm UBND xã Chí Minh, Quang Phục, An Thanh, Quảng Nghiệp, Nguyên Giáp, Quang Trung, Bình Lãng,"
        " Ngọc Kỳ và UBND thị trấn Tứ Kỳ.",
        "trong đó 06 UBND xã có tỷ lệ thanh toán trực tuyến rất thấp: UBND xã Hà Kỳ (0,35%),"
        " UBND xã Đại Sơn (0,4%), UBND xã Cộng Lạc (0,4%)",
        "+ Có 01 UBND xã chưa thực hiện thanh toán trực tuyến (UBND xã Tân Kỳ).",
        "- Chủ tịch UBND huyện yêu cầu Chủ tịch UBND xã Tân Kỳ chỉ đạo công chức Tư pháp - Hộ tịch ngay"
        " trong tháng 7/2023 phải thực hiện thanh toán trực tuyến trên Cổng dịch vụ công quốc gia;"
        " Chủ tịch UBND 13 xã đã nêu tên ở trên",
        "Trong thời gian từ tháng 7/2023 đến tháng 12/2023, thực hiện đảm bảo tỷ lệ số hoá",
        "Từ ngày 01/7/2023, đảm bảo ít nhất 30% thanh toán trực tuyến trên Cổng dịch vụ công quốc gia",
        "ngay trong tháng 7 năm 2023./.",
    ],
)
def test_body_follows_the_seed(letter, expected):
    assert expected in letter.body_text()


def test_sections_as_in_the_seed(letter):
    assert headings(letter) == [
        "1. Biểu dương các cơ quan, đơn vị",
        "2. Phê bình UBND xã Hưng Đạo",
        "3. Nhắc nhở lần thứ nhất đối với UBND xã Tái Sơn",
        "4. Về thanh toán trực tuyến",
        "5. Chủ tịch UBND huyện giao Chủ tịch UBND các xã, thị trấn",
        "5.1. Về tỷ lệ số hoá hồ sơ, giấy tờ, kết quả giải quyết TTHC:",
        "5.2. Về thanh toán trực tuyến:",
    ]


def test_header_and_footer(letter):
    assert letter.issuer == ["ỦY BAN NHÂN DÂN", "HUYỆN TỨ KỲ"]
    assert letter.motto == ["CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc"]
    assert re.fullmatch(r"Số: {3,}/UBND-NV", letter.number)
    assert re.fullmatch(r"Tứ Kỳ, ngày {3,}tháng 7 năm 2023", letter.place_date)
    subject = " ".join(letter.subject)
    assert subject.startswith("V/v biểu dương, phê bình, nhắc nhở các cơ quan chuyên môn, UBND các xã, thị trấn")
    assert subject.endswith("trong thực hiện nhiệm vụ Cải cách hành chính tháng 6/2023")
    assert all(len(line) <= 36 for line in letter.subject)
    assert letter.recipients_label == "Kính gửi:"
    assert letter.recipients == [
        "- Thủ trưởng các cơ quan chuyên môn thuộc UBND huyện;",
        "- Chủ tịch UBND các xã, thị trấn.",
    ]
    assert letter.distribution_label == "Nơi nhận:"
    assert letter.distribution[0] == "- Như trên;"
    assert letter.distribution[-1] == "- Lưu: VT, NV."
    assert all(d.endswith(";") for d in letter.distribution[:-1])
    assert letter.signer_title == ["CHỦ TỊCH"]
    assert letter.signer_name == "Vũ Thị Hà"
    assert letter.month == "2023-06"


def test_letter_is_nfc_and_well_formed(letter):
    assert unicodedata.is_normalized("NFC", letter.text())
    assert {b.kind for b in letter.blocks} <= set(BLOCK_KINDS)
    for b in letter.blocks:
        assert b.runs and all(isinstance(r, Run) for r in b.runs)
        if b.kind == "heading":
            assert all(r.bold for r in b.runs)
        if b.kind == "dash":
            assert b.text.startswith("- ")
        if b.kind == "plus":
            assert b.text.startswith("+ ")
        assert "*" not in b.text and "  " not in b.text
    text, bold, italic = letter.blocks[0].styled[1][:3]  # runs unpack as tuples
    assert italic and text.startswith("UBND xã An Thanh do lỗi")


# ------------------------------------------------------- counts = list lengths


def test_counts_equal_the_lists_that_follow(letter):
    body = letter.body_text()
    # "- 06 cơ quan …; gồm: A (…); B (…) …": six departments named
    deps = re.search(r"- (\d\d) cơ quan .*?gồm: (.*)$", body, re.M)
    assert int(deps.group(1)) == len(re.findall(r"Phòng [^(;]+ \(", deps.group(2))) == 6
    high = re.search(r"- (\d\d) UBND xã có kết quả tỷ lệ số hoá .*?cao: (.*)$", body, re.M)
    assert int(high.group(1)) == high.group(2).count("UBND xã") == 4
    pay = re.search(r"- (\d\d) UBND xã có kết quả thanh toán .*?cao: (.*)$", body, re.M)
    assert int(pay.group(1)) == pay.group(2).count("UBND xã") == 4
    meets = re.search(r"\+ Có (\d\d) UBND xã, thị trấn .*?gồm (.*)\.$", body, re.M)
    assert int(meets.group(1)) == len(re.split(r", | và ", meets.group(2))) == 9
    below = re.search(r"\+ Có (\d\d) UBND xã .*?chưa đạt .*?gồm (.*?); trong đó (\d\d) UBND xã .*?thấp: (.*)\.$", body, re.M)
    assert int(below.group(1)) == len(re.split(r", | và ", below.group(2))) == 13
    assert int(below.group(3)) == below.group(4).count("UBND xã") == 6


@pytest.mark.parametrize("n", [1, 2, 3])
def test_counts_follow_shortened_lists(o, config, n):
    r = o["outcomes"]
    r["commend_departments"] = r["commend_departments"][:n]
    r["commend_local_digitization"] = r["commend_local_digitization"][:n]
    r["payment_very_low"] = r["payment_very_low"][:n]
    body = build_letter(o, config).body_text()
    assert f"- {n:02d} cơ quan có kết quả" in body
    assert f"- {n:02d} UBND xã có kết quả tỷ lệ số hoá" in body
    assert f"trong đó {n:02d} UBND xã có tỷ lệ thanh toán trực tuyến rất thấp" in body
    for u in r["commend_local_digitization"]:
        assert fmt.unit_label(u) in body


# ------------------------------------------------------- sections come and go


def test_no_criticism_renumbers(o, config):
    o["outcomes"]["criticize"] = []
    letter = build_letter(o, config)
    assert headings(letter)[:4] == [
        "1. Biểu dương các cơ quan, đơn vị",
        "2. Nhắc nhở lần thứ nhất đối với UBND xã Tái Sơn",
        "3. Về thanh toán trực tuyến",
        "4. Chủ tịch UBND huyện giao Chủ tịch UBND các xã, thị trấn",
    ]
    assert "Phê bình" not in letter.body_text()
    assert " ".join(letter.subject).startswith("V/v biểu dương, nhắc nhở các cơ quan")


def test_nothing_to_commend_or_remind(o, config):
    r = o["outcomes"]
    for key in ("commend_departments", "commend_local_digitization", "commend_local_payment", "remind"):
        r[key] = []
    letter = build_letter(o, config)
    assert headings(letter)[:2] == ["1. Phê bình UBND xã Hưng Đạo", "2. Về thanh toán trực tuyến"]
    assert "biểu dương" not in letter.body_text()
    assert " ".join(letter.subject).startswith("V/v phê bình các cơ quan")


def test_payment_section_parts(o, config):
    r = o["outcomes"]
    r["payment_not_implemented"] = []
    r["payment_very_low"] = []
    body = build_letter(o, config).body_text()
    assert "chưa thực hiện thanh toán trực tuyến" not in body
    assert "rất thấp" not in body
    assert "- Chủ tịch UBND huyện yêu cầu Chủ tịch UBND 13 xã đã nêu tên ở trên" in body
    r["payment_below"] = []
    body = build_letter(o, config).body_text()
    assert "yêu cầu" not in body.split("4. Về thanh toán trực tuyến")[1].split("5. ")[0]
    r["payment_meets"] = []
    assert "Về thanh toán trực tuyến\n" not in build_letter(o, config).body_text() + "\n"


def test_no_overdue_and_no_basis(o, config):
    o["overdue"] = []
    o["district"].update(overdue_by_field=[], overdue_excuses=[])
    o["district"].update(overdue_total=0, overdue_excused=0)
    body = build_letter(o, config).body_text()
    assert "tăng 2,39% so với tháng 5/2023; không phát sinh hồ sơ giải quyết TTHC quá hạn." in body
    assert ("Theo đề xuất của Văn phòng HĐND và UBND huyện, Chủ tịch UBND huyện có ý kiến như sau:") in body
    assert "xét" not in body.split("\n")[1]


def test_overdue_in_several_fields(o, config):
    extra = dict(o["overdue"][1], dossier="X-3", field="Hộ tịch", code="TP",
                 name="Phòng Tư pháp huyện", kind="department")
    o["overdue"].append(extra)
    # the letter prints the district's count and groups, as outcomes computed them
    o["district"]["overdue_total"] = 3
    o["district"]["overdue_by_field"].append({"field": "Hộ tịch", "count": 1, "excused": 0, "units": [
        {"code": "TP", "name": "Phòng Tư pháp huyện", "kind": "department", "count": 1}]})
    body = build_letter(o, config).body_text()
    assert ("phát sinh 03 hồ sơ giải quyết TTHC quá hạn: 02 hồ sơ ở lĩnh vực Người có công tại UBND xã"
            " An Thanh và Tái Sơn; 01 hồ sơ ở lĩnh vực Hộ tịch tại Phòng Tư pháp huyện (UBND xã An Thanh do") in body


def test_overdue_paragraph_from_the_groups_not_the_bounded_list(o, config, letter):
    """outcomes.json lists only the longest-overdue dossiers; the letter's counts, fields, units
    and excuses come from the groups over every dossier."""
    o["overdue"] = []  # as if the list held other dossiers, or none
    for u in o["outcomes"]["remind"]:
        u["overdue"] = []
    assert build_letter(o, config).body_text() == letter.body_text()
    o["district"]["overdue_total"] = 1502
    o["district"]["overdue_by_field"][0]["count"] = 1502
    o["outcomes"]["remind"][0]["overdue_count"] = 1501
    o["outcomes"]["remind"][0]["overdue_by_field"] = [{"field": "Người có công", "count": 1500},
                                                       {"field": "Hộ tịch", "count": 1}]
    body = build_letter(o, config).body_text()
    assert "phát sinh 1502 hồ sơ giải quyết TTHC quá hạn ở lĩnh vực Người có công tại UBND xã An Thanh và Tái Sơn" in body
    assert ("đã để phát sinh 1501 hồ sơ quá hạn thuộc các lĩnh vực Người có công (1500 hồ sơ) và Hộ tịch (01 hồ sơ)"
            in body)


def test_a_big_month_names_the_most_overdue_and_counts_the_rest(o, config):
    """Thousands of overdue dossiers in many fields and units: the letter stays short, its sums right."""
    g = o["district"]["overdue_by_field"][0]
    g.update(count=900, units_total=57)  # 57 units, the two with the most named
    o["district"]["overdue_by_field"].append({"field": "Hộ tịch", "count": 80, "excused": 0, "units_total": 1, "units": [
        {"code": "TP", "name": "Phòng Tư pháp huyện", "kind": "department", "count": 80}]})
    o["district"]["overdue_fields_more"] = {"fields": 31, "count": 520}
    o["district"]["overdue_total"] = 1500
    r = o["outcomes"]["remind"][0]
    r.update(overdue_count=300, overdue_by_field=[{"field": "Người có công", "count": 200}],
             overdue_fields_more={"fields": 7, "count": 100})
    body = build_letter(o, config).body_text()
    assert ("phát sinh 1500 hồ sơ giải quyết TTHC quá hạn: 900 hồ sơ ở lĩnh vực Người có công tại 57 cơ quan, "
            "đơn vị, nhiều nhất là UBND xã An Thanh và Tái Sơn; 80 hồ sơ ở lĩnh vực Hộ tịch tại Phòng Tư pháp huyện; "
            "520 hồ sơ ở 31 lĩnh vực khác (UBND xã An Thanh do") in body
    assert ("đã để phát sinh 300 hồ sơ quá hạn thuộc các lĩnh vực Người có công (200 hồ sơ) và 07 lĩnh vực khác "
            "(100 hồ sơ)") in body


@pytest.mark.parametrize("kind, word", [("commune", "xã"), ("ward", "phường"), ("special_zone", "đặc khu"),
                                        ("department", "cơ quan")])
def test_a_reminder_s_reason_names_the_unit_s_kind(o, config, kind, word):
    r = o["outcomes"]["remind"][0]
    r["kind"] = kind
    assert f"Lý do: Trong tháng 6/2023, {word} " in build_letter(o, config).body_text()


def test_no_previous_month(o, config):
    o["district"].update(reception_rate_change=None, result_rate_change=None)
    o["outcomes"]["criticize"][0]["reception_rate_change"] = None
    o["outcomes"]["criticize"][0]["history"] = o["outcomes"]["criticize"][0]["history"][-1:]
    for u in o["units"]:
        u.update(reception_rate_change=None, result_rate_change=None)
    body = build_letter(o, config).body_text()
    assert "so với tháng 5/2023" not in body
    assert "khi tiếp nhận đạt 97,31%; tỷ lệ số hoá kết quả giải quyết TTHC đạt 98,67%;" in body
    assert "(trong tháng 6/2023, đạt 89,8%, thấp hơn 7,24% so với trung bình chung)" in body


def test_negative_and_zero_changes(o, config):
    o["district"].update(reception_rate_change=-1.2, result_rate_change=0.0)
    o["outcomes"]["criticize"][0]["reception_rate_change"] = -0.5
    body = build_letter(o, config).body_text()
    assert "đạt 97,31%, giảm 1,2% so với tháng 5/2023;" in body
    assert "đạt 98,67%, không đổi so với tháng 5/2023;" in body
    assert "đạt 89,8%, giảm 0,5% so với tháng 5/2023 và thấp hơn 7,24% so với trung bình chung" in body
    assert "tăng" not in body


def test_several_criticised_units(o, config):
    second = dict(o["outcomes"]["criticize"][0], code="XA_VAN_TO", name="Văn Tố", streak=7,
                  reception_rate=90.5, reception_rate_change=-0.2, gap=6.54)
    o["outcomes"]["criticize"].append(second)
    letter = build_letter(o, config)
    assert "2. Phê bình UBND xã Hưng Đạo và Văn Tố" in headings(letter)
    body = letter.body_text()
    assert "+ UBND xã Hưng Đạo: 05 tháng liên tiếp (trong tháng 6/2023, đạt 89,8%" in body
    assert "+ UBND xã Văn Tố: 07 tháng liên tiếp (trong tháng 6/2023, đạt 90,5%, giảm 0,2%" in body
    assert "- Yêu cầu UBND xã Hưng Đạo và Văn Tố, Chủ tịch UBND xã Hưng Đạo và Văn Tố," in body


def test_reminders_grouped_by_number(o, config):
    base = o["outcomes"]["remind"][0]
    o["outcomes"]["remind"] += [
        dict(base, code="XA_VAN_TO", name="Văn Tố", count=2, reasons=["report_missing"], overdue=[],
             overdue_fields=[], overdue_count=0, overdue_by_field=[], reports=[{"report": "Báo cáo CCHC quý II năm 2023", "due": "2023-06-15",
                                          "submitted": None, "complete": False, "late": False,
                                          "incomplete": False, "missing": True}]),
        dict(base, code="YT", name="Phòng Y tế huyện", kind="department", count=2, reasons=["overdue"],
             overdue=[{"dossier": "Y1", "field": "Y tế"}, {"dossier": "Y2", "field": "Y tế"},
                      {"dossier": "Y3", "field": "Dược"}], overdue_count=3,
             overdue_by_field=[{"field": "Y tế", "count": 2}, {"field": "Dược", "count": 1}], reports=[]),
    ]
    letter = build_letter(o, config)
    hs = headings(letter)
    assert "3. Nhắc nhở các cơ quan, đơn vị" in hs
    assert "3.1. Nhắc nhở lần thứ hai đối với UBND xã Văn Tố và Phòng Y tế huyện" in hs
    assert "3.2. Nhắc nhở lần thứ nhất đối với UBND xã Tái Sơn" in hs
    body = letter.body_text()
    assert "- UBND xã Văn Tố chưa nộp báo cáo CCHC quý II năm 2023;" in body
    assert ("- Phòng Y tế huyện đã để phát sinh 03 hồ sơ quá hạn thuộc các lĩnh vực Y tế (02 hồ sơ)"
            " và Dược (01 hồ sơ) trên Hệ thống") in body
    assert "4. Về thanh toán trực tuyến" in hs


@pytest.mark.parametrize("count, word", [(1, "nhất"), (2, "hai"), (3, "ba"), (4, "tư"), (12, "mười hai")])
def test_reminder_ordinals(o, config, count, word):
    o["outcomes"]["remind"][0]["count"] = count
    assert f"Nhắc nhở lần thứ {word} đối với UBND xã Tái Sơn" in build_letter(o, config).body_text()


# ------------------------------------------------------------------ dates


def test_december_letter_is_dated_next_year(o, config):
    o["month"], o["next_month"] = "2023-12", "2024-01"
    o["outcomes"]["payment_window"] = {"start": "2023-10", "end": "2023-12", "months": ["2023-10", "2023-11", "2023-12"]}
    letter = build_letter(o, config)
    assert re.fullmatch(r"Tứ Kỳ, ngày {3,}tháng 1 năm 2024", letter.place_date)
    body = letter.body_text()
    assert "kể từ ngày 01/10/2023 đến 31/12/2023" in body
    assert "so với tháng 11/2023" in body
    assert "Trong năm 2024, thực hiện đảm bảo tỷ lệ số hoá" in body
    assert "Từ ngày 01/1/2024, đảm bảo ít nhất 30%" in body
    assert "ngay trong tháng 1/2024 phải thực hiện thanh toán trực tuyến" in body
    assert body.endswith("ngay trong tháng 1 năm 2024./.")


def test_november_directions(o, config):
    o["month"], o["next_month"] = "2023-11", "2023-12"
    body = build_letter(o, config).body_text()
    assert "Trong tháng 12/2023, thực hiện đảm bảo" in body


# ---------------------------------------------------------- not Tứ Kỳ only


def test_nothing_is_hard_coded(o, config):
    """A province of wards and communes: no huyện, no Tứ Kỳ, no thị trấn."""
    cfg = dict(config, issuer="UBND TỈNH HÒA BÌNH", issuer_lines=None, level="tỉnh", place="Hòa Bình",
               document_code="UBND-KSTT", proposer="Văn phòng UBND tỉnh", superior="Chính phủ",
               signer={"title": "KT. CHỦ TỊCH\nPHÓ CHỦ TỊCH", "name": "Nguyễn Văn A"},
               recipients=None, distribution=["Lưu: VT"], overdue_system=None)
    o["overdue"], o["district"]["overdue_total"] = [], 0
    for key in ("commend_local_payment", "criticize", "remind", "payment_meets", "payment_below",
                "payment_very_low", "payment_not_implemented", "commend_departments"):
        o["outcomes"][key] = []
    o["outcomes"]["commend_local_digitization"][0].update(kind="ward", name="Phương Lâm")
    o["units"] = [{"code": "W", "name": "Phương Lâm", "kind": "ward"},
                  {"code": "C", "name": "Dân Chủ", "kind": "commune"},
                  {"code": "S", "name": "Sở Tư pháp", "kind": "department"}]
    letter = build_letter(o, cfg)
    text = letter.text()
    assert "huyện" not in text and "Tứ Kỳ" not in text and "thị trấn" not in text
    assert letter.issuer == ["UBND TỈNH HÒA BÌNH"]
    assert letter.number.endswith("/UBND-KSTT")
    assert letter.place_date.startswith("Hòa Bình, ngày")
    assert letter.recipients == ["- Giám đốc các sở, Thủ trưởng các ban, ngành tỉnh;",
                                 "- Chủ tịch UBND các xã, phường."]
    assert letter.distribution == ["- Như trên;", "- Lưu: VT."]
    assert letter.signer_title == ["KT. CHỦ TỊCH", "PHÓ CHỦ TỊCH"]
    assert "Chủ tịch UBND tỉnh biểu dương:" in text
    assert "UBND phường Phương Lâm đạt 100%" in text
    assert "5." not in " ".join(headings(letter)) and "2. Chủ tịch UBND tỉnh giao Chủ tịch UBND các xã, phường" in headings(letter)


# ------------------------------------------------------------ markup, escaping

EVIL_NAME = "<script>alert(1)</script>"
EVIL_REASON = "do lỗi *phần mềm* <img src=x onerror=alert(1)> \\ **x** [XA_TAI_SON|y] |"


def test_markup_parser():
    letter = parse_markup(
        "@number: Số:   /X\n## 1. Tiêu đề *nghiêng*\n\nđoạn *nghiêng* và **đậm** \\* sao\n- gạch\n+ cộng\n"
    )
    assert letter.number == "Số:   /X"
    assert [b.kind for b in letter.blocks] == ["heading", "paragraph", "dash", "plus"]
    assert letter.blocks[0].runs == [Run("1. Tiêu đề ", True, False), Run("nghiêng", True, True)]
    assert letter.blocks[1].runs == [Run("đoạn ", False, False), Run("nghiêng", False, True),
                                     Run(" và ", False, False), Run("đậm", True, False),
                                     Run(" * sao", False, False)]
    assert parse_inline(md_escape("a*b\\c")) == [Run("a*b\\c")]
    assert parse_inline(md_escape("- x")) == [Run("- x")]
    with pytest.raises(ValueError):
        parse_markup("@nonsense: x")


def test_mentions_of_units():
    runs = parse_inline("gồm UBND xã [XA_A|An Thanh] và [X\\|B\\]|Tái \\] Sơn] (*UBND xã [XA_C|Chí **Minh**]*) [x] a|b")
    assert "".join(r.text for r in runs) == "gồm UBND xã An Thanh và Tái ] Sơn (UBND xã Chí Minh) [x] a|b"
    assert [(r.text, r.unit) for r in runs if r.unit] == [
        ("An Thanh", "XA_A"), ("Tái ] Sơn", "X|B]"), ("Chí ", "XA_C"), ("Minh", "XA_C")]
    assert [(r.bold, r.italic) for r in runs if r.unit == "XA_C"] == [(False, True), (True, True)]
    block = Block("paragraph", runs)
    assert block.units == ("XA_A", "X|B]", "XA_C")
    assert [r.text for r in block.styled] == ["gồm UBND xã An Thanh và Tái ] Sơn (", "UBND xã Chí ", "Minh", ") [x] a|b"]
    # data text cannot open or close a mention
    assert parse_inline(md_escape("[X|y] z]")) == [Run("[X|y] z]")]


def test_the_letter_knows_the_units_it_names(letter):
    by_heading = {b.text: b.units for b in letter.blocks if b.kind == "heading"}
    assert by_heading["2. Phê bình UBND xã Hưng Đạo"] == ("XA_HUNG_DAO",)
    assert by_heading["3. Nhắc nhở lần thứ nhất đối với UBND xã Tái Sơn"] == ("XA_TAI_SON",)
    assert by_heading["1. Biểu dương các cơ quan, đơn vị"] == ()
    meets = next(b for b in letter.blocks if b.text.startswith("+ Có 09 UBND"))
    assert meets.units[:2] == ("XA_CHI_MINH", "XA_QUANG_PHUC") and meets.units[-1] == "TT_TU_KY"
    assert [r.text for r in meets.runs if r.unit == "TT_TU_KY"] == ["Tứ Kỳ"]  # the name, not "UBND thị trấn"
    # a mention changes nothing printed: the styled runs are the runs without their units
    for b in letter.blocks:
        assert "".join(r.text for r in b.styled) == b.text
        assert all(r.unit is None for r in b.styled)
        assert all((x.bold, x.italic) != (y.bold, y.italic) for x, y in zip(b.styled, b.styled[1:]))


def test_join_line():
    assert join_line("a\n, b\n(\nc\n)\n  \n(*d\n*)\n.\n") == "\na, b (c) (*d*).\n"


def test_config_text_is_escaped_too(o, config):
    cfg = dict(config, proposer="Văn phòng *HĐND*", payment_portal="Cổng <b>DVC</b> *quốc gia*")
    letter = build_letter(o, cfg)
    assert "Theo đề xuất của Văn phòng *HĐND*, xét" in letter.body_text()
    assert "trên Cổng <b>DVC</b> *quốc gia* đạt tỷ lệ cao" in letter.body_text()
    assert "Cổng &lt;b&gt;DVC&lt;/b&gt;" in render_html(letter)


def test_data_text_is_escaped(o, config):
    o["overdue"][0]["reason"] = EVIL_REASON
    o["district"]["overdue_excuses"][0]["reason"] = EVIL_REASON
    o["outcomes"]["criticize"][0]["name"] = EVIL_NAME
    letter = build_letter(o, config)
    body = letter.body_text()
    assert "(UBND xã An Thanh do lỗi *phần mềm* <img src=x onerror=alert(1)> \\ **x** [XA_TAI_SON|y] |)" in body
    assert letter.blocks[0].units == ("XA_AN_THANH", "XA_TAI_SON")  # the reason's "[…|…]" is text, not a mention
    assert f"2. Phê bình UBND xã {EVIL_NAME}" in headings(letter)
    html = render_html(letter)
    assert "<script" not in html and "<img" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html


def test_render_html(letter):
    html = render_html(letter)
    assert html.lstrip().startswith('<div class="cchc-letter"')
    for cls in ("cl-header", "cl-issuer", "cl-motto", "cl-number", "cl-subject", "cl-place-date",
                "cl-recipients", "cl-body", "cl-heading", "cl-paragraph", "cl-dash", "cl-plus",
                "cl-distribution", "cl-signature", "cl-signer-name"):
        assert f'class="{cls}' in html or f" {cls}" in html, cls
    assert "Số:      /UBND-NV" in html
    assert "<em>UBND xã An Thanh do lỗi phần mềm" in html
    assert "<strong>1. Biểu dương các cơ quan, đơn vị</strong>" in html
    assert "<style>" not in html
    assert "<style>" in render_html(letter, css=True)


def test_letter_dataclass_is_plain():
    letter = Letter(number="Số: /X", blocks=[Block("paragraph", [Run("a"), Run("b", italic=True)])])
    assert letter.body_text() == "ab"
    assert letter.text() == "Số: /X\nab"


@pytest.mark.parametrize("reason, note", [
    # a reason written as a sentence: after a colon, its first letter lowered
    ("Mất điện toàn khu vực ngày 04/7/2023", "(Phòng Tư pháp huyện: mất điện toàn khu vực ngày 04/7/2023)"),
    ("Do lỗi đường truyền", "(Phòng Tư pháp huyện: do lỗi đường truyền)"),
    # lowering would change a name or an abbreviation: the reason as written
    ("VNPT iGate bảo trì hệ thống", "(Phòng Tư pháp huyện: VNPT iGate bảo trì hệ thống)"),
    ("Sở Tư pháp đề nghị tạm dừng", "(Phòng Tư pháp huyện: Sở Tư pháp đề nghị tạm dừng)"),
    ("Hải Dương mất điện diện rộng", "(Phòng Tư pháp huyện: Hải Dương mất điện diện rộng)"),
    ("04/7/2023 mất điện", "(Phòng Tư pháp huyện: 04/7/2023 mất điện)"),
    # a reason that goes on from the unit's name ("do …", "vì …"): today's wording
    ("do lỗi phân mềm nên chưa trả kết quả", "(Phòng Tư pháp huyện do lỗi phân mềm nên chưa trả kết quả)"),
])
def test_an_excused_reason_reads_after_the_unit_name(o, config, reason, note):
    o["overdue"] = [dict(o["overdue"][0], code="TP", name="Phòng Tư pháp huyện", kind="department",
                         excused=True, reason=reason)]
    o["district"]["overdue_excuses"] = [{"code": "TP", "name": "Phòng Tư pháp huyện", "kind": "department",
                                         "reason": reason, "basis": ""}]
    body = build_letter(o, config).body_text()
    assert note in body, body.split("\n")[1]


def test_the_seed_excused_note_is_unchanged(letter):
    assert "(UBND xã An Thanh do lỗi phần mềm nên công chức" in letter.body_text()
