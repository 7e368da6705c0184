"""Calling a client's webhook endpoint without letting the URL reach inside the network.

The host is resolved when the request is sent, every address it resolves to must be a
public one (or inside a network the deployment allows on purpose, for a city platform on
the same private network), and the connection goes to the address that was checked, so a
name that changes its answer between check and connect (DNS rebinding) gains nothing.
Redirects are not followed, and only a short excerpt of the answer is kept.

Only addresses that API clients give pass through here. Those an operator sets in the
environment (the time-stamping authority, the SMTP relay) are trusted like the database's
and may well be internal.
"""

from __future__ import annotations

import http.client
import ipaddress
import socket
import ssl
import urllib.parse
from collections.abc import Callable

Address = ipaddress.IPv4Address | ipaddress.IPv6Address
EXCERPT_CHARS = 200


class RefusedDestination(ValueError):
    """The URL points somewhere the portal does not call."""


def system_resolver(host: str, port: int) -> list[str]:
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(info[4][0] for info in infos))


def literal_address(host: str) -> Address | None:
    """The address a host names by itself, in any spelling a resolver accepts:
    dotted, decimal (2130706433), hexadecimal (0x7f000001), octal (0177.0.0.1), IPv6."""
    try:
        return _unmapped(ipaddress.ip_address(host))
    except ValueError:
        pass
    try:
        return ipaddress.IPv4Address(socket.inet_aton(host))
    except OSError:
        return None


def _unmapped(address: Address) -> Address:
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        return address.ipv4_mapped
    return address


def is_internal(address: Address) -> bool:
    """Loopback, private, link-local, multicast, reserved or otherwise not public."""
    address = _unmapped(address)
    return (not address.is_global or address.is_multicast or address.is_reserved
            or address.is_link_local or address.is_loopback or address.is_private)


def allowed(address: Address, networks) -> bool:
    address = _unmapped(address)
    return not is_internal(address) or any(
        address.version == net.version and address in net for net in networks)


def check_url(url: str, networks=()) -> None:
    """What can be known without a resolver: raises RefusedDestination."""
    parts = urllib.parse.urlsplit(url)
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        raise RefusedDestination("only http:// and https:// addresses are called")
    host = parts.hostname.rstrip(".").lower()
    address = literal_address(host)
    if address is None and (host == "localhost" or host.endswith(".localhost")):
        address = ipaddress.IPv4Address("127.0.0.1")
    if address is not None and not allowed(address, networks):
        raise RefusedDestination(f"{address} is an internal address")


def post(url: str, body: bytes, headers: dict, timeout: float, networks=(),
         resolver: Callable[[str, int], list[str]] | None = None) -> tuple[int, str]:
    """POST and return (status, a short excerpt of the answer). Raises RefusedDestination
    or OSError; a redirect is an answer like any other, not followed."""
    check_url(url, networks)
    parts = urllib.parse.urlsplit(url)
    https = parts.scheme.lower() == "https"
    host = parts.hostname.rstrip(".")
    port = parts.port or (443 if https else 80)
    literal = literal_address(host)
    resolved = [str(literal)] if literal else (resolver or system_resolver)(host, port)
    if not resolved:
        raise RefusedDestination(f"{host} does not resolve")
    addresses = [_unmapped(ipaddress.ip_address(a.split("%", 1)[0])) for a in resolved]
    refused = [a for a in addresses if not allowed(a, networks)]
    if refused:
        raise RefusedDestination(f"{host} resolves to the internal address {refused[0]}")
    connection_class = _PinnedHTTPS if https else _PinnedHTTP
    connection = connection_class(host, port, str(addresses[0]), timeout)
    path = urllib.parse.urlunsplit(("", "", parts.path or "/", parts.query, ""))
    try:
        connection.request("POST", path, body=body, headers=headers)
        answer = connection.getresponse()
        return answer.status, excerpt(answer.read(EXCERPT_CHARS * 4))
    finally:
        connection.close()


def excerpt(raw: bytes) -> str:
    """A short, printable piece of an answer for the delivery log (escaped when shown)."""
    text = raw.decode("utf-8", "replace")
    text = "".join(c if c.isprintable() else " " for c in text)
    return " ".join(text.split())[:EXCERPT_CHARS]


class _PinnedHTTP(http.client.HTTPConnection):
    def __init__(self, host: str, port: int, address: str, timeout: float):
        super().__init__(host, port, timeout=timeout)
        self.address = address

    def connect(self):
        self.sock = socket.create_connection((self.address, self.port), self.timeout)


class _PinnedHTTPS(http.client.HTTPSConnection):
    def __init__(self, host: str, port: int, address: str, timeout: float):
        super().__init__(host, port, timeout=timeout, context=ssl.create_default_context())
        self.address = address

    def connect(self):
        sock = socket.create_connection((self.address, self.port), self.timeout)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)
