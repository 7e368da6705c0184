"""What makes an issued document checkable: its canonical content, hash and PDF record.

The hash covers the document's content as the signers saw it, serialised the
same way on every machine, so the verification page can recompute it from the
database and compare it with the one printed on (and embedded in) the PDF.
"""

from __future__ import annotations

import dataclasses
import enum
import hashlib
import json
import unicodedata
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from io import BytesIO

from reports.pdf_record import read_record


class NotAPdfError(ValueError):
    """The bytes given are not a PDF file."""


@dataclass(frozen=True, slots=True)
class DocumentRecord:
    """The portal's record found inside a PDF."""

    kind: str
    number: str
    version: str
    status: str
    content_hash: str

    @property
    def issued(self) -> bool:
        return self.status == "issued"


def canonical_json(value: object) -> bytes:
    """A deterministic UTF-8 JSON form of a tree of dataclasses, mappings and lists.

    Keys are sorted, separators fixed, text NFC-normalised with ``\\n`` line
    ends, datetimes in UTC with a ``Z``, enums by value.
    """
    return json.dumps(
        _plain(value), ensure_ascii=False, sort_keys=True, separators=(",", ":"), allow_nan=False
    ).encode("utf-8")


def canonical_document(doc: object, *, schema: str, unsigned: Collection[str]) -> bytes:
    """``doc`` without its ``unsigned`` fields, tagged with ``schema``, as canonical JSON.

    The schema tag keeps hashes of different kinds (or layouts) of document
    from ever colliding.
    """
    fields = {
        field.name: getattr(doc, field.name)
        for field in dataclasses.fields(doc)
        if field.name not in unsigned
    }
    return canonical_json({"schema": schema, "content": fields})


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _plain(value: object) -> object:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {
            field.name: _plain(getattr(value, field.name)) for field in dataclasses.fields(value)
        }
    if isinstance(value, enum.Enum):
        return _plain(value.value)
    if isinstance(value, str):
        # Browsers and IMEs may send the same text decomposed or with CRLF.
        return unicodedata.normalize("NFC", value.replace("\r\n", "\n").replace("\r", "\n"))
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise ValueError(f"naive datetime in signed content: {value!r}")
        return value.astimezone(UTC).isoformat().replace("+00:00", "Z")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Mapping):
        return {_plain(key): _plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(item) for item in value]
    if value is None or isinstance(value, bool | int):
        return value
    raise TypeError(f"cannot canonicalise {type(value).__name__}")


def read_document_record(pdf_bytes: bytes) -> DocumentRecord | None:
    """The record embedded by the portal, or None for any other PDF.

    Raises :class:`NotAPdfError` if ``pdf_bytes`` is not a readable PDF.
    """
    # ISO 32000 lets the header sit anywhere in the first 1024 bytes.
    if b"%PDF-" not in pdf_bytes[:1024]:
        raise NotAPdfError("no PDF header found")
    from pypdf import PdfReader  # slow to import; only reading a PDF needs it
    from pypdf.errors import PdfReadError

    try:
        reader = PdfReader(BytesIO(pdf_bytes))
        metadata = reader.trailer["/Root"].get("/Metadata")
        packet = metadata.get_object().get_data() if metadata is not None else b""
    except (PdfReadError, ValueError, KeyError) as error:
        raise NotAPdfError(f"unreadable PDF: {error}") from error
    fields = read_record(packet)
    if "contentHash" not in fields:
        return None
    return DocumentRecord(
        kind=fields.get("documentKind", ""),
        number=fields.get("documentNumber", ""),
        version=fields.get("documentVersion", ""),
        status=fields.get("documentStatus", ""),
        content_hash=fields["contentHash"],
    )
