"""The portal's record inside a PDF's XMP metadata: which document it is and its hash.

PDF/A only allows XMP properties whose schema is declared in the same packet,
hence the ``pdfaExtension`` description next to the values.
"""

from __future__ import annotations

from xml.etree.ElementTree import Element, SubElement, fromstring, register_namespace, tostring

NAMESPACE = "urn:case-conference-portal:record:1"
PREFIX = "ccp"

RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
_EXTENSION = "http://www.aiim.org/pdfa/ns/extension/"
_SCHEMA = "http://www.aiim.org/pdfa/ns/schema#"
_PROPERTY = "http://www.aiim.org/pdfa/ns/property#"

# PDF/A fixes the prefixes of the extension schema, not just the namespaces.
for _prefix, _uri in (
    ("rdf", RDF),
    ("pdfaExtension", _EXTENSION),
    ("pdfaSchema", _SCHEMA),
    ("pdfaProperty", _PROPERTY),
    (PREFIX, NAMESPACE),
):
    register_namespace(_prefix, _uri)

# name → description; the order is the order written.
FIELDS = {
    "documentKind": "Kind of portal document (minutes, agreement, ...)",
    "documentNumber": "The document's reference number",
    "documentVersion": "Version of the document content",
    "documentStatus": "issued, or draft for a version nobody may rely on",
    "contentHash": "SHA-256 (hex) of the document's canonical content",
}


def record_xmp(values: dict[str, str]) -> bytes:
    """``rdf:Description`` elements carrying ``values`` (keys from :data:`FIELDS`).

    They belong inside the packet's one ``rdf:RDF`` element: XMP readers, and
    pyHanko when it rewrites the packet while sealing, ignore any other.
    """
    unknown = set(values) - set(FIELDS)
    if unknown:
        raise ValueError(f"unknown record fields: {sorted(unknown)}")
    description = Element(f"{{{RDF}}}Description", {f"{{{RDF}}}about": ""})
    for name in FIELDS:
        if values.get(name):
            SubElement(description, f"{{{NAMESPACE}}}{name}").text = values[name]
    return b"".join(
        tostring(element, encoding="utf-8", xml_declaration=False)
        for element in (_schema_description(), description)
    )


def _schema_description() -> Element:
    description = Element(f"{{{RDF}}}Description", {f"{{{RDF}}}about": ""})
    schemas = SubElement(SubElement(description, f"{{{_EXTENSION}}}schemas"), f"{{{RDF}}}Bag")
    schema = SubElement(schemas, f"{{{RDF}}}li", {f"{{{RDF}}}parseType": "Resource"})
    SubElement(schema, f"{{{_SCHEMA}}}schema").text = "Case-conference portal document record"
    SubElement(schema, f"{{{_SCHEMA}}}namespaceURI").text = NAMESPACE
    SubElement(schema, f"{{{_SCHEMA}}}prefix").text = PREFIX
    properties = SubElement(SubElement(schema, f"{{{_SCHEMA}}}property"), f"{{{RDF}}}Seq")
    for name, text in FIELDS.items():
        prop = SubElement(properties, f"{{{RDF}}}li", {f"{{{RDF}}}parseType": "Resource"})
        SubElement(prop, f"{{{_PROPERTY}}}name").text = name
        SubElement(prop, f"{{{_PROPERTY}}}valueType").text = "Text"
        SubElement(prop, f"{{{_PROPERTY}}}category").text = "external"
        SubElement(prop, f"{{{_PROPERTY}}}description").text = text
    return description


def read_record(xmp_packet: bytes) -> dict[str, str]:
    """The record fields found in a whole XMP packet (empty if there are none)."""
    start = xmp_packet.find(b"<x:xmpmeta")
    end = xmp_packet.rfind(b"</x:xmpmeta>")
    # Packets may come from uploaded files: entity declarations are never
    # legitimate XMP and could expand without bound.
    if start < 0 or end < 0 or b"<!ENTITY" in xmp_packet or b"<!DOCTYPE" in xmp_packet:
        return {}
    try:
        root = fromstring(xmp_packet[start : end + len(b"</x:xmpmeta>")])
    except Exception:  # ElementTree raises ParseError, expat may raise others
        return {}
    # RDF allows a simple property as an element or as an attribute, and
    # pyHanko writes attributes when it rewrites the packet on sealing.
    found = {}
    for element in root.iter():
        for name in FIELDS:
            key = f"{{{NAMESPACE}}}{name}"
            value = element.get(key) or (element.text if element.tag == key else None)
            if value and value.strip():
                found.setdefault(name, value.strip())
    return found
