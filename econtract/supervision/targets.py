"""Where webhooks may be sent: the guard against server-side request forgery.

A webhook URL is chosen by an integrator, so without a guard the platform would POST wherever
it is told, including to services on its own network (a metadata endpoint, an admin port).
Only http(s) URLs are accepted, and — unless ``WEBHOOK_ALLOW_PRIVATE_TARGETS`` (development,
tests) — only hosts whose every address is public. The host is resolved again before each
delivery, since a name that was public when subscribed may point inward later, and the
delivery connects to the address that was checked (``sender.py`` pins it): resolving the name a
second time when connecting would let a DNS answer that changes in between (rebinding) reach
an inward address.
"""

from __future__ import annotations

import ipaddress
import socket
from urllib.parse import urlsplit

from django.conf import settings


class TargetRefused(ValueError):
    """The URL is not an acceptable webhook target; the message says why."""


def check_target(url: str) -> str | None:
    """Raise :class:`TargetRefused` unless ``url`` may receive webhooks now.

    Returns the checked address to connect to, or ``None`` when private targets are allowed
    (then the name is resolved as usual when connecting).
    """
    parts = urlsplit(url)
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        raise TargetRefused("only http and https URLs with a host are accepted")
    if parts.username or parts.password:
        raise TargetRefused("credentials in the URL are not accepted; use the secret")
    if settings.WEBHOOK_ALLOW_PRIVATE_TARGETS:
        return None
    addresses = _addresses(parts.hostname, parts.port or _default_port(parts.scheme))
    for address in addresses:
        if not _is_public(address):
            raise TargetRefused(f"{parts.hostname} resolves to a non-public address ({address})")
    if not addresses:
        raise TargetRefused(f"{parts.hostname} has no address")
    return str(addresses[0])


def _default_port(scheme: str) -> int:
    return 443 if scheme == "https" else 80


def _addresses(host: str, port: int) -> list[ipaddress.IPv4Address | ipaddress.IPv6Address]:
    try:
        infos = socket.getaddrinfo(host, port, proto=socket.IPPROTO_TCP)
    except (socket.gaierror, UnicodeError) as exc:
        raise TargetRefused(f"{host} cannot be resolved: {exc}") from exc
    # An IPv6 link-local answer may carry a zone ("fe80::1%eth0"), which ip_address refuses.
    return [ipaddress.ip_address(str(info[4][0]).split("%", 1)[0]) for info in infos]


def _is_public(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    # "::ffff:10.0.0.1" reaches 10.0.0.1; judge the IPv4 address it maps to.
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return address.is_global and not address.is_multicast
