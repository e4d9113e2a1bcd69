"""A view from a frame: validated and classified; and the message the fan-out carries it in
(`AcceptedView.sns_message`, read back by viewcount.tables.visitor_days.parse_view_message)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from viewcount import errors
from viewcount.errors import RejectedFrame
from viewcount.pages import Page, classify, normalise_path
from viewcount.referrer_spam import is_referrer_spam
from viewcount.sites import Site, Sites
from viewcount.tables.page_counts import counter_key
from viewcount.wire import ViewMessage, campaign_tags, page_fields, parse_view, referrer_host


@dataclass(frozen=True)
class AcceptedView:
    """A counted-to-be view. It carries no IP, User-Agent or full URL.

    The connection id is API Gateway's opaque, short-lived handle: the counting function
    needs it to push the page's counts to this reader.
    """

    view_id: str
    site: str
    day: str  # the site's day when the view was sent: the day it counts in
    page: Page
    article_title: str | None
    unique: bool  # as the client says (not a reload); the visitor's day item may say otherwise
    referrer_host: str | None
    viewed_at: int
    connection_id: str
    connected_at: int
    campaign: dict[str, str] = field(default_factory=dict)  # utm_source, utm_medium, utm_campaign
    gpc: bool = False
    webdriver: bool = False
    # The visitor's hashes (viewcount.visitors), when it is keyed: not under GPC or DNT,
    # not without an address or a salt.
    visitor: str | None = None
    page_token: str | None = None

    def sns_message(self) -> str:
        body: dict[str, Any] = {
            "viewId": self.view_id,
            "site": self.site,
            "day": self.day,
            "pageKey": self.page_key,
            "unique": self.unique,
            "viewedAt": self.viewed_at,
            "connectionId": self.connection_id,
            "connectedAt": self.connected_at,
            **page_fields(self.page),
        }
        if self.article_title is not None:
            body["articleTitle"] = self.article_title
        if self.referrer_host is not None:
            body["referrerHost"] = self.referrer_host
        if self.campaign:
            body["campaign"] = self.campaign
        if self.visitor is not None:
            body["visitor"] = self.visitor
            body["pageToken"] = self.page_token
        return json.dumps(body, separators=(",", ":"))

    @property
    def page_key(self) -> str:
        """The page's counter, on its site."""
        return counter_key(self.site, self.page)

    def sns_attributes(self) -> dict[str, dict[str, str]]:
        """`event_type` routes the view to the queue of its page type."""
        return {"event_type": {"DataType": "String", "StringValue": self.page.event_type.value}}


def site_of_view(sites: Sites, origin: str | None, current_page: str) -> Site:
    """The site whose origin (and path prefix, where sites share the origin) holds the page;
    RejectedFrame `unknown_page` when none does. The smoke test's page is on a site of its own."""
    if sites.is_smoke_view(origin, current_page):
        return sites.smoke
    # Only an origin with path prefixes needs the path, and only then is it normalised here.
    if sites.has_prefixes(origin):
        site = sites.resolve(origin, normalise_path(current_page))
    else:
        site = sites.of_origin(origin)
    if site is None:
        raise RejectedFrame(errors.UNKNOWN_PAGE, "currentPage is under no site of this origin")
    return site


def page_of_path(site: Site, path: str) -> Page:
    """The page of `site` a view of `path` counts in when it names no article (`/tags/x/`
    is `path#/tags/x`, the home path `page#Home_Page`, a post's path `post#<id>`), by the
    site's page rules; RejectedFrame when the path is none."""
    return classify(path, None, site.page_rules, article=False)


# Client view ids are namespaced apart from API Gateway's ids (base64 or request ids, which
# never hold a colon), and per site, so that no client id can collide with another's view.
CLIENT_VIEW_ID_PREFIX = "c:"


def client_view_id(site: str, view_id: str) -> str:
    """The id of a view whose client named it: the same for every sending of that view, by
    WebSocket or beacon, so that a resend is a duplicate in VisitorDays."""
    return f"{CLIENT_VIEW_ID_PREFIX}{site}:{view_id}"


def validate_view(
    fields: dict[str, Any],
    *,
    view_id: str,
    viewed_at: int,
    connection_id: str,
    connected_at: int,
    sites: Sites,
    origin: str | None,
    spam_hosts: frozenset[str] = frozenset(),
) -> AcceptedView:
    """The view a validated frame describes, on the site its origin and path pick, or
    RejectedFrame with its code. `view_id` is the gateway's id of the frame or request; the
    client's `viewId`, when it sent one, takes its place."""
    message: ViewMessage = parse_view(fields)
    site = site_of_view(sites, origin, message.current_page)
    page = classify(message.current_page, message.article_id, site.page_rules, article=message.article)
    # The original's clients always title a post; a newer client's page may have no title.
    if message.article is None and page.article_id is not None and message.article_title is None:
        raise RejectedFrame(errors.MISSING_FIELD, "articleTitle is required on post pages")
    if page.article_id is not None and not site.article_allow_list.allows(page.article_id):
        raise RejectedFrame(errors.UNKNOWN_ARTICLE, "articleId is not one of this blog's articles")
    if page.path is not None and not site.path_allow_list.allows(page.path):
        raise RejectedFrame(errors.UNKNOWN_PAGE, "currentPage is not one of this blog's pages (PAGE_PATH_PATTERN)")
    host = referrer_host(message.referrer)
    if host and (host in site.own_hosts or is_referrer_spam(host, spam_hosts)):
        host = None
    return AcceptedView(
        view_id=client_view_id(site.id, message.view_id) if message.view_id else view_id,
        site=site.id,
        day=site.day_of(viewed_at),
        page=page,
        article_title=message.article_title if page.is_article else None,
        # A reload is never unique; whether the visitor was seen today is told downstream.
        unique=not message.refreshed,
        referrer_host=host,
        viewed_at=viewed_at,
        connection_id=connection_id,
        connected_at=connected_at,
        campaign=campaign_tags(message.current_page),
        gpc=message.gpc,
        webdriver=message.webdriver,
    )
