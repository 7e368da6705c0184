"""Recognising uploaded case documents by their content, not their name."""

from __future__ import annotations

import io
import zipfile

# (leading bytes, content type, usual extension)
_SIGNATURES = [
    (b"%PDF-", "application/pdf", "pdf"),
    (b"\x89PNG\r\n\x1a\n", "image/png", "png"),
    (b"\xff\xd8\xff", "image/jpeg", "jpg"),
    (b"GIF87a", "image/gif", "gif"),
    (b"GIF89a", "image/gif", "gif"),
]
_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # legacy .doc/.xls/.ppt
_OOXML = {
    "word/": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document",
              "docx"),
    "xl/": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xlsx"),
    "ppt/": ("application/vnd.openxmlformats-officedocument.presentationml.presentation",
             "pptx"),
}


def sniff(data: bytes) -> tuple[str, str] | None:
    """(content type, extension) of a PDF, image or Office document; None for anything else."""
    for magic, content_type, extension in _SIGNATURES:
        if data.startswith(magic):
            return content_type, extension
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp", "webp"
    if data.startswith(_OLE):
        return "application/x-ole-storage", "doc"
    if data.startswith(b"PK\x03\x04"):
        try:
            names = zipfile.ZipFile(io.BytesIO(data)).namelist()
        except zipfile.BadZipFile:
            return None
        if "[Content_Types].xml" in names:
            for prefix, found in _OOXML.items():
                if any(name.startswith(prefix) for name in names):
                    return found
    return None
