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

    @classmethod
    def post(cls, article_id: str) -> Page:
        return cls(EventType.POST_VIEW, article_id=article_id)

    @classmethod
    def named(cls, name: str) -> Page:
        return cls(EventType.HOMEPAGE_VIEW if name == HOME_PAGE else EventType.PROFILE_VIEW, page_name=name)


def _strip_slash(path: str) -> str:
    return path.rstrip("/") or "/"


def classify(path: str, article_id: str | None, rules: PageRules) -> Page | None:
    """The page of a view, or None when the path is none the blog counts."""
    path = path.split("?", 1)[0].split("#", 1)[0]
    if rules.post_marker in path and article_id:
        return Page.post(article_id)
    if _strip_slash(path) in rules.home_paths:
        return Page.named(HOME_PAGE)
    if rules.about_marker in path:
        return Page.named(ABOUT_PAGE)
    if rules.contact_marker in path:
        return Page.named(CONTACT_PAGE)
    return None
