"""The sites one deployment counts: which origins (and path prefixes) each has, its own day,
and its own page rules, caps and allow-lists.

Every key carries the site, so one site's counts, salts, visitors, caps and history never
mix with another's. A connection's origin, and where several sites share an origin (GitHub
Pages project sites), the page's path prefix, pick the site; the client sends nothing new.

The deployment writes the sites as one JSON file (`sites_json`), which every function that
needs them reads at init (`Sites.load`): a Lambda's environment holds 4 KB in all, so the
file travels in a layer, and locally in a file of its own.

A site's day runs from midnight to midnight in its time zone (an IANA name), which bounds
its history, its daily visitors and its salts.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import cached_property
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from viewcount.origins import hosts_of, normalise_origin
from viewcount.pages import ArticleAllowList, PageRules, PathAllowList, normalise_path

# Lower-case letters, digits and hyphens: a site id is the first part of every key.
SITE_ID = re.compile(r"[a-z0-9][a-z0-9-]{0,31}")
# The first part of a key before the site was in it (see tables/page_counts.py): a site may
# not be called so, or its keys could be mistaken for those of the layout before sites.
# `watch` too: a dashboard's place in the Readers log is `watch#<site>`, which a site of that
# name would take for one of its pages.
RESERVED_SITE_IDS = frozenset({"post", "path", "page", "site", "bots", "view", "watch"})
DEFAULT_SITE_ID = "blog"
DEFAULT_TIME_ZONE = "UTC"
DEFAULT_PAGE_LIMIT = 10_000
DEFAULT_VIEWS_PER_PAGE_PER_DAY = 50
# `./smoke.sh` checks a deployment with views of this page, from any site's origin. They are
# counted in a site of their own, which no listing, dashboard, export or site's total shows,
# and to which no allow-list or page limit of a configured site applies.
SMOKE_PATH = "/__smoke__"
SMOKE_SITE_ID = "smoke"


class SiteError(ValueError):
    """A site's settings that cannot be used; the message names the site and the setting."""


@dataclass(frozen=True)
class SiteOrigin:
    """Where a site's pages are: an origin, and the path prefix under it (`/` for all of it)."""

    origin: str  # normalised: scheme://host[:port]
    prefix: str = "/"  # no trailing slash, except the root

    def holds(self, path: str) -> bool:
        return self.prefix == "/" or path == self.prefix or path.startswith(self.prefix + "/")

    @classmethod
    def parse(cls, entry: str) -> SiteOrigin:
        """`https://blog.example.com` or `https://user.github.io/notes`; ValueError otherwise."""
        entry = entry.strip()
        match = re.fullmatch(r"([a-zA-Z][a-zA-Z0-9+.-]*://[^/?#]+)(/[^?#]*)?", entry)
        origin = normalise_origin(match.group(1)) if match else None
        if origin is None:
            raise ValueError(f"not an origin with an optional path prefix (scheme://host[:port][/prefix]): {entry!r}")
        prefix = normalise_path(match.group(2) or "/") if match.group(2) not in (None, "/") else "/"
        return cls(origin, prefix)

    def __str__(self) -> str:
        return self.origin if self.prefix == "/" else self.origin + self.prefix


