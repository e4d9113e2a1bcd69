"""Serve the dashboard (`dist/dashboard/`, built by `node dashboard/build.mjs`) on its own origin.

Beside its files, `config.json` tells the page where the stack's APIs are:
`{"httpEndpoint": <HTTP API url>, "wsEndpoint": <WebSocket API url>}`. `/` is `index.html`;
any other path is a file of the build by its exact name, or 404. Nothing outside the build,
and no dotfile, is ever served.

The build is made when the stack starts if `dist/dashboard/index.html` is missing or older
than a file of `dashboard/` (`ensure_built`), one stack at a time (a lock), since the browser
tests start several stacks at once.
"""

from __future__ import annotations

import fcntl
import json
import mimetypes
import posixpath
import shutil
import subprocess
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

ROOT = Path(__file__).resolve().parent.parent
SOURCE = ROOT / "dashboard"
BUILD = ROOT / "dist" / "dashboard"
BUILD_TIMEOUT_SECONDS = 120
CONFIG_PATH = "/config.json"
# The types a browser must be told exactly (a module script is refused under any other); the rest
# come from mimetypes.
CONTENT_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".mjs": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".json": "application/json",
    ".map": "application/json",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".ico": "image/x-icon",
    ".webmanifest": "application/manifest+json",
    ".woff2": "font/woff2",
    ".txt": "text/plain; charset=utf-8",
}
# The page holds a key: it is never framed, sniffed, or named in a Referer.
SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
}


class DashboardBuildError(RuntimeError):
    """The dashboard could not be built; the message says why."""


def _source_files(source: Path) -> Iterator[Path]:
    for path in source.rglob("*"):
        if "node_modules" not in path.parts and path.is_file():
            yield path


def is_stale(source: Path = SOURCE, build: Path = BUILD) -> bool:
    """Whether the build is missing or older than a file of its source."""
    index = build / "index.html"
    if not index.is_file():
        return True
    built = index.stat().st_mtime
    return any(path.stat().st_mtime > built for path in _source_files(source))


def ensure_built(source: Path = SOURCE, build: Path = BUILD, node: str | None = None) -> bool:
    """Build the dashboard when its build is stale; whether it built. DashboardBuildError when
    it is stale and cannot be built (no source, no Node.js, a failed build)."""
    if not is_stale(source, build):
        return False
    script = source / "build.mjs"
    if not script.is_file():
        raise DashboardBuildError(f"{script} is missing")
    node = node or shutil.which("node")
    if node is None:
        raise DashboardBuildError("Node.js (node) is not installed: ./run_local.sh installs it")
    build.parent.mkdir(parents=True, exist_ok=True)
    # Several stacks may start at once (the browser tests): one builds, the others wait and
    # find it fresh.
    with open(build.parent / ".dashboard-build.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not is_stale(source, build):
            return False
        try:
            done = subprocess.run(
                [node, str(script)],
                cwd=source.parent,
                capture_output=True,
                text=True,
                timeout=BUILD_TIMEOUT_SECONDS,
                check=False,
            )
        except (OSError, subprocess.TimeoutExpired) as error:
            raise DashboardBuildError(f"node {script.relative_to(source.parent)} failed: {error}") from None
        if done.returncode != 0:
            output = (done.stderr or done.stdout).strip()[-2000:]
            raise DashboardBuildError(
                f"node {script.relative_to(source.parent)} exited with {done.returncode}:\n{output}"
            )
        if not (build / "index.html").is_file():
            raise DashboardBuildError(f"node {script.relative_to(source.parent)} made no {build / 'index.html'}")
        # Newer than every source file now, even if the build left an unchanged index.html as it was.
        (build / "index.html").touch()
    return True


def config_document(http_endpoint: str, ws_endpoint: str) -> bytes:
    return json.dumps({"httpEndpoint": http_endpoint, "wsEndpoint": ws_endpoint}).encode()


def resolve(build: Path, url_path: str) -> Path | None:
    """The file of the build a URL path names: `/` is index.html, any other path the file by its
    exact name; None for anything else (outside the build, a dotfile, a folder)."""
    path = unquote(urlsplit(url_path).path)
    if path == "/":
        path = "/index.html"
    if "\x00" in path or "\\" in path or not path.startswith("/"):
        return None
    parts = path.lstrip("/").split("/")
    if any(part in ("", ".", "..") or part.startswith(".") for part in parts):
        return None
    candidate = (build / posixpath.join(*parts)).resolve()
    root = build.resolve()
    if root not in candidate.parents or not candidate.is_file():
        return None
    return candidate


def content_type(file: Path) -> str:
    known = CONTENT_TYPES.get(file.suffix.lower())
    if known:
        return known
    guessed = mimetypes.guess_type(file.name)[0] or "application/octet-stream"
    return f"{guessed}; charset=utf-8" if guessed.startswith("text/") else guessed


def start_dashboard(
    host: str, port: int, http_endpoint: str, ws_endpoint: str, build: Path = BUILD, unavailable: str | None = None
) -> ThreadingHTTPServer:
    """Serve the build at http://host:port/. With `unavailable` (why it could not be built), every
    page answers 503 with that reason, and config.json is still served."""
    config = config_document(http_endpoint, ws_endpoint)

    class Dashboard(BaseHTTPRequestHandler):
        server_version = "viewcount-local"

        def log_message(self, *args: Any) -> None:
            return

        def _send(self, status: int, body: bytes, kind: str, cache: str, head: bool) -> None:
            self.send_response(status)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Cache-Control", cache)
            for name, value in SECURITY_HEADERS.items():
                self.send_header(name, value)
            self.end_headers()
            if not head:
                self.wfile.write(body)

        def _answer(self, head: bool) -> None:
            if urlsplit(self.path).path == CONFIG_PATH:
                self._send(200, config, CONTENT_TYPES[".json"], "no-store", head)
                return
            if unavailable is not None:
                reason = f"The dashboard is not built: {unavailable}\n".encode()
                self._send(503, reason, CONTENT_TYPES[".txt"], "no-store", head)
                return
            file = resolve(build, self.path)
            if file is None:
                self._send(404, b"Not found\n", CONTENT_TYPES[".txt"], "no-store", head)
                return
            # A rebuild shows at the next load: the browser asks again every time.
            self._send(200, file.read_bytes(), content_type(file), "no-cache", head)

        def do_GET(self) -> None:
            self._answer(head=False)

        def do_HEAD(self) -> None:
            self._answer(head=True)

    server = ThreadingHTTPServer((host, port), Dashboard)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, name="dashboard", daemon=True).start()
    return server
