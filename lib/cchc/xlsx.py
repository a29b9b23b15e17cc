"""An .xlsx file, read: each sheet's cell values and its formulas with no saved result,
or, when it is no .xlsx workbook at all, what it is instead.

    book = Workbook(data)                  # raises when the bytes are no workbook
    rows = book.rows("SoHoa")              # tuples of cell values, from A1
    book.uncached("SoHoa")                 # {"C7", …}: formulas never calculated
    unreadable(data)                       # "cannot be read: it is an old Excel 97-2003 .xls file …"

Cell values come from openpyxl (read-only); the formulas from the sheet's XML,
found through the package's relationships (the OOXML format, read with zipfile).
"""

from __future__ import annotations

import io
import posixpath
import re
import zipfile
from xml.etree import ElementTree


class Workbook:
    """An .xlsx file opened read-only; raises when the bytes are no workbook."""

    def __init__(self, data: bytes):
        import openpyxl  # only when a workbook is read, not when a month comes from the cache

        self._zip = zipfile.ZipFile(io.BytesIO(data))
        self._parts = sheet_parts(self._zip)
        self._book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        self.sheetnames: list[str] = list(self._book.sheetnames)
        self.epoch = self._book.epoch  # the date system: 1900 or 1904

    def rows(self, sheet: str) -> list[tuple]:
        """The values of every row of the sheet, from cell A1."""
        ws = self._book[sheet]
        ws.reset_dimensions()
        return list(ws.iter_rows(min_row=1, min_col=1, values_only=True))

    def uncached(self, sheet: str) -> set[str]:
        """References ("C7") of the sheet's formula cells with no saved result."""
        return uncached_formula_cells(self._zip.read(self._parts[sheet]))

    def close(self) -> None:
        self._book.close()
        self._zip.close()

    def __enter__(self) -> Workbook:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


# --------------------------------------------------------------------------- the package's parts


def sheet_parts(archive: zipfile.ZipFile) -> dict[str, str]:
    """Sheet name -> the zip member of its XML, as the package's relationships say.

    The workbook part is the package's officeDocument relationship (as a rule
    xl/workbook.xml); each of its <sheet name=… r:id=…> is looked up in the
    workbook's own relationships (xl/_rels/workbook.xml.rels). A sheet whose
    relationship is missing has no part.
    """
    package = {kind.rsplit("/", 1)[-1]: member for kind, member in _relationships(archive, "").values()}
    workbook = package["officeDocument"]
    targets = _relationships(archive, workbook)
    parts = {}
    for sheet in ElementTree.fromstring(archive.read(workbook)).iterfind("{*}sheets/{*}sheet"):
        rid = next((value for key, value in sheet.attrib.items() if key.endswith("}id")), None)
        if rid in targets:
            parts[sheet.get("name")] = targets[rid][1]
    return parts


def _relationships(archive: zipfile.ZipFile, part: str) -> dict[str, tuple[str, str]]:
    """Id -> (type, zip member) of a part's relationships ("" is the package itself).

    A target is relative to the part's folder ("worksheets/sheet1.xml") or
    absolute from the package root ("/xl/worksheets/sheet1.xml"); external ones are left out.
    """
    folder, name = posixpath.split(part)
    root = ElementTree.fromstring(archive.read(posixpath.join(folder, "_rels", f"{name}.rels")))
    out = {}
    for rel in root.iterfind("{*}Relationship"):
        if rel.get("TargetMode") == "External":
            continue
        target = rel.get("Target", "")
        member = target[1:] if target.startswith("/") else posixpath.normpath(posixpath.join(folder, target))
        out[rel.get("Id")] = (rel.get("Type", ""), member)
    return out


# --------------------------------------------------------------------------- formulas never calculated


_FORMULA = re.compile(rb"<(?:\w+:)?f[\s>/]")
_CELL = re.compile(rb"<(?:\w+:)?c\b([^>]*?)(?:/>|>(.*?)</(?:\w+:)?c>)", re.S)
_REF = re.compile(rb'\br="([A-Z]+[0-9]+)"')
_VALUE = re.compile(rb"<(?:\w+:)?v>[^<]|<(?:\w+:)?v\b[^>]*?[^/]>[^<]")
_STR_TYPE = re.compile(rb'\bt="str"')


