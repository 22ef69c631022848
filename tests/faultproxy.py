"""A fault-injecting HTTP proxy between talkparse and a real test wiki (stdlib only).

``FaultProxy(wiki.api)`` listens on 127.0.0.1 (a free port) and forwards every request to the
real MediaWiki; give ``proxy.api`` as ``--wiki``. :meth:`FaultProxy.inject` picks what it does:

=================  ==========================================================================
``pass``           forward the request, return the wiki's answer unchanged (the default)
``slow``           wait ``delay`` seconds before answering (then forward)
``truncate``       forward, then send the headers (with the full Content-Length) and only the
                   first part of the body, and close the connection
``truncate-eof``   the same, but without Content-Length: the body simply ends early
``status``         answer ``status`` (500, 503...) with ``Retry-After`` without forwarding,
                   as a front-end cache does when the application servers are overloaded
``maxlag``         forward with a header that makes the wiki report ``lag`` seconds of
                   database lag (see ``LAG_SETTINGS``): MediaWiki itself answers the API's
                   ``maxlag`` error with its Retry-After and X-Database-Lag headers, for
                   every request that carries ``maxlag``; ``retry_after`` replaces its
                   Retry-After by a test-sized one
``close``          read the request, close the connection without answering
``drip``           forward, then send the answer ``chunk`` bytes every ``delay`` seconds (each
                   read is quick, the whole answer takes minutes)
=================  ==========================================================================

``times=N`` applies the fault to the first N matching requests only, then passes through;
``match="Talk:Gizmo"`` limits it to requests whose parameters contain that text. When the wiki
behind is down the proxy answers 502 Bad Gateway, as a reverse proxy does. Every request is
recorded in :attr:`FaultProxy.seen` (time, parameters, what was done, status sent), and
:attr:`FaultProxy.on_request` is called with each as it arrives (to stop the wiki mid-run).
"""

from __future__ import annotations

import http.client
import http.server
import select
import socket
import socketserver
import threading
import time
import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

# Appended to the test wiki's LocalSettings.php (WIKI_EXTRA_SETTINGS): a request that carries
# this header sees that many seconds of database lag, through MediaWiki's own ApiMaxLagInfo hook.
LAG_HEADER = "X-Test-Database-Lag"
LAG_SETTINGS = Path(__file__).resolve().parent / "wiki" / "lag-settings.php"  # (tests/wiki.py adds it)

HOP_BY_HOP = {
    "connection", "keep-alive", "proxy-authenticate", "proxy-authorization", "te", "trailers",
    "transfer-encoding", "upgrade", "host", "content-length", "accept-encoding", "date", "server",
}
Headers = list[tuple[str, str]]


def header(headers: Headers, name: str) -> str | None:
    """The value of a header (the first, when there are several), or None."""
    return next((v for k, v in headers if k.lower() == name.lower()), None)


def _replace(headers: Headers, name: str, value: str) -> Headers:
    return [(k, v) for k, v in headers if k.lower() != name.lower()] + [(name, value)]
KINDS = ("pass", "slow", "truncate", "truncate-eof", "status", "maxlag", "close", "drip")


@dataclass
class Fault:
    """What the proxy does to matching requests."""

    kind: str = "pass"
    times: int | None = None  # only the first N matching requests; None: all of them
    match: str | None = None  # only requests whose decoded parameters contain this text
    delay: float = 0.0  # slow: seconds before answering; drip: seconds between pieces
    chunk: int = 16  # drip: bytes sent at a time
    status: int = 503  # status: the HTTP status sent
    retry_after: str | None = "1"  # status, maxlag: the Retry-After header (None: none / MediaWiki's)
    lag: int = 45  # maxlag: seconds of lag the wiki reports
    keep: float = 0.5  # truncate: the share of the body that is sent
    extra_headers: list[tuple[str, str]] = field(default_factory=list)  # added to forwarded answers


@dataclass
class Seen:
    """One request the proxy received."""

    time: float  # time.monotonic() when it arrived
    method: str
    params: dict[str, str]  # query string and form body
    done: str  # "pass", or the fault applied ("status 503", "maxlag", "upstream down", ...)
    status: int | None  # status sent; None when the connection was closed before any
    sent: int = 0  # drip: bytes of the body written so far
    size: int = 0  # drip: bytes of the whole body


class _Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    proxy: "FaultProxy"


class _Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - quiet
        pass

    def do_GET(self) -> None:  # noqa: N802
        self.server.proxy._handle(self)

    do_POST = do_GET


