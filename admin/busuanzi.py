"""`./admin.sh import-busuanzi` and `import-counts-csv`: a blog's numbers from busuanzi (or
from a CSV file) as an import source of its site, so its footer goes on from them.

busuanzi answers one JSONP request per page, asked as its own script asks: a GET with the
page as `Referer`, answered with the page's views (`page_pv`) and the site's views and
visitors (`site_pv`, `site_uv`). That request is also a view to busuanzi: it counts it
before it answers, so every number read includes the import's own request.

What each number becomes (use_cases/import_counts, the source `busuanzi`):
- a page's `page_pv`: the page's imported views. busuanzi counts no unique views per page,
  so the page's imported unique views are 0 (or its `page_uv`, where an answer has one);
- `site_pv`: the site's imported views; the largest answer wins, for the numbers only grow
  while the import runs and answers arrive out of order;
- `site_uv`: the site's imported unique total. It is busuanzi's lifetime count of its
  cookies, not Viewcount's visitor-days, and the report says so.
busuanzi keeps no days, so the numbers go to the lifetime totals only.

Each URL maps to the page a view of it counts in (viewcount.pages, the site's page rules
and allow-lists). Two URLs of one page (`/tags/x/` and `/tags/x/index.html`) are two
counters to busuanzi or one, which cannot be told from outside: the larger is kept, which
never counts a view twice. In a CSV each row is a count of its own, so such rows add up.

Everything is read and checked before anything is written; an import is set, never added
to, so a second run replaces the first's numbers.
"""

from __future__ import annotations

import csv
import gzip
import http.client
import http.cookiejar
import io
import json
import re
import secrets
import threading
import time
import urllib.error
import urllib.request
import xml.etree.ElementTree as ElementTree
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode, urljoin, urlsplit

from admin.targets import USAGE, AdminError, Tables
from viewcount.errors import RejectedFrame
from viewcount.origins import normalise_origin
from viewcount.pages import normalise_path
from viewcount.sites import Site, Sites
from viewcount.tables.history import SITE_DAY, HistoryTable
from viewcount.tables.page_counts import (
    TOTAL_VIEWS,
    UNIQUE_VIEWS,
    PageCountsTable,
    counter_key,
    imports_of,
    page_key,
    site_key,
)
from viewcount.use_cases.import_counts import SOURCE_NAME, Imported, ImportPlan, ImportRefused, import_counts
from viewcount.views import page_of_path
from viewcount_infra.topology import COUNTS, HISTORY

SOURCE = "busuanzi"
# `./admin.sh migrate`'s source: another import under that name would replace its numbers.
RESERVED_SOURCES = frozenset({"migrated"})
DEFAULT_SERVICE = "https://busuanzi.ibruce.info/busuanzi"
DEFAULT_CONCURRENCY = 4
MAX_CONCURRENCY = 16
DEFAULT_PAUSE_SECONDS = 0.2
DEFAULT_TIMEOUT_SECONDS = 10.0
# busuanzi answers browsers; its script runs in one.
USER_AGENT = "Mozilla/5.0 (X11; Linux x86_64; rv:140.0) Gecko/20100101 Firefox/140.0"
# The sitemap protocol's largest file (uncompressed), and how deep an index may lead.
MAX_SITEMAP_BYTES = 50 * 1024 * 1024
MAX_SITEMAP_DEPTH = 3
# A JSONP answer is a few dozen bytes; anything near this is not one.
MAX_ANSWER_BYTES = 64 * 1024
CALLBACK_PREFIX = "BusuanziCallback_"
# What busuanzi's script names its callback: a random whole number below 2^40.
CALLBACK_RANGE = 1 << 40
_JSONP = re.compile(r"\s*try\{(?P<callback>[A-Za-z_$][\w$]*)\((?P<body>\{.*\})\);\}catch\(e\)\{\}\s*", re.DOTALL)
_REQUIRED_NUMBERS = ("site_pv", "site_uv", "page_pv")
_KNOWN_FIELDS = frozenset({*_REQUIRED_NUMBERS, "page_uv", "version"})
_WHOLE_NUMBER = re.compile(r"\d{1,15}")