@dataclass(frozen=True)
class Site:
    id: str
    origins: tuple[SiteOrigin, ...]
    time_zone: str = DEFAULT_TIME_ZONE
    page_rules: PageRules = field(default_factory=PageRules)
    # Pages (articles and paths) the site may gain; the views of new pages past it are
    # counted in one `(other)` page.
    page_limit: int = DEFAULT_PAGE_LIMIT
    # Views of one page that one visitor counts a day; later ones are dropped.
    views_per_page_per_day: int = DEFAULT_VIEWS_PER_PAGE_PER_DAY
    article_id_pattern: str = ""
    article_ids: tuple[str, ...] = ()
    page_path_pattern: str = ""
    # Its counts may be read by anyone (a JSON counter and an SVG badge): off unless it opts in.
    public_counter: bool = False

    def __post_init__(self) -> None:
        if not SITE_ID.fullmatch(self.id) or self.id in RESERVED_SITE_IDS:
            raise SiteError(
                f"site id {self.id!r} must be 1-32 lower-case letters, digits and hyphens, and not one of "
                f"{', '.join(sorted(RESERVED_SITE_IDS))}"
            )
        if not self.origins:
            raise SiteError(f"site {self.id}: names no origin")
        try:
            ZoneInfo(self.time_zone)
        except (ZoneInfoNotFoundError, ValueError):
            raise SiteError(f"site {self.id}: time zone {self.time_zone!r} is not an IANA time zone name") from None
        for name, pattern in (
            ("article_id_pattern", self.article_id_pattern),
            ("page_path_pattern", self.page_path_pattern),
        ):
            try:
                re.compile(pattern)
            except re.error as error:
                raise SiteError(f"site {self.id}: {name} is not a regular expression: {error}") from None

    @cached_property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.time_zone)

    @cached_property
    def article_allow_list(self) -> ArticleAllowList:
        return ArticleAllowList.parse(self.article_id_pattern, ",".join(self.article_ids))

    @cached_property
    def path_allow_list(self) -> PathAllowList:
        return PathAllowList.parse(self.page_path_pattern)

    @cached_property
    def own_hosts(self) -> frozenset[str]:
        """The site's own host names: a referral from one of them is no referral."""
        return hosts_of(frozenset(entry.origin for entry in self.origins))

    # ---- the site's day ----------------------------------------------------------

    def day_of(self, epoch_seconds: float) -> str:
        """The site's day (`YYYY-MM-DD`) at that moment."""
        return datetime.fromtimestamp(epoch_seconds, self.zone).date().isoformat()

    def day_start(self, day: str) -> int:
        """The first second of the day, in epoch seconds: 23, 24 or 25 hours before the next
        day's. Where a zone skips midnight, the day starts when its clocks do."""
        start = date.fromisoformat(day)
        return int(datetime(start.year, start.month, start.day, tzinfo=self.zone).timestamp())

    def day_end(self, day: str) -> int:
        """The first second of the next day."""
        return self.day_start(next_day(day))

    # ---- the file the functions read ---------------------------------------------

    def as_json(self) -> dict[str, Any]:
        rules = self.page_rules
        return {
            "id": self.id,
            "origins": [str(entry) for entry in self.origins],
            "timeZone": self.time_zone,
            "pageRules": {
                "post": rules.post_marker,
                "home": list(rules.home_paths),
                "about": rules.about_marker,
                "contact": rules.contact_marker,
            },
            "pageLimit": self.page_limit,
            "viewsPerPagePerDay": self.views_per_page_per_day,
            "articleIdPattern": self.article_id_pattern,
            "articleIds": list(self.article_ids),
            "pagePathPattern": self.page_path_pattern,
            "publicCounter": self.public_counter,
        }

    @classmethod
    def of_json(cls, entry: Mapping[str, Any]) -> Site:
        rules = entry["pageRules"]
        return cls(
            id=entry["id"],
            origins=tuple(SiteOrigin.parse(origin) for origin in entry["origins"]),
            time_zone=entry["timeZone"],
            page_rules=PageRules(
                post_marker=rules["post"],
                home_paths=tuple(rules["home"]),
                about_marker=rules["about"],
                contact_marker=rules["contact"],
            ),
            page_limit=int(entry["pageLimit"]),
            views_per_page_per_day=int(entry["viewsPerPagePerDay"]),
            article_id_pattern=entry["articleIdPattern"],
            article_ids=tuple(entry["articleIds"]),
            page_path_pattern=entry["pagePathPattern"],
            public_counter=bool(entry.get("publicCounter", False)),
        )


def shift_day(day: str, days: int) -> str:
    """The calendar day `days` after `day` (before, when negative)."""
    return (date.fromisoformat(day) + timedelta(days=days)).isoformat()


def next_day(day: str) -> str:
    return shift_day(day, 1)


def days_between(first: str, last: str) -> list[str]:
    """Every day from `first` to `last`, both included."""
    start, end = date.fromisoformat(first), date.fromisoformat(last)
    return [(start + timedelta(days=offset)).isoformat() for offset in range((end - start).days + 1)]