class FaultProxy:
    """A threaded proxy on 127.0.0.1 in front of the wiki at ``upstream`` (its api.php URL)."""

    def __init__(self, upstream: str) -> None:
        parts = urllib.parse.urlsplit(upstream)
        assert parts.hostname in ("127.0.0.1", "localhost", "::1"), "loopback wikis only"
        self.upstream_host = parts.hostname
        self.upstream_port = parts.port or 80
        self.fault = Fault()
        self.seen: list[Seen] = []
        self.on_request: Callable[[Seen], None] | None = None  # called as each request arrives
        self._hits = 0
        self._lock = threading.Lock()
        self._closing = threading.Event()
        self._server = _Server(("127.0.0.1", 0), _Handler)
        self._server.proxy = self
        self.port = self._server.server_address[1]
        self.api = f"http://127.0.0.1:{self.port}{parts.path}"
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05},
                                        daemon=True)
        self._thread.start()

    # --- control ---------------------------------------------------------------------------
    def inject(self, kind: str, **kw: object) -> FaultProxy:
        """Apply a fault from now on (``pass`` to stop); clears :attr:`seen`."""
        assert kind in KINDS, kind
        with self._lock:
            self.fault = Fault(kind, **kw)  # type: ignore[arg-type]
            self._hits = 0
            self.seen = []
        return self

    def faulted(self) -> list[Seen]:
        """The requests a fault was applied to."""
        return [s for s in self.seen if s.done != "pass"]

    def close(self) -> None:
        self._closing.set()
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> FaultProxy:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- one request -------------------------------------------------------------------------
    def _handle(self, h: _Handler) -> None:
        arrived = time.monotonic()
        length = int(h.headers.get("Content-Length") or 0)
        body = h.rfile.read(length) if length else b""
        query = urllib.parse.urlsplit(h.path).query
        params = dict(urllib.parse.parse_qsl(query, keep_blank_values=True))
        if body and "x-www-form-urlencoded" in h.headers.get("Content-Type", ""):
            params.update(urllib.parse.parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True))
        with self._lock:
            fault = self.fault
            applies = fault.kind != "pass" and (fault.match is None or fault.match in "\n".join(
                f"{k}={v}" for k, v in params.items()))
            if applies and fault.times is not None and self._hits >= fault.times:
                applies = False
            if applies and fault.kind != "maxlag":  # maxlag counts only the wiki's maxlag answers
                self._hits += 1
            seen = Seen(arrived, h.command, params, fault.kind if applies else "pass", None)
            self.seen.append(seen)
        if self.on_request is not None:
            self.on_request(seen)
        kind = fault.kind if applies else "pass"
        h.close_connection = True  # one request per connection keeps every fault simple

        if kind == "close":
            self._drop(h)
            return
        if kind == "status":
            seen.done = f"status {fault.status}"
            text = f"<html><body><h1>{fault.status} {http.client.responses.get(fault.status, '')}</h1>" \
                   "<p>Our servers are currently under maintenance or experiencing a technical " \
                   "problem.</p></body></html>\n"
            headers = [("Content-Type", "text/html; charset=utf-8")]
            if fault.retry_after is not None:
                headers.append(("Retry-After", fault.retry_after))
            self._send(h, seen, fault.status, headers, text.encode())
            return
        if kind == "slow" and (self._closing.wait(fault.delay) or self._client_gone(h)):
            self._drop(h)  # a client that timed out: its request never reaches the wiki
            return

        extra = {LAG_HEADER: str(fault.lag)} if kind == "maxlag" else {}
        try:
            status, headers, data = self._forward(h, body, extra)
        except OSError:
            seen.done = "upstream down"
            self._send(h, seen, 502, [("Content-Type", "text/html")],
                       b"<html><body><h1>502 Bad Gateway</h1></body></html>\n")
            return
        if kind == "maxlag":
            if header(headers, "MediaWiki-API-Error") == "maxlag":
                with self._lock:
                    self._hits += 1
                if fault.retry_after is not None:
                    headers = _replace(headers, "Retry-After", fault.retry_after)
            else:
                seen.done = "pass"  # a request without maxlag (siteinfo): the wiki answered it
        headers = headers + fault.extra_headers
        if kind in ("truncate", "truncate-eof"):
            cut = data[: int(len(data) * fault.keep)]
            seen.status = status
            try:
                self._start(h, status, headers, len(data) if kind == "truncate" else None)
                h.wfile.write(cut)
                h.wfile.flush()
            except OSError:
                pass
            self._drop(h)
            return
        if kind == "drip":
            self._drip(h, seen, status, headers, data, fault)
            return
        self._send(h, seen, status, headers, data)

    def _drip(self, h: _Handler, seen: Seen, status: int, headers: Headers, data: bytes,
              fault: Fault) -> None:
        seen.status, seen.size = status, len(data)
        try:
            self._start(h, status, headers, len(data))
            h.wfile.flush()
            for at in range(0, len(data), fault.chunk):
                if self._closing.wait(fault.delay) or self._client_gone(h):
                    break
                h.wfile.write(data[at : at + fault.chunk])
                h.wfile.flush()
                seen.sent = min(len(data), at + fault.chunk)
        except OSError:  # the client gave up
            pass
        self._drop(h)

    def _forward(self, h: _Handler, body: bytes, extra: dict[str, str]) -> tuple[int, Headers, bytes]:
        conn = http.client.HTTPConnection(self.upstream_host, self.upstream_port, timeout=60)
        try:
            headers = {k: v for k, v in h.headers.items() if k.lower() not in HOP_BY_HOP}
            headers.update(extra)
            conn.request(h.command, h.path, body=body or None, headers=headers)
            resp = conn.getresponse()
            data = resp.read()
            out = [(k, v) for k, v in resp.getheaders() if k.lower() not in HOP_BY_HOP]
            return resp.status, out, data
        finally:
            conn.close()

    @staticmethod
    def _send(h: _Handler, seen: Seen, status: int, headers: Headers, data: bytes) -> None:
        seen.status = status
        try:
            FaultProxy._start(h, status, headers, len(data))
            h.wfile.write(data)
        except OSError:  # the client gave up (a timeout): nothing to tell it
            pass

    @staticmethod
    def _start(h: _Handler, status: int, headers: Headers, length: int | None) -> None:
        """Send the status line and headers (Content-Length unless ``length`` is None)."""
        h.send_response(status)
        for k, v in headers:
            h.send_header(k, v)
        if length is not None:
            h.send_header("Content-Length", str(length))
        h.send_header("Connection", "close")
        h.end_headers()

    @staticmethod
    def _client_gone(h: _Handler) -> bool:
        try:
            ready, _, _ = select.select([h.connection], [], [], 0)
            return bool(ready) and h.connection.recv(1, socket.MSG_PEEK) == b""
        except OSError:
            return True

    @staticmethod
    def _drop(h: _Handler) -> None:
        h.close_connection = True
        try:
            h.wfile.flush()
            h.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