# ---- busuanzi's answer -------------------------------------------------------------


@dataclass(frozen=True)
class BusuanziAnswer:
    site_pv: int
    site_uv: int
    page_pv: int
    page_uv: int | None = None  # the public service's answer has none


class MalformedAnswer(ValueError):
    """An answer that is not busuanzi's JSONP; the message says what is wrong with it."""


def parse_answer(text: str, callback: str) -> BusuanziAnswer:
    """busuanzi's answer to a request named `callback`:
    `try{<callback>({"site_uv":1,"page_pv":2,"version":2.4,"site_pv":3});}catch(e){}`.
    MalformedAnswer on anything else: another shape, another callback, a field missing, a
    number that is not whole and not negative, or a field this importer does not know."""
    match = _JSONP.fullmatch(text)
    if match is None:
        raise MalformedAnswer("not try{Callback({...});}catch(e){}")
    if match["callback"] != callback:
        raise MalformedAnswer(f"it calls {match['callback']}, not {callback}")
    try:
        fields = json.loads(match["body"])
    except ValueError as error:
        raise MalformedAnswer(f"its object is not JSON: {error}") from None
    if not isinstance(fields, dict):
        raise MalformedAnswer("its argument is not an object")
    if unknown := sorted(set(fields) - _KNOWN_FIELDS):
        raise MalformedAnswer(f"it has fields this importer does not know: {', '.join(unknown)}")
    if missing := [name for name in _REQUIRED_NUMBERS if name not in fields]:
        raise MalformedAnswer(f"it lacks {', '.join(missing)}")
    for name in (*_REQUIRED_NUMBERS, *(["page_uv"] if "page_uv" in fields else [])):
        value = fields[name]
        if not isinstance(value, int) or isinstance(value, bool) or value < 0:
            raise MalformedAnswer(f"{name} is {value!r}, not a count (a whole number, not negative)")
    return BusuanziAnswer(fields["site_pv"], fields["site_uv"], fields["page_pv"], fields.get("page_uv"))


# ---- asking busuanzi ---------------------------------------------------------------


class Pace:
    """Request starts at least `pause` seconds apart, whichever thread makes them."""

    def __init__(self, pause: float) -> None:
        self.pause = pause
        self._lock = threading.Lock()
        self._next_start = 0.0

    def wait_turn(self) -> None:
        with self._lock:
            now = time.monotonic()
            start = max(now, self._next_start)
            self._next_start = start + self.pause
        if start > now:
            time.sleep(start - now)


def check_service(service: str) -> str:
    parts = urlsplit(service)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise AdminError(f"--service must be an http(s) URL (got {service!r})", USAGE)
    return service


