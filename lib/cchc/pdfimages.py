"""The report's charts into the PDF as they are: palette PNGs, not re-encoded.

The charts are 256-colour PNGs (`cchc.charts.png_bytes`). WeasyPrint 70 turns
every such image into RGB and compresses it twice, once when it reads it and
once when it writes the PDF: about 40 ms a chart, a third of the sample PDF's
time. A PDF can hold the PNG's own pixel data: an /Indexed image (the PNG's
palette as its lookup table) whose stream is the concatenated IDAT chunks,
decoded with FlateDecode and the PNG predictor. `install()` makes WeasyPrint
read such PNGs into `PalettePNG`, which embeds them that way; other images
(RGB, grey, with transparency, interlaced, JPEG, SVG), and any image when
WeasyPrint is asked to rotate images, shrink them to a dpi or optimise them,
go the usual way.

The pixels are the same (tests/test_pdfimages.py renders the PDF back and
compares). `install()` patches `weasyprint.images.RasterImage`, which
`weasyprint.images.get_image_from_uri` looks up when it reads an image, and
only for the WeasyPrint major version it was written against.
"""

from __future__ import annotations

import struct
import zlib

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
SUPPORTED_MAJOR = "70"  # weasyprint.__version__ it was checked against
_COLOR_TYPE_PALETTE = 3


def png_chunks(data: bytes):
    """(type, payload) for each chunk of a PNG file; ValueError if one is cut
    short or fails its CRC."""
    pos = len(PNG_SIGNATURE)
    while pos + 8 <= len(data):
        (length,) = struct.unpack(">I", data[pos:pos + 4])
        kind = data[pos + 4:pos + 8]
        end = pos + 8 + length
        if end + 4 > len(data):
            raise ValueError(f"PNG chunk {kind!r} cut short")
        payload = data[pos + 8:end]
        if zlib.crc32(kind + payload) != struct.unpack(">I", data[end:end + 4])[0]:
            raise ValueError(f"PNG chunk {kind!r} fails its CRC")
        yield kind, payload
        pos = end + 4


def palette_png(data: bytes) -> dict | None:
    """What an /Indexed image needs from a PNG, or None if it is not a plain palette PNG.

    Plain: colour type 3 (palette), not interlaced, no transparency (tRNS), a
    palette and pixel data. Returns width, height, bits (per index), palette
    (RGB bytes) and idat (the zlib stream of the filtered scanlines).
    """
    if not data.startswith(PNG_SIGNATURE):
        return None
    header, palette, idat, ended = None, None, [], False
    try:
        for kind, payload in png_chunks(data):
            if kind == b"IHDR":
                header = payload
            elif kind == b"PLTE":
                palette = payload
            elif kind == b"IDAT":
                idat.append(payload)
            elif kind == b"tRNS":
                return None
            elif kind == b"IEND":
                ended = True
    except ValueError:  # damaged: WeasyPrint's own way reports it
        return None
    if not ended or header is None or len(header) != 13 or palette is None or not idat:
        return None
    width, height, bits, color_type, _compression, _filter, interlace = struct.unpack(">IIBBBBB", header)
    if color_type != _COLOR_TYPE_PALETTE or interlace != 0 or bits not in (1, 2, 4, 8):
        return None
    if not palette or len(palette) % 3 or len(palette) > 256 * 3:
        return None
    return {"width": width, "height": height, "bits": bits, "palette": palette, "idat": b"".join(idat)}


def install() -> bool:
    """Make WeasyPrint embed plain palette PNGs as they are; True if it does.

    Idempotent. Does nothing (False) under another major version of WeasyPrint.
    """
    import pydyf
    import weasyprint
    from weasyprint import images

    if weasyprint.__version__.split(".")[0] != SUPPORTED_MAJOR:
        return False
    if getattr(images.RasterImage, "_cchc_palette", False):
        return True

    original = images.RasterImage

    class HexString(pydyf.Object):
        """A PDF string written in hex: the lookup table of an /Indexed colour space."""

        def __init__(self, raw: bytes):
            super().__init__()
            self.raw = raw

        @property
        def data(self) -> bytes:
            return b"<" + self.raw.hex().encode("ascii") + b">"

    class PalettePNG(original):
        """A plain palette PNG, embedded as an /Indexed image with the PNG's own data."""

        _cchc_palette = True

        def __new__(cls, pillow_image, image_id, image_data, *args, **kwargs):
            # WeasyPrint passes (…, filename, cache, orientation, options) by position
            orientation = args[2] if len(args) > 2 else kwargs.get("orientation", "none")
            options = (args[3] if len(args) > 3 else kwargs.get("options")) or images.DEFAULT_OPTIONS
            png = palette_png(image_data) if isinstance(image_data, bytes) else None
            if (png is None or pillow_image.format != "PNG" or options.get("optimize_images")
                    or options.get("dpi")  # shrunk to a dpi: WeasyPrint's own way
                    or images.rotate_pillow_image(pillow_image, orientation) is not pillow_image):
                return original(pillow_image, image_id, image_data, *args, **kwargs)
            self = super().__new__(cls)
            self._png = png
            return self

        def __init__(self, pillow_image, image_id, image_data, filename=None, cache=None,
                     orientation="none", options=None):
            options = options or images.DEFAULT_OPTIONS
            self.id = image_id
            self._cache = {} if cache is None else cache
            self._jpeg_quality = options["jpeg_quality"]
            self._dpi = options["dpi"]
            self.mode = "P"
            self.width, self.height = self._png["width"], self._png["height"]
            self.ratio = self.width / self.height if self.height else float("inf")
            self.optimize = False
            self.invert_colors = False
            self.format = "PNG"
            self.image_data = self.cache_image_data(image_data, filename)

        def get_x_object(self, interpolate, dpi_ratio):  # dpi_ratio is 1: no `dpi` option
            png = self._png
            colors = len(png["palette"]) // 3
            return pydyf.Stream([png["idat"]], pydyf.Dictionary({
                "Type": "/XObject",
                "Subtype": "/Image",
                "Width": png["width"],
                "Height": png["height"],
                "ColorSpace": pydyf.Array(["/Indexed", "/DeviceRGB", colors - 1, HexString(png["palette"])]),
                "BitsPerComponent": png["bits"],
                "Interpolate": "true" if interpolate else "false",
                "Filter": "/FlateDecode",
                "DecodeParms": pydyf.Dictionary({
                    "Predictor": 15,
                    "Colors": 1,
                    "BitsPerComponent": png["bits"],
                    "Columns": png["width"],
                }),
            }))

    images.RasterImage = PalettePNG
    return True

