"""Sealing issued PDFs with the portal's PAdES signature, and checking a seal.

The portal seals a document on behalf of the issuing organisation (an
electronic seal, not a personal signature: attendees confirm inside the
portal). A deployment without a certificate from a recognised CA can create
its own chain with :func:`create_local_ca`; verifiers then trust its root.

Files written by :func:`create_local_ca` (all PEM):

====================  =====================================================
``root-ca.key.pem``    root CA private key — keep offline once created
``root-ca.cert.pem``   root CA certificate — the trust anchor verifiers use
``issuing-ca.key.pem`` issuing CA private key
``issuing-ca.cert.pem`` issuing CA certificate (shipped in every seal)
``seal.key.pem``       the seal's private key — the one the portal uses
``seal.cert.pem``      the seal certificate (digital signature + non-repudiation)
====================  =====================================================
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cache
from io import BytesIO
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from asn1crypto import pem
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID, ObjectIdentifier

if TYPE_CHECKING:  # pyHanko is slow to import: the functions that seal or check import it
    from pyhanko.sign import signers

SEAL_FIELD = "PortalSeal"
# id-kp-documentSigning (RFC 9336); older validators ignore it.
DOCUMENT_SIGNING = ObjectIdentifier("1.3.6.1.5.5.7.3.36")


@dataclass(frozen=True, slots=True)
class LocalCA:
    """Paths of the PEM files written by :func:`create_local_ca`."""

    root_key: Path
    root_cert: Path
    issuing_key: Path
    issuing_cert: Path
    seal_key: Path
    seal_cert: Path


@dataclass(frozen=True, slots=True)
class SealCheck:
    """What :func:`validate_sealed_pdf` found.

    ``intact``: the signed bytes hash to the signed digest; ``valid``: the
    signature over that digest verifies; ``trusted``: the signer chains to the
    given root; ``untouched``: nothing was added to the file after sealing;
    ``timestamped_at``: the time in the signature's timestamp token, if it has one;
    ``timestamp_trusted``: that token verifies and its authority chains to a given root.
    """

    intact: bool
    valid: bool
    trusted: bool
    untouched: bool
    signer: str
    signed_at: datetime | None
    timestamped_at: datetime | None = None
    timestamp_trusted: bool = False
    problem: str = ""

    @property
    def ok(self) -> bool:
        return self.intact and self.valid and self.trusted and self.untouched

    @property
    def level(self) -> str:
        """The PAdES baseline level the seal is shown to reach: B-T with a trusted
        timestamp, B-B with the signer's own claim of the time only."""
        return "B-T" if self.ok and self.timestamp_trusted else "B-B"


def create_local_ca(
    directory: Path | str, org_name: str, *, passphrase: bytes | None = None
) -> LocalCA:
    """Create root CA → issuing CA → seal certificate in ``directory``.

    Existing files are never overwritten. Keys are encrypted with
    ``passphrase`` if one is given and are readable by the owner only.
    """
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    paths = LocalCA(*(directory / name for name in _FILE_NAMES))
    now = datetime.now(UTC) - timedelta(minutes=5)

    root_key = ec.generate_private_key(ec.SECP384R1())
    root_name = _name(org_name, f"{org_name} 根证书")
    root = _certificate(root_name, root_key, root_name, root_key, now, years=20, ca_depth=1)

    issuing_key = ec.generate_private_key(ec.SECP384R1())
    issuing_name = _name(org_name, f"{org_name} 签发证书")
    issuing = _certificate(
        issuing_name, issuing_key, root_name, root_key, now, years=10, ca_depth=0
    )

    seal_key = ec.generate_private_key(ec.SECP256R1())
    seal_name = _name(org_name, f"{org_name} 电子印章")
    seal = _certificate(seal_name, seal_key, issuing_name, issuing_key, now, years=3)

    for key, path in (
        (root_key, paths.root_key),
        (issuing_key, paths.issuing_key),
        (seal_key, paths.seal_key),
    ):
        _write(path, _key_pem(key, passphrase), mode=0o600)
    for cert, path in (
        (root, paths.root_cert),
        (issuing, paths.issuing_cert),
        (seal, paths.seal_cert),
    ):
        _write(path, cert.public_bytes(serialization.Encoding.PEM), mode=0o644)
    return paths


_FILE_NAMES = (
    "root-ca.key.pem",
    "root-ca.cert.pem",
    "issuing-ca.key.pem",
    "issuing-ca.cert.pem",
    "seal.key.pem",
    "seal.cert.pem",
)


