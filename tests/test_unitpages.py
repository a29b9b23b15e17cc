"""Unit pages (cchc.unitpages): one self-contained, escaped HTML page per unit and month.

Most tests render the pages of the Tứ Kỳ sample, June 2023 (no notebook: a
Review and one Jinja template), and read them back as text with html.parser.
The "how many more" arithmetic is checked on hand-made counts and on a small
hand-made data directory (tests/workbooks.py).
"""

from __future__ import annotations

import re
import unicodedata
from html.parser import HTMLParser
from pathlib import Path

import pytest

from cchc.pages import unit_filenames, write_page
from cchc.svgchart import line_chart
from cchc.unitpages import letter_quotes, more_needed, unit_contexts, write_unit_pages

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "data"


class _Page(HTMLParser):
    """Text (scripts, styles and SVG left out), links and tags of a page."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts, self.links, self.tags, self._skip = [], [], [], 0

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        for name, value in attrs:
            if name in ("href", "src"):
                self.links.append(value)
        if tag in ("style", "script", "svg"):
            self._skip += 1

    def handle_endtag(self, tag):
        if tag in ("style", "script", "svg"):
            self._skip -= 1

    def handle_data(self, data):
        if not self._skip:
            self.parts.append(data)

    @property
    def text(self) -> str:
        return re.sub(r"\s+", " ", " ".join(self.parts))


def parse(html: str) -> _Page:
    p = _Page()
    p.feed(html)
    p.close()
    return p


@pytest.fixture(scope="module")
def rv():
    from cchc.monthly import review

    return review(month="2023-06", data_dir=DATA)


@pytest.fixture(scope="module")
def pages(rv, tmp_path_factory):
    dest = tmp_path_factory.mktemp("month")
    paths = write_unit_pages(rv, dest)
    return dest, paths


@pytest.fixture(scope="module")
def page_of(rv, pages):
    dest, _ = pages
    files = unit_filenames(rv.ds.units["code"])

    def get(code: str) -> _Page:
        return parse((dest / "units" / files[code]).read_text(encoding="utf-8"))

    return get


# ---------------------------------------------------------------- every unit


def test_every_unit_gets_its_own_page(rv, pages):
    dest, paths = pages
    codes = list(rv.ds.units["code"])
    assert len(paths) == len(codes) == 33
    assert len({p.name for p in paths}) == len(codes)
    assert all(p.parent == dest / "units" and p.is_file() for p in paths)
    for code, name, path in zip(codes, rv.ds.units["name"], paths):
        html = path.read_text(encoding="utf-8")
        assert unicodedata.is_normalized("NFC", html)
        page = parse(html)
        assert name in page.text, code
        assert "6/2023" in page.text


def test_pages_are_offline_and_link_only_to_the_report_and_the_index(pages):
    for path in pages[1]:
        html = path.read_text(encoding="utf-8")
        page = parse(html)
        assert sorted(set(page.links)) == ["../../index.html", "../report.html"], path.name
        assert "script" not in page.tags and "link" not in page.tags and "img" not in page.tags
        assert "@import" not in html and "url(" not in html
        assert page.tags.count("svg") >= 3  # the three small charts (and the legend's samples)


# ---------------------------------------------------------------- what the letter says


def test_hung_dao_is_criticised_with_its_streak(page_of):
    text = page_of("XA_HUNG_DAO").text
    assert "Bị phê bình" in text
    assert "Có 05 tháng liên tiếp" in text
    assert "2. Phê bình UBND xã Hưng Đạo" in text  # the letter's own heading, quoted
    assert "tuy nhiên vẫn thấp hơn 7,24% so với trung bình chung" in text  # the letter's block
    assert "Bị nhắc nhở" not in text and "Được biểu dương" not in text


def test_tai_son_is_reminded_for_the_first_time_with_its_reasons(page_of):
    text = page_of("XA_TAI_SON").text
    assert "Bị nhắc nhở lần thứ nhất" in text
    assert "để phát sinh hồ sơ quá hạn" in text and "nộp báo cáo chậm" in text
    assert "Nhắc nhở lần thứ nhất đối với UBND xã Tái Sơn" in text  # quoted heading
    assert "Lý do: Trong tháng 6/2023, xã đã để phát sinh 01 hồ sơ quá hạn" in text  # its block, no name in it
    assert "Bị phê bình" not in text


def test_commended_department_shows_its_counts(page_of):
    text = page_of("TNMT").text
    assert "Được biểu dương" in text
    assert "tiếp nhận 113/113 hồ sơ, giải quyết 109/109 hồ sơ" in text


def test_an_thanh_excused_dossier_is_explained_not_reminded(page_of):
    text = page_of("XA_AN_THANH").text
    assert "Hồ sơ quá hạn được miễn trừ" in text and "lỗi phần mềm" in text
    assert "Bị nhắc nhở" not in text


def test_unit_not_named_in_the_letter(page_of):
    text = page_of("GDDT").text  # received nothing in June
    assert "không biểu dương, phê bình hay nhắc nhở" in text
    assert "không nêu tên đơn vị" in text
    assert "không có hồ sơ" in text


def _marked(quotes):
    """The marked texts of a unit's quotes, and the quoted blocks' texts."""
    marks, blocks = [], []
    for q in quotes:
        for segs in [q["heading"] or []] + [b["segments"] for b in q["blocks"]]:
            marks += [s["text"] for s in segs if s["mark"]]
        blocks += ["".join(s["text"] for s in b["segments"]) for b in q["blocks"]]
    return marks, blocks


def test_quotes_follow_the_letters_mentions_not_its_text():
    """A commune and a ward of one name, and "Quang" beside "Quang Phục": each unit is quoted
    where the letter names it, and only its own name is marked."""
    import json

    import yaml

    from cchc.narrative import build_letter

    fixtures = Path(__file__).parent / "fixtures"
    o = json.loads((fixtures / "outcomes_2023-06.json").read_text(encoding="utf-8"))
    config = yaml.safe_load((fixtures / "config.yml").read_text(encoding="utf-8"))
    extra = [{"code": "XA_QUANG", "name": "Quang", "kind": "commune"},
             {"code": "XA_TAN_LAP", "name": "Tân Lập", "kind": "commune"},
             {"code": "P_TAN_LAP", "name": "Tân Lập", "kind": "ward"}]
    o["units"] += extra
    quang_phuc = next(u for u in o["units"] if u["name"] == "Quang Phục")
    o["outcomes"]["payment_not_implemented"] = [quang_phuc, extra[1], extra[2]]
    o["outcomes"]["commend_local_payment"].append(dict(extra[0], payment_rate=81.0))
    letter = build_letter(o, config)
    body = letter.body_text()
    assert "(UBND xã Quang Phục, Tân Lập và UBND phường Tân Lập)" in body
    assert "UBND xã Quảng Nghiệp (80,71%), UBND xã Quang (81%)." in body
    quotes = letter_quotes(letter, [u["code"] for u in o["units"]])

    commune, ward = _marked(quotes["XA_TAN_LAP"]), _marked(quotes["P_TAN_LAP"])
    assert commune[0] == ward[0] == ["Tân Lập", "Tân Lập"]  # its own mention in each of the two blocks
    assert commune[1] == ward[1]  # both named in the same blocks…
    for block in quotes["P_TAN_LAP"][0]["blocks"]:  # …but the ward's mark is the ward's name, after "UBND phường"
        texts = [s["text"] for s in block["segments"]]
        marked = next(i for i, s in enumerate(block["segments"]) if s["mark"])
        assert texts[marked - 1].endswith("UBND phường ")
    marks, blocks = _marked(quotes["XA_QUANG"])
    assert marks == ["Quang"]  # not the "Quang" of "Quang Phục"
    assert not any("chưa thực hiện thanh toán trực tuyến" in b for b in blocks)
    assert any("Quang Phục" in b for b in _marked(quotes[quang_phuc["code"]])[1])


# ---------------------------------------------------------------- ranks and figures


def test_ranks_among_peers(rv, page_of):
    ctx = {c["unit"]["code"]: c for c in unit_contexts(rv)}
    # Hưng Đạo has the lowest reception rate of the 23 local units (89,8%)
    assert ctx["XA_HUNG_DAO"]["ranks"]["reception"] == {"rank": 23, "of": 23}
    assert "hạng 23/23" in page_of("XA_HUNG_DAO").text
    # the departments are ranked among the 8 departments that received dossiers; ties share rank 1
    assert ctx["TNMT"]["ranks"]["reception"] == {"rank": 1, "of": 8}
    assert ctx["GDDT"]["ranks"]["reception"]["rank"] is None
    # Ngọc Kỳ is the only local unit at 100% on reception
    assert ctx["XA_NGOC_KY"]["ranks"]["reception"]["rank"] == 1


def test_history_covers_the_calendar_year_so_far(rv):
    ctx = {c["unit"]["code"]: c for c in unit_contexts(rv)}["XA_HUNG_DAO"]
    assert [h["month"] for h in ctx["history"]] == [f"2023-{m:02d}" for m in range(1, 7)]
    june = ctx["history"][-1]["reception"]
    assert (june["done"], june["total"]) == (176, 196)
    assert round(june["average"], 2) == 97.04  # the letter's local average
    assert ctx["current"]["reception"]["rate"] == pytest.approx(100 * 176 / 196)


# ---------------------------------------------------------------- how many more


@pytest.mark.parametrize("done,total,target,expected", [
    (176, 196, 97.04, 15),      # Hưng Đạo to the local average: 190/196 = 96,94%, 191/196 = 97,45%
    (176, 196, 100, 20),
    (15, 269, 30, 66),          # 81/269 = 30,11%, 80/269 = 29,74%
    (19000, 20000, 97.04, 407),  # 19407/20000 = 97,035% is displayed 97,04%: enough
    (99, 100, 99, 0),           # already there
    (100, 100, 100, 0),
    (0, 0, 30, None),           # nothing received: no figure
    (5, 10, 100.5, None),       # unreachable target
    (5, 10, None, None),
])
def test_more_needed(done, total, target, expected):
    assert more_needed(done, total, target) == expected


def test_more_needed_is_the_smallest_k():
    from cchc.indicators import round2

    for total in range(1, 60):
        for done in range(0, total + 1):
            for target in (0, 29.99, 30, 33.33, 66.67, 97.04, 99, 100):
                k = more_needed(done, total, target)
                ok = [j for j in range(0, total - done + 1) if round2(100 * (done + j) / total) >= round2(target)]
                assert k == (ok[0] if ok else None), (done, total, target)


def test_how_many_more_on_a_hand_made_month(tmp_path):
    from workbooks import make_data_dir

    from cchc.monthly import review

    units = [("D1", "Phòng Thử huyện", "department", ""), ("X1", "Một", "commune", ""), ("X2", "Hai", "commune", "")]
    data = make_data_dir(tmp_path, units=units, months={"2023-06": {
        "SoHoa": [("Phòng Thử huyện", 4, 4, 4, 4), ("Một", 10, 7, 20, 19), ("Hai", 10, 10, 20, 20)],
        "ThanhToan": [("Một", 10, 1), ("Hai", 10, 9)],
    }})
    rv = review(month="2023-06", data_dir=data)
    ctx = {c["unit"]["code"]: c for c in unit_contexts(rv)}["X1"]
    needs = {n["key"]: {g["kind"]: g["more"] for g in n["goals"]} for n in ctx["needs"]}
    # local average 17/20 = 85%: 7 + 2 = 9 of 10 (90%); the commendation 99% and 100%: 3 more
    assert needs["reception"] == {"average": 2, "commend": 3, "full": 3}
    # results: 39/40 = 97,5% on average; 19 -> 20 of 20
    assert needs["result"] == {"average": 1, "commend": 1, "full": 1}
    # payments 1/10, target 30%: 2 more; commendation 80%: 7 more; the window (the quarter so far) is the same month
    assert needs["payment"] == {"target": 2, "commend_payment": 7}
    assert needs["window"] == {"target": 2}
    page = parse(write_unit_pages(rv, tmp_path / "out")[1].read_text(encoding="utf-8")).text
    assert "thêm 2 hồ sơ" in page and "thêm 3 hồ sơ" in page and "thêm 7 giao dịch" in page
    assert "hạng 2/2" in page


# ---------------------------------------------------------------- escaping and file names


def test_data_text_is_escaped(tmp_path):
    from workbooks import make_data_dir

    from cchc.monthly import review

    evil = "<script>alert(1)</script> & Co"
    units = [("D1", "Phòng Thử huyện", "department", ""), ("X<1>", evil, "commune", ""), ("X2", "Hai", "commune", "")]
    data = make_data_dir(tmp_path, units=units, months={"2023-06": {
        "SoHoa": [("Phòng Thử huyện", 4, 4, 4, 4), (evil, 10, 7, 20, 19), ("Hai", 10, 10, 20, 20)],
        "QuaHan": [("HS-1", evil, "<b>Hộ tịch</b>", "<i>thủ tục</i>", "05/06/2023", "09/06/2023", "Không",
                    "<img src=x onerror=alert(2)>", "")],
        "ThanhToan": [(evil, 10, 1), ("Hai", 10, 9)],
    }})
    rv = review(month="2023-06", data_dir=data)
    assert any(r["code"] == "X<1>" for r in rv.outcomes["outcomes"]["remind"])
    paths = write_unit_pages(rv, tmp_path / "out")
    evil_page = paths[1]
    assert re.fullmatch(r"X_1-[0-9a-f]{8}\.html", evil_page.name)
    for path in paths:
        html = path.read_text(encoding="utf-8")
        page = parse(html)
        assert "script" not in page.tags and "img" not in page.tags and "b" not in page.tags and "i" not in page.tags
        assert "<script>alert" not in html and "<img src=x" not in html
    html = evil_page.read_text(encoding="utf-8")
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; Co" in html
    assert evil in parse(html).text  # shown as text, as written


def test_pages_are_written_whole(tmp_path):
    path = tmp_path / "p.html"
    path.write_text("old", encoding="utf-8")
    assert write_page(path, "<p>mới</p>") == path
    assert path.read_text(encoding="utf-8") == "<p>mới</p>"
    assert [p.name for p in tmp_path.iterdir()] == ["p.html"]  # no temporary file left


def test_unit_filenames_are_safe_and_distinct():
    codes = ["XA_NGOC_KY", "TNMT", "a/b", "../x", "CON", "ab", "AB", "Xã Ngọc", "", "x" * 200, "a b", "a_b"]
    names = unit_filenames(codes)
    assert names["XA_NGOC_KY"] == "XA_NGOC_KY.html" and names["TNMT"] == "TNMT.html"
    assert all(re.fullmatch(r"[A-Za-z0-9_-]{1,80}\.html", n) for n in names.values()), names
    assert len({n.casefold() for n in names.values()}) == len(codes)
    assert names["CON"] != "CON.html"
    assert unit_filenames(codes) == names  # deterministic


# ---------------------------------------------------------------- charts


def test_line_chart_breaks_at_gaps_and_keeps_the_target():
    c = line_chart(["1", "2", "3", "4", "5"], [{"key": "unit", "values": [90, None, 95, 96, float("nan")]}],
                   hlines=[{"key": "target", "value": 100}])
    segs = c["series"][0]["segments"]
    assert len(segs) == 1 and len(segs[0].split()) == 2  # 3–4 joined; 1 alone: a dot, no line
    assert len(c["series"][0]["dots"]) == 3
    assert c["hlines"][0]["y"] == c["plot"]["y0"]  # 100% is the top of the plot
    assert [t["label"] for t in c["yticks"]][-1] == "100"
    low = line_chart(["1"], [{"key": "unit", "values": [4.5]}])
    assert low["yticks"][0]["label"] == "0"
