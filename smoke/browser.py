"""Talking to a deployment as a browser does, every WebSocket message counted.

A WebSocket library's own User-Agent (`Python/3.x websockets/…`) is rightly judged a bot's,
and a bot's view is tallied apart and pushed nothing: every request here carries a current
desktop browser's. Like a browser, no connection sends pings (API Gateway's idle timeout is
far off in a run this short), so the messages counted are the frames of the wire contract.
"""

from __future__ import annotations

import asyncio
import contextlib
import http.client
import json
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

CHROME = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/143.0.0.0 Safari/537.36"
)
# Another browser: another visitor on the same machine (a visitor is its address and User-Agent).
FIREFOX = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:146.0) Gecko/20100101 Firefox/146.0"
HTTP_TIMEOUT_SECONDS = 15.0


class Refused(Exception):
    """The handshake was answered with an HTTP status instead of 101."""

    def __init__(self, status: int) -> None:
        super().__init__(f"HTTP {status}")
        self.status = status


class Unreachable(Exception):
    """No handshake happened at all: the message says why."""


@dataclass
class Tally:
    """The WebSocket messages of a run: what API Gateway's MessageCount sees of it."""

    sent: int = 0
    received: int = 0

    @property
    def total(self) -> int:
        return self.sent + self.received


@dataclass
class Socket:
    """An open WebSocket; every frame it receives is kept, in order, as it comes."""

    connection: Any
    tally: Tally
    frames: list[dict[str, Any]] = field(default_factory=list)
    # Why the connection ended, once it has: the close code and reason.
    closed: str | None = None
    _arrived: asyncio.Event = field(default_factory=asyncio.Event)
    _reader: asyncio.Task | None = None

    def start(self) -> None:
        self._reader = asyncio.get_running_loop().create_task(self._read())

    async def _read(self) -> None:
        from websockets.exceptions import ConnectionClosed

        try:
            async for message in self.connection:
                self.tally.received += 1
                try:
                    frame = json.loads(message)
                except ValueError:
                    frame = {"unparsed": str(message)}
                self.frames.append(frame if isinstance(frame, dict) else {"unparsed": frame})
                self._arrived.set()
        except ConnectionClosed:
            pass
        finally:
            self.closed = self._close_reason()
            self._arrived.set()

    def _close_reason(self) -> str:
        code, reason = self.connection.close_code, self.connection.close_reason
        return f"closed with {code}" + (f" {reason}" if reason else "") if code is not None else "closed"

    async def send(self, frame: dict[str, Any]) -> int:
        """Send a frame; the number of frames received so far, to wait for what comes after.
        On a closed connection nothing is sent, and nothing will come."""
        from websockets.exceptions import ConnectionClosed

        mark = len(self.frames)
        try:
            await self.connection.send(json.dumps(frame))
        except ConnectionClosed:
            self.closed = self._close_reason()
            return mark
        self.tally.sent += 1
        return mark

    def nothing(self, timeout: float) -> str:
        """What came instead of an awaited frame."""
        return f"the connection {self.closed}" if self.closed else f"nothing in {timeout:g} s"

    async def frame(
        self, predicate: Callable[[dict[str, Any]], bool], timeout: float, after: int = 0
    ) -> dict[str, Any] | None:
        """The first frame from index `after` on that `predicate` accepts; None if none comes
        within `timeout` seconds (or the connection closes)."""
        deadline = time.monotonic() + timeout
        seen = after
        while True:
            for frame in self.frames[seen:]:
                if predicate(frame):
                    return frame
            seen = len(self.frames)
            remaining = deadline - time.monotonic()
            if remaining <= 0 or (self._reader is not None and self._reader.done()):
                return None
            self._arrived.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._arrived.wait(), remaining)

    async def close(self) -> None:
        await self.connection.close()
        if self._reader is not None:
            await self._reader


async def open_socket(url: str, origin: str, user_agent: str, tally: Tally, timeout: float) -> Socket:
    """A WebSocket from a page of `origin`; Refused with the status of a refused handshake,
    Unreachable when there was none."""
    from websockets.asyncio.client import connect
    from websockets.exceptions import InvalidStatus, WebSocketException

    try:
        connection = await connect(
            url, origin=origin, user_agent_header=user_agent, ping_interval=None, open_timeout=timeout
        )  # type: ignore[arg-type]
    except InvalidStatus as refused:
        raise Refused(refused.response.status_code) from None
    except (OSError, TimeoutError, WebSocketException) as error:
        raise Unreachable(f"{type(error).__name__}: {error}") from None
    socket = Socket(connection, tally)
    socket.start()
    return socket


@dataclass(frozen=True)
class Answer:
    status: int  # 0: no answer at all (`error` says why)
    headers: dict[str, str]
    body: bytes
    error: str = ""

    def json(self) -> Any:
        try:
            return json.loads(self.body) if self.body else None
        except ValueError:
            return None

    def header(self, name: str) -> str:
        """A header of the answer by its case-insensitive name; empty when it has none."""
        return next((value for key, value in self.headers.items() if key.lower() == name.lower()), "")

    def describe(self) -> str:
        if not self.status:
            return f"no answer ({self.error})"
        body = self.body[:200].decode(errors="replace")
        return f"{self.status} {body}".strip()


def request(
    method: str,
    url: str,
    *,
    origin: str | None = None,
    body: Any = None,
    headers: dict[str, str] | None = None,
    user_agent: str = CHROME,
) -> Answer:
    """An HTTP request as a browser's page makes it: a JSON body goes as text/plain (as a
    beacon's does), so no preflight is needed."""
    sent = {"User-Agent": user_agent, **({"Origin": origin} if origin else {}), **(headers or {})}
    data = None
    if body is not None:
        data = json.dumps(body).encode()
        sent.setdefault("Content-Type", "text/plain;charset=UTF-8")
    prepared = urllib.request.Request(url, data=data, method=method, headers=sent)
    try:
        with urllib.request.urlopen(prepared, timeout=HTTP_TIMEOUT_SECONDS) as response:
            return Answer(response.status, dict(response.headers), response.read())
    except urllib.error.HTTPError as error:
        return Answer(error.code, dict(error.headers), error.read())
    except (urllib.error.URLError, http.client.HTTPException, OSError, ValueError) as error:
        return Answer(0, {}, b"", f"{type(error).__name__}: {error}")
