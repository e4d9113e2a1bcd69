"""Stable error codes sent back to clients in error frames.

The codes are part of the wire contract: clients and dashboards match on them, so a
code is never renamed. The README lists them all.
"""

from __future__ import annotations

INVALID_JSON = "invalid_json"
UNKNOWN_ROUTE = "unknown_route"
MISSING_FIELD = "missing_field"
INVALID_FIELD = "invalid_field"
FIELD_TOO_LONG = "field_too_long"
INVALID_ARTICLE_ID = "invalid_article_id"
UNKNOWN_PAGE = "unknown_page"
TOO_MANY_IDS = "too_many_ids"
UNKNOWN_ARTICLE = "unknown_article"
RATE_LIMITED = "rate_limited"
UNAVAILABLE = "unavailable"
# The dashboard's API and connections.
UNAUTHORIZED = "unauthorized"
FORBIDDEN_SITE = "forbidden_site"
TOO_MANY_TRIES = "too_many_tries"
UNKNOWN_SITE = "unknown_site"
NOT_PUBLIC = "not_public"
WATCH_ONLY = "watch_only"

ALL_CODES = (
    INVALID_JSON,
    UNKNOWN_ROUTE,
    MISSING_FIELD,
    INVALID_FIELD,
    FIELD_TOO_LONG,
    INVALID_ARTICLE_ID,
    UNKNOWN_PAGE,
    TOO_MANY_IDS,
    UNKNOWN_ARTICLE,
    RATE_LIMITED,
    UNAVAILABLE,
    UNAUTHORIZED,
    FORBIDDEN_SITE,
    TOO_MANY_TRIES,
    UNKNOWN_SITE,
    NOT_PUBLIC,
    WATCH_ONLY,
)


class RejectedFrame(Exception):
    """A client frame that cannot be accepted; carries its stable code."""

    def __init__(self, code: str, detail: str) -> None:
        super().__init__(f"{code}: {detail}")
        self.code = code
        self.detail = detail