def _name(org_name: str, common_name: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "CN"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, org_name),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )


def _certificate(
    subject: x509.Name,
    subject_key: ec.EllipticCurvePrivateKey,
    issuer: x509.Name,
    issuer_key: ec.EllipticCurvePrivateKey,
    not_before: datetime,
    *,
    years: int,
    ca_depth: int | None = None,
) -> x509.Certificate:
    is_ca = ca_depth is not None
    public_key = subject_key.public_key()
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer)
        .public_key(public_key)
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before)
        .not_valid_after(not_before + timedelta(days=365 * years))
        .add_extension(x509.BasicConstraints(ca=is_ca, path_length=ca_depth), critical=True)
        .add_extension(_key_usage(is_ca), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public_key), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer_key.public_key()),
            critical=False,
        )
    )
    if not is_ca:
        builder = builder.add_extension(
            x509.ExtendedKeyUsage([DOCUMENT_SIGNING]),
            critical=False,
        )
    return builder.sign(issuer_key, hashes.SHA384() if is_ca else hashes.SHA256())


def _key_usage(is_ca: bool) -> x509.KeyUsage:
    return x509.KeyUsage(
        digital_signature=not is_ca,
        # Non-repudiation (content commitment) marks the key as one that
        # commits its holder to what it signs, which a seal must.
        content_commitment=not is_ca,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=is_ca,
        crl_sign=is_ca,
        encipher_only=False,
        decipher_only=False,
    )


def _key_pem(key: ec.EllipticCurvePrivateKey, passphrase: bytes | None) -> bytes:
    encryption = (
        serialization.BestAvailableEncryption(passphrase)
        if passphrase
        else serialization.NoEncryption()
    )
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, encryption
    )


def _write(path: Path, data: bytes, *, mode: int) -> None:
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    with os.fdopen(descriptor, "wb") as file:
        file.write(data)


def load_signer(
    key_path: Path | str,
    cert_path: Path | str,
    chain_paths: Sequence[Path | str] = (),
    passphrase: bytes | None = None,
) -> signers.SimpleSigner:
    """The seal's key and certificate, with the CA certificates to ship with it."""
    from pyhanko.sign import signers

    signer = signers.SimpleSigner.load(
        str(key_path),
        str(cert_path),
        ca_chain_files=[str(path) for path in chain_paths],
        key_passphrase=passphrase,
    )
    if signer is None:
        raise ValueError(f"could not load the seal key {key_path} and certificate {cert_path}")
    return signer


@cache
def _pdf17_signer():
    from pyhanko.sign import fields, signers
    from pyhanko.sign.signers.constants import ESIC_EXTENSION_1

    class Pdf17Signer(signers.PdfSigner):
        """A PAdES signer that keeps the file a PDF 1.7 one.

        pyHanko declares the ISO/TS 32002 extension (and with it PDF 2.0) for ECDSA
        on the usual curves; PAdES (ETSI EN 319 142-1) already allows ECDSA with
        SHA-256 in PDF 1.7, and a PDF/A-3 file must not claim PDF 2.0.
        """

        def register_extensions(self, pdf_out, *, md_algorithm: str) -> None:
            if self.signature_meta.subfilter == fields.SigSeedSubFilter.PADES:
                pdf_out.ensure_output_version(version=(1, 7))
                pdf_out.register_extension(ESIC_EXTENSION_1)

    return Pdf17Signer


class TimestampUnavailable(Exception):
    """The time-stamping authority could not be reached or refused to answer."""


def seal_pdf(
    pdf_bytes: bytes,
    signer: signers.Signer,
    reason: str,
    location: str,
    *,
    tsa_url: str | None = None,
    tsa_timeout: float = 10,
) -> bytes:
    """``pdf_bytes`` with one PAdES signature appended as an incremental update.

    Without ``tsa_url`` the signature is PAdES B-B: its signing time is only what the
    signer says. With the URL of an RFC 3161 time-stamping authority the signature
    carries that authority's timestamp token over it (PAdES B-T); when the authority
    cannot be had, :class:`TimestampUnavailable` is raised and nothing is sealed.

    The original bytes stay untouched in front of the signature, so a PDF/A
    file keeps its conformance claims and its embedded record. The document
    information and the XMP packet are left as rendered: pyHanko would add
    itself to the Info /Producer only and rewrite the packet under prefixes of
    its own, both of which break PDF/A (ISO 19005-3 6.6.2.3).
    """
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import fields, signers

    writer = IncrementalPdfFileWriter(BytesIO(pdf_bytes))
    writer._update_meta = lambda: None
    metadata = signers.PdfSignatureMetadata(
        field_name=SEAL_FIELD,
        reason=reason,
        location=location,
        subfilter=fields.SigSeedSubFilter.PADES,
        md_algorithm="sha256",
    )
    timestamper = _timestamper(tsa_url, tsa_timeout) if tsa_url else None
    pdf_signer = _pdf17_signer()(metadata, signer=signer, timestamper=timestamper)
    with _timestamp_errors() if timestamper else nullcontext():
        output = _outside_any_event_loop(pdf_signer.sign_pdf, writer)
    return output.getvalue()


