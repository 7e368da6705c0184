import socket
import stat
from datetime import UTC, datetime, timedelta
from io import BytesIO

import pytest
from cryptography import x509
from pypdf import PdfReader

from reports.signing import (
    TimestampUnavailable,
    create_local_ca,
    load_signer,
    request_timestamp,
    seal_pdf,
    validate_sealed_pdf,
)
from reports.verify import read_document_record
from tests.timestamping import tsa  # noqa: F401 - the fixture


@pytest.fixture(scope="module")
def ca(tmp_path_factory):
    return create_local_ca(tmp_path_factory.mktemp("ca"), "高平市公安局南城派出所")


@pytest.fixture(scope="module")
def other_ca(tmp_path_factory):
    return create_local_ca(tmp_path_factory.mktemp("other"), "别的机构")


@pytest.fixture(scope="module")
def sealed_pdf(ca, issued_pdf):
    signer = load_signer(ca.seal_key, ca.seal_cert, [ca.issuing_cert])
    return seal_pdf(issued_pdf, signer, reason="签发会议纪要", location="山西省高平市")


def test_local_ca_writes_keys_readable_by_the_owner_only(ca):
    for key in (ca.root_key, ca.issuing_key, ca.seal_key):
        assert stat.S_IMODE(key.stat().st_mode) == 0o600


def test_seal_certificate_commits_to_content(ca):
    seal = x509.load_pem_x509_certificate(ca.seal_cert.read_bytes())
    usage = seal.extensions.get_extension_for_class(x509.KeyUsage).value
    assert usage.content_commitment and usage.digital_signature
    assert not seal.extensions.get_extension_for_class(x509.BasicConstraints).value.ca


def test_chain_runs_root_to_issuing_ca_to_seal(ca):
    root, issuing, seal = (
        x509.load_pem_x509_certificate(path.read_bytes())
        for path in (ca.root_cert, ca.issuing_cert, ca.seal_cert)
    )
    assert root.issuer == root.subject
    assert issuing.issuer == root.subject
    assert seal.issuer == issuing.subject
    issuing.verify_directly_issued_by(root)
    seal.verify_directly_issued_by(issuing)


def test_local_ca_never_overwrites_existing_keys(ca):
    with pytest.raises(FileExistsError):
        create_local_ca(ca.root_key.parent, "另一个名字")


def test_encrypted_key_needs_its_passphrase(tmp_path):
    paths = create_local_ca(tmp_path, "南城派出所", passphrase=b"correct horse")
    assert b"ENCRYPTED" in paths.seal_key.read_bytes()
    signer = load_signer(paths.seal_key, paths.seal_cert, [paths.issuing_cert], b"correct horse")
    assert signer.signing_cert.subject.human_friendly


def test_sealed_pdf_validates_against_the_root(ca, sealed_pdf):
    check = validate_sealed_pdf(sealed_pdf, ca.root_cert)
    assert check.ok, check
    assert "南城派出所 电子印章" in check.signer


def test_root_can_be_given_as_pem_bytes(ca, sealed_pdf):
    assert validate_sealed_pdf(sealed_pdf, ca.root_cert.read_bytes()).ok


def test_seal_from_another_root_is_not_trusted(other_ca, sealed_pdf):
    check = validate_sealed_pdf(sealed_pdf, other_ca.root_cert)
    assert check.intact and not check.trusted and not check.ok


@pytest.mark.parametrize("where", [0.1, 0.5, 0.9])
def test_changing_one_byte_breaks_the_seal(ca, sealed_pdf, where):
    tampered = bytearray(sealed_pdf)
    signature_start = sealed_pdf.index(b"/Contents <")
    position = int(signature_start * where)
    tampered[position] ^= 0x01
    assert not validate_sealed_pdf(bytes(tampered), ca.root_cert).ok


def test_changing_the_signature_itself_breaks_the_seal(ca, sealed_pdf):
    tampered = bytearray(sealed_pdf)
    position = sealed_pdf.index(b"/Contents <") + len(b"/Contents <") + 200
    tampered[position] = ord("0") if tampered[position] != ord("0") else ord("1")
    assert not validate_sealed_pdf(bytes(tampered), ca.root_cert).ok


def test_appending_to_a_sealed_pdf_is_detected(ca, sealed_pdf):
    check = validate_sealed_pdf(sealed_pdf + b"\n% appended\n", ca.root_cert)
    assert check.intact and not check.untouched and not check.ok


def test_unsealed_pdf_has_no_valid_seal(ca, issued_pdf):
    check = validate_sealed_pdf(issued_pdf, ca.root_cert)
    assert not check.ok and check.problem


def test_sealing_keeps_the_pdf_a_claim_and_the_record(sealed_pdf, issued_pdf):
    assert sealed_pdf.startswith(issued_pdf)
    xmp = PdfReader(BytesIO(sealed_pdf)).trailer["/Root"]["/Metadata"].get_object().get_data()
    assert b'pdfaid:part="3"' in xmp
    assert read_document_record(sealed_pdf) == read_document_record(issued_pdf)


def _xmp_tree(reader):
    from xml.etree.ElementTree import fromstring

    packet = reader.trailer["/Root"]["/Metadata"].get_object().get_data()
    start, end = packet.index(b"<x:xmpmeta"), packet.rindex(b"</x:xmpmeta>")
    return packet, fromstring(packet[start:end + len(b"</x:xmpmeta>")])


