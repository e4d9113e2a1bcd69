"""Which page a view is for, classified from its path as the original did."""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum


class EventType(StrEnum):
    """The SNS attribute `event_type`; each value feeds its own queue."""

    POST_VIEW = "post_view"
    HOMEPAGE_VIEW = "homepage_view"
    PROFILE_VIEW = "profile_view"


HOME_PAGE = "Home_Page"
ABOUT_PAGE = "About_Page"
CONTACT_PAGE = "Contact_Page"
# The counter of the whole site, next to the pages' counters.
SITE_KEY = "site"
# Views judged to be bots, per UTC day (`bots#2026-11-29`): one number per reason.
BOTS_KEY_PREFIX = "bots#"


def bots_key(day: str) -> str:
    """The counter item of one UTC day's bot views; `day` is `YYYY-MM-DD`."""
    return BOTS_KEY_PREFIX + day


@dataclass(frozen=True)
class PageRules:
    """Path rules, configurable per deployment (see env.template).

    A path is a post when it contains `post_marker`; home when it equals one of
    `home_paths` (trailing slash ignored); about or contacts when it contains the marker.
    """

    post_marker: str = "/posts/"
    home_paths: tuple[str, ...] = ("/",)
    about_marker: str = "/pages/about"
    contact_marker: str = "/pages/contacts"

    @classmethod
    def parse(cls, post: str, home: str, about: str, contact: str) -> PageRules:
        homes = tuple(_strip_slash(p.strip()) for p in home.split(",") if p.strip())
        return cls(post_marker=post, home_paths=homes or ("/",), about_marker=about, contact_marker=contact)


@dataclass(frozen=True)
class ArticleAllowList:
    """Which article ids count, so junk ids cannot create counters. Empty: every valid id."""

    pattern: re.Pattern[str] | None = None
    ids: frozenset[str] = frozenset()

    @classmethod
    def parse(cls, pattern: str, ids: str) -> ArticleAllowList:
        return cls(
            pattern=re.compile(pattern) if pattern else None,
            ids=frozenset(i.strip() for i in ids.split(",") if i.strip()),
        )

    def allows(self, article_id: str) -> bool:
        if self.pattern is None and not self.ids:
            return True
        return article_id in self.ids or bool(self.pattern and self.pattern.fullmatch(article_id))


@dataclass(frozen=True)
class Page:
    """A classified page: a post (keyed by article id) or a named page."""

    event_type: EventType
    article_id: str | None = None
    page_name: str | None = None

    @property
    def key(self) -> str:
        """One key space for every page, used by the reader, connection and referrer tables."""
        if self.article_id is not None:
            return f"post#{self.article_id}"
        return f"page#{self.page_name}"

    def wire_fields(self) -> dict[str, str]:
        if self.article_id is not None:
            return {"articleId": self.article_id}
        return {"pageName": str(self.page_name)}


def page_from_key(key: str) -> Page:
    kind, _, value = key.partition("#")
    if kind == "post":
        return Page(EventType.POST_VIEW, article_id=value)
    event_type = EventType.HOMEPAGE_VIEW if value == HOME_PAGE else EventType.PROFILE_VIEW
    return Page(event_type, page_name=value)


def _strip_slash(path: str) -> str:
    return path.rstrip("/") or "/"


def classify(path: str, article_id: str | None, rules: PageRules) -> Page | None:
    """The page of a view, or None when the path is none the blog counts."""
    path = path.split("?", 1)[0].split("#", 1)[0]
    if rules.post_marker in path and article_id:
        return Page(EventType.POST_VIEW, article_id=article_id)
    if _strip_slash(path) in rules.home_paths:
        return Page(EventType.HOMEPAGE_VIEW, page_name=HOME_PAGE)
    if rules.about_marker in path:
        return Page(EventType.PROFILE_VIEW, page_name=ABOUT_PAGE)
    if rules.contact_marker in path:
        return Page(EventType.PROFILE_VIEW, page_name=CONTACT_PAGE)
    return None
