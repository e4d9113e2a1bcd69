"""The wire contract: parse and validate client frames, and shape the frames sent back.

Clients send the original project's messages unchanged, so field names are matched
case-insensitively (as Go's JSON decoder did) and optional fields may be absent.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlsplit

from viewcount import errors
from viewcount.errors import RejectedFrame
from viewcount.pages import Page

MAX_ARTICLE_ID = 128
MAX_TITLE = 256
MAX_URL = 2048
MAX_COUNT_IDS = 100
ARTICLE_ID_PATTERN = re.compile(r"[A-Za-z0-9._~-]+")
# Campaign tags counted per page; every other query parameter of a page is discarded.
CAMPAIGN_PARAMETERS = ("utm_source", "utm_medium", "utm_campaign")
MAX_CAMPAIGN_VALUE = 64
_CAMPAIGN_VALUE = re.compile(r"[a-z0-9._~+ -]+")
# A client-made id of one view (`viewId`): random, so that a resend of the view (over the next
# socket, or by beacon) is recognised as the same view downstream.
CLIENT_VIEW_ID_PATTERN = re.compile(r"[A-Za-z0-9_-]{8,64}")
# Internationalised names are allowed (a browser sends them in punycode, but not every client).
_HOST_NAME = re.compile(r"[\w.-]+")


@dataclass(frozen=True)
class ViewMessage:
    current_page: str
    article_id: str | None
    article_title: str | None
    previous_page: str | None
    referrer: str | None
    refreshed: bool
    gpc: bool
    webdriver: bool  # the browser says it is driven by automation (navigator.webdriver)
    # The newer client's word: true on an article, false elsewhere; None from an original client.
    article: bool | None = None
    # The client's id of this view (CLIENT_VIEW_ID_PATTERN); None from a client that sends none.
    view_id: str | None = None


def parse_frame(body: str | bytes | None) -> dict[str, Any]:
    """A frame as a dict with lower-cased keys, or invalid_json."""
    try:
        parsed = json.loads(body or "")
    except (ValueError, UnicodeDecodeError):
        raise RejectedFrame(errors.INVALID_JSON, "the frame is not JSON") from None
    if not isinstance(parsed, dict):
        raise RejectedFrame(errors.INVALID_JSON, "the frame is not a JSON object")
    return {str(key).lower(): value for key, value in parsed.items()}


def _optional_string(fields: dict[str, Any], name: str, limit: int) -> str | None:
    value = fields.get(name.lower())
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise RejectedFrame(errors.INVALID_FIELD, f"{name} must be a string")
    if len(value) > limit:
        raise RejectedFrame(errors.FIELD_TOO_LONG, f"{name} is longer than {limit} characters")
    return value


def _optional_flag(fields: dict[str, Any], name: str) -> bool | None:
    value = fields.get(name.lower())
    if value is not None and not isinstance(value, bool):
        raise RejectedFrame(errors.INVALID_FIELD, f"{name} must be true or false")
    return value


def _optional_bool(fields: dict[str, Any], name: str) -> bool:
    return bool(_optional_flag(fields, name))


def validate_article_id(value: str, name: str = "articleId") -> str:
    if len(value) > MAX_ARTICLE_ID:
        raise RejectedFrame(errors.FIELD_TOO_LONG, f"{name} is longer than {MAX_ARTICLE_ID} characters")
    if not ARTICLE_ID_PATTERN.fullmatch(value):
        raise RejectedFrame(errors.INVALID_ARTICLE_ID, f"{name} may only hold letters, digits and . _ ~ -")
    return value


def parse_view(fields: dict[str, Any]) -> ViewMessage:
    current_page = _optional_string(fields, "currentPage", MAX_URL)
    if current_page is None:
        raise RejectedFrame(errors.MISSING_FIELD, "currentPage is required")
    article_id = _optional_string(fields, "articleId", MAX_ARTICLE_ID * 4)
    if article_id is not None:
        validate_article_id(article_id)
    return ViewMessage(
        current_page=current_page,
        article_id=article_id,
        article_title=_optional_string(fields, "articleTitle", MAX_TITLE),
        previous_page=_optional_string(fields, "previousPage", MAX_URL),
        referrer=_optional_string(fields, "referrer", MAX_URL),
        refreshed=_optional_bool(fields, "refreshed"),
        gpc=_optional_bool(fields, "gpc"),
        webdriver=_optional_bool(fields, "webdriver"),
        article=_optional_flag(fields, "article"),
        view_id=_client_view_id(fields),
    )


def _client_view_id(fields: dict[str, Any]) -> str | None:
    value = fields.get("viewid")
    if value is None:
        return None
    if not isinstance(value, str) or not CLIENT_VIEW_ID_PATTERN.fullmatch(value):
        raise RejectedFrame(errors.INVALID_FIELD, "viewId must be 8-64 characters of A-Z a-z 0-9 _ -")
    return value


@dataclass(frozen=True)
class CountsRequest:
    article_ids: list[str]
    paths: list[str]  # as the client sent them: the answer is keyed by them


def _string_list(fields: dict[str, Any], name: str) -> list[str]:
    values = fields.get(name.lower(), [])
    if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
        raise RejectedFrame(errors.INVALID_FIELD, f"{name} must be a list of strings")
    return values


def parse_counts_request(fields: dict[str, Any]) -> CountsRequest:
    """Up to MAX_COUNT_IDS article ids and page paths in all; a path longer than MAX_URL or
    one that is not a path is refused with the frame (see pages.normalise_path)."""
    if fields.get("articleids") is None and fields.get("paths") is None:
        raise RejectedFrame(errors.MISSING_FIELD, "articleIds or paths is required")
    ids, paths = _string_list(fields, "articleIds"), _string_list(fields, "paths")
    if len(ids) + len(paths) > MAX_COUNT_IDS:
        raise RejectedFrame(errors.TOO_MANY_IDS, f"at most {MAX_COUNT_IDS} articleIds and paths per request")
    for path in paths:
        if len(path) > MAX_URL:
            raise RejectedFrame(errors.FIELD_TOO_LONG, f"paths[] are at most {MAX_URL} characters")
    return CountsRequest(
        article_ids=list(dict.fromkeys(validate_article_id(i, "articleIds[]") for i in ids)),
        paths=list(dict.fromkeys(paths)),
    )


def normalise_host(host: str) -> str:
    """A host name as Viewcount compares and keeps it: lower-cased, without a trailing dot
    (`example.com.` is `example.com`) or `www.`."""
    return host.strip().lower().rstrip(".").removeprefix("www.")


def referrer_host(referrer: str | None) -> str | None:
    """Only the host of a referrer is ever kept, normalised; a host with other characters
    than letters, digits, dots and hyphens is dropped, for it would name a counter."""
    if not referrer:
        return None
    try:
        host = urlsplit(referrer).hostname
    except ValueError:
        return None
    host = normalise_host(host or "")
    return host if _HOST_NAME.fullmatch(host) else None


def campaign_tags(current_page: str) -> dict[str, str]:
    """The page's `utm_source`, `utm_medium` and `utm_campaign`, lower-cased.

    A value that is too long or holds other characters than letters, digits, space and
    `. _ ~ + -` is dropped: it would become a counter's name.
    """
    try:
        query = parse_qs(urlsplit(current_page).query)
    except ValueError:
        return {}
    tags = {}
    for name in CAMPAIGN_PARAMETERS:
        value = query.get(name, [""])[0].strip().lower()
        if 0 < len(value) <= MAX_CAMPAIGN_VALUE and _CAMPAIGN_VALUE.fullmatch(value):
            tags[name] = value
    return tags


def page_fields(page: Page) -> dict[str, str]:
    """How a frame names its page: `articleId` for an article keyed by id, `path` for a page
    keyed by its normalised path, else `pageName`."""
    if page.article_id is not None:
        return {"articleId": page.article_id}
    if page.path is not None:
        return {"path": page.path}
    return {"pageName": str(page.page_name)}


def views_frame(
    page: Page,
    total_views: int,
    unique_views: int,
    reading_now: int,
    site: tuple[int, int] | None = None,
    reading_site: int | None = None,
) -> dict[str, Any]:
    """The push of a page's counts; `site` is the site's (total, unique) views, for busuanzi's
    site slots, and `reading_site` how many connections read any of its pages."""
    frame: dict[str, Any] = {
        "message": "views",
        **page_fields(page),
        "totalViews": total_views,
        "uniqueViews": unique_views,
        "readingNow": reading_now,
    }
    if site is not None:
        frame["site"] = {"totalViews": site[0], "uniqueViews": site[1]}
        if reading_site is not None:
            frame["site"]["readingNow"] = reading_site
    return frame


def counts_frame(counts: dict[str, tuple[int, int]], paths: dict[str, tuple[int, int]] | None = None) -> dict[str, Any]:
    """The answer to a `counts` request: (total, unique) views per article id, and per path
    as requested when paths were asked for."""

    def numbers(entries: dict[str, tuple[int, int]]) -> dict[str, dict[str, int]]:
        return {name: {"totalViews": total, "uniqueViews": unique} for name, (total, unique) in entries.items()}

    frame: dict[str, Any] = {"message": "counts", "counts": numbers(counts)}
    if paths is not None:
        frame["paths"] = numbers(paths)
    return frame


def error_frame(code: str, detail: str) -> dict[str, Any]:
    return {"message": "error", "error": {"code": code, "detail": detail}}


def encode_frame(frame: dict[str, Any]) -> bytes:
    return json.dumps(frame, separators=(",", ":")).encode()
