"""Calls from Sanfu to the outside (webhooks, group robots), guarded against server-side request forgery.

A URL given by a user or an integrator must not make the server reach into its own network: the host is
resolved once, every address it resolves to is checked (no loopback, private, link-local, multicast or
reserved range unless an administrator allowed private targets for this endpoint), and the connection is
made to the checked address itself — so a name that resolves differently a moment later (DNS rebinding)
cannot slip past. Redirects are not followed. Only the standard library is used: ``http.client`` lets the
socket be pinned to the checked address while TLS still verifies the certificate for the host name."""

from __future__ import annotations

import http.client
import ipaddress
import socket
import ssl
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.utils.translation import gettext as _

from sanfu.core.errors import ApplicationError

DEFAULT_TIMEOUT = 10.0
MAX_RESPONSE_BYTES = 64 * 1024  # a receiver's answer is logged, never trusted to be small


class EgressRefusedError(ApplicationError):
    """The URL may not be called (scheme, host or address refused)."""


@dataclass(frozen=True)
class Target:
    scheme: str
    host: str
    port: int
    path: str
    address: str  # the checked IP the connection is pinned to


@dataclass(frozen=True)
class Answer:
    status: int
    body: bytes
    headers: dict[str, str]


def _refused(message: str) -> EgressRefusedError:
    return EgressRefusedError(message, errors=[{"field": "url", "message": message}])


def _public(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return not (
        address.is_private
        or address.is_loopback
        or address.is_link_local
        or address.is_multicast
        or address.is_reserved
        or address.is_unspecified
    )


def check_url(url: str, *, allow_private: bool = False) -> Target:
    """Parse and resolve ``url``; refuse what Sanfu must not call. ``allow_private`` (an administrator's choice
    per endpoint, e.g. a receiver inside the company network) admits private and loopback addresses."""
    parts = urlsplit(url.strip())
    if parts.scheme not in {"https", "http"} or not parts.hostname:
        raise _refused(_("地址须以 https:// 或 http:// 开头，并包含主机名。"))
    if parts.username or parts.password:
        raise _refused(_("地址中不能包含用户名或密码。"))
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError as exc:
        raise _refused(_("地址的端口无效。")) from exc
    try:
        infos = socket.getaddrinfo(parts.hostname, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise _refused(_("无法解析主机名“%(host)s”。") % {"host": parts.hostname}) from exc
    addresses = [ipaddress.ip_address(str(info[4][0]).split("%", 1)[0]) for info in infos]
    if not addresses:
        raise _refused(_("无法解析主机名“%(host)s”。") % {"host": parts.hostname})
    if not allow_private and not all(_public(a) for a in addresses):
        raise _refused(
            _("不允许调用内网、本机或保留地址（%(host)s）；如确需调用内网地址，请由管理员为该端点开启“允许内网地址”。")
            % {"host": parts.hostname}
        )
    path = parts.path or "/"
    if parts.query:
        path = f"{path}?{parts.query}"
    return Target(scheme=parts.scheme, host=parts.hostname, port=port, path=path, address=str(addresses[0]))


class _PinnedHTTPConnection(http.client.HTTPConnection):
    def __init__(self, target: Target, timeout: float):
        super().__init__(target.host, target.port, timeout=timeout)
        self._address = target.address

    def connect(self) -> None:
        self.sock = socket.create_connection((self._address, self.port), self.timeout)


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    def __init__(self, target: Target, timeout: float):
        super().__init__(target.host, target.port, timeout=timeout, context=ssl.create_default_context())
        self._address = target.address
        self._context = ssl.create_default_context()

    def connect(self) -> None:
        raw = socket.create_connection((self._address, self.port), self.timeout)
        self.sock = self._context.wrap_socket(raw, server_hostname=self.host)


def post(
    url: str,
    body: bytes,
    *,
    headers: dict[str, str] | None = None,
    allow_private: bool = False,
    timeout: float = DEFAULT_TIMEOUT,
) -> Answer:
    """POST ``body`` to ``url`` after ``check_url``; no redirect is followed. Raises ``EgressRefusedError`` for a
    refused URL and ``OSError`` (timeouts, refused connections, TLS failures) for a failed call."""
    target = check_url(url, allow_private=allow_private)
    connection: http.client.HTTPConnection
    if target.scheme == "https":
        connection = _PinnedHTTPSConnection(target, timeout)
    else:
        connection = _PinnedHTTPConnection(target, timeout)
    sent = {"User-Agent": "Sanfu-Webhooks/1", "Content-Type": "application/json", **(headers or {})}
    try:
        connection.request("POST", target.path, body=body, headers=sent)
        response = connection.getresponse()
        payload = response.read(MAX_RESPONSE_BYTES)
        return Answer(status=response.status, body=payload, headers={k.lower(): v for k, v in response.getheaders()})
    except http.client.HTTPException as exc:
        raise OSError(str(exc) or type(exc).__name__) from exc
    finally:
        connection.close()
