"""The portal's seal on issued PDFs: key and certificates from configuration, or the local
chain that `portal keys init` creates for a stand-alone deployment."""

from __future__ import annotations

import logging
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

from flask import current_app
from flask_babel import gettext as _

from portal.errors import DomainError
from portal.jobs.queue import RetryLater
from reports import verify

if TYPE_CHECKING:
    from reports.signing import SealCheck

# reports.signing loads cryptography's X.509 stack: only the functions that seal import it,
# so that commands which never seal start without it.

log = logging.getLogger(__name__)
# A seal waits for the time-stamping authority rather than going out without its timestamp:
# the job is tried again this often, as long as the authority stays away.
TSA_RETRY_SECONDS = 60

LOCAL_FILES = {"key": "seal.key.pem", "cert": "seal.cert.pem",
               "chain": ("issuing-ca.cert.pem", "root-ca.cert.pem"), "root": "root-ca.cert.pem"}


def key_directory() -> Path:
    return Path(current_app.config["PORTAL_KEYS_DIR"] or Path(current_app.instance_path) / "keys")


def paths() -> dict:
    config = current_app.config
    if config.get("PORTAL_SEAL_KEY"):
        return {"key": Path(config["PORTAL_SEAL_KEY"]), "cert": Path(config["PORTAL_SEAL_CERT"]),
                "chain": tuple(Path(p) for p in config["PORTAL_SEAL_CHAIN"].split(",") if p),
                "root": Path(config["PORTAL_TRUST_ROOT"])}
    directory = key_directory()
    return {"key": directory / LOCAL_FILES["key"], "cert": directory / LOCAL_FILES["cert"],
            "chain": tuple(directory / name for name in LOCAL_FILES["chain"]),
            "root": directory / LOCAL_FILES["root"]}


def init_local(organisation: str) -> Path:
    """Create the local root → issuing CA → seal chain once; an existing one is kept."""
    directory = key_directory()
    if not (directory / LOCAL_FILES["key"]).exists():
        from reports import signing

        signing.create_local_ca(directory, organisation)
    return directory


@cache
def _signer(key: Path, cert: Path, chain: tuple[Path, ...]):
    from reports import signing

    return signing.load_signer(key, cert, chain)


# The signature's /Reason says why the document is sealed, by the kind in its record.
REASONS = {"minutes": "会商纪要印发", "agreement": "调解协议书生效",
           "casefile": "调解卷宗归档", "report": "统计报告印发"}


def seal(pdf: bytes, *, reason: str | None = None) -> bytes:
    found = paths()
    if not found["key"].exists():
        raise DomainError(_("The portal has no seal key yet. An administrator runs "
                            "“portal keys init” (or configures PORTAL_SEAL_KEY)."))
    signer = _signer(found["key"], found["cert"], found["chain"])
    if reason is None:
        record = verify.read_document_record(pdf)
        reason = REASONS.get(record.kind if record else "", "文书印发")
    config = current_app.config
    from reports import signing

    try:
        return signing.seal_pdf(pdf, signer, reason=reason,
                                location=config["PORTAL_SEAL_LOCATION"],
                                tsa_url=config["PORTAL_TSA_URL"] or None,
                                tsa_timeout=config["PORTAL_TSA_TIMEOUT"])
    except signing.TimestampUnavailable as error:
        log.warning("time-stamping authority %s gave no timestamp (%s); sealing again in %d s",
                    config["PORTAL_TSA_URL"], error, TSA_RETRY_SECONDS)
        raise RetryLater(TSA_RETRY_SECONDS, _(
            "Waiting for the time-stamping authority: the document is sealed as soon as it "
            "answers.")) from error


def check(pdf: bytes) -> SealCheck:
    from reports import signing

    tsa_root = current_app.config["PORTAL_TSA_TRUST_ROOT"]
    return signing.validate_sealed_pdf(pdf, paths()["root"],
                                       tsa_roots=[Path(tsa_root)] if tsa_root else ())