@dataclass(frozen=True)
class Sites:
    """The deployment's sites, in the order they were given: the first is the default."""

    sites: tuple[Site, ...]

    def __post_init__(self) -> None:
        if not self.sites:
            raise SiteError("no site is configured")
        seen: set[str] = set()
        claimed: dict[SiteOrigin, str] = {}
        for site in self.sites:
            if site.id in seen:
                raise SiteError(f"two sites are called {site.id!r}")
            if site.id == SMOKE_SITE_ID:
                raise SiteError(
                    f"site id {SMOKE_SITE_ID!r} is kept for the views of {SMOKE_PATH}/ that ./smoke.sh sends"
                )
            seen.add(site.id)
            for entry in site.origins:
                if entry in claimed and claimed[entry] != site.id:
                    raise SiteError(f"sites {claimed[entry]} and {site.id} both claim {entry}")
                claimed[entry] = site.id

    def __iter__(self):
        return iter(self.sites)

    def __len__(self) -> int:
        return len(self.sites)

    @property
    def default(self) -> Site:
        return self.sites[0]

    @cached_property
    def smoke(self) -> Site:
        """The site of the smoke test's views: on every site's origins, in UTC. A run views its
        page twice as one browser, so 100 views a visitor a day allow 50 runs a day from one
        machine; a handful of pages at most, since nothing but the test views it."""
        origins = dict.fromkeys(SiteOrigin(entry.origin) for site in self.sites for entry in site.origins)
        return Site(SMOKE_SITE_ID, tuple(origins), page_limit=10, views_per_page_per_day=100)

    @cached_property
    def _by_id(self) -> dict[str, Site]:
        return {site.id: site for site in (*self.sites, self.smoke)}

    def get(self, site_id: str) -> Site:
        """The site of that id, the smoke test's included; KeyError when there is none."""
        return self._by_id[site_id]

    @property
    def ids(self) -> tuple[str, ...]:
        """The configured sites' ids: the smoke test's site is none of them."""
        return tuple(site.id for site in self.sites)

    def is_counted(self, site_id: str) -> bool:
        """Whether views of that site are counted here: a configured site's, or the smoke test's."""
        return site_id in self._by_id

    @cached_property
    def allowed_origins(self) -> frozenset[str]:
        """Every origin of every site: the `$connect` authorizer admits these."""
        return frozenset(entry.origin for site in self.sites for entry in site.origins)

    @cached_property
    def _by_origin(self) -> dict[str, list[tuple[SiteOrigin, Site]]]:
        by_origin: dict[str, list[tuple[SiteOrigin, Site]]] = {}
        for site in self.sites:
            for entry in site.origins:
                by_origin.setdefault(entry.origin, []).append((entry, site))
        # The longest prefix first: `/notes/x` is the site under `/notes` before the one under `/`.
        for entries in by_origin.values():
            entries.sort(key=lambda pair: -len(pair[0].prefix))
        return by_origin

    def of_origin(self, origin: str | None) -> Site | None:
        """The site of an origin when only the origin is known (a `counts` request naming only
        articles): where several sites share it, the first of them that was configured. An
        origin of no site is None; no origin at all (a connection from before sites were in
        the authorizer's context) is the default site."""
        if origin is None:
            return self.default
        entries = self._by_origin.get(origin)
        if not entries:
            return None
        return min((site for _, site in entries), key=self.sites.index)

    def has_prefixes(self, origin: str | None) -> bool:
        """Whether a page's path, not only its origin, tells which site it is on."""
        return any(entry.prefix != "/" for entry, _ in self._by_origin.get(origin or "", ()))

    def is_smoke_view(self, origin: str | None, current_page: str) -> bool:
        """Whether a page is the smoke test's: its path under SMOKE_PATH, from a site's origin."""
        # The usual view costs no normalising: neither the marker nor an encoding in its path.
        if origin not in self.allowed_origins or (SMOKE_PATH not in current_page and "%" not in current_page):
            return False
        path = normalise_path(current_page)
        return path == SMOKE_PATH or path.startswith(SMOKE_PATH + "/")

    def resolve(self, origin: str | None, path: str) -> Site | None:
        """The site of a page: of its origin, the one whose path prefix holds the normalised
        `path` (the longest such prefix); None when no site of that origin holds it."""
        if origin is None:
            return self.default
        for entry, site in self._by_origin.get(origin, ()):
            if entry.holds(path):
                return site
        return None

    def as_json(self) -> str:
        return json.dumps({"sites": [site.as_json() for site in self.sites]}, sort_keys=True, separators=(",", ":"))

    @classmethod
    def of_json(cls, text: str) -> Sites:
        """The sites file; SiteError when it is not one."""
        try:
            document = json.loads(text)
            return cls(tuple(Site.of_json(entry) for entry in document["sites"]))
        except SiteError:
            raise
        except (ValueError, KeyError, TypeError) as error:
            raise SiteError(f"not a sites file: {error!r}") from None

    @classmethod
    def load(cls, path: Path) -> Sites:
        return cls.of_json(path.read_text())


def site_origins(entries: Iterable[str]) -> tuple[SiteOrigin, ...]:
    """Parsed origin entries, each once; ValueError names the first that does not parse."""
    return tuple(dict.fromkeys(SiteOrigin.parse(entry) for entry in entries if entry.strip()))
