"""Outbound calls refuse what an attacker-supplied URL could use to reach inside (SSRF), and are pinned to the
address that was checked."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest

from sanfu.core import egress


class _Receiver(BaseHTTPRequestHandler):
    received: list[bytes] = []

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length", "0"))
        self.received.append(self.rfile.read(length))
        if self.path == "/moved":
            self.send_response(302)
            self.send_header("Location", "http://169.254.169.254/latest/meta-data/")
            self.end_headers()
            return
        self.send_response(204)
        self.end_headers()

    def log_message(self, format: str, *args: object) -> None:
        return


@pytest.fixture
def receiver() -> Iterator[str]:
    server = HTTPServer(("127.0.0.1", 0), _Receiver)
    _Receiver.received = []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1/hook",
        "http://localhost:8000/hook",
        "http://10.1.2.3/hook",
        "http://192.168.0.1/hook",
        "http://172.16.5.4/hook",
        "http://169.254.169.254/latest/meta-data/",
        "http://[::1]/hook",
        "http://[::ffff:127.0.0.1]/hook",
        "http://[fe80::1]/hook",
        "http://0.0.0.0/hook",
        "http://224.0.0.1/hook",
    ],
)
def test_inside_addresses_are_refused(url: str) -> None:
    with pytest.raises(egress.EgressRefusedError):
        egress.check_url(url)


@pytest.mark.parametrize(
    "url", ["ftp://example.cn/x", "file:///etc/passwd", "gopher://example.cn/", "http://user:pw@example.cn/", "x"]
)
def test_other_schemes_and_credentials_are_refused(url: str) -> None:
    with pytest.raises(egress.EgressRefusedError):
        egress.check_url(url)


def test_a_public_address_passes_and_is_pinned() -> None:
    target = egress.check_url("https://93.184.215.14:8443/hook?x=1")
    assert target.address == "93.184.215.14"
    assert target.port == 8443
    assert target.path == "/hook?x=1"


def test_an_allowed_private_endpoint_is_called_and_redirects_are_not_followed(receiver: str) -> None:
    with pytest.raises(egress.EgressRefusedError):
        egress.post(f"{receiver}/hook", b"{}")
    assert _Receiver.received == []
    answer = egress.post(f"{receiver}/hook", b'{"a":1}', allow_private=True)
    assert answer.status == 204
    assert _Receiver.received == [b'{"a":1}']
    moved = egress.post(f"{receiver}/moved", b"{}", allow_private=True)
    assert moved.status == 302  # told, not followed
    assert len(_Receiver.received) == 2


def test_a_closed_port_is_an_os_error() -> None:
    with pytest.raises(ConnectionRefusedError):
        egress.post("http://127.0.0.1:9/hook", b"{}", allow_private=True, timeout=2)
