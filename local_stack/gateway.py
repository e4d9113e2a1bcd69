"""An emulated API Gateway WebSocket API: routing, events, limits and the @connections API.

It behaves as API Gateway does where the handlers can tell: route selection on
`$request.body.message`, events shaped like API Gateway's, a `$connect` Lambda authorizer
(401 without its identity header, 403 on Deny, its context on every later event), a
non-2xx `$connect` answer refuses the handshake with that status, a mock integration that
admits, route responses for routes that have them,
128 KB frames (1009 above), the 10-minute idle timeout and the 2-hour limit, and a
management API that answers 410 for a closed or unknown connection.
"""

from __future__ import annotations

import asyncio
import base64
import json
import os
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

from websockets.asyncio.server import ServerConnection, serve
from websockets.exceptions import ConnectionClosed
from websockets.http11 import Request, Response

from local_stack import clock
from local_stack.functions import ACCOUNT_ID, REGION, LocalFunction
from viewcount_infra.topology import AUTHORIZER_IDENTITY_HEADER, ROUTE_SELECTION_EXPRESSION, ROUTES

MAX_FRAME_BYTES = 128 * 1024
API_ID = "local"
assert ROUTE_SELECTION_EXPRESSION == "$request.body.message"  # the only expression emulated


@dataclass(frozen=True)
class GatewayLimits:
    idle_timeout_seconds: float = 600.0
    max_connection_seconds: float = 7200.0


@dataclass
class GatewayStats:
    """What API Gateway bills: messages in and out (per 32 KB), connection time, and the HTTP
    API's requests (local_stack.http_api; its CORS preflights are not billed)."""

    messages_in: int = 0
    messages_out: int = 0
    # `GET @connections`: whether API Gateway bills it as a message is not confirmed.
    probes: int = 0
    connections: int = 0
    connection_seconds: float = 0.0
    http_requests: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def add(self, **amounts: float) -> None:
        with self.lock:
            for name, amount in amounts.items():
                setattr(self, name, getattr(self, name) + amount)


