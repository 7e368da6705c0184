import pytest
from weasyprint import HTML

from reports.minutes import content_hash
from reports.pdf_record import read_record
from reports.verify import NotAPdfError, read_document_record


def test_record_gives_back_number_version_and_hash(issued_minutes, issued_pdf):
    record = read_document_record(issued_pdf)
    assert record.kind == "minutes"
    assert record.number == "南城会纪〔2026〕9号"
    assert record.version == "1"
    assert record.issued
    assert record.content_hash == content_hash(issued_minutes)


def test_draft_record_says_draft(draft_pdf):
    assert not read_document_record(draft_pdf).issued


def test_a_pdf_from_elsewhere_has_no_record():
    assert read_document_record(HTML(string="<p>别处的文件</p>").write_pdf()) is None


def test_non_pdf_input_is_an_error():
    with pytest.raises(NotAPdfError):
        read_document_record("这不是PDF".encode())


def test_broken_pdf_is_an_error():
    with pytest.raises(NotAPdfError):
        read_document_record(b"%PDF-1.7\nnot really a pdf")


def test_xmp_with_entity_declarations_is_ignored():
    packet = (
        b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]>'
        b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF '
        b'xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" '
        b'xmlns:ccp="urn:case-conference-portal:record:1">'
        b"<rdf:Description><ccp:contentHash>&a;</ccp:contentHash></rdf:Description>"
        b"</rdf:RDF></x:xmpmeta>"
    )
    assert read_record(packet) == {}
