"""Fetching files from hosts we do not control, safely: the importer's only way out.

A feed names URLs that anyone may have written, so every request is treated as
hostile: only http(s); the host is resolved here and every address checked, so
a name that points at a private, loopback or link-local address (the cloud
metadata service, the database, the admin port) is refused before a connection
is made; the connection then goes to the checked address itself, so a second DNS
answer cannot swap it. Redirects are followed by hand and each hop is checked
the same way. The body is streamed into the caller's file with a running size
limit and an overall deadline, so a 2 GB "episode" costs at most the limit.
"""

from __future__ import annotations

import ipaddress
import socket
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import BinaryIO
from urllib.parse import urljoin, urlsplit

import urllib3
from urllib3.exceptions import HTTPError as Urllib3Error

__all__ = [
    "FetchError",
    "FetchLimits",
    "Fetched",
    "HostPolicy",
    "fetch",
]

USER_AGENT = "podhost-import/1.0 (+https://podcastindex.org/namespace/1.0)"
CHUNK_SIZE = 64 * 1024
REDIRECT_CODES = (301, 302, 303, 307, 308)

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
Resolver = Callable[[str, int], list[str]]


class FetchError(Exception):
    """The file could not be fetched; ``str()`` says why in words a producer understands.

    ``code`` is for programs: "blocked_address", "bad_url", "too_large", "timeout",
    "http_status", "too_many_redirects", "network"; ``status`` is the HTTP status
    of an "http_status" answer that had one.
    """

    def __init__(self, code: str, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.status = status


@dataclass(frozen=True)
class FetchLimits:
    """How much one fetch may cost: bytes, seconds per socket wait, seconds in all."""

    max_bytes: int
    connect_timeout: float = 10.0
    read_timeout: float = 30.0
    total_seconds: float = 600.0
    max_redirects: int = 5


@dataclass(frozen=True)
class HostPolicy:
    """Which hosts an admin allows although they resolve to non-public addresses.

    ``allowed`` holds host names (matched exactly, case-insensitively) and IP
    addresses or networks (matched against every resolved address).
    """

    allowed: tuple[str, ...] = ()
    resolver: Resolver | None = None
    _names: frozenset[str] = field(init=False, repr=False)
    _networks: tuple[Network, ...] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        names, networks = [], []
        for entry in self.allowed:
            entry = entry.strip().lower()
            if not entry:
                continue
            try:
                networks.append(ipaddress.ip_network(entry, strict=False))
            except ValueError:
                names.append(entry)
        object.__setattr__(self, "_names", frozenset(names))
        object.__setattr__(self, "_networks", tuple(networks))

    def addresses(self, host: str, port: int) -> list[str]:
        """The host's addresses, every one of them public unless the admin allowed it.

        :raise FetchError: ("blocked_address") when any address is not public.
        """
        resolved = (self.resolver or _resolve)(host, port)
        if not resolved:
            raise FetchError("network", f"The host {host} has no address.")
        if host.lower() in self._names:
            return resolved
        for text in resolved:
            address = ipaddress.ip_address(text.split("%", 1)[0])
            if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
                address = address.ipv4_mapped
            if any(address in network for network in self._networks):
                continue
            if not address.is_global:
                raise FetchError(
                    "blocked_address",
                    f"{host} points to a private or local address ({address}); "
                    "requests there are refused. An admin can allow the host "
                    "with IMPORT_ALLOWED_HOSTS.",
                )
        return resolved


def _resolve(host: str, port: int) -> list[str]:
    """Every address of ``host``, IPv4 and IPv6, in the order the system prefers."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise FetchError("network", f"The host {host} could not be found ({exc}).") from None
    seen: list[str] = []
    for info in infos:
        address = str(info[4][0])
        if address not in seen:
            seen.append(address)
    return seen


@dataclass(frozen=True)
class Fetched:
    """What was fetched: the final URL after redirects, its type and length."""

    url: str
    content_type: str
    size: int
    redirects: tuple[str, ...] = ()

    @property
    def media_type(self) -> str:
        """The Content-Type without parameters, lower-cased: ``text/html``."""
        return self.content_type.split(";", 1)[0].strip().lower()


def fetch(
    url: str,
    out: BinaryIO,
    limits: FetchLimits,
    policy: HostPolicy | None = None,
    *,
    accept: str = "*/*",
    on_chunk: Callable[[int], None] | None = None,
) -> Fetched:
    """GET ``url`` into ``out``, following at most ``limits.max_redirects`` redirects.

    ``out`` receives only the final response's body; on any error it may hold
    part of it, so callers write to a temporary file they throw away.
    ``on_chunk`` is called with the bytes received so far after each chunk (a
    long download's caller keeps its job's lease alive there; it may raise to stop).

    :raise FetchError: for a refused address, a bad URL, an HTTP error status,
        a body over ``limits.max_bytes``, or a timeout.
    """
    policy = policy or HostPolicy()
    deadline = time.monotonic() + limits.total_seconds
    hops: list[str] = []
    current = url
    while True:
        response = _request(current, limits, policy, accept, deadline)
        try:
            if response.status in REDIRECT_CODES:
                location = response.headers.get("Location")
                if not location:
                    raise FetchError("http_status", f"{current} redirects without a Location.")
                if len(hops) >= limits.max_redirects:
                    raise FetchError(
                        "too_many_redirects",
                        f"{url} redirects more than {limits.max_redirects} times.",
                    )
                hops.append(current)
                current = urljoin(current, location.strip())
                continue
            if response.status != 200:
                raise FetchError(
                    "http_status",
                    f"{current} answered HTTP {response.status}, not the file.",
                    status=response.status,
                )
            size = _copy_body(response, out, limits, deadline, current, on_chunk)
            content_type = response.headers.get("Content-Type", "")
            return Fetched(current, content_type, size, tuple(hops))
        finally:
            response.release_conn()
            response.close()


def _request(
    url: str, limits: FetchLimits, policy: HostPolicy, accept: str, deadline: float
) -> urllib3.BaseHTTPResponse:
    """One GET to a checked address, the body not yet read; redirects are not followed."""
    scheme, host, port, target = _split(url)
    addresses = policy.addresses(host, port)
    last: Exception | None = None
    for address in addresses:
        if time.monotonic() > deadline:
            break
        pool = _pool(scheme, host, address, port, limits)
        try:
            return pool.urlopen(
                "GET",
                target,
                headers={
                    "Host": _host_header(host, port, scheme),
                    "User-Agent": USER_AGENT,
                    "Accept": accept,
                    "Accept-Encoding": "identity",
                },
                redirect=False,
                retries=False,
                preload_content=False,
                decode_content=True,
                assert_same_host=False,
            )
        except Urllib3Error as exc:
            last = exc
        finally:
            pool.close()
    if last is not None and "timed out" in str(last).lower():
        raise FetchError("timeout", f"{host} did not answer in time.")
    raise FetchError("network", f"Could not connect to {host} ({_reason(last)}).")


def _pool(
    scheme: str, host: str, address: str, port: int, limits: FetchLimits
) -> urllib3.HTTPConnectionPool:
    """A one-connection pool to the checked address; TLS still verifies ``host``."""
    timeout = urllib3.Timeout(connect=limits.connect_timeout, read=limits.read_timeout)
    if scheme == "https":
        return urllib3.HTTPSConnectionPool(
            address,
            port,
            timeout=timeout,
            maxsize=1,
            server_hostname=host,
            assert_hostname=host,
            cert_reqs="CERT_REQUIRED",
        )
    return urllib3.HTTPConnectionPool(address, port, timeout=timeout, maxsize=1)


def _split(url: str) -> tuple[str, str, int, str]:
    """Scheme, host, port and request target; only absolute http(s) URLs pass.

    :raise FetchError: ("bad_url") for anything else, e.g. file:// or a relative path.
    """
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:
        raise FetchError("bad_url", f"“{url}” is not a valid address.") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise FetchError("bad_url", f"“{url}” is not an http or https address.")
    if parts.username or parts.password:
        raise FetchError("bad_url", "Addresses with a user name or password are not fetched.")
    target = parts.path or "/"
    if parts.query:
        target += "?" + parts.query
    return parts.scheme, parts.hostname, port or (443 if parts.scheme == "https" else 80), target


def _host_header(host: str, port: int, scheme: str) -> str:
    shown = f"[{host}]" if ":" in host else host
    default = 443 if scheme == "https" else 80
    return shown if port == default else f"{shown}:{port}"


def _copy_body(
    response: urllib3.BaseHTTPResponse,
    out: BinaryIO,
    limits: FetchLimits,
    deadline: float,
    url: str,
    on_chunk: Callable[[int], None] | None = None,
) -> int:
    """Stream the body into ``out``, stopping as soon as it passes a limit."""
    declared = response.headers.get("Content-Length")
    if declared and declared.isdigit() and int(declared) > limits.max_bytes:
        raise _too_large(url, limits.max_bytes, int(declared))
    size = 0
    try:
        # read1 returns what has arrived instead of waiting for a whole chunk, so a
        # server that trickles a byte at a time still meets the overall deadline.
        while chunk := response.read1(CHUNK_SIZE):
            size += len(chunk)
            if size > limits.max_bytes:
                raise _too_large(url, limits.max_bytes)
            if time.monotonic() > deadline:
                raise FetchError(
                    "timeout", f"{url} took longer than {limits.total_seconds:g} s to download."
                )
            out.write(chunk)
            if on_chunk is not None:
                on_chunk(size)
    except Urllib3Error as exc:
        if "timed out" in str(exc).lower():
            raise FetchError("timeout", f"{url} stopped sending data.") from None
        raise FetchError("network", f"The download of {url} broke off ({_reason(exc)}).") from None
    return size


def _too_large(url: str, limit: int, declared: int | None = None) -> FetchError:
    said = f" (it says {_human(declared)})" if declared else ""
    return FetchError("too_large", f"{url} is larger than the limit of {_human(limit)}{said}.")


def _human(size: int) -> str:
    """``1073741824`` -> ``"1 GiB"``."""
    value = float(size)
    for unit in ("bytes", "KiB", "MiB"):
        if value < 1024:
            return f"{value:.3g} {unit}"
        value /= 1024
    return f"{value:.3g} GiB"


def _reason(exc: Exception | None) -> str:
    """The innermost cause's text: urllib3 wraps socket errors several layers deep."""
    if exc is None:
        return "no address answered"
    reason = getattr(exc, "reason", None)
    return str(reason or exc)


def allowed_hosts(value: str | Iterable[str] | None) -> tuple[str, ...]:
    """``IMPORT_ALLOWED_HOSTS`` as a tuple, from a comma/space string or a list."""
    if value is None:
        return ()
    if isinstance(value, str):
        value = value.replace(",", " ").split()
    return tuple(item.strip() for item in value if item.strip())
