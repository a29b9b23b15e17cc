"""The HTML report as an A4 PDF, with WeasyPrint.

    html_to_pdf("output/2023-06/report.html", "output/2023-06/report.pdf")

The page brings its own styles (`cchc.nbhtml.report_css`: report.css, then
print.css: A4, the Decree 30 margins, page numbers centred in the top margin
from page 2, the appendix printed as an annex whose pages are numbered on their
own). One user stylesheet goes with it: the @font-face rules of the shipped
fonts (`cchc.fonts`: Liberation Serif for the letter, Liberation Sans for the
analysis, embedded in the PDF). No other font is named, so the PDF is the same
on every machine. Only file: and data: URLs are fetched: the
report never depends on the network.
"""

from __future__ import annotations

from pathlib import Path

from cchc import fonts
from cchc.paths import PACKAGE_DIR


def html_to_pdf(html, out_path, base_url: str | None = None) -> Path:
    """Render HTML (a path, or the page itself as text) to an A4 PDF; return the PDF's path."""
    from weasyprint import CSS, HTML
    from weasyprint.text.fonts import FontConfiguration
    from weasyprint.urls import URLFetcher

    if isinstance(html, Path):
        page, base_url = html.read_text(encoding="utf-8"), base_url or str(html.parent)
    else:
        page = str(html)
    fetcher = URLFetcher(allowed_protocols={"file", "data"})
    font_config = FontConfiguration()
    style = CSS(string=fonts.font_face_css(), font_config=font_config, url_fetcher=fetcher)
    document = HTML(string=page, base_url=base_url or str(PACKAGE_DIR), url_fetcher=fetcher)
    out = Path(out_path)
    document.write_pdf(str(out), stylesheets=[style], font_config=font_config)
    return out
