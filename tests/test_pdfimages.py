"""The charts go into the PDF as they are (cchc.pdfimages), with the same pixels."""

from __future__ import annotations

import base64
import io
import zlib

import pytest
from PIL import Image

from cchc import export, pdfimages


def png(image: Image.Image, **options) -> bytes:
    buf = io.BytesIO()
    image.save(buf, format="PNG", **options)
    return buf.getvalue()


def chart_like(width=300, height=120, colors=256) -> Image.Image:
    """An RGB picture with lines and text-like speckle, quantised as png_bytes does."""
    image = Image.new("RGB", (width, height), "white")
    px = image.load()
    for x in range(width):
        for y in range(height):
            if (x * 7 + y * 13) % 29 < 3 or y == height // 2:
                px[x, y] = ((x * 5) % 256, (y * 11) % 256, (x + y) % 256)
    return image.quantize(colors, method=Image.Quantize.FASTOCTREE)


def test_a_palette_png_is_read_as_such():
    data = png(chart_like())
    found = pdfimages.palette_png(data)
    assert found is not None
    assert (found["width"], found["height"], found["bits"]) == (300, 120, 8)
    assert len(found["palette"]) % 3 == 0
    assert len(zlib.decompress(found["idat"])) == 120 * (1 + 300)  # a filter byte + one index a pixel


def test_a_few_colours_give_fewer_bits_a_pixel():
    found = pdfimages.palette_png(png(chart_like(colors=4), bits=2))
    assert found is not None and found["bits"] == 2


@pytest.mark.parametrize("make", [
    lambda: png(Image.new("RGB", (10, 10), "red")),                                  # RGB
    lambda: png(Image.new("L", (10, 10), 128)),                                       # grey
    lambda: png(chart_like(), transparency=0),                                        # tRNS
    lambda: b"\x89PNG\r\n\x1a\nbroken",                                               # truncated
    lambda: png(chart_like())[:33],                                                   # header only
    lambda: (lambda d: d[:28] + b"\x01" + d[29:])(png(chart_like())),                # interlaced
    lambda: (lambda d: d[:60] + bytes([d[60] ^ 0xFF]) + d[61:])(png(chart_like())),  # damaged: CRC
    lambda: png(chart_like())[:-12],                                                  # no IEND
    lambda: b"GIF89a",                                                                # not a PNG
])
def test_other_images_are_left_to_weasyprint(make):
    assert pdfimages.palette_png(make()) is None


def pdf_images(path):
    from pypdf import PdfReader

    return [img for page in PdfReader(str(path)).pages for img in page.images]


def test_the_pdf_holds_the_chart_with_the_same_pixels(tmp_path):
    from cchc.charts import ChartFigure, png_bytes

    fig = ChartFigure(figsize=(4, 2))
    ax = fig.add_subplot()
    ax.bar(["Xã Ngọc Kỳ", "Thị trấn Tứ Kỳ"], [97.31, 45.5], color=["#1f4e79", "#bbbbbb"])
    ax.set_title("Tỷ lệ số hoá (%)")
    chart = png_bytes(fig)
    assert pdfimages.palette_png(chart) is not None  # the charts are plain palette PNGs
    rgb = png(Image.new("RGB", (40, 20), (200, 30, 30)))
    page = (f'<img src="data:image/png;base64,{base64.b64encode(chart).decode()}">'
            f'<img src="data:image/png;base64,{base64.b64encode(rgb).decode()}">')
    out = export.html_to_pdf(export.html_page(page), tmp_path / "chart.pdf")
    raw = out.read_bytes()
    assert b"/Indexed" in raw  # the chart went in as it is
    assert chart.split(b"IDAT", 1)[1][4:64] in raw  # its own compressed data, not recompressed
    images = pdf_images(out)
    assert len(images) == 2
    expected = Image.open(io.BytesIO(chart)).convert("RGB")
    got = images[0].image.convert("RGB")
    assert got.size == expected.size
    assert got.tobytes() == expected.tobytes()
    assert images[1].image.convert("RGB").getpixel((5, 5)) == (200, 30, 30)  # RGB: WeasyPrint's own way


def test_install_is_idempotent_and_keeps_to_the_version_it_knows(monkeypatch):
    import weasyprint
    from weasyprint import images

    assert pdfimages.install() is True
    patched = images.RasterImage
    assert pdfimages.install() is True and images.RasterImage is patched
    monkeypatch.setattr(weasyprint, "__version__", "999.0")
    assert pdfimages.install() is False


@pytest.mark.parametrize("option", [{"dpi": 50}, {"optimize_images": True}])
def test_weasyprint_options_that_rework_images_get_its_own_way(tmp_path, option):
    """Asked to shrink or optimise images, WeasyPrint does it itself (no /Indexed)."""
    from weasyprint import HTML

    from cchc.export import _pdf_options

    data = base64.b64encode(png(chart_like(400, 160))).decode()
    out = tmp_path / "x.pdf"
    HTML(string=f'<img src="data:image/png;base64,{data}" style="width:2cm">').write_pdf(
        str(out), **_pdf_options(), **option)
    assert b"/Indexed" not in out.read_bytes()
    assert len(pdf_images(out)) == 1