def uncached_formula_cells(xml: bytes) -> set[str]:
    """References ("C7") of formula cells with no saved result in a sheet's XML.

    No result is no <v>, or an empty one (openpyxl writes <v></v>) unless the
    formula is of text type (t="str"), whose result may be the empty text.
    """
    out: set[str] = set()
    if not _FORMULA.search(xml):
        return out
    for m in _FORMULA.finditer(xml):
        plain, prefixed = xml.rfind(b"<c ", 0, m.start()), xml.rfind(b":c ", 0, m.start())
        start = xml.rfind(b"<", 0, prefixed) if prefixed > plain else plain
        if start < 0:
            continue
        cell = _CELL.match(xml, start)
        if cell is None or cell.group(2) is None:
            continue
        if not _VALUE.search(cell.group(2)) and not (_STR_TYPE.search(cell.group(1)) and b"<v" in cell.group(2)):
            ref = _REF.search(cell.group(1))
            if ref:
                out.add(ref.group(1).decode())
    return out


# --------------------------------------------------------------------------- files that are no workbook


_OLE_SIGNATURE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def _utf16(name: str) -> bytes:
    return name.encode("utf-16-le")


def unreadable(data: bytes) -> str:
    """Why bytes that could not be opened are not a workbook, in plain words."""
    if data[:8] == _OLE_SIGNATURE:
        # An OLE compound file: a password-protected .xlsx (its streams are
        # "EncryptionInfo" and "EncryptedPackage") or an Excel 97-2003 .xls ("Workbook").
        if _utf16("EncryptedPackage") in data or _utf16("EncryptionInfo") in data:
            return ("cannot be read: the workbook is password-protected (encrypted); open it in Excel, "
                    "remove the password (File > Info > Protect Workbook) and save it again")
        if _utf16("Workbook") in data or _utf16("Book") in data:
            return ("cannot be read: it is an old Excel 97-2003 .xls file renamed to .xlsx; open it in Excel "
                    "and save it as 'Excel Workbook (.xlsx)'")
        return ("cannot be read: it is password-protected (encrypted) or an old Excel 97-2003 .xls file; "
                "save it as an unprotected Excel workbook (.xlsx)")
    if not data:
        return "cannot be read: the file is empty"
    if data[:4] != b"PK\x03\x04":
        head = data[:2048]
        try:
            text = head.decode("utf-8")
            looks_text = all(c.isprintable() or c in "\r\n\t" for c in text)
        except UnicodeDecodeError:
            looks_text = False
        if looks_text:
            lower = text.lstrip("\ufeff \r\n\t").lower()
            if lower.startswith(("<!doctype html", "<html", "<table", "<?xml", "<meta")) or "<table" in lower:
                return ("cannot be read: it is a web page or XML file (an export saved as 'Excel') renamed to .xlsx; "
                        "open it in Excel and save it as 'Excel Workbook (.xlsx)'")
            return "cannot be read: it is a text (CSV?) file renamed to .xlsx; save it from Excel as .xlsx"
        return "cannot be read: it is not an Excel .xlsx workbook"
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            names = set(z.namelist())
            mimetype = z.read("mimetype")[:100] if "mimetype" in names else b""
    except Exception:  # noqa: BLE001 — not even a zip
        return "cannot be read: the .xlsx file is damaged (corrupt zip/XML); save it again from Excel"
    if "xl/workbook.bin" in names:
        return ("cannot be read: it is an Excel binary workbook (.xlsb) renamed to .xlsx; "
                "save it as 'Excel Workbook (.xlsx)'")
    if b"opendocument" in mimetype:
        return ("cannot be read: it is an OpenDocument spreadsheet (.ods) renamed to .xlsx; "
                "save it as 'Excel 2007-365 (.xlsx)'")
    if "xl/workbook.xml" not in names:
        return "cannot be read: it is a zip archive, not an Excel .xlsx workbook"
    return "cannot be read: the .xlsx file is damaged (corrupt zip/XML); save it again from Excel"