def request_timestamp(tsa_url: str, timeout: float = 10) -> datetime:
    """The time a time-stamping authority puts on a token for a test digest; raises
    :class:`TimestampUnavailable` when it gives none."""
    from pyhanko.sign.timestamps.common_utils import dummy_digest

    timestamper = _timestamper(tsa_url, timeout)
    with _timestamp_errors():
        token = _outside_any_event_loop(
            lambda: asyncio.run(timestamper.async_timestamp(dummy_digest("sha256"), "sha256"))
        )
    info = token["content"]["encap_content_info"]["content"].parsed
    return info["gen_time"].native


def _timestamper(url: str, timeout: float):
    from pyhanko.sign.timestamps.aiohttp_client import HTTPTimeStamper

    return HTTPTimeStamper(url, timeout=timeout)


@contextmanager
def _timestamp_errors():
    """Whatever keeps the authority's token from arriving, as TimestampUnavailable."""
    import aiohttp

    try:
        yield
    except (OSError, aiohttp.ClientError) as error:  # TimeoutError is an OSError
        raise TimestampUnavailable(f"{type(error).__name__}: {error}") from error


def validate_sealed_pdf(
    pdf_bytes: bytes,
    trust_root_cert: Path | str | bytes,
    *,
    tsa_roots: Sequence[Path | str | bytes] = (),
) -> SealCheck:
    """Check the portal seal of ``pdf_bytes`` against a trusted root certificate, and its
    timestamp, if it has one, against ``tsa_roots`` (the time-stamping authority's roots)."""
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko.sign.validation.status import SignatureCoverageLevel
    from pyhanko_certvalidator import ValidationContext

    def context(roots):
        return ValidationContext(trust_roots=roots, allow_fetching=False,
                                 revocation_mode="soft-fail")

    root, stamp_roots = _load_cert(trust_root_cert), [_load_cert(r) for r in tsa_roots]
    try:
        reader = PdfFileReader(BytesIO(pdf_bytes), strict=False)
        seals = [sig for sig in reader.embedded_signatures if sig.field_name == SEAL_FIELD]
        if not seals:
            return _failed("no portal seal in the document")
        status = _outside_any_event_loop(
            validate_pdf_signature,
            seals[0],
            context([root]),
            context(stamp_roots) if stamp_roots else None,
        )
    except Exception as error:  # a damaged file can fail anywhere in the parser
        return _failed(f"{type(error).__name__}: {error}")
    stamp = status.timestamp_validity
    return SealCheck(
        intact=status.intact,
        valid=status.valid,
        trusted=status.trusted,
        untouched=status.coverage == SignatureCoverageLevel.ENTIRE_FILE,
        signer=status.signing_cert.subject.human_friendly,
        signed_at=status.signer_reported_dt,
        timestamped_at=stamp.timestamp if stamp is not None else None,
        timestamp_trusted=bool(stamp and stamp.intact and stamp.valid and stamp.trusted),
    )


T = TypeVar("T")


def _outside_any_event_loop(call: Callable[..., T], *args) -> T:
    """``call(*args)``, in a worker thread when this thread runs an event loop.

    pyHanko's synchronous API starts an event loop of its own, which asyncio refuses inside
    a running one (an async server, or Playwright's synchronous API in the same thread).
    """
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return call(*args)
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(call, *args).result()


def _failed(problem: str) -> SealCheck:
    return SealCheck(False, False, False, False, signer="", signed_at=None, problem=problem)


def _load_cert(cert: Path | str | bytes) -> asn1_x509.Certificate:
    data = Path(cert).read_bytes() if isinstance(cert, Path | str) else cert
    if pem.detect(data):
        _, _, data = pem.unarmor(data)
    return asn1_x509.Certificate.load(data)