class Busuanzi:
    """busuanzi's JSONP endpoint, asked with at most `concurrency` requests open and their
    starts `pause` seconds apart. A cookie jar keeps the visitor cookie busuanzi sets, so
    that the import is one visitor to it, not one per page."""

    def __init__(
        self,
        service: str = DEFAULT_SERVICE,
        *,
        concurrency: int = DEFAULT_CONCURRENCY,
        pause: float = DEFAULT_PAUSE_SECONDS,
        timeout: float = DEFAULT_TIMEOUT_SECONDS,
    ) -> None:
        if not 1 <= concurrency <= MAX_CONCURRENCY:
            raise AdminError(f"--concurrency must be between 1 and {MAX_CONCURRENCY} (got {concurrency})", USAGE)
        if pause < 0 or timeout <= 0:
            raise AdminError("--pause must not be negative and --timeout must be more than 0", USAGE)
        self.service = check_service(service)
        self.concurrency = concurrency
        self.timeout = timeout
        self._pace = Pace(pause)
        self._opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))

    def ask(self, page_url: str) -> BusuanziAnswer:
        """The numbers busuanzi holds for a page (its own request counted); AdminError when
        it cannot be reached or does not answer as busuanzi."""
        callback = f"{CALLBACK_PREFIX}{secrets.randbelow(CALLBACK_RANGE)}"
        separator = "&" if urlsplit(self.service).query else "?"
        request = urllib.request.Request(
            f"{self.service}{separator}{urlencode({'jsonpCallback': callback})}",
            headers={"Referer": page_url, "User-Agent": USER_AGENT, "Accept": "*/*"},
        )
        self._pace.wait_turn()
        try:
            with self._opener.open(request, timeout=self.timeout) as response:
                body = response.read(MAX_ANSWER_BYTES + 1)
        except urllib.error.HTTPError as error:
            raise AdminError(f"busuanzi ({self.service}) answered {page_url} with HTTP {error.code}") from None
        except (urllib.error.URLError, OSError, http.client.HTTPException) as error:
            reason = getattr(error, "reason", error)
            raise AdminError(f"cannot reach busuanzi at {self.service} (asking for {page_url}): {reason}") from None
        try:
            if len(body) > MAX_ANSWER_BYTES:
                raise MalformedAnswer(f"it is longer than {MAX_ANSWER_BYTES} bytes")
            return parse_answer(body.decode("utf-8", errors="strict"), callback)
        except (MalformedAnswer, UnicodeDecodeError) as error:
            excerpt = body[:200].decode("utf-8", errors="replace")
            raise AdminError(
                f"busuanzi's answer for {page_url} is not its JSONP ({error}); it began {excerpt!r}"
            ) from None

    def ask_all(
        self, page_urls: Sequence[str], progress: Callable[[], None] = lambda: None
    ) -> dict[str, BusuanziAnswer]:
        """Every page's answer; AdminError from the first request that fails, the requests
        not yet started cancelled."""
        answers: dict[str, BusuanziAnswer] = {}
        if not page_urls:
            return answers
        # The first goes alone: the others then carry the cookie its answer set.
        answers[page_urls[0]] = self.ask(page_urls[0])
        progress()
        pool = ThreadPoolExecutor(max_workers=self.concurrency, thread_name_prefix="busuanzi")
        try:
            asked = {pool.submit(self.ask, url): url for url in page_urls[1:]}
            for future in as_completed(asked):
                answers[asked[future]] = future.result()
                progress()
        finally:
            # After a failure (or Ctrl-C) the requests not yet started are not made.
            pool.shutdown(wait=True, cancel_futures=True)
        return answers


# ---- the blog's URLs -------------------------------------------------------------------


def fetch_document(url: str, *, timeout: float = DEFAULT_TIMEOUT_SECONDS) -> bytes:
    """A sitemap over http(s); AdminError when it cannot be had."""
    request = urllib.request.Request(url, headers={"User-Agent": USER_AGENT})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            body = response.read(MAX_SITEMAP_BYTES + 1)
    except urllib.error.HTTPError as error:
        raise AdminError(f"cannot read the sitemap {url}: HTTP {error.code}") from None
    except (urllib.error.URLError, OSError, http.client.HTTPException) as error:
        raise AdminError(f"cannot read the sitemap {url}: {getattr(error, 'reason', error)}") from None
    if len(body) > MAX_SITEMAP_BYTES:
        raise AdminError(f"the sitemap {url} is larger than {MAX_SITEMAP_BYTES:,} bytes")
    return body


def is_web_address(location: str) -> bool:
    return urlsplit(location).scheme in ("http", "https")


def read_sitemap(location: str, fetch: Callable[[str], bytes] = fetch_document) -> list[str]:
    """The page URLs of a sitemap (a file or an http(s) URL; gzipped or not), or of every
    sitemap a sitemap index lists, each URL once, in their order."""
    urls: dict[str, None] = {}
    _read_sitemap(location, fetch, urls, seen=set(), depth=0)
    return list(urls)


