"""The portal (cchc.portal.write_index): every month, every unit page, every link resolving.

The output folder is built without the notebook: for two sample months the
month's files are written by `cchc.monthly.write_files` (outcomes.json,
scorecard.xlsx, report.docx, units/*.html) and report.html / report.pdf are
stand-ins, so that every link can be followed on disk.
"""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest

from cchc.portal import published_months, write_index

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "data"
MONTHS = ("2023-05", "2023-06")


class _Links(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.links, self.tags, self.text = [], [], []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        self.links.extend(v for k, v in attrs if k in ("href", "src") and v is not None)

    def handle_data(self, data):
        self.text.append(data)


def page_links(path: Path) -> _Links:
    p = _Links()
    p.feed(path.read_text(encoding="utf-8"))
    p.close()
    return p


def broken_links(pages) -> list[str]:
    """Every href/src of the pages that is not a relative link to an existing file."""
    bad = []
    for page in pages:
        for link in page_links(page).links:
            parts = urlsplit(link)
            if parts.scheme or parts.netloc or link.startswith("/"):
                bad.append(f"{page}: not a relative link: {link}")
                continue
            if not parts.path:  # "#anchor" on the same page
                continue
            target = (page.parent / unquote(parts.path)).resolve()
            if not target.is_file():
                bad.append(f"{page}: {link} -> {target} does not exist")
    return bad


def all_pages(out: Path) -> list[Path]:
    return [out / "index.html", *sorted(out.glob("*/units/*.html"))]


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    from cchc.monthly import review, write_files

    out = tmp_path_factory.mktemp("output")
    for month in MONTHS:
        folder = out / month
        write_files(review(month=month, data_dir=DATA), folder)
        (folder / "report.html").write_text("<!DOCTYPE html><title>report</title>", encoding="utf-8")
        (folder / "report.pdf").write_bytes(b"%PDF-1.7\n")
    # not published months: a staging folder, a folder without outcomes.json, a stray file
    stage = out / ".staging-2023-07-0123abcd"
    stage.mkdir()
    (stage / "outcomes.json").write_text("{}", encoding="utf-8")
    (out / "2023-04").mkdir()
    (out / "notes.txt").write_text("x", encoding="utf-8")
    return out, write_index(out)


def test_index_lists_the_published_months_only(site):
    out, index = site
    assert index == out / "index.html"
    assert [p.name for p in published_months(out)] == list(MONTHS)
    links = page_links(index).links
    for month in MONTHS:
        for name in ("report.html", "report.pdf", "report.docx", "scorecard.xlsx", "outcomes.json"):
            assert f"{month}/{name}" in links
    assert not any("staging" in link or link.startswith("2023-04") or link.startswith("2023-07") for link in links)


def test_every_link_of_the_index_and_of_every_unit_page_resolves(site):
    out, _ = site
    pages = all_pages(out)
    assert len(pages) == 1 + 2 * 33
    assert broken_links(pages) == []


def test_the_index_links_every_unit_page_of_every_month(site):
    out, index = site
    linked = {(out / link).resolve() for link in page_links(index).links if "/units/" in link}
    assert linked == {p.resolve() for p in out.glob("*/units/*.html")}


def test_the_index_shows_the_district_trend_and_the_outcomes(site):
    out, index = site
    html = index.read_text(encoding="utf-8")
    text = re.sub(r"\s+", " ", " ".join(page_links(index).text))
    from cchc import fmt

    for month in MONTHS:
        doc = json.loads((out / month / "outcomes.json").read_text(encoding="utf-8"))
        assert fmt.pct(doc["district"]["reception_rate"]) in text
        assert fmt.pct(doc["district"]["result_rate"]) in text
    assert "<svg" in html and "<polyline" in html  # the trend chart
    # June: Hưng Đạo criticised, coloured so on the grid
    assert re.search(r'class="cell criticize"><a href="2023-06/units/XA_HUNG_DAO.html"', html)
    assert re.search(r'class="cell remind"><a href="2023-06/units/XA_TAI_SON.html"', html)


def test_the_index_is_offline(site):
    _, index = site
    p = page_links(index)
    html = index.read_text(encoding="utf-8")
    assert "script" not in p.tags and "link" not in p.tags and "img" not in p.tags
    assert "@import" not in html and "url(" not in html


def test_index_escapes_data_and_survives_a_broken_month(tmp_path):
    bad = tmp_path / "2023-01"
    bad.mkdir()
    (bad / "outcomes.json").write_text(json.dumps({
        "month": "2023-01",
        "district": {"reception_rate": 90.0, "result_rate": 91.0},
        "units": [{"code": "<x>", "name": "<script>alert(1)</script>", "kind": "commune", "reception_rate": 50.0}],
        "outcomes": {"remind": [{"code": "<x>", "name": "<script>alert(1)</script>", "kind": "commune"}]},
    }), encoding="utf-8")
    pages = bad / "units"
    pages.mkdir()
    from cchc.pages import unit_filenames

    (pages / unit_filenames(["<x>"])["<x>"]).write_text("<p>page</p>", encoding="utf-8")
    broken = tmp_path / "2023-02"
    broken.mkdir()
    (broken / "outcomes.json").write_text("{not json", encoding="utf-8")
    index = write_index(tmp_path)
    html = index.read_text(encoding="utf-8")
    assert "<script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "2023-02/outcomes.json" in page_links(index).links  # listed, with a note
    assert "không đọc được" in html
    assert broken_links([index]) == []


def test_the_portal_needs_only_the_shared_page_modules():
    """The portal's page helpers are cchc.pages and cchc.svgchart: it does not load the unit pages."""
    import subprocess
    import sys

    code = "import sys, cchc.portal; print('cchc.unitpages' in sys.modules, 'cchc.monthly' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.split() == ["False", "False"]


def test_index_of_an_empty_folder(tmp_path):
    index = write_index(tmp_path / "new")
    assert "Chưa có báo cáo tháng nào" in index.read_text(encoding="utf-8")


def test_a_failing_index_warns_but_does_not_fail(tmp_path, monkeypatch, capsys):
    import cchc.portal
    from cchc.run import refresh_index

    def boom(output_dir):
        raise PermissionError("read-only folder")

    monkeypatch.setattr(cchc.portal, "write_index", boom)
    assert refresh_index(tmp_path) is None
    err = capsys.readouterr().err
    assert "WARNING" in err and "index.html" in err and "read-only folder" in err
