"""Which client address a request comes from, when the portal sits behind reverse proxies.

X-Forwarded-For and X-Forwarded-Proto are believed only when the connection comes from a
proxy listed in PORTAL_TRUSTED_PROXIES; the client is then the last address in the chain
that is not itself a trusted proxy. A header sent by anyone else is ignored, so a client
cannot choose the address that rate limits count and the audit log records.
"""

from __future__ import annotations

import ipaddress


def _address(text: str):
    try:
        return ipaddress.ip_address(text.strip().strip("[]"))
    except ValueError:
        return None


class TrustedProxies:
    """WSGI middleware: REMOTE_ADDR and the URL scheme as the trusted proxies saw them."""

    def __init__(self, app, networks):
        self.app, self.networks = app, list(networks)

    def trusted(self, address) -> bool:
        return address is not None and any(
            address.version == net.version and address in net for net in self.networks)

    def __call__(self, environ, start_response):
        peer = _address(environ.get("REMOTE_ADDR", ""))
        if self.trusted(peer):
            chain = [part for part in environ.get("HTTP_X_FORWARDED_FOR", "").split(",")
                     if part.strip()]
            for hop in reversed(chain):
                address = _address(hop)
                if address is None:
                    break  # a malformed entry: the chain beyond it cannot be believed
                environ["REMOTE_ADDR"] = str(address)
                if not self.trusted(address):
                    break
            proto = environ.get("HTTP_X_FORWARDED_PROTO", "").split(",")[-1].strip().lower()
            if proto in ("http", "https"):
                environ["wsgi.url_scheme"] = proto
        return self.app(environ, start_response)