def _read_sitemap(
    location: str, fetch: Callable[[str], bytes], urls: dict[str, None], seen: set[str], depth: int
) -> None:
    if location in seen:
        return
    seen.add(location)
    if depth > MAX_SITEMAP_DEPTH:
        raise AdminError(f"the sitemap index leads more than {MAX_SITEMAP_DEPTH} levels deep (at {location})", USAGE)
    root = parse_sitemap(_sitemap_bytes(location, fetch), location)
    kind = _local_name(root.tag)
    entry = "url" if kind == "urlset" else "sitemap"
    for loc in _locs(root, entry):
        if kind == "urlset":
            urls[loc] = None
        else:
            _read_sitemap(_child_location(location, loc), fetch, urls, seen, depth + 1)


def _child_location(index: str, loc: str) -> str:
    """Where a sitemap an index lists is: its address, which the protocol makes absolute; a
    relative one is taken as the index's sibling (a local index's, in its folder)."""
    if is_web_address(loc):
        return loc
    return urljoin(index, loc) if is_web_address(index) else str(Path(index).parent / loc)


def _sitemap_bytes(location: str, fetch: Callable[[str], bytes]) -> bytes:
    if is_web_address(location):
        data = fetch(location)
    else:
        try:
            data = Path(location).read_bytes()
        except OSError as error:
            raise AdminError(f"cannot read the sitemap {location}: {error.strerror or error}", USAGE) from None
    if data[:2] == b"\x1f\x8b":
        try:
            with gzip.GzipFile(fileobj=io.BytesIO(data)) as unzipped:
                data = unzipped.read(MAX_SITEMAP_BYTES + 1)
        except (OSError, EOFError) as error:
            raise AdminError(f"the sitemap {location} is not valid gzip: {error}", USAGE) from None
        if len(data) > MAX_SITEMAP_BYTES:
            raise AdminError(f"the sitemap {location} is larger than {MAX_SITEMAP_BYTES:,} bytes unzipped", USAGE)
    return data


def parse_sitemap(data: bytes, location: str = "the sitemap") -> ElementTree.Element:
    """A sitemap's root (`urlset` or `sitemapindex`); AdminError when it is not one. A
    sitemap declares no entities, so a document with a DTD is refused unread."""
    if re.search(rb"<!(DOCTYPE|ENTITY)", data, re.IGNORECASE):
        raise AdminError(f"{location} is not a sitemap: it declares a DTD", USAGE)
    try:
        root = ElementTree.fromstring(data)
    except ElementTree.ParseError as error:
        raise AdminError(f"{location} is not a sitemap: not XML ({error})", USAGE) from None
    if _local_name(root.tag) not in ("urlset", "sitemapindex"):
        raise AdminError(
            f"{location} is not a sitemap: its root is <{_local_name(root.tag)}>, not <urlset> or <sitemapindex>",
            USAGE,
        )
    return root


