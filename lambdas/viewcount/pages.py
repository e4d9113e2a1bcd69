"""Which page a view is for: the original's named pages and articles, and every other path.

A view's page is decided from its `currentPage`, its `articleId`, and the newer client's
`article` flag:
- under the post marker, a view is the article its `articleId` names (the original's rule);
  a newer client names no id it was not given, so there the id is the path's last
  segment, as the original's client made it, and a deployed blog keeps its counters;
- a view the client flags as an article is the article its explicit `articleId` names, or
  else the article at its normalised path (Hexo's `/2026/11/30/hello/`);
- the home paths and the about and contacts markers are the original's named pages;
- every other path is a page of its own, keyed by its normalised path.
A tag page and an article therefore never share a counter: an article keyed by id is
`post#<id>`, every page keyed by path is `path#<path>`, and one path is one key.
"""

from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass
from enum import StrEnum
from urllib.parse import quote, unquote

from viewcount import errors
from viewcount.errors import RejectedFrame


class EventType(StrEnum):
    """The SNS attribute `event_type`; each value feeds its own queue."""

    POST_VIEW = "post_view"
    HOMEPAGE_VIEW = "homepage_view"
    PROFILE_VIEW = "profile_view"
    PAGE_VIEW = "page_view"  # any other path: tags, archives, categories, a Hexo about page


HOME_PAGE = "Home_Page"
ABOUT_PAGE = "About_Page"
CONTACT_PAGE = "Contact_Page"
# Where the views of new pages go once a site has as many pages as its limit allows.
OTHER_PAGES = "(other)"

# A normalised path's longest length, in characters of its percent-encoded form. A longer
# path is refused (field_too_long): no blog's page path comes near it.
MAX_PATH = 512
# Kept as they are in a normalised path; everything else is percent-encoded (UTF-8, upper case).
_PATH_SAFE = "/!$&'()*+,;=:@~-._"
_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*://[^/]*")
_ARTICLE_ID = re.compile(r"[A-Za-z0-9._~-]{1,128}")


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
class PathAllowList:
    """Which paths count as pages (a regular expression the normalised path must match in
    full), so a sender cannot invent pages; none: every path, up to the site's page limit."""

    pattern: re.Pattern[str] | None = None

    @classmethod
    def parse(cls, pattern: str) -> PathAllowList:
        return cls(re.compile(pattern) if pattern else None)

    def allows(self, path: str) -> bool:
        return self.pattern is None or bool(self.pattern.fullmatch(path))


@dataclass(frozen=True)
class Page:
    """A classified page: an article keyed by id, a named page, or a page keyed by its path
    (an article or not)."""

    event_type: EventType
    article_id: str | None = None
    page_name: str | None = None
    path: str | None = None

    @classmethod
    def post(cls, article_id: str) -> Page:
        return cls(EventType.POST_VIEW, article_id=article_id)

    @classmethod
    def named(cls, name: str) -> Page:
        return cls(EventType.HOMEPAGE_VIEW if name == HOME_PAGE else EventType.PROFILE_VIEW, page_name=name)

    @classmethod
    def at(cls, path: str, *, article: bool = False) -> Page:
        """The page at a normalised path."""
        return cls(EventType.POST_VIEW if article else EventType.PAGE_VIEW, path=path)

    @property
    def is_article(self) -> bool:
        return self.event_type == EventType.POST_VIEW


def _strip_slash(path: str) -> str:
    return path.rstrip("/") or "/"


def _without_query(current_page: str) -> str:
    return current_page.split("#", 1)[0].split("?", 1)[0]


def normalise_path(current_page: str) -> str:
    """The path a page is keyed by: without scheme and host, query or fragment, with `//`
    and dot segments resolved, `index.html` and a trailing slash folded, and one
    percent-encoding (`/caf%c3%a9` and `/café` are `/caf%C3%A9`). RejectedFrame when it is
    not a path, its encoding is not UTF-8, or it is longer than MAX_PATH."""
    path = _SCHEME.sub("", _without_query(current_page), count=1)
    try:
        path = unquote(path, errors="strict")
    except UnicodeDecodeError:
        raise RejectedFrame(errors.INVALID_FIELD, "currentPage is not UTF-8 once percent-decoded") from None
    if not path.startswith("/"):
        raise RejectedFrame(errors.INVALID_FIELD, "currentPage must be a path (or a URL)")
    path = posixpath.normpath(re.sub(r"/{2,}", "/", path)).lstrip("/")
    if posixpath.basename(path) in ("index.html", "index.htm"):
        path = posixpath.dirname(path)
    path = quote("/" + path.strip("/"), safe=_PATH_SAFE)
    if len(path) > MAX_PATH:
        raise RejectedFrame(errors.FIELD_TOO_LONG, f"currentPage's path is longer than {MAX_PATH} characters")
    return path


def _id_from_path(path: str) -> str | None:
    """The id the original's client made for a post: its path's last segment without `.html`."""
    last = path.rsplit("/", 1)[-1].removesuffix(".html")
    return last if _ARTICLE_ID.fullmatch(last) else None


def classify(path: str, article_id: str | None, rules: PageRules, *, article: bool | None = None) -> Page:
    """The page of a view. `article` is the newer client's flag (None: an original client);
    RejectedFrame when an original client's post view names no article."""
    raw = _without_query(path)
    # Only a page keyed by its path needs its path normalised: the original's named pages
    # and articles with ids are decided on the path as it came, as the original did.
    if rules.post_marker in raw:
        if article_id:
            return Page.post(article_id)
        if article is None:
            raise RejectedFrame(errors.MISSING_FIELD, "articleId is required on post pages")
        normalised = normalise_path(path)
        derived = _id_from_path(normalised)
        return Page.post(derived) if derived else Page.at(normalised, article=True)
    if article:
        return Page.post(article_id) if article_id else Page.at(normalise_path(path), article=True)
    if _strip_slash(raw) in rules.home_paths:
        return Page.named(HOME_PAGE)
    if rules.about_marker in raw:
        return Page.named(ABOUT_PAGE)
    if rules.contact_marker in raw:
        return Page.named(CONTACT_PAGE)
    normalised = normalise_path(path)
    return Page.named(HOME_PAGE) if normalised in rules.home_paths else Page.at(normalised)