def billed_messages(size: int) -> int:
    return max(1, -(-size // (32 * 1024)))


@dataclass
class OpenConnection:
    connection_id: str
    websocket: ServerConnection
    connected_at_ms: int
    source_ip: str
    user_agent: str
    last_active: float = field(default_factory=time.monotonic)
    authorizer: dict[str, Any] | None = None  # principalId and context, on every later event


class Gateway:
    def __init__(
        self,
        functions: dict[str, LocalFunction],
        *,
        stage: str,
        host: str,
        port: int,
        management_port: int,
        limits: GatewayLimits = GatewayLimits(),
    ) -> None:
        self.routes = {
            route.route_key: (route, functions[route.function.name] if route.function else None) for route in ROUTES
        }
        self.authorizers = {
            route.route_key: functions[route.authorizer.name] for route in ROUTES if route.authorizer is not None
        }
        self.stage = stage
        self.host = host
        self.port = port
        self.management_port = management_port
        self.limits = limits
        self.connections: dict[str, OpenConnection] = {}
        self.stats = GatewayStats()
        self.loop: asyncio.AbstractEventLoop | None = None
        self._management: ThreadingHTTPServer | None = None

    @property
    def domain_name(self) -> str:
        return f"{self.host}:{self.port}"

    @property
    def management_endpoint(self) -> str:
        return f"http://{self.host}:{self.management_port}/{self.stage}"

    # ---- events ------------------------------------------------------------------

    def _request_context(self, route_key: str, event_type: str, connection: OpenConnection, **extra: Any) -> dict:
        now = clock.now()  # real time, unless a test shifts it (local_stack/clock.py)
        request_id = base64.b64encode(os.urandom(6)).decode()
        context = {
            "routeKey": route_key,
            "eventType": event_type,
            "extendedRequestId": request_id,
            "requestTime": time.strftime("%d/%b/%Y:%H:%M:%S +0000", time.gmtime(now)),
            "messageDirection": "IN",
            "stage": self.stage,
            "connectedAt": connection.connected_at_ms,
            "requestTimeEpoch": int(now * 1000),
            # Only the handshake tells the User-Agent; later events carry the source IP alone.
            "identity": {"sourceIp": connection.source_ip}
            | ({"userAgent": connection.user_agent} if event_type == "CONNECT" else {}),
            "requestId": request_id,
            "domainName": self.domain_name,
            "connectionId": connection.connection_id,
            "apiId": API_ID,
        }
        if connection.authorizer is not None:
            context["authorizer"] = connection.authorizer
        context.update(extra)
        return context

    async def _invoke(self, function: LocalFunction, event: dict[str, Any]) -> Any:
        assert self.loop is not None
        return await self.loop.run_in_executor(None, function.invoke, event)

    # ---- $connect ----------------------------------------------------------------

    async def _process_request(self, websocket: ServerConnection, request: Request) -> Response | None:
        connection = OpenConnection(
            connection_id=base64.b64encode(os.urandom(12)).decode()[:15] + "=",
            websocket=websocket,
            connected_at_ms=int(clock.now() * 1000),
            source_ip=str(websocket.remote_address[0]) if websocket.remote_address else "127.0.0.1",
            user_agent=request.headers.get("User-Agent", ""),
        )
        query = dict(parse_qsl(urlsplit(request.path).query))
        headers = {name: value for name, value in request.headers.raw_items()}
        multi_headers: dict[str, list[str]] = {}
        for name, value in request.headers.raw_items():
            multi_headers.setdefault(name, []).append(value)
        event = {
            "headers": headers,
            "multiValueHeaders": multi_headers,
            "requestContext": self._request_context("$connect", "CONNECT", connection),
            "isBase64Encoded": False,
        }
        if query:
            event["queryStringParameters"] = query
            event["multiValueQueryStringParameters"] = {key: [value] for key, value in query.items()}
        status = await self._authorize(connection, event)
        _, function = self.routes["$connect"]
        if status == 200 and function is not None:
            try:
                result = await self._invoke(function, event)
                status = int((result or {}).get("statusCode", 200))
            except Exception:
                status = 500
        if not 200 <= status < 300:
            return websocket.respond(status, f"{HTTPStatus(status).phrase}\n")
        websocket.viewcount = connection  # type: ignore[attr-defined]
        return None

    async def _authorize(self, connection: OpenConnection, connect_event: dict[str, Any]) -> int:
        """Run the `$connect` authorizer as API Gateway does; the status the handshake gets."""
        authorizer = self.authorizers.get("$connect")
        if authorizer is None:
            return 200
        headers = connect_event["headers"]
        if not any(name.lower() == AUTHORIZER_IDENTITY_HEADER.lower() for name in headers):
            return 401
        event = {
            "type": "REQUEST",
            "methodArn": f"arn:aws:execute-api:{REGION}:{ACCOUNT_ID}:{API_ID}/{self.stage}/$connect",
            **{key: value for key, value in connect_event.items() if key != "isBase64Encoded"},
            "stageVariables": {},
        }
        try:
            answer = await self._invoke(authorizer, event)
            statements = answer["policyDocument"]["Statement"]
            effects = {statement["Effect"] for statement in statements}
        except Exception as error:
            print(f"viewcount-local: $connect authorizer failed: {error!r}", flush=True)
            return 500
        if effects != {"Allow"}:
            return 403
        connection.authorizer = {"principalId": answer.get("principalId", ""), **(answer.get("context") or {})}
        return 200

    # ---- messages and $disconnect -------------------------------------------------

    def _select_route(self, frame: str | bytes) -> str:
        if isinstance(frame, bytes):
            return "$default"
        try:
            parsed = json.loads(frame)
        except ValueError:
            return "$default"
        message = parsed.get("message") if isinstance(parsed, dict) else None
        if isinstance(message, str) and message in self.routes and not message.startswith("$"):
            return message
        return "$default"

    async def _serve_connection(self, websocket: ServerConnection) -> None:
        connection: OpenConnection = websocket.viewcount  # type: ignore[attr-defined]
        self.connections[connection.connection_id] = connection
        self.stats.add(connections=1)
        opened = time.monotonic()
        try:
            while True:
                deadline = min(
                    connection.last_active + self.limits.idle_timeout_seconds,
                    opened + self.limits.max_connection_seconds,
                )
                try:
                    frame = await asyncio.wait_for(websocket.recv(), timeout=max(0.0, deadline - time.monotonic()))
                except TimeoutError:
                    await websocket.close(1001, "Going away")
                    break
                connection.last_active = time.monotonic()
                size = len(frame.encode() if isinstance(frame, str) else frame)
                self.stats.add(messages_in=billed_messages(size))
                await self._on_message(connection, frame)
        except ConnectionClosed:
            pass
        finally:
            self.connections.pop(connection.connection_id, None)
            self.stats.add(connection_seconds=time.monotonic() - opened)
            if "$disconnect" in self.routes:  # as in API Gateway: no route, no invocation
                await self._disconnected(connection, websocket.close_code or 1006, websocket.close_reason or "")

    async def _disconnected(self, connection: OpenConnection, close_code: int, reason: str) -> None:
        event = {
            "requestContext": self._request_context(
                "$disconnect", "DISCONNECT", connection, disconnectStatusCode=close_code, disconnectReason=reason
            ),
            "isBase64Encoded": False,
        }
        _, function = self.routes["$disconnect"]
        assert function is not None
        try:
            await self._invoke(function, event)
        except Exception as error:  # the connection is gone either way; say so
            print(f"viewcount-local: $disconnect failed: {error!r}", flush=True)

    async def _on_message(self, connection: OpenConnection, frame: str | bytes) -> None:
        route_key = self._select_route(frame)
        route, function = self.routes[route_key]
        assert function is not None  # only `$connect` may have a mock integration
        is_binary = isinstance(frame, bytes)
        event = {
            "requestContext": self._request_context(
                route_key, "MESSAGE", connection, messageId=base64.b64encode(uuid.uuid4().bytes[:12]).decode()
            ),
            "body": base64.b64encode(frame).decode() if is_binary else frame,
            "isBase64Encoded": is_binary,
        }
        try:
            result = await self._invoke(function, event)
        except Exception as error:
            # API Gateway answers an integration failure with this frame.
            print(f"viewcount-local: {route_key} failed: {error!r}", flush=True)
            await self._send(
                connection, json.dumps({"message": "Internal server error", "connectionId": connection.connection_id})
            )
            return
        if route.return_response and isinstance(result, dict) and result.get("body") is not None:
            await self._send(connection, str(result["body"]))

    async def _send(self, connection: OpenConnection, data: str | bytes) -> None:
        await connection.websocket.send(data)
        self.stats.add(messages_out=billed_messages(len(data.encode() if isinstance(data, str) else data)))

    # ---- management API (@connections) -------------------------------------------

    def _management_handler(self) -> type[BaseHTTPRequestHandler]:
        gateway = self
        prefix = f"/{self.stage}/@connections/"

        class ManagementApi(BaseHTTPRequestHandler):
            # Keep-alive, as API Gateway's endpoint has: every push used to open a TCP
            # connection and start a server thread, under the AWS lock.
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:  # quiet: the gateway is not a web server log
                return

            def _connection(self) -> OpenConnection | None:
                if not self.path.startswith(prefix):
                    self._answer(404, {"message": "Not Found"})
                    return None
                connection = gateway.connections.get(unquote(self.path[len(prefix) :]))
                if connection is None:
                    self._answer(410, {"message": "Gone"}, error_type="GoneException")
                return connection

            def _answer(self, status: int, body: dict | None = None, error_type: str | None = None) -> None:
                data = json.dumps(body).encode() if body is not None else b""
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                if error_type:
                    self.send_header("x-amzn-ErrorType", error_type)
                self.end_headers()
                self.wfile.write(data)

            def _on_loop(self, coroutine: Any) -> bool:
                assert gateway.loop is not None
                try:
                    asyncio.run_coroutine_threadsafe(coroutine, gateway.loop).result(timeout=10)
                except (ConnectionClosed, RuntimeError, TimeoutError):
                    return False
                return True

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", "0"))
                data = self.rfile.read(length)
                connection = self._connection()
                if connection is None:
                    return
                if len(data) > MAX_FRAME_BYTES:
                    self._answer(413, {"message": "Payload Too Large"}, error_type="PayloadTooLargeException")
                elif self._on_loop(gateway._send(connection, data.decode("utf-8", errors="replace"))):
                    self._answer(200)
                else:
                    self._answer(410, {"message": "Gone"}, error_type="GoneException")

            def do_GET(self) -> None:
                gateway.stats.add(probes=1)
                connection = self._connection()
                if connection is not None:
                    self._answer(
                        200,
                        {
                            "connectedAt": time.strftime(
                                "%Y-%m-%dT%H:%M:%SZ", time.gmtime(connection.connected_at_ms / 1000)
                            ),
                            "identity": {"sourceIp": connection.source_ip, "userAgent": connection.user_agent},
                            "lastActiveAt": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
                        },
                    )

            def do_DELETE(self) -> None:
                connection = self._connection()
                if connection is not None:
                    self._on_loop(connection.websocket.close(1000, "Deleted"))
                    self._answer(204)

        return ManagementApi

    # ---- lifecycle ---------------------------------------------------------------

    async def serve(self, ready: Callable[[], None] | None = None, stop: asyncio.Event | None = None) -> None:
        self.loop = asyncio.get_running_loop()
        self._management = ThreadingHTTPServer((self.host, self.management_port), self._management_handler())
        self._management.daemon_threads = True
        threading.Thread(target=self._management.serve_forever, name="management-api", daemon=True).start()
        try:
            async with serve(
                self._serve_connection,
                self.host,
                self.port,
                process_request=self._process_request,
                max_size=MAX_FRAME_BYTES,
                # API Gateway does not ping clients; its idle timeout is enforced above.
                ping_interval=None,
                # $connect waits its turn at moto like every invocation; under load that can
                # take longer than websockets' default 10 s, which API Gateway does not impose.
                open_timeout=60,
                server_header="viewcount-local",
            ):
                if ready:
                    ready()
                await (stop or asyncio.Event()).wait()
        finally:
            self._management.shutdown()
            self._management.server_close()
