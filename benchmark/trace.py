"""A seeded reference trace of blog views, and the counts a correct system must end with.

The benchmark replays the same trace through a local stack (and prices it for the original
design), so the trace must be reproducible from its settings alone: everything random comes
from one `random.Random(seed)`.

Shape of a trace:

- Background views are spread uniformly over `duration_seconds` (a Poisson arrival process,
  conditioned on its count). A `page_share` (20 %) of them are home, about or contact views,
  split 60 / 20 / 20 (the home page is where most readers land); an `other_share` (30 %) are
  other pages of a blog (tags, categories, archives: `OTHER_PATHS`, uniformly); the rest are
  posts, whose rank `k` is drawn with P(k) proportional to 1 / k**zipf_s. The article of
  rank `k` is `post-00k`.
- Readers: a view belongs to a reader (`TraceView.reader`, one browser). A
  `multi_page_share` (40 %) of the background's readers open 2-6 pages (uniformly), the
  views next to each other in time; the rest, and every reader of the burst, open one. A
  reader's first view of a page that is not a reload is unique, and so is its first such
  view of the site.
- Two sites on one deployment: a `second_site_share` (20 %) of the background's readers
  read the second site (`SITES[1]`, on an origin of its own), whose pages have the same
  shape as the first's; the burst is on the first. Each site's counts are its own.
- The burst: `burst_views` views of one mid-ranked post (rank `articles // 2`, a quiet post
  that just hit a news site) uniformly within `burst_seconds`, starting at a random time.
  It tests hot keys and fan-out; it is what the original's 5-WCU tables could not absorb.
- Every view, burst included, is a reload with probability `reload_share` and carries an
  external referrer with probability `referrer_share` (independent draws: a reload keeps its
  referrer in the browser).
- The blog is multi-page, so each view opens its own WebSocket connection and holds it for
  `dwell_seconds`: lognormal with median `dwell_median_seconds` and shape `dwell_sigma`
  (median 60 s, sigma 1: mean about 100 s, 95th percentile about 5 min), capped at
  `dwell_max_seconds` (30 min; the gateway's hard limit is 2 h).
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, replace
from itertools import accumulate
from typing import Any

HOME_PATH = "/"
ABOUT_PATH = "/pages/about"
# The deployment's sites: the first is the blog of the burst, the second a smaller one.
SITES = ("blog", "notes")
CONTACT_PATH = "/pages/contacts"

# Non-post pages: path, stored page name (as the original's HomeAndProfile table), share of page views.
PAGES: tuple[tuple[str, str, float], ...] = (
    (HOME_PATH, "Home_Page", 0.6),
    (ABOUT_PATH, "About_Page", 0.2),
    (CONTACT_PATH, "Contact_Page", 0.2),
)

# The other pages of a blog that readers open: tag, category and archive pages.
OTHER_PATHS: tuple[str, ...] = (
    *(f"/tags/tag-{k}/" for k in range(10)),
    *(f"/categories/category-{k}/" for k in range(5)),
    "/archives/",
    "/archives/2026/",
    "/archives/2026/11/",
    "/archives/page/2/",
)

# External referrers with rough weights: search engines and link aggregators dominate.
REFERRERS: tuple[tuple[str, int], ...] = (
    ("https://www.google.com/", 30),
    ("https://news.ycombinator.com/item?id=1", 20),
    ("https://www.reddit.com/r/programming/", 12),
    ("https://duckduckgo.com/", 8),
    ("https://www.bing.com/", 6),
    ("https://lobste.rs/", 6),
    ("https://x.com/", 6),
    ("https://www.linkedin.com/feed/", 5),
    ("https://github.com/", 4),
    ("https://dev.to/", 3),
)


@dataclass(frozen=True)
class TraceSettings:
    """What a trace looks like; the defaults are the benchmark's reference trace."""

    views: int = 20_000  # total, burst included
    articles: int = 200
    zipf_s: float = 1.1
    page_share: float = 0.20  # home, about and contact: of the background views; the burst is all one post
    other_share: float = 0.30  # other pages (OTHER_PATHS), of the background views
    multi_page_share: float = 0.40  # of the background's readers, those who open 2-6 pages
    second_site_share: float = 0.20  # of the background's readers, those who read the second site
    reload_share: float = 0.25
    referrer_share: float = 0.40
    burst_views: int = 2_000
    burst_seconds: float = 10.0
    duration_seconds: float = 600.0  # background views: 18,000 over 10 min, 30 views/s
    readers: tuple[int, int] = (0, 0)  # inclusive range of other readers on the page; a live run uses (1, 3)
    dwell_median_seconds: float = 60.0
    dwell_sigma: float = 1.0
    dwell_max_seconds: float = 1_800.0
    seed: int = 1

    def __post_init__(self) -> None:
        low, high = self.readers
        checks = {
            "views must be at least burst_views >= 0": 0 <= self.burst_views <= self.views,
            "articles must be at least 1": self.articles >= 1,
            "shares must lie in [0, 1]": all(
                0 <= share <= 1
                for share in (
                    self.page_share,
                    self.other_share,
                    self.page_share + self.other_share,
                    self.multi_page_share,
                    self.second_site_share,
                    self.reload_share,
                    self.referrer_share,
                )
            ),
            "burst_seconds must be positive and fit in duration_seconds": (
                0 < self.burst_seconds <= self.duration_seconds
            ),
            "readers must be a range 0 <= low <= high": 0 <= low <= high,
            "dwell settings must be positive": min(self.dwell_median_seconds, self.dwell_max_seconds) > 0
            and self.dwell_sigma >= 0,
        }
        for message, ok in checks.items():
            if not ok:
                raise ValueError(message)

    @property
    def burst_rank(self) -> int:
        return max(1, self.articles // 2)


@dataclass(frozen=True)
class TraceView:
    """One page view, which is also one WebSocket connection held for `dwell_seconds`."""

    at: float  # seconds from the start of the trace
    path: str
    article_id: str | None
    article_title: str | None
    refreshed: bool
    referrer: str | None
    readers: int  # other readers connected to the same page when this view arrives
    dwell_seconds: float
    burst: bool = False  # part of the burst, so a replay can report the burst apart
    reader: int = 0  # who views: one browser, the same for each of its views
    site: str = SITES[0]


@dataclass(frozen=True)
class TraceMix:
    """The counts of a trace that the cost model needs."""

    views: int
    post_views: int
    page_views: int  # every view that is no article's: home, about, contact and the other pages
    views_with_referrer: int
    connection_minutes: float  # the trace's own connections: sum of dwell / 60
    distinct_articles: int
    batch_size: int  # b: post views per consumer batch, for the original design
    post_batch_updates: int  # distinct articles per batch of `batch_size` consecutive post views, summed

    @property
    def connections(self) -> int:
        """A multi-page blog opens one connection per page view."""
        return self.views


def article_id(rank: int) -> str:
    return f"post-{rank:03d}"


def article_title(rank: int) -> str:
    return f"Post number {rank}"


def post_path(rank: int) -> str:
    return f"/posts/{article_id(rank)}"


def generate(settings: TraceSettings = TraceSettings()) -> list[TraceView]:
    """The trace for `settings`, sorted by arrival time; the same settings give the same trace."""
    rng = random.Random(settings.seed)
    ranks = range(1, settings.articles + 1)
    rank_weights = list(accumulate(1 / rank**settings.zipf_s for rank in ranks))
    page_weights = list(accumulate(share for _, _, share in PAGES))
    referrer_weights = list(accumulate(weight for _, weight in REFERRERS))

    def view(at: float, path: str, rank: int | None, burst: bool = False) -> TraceView:
        referrer = None
        if rng.random() < settings.referrer_share:
            referrer = rng.choices(REFERRERS, cum_weights=referrer_weights)[0][0]
        dwell = rng.lognormvariate(math.log(settings.dwell_median_seconds), settings.dwell_sigma)
        return TraceView(
            at=at,
            path=path,
            article_id=article_id(rank) if rank is not None else None,
            article_title=article_title(rank) if rank is not None else None,
            refreshed=rng.random() < settings.reload_share,
            referrer=referrer,
            readers=rng.randint(*settings.readers),
            dwell_seconds=min(dwell, settings.dwell_max_seconds),
            burst=burst,
        )

    trace: list[TraceView] = []
    for _ in range(settings.views - settings.burst_views):
        at = rng.uniform(0, settings.duration_seconds)
        kind = rng.random()
        if kind < settings.page_share:
            trace.append(view(at, rng.choices(PAGES, cum_weights=page_weights)[0][0], None))
        elif kind < settings.page_share + settings.other_share:
            trace.append(view(at, rng.choice(OTHER_PATHS), None))
        else:
            rank = rng.choices(ranks, cum_weights=rank_weights)[0]
            trace.append(view(at, post_path(rank), rank))

    burst_start = rng.uniform(0, settings.duration_seconds - settings.burst_seconds)
    hot = settings.burst_rank
    for _ in range(settings.burst_views):
        trace.append(view(burst_start + rng.uniform(0, settings.burst_seconds), post_path(hot), hot, burst=True))

    trace.sort(key=lambda v: v.at)
    return assign_readers(trace, rng, settings.multi_page_share, settings.second_site_share)


def assign_readers(
    trace: list[TraceView], rng: random.Random, multi_page_share: float, second_site_share: float = 0.0
) -> list[TraceView]:
    """The trace with each view given its reader and site: background readers take the next
    1 or 2-6 views in time order, on the site they read; each burst view is a reader of its
    own, on the first site."""
    readers: dict[int, tuple[int, str]] = {}
    next_reader, left, site = 0, 0, SITES[0]
    for index, trace_view in enumerate(trace):
        if trace_view.burst:
            continue
        if left == 0:
            next_reader += 1
            left = rng.randint(2, 6) if rng.random() < multi_page_share else 1
            site = SITES[1] if second_site_share and rng.random() < second_site_share else SITES[0]
        readers[index] = (next_reader, site)
        left -= 1
    burst_reader = next_reader
    assigned = []
    for index, trace_view in enumerate(trace):
        if trace_view.burst:
            burst_reader += 1
        reader, site = readers.get(index, (burst_reader, SITES[0]))
        assigned.append(replace(trace_view, reader=reader, site=site))
    return assigned


def wire_message(view: TraceView) -> dict[str, Any]:
    """The frame the blog client sends for `view` (the original wire contract).

    articleId and articleTitle are sent for posts only. A reader who arrived from another site
    has no previousPage (the client sends none); any other reader came from the home page.
    """
    message: dict[str, Any] = {"message": "views"}
    if view.article_id is not None:
        message["articleId"] = view.article_id
        message["articleTitle"] = view.article_title
    message["previousPage"] = "" if view.referrer else HOME_PATH
    message["currentPage"] = view.path
    message["refreshed"] = view.refreshed
    message["referrer"] = view.referrer or ""
    return message


def page_key(view: TraceView) -> str:
    """The key the system counts `view` under, on its site: `<site>#post#<articleId>`,
    `<site>#page#<name>` or `<site>#path#<path>`."""
    if view.article_id is not None:
        return f"{view.site}#post#{view.article_id}"
    for path, name, _ in PAGES:
        if view.path == path:
            return f"{view.site}#page#{name}"
    if view.path in OTHER_PATHS:
        return f"{view.site}#path#" + view.path.rstrip("/")
    raise ValueError(f"no page for path {view.path!r}")


def site_key(site: str) -> str:
    return f"{site}#site"


def expected_counts(trace: list[TraceView]) -> dict[str, dict[str, int]]:
    """Per page key, and for each site (`<site>#site`), the counts a correct system ends with:
    every view once; a reader's first view of a page that is not a reload unique, and of the
    site too."""
    counts: dict[str, dict[str, int]] = {}
    seen: set[tuple[int, str]] = set()
    for view in trace:
        for key in (page_key(view), site_key(view.site)):
            entry = counts.setdefault(key, {"totalViews": 0, "uniqueViews": 0})
            entry["totalViews"] += 1
            if not view.refreshed and (view.reader, key) not in seen:
                entry["uniqueViews"] += 1
                seen.add((view.reader, key))
    return counts


def site_totals(trace: list[TraceView], site: str = SITES[0]) -> dict[str, int]:
    """A site's counts over all its pages."""
    return expected_counts(trace)[site_key(site)]


def mix(trace: list[TraceView], batch_size: int = 10) -> TraceMix:
    """Count what the cost model prices.

    `post_batch_updates` simulates the original's post consumer: it takes post views in trace
    order in batches of `batch_size` (full batches, as the cost table assumes) and writes once
    per distinct article in a batch, so a burst of one article costs about one write per batch.
    """
    posts = [view.article_id for view in trace if view.article_id is not None]
    batches = [posts[start : start + batch_size] for start in range(0, len(posts), batch_size)]
    return TraceMix(
        views=len(trace),
        post_views=len(posts),
        page_views=len(trace) - len(posts),
        views_with_referrer=sum(view.referrer is not None for view in trace),
        connection_minutes=sum(view.dwell_seconds for view in trace) / 60,
        distinct_articles=len(set(posts)),
        batch_size=batch_size,
        post_batch_updates=sum(len(set(batch)) for batch in batches),
    )
