"""What an uploaded file really is: recognised by its content and parsed in full.

Every place that accepts a file (case documents, signed agreement scans) asks
`check_upload`, which answers the content type and extension to store it under, or raises
UploadRefused with a message for the form field. A file is accepted only when the parser
of its kind reads it to the end: a PDF whose pages all load (pypdf), an image that decodes
within a pixel limit (Pillow), an Office document whose zip or OLE structure is whole and
holds the parts its kind requires. A header glued onto something else (HTML behind %PDF,
GIF89a or PK) does not parse and is refused, and so cannot break the case file later.
"""

from __future__ import annotations

import io
import logging
import warnings
import xml.etree.ElementTree as ElementTree
import zipfile
from dataclasses import dataclass

import olefile
from flask_babel import gettext as _

PDF = "application/pdf"
IMAGE_TYPES = {"PNG": ("image/png", "png"), "JPEG": ("image/jpeg", "jpg"),
               "GIF": ("image/gif", "gif"), "WEBP": ("image/webp", "webp")}
_OOXML = {  # the part every document of the kind has -> (content type, extension)
    "word/document.xml": (
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document", "docx"),
    "xl/workbook.xml": (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xlsx"),
    "ppt/presentation.xml": (
        "application/vnd.openxmlformats-officedocument.presentationml.presentation", "pptx"),
}
_OLE = {"WordDocument": ("application/msword", "doc"),
        "Workbook": ("application/vnd.ms-excel", "xls"),
        "Book": ("application/vnd.ms-excel", "xls"),
        "PowerPoint Document": ("application/vnd.ms-powerpoint", "ppt")}
MAX_PIXELS = 60_000_000  # a 60-megapixel photo; more is a decompression bomb, not a scan
MAX_UNZIPPED = 200 * 1024 * 1024
SCAN_TYPES = frozenset({PDF, *(kind for kind, _ext in IMAGE_TYPES.values())})


class UploadRefused(ValueError):
    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class Checked:
    content_type: str
    extension: str


def check_upload(data: bytes, filename: str = "") -> Checked:
    """The checked kind of an upload; raises UploadRefused, whose message names the file and
    the problem. The name is never trusted: the stored extension follows the content."""
    try:
        if not data:
            raise UploadRefused(_("The file is empty."))
        reader = _reader_for(data)
        if reader is None:
            raise UploadRefused(_("Only PDF files, images and Office documents can be "
                                  "uploaded; this file's content is none of them."))
        return reader(data)
    except UploadRefused as refused:
        name = filename.replace("\\", "/").rsplit("/", 1)[-1][:100]
        if not name:
            raise
        raise UploadRefused(f"{name}: {refused.message}") from None


def _reader_for(data: bytes):
    if data.startswith(b"%PDF-"):
        return _pdf
    if data.startswith((b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff", b"GIF87a", b"GIF89a")) or (
            data[:4] == b"RIFF" and data[8:12] == b"WEBP"):
        return _image
    if data.startswith(b"PK\x03\x04"):
        return _ooxml
    if data.startswith(olefile.MAGIC):
        return _ole
    return None


def _pdf(data: bytes) -> Checked:
    # pypdf is slow to import (fontTools, cryptography): only an upload needs it.
    from pypdf import PdfReader
    from pypdf.errors import PyPdfError

    refused = UploadRefused(_("This PDF is damaged or incomplete and cannot be read; save "
                              "or scan it again and upload the new file."))
    try:
        with warnings.catch_warnings(), _quiet("pypdf"):
            warnings.simplefilter("ignore")
            reader = PdfReader(io.BytesIO(data), strict=False)
            if reader.is_encrypted:
                raise UploadRefused(_("This PDF is password-protected; upload a copy "
                                      "without a password."))
            if not reader.pages:
                raise refused
            for page in reader.pages:
                page.mediabox  # noqa: B018 - reading it checks the page dictionary
                page.get_contents()
    except UploadRefused:
        raise
    except (PyPdfError, ValueError, KeyError, TypeError, AttributeError, IndexError,
            RecursionError, OSError, AssertionError):
        raise refused from None
    return Checked(PDF, "pdf")


def _image(data: bytes) -> Checked:
    from PIL import Image  # slow to import; only an upload needs it

    refused = UploadRefused(_("This image is damaged or incomplete and cannot be read."))
    try:
        with Image.open(io.BytesIO(data)) as image:
            if image.format not in IMAGE_TYPES:
                raise refused
            width, height = image.size
            if width * height > MAX_PIXELS:
                raise UploadRefused(_("This image has too many pixels (at most %(n)d "
                                      "million).", n=MAX_PIXELS // 1_000_000))
            image.verify()  # the chunks' checksums, before decoding every pixel
        with Image.open(io.BytesIO(data)) as image:
            image.load()
            kind = IMAGE_TYPES[image.format]
    except UploadRefused:
        raise
    except (OSError, ValueError, SyntaxError, Image.DecompressionBombError, EOFError):
        raise refused from None
    return Checked(*kind)


def _ooxml(data: bytes) -> Checked:
    refused = UploadRefused(_("This Office document is damaged or is not a Word, Excel or "
                              "PowerPoint file."))
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            infos = archive.infolist()
            if sum(info.file_size for info in infos) > MAX_UNZIPPED:
                raise refused
            names = {info.filename for info in infos}
            if "[Content_Types].xml" not in names or archive.testzip() is not None:
                raise refused
            ElementTree.fromstring(archive.read("[Content_Types].xml"))
            for part, kind in _OOXML.items():
                if part in names:
                    ElementTree.fromstring(archive.read(part))
                    return Checked(*kind)
    except UploadRefused:
        raise
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ElementTree.ParseError, OSError,
            ValueError, NotImplementedError, EOFError):
        raise refused from None
    raise refused


def _ole(data: bytes) -> Checked:
    refused = UploadRefused(_("This Office document is damaged or is not a Word, Excel or "
                              "PowerPoint file."))
    try:
        with _quiet("olefile"), olefile.OleFileIO(io.BytesIO(data)) as ole:
            streams = {"/".join(path) for path in ole.listdir()}
            for stream, kind in _OLE.items():
                if stream in streams:
                    ole.openstream(stream).read()
                    return Checked(*kind)
    except (OSError, ValueError, IndexError, KeyError, TypeError, EOFError):
        raise refused from None
    raise refused


class _quiet:
    """Parsers log every oddity of a damaged file; the refusal message says enough."""

    def __init__(self, name: str):
        self.logger = logging.getLogger(name)

    def __enter__(self):
        self.level = self.logger.level
        self.logger.setLevel(logging.CRITICAL)

    def __exit__(self, *exc):
        self.logger.setLevel(self.level)
        return False
