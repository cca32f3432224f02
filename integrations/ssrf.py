"""Where a webhook may be sent: the one check, made when an endpoint is saved and again before
every delivery (docs/webhooks.md, "Where webhooks may go").

`resolve(url)` parses the URL, resolves its host once and refuses it unless every address is
public; the delivery then connects to the address it checked (the name only travels as the Host
header and the TLS server name), so a DNS answer that changes after the check (DNS rebinding)
cannot point a delivery at an internal host. Redirects are never followed (integrations.delivery).

Refused always: any scheme but https (and http, see below), user:password@ in the URL, and
addresses that are loopback, private, shared (100.64/10), link-local (169.254/16 with the
cloud metadata address, fe80::/10), multicast, reserved, unspecified or otherwise not globally
routable, including IPv6 forms that embed such an IPv4 address (::ffff:10.0.0.1, 6to4, Teredo,
NAT64).

`ECHO_WEBHOOKS_ALLOW_PRIVATE_HOSTS` (the demo and the tests) relaxes exactly two things: the
loopback and private ranges in PRIVATE_RANGES are accepted, and plain http is accepted when every
address of the host is loopback. Link-local, multicast, reserved and unspecified addresses stay
refused, and so does http to anything but loopback.
"""

from __future__ import annotations

import ipaddress
import socket
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings
from django.utils.translation import gettext_lazy as _

from echo_disputes.errors import InvalidInput

MAX_URL_LENGTH = 2000

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

# What ECHO_WEBHOOKS_ALLOW_PRIVATE_HOSTS accepts besides public addresses.
PRIVATE_RANGES = tuple(
    ipaddress.ip_network(net)
    for net in (
        "127.0.0.0/8",
        "::1/128",
        "10.0.0.0/8",
        "172.16.0.0/12",
        "192.168.0.0/16",
        "100.64.0.0/10",
        "fc00::/7",
    )
)
NAT64 = (ipaddress.ip_network("64:ff9b::/96"), ipaddress.ip_network("64:ff9b:1::/48"))


class UnsafeUrl(InvalidInput):
    default_code = "unsafe_webhook_url"
    default_message = _("This URL may not receive webhooks.")


@dataclass(frozen=True)
class Target:
    """A checked URL: where to connect (`address`) and what to call the host (`host`)."""

    scheme: str
    host: str
    port: int
    path: str
    # Every address the host resolved to, all checked: a delivery tries them in this order.
    addresses: tuple[str, ...]

    @property
    def address(self) -> str:
        return self.addresses[0]

    @property
    def host_header(self) -> str:
        name = f"[{self.host}]" if ":" in self.host else self.host
        default = 443 if self.scheme == "https" else 80
        return name if self.port == default else f"{name}:{self.port}"

    @property
    def is_ip_literal(self) -> bool:
        return _ip(self.host) is not None


def _ip(text: str) -> IPAddress | None:
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        return None


def _embedded_ipv4(ip: IPAddress) -> list[ipaddress.IPv4Address]:
    if not isinstance(ip, ipaddress.IPv6Address):
        return []
    found = []
    if ip.sixtofour is not None:
        found.append(ip.sixtofour)
    if ip.teredo is not None:
        found.extend(ip.teredo)
    if any(ip in net for net in NAT64):
        found.append(ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF))
    return found


def _public(ip: IPAddress) -> bool:
    return bool(
        ip.is_global
        and not ip.is_private
        and not ip.is_loopback
        and not ip.is_link_local
        and not ip.is_multicast
        and not ip.is_reserved
        and not ip.is_unspecified
    )


def _private_allowed(ip: IPAddress) -> bool:
    return any(ip.version == net.version and ip in net for net in PRIVATE_RANGES)


