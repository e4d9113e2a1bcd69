"""A stand-in for busuanzi's service, on 127.0.0.1: its JSONP endpoint as busuanzi's script
asks it, counting as busuanzi does, and the blog's sitemaps as static files.

`GET /busuanzi?jsonpCallback=<name>` with a page as `Referer` counts one view of the page
(by the Referer's path) and of the site, and one site visitor when the request carries no
`busuanziId` cookie (it then sets one), and answers
`try{<name>({"site_uv":..,"page_pv":..,"version":2.4,"site_pv":..});}catch(e){}`.
Every request is recorded, with when it started and ended, so tests can check the headers,
the callback and how many were open at once.
"""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

ENDPOINT = "/busuanzi"
COOKIE = "busuanziId"


@dataclass
class Recorded:
    """A request of the JSONP endpoint (the static files are not recorded)."""

    callback: str | None
    referer: str | None
    user_agent: str | None
    cookie: str | None
    started: float
    ended: float = 0.0


@dataclass
class BusuanziStandIn:
    page_pv: dict[str, int] = field(default_factory=dict)  # by the Referer's path
    site_pv: int = 0
    site_uv: int = 0
    delay: float = 0.0  # seconds each answer takes
    files: dict[str, bytes] = field(default_factory=dict)  # static files by path: sitemaps
    # Replaces the answer: (callback, what busuanzi would answer) -> (status, body).
    answer: Callable[[str, str], tuple[int, str]] | None = None
    requests: list[Recorded] = field(default_factory=list)
    most_open: int = 0
    port: int = 0
    _open: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def service(self) -> str:
        return self.base + ENDPOINT

    def handle(self, handler: BaseHTTPRequestHandler) -> None:
        parts = urlsplit(handler.path)
        if parts.path != ENDPOINT:
            body = self.files.get(parts.path)
            self._send(handler, 200 if body is not None else 404, body or b"not found", "application/xml")
            return
        callback = parse_qs(parts.query).get("jsonpCallback", [None])[0]
        cookie = handler.headers.get("Cookie")
        record = Recorded(callback, handler.headers.get("Referer"), handler.headers.get("User-Agent"), cookie, 0.0)
        with self._lock:
            record.started = time.monotonic()
            self.requests.append(record)
            self._open += 1
            self.most_open = max(self.most_open, self._open)
        try:
            time.sleep(self.delay)
            with self._lock:
                page = urlsplit(record.referer or "").path
                self.page_pv[page] = self.page_pv.get(page, 0) + 1
                self.site_pv += 1
                new_visitor = not (cookie and f"{COOKIE}=" in cookie)
                self.site_uv += new_visitor
                numbers = {"site_uv": self.site_uv, "page_pv": self.page_pv[page], "version": 2.4}
                numbers["site_pv"] = self.site_pv
            script = f"try{{{callback}({json.dumps(numbers, separators=(',', ':'))});}}catch(e){{}}"
            status, body = self.answer(callback or "", script) if self.answer else (200, script)
            headers = {"Set-Cookie": f"{COOKIE}=C0FFEE{len(self.requests)}; Path=/"} if new_visitor else {}
            self._send(handler, status, body.encode(), "application/javascript", headers)
        finally:
            with self._lock:
                self._open -= 1
                record.ended = time.monotonic()

    @staticmethod
    def _send(
        handler: BaseHTTPRequestHandler, status: int, body: bytes, kind: str, headers: dict[str, str] | None = None
    ) -> None:
        handler.send_response(status)
        handler.send_header("Content-Type", kind)
        handler.send_header("Content-Length", str(len(body)))
        for name, value in (headers or {}).items():
            handler.send_header(name, value)
        handler.end_headers()
        handler.wfile.write(body)


@contextmanager
def serving(standin: BusuanziStandIn) -> Iterator[BusuanziStandIn]:
    """The stand-in on a free port of 127.0.0.1 while the block runs."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            standin.handle(self)

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    standin.port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, name="busuanzi-standin", daemon=True)
    thread.start()
    try:
        yield standin
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def closed_port() -> int:
    """A port of 127.0.0.1 that nothing listens on (it was free a moment ago)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]