def _local_name(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _locs(root: ElementTree.Element, entry: str) -> list[str]:
    locs = []
    for child in root:
        if _local_name(child.tag) != entry:
            continue
        for part in child:
            if _local_name(part.tag) == "loc" and part.text and part.text.strip():
                locs.append(part.text.strip())
    return locs


def read_url_list(path: Path) -> list[str]:
    """A file of URLs, one a line; blank lines and `#` comments are skipped."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as error:
        raise AdminError(f"cannot read {path}: {getattr(error, 'strerror', None) or error}", USAGE) from None
    lines = (line.strip() for line in text.splitlines())
    return list(dict.fromkeys(line for line in lines if line and not line.startswith("#")))


# ---- URLs to pages ---------------------------------------------------------------------


@dataclass(frozen=True)
class Skipped:
    url: str
    why: str


@dataclass
class SitePages:
    """The site's pages some URLs are views of (`path#/x` -> its URLs), and the URLs of none."""

    pages: dict[str, list[str]] = field(default_factory=dict)
    skipped: list[Skipped] = field(default_factory=list)

    @property
    def urls(self) -> list[str]:
        return [url for urls in self.pages.values() for url in urls]


def page_of_url(sites: Sites, site: Site, url: str) -> str:
    """The page of `site` a view of `url` counts in (`path#/tags/x`, `post#hello`,
    `page#Home_Page`); a path (`/tags/x/`) is on the site's first origin. ValueError says
    why a URL is none of the site's pages."""
    if url.startswith("/"):
        url = site.origins[0].origin + url
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError("not an http(s) URL or a path")
    try:
        origin = normalise_origin(f"{parts.scheme}://{parts.netloc}")
        path = normalise_path(parts.path or "/")
        owner = sites.resolve(origin, path) if origin else None
        if owner is None:
            origins = ", ".join(str(entry) for entry in site.origins)
            raise ValueError(f"not under site {site.id}'s {origins}")
        if owner.id != site.id:
            raise ValueError(f"on site {owner.id}, not {site.id}")
        page = page_of_path(site, parts.path or "/")
    except RejectedFrame as error:
        raise ValueError(error.detail) from None
    if page.article_id is not None and not site.article_allow_list.allows(page.article_id):
        raise ValueError(f"article {page.article_id!r} is not one of the site's articles (its article allow-list)")
    if page.path is not None and not site.path_allow_list.allows(page.path):
        raise ValueError(f"{page.path} is not one of the site's pages (its page path pattern)")
    return page_key(page)


def pages_of_urls(sites: Sites, site: Site, urls: Iterable[str]) -> SitePages:
    found = SitePages()
    for url in urls:
        try:
            found.pages.setdefault(page_of_url(sites, site, url), []).append(url)
        except ValueError as error:
            found.skipped.append(Skipped(url, str(error)))
    return found


# ---- a CSV of url,page_pv ----------------------------------------------------------


@dataclass(frozen=True)
class CsvRow:
    line: int
    url: str
    views: int


def read_counts_csv(path: Path) -> list[CsvRow]:
    """The rows of a `url,page_pv` CSV (a header row `url,page_pv` is optional); AdminError
    naming the first bad line, so that nothing is written."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as error:
        raise AdminError(f"cannot read {path}: {getattr(error, 'strerror', None) or error}", USAGE) from None
    rows: list[CsvRow] = []
    seen: dict[str, int] = {}
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        for cells in reader:
            line = reader.line_num
            if not any(cell.strip() for cell in cells):
                continue
            cells = [cell.strip() for cell in cells]
            if not rows and not seen and [cell.lower() for cell in cells] == ["url", "page_pv"]:
                seen[""] = line  # the header: not a row
                continue
            if len(cells) != 2:
                raise AdminError(f"{path}:{line}: a row is url,page_pv (got {len(cells)} fields)", USAGE)
            url, views = cells
            if not url:
                raise AdminError(f"{path}:{line}: the url is empty", USAGE)
            if not _WHOLE_NUMBER.fullmatch(views):
                raise AdminError(f"{path}:{line}: page_pv must be a whole number, not negative (got {views!r})", USAGE)
            if url in seen:
                raise AdminError(f"{path}:{line}: {url} is on line {seen[url]} too", USAGE)
            seen[url] = line
            rows.append(CsvRow(line, url, int(views)))
    except csv.Error as error:
        raise AdminError(f"{path}:{reader.line_num}: not CSV: {error}", USAGE) from None
    if not rows:
        raise AdminError(f"{path} has no rows (url,page_pv)", USAGE)
    return rows


# ---- the seed, and writing it ------------------------------------------------------


@dataclass(frozen=True)
class Seed:
    """What an import sets on a site: each page's numbers and the site's."""

    source: str
    pages: Mapping[str, Imported]
    site: Imported
    urls: Mapping[str, Sequence[str]]  # each page's URLs
    skipped: Sequence[Skipped] = ()

    def plan(self) -> ImportPlan:
        return ImportPlan(self.source, lifetime={**self.pages, SITE_DAY: self.site})


@dataclass(frozen=True)
class Change:
    part: str  # `path#/x`, or `site`
    old: Imported | None  # what the source had brought before; None: nothing
    new: Imported


@dataclass(frozen=True)
class SeedReport:
    site: Site
    source: str
    changes: list[Change]  # the pages, then the site
    urls: Mapping[str, Sequence[str]]
    skipped: Sequence[Skipped]
    asked: int  # requests made to busuanzi (0 for a CSV)

    def describe(self, dry_run: bool) -> str:
        pages = [change for change in self.changes if change.part != SITE_DAY]
        [site] = [change for change in self.changes if change.part == SITE_DAY]
        urls = sum(len(urls) for urls in self.urls.values())
        asked = f" ({many(self.asked, 'request')} to busuanzi)" if self.asked else ""
        lines = [
            f"{'Would set' if dry_run else 'Set'} import source '{self.source}' on site {self.site.id}: "
            f"{many(len(pages), 'page')} from {many(urls, 'URL')}{asked}.",
            "",
            "imported views (before -> after):",
        ]
        rows = [(change.part, _views(change.old), _views(change.new), self.urls[change.part]) for change in pages]
        widths = [max(len(row[column]) for row in rows) for column in range(3)]
        for part, old, new, page_urls in rows:
            more = f" and {many(len(page_urls) - 1, 'more URL')} of this page" if len(page_urls) > 1 else ""
            lines.append(f"  {part:<{widths[0]}}  {old:>{widths[1]}} -> {new:>{widths[2]}}  {page_urls[0]}{more}")
        cookies = "  (busuanzi's site_uv: its lifetime count of visitor cookies, not visitor-days)"
        page_unique = sum(change.new.unique for change in pages)
        none_per_page = "busuanzi counts none per page" if self.source == SOURCE else "the source has none per page"
        lines += [
            "",
            f"site views:          {_views(site.old)} -> {_views(site.new)}",
            f"site unique total:   {_unique(site.old)} -> {_unique(site.new)}"
            + (cookies if self.source == SOURCE else ""),
            f"pages' views:        {sum(change.new.views for change in pages):,} in all",
            f"pages' unique views: {page_unique:,} imported"
            + ("" if page_unique else f" ({none_per_page}); a page's unique views are those Viewcount counts"),
        ]
        if self.skipped:
            lines += ["", f"Not pages of site {self.site.id}, skipped: {many(len(self.skipped), 'URL')}"]
            lines += [f"  {skipped.url}  ({skipped.why})" for skipped in self.skipped]
        if dry_run:
            lines += ["", "Dry run: nothing was written."]
        return "\n".join(lines)


def many(count: int, thing: str) -> str:
    """`1 URL`, `2 URLs`: a count and its thing, with thousands separators."""
    return f"{count:,} {thing}" + ("" if count == 1 else "s")


def _views(imported: Imported | None) -> str:
    return "-" if imported is None else f"{imported.views:,}"


def _unique(imported: Imported | None) -> str:
    return "-" if imported is None else f"{imported.unique:,}"


def check_source(source: str) -> str:
    if source in RESERVED_SOURCES:
        raise AdminError(f"the source {source!r} is ./admin.sh migrate's; name this import otherwise", USAGE)
    if not SOURCE_NAME.fullmatch(source):
        raise AdminError(f"--source is 1-32 lower-case letters, digits and hyphens (got {source!r})", USAGE)
    return source


def apply_seed(tables: Tables, site: Site, seed: Seed, *, dry_run: bool, asked: int = 0) -> SeedReport:
    """Set the seed as its source's import on the site (unless `dry_run`), replacing what
    the source brought to those pages and the site before; the report has both."""
    plan = seed.plan()
    try:
        plan.check()
    except ImportRefused as error:
        raise AdminError(f"cannot import these numbers: {error}") from None
    counters = PageCountsTable(tables.dynamodb, tables.name(COUNTS))
    keys = {part: site_key(site.id) if part == SITE_DAY else counter_key(site.id, part) for part in plan.lifetime}
    items = counters.get_items(list(keys.values()))
    changes = []
    for part, new in plan.lifetime.items():
        before = imports_of(items.get(keys[part], {})).get(seed.source)
        old = None if before is None else Imported(before.get(TOTAL_VIEWS, 0), before.get(UNIQUE_VIEWS, 0))
        changes.append(Change(part, old, new))
    if not dry_run:
        import_counts(counters, HistoryTable(tables.dynamodb, tables.name(HISTORY)), site, plan)
    return SeedReport(site, seed.source, changes, seed.urls, seed.skipped, asked)


def no_pages_error(site: Site, found: SitePages, given: int) -> AdminError:
    origins = ", ".join(str(entry) for entry in site.origins)
    example = f"; the first: {found.skipped[0].url} ({found.skipped[0].why})" if found.skipped else ""
    return AdminError(f"none of the {given} URLs is a page of site {site.id} ({origins}){example}; nothing was written")


def busuanzi_seed(found: SitePages, answers: Mapping[str, BusuanziAnswer]) -> Seed:
    """busuanzi's answers as the seed: each page's largest page_pv of its URLs, and the
    site's largest site_pv and site_uv of all answers."""
    pages = {}
    for part, urls in found.pages.items():
        best = max((answers[url] for url in urls), key=lambda answer: answer.page_pv)
        pages[part] = Imported(best.page_pv, best.page_uv or 0)
    site = Imported(
        max(answer.site_pv for answer in answers.values()), max(answer.site_uv for answer in answers.values())
    )
    return Seed(SOURCE, pages, site, found.pages, found.skipped)


def import_busuanzi(
    tables: Tables,
    site: Site,
    urls: Sequence[str],
    busuanzi: Busuanzi,
    *,
    dry_run: bool,
    progress: Callable[[int], Callable[[], None]] = lambda total: lambda: None,
) -> SeedReport:
    """Ask busuanzi for each of the site's URLs, then set its numbers as the `busuanzi`
    import. `progress(total)` makes the callback called as each answer arrives."""
    found = pages_of_urls(tables.sites, site, urls)
    if not found.pages:
        raise no_pages_error(site, found, len(urls))
    to_ask = found.urls
    answers = busuanzi.ask_all(to_ask, progress(len(to_ask)))
    return apply_seed(tables, site, busuanzi_seed(found, answers), dry_run=dry_run, asked=len(to_ask))


def import_csv(
    tables: Tables, site: Site, rows: Sequence[CsvRow], site_views: int, site_unique: int, source: str, *, dry_run: bool
) -> SeedReport:
    """A CSV's pages and the site's numbers given, as the `source` import; rows of one page add up."""
    if site_views < 0 or site_unique < 0:
        raise AdminError("--site-pv and --site-uv must not be negative", USAGE)
    found = SitePages()
    views: dict[str, int] = {}
    for row in rows:
        try:
            part = page_of_url(tables.sites, site, row.url)
        except ValueError as error:
            found.skipped.append(Skipped(row.url, str(error)))
            continue
        found.pages.setdefault(part, []).append(row.url)
        views[part] = views.get(part, 0) + row.views
    if not found.pages:
        raise no_pages_error(site, found, len(rows))
    pages = {part: Imported(total) for part, total in views.items()}
    seed = Seed(source, pages, Imported(site_views, site_unique), found.pages, found.skipped)
    return apply_seed(tables, site, seed, dry_run=dry_run)
