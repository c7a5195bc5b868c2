"""From what the user typed to the CRM's canonical base URL and its REST endpoints.

`crm.example.com`, `https://crm.example.com/`, `https://crm.example.com/index.php?module=Home` and
`https://crm.example.com/restapi/v1/vtews/listtypes` all mean the same site. vtenext may live under
a path prefix (`/vtenext/`), which is kept. Pure functions: no network, no browser.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass
from urllib.parse import quote

import idna

from mailconnector.crm.errors import InsecureUrl, MalformedUrl

REST_PREFIX = "restapi/v1/vtews"
LOOPBACK_HOSTS = frozenset({"localhost", "127.0.0.1", "::1"})
DEFAULT_PORTS = {"http": 80, "https": 443}

_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*)://")
# "https:crm.example.com" or "mailto:x" is a scheme without "//"; "localhost:8080" and
# "crm.example.com:x" are a host with a (possibly bad) port: real schemes have no dots.
_SCHEME_WITHOUT_SLASHES = re.compile(r"^(?!localhost:)[A-Za-z][A-Za-z0-9+-]*:(?![0-9])")
_ASCII_LABEL = re.compile(r"^[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?$")
# Path segments that are not part of the installation's base (what users copy from the address bar).
_ENTRY_SCRIPTS = frozenset({"index.php", "webservice.php"})
_PATH_SAFE = "!$&'()*+,;=:@-._~%"


@dataclass(frozen=True)
class CrmUrl:
    """A normalised CRM location. `host` is ASCII (punycode); IPv6 without brackets."""

    scheme: str
    host: str
    port: int | None
    path: str  # "" or "/prefix" (no trailing slash)

    @property
    def base(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        port = "" if self.port is None else f":{self.port}"
        return f"{self.scheme}://{host}{port}{self.path}"

    @property
    def display_host(self) -> str:
        """The host as the user would write it (Unicode for IDN hosts)."""
        if "xn--" not in self.host:
            return self.host
        try:
            return idna.decode(self.host)
        except idna.IDNAError:
            return self.host

    def endpoint(self, operation: str) -> str:
        return f"{self.base}/{REST_PREFIX}/{operation}"

    def __str__(self) -> str:
        return self.base


def normalise_crm_url(text: str) -> CrmUrl:
    """Parse what the user typed; raise MalformedUrl or InsecureUrl (with a `reason`)."""
    text = text.strip()
    if not text:
        raise MalformedUrl("The CRM address is empty.", reason="EMPTY")
    if any(ch.isspace() or ord(ch) < 0x20 or ord(ch) == 0x7F for ch in text):
        raise MalformedUrl("The CRM address contains spaces or control characters.", reason="WHITESPACE")

    scheme: str | None = None
    match = _SCHEME.match(text)
    if match:
        scheme = match.group(1).lower()
        if scheme not in DEFAULT_PORTS:
            raise MalformedUrl(f"Unsupported scheme {scheme!r}: use https://.", reason="SCHEME")
        rest = text[match.end() :]
    elif _SCHEME_WITHOUT_SLASHES.match(text) and not text.startswith("["):
        raise MalformedUrl("The address has a scheme but no '//' after it.", reason="SCHEME")
    else:
        rest = text

    cut = min((i for i in (rest.find("/"), rest.find("?"), rest.find("#")) if i >= 0), default=len(rest))
    authority, path = rest[:cut], rest[cut:]
    path = re.split(r"[?#]", path, maxsplit=1)[0]

    if "@" in authority:
        raise MalformedUrl("The address must not contain a user name or password.", reason="CREDENTIALS")
    host, port = _split_host_port(authority)
    host = _normalise_host(host)

    loopback = host in LOOPBACK_HOSTS
    if scheme is None:
        scheme = "http" if loopback else "https"
    elif scheme == "http" and not loopback:
        raise InsecureUrl(
            "The CRM must be reached over HTTPS (plain HTTP is only accepted for localhost).",
            reason="HTTP_NOT_ALLOWED",
        )
    if port == DEFAULT_PORTS[scheme]:
        port = None
    return CrmUrl(scheme=scheme, host=host, port=port, path=_base_path(path))


def endpoint_url(base: str, operation: str) -> str:
    """`<base>/restapi/v1/vtews/<operation>` for an already normalised base."""
    return f"{base.rstrip('/')}/{REST_PREFIX}/{operation}"


def _split_host_port(authority: str) -> tuple[str, int | None]:
    if authority.startswith("["):
        end = authority.find("]")
        if end < 0:
            raise MalformedUrl("Unclosed '[' in an IPv6 address.", reason="HOST")
        host, after = authority[1:end], authority[end + 1 :]
        try:
            ipaddress.IPv6Address(host)
        except ValueError:
            raise MalformedUrl(f"{host!r} is not an IPv6 address.", reason="HOST") from None
        if not after:
            return host, None
        if not after.startswith(":"):
            raise MalformedUrl("Unexpected text after the IPv6 address.", reason="HOST")
        return host, _parse_port(after[1:])
    if authority.count(":") > 1:
        raise MalformedUrl("An IPv6 address must be written in brackets, e.g. [2001:db8::1].", reason="HOST")
    if ":" in authority:
        host, port_text = authority.split(":", 1)
        return host, _parse_port(port_text)
    return authority, None


def _parse_port(text: str) -> int:
    if not text.isascii() or not text.isdigit() or not 0 < int(text) < 65536:
        raise MalformedUrl(f"{text!r} is not a valid port (1-65535).", reason="PORT")
    return int(text)


def _normalise_host(host: str) -> str:
    if ":" in host:  # IPv6, already validated
        return ipaddress.IPv6Address(host).compressed
    host = host.rstrip(".") if host.endswith(".") and host != "." else host
    if not host:
        raise MalformedUrl("The address has no host name.", reason="HOST")
    if not host.isascii():
        try:
            host = idna.encode(host, uts46=True).decode("ascii")
        except (idna.IDNAError, UnicodeError):
            raise MalformedUrl(f"{host!r} is not a valid host name.", reason="HOST") from None
    host = host.lower()
    labels = host.split(".")
    if all(label.isdigit() for label in labels):
        try:
            return str(ipaddress.IPv4Address(host))
        except ValueError:
            raise MalformedUrl(f"{host!r} is not a valid IPv4 address.", reason="HOST") from None
    if len(host) > 253 or not all(_ASCII_LABEL.match(label) for label in labels):
        raise MalformedUrl(f"{host!r} is not a valid host name.", reason="HOST")
    return host


def _base_path(path: str) -> str:
    segments = [segment for segment in path.split("/") if segment]
    for i, segment in enumerate(segments):
        if segment.lower() == "restapi":
            segments = segments[:i]
            break
    if segments and segments[-1].lower() in _ENTRY_SCRIPTS:
        segments = segments[:-1]
    if any(segment in {".", ".."} for segment in segments):
        raise MalformedUrl("The path must not contain '.' or '..' segments.", reason="PATH")
    return "".join("/" + quote(segment, safe=_PATH_SAFE) for segment in segments)


# --- address spaces (Local Network Access) ------------------------------------------------------------
AddressSpace = str  # "loopback" | "private" | "public"


def address_space(host: str) -> AddressSpace:
    """Which of the browser's address spaces a host is in, judged from the name or address alone.

    Chromium's Local Network Access decides on the resolved IP; from a script only the name is
    known, so names are judged by their form: `localhost` and `*.localhost` are this computer, `.local`
    (mDNS) and single-label intranet names are the local network, anything else is taken as public.
    Addresses: loopback (127/8, ::1); private: RFC 1918 (10/8, 172.16/12, 192.168/16), link-local
    (169.254/16, fe80::/10), IPv6 unique local (fc00::/7), the unspecified address.
    """
    text = host.strip("[]").lower().rstrip(".")
    try:
        ip = ipaddress.ip_address(text)
    except ValueError:
        if text == "localhost" or text.endswith(".localhost"):
            return "loopback"
        if text.endswith(".local") or "." not in text:
            return "private"
        return "public"
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    if ip.is_loopback:
        return "loopback"
    if ip.is_unspecified or ip.is_link_local or any(ip in net for net in _PRIVATE_NETS if net.version == ip.version):
        return "private"
    return "public"


_PRIVATE_NETS = tuple(ipaddress.ip_network(n) for n in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "fc00::/7"))


def host_of_origin(origin: str) -> str:
    """`https://addin.example.com:8443` → `addin.example.com` (IPv6 without brackets)."""
    rest = origin.split("://", 1)[-1].split("/", 1)[0]
    if rest.startswith("["):
        return rest[1:rest.find("]")]
    return rest.rsplit(":", 1)[0] if ":" in rest else rest


def blocked_by_local_network_access(crm_host: str, origin: str) -> bool:
    """A page on a public origin asking for a CRM on this computer or the local network: Chromium and
    Edge require the Local Network Access permission (which an Outlook frame must delegate)."""
    if not origin or origin == "null":
        return False
    return address_space(host_of_origin(origin)) == "public" and address_space(crm_host) != "public"
