"""Serve a static blog (the demo, or `--site PATH`) and the browser client at /viewcount.js.

In its HTML pages, `{{VIEWCOUNT_ENDPOINT}}` becomes the WebSocket API's URL and
`{{VIEWCOUNT_HTTP_ENDPOINT}}` the HTTP API's."""

from __future__ import annotations

import mimetypes
import posixpath
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

ROOT = Path(__file__).resolve().parent.parent
DEMO_BLOG = Path(__file__).resolve().parent / "demo_blog"
CLIENT_FILES = {
    "/viewcount.js": ROOT / "client" / "viewcount.js",
    "/viewcount.mjs": ROOT / "client" / "viewcount.mjs",
    # The name viewcount.js imports its HTTP fallback by (the deployed script is the minified one); the
    # source is served under it, so the local stack needs no build.
    "/viewcount-http.min.mjs": ROOT / "client" / "viewcount-http.mjs",
}
ENDPOINT_PLACEHOLDER = b"{{VIEWCOUNT_ENDPOINT}}"
# The HTTP API's URL, for a page whose client falls back to a beacon when its WebSocket is blocked.
HTTP_ENDPOINT_PLACEHOLDER = b"{{VIEWCOUNT_HTTP_ENDPOINT}}"


def resolve(site: Path, url_path: str) -> Path | None:
    """The file for a URL path: the file itself, `<path>.html` or `<path>/index.html`, inside the site."""
    clean = posixpath.normpath(unquote(urlsplit(url_path).path)).lstrip("/")
    base = (site / clean).resolve()
    if base != site and site not in base.parents:
        return None
    for candidate in (base, base.with_name(base.name + ".html"), base / "index.html"):
        if candidate.is_file():
            return candidate
    return None


def start_site(site: Path, host: str, port: int, ws_url: str, http_api_url: str = "") -> ThreadingHTTPServer:
    site = site.resolve()

    class Site(BaseHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:
            return

        def do_GET(self) -> None:
            path = urlsplit(self.path).path
            file = CLIENT_FILES.get(path) or resolve(site, path)
            if file is None or not file.is_file():
                self.send_error(404)
                return
            body = file.read_bytes()
            content_type = mimetypes.guess_type(file.name)[0] or "application/octet-stream"
            if file.suffix in (".js", ".mjs"):
                content_type = "text/javascript"
            if content_type == "text/html":
                body = body.replace(ENDPOINT_PLACEHOLDER, ws_url.encode())
                body = body.replace(HTTP_ENDPOINT_PLACEHOLDER, http_api_url.encode())
            self.send_response(200)
            self.send_header("Content-Type", f"{content_type}; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Cache-Control", "no-store")
            self.end_headers()
            self.wfile.write(body)

    server = ThreadingHTTPServer((host, port), Site)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, name="site", daemon=True).start()
    return server
