"""The HTTP API's answers: JSON bodies in the wire contract's frames, and CORS for the site.

Browsers send `Origin` on the beacon and on a cross-origin `fetch`; an answer names that
origin in `Access-Control-Allow-Origin` only when it is one of the sites' (the handlers refuse
any other with 403 first), so no other page can read the counts. API Gateway's own CORS
setting (infra) answers preflights with the same origins.
"""

from __future__ import annotations

from typing import Any

from viewcount.wire import encode_frame, error_frame

# Counts change with every view, and a beacon page reads them twice within seconds.
NO_STORE = {"Cache-Control": "no-store"}
# A public counter or badge: anyone may cache it for five minutes.
PUBLIC_CACHE = {"Cache-Control": "public, max-age=300"}


def cors_headers(origin: str) -> dict[str, str]:
    return {"Access-Control-Allow-Origin": origin, "Vary": "Origin"}


def answer(status: int, origin: str, frame: dict[str, Any] | None = None) -> dict[str, Any]:
    """An HTTP API (payload 2.0) response to a site's page, with its frame as JSON (or no body)."""
    if frame is not None:
        return json_answer(status, origin, frame)
    return {"statusCode": status, "headers": {**cors_headers(origin), **NO_STORE}}


def json_answer(
    status: int, origin: str | None, body: dict[str, Any], cache: dict[str, str] = NO_STORE
) -> dict[str, Any]:
    """A JSON answer; with CORS for `origin` when the request came from an origin allowed to read it."""
    headers = {**(cors_headers(origin) if origin else {}), **cache, "Content-Type": "application/json"}
    return {"statusCode": status, "headers": headers, "body": encode_frame(body).decode()}


def refusal(status: int, origin: str | None, code: str, detail: str) -> dict[str, Any]:
    """An error frame with its stable code (viewcount.errors), as the WebSocket sends one;
    with CORS for `origin` as json_answer gives it."""
    return json_answer(status, origin, error_frame(code, detail))


def forbidden() -> dict[str, Any]:
    """A missing or foreign Origin: no CORS headers, so a browser shows the page nothing.
    The body is API Gateway's own for a refused request."""
    return {
        "statusCode": 403,
        "headers": {"Content-Type": "application/json", **NO_STORE},
        "body": '{"message":"Forbidden"}',
    }
