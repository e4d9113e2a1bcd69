"""A site's public counter, for a site that opts in (`public_counter = true`): the total
views of a page (by path or article id) or of the site, as JSON or as an SVG badge that a
README or a page can embed. One BatchGetItem of one item; the answer may be cached for
minutes, as a badge on a README is fetched through a proxy that caches it anyway.
"""

from __future__ import annotations

from dataclasses import dataclass
from html import escape

from viewcount import errors
from viewcount.errors import RejectedFrame
from viewcount.pages import Page
from viewcount.sites import Site, Sites
from viewcount.tables.page_counts import TOTAL_VIEWS, PageCountsTable, counter_key, shown, site_key
from viewcount.views import page_of_path
from viewcount.wire import MAX_URL, validate_article_id

MAX_LABEL = 24
DEFAULT_LABEL = "views"


@dataclass(frozen=True)
class PublicCount:
    site: str
    path: str | None
    article_id: str | None
    views: int

    def as_json(self) -> dict[str, object]:
        return {"site": self.site, "path": self.path, "articleId": self.article_id, "views": self.views}


def public_site(sites: Sites, site_id: str | None) -> Site:
    """The site asked for, if it shows its counts publicly; RejectedFrame otherwise."""
    if not site_id:
        raise RejectedFrame(errors.MISSING_FIELD, "site is required")
    # One answer for a site that is not here and one that keeps its counts to itself: the
    # public API does not tell which sites a deployment counts.
    if site_id not in sites.ids or not sites.get(site_id).public_counter:
        raise RejectedFrame(errors.NOT_PUBLIC, f"no public counter for site {site_id[:40]!r}")
    return sites.get(site_id)


def public_count(counters: PageCountsTable, site: Site, path: str | None, article_id: str | None) -> PublicCount:
    """The total views (counted and imported) of the page, or of the site when neither is given."""
    if path and article_id:
        raise RejectedFrame(errors.INVALID_FIELD, "give path or id, not both")
    if article_id:
        validate_article_id(article_id, "id")
        key = counter_key(site.id, Page.post(article_id))
    elif path:
        if not path.startswith("/") or len(path) > MAX_URL:
            raise RejectedFrame(errors.INVALID_FIELD, f"path must start with / and be at most {MAX_URL} characters")
        key = counter_key(site.id, page_of_path(site, path))
    else:
        key = site_key(site.id)
    views = shown(counters.get_items([key]).get(key, {}), TOTAL_VIEWS)
    return PublicCount(site.id, path or None, article_id or None, views)


def badge_svg(label: str | None, views: int) -> str:
    """A flat two-part badge: the label on grey, the number on blue. Widths come from a fixed
    per-character estimate, as no font metrics are at hand; text is escaped."""
    label = (label or DEFAULT_LABEL)[:MAX_LABEL]
    value = f"{views:,}"
    left, right = 10 + 7 * len(label), 10 + 7 * len(value)
    width = left + right
    text_label, text_value = escape(label), escape(value)
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="20" role="img" '
        f'aria-label="{text_label}: {text_value}"><title>{text_label}: {text_value}</title>'
        f'<rect width="{left}" height="20" rx="3" fill="#555"/>'
        f'<rect x="{left}" width="{right}" height="20" rx="3" fill="#2b7bb9"/>'
        f'<rect x="{left}" width="4" height="20" fill="#2b7bb9"/>'
        f'<g fill="#fff" font-family="Verdana,DejaVu Sans,sans-serif" font-size="11" text-anchor="middle">'
        f'<text x="{left / 2}" y="14">{text_label}</text>'
        f'<text x="{left + right / 2}" y="14">{text_value}</text></g></svg>'
    )
