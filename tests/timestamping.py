"""A real RFC 3161 time-stamping authority on loopback: certomancer's Animator (the PKI
testing tool from pyHanko's author) serving a test root and a TSA certificate it issued."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

VALIDITY = {"valid-from": "2020-01-01T00:00:00+0000", "valid-to": "2100-01-01T00:00:00+0000"}


@dataclass(frozen=True)
class LoopbackTsa:
    url: str
    root_cert: bytes  # PEM of the root the TSA's certificate chains to


def _config(prefix: str) -> dict:
    usage = {"id": "key_usage", "critical": True, "smart-value": {"schema": "key-usage"}}
    return {
        "external-url-prefix": prefix,
        "keysets": {"portal-test": {"keys": {"root": {"path": "root.key.pem"},
                                            "tsa": {"path": "tsa.key.pem"}}}},
        "pki-architectures": {"portal-test": {
            "keyset": "portal-test",
            "entity-defaults": {"country-name": "CN", "organization-name": "测试时间戳服务"},
            "entities": {"root": {"common-name": "测试根证书"},
                         "tsa": {"common-name": "测试时间戳服务器"}},
            "certs": {
                "root": {"subject": "root", "issuer": "root", "validity": VALIDITY,
                         "extensions": [
                             {"id": "basic_constraints", "critical": True,
                              "value": {"ca": True}},
                             {**usage, "smart-value": {
                                 "schema": "key-usage",
                                 "params": ["digital_signature", "key_cert_sign", "crl_sign"]}},
                         ]},
                "tsa": {"issuer": "root", "validity": VALIDITY,
                        "extensions": [
                            {**usage, "smart-value": {"schema": "key-usage",
                                                      "params": ["digital_signature"]}},
                            {"id": "extended_key_usage", "critical": True,
                             "value": ["time_stamping"]},
                        ]},
            },
            "services": {"time-stamping": {"tsa": {"signing-key": "tsa",
                                                   "signing-cert": "tsa"}}},
        }},
    }


def _write_key(path: Path) -> None:
    key = ec.generate_private_key(ec.SECP256R1())
    path.write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                       serialization.PrivateFormat.PKCS8,
                                       serialization.NoEncryption()))


@pytest.fixture(scope="session")
def tsa(tmp_path_factory):
    from asn1crypto import pem
    from certomancer.integrations.animator import Animator, AnimatorArchStore
    from certomancer.registry import ArchLabel, CertLabel, CertomancerConfig
    from werkzeug.serving import make_server

    keys = tmp_path_factory.mktemp("tsa-keys")
    for name in ("root", "tsa"):
        _write_key(keys / f"{name}.key.pem")
    # Port 0: the system picks a free one; the URL prefix only names the TSA's own links.
    server = make_server("127.0.0.1", 0, lambda environ, start: animator(environ, start))
    prefix = f"http://127.0.0.1:{server.server_port}"
    config = CertomancerConfig(_config(prefix), key_search_dir=str(keys))
    animator = Animator(AnimatorArchStore(config.pki_archs), with_web_ui=False)
    root = config.get_pki_arch(ArchLabel("portal-test")).get_cert(CertLabel("root"))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield LoopbackTsa(f"{prefix}/portal-test/tsa/tsa", pem.armor("CERTIFICATE", root.dump()))
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()
