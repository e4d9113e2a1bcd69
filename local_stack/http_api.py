"""An emulated API Gateway HTTP API: the `$default` stage's routes of the topology, events in
payload format 2.0, and CORS preflights answered for the sites' origins, as the deployed API's
CORS setting does.

It runs the same handlers as AWS, through the same emulated pipeline (SNS, SQS, the stream).
Like API Gateway, it lower-cases header names and joins repeated ones with commas, keeps the
raw query string, base64-encodes a body that is not text, answers a route it does not have
with 404 and a function that fails with 500.
"""

from __future__ import annotations

import base64
import json
import os
import threading
import time
from collections.abc import Mapping
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from local_stack import clock
from local_stack.functions import ACCOUNT_ID, LocalFunction
from local_stack.gateway import GatewayStats
from viewcount_infra.topology import HTTP_CORS_HEADERS, HTTP_CORS_MAX_AGE_SECONDS, HTTP_CORS_METHODS, HTTP_ROUTES

API_ID = "localhttp"
STAGE = "$default"
# API Gateway's payload limit for HTTP APIs.
MAX_BODY_BYTES = 10 * 1024 * 1024
_TEXT_TYPES = ("text/", "application/json", "application/x-www-form-urlencoded")


def http_event(
    method: str,
    target: str,
    headers: list[tuple[str, str]],
    body: bytes,
    source_ip: str,
    domain_name: str,
) -> dict[str, Any]:
    """A payload format 2.0 event, as API Gateway hands it to a Lambda proxy integration."""
    parts = urlsplit(target)
    joined: dict[str, str] = {}
    for name, value in headers:
        name = name.lower()
        joined[name] = f"{joined[name]},{value}" if name in joined else value
    now = clock.now()  # real time, unless a test shifts it (local_stack/clock.py)
    route_key = f"{method} {parts.path}"
    event: dict[str, Any] = {
        "version": "2.0",
        "routeKey": route_key,
        "rawPath": parts.path,
        "rawQueryString": parts.query,
        "headers": joined,
        "requestContext": {
            "accountId": ACCOUNT_ID,
            "apiId": API_ID,
            "domainName": domain_name,
            "domainPrefix": domain_name.split(".", 1)[0],
            "http": {
                "method": method,
                "path": parts.path,
                "protocol": "HTTP/1.1",
                "sourceIp": source_ip,
                "userAgent": joined.get("user-agent", ""),
            },
            "requestId": base64.b64encode(os.urandom(10)).decode(),
            "routeKey": route_key,
            "stage": STAGE,
            "time": time.strftime("%d/%b/%Y:%H:%M:%S +0000", time.gmtime(now)),
            "timeEpoch": int(now * 1000),
        },
        "isBase64Encoded": False,
    }
    if parts.query:
        query: dict[str, str] = {}
        for name, value in parse_qsl(parts.query, keep_blank_values=True):
            query[name] = f"{query[name]},{value}" if name in query else value
        event["queryStringParameters"] = query
    if body:
        if joined.get("content-type", "").lower().startswith(_TEXT_TYPES):
            event["body"] = body.decode("utf-8", errors="replace")
        else:
            event["body"], event["isBase64Encoded"] = base64.b64encode(body).decode(), True
    return event


class HttpApi:
    def __init__(
        self,
        functions: Mapping[str, LocalFunction],
        *,
        host: str,
        port: int,
        allowed_origins: frozenset[str],
        stats: GatewayStats,
    ) -> None:
        self.routes = {route.route_key: functions[route.function.name] for route in HTTP_ROUTES}
        self.host = host
        self.port = port
        self.allowed_origins = allowed_origins
        self.stats = stats
        self._server: ThreadingHTTPServer | None = None

    def cors(self, origin: str, headers: Mapping[str, str]) -> dict[str, str]:
        """As API Gateway answers a request of an API with CORS configured: it ignores the CORS
        headers the function returned, and names the request's origin when it is allowed."""
        answer = {name: value for name, value in headers.items() if not name.lower().startswith("access-control-")}
        if origin in self.allowed_origins:
            answer.update({"Access-Control-Allow-Origin": origin, "Vary": "Origin"})
        return answer

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        api = self

        class Requests(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            server_version = "viewcount-local"

            def log_message(self, *args: Any) -> None:
                return

            def _answer(self, status: int, headers: Mapping[str, str], body: bytes) -> None:
                self.send_response(status)
                for name, value in headers.items():
                    if name.lower() != "content-length":
                        self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def _message(self, status: int, message: str) -> None:
                body = json.dumps({"message": message}).encode()
                self._answer(status, {"Content-Type": "application/json"}, body)

            def do_OPTIONS(self) -> None:
                # A preflight is API Gateway's own answer: no route, no invocation, not billed.
                origin = self.headers.get("Origin", "")
                headers = api.cors(origin, {})
                if origin in api.allowed_origins:
                    headers.update(
                        {
                            "Access-Control-Allow-Methods": ",".join(HTTP_CORS_METHODS),
                            "Access-Control-Allow-Headers": ",".join(HTTP_CORS_HEADERS),
                            "Access-Control-Max-Age": str(HTTP_CORS_MAX_AGE_SECONDS),
                        }
                    )
                self._answer(204, headers, b"")

            def do_GET(self) -> None:
                self._route("GET")

            def do_POST(self) -> None:
                self._route("POST")

            def _route(self, method: str) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                if length > MAX_BODY_BYTES:
                    self._message(413, "Request Entity Too Large")
                    return
                body = self.rfile.read(length) if length else b""
                api.stats.add(http_requests=1)
                function = api.routes.get(f"{method} {urlsplit(self.path).path}")
                if function is None:
                    self._message(404, "Not Found")
                    return
                event = http_event(
                    method, self.path, self.headers.items(), body, self.client_address[0], f"{api.host}:{api.port}"
                )
                try:
                    result = function.invoke(event)
                except Exception as error:
                    print(f"viewcount-local: {event['routeKey']} failed: {error!r}", flush=True)
                    self._message(500, "Internal Server Error")
                    return
                self._answer(
                    int(result.get("statusCode", 200)),
                    api.cors(self.headers.get("Origin", ""), result.get("headers") or {}),
                    str(result.get("body") or "").encode(),
                )

        return Requests

    def start(self) -> None:
        self._server = ThreadingHTTPServer((self.host, self.port), self._handler())
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, name="http-api", daemon=True).start()

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