def _xmp_value(tree, namespace: str, name: str) -> str | None:
    key = f"{{{namespace}}}{name}"
    for element in tree.iter():
        value = element.get(key) or (element.text if element.tag == key else None)
        if value:
            return value.strip()
    return None


def test_sealed_file_is_a_consistent_pdf_a_3u(sealed_pdf):
    from reports.pdf_record import FIELDS, NAMESPACE, PREFIX

    reader = PdfReader(BytesIO(sealed_pdf))
    catalog = reader.trailer["/Root"]
    # Within PDF 1.7: no /Version 2.0 in the catalog, no ISO 32002 (or other ISO) extension.
    assert sealed_pdf.startswith(b"%PDF-1.7")
    assert catalog.get("/Version") in (None, "/1.7")
    extensions = catalog.get("/Extensions")
    extensions = extensions.get_object() if extensions is not None else {}
    assert "/ISO_" not in extensions
    for extension in extensions.values():
        assert extension.get_object()["/BaseVersion"] == "/1.7"
    packet, tree = _xmp_tree(reader)
    assert _xmp_value(tree, "http://www.aiim.org/pdfa/ns/id/", "part") == "3"
    assert _xmp_value(tree, "http://www.aiim.org/pdfa/ns/id/", "conformance") == "U"
    # ISO 19005-3 6.6.2.3: the document information and the XMP say the same.
    info = reader.trailer["/Info"].get_object()
    assert info["/Producer"] == _xmp_value(tree, "http://ns.adobe.com/pdf/1.3/", "Producer")
    title = next(tree.iter("{http://purl.org/dc/elements/1.1/}title"))
    assert info["/Title"] == "".join(title.itertext()).strip()
    # The record's properties sit under the namespace and prefix the extension schema declares.
    assert _xmp_value(tree, "http://www.aiim.org/pdfa/ns/schema#", "namespaceURI") == NAMESPACE
    assert _xmp_value(tree, "http://www.aiim.org/pdfa/ns/schema#", "prefix") == PREFIX
    declared = {e.text for e in tree.iter("{http://www.aiim.org/pdfa/ns/property#}name")}
    assert set(FIELDS) <= declared
    assert f"xmlns:{PREFIX}=\"{NAMESPACE}\"".encode() in packet
    assert _xmp_value(tree, NAMESPACE, "documentKind") == "minutes"


def test_seal_reason_says_why_the_document_is_sealed(ca, issued_pdf):
    signer = load_signer(ca.seal_key, ca.seal_cert, [ca.issuing_cert])
    sealed = seal_pdf(issued_pdf, signer, reason="会商纪要印发", location="山西省高平市")
    signature = PdfReader(BytesIO(sealed)).trailer["/Root"]["/AcroForm"]["/Fields"][0] \
        .get_object()["/V"].get_object()
    assert signature["/Reason"] == "会商纪要印发"


@pytest.fixture(scope="module")
def timestamped_pdf(ca, issued_pdf, tsa):  # noqa: F811
    signer = load_signer(ca.seal_key, ca.seal_cert, [ca.issuing_cert])
    return seal_pdf(issued_pdf, signer, reason="会商纪要印发", location="山西省高平市",
                    tsa_url=tsa.url)


def test_seal_without_an_authority_is_pades_b_b(ca, sealed_pdf):
    check = validate_sealed_pdf(sealed_pdf, ca.root_cert)
    assert check.ok and check.timestamped_at is None
    assert check.level == "B-B"


def test_seal_with_an_authority_carries_its_trusted_timestamp(ca, timestamped_pdf, tsa):  # noqa: F811
    check = validate_sealed_pdf(timestamped_pdf, ca.root_cert, tsa_roots=[tsa.root_cert])
    assert check.ok, check
    assert check.timestamp_trusted and check.level == "B-T"
    assert abs(check.timestamped_at - datetime.now(UTC)) < timedelta(minutes=5)


def test_timestamp_is_trusted_only_against_the_authoritys_root(ca, timestamped_pdf):
    check = validate_sealed_pdf(timestamped_pdf, ca.root_cert, tsa_roots=[ca.root_cert])
    assert check.ok and check.timestamped_at is not None
    assert not check.timestamp_trusted and check.level == "B-B"


def test_timestamped_seal_stays_within_pdf_1_7_and_keeps_the_record(timestamped_pdf,
                                                                    issued_pdf):
    assert timestamped_pdf.startswith(issued_pdf) and timestamped_pdf.startswith(b"%PDF-1.7")
    assert read_document_record(timestamped_pdf) == read_document_record(issued_pdf)


def _closed_port_url() -> str:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}/tsa"


def test_unreachable_authority_seals_nothing(ca, issued_pdf):
    signer = load_signer(ca.seal_key, ca.seal_cert, [ca.issuing_cert])
    with pytest.raises(TimestampUnavailable):
        seal_pdf(issued_pdf, signer, reason="会商纪要印发", location="山西省高平市",
                 tsa_url=_closed_port_url(), tsa_timeout=2)


def test_authority_that_answers_gives_its_time(tsa):  # noqa: F811
    assert abs(request_timestamp(tsa.url) - datetime.now(UTC)) < timedelta(minutes=5)