def address_allowed(ip: IPAddress, *, allow_private: bool) -> bool:
    """Whether a delivery may connect to `ip` (and to every IPv4 address it embeds)."""
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        # An IPv4-mapped address is the IPv4 address itself, judged as such.
        return address_allowed(ip.ipv4_mapped, allow_private=allow_private)
    for candidate in (ip, *_embedded_ipv4(ip)):
        if _public(candidate):
            continue
        if allow_private and _private_allowed(candidate):
            continue
        return False
    return True


def allow_private_hosts() -> bool:
    return bool(settings.ECHO_WEBHOOKS_ALLOW_PRIVATE_HOSTS)


def _parse(url: str) -> tuple[str, str, int, str]:
    if not isinstance(url, str) or not url:
        raise UnsafeUrl(_("Enter the URL that receives the webhooks."))
    if len(url) > MAX_URL_LENGTH:
        raise UnsafeUrl(
            _("The URL may be at most %(maximum)s characters.") % {"maximum": MAX_URL_LENGTH}
        )
    if any(ch.isspace() or ord(ch) < 0x20 or ord(ch) == 0x7F for ch in url):
        raise UnsafeUrl(_("The URL may not contain spaces or control characters."))
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        raise UnsafeUrl(_("This is not a valid URL.")) from None
    scheme = parts.scheme.lower()
    if scheme not in ("https", "http"):
        raise UnsafeUrl(_("Webhooks are sent over https only."))
    if parts.username is not None or parts.password is not None:
        raise UnsafeUrl(_("The URL may not contain a user name or password."))
    host = parts.hostname or ""
    if not host:
        raise UnsafeUrl(_("The URL has no host."))
    if _ip(host) is None:
        try:
            host = host.encode("idna").decode("ascii")
        except UnicodeError:
            raise UnsafeUrl(_("The URL's host name is not valid.")) from None
    path = parts.path or "/"
    if parts.query:
        path += "?" + parts.query
    return scheme, host, port or (443 if scheme == "https" else 80), path


def _addresses(host: str, port: int) -> list[IPAddress]:
    literal = _ip(host)
    if literal is not None:
        return [literal]
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, proto=socket.IPPROTO_TCP)
    except (OSError, UnicodeError):
        raise UnsafeUrl(_("The host %(host)s does not resolve.") % {"host": host}) from None
    found: list[IPAddress] = []
    for info in infos:
        # The scope of a link-local IPv6 answer ("fe80::1%eth0") does not change the verdict.
        ip = _ip(str(info[4][0]).split("%", 1)[0])
        if ip is not None and ip not in found:
            found.append(ip)
    if not found:
        raise UnsafeUrl(_("The host %(host)s does not resolve.") % {"host": host})
    return found


def resolve(url: str, *, allow_private: bool | None = None) -> Target:
    """Check `url` and resolve its host once: the address a delivery connects to. Raises
    UnsafeUrl (400 through the API) when the URL may not receive webhooks."""
    allow = allow_private_hosts() if allow_private is None else allow_private
    scheme, host, port, path = _parse(url)
    if scheme == "http" and not allow:
        raise UnsafeUrl(_("Webhooks are sent over https only."))
    addresses = _addresses(host, port)
    # Every answer must pass: a name that resolves to one public and one internal address is
    # refused, whichever a resolver would hand out first.
    refused = [ip for ip in addresses if not address_allowed(ip, allow_private=allow)]
    if refused:
        first = refused[0]
        shown = first.ipv4_mapped if isinstance(first, ipaddress.IPv6Address) else None
        raise UnsafeUrl(
            _(
                "%(host)s resolves to %(shown)s, which is not a "
                "public address; webhooks go to public hosts only."
            )
            % {"host": host, "shown": shown or first}
        )
    if scheme == "http" and not all(ip.is_loopback for ip in addresses):
        raise UnsafeUrl(_("Plain http is accepted for a loopback receiver only; use https."))
    return Target(
        scheme=scheme,
        host=host,
        port=port,
        path=path,
        addresses=tuple(str(ip) for ip in addresses),
    )
