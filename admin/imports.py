"""`./admin.sh import FILE --format viewcount|plausible|goatcounter`: a site's days and
lifetime numbers from a file, as one import source of the site.

Every file is one import source, `<format>-<the first 10 hex digits of its SHA-256>`,
written through use_cases/import_counts: set, never added to, so a second import of the
same file adds nothing and a stopped one can simply be run again. Different files are
different sources, whose numbers add up: the overlap check (below) is what keeps one
period from being imported twice.

What each format brings (docs/export-import.md has the tables):
- viewcount: `./admin.sh export`'s viewcount-export.json. Its lifetime numbers go in as the
  source's lifetime numbers and its days as the source's days, as they are: a counter's
  lifetime and its days are stored apart (a counted view adds to both, an import to each
  what it says), so nothing is subtracted, and an export imported into a fresh stack shows
  the same totals and the same history. Its bot tallies go to the site's bot days.
- plausible: the zip of Plausible's CSV export. Page views and unique visitors per page
  and day from `imported_pages_*.csv`, the site's views and visitors per day from
  `imported_visitors_*.csv`. `imported_sources_*.csv` counts sources per site, not per
  page, and names them (`Google`, `Hacker News`), where Viewcount keeps referrer hosts
  per page: it is not read. The other files are not read either.
- goatcounter: GoatCounter's CSV export, format version 2 (gzipped or not), one row per
  pageview. Its FirstVisit is true on a session's first view of a path (its memstore), so
  a page's unique views are its FirstVisit rows, and the site's visitors on a day are the
  distinct sessions of that day (summing FirstVisit would count a reader once per page).
  Events and bots are left out; an http referrer is its host, a campaign its utm_source.
  A row's time is put on the site's day, in its time zone.
Lifetime numbers of the foreign formats are their days summed. Paths map to pages by the
site's rules (admin/busuanzi.page_of_url); a path that is no page of the site is skipped
and listed.

Before anything is written the whole file is read and checked: every bad row is reported
by its line (by its place, for the JSON), and nothing is written. Then the days of the file
are compared with what the site holds: a day that already has numbers from another import
of the same format (for viewcount, any numbers at all, counted ones included) refuses the
import, naming the days and sources, unless `--add-overlap` says to add them.

Days older than the history keeps (801 days) go into the lifetime numbers only: a day item
written for them would expire at once.
"""

from __future__ import annotations

import csv
import gzip
import hashlib
import io
import json
import re
import zipfile
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import urlencode

from admin.busuanzi import _WHOLE_NUMBER, many, page_of_url
from admin.exports import FORMAT, VERSION
from admin.targets import USAGE, AdminError, Tables
from viewcount.sites import Site, Sites
from viewcount.tables.history import (
    RETENTION_DAYS,
    SITE_DAY,
    HistoryTable,
    adjustments_of,
    generations_of,
    oldest_kept_day,
)
from viewcount.tables.page_counts import (
    Item,
    PageCountsTable,
    bots_key,
    campaign_source,
    day_blocks,
    imports_of,
    is_page_part,
    is_source,
    referrer_source,
    site_key,
    within_limit,
)
from viewcount.use_cases.import_counts import Imported, ImportPlan, ImportRefused, import_counts
from viewcount.wire import campaign_tags, referrer_host
from viewcount_infra.topology import COUNTS, HISTORY

# A Plausible export is a few CSVs; a member larger than this unzipped is no export.
MAX_MEMBER_BYTES = 1 << 30
_PLAUSIBLE_FILE = re.compile(r"imported_([a-z_]+)_(\d{8})_(\d{8})\.csv")
# Go's strconv.ParseBool, which GoatCounter writes and reads its booleans with.
_GO_TRUE = frozenset({"1", "t", "T", "TRUE", "true", "True"})
_GO_FALSE = frozenset({"0", "f", "F", "FALSE", "false", "False"})
GOATCOUNTER_COLUMNS = ("2Path", "Title", "Event", "Session", "Bot", "Referrer", "Referrer scheme", "FirstVisit", "Date")


# ---- what a file brings ----------------------------------------------------------------


@dataclass
class Numbers:
    """A page's (or the site's) numbers on a day, or for ever, as they are added up."""

    views: int = 0
    unique: int = 0
    sources: Counter[str] = field(default_factory=Counter)

    def add(self, other: Numbers) -> None:
        self.views += other.views
        self.unique += other.unique
        self.sources.update(other.sources)

    def imported(self, pages: int = 0, *, capped: bool = True) -> Imported:
        # Past 50 sources a page keeps the busiest, as counting does (MAX_SOURCES_PER_PAGE).
        # A viewcount export's are as the stack held them: capped already, and kept exact.
        sources = within_limit(self.sources, frozenset()) if capped else self.sources
        return Imported(self.views, self.unique, dict(sources), pages)


@dataclass(frozen=True)
class Skipped:
    path: str
    why: str
    views: int


@dataclass
class ImportFile:
    """A file read and checked, in the site's terms: each page's and the site's days, and
    (for a viewcount export) the lifetime numbers, titles and bot days it carries."""

    format: str
    name: str
    source: str
    pages: dict[tuple[str, str], Numbers] = field(default_factory=dict)  # (day, page)
    site_days: dict[str, Numbers] = field(default_factory=dict)
    lifetime: dict[str, Imported] | None = None  # None: the days summed
    titles: dict[str, str] = field(default_factory=dict)
    bots: dict[str, dict[str, int]] = field(default_factory=dict)
    skipped: list[Skipped] = field(default_factory=list)
    left_out: Counter[str] = field(default_factory=Counter)  # rows not imported, by kind ("event row")
    notes: list[str] = field(default_factory=list)
    capped: bool = True  # whether a page-day's sources are capped as counting caps them

    @property
    def days(self) -> list[str]:
        return sorted({day for day, _ in self.pages} | set(self.site_days) | set(self.bots))

    def page_day(self, day: str, part: str) -> Numbers:
        return self.pages.setdefault((day, part), Numbers())

    def site_day(self, day: str) -> Numbers:
        return self.site_days.setdefault(day, Numbers())


class BadFile(AdminError):
    """A file with bad rows: each one, by its line; nothing was written."""

    def __init__(self, name: str, problems: list[str]) -> None:
        rows = "row" if len(problems) == 1 else "rows"
        lines = "\n".join(f"  {problem}" for problem in problems)
        super().__init__(f"{name} has {len(problems)} bad {rows}; nothing was written:\n{lines}", USAGE)
        self.problems = problems


def source_name(import_format: str, data: bytes) -> str:
    """The file's import source: the same file is always the same source."""
    return f"{import_format}-{hashlib.sha256(data).hexdigest()[:10]}"


def read_file(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as error:
        raise AdminError(f"cannot read {path}: {error.strerror or error}", USAGE) from None


def read_import(
    import_format: str, path: Path, data: bytes, sites: Sites, site: Site, today: str
) -> ImportFile:  # fmt: skip
    """The file read and checked; BadFile listing every bad row, AdminError when it is not
    a file of that format at all."""
    if import_format not in READERS:
        raise AdminError(f"--format is one of {', '.join(FORMATS)} (got {import_format!r})", USAGE)
    found = ImportFile(import_format, str(path), source_name(import_format, data))
    READERS[import_format](found, data, sites, site, today)
    return found


class _Paths:
    """Paths to the site's pages, each decided once; the ones that are none, with why."""

    def __init__(self, sites: Sites, site: Site) -> None:
        self.sites, self.site = sites, site
        self._pages: dict[str, str | None] = {}
        self._why: dict[str, str] = {}
        self._views: Counter[str] = Counter()

    def page(self, path: str, views: int = 1) -> str | None:
        if path not in self._pages:
            try:
                self._pages[path] = page_of_url(self.sites, self.site, path) if path.startswith("/") else None
                if self._pages[path] is None:
                    self._why[path] = "not a path"
            except ValueError as error:
                self._pages[path] = None
                self._why[path] = str(error)
        if self._pages[path] is None:
            self._views[path] += views
        return self._pages[path]

    def skipped(self) -> list[Skipped]:
        return [Skipped(path, self._why[path], self._views[path]) for path in sorted(self._views)]


def _iso_day(value: Any) -> str | None:
    """`value` as a day, YYYY-MM-DD; None when it is none."""
    try:
        return date.fromisoformat(value).isoformat() if isinstance(value, str) else None
    except ValueError:
        return None


def _future(day: str, today: str) -> str | None:
    return f"{day} is after the site's today ({today})" if day > today else None


# ---- viewcount: ./admin.sh export's JSON -----------------------------------------------------


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    seen: dict[str, Any] = {}
    for key, value in pairs:
        if key in seen:
            raise ValueError(f"the key {key!r} appears twice in one object")
        seen[key] = value
    return seen


# DynamoDB's numbers hold 38 digits; a count past a quadrillion is a broken file, not a blog.
_MAX_COUNT = 10**15


def _count(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 0 <= value < _MAX_COUNT


def _tally(value: Any, where: str, problems: list[str], *, pages: bool = False) -> Numbers | None:
    """`{"views": n, "uniqueViews": n, "sources": {...}}` as Numbers; None (and a problem)
    when it is not one."""
    if not isinstance(value, dict):
        problems.append(f"{where}: not an object")
        return None
    known = {"views", "uniqueViews", "sources", *(["pages"] if pages else [])}
    bad = [f"{name} is {value.get(name)!r}" for name in ("views", "uniqueViews") if not _count(value.get(name, 0))]
    if unknown := sorted(set(value) - known):
        bad.append(f"unknown fields {', '.join(unknown)}")
    sources = value.get("sources", {})
    if not isinstance(sources, dict):
        bad.append("sources is not an object")
        sources = {}
    for name, views in sources.items():
        if not is_source(name) or not _count(views):
            bad.append(f"source {name!r}: {views!r} (a source is referrer:<host> or utm_*:<value>, with a count)")
    if pages and not _count(value.get("pages", 0)):
        bad.append(f"pages is {value.get('pages')!r}")
    if bad:
        problems.append(f"{where}: {'; '.join(bad)}")
        return None
    return Numbers(value.get("views", 0), value.get("uniqueViews", 0), Counter(sources))


def read_viewcount(found: ImportFile, data: bytes, sites: Sites, site: Site, today: str) -> None:
    name = found.name
    try:
        document = json.loads(data.decode("utf-8-sig"), object_pairs_hook=_unique_keys)
    except UnicodeDecodeError:
        raise AdminError(f"{name} is not a viewcount export: not UTF-8", USAGE) from None
    except json.JSONDecodeError as error:
        raise AdminError(f"{name}:{error.lineno}: not JSON ({error.msg}, column {error.colno})", USAGE) from None
    except ValueError as error:
        raise AdminError(f"{name} is not a viewcount export: {error}", USAGE) from None
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise AdminError(f'{name} is not a viewcount export (no "format": "{FORMAT}")', USAGE)
    if document.get("version") != VERSION:
        raise AdminError(
            f"{name} is a viewcount export of format version {document.get('version')!r}; this Viewcount reads "
            f"version {VERSION}",
            USAGE,
        )
    found.capped = False  # its sources are as the stack held them: capped already, and kept exact
    problems: list[str] = []
    lifetime = document.get("lifetime")
    if not isinstance(lifetime, dict) or not isinstance(lifetime.get("pages", {}), dict):
        problems.append('lifetime: not an object with "site" and "pages"')
        lifetime = {}
    found.lifetime = {}
    if "site" in lifetime:
        numbers = _tally(lifetime["site"], "lifetime.site", problems, pages=True)
        if numbers is not None:
            found.lifetime[SITE_DAY] = numbers.imported(lifetime["site"].get("pages", 0), capped=False)
    for part, entry in lifetime.get("pages", {}).items():
        where = f"lifetime.pages[{part!r}]"
        if not is_page_part(part):
            problems.append(f"{where}: not a page key (post#, path#, page#)")
            continue
        title = entry.pop("title", None) if isinstance(entry, dict) else None
        if title is not None and not isinstance(title, str):
            problems.append(f"{where}: title is not text")
        numbers = _tally(entry, where, problems)
        if numbers is not None:
            found.lifetime[part] = numbers.imported(capped=False)
            if isinstance(title, str):
                found.titles[part] = title
    days = document.get("days")
    if not isinstance(days, list):
        problems.append("days: not a list")
        days = []
    seen: dict[str, int] = {}
    for index, entry in enumerate(days):
        where = f"days[{index}]"
        day = _iso_day(entry.get("day")) if isinstance(entry, dict) else None
        if day is None:
            problems.append(f"{where}: no day (YYYY-MM-DD)")
            continue
        where = f"days[{index}] ({day})"
        if unknown := sorted(set(entry) - {"day", "site", "pages", "bots"}):
            problems.append(f"{where}: unknown fields {', '.join(unknown)}")
        if day in seen:
            problems.append(f"{where}: the day is days[{seen[day]}] too")
        seen.setdefault(day, index)
        if late := _future(day, today):
            problems.append(f"{where}: {late}")
        if "site" in entry and (numbers := _tally(entry["site"], f"{where}.site", problems)) is not None:
            found.site_days[day] = numbers
        pages = entry.get("pages", {})
        if not isinstance(pages, dict):
            problems.append(f"{where}.pages: not an object")
            pages = {}
        for part, tally in pages.items():
            if not is_page_part(part):
                problems.append(f"{where}.pages[{part!r}]: not a page key (post#, path#, page#)")
            elif (numbers := _tally(tally, f"{where}.pages[{part!r}]", problems)) is not None:
                found.pages[(day, part)] = numbers
        bots = entry.get("bots", {})
        if not isinstance(bots, dict) or not all(isinstance(k, str) and _count(v) for k, v in bots.items()):
            problems.append(f"{where}.bots: not an object of reasons and counts")
        elif bots:
            found.bots[day] = dict(bots)
    if problems:
        raise BadFile(name, problems)
    exported = (document.get("site"), document.get("timeZone"))
    if exported != (site.id, site.time_zone):
        found.notes.append(
            f"the export is of site {exported[0]} ({exported[1]}); its days are taken as days of site {site.id} "
            f"({site.time_zone}) as they are"
        )


# ---- CSV -------------------------------------------------------------------------------------


def _text(name: str, data: bytes) -> str:
    if data[:2] == b"\x1f\x8b":
        try:
            data = gzip.decompress(data)
        except (OSError, EOFError) as error:
            raise AdminError(f"{name} is not valid gzip: {error}", USAGE) from None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise AdminError(f"{name} is not UTF-8 text: {error}", USAGE) from None


class _Csv:
    """A CSV file's header, parsed once, and its rows by the header's names. Rows go into
    `problems` by their line when something is wrong with them."""

    def __init__(self, where: str, text: str, problems: list[str]) -> None:
        self.where, self._problems = where, problems
        self._reader = csv.reader(io.StringIO(text, newline=""))
        try:
            first = next(self._reader, [])
        except csv.Error as error:
            raise self._not_csv(error) from None
        self.header = [cell.strip() for cell in first]

    def _not_csv(self, error: csv.Error) -> AdminError:
        return AdminError(f"{self.where}:{self._reader.line_num}: not CSV: {error}", USAGE)

    def require(self, columns: Iterable[str], what: str) -> None:
        if missing := [column for column in columns if column not in self.header]:
            raise AdminError(f"{self.where} is not {what}: it has no column {', '.join(missing)}", USAGE)

    def rows(self) -> Iterator[tuple[int, dict[str, str], list[str]]]:
        """Each row with its line and what is wrong with it (its shape, to which the caller
        adds); a row that ends up with problems is reported by its line, and the caller
        leaves it out. Blank lines are skipped."""
        header = self.header
        try:
            for cells in self._reader:
                if not any(cell.strip() for cell in cells):
                    continue
                line = self._reader.line_num
                bad = [] if len(cells) == len(header) else [f"{len(cells)} fields, not the header's {len(header)}"]
                yield line, dict(zip(header, cells, strict=False)), bad
                if bad:
                    self._problems.append(f"{self.where}:{line}: {'; '.join(bad)}")
        except csv.Error as error:
            raise self._not_csv(error) from None


def _whole(row: dict[str, str], column: str, bad: list[str], what: str = "a whole number, not negative") -> int:
    value = row.get(column, "").strip()
    if not _WHOLE_NUMBER.fullmatch(value):
        bad.append(f"{column} {value!r} is not {what}")
        return 0
    return int(value)


def _day(row: dict[str, str], column: str, bad: list[str], today: str) -> str | None:
    value = row.get(column, "").strip()
    if (day := _iso_day(value)) is None:
        bad.append(f"{column} {value!r} is not a day (YYYY-MM-DD)")
        return None
    if late := _future(day, today):
        bad.append(late)
        return None
    return day


# ---- plausible ------------------------------------------------------------------------------


def read_plausible(found: ImportFile, data: bytes, sites: Sites, site: Site, today: str) -> None:
    name = found.name
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile:
        raise AdminError(f"{name} is not a zip (Plausible's export is one)", USAGE) from None
    tables: dict[str, list[tuple[str, str]]] = {}
    with archive:
        for member in archive.infolist():
            base = PurePosixPath(member.filename).name
            match = _PLAUSIBLE_FILE.fullmatch(base)
            if member.is_dir() or match is None:
                continue
            if member.file_size > MAX_MEMBER_BYTES:
                raise AdminError(f"{name}: {base} is larger than {MAX_MEMBER_BYTES:,} bytes unzipped", USAGE)
            tables.setdefault(match[1], []).append((f"{name}:{base}", _text(base, archive.read(member))))
    if "pages" not in tables or "visitors" not in tables:
        raise AdminError(
            f"{name} is not a Plausible export: it needs imported_pages_*.csv and imported_visitors_*.csv", USAGE
        )
    paths = _Paths(sites, site)
    problems: list[str] = []
    seen_pages: dict[tuple[str, str, str], str] = {}
    for where, text in tables["pages"]:
        table = _Csv(where, text, problems)
        table.require(("date", "page", "pageviews"), "Plausible's imported_pages")
        for line, row, bad in table.rows():
            day = _day(row, "date", bad, today)
            views = _whole(row, "pageviews", bad)
            visitors = _whole(row, "visitors", bad) if "visitors" in table.header else 0
            path = row.get("page", "").strip()
            if not path:
                bad.append("page is empty")
            key = (row.get("date", "").strip(), row.get("hostname", "").strip(), path)
            if key in seen_pages:
                bad.append(f"the same date, hostname and page as {seen_pages[key]}")
            seen_pages.setdefault(key, f"line {line}")
            if bad or day is None:
                continue
            part = paths.page(path, views)
            if part is not None:
                # Rows of one page under two hostnames (www and not) are one page's views.
                found.page_day(day, part).add(Numbers(views, visitors))
    seen_days: dict[str, str] = {}
    for where, text in tables["visitors"]:
        table = _Csv(where, text, problems)
        table.require(("date", "visitors", "pageviews"), "Plausible's imported_visitors")
        for line, row, bad in table.rows():
            day = _day(row, "date", bad, today)
            views, visitors = _whole(row, "pageviews", bad), _whole(row, "visitors", bad)
            if day is not None and day in seen_days:
                bad.append(f"the day is on {seen_days[day]} too")
            if bad or day is None:
                continue
            seen_days[day] = f"line {line}"
            found.site_day(day).add(Numbers(views, visitors))
    if problems:
        raise BadFile(name, problems)
    found.skipped = paths.skipped()
    not_read = sorted(table for table in tables if table not in ("pages", "visitors"))
    if "sources" in not_read:
        found.notes.append(
            "imported_sources is not read: it names sources per site (Google, Hacker News), not referrer hosts per page"
        )
    if others := [table for table in not_read if table != "sources"]:
        found.notes.append(f"not read: imported_{', imported_'.join(others)} (Viewcount keeps none of these)")


# ---- goatcounter ----------------------------------------------------------------------------


def _go_bool(row: dict[str, str], column: str, bad: list[str]) -> bool:
    value = row.get(column, "").strip()
    if value in _GO_TRUE:
        return True
    if value not in _GO_FALSE:
        bad.append(f"{column} {value!r} is not true or false")
    return False


def goatcounter_source(scheme: str, referrer: str, site: Site) -> str | None:
    """A row's referrer as a Viewcount source: an http referrer (GoatCounter keeps it without
    its scheme, `news.ycombinator.com/item`) as its host, a campaign (the value of
    utm_source, ref, src or source) as `utm_source:<value>`; generated names
    (`Hacker News`) and other schemes (Android apps) are none."""
    referrer = referrer.strip()
    if scheme == "h" and referrer:
        host = referrer_host(referrer if "://" in referrer else "https://" + referrer)
        return referrer_source(host) if host and host not in site.own_hosts else None
    if scheme == "c" and referrer:
        tags = campaign_tags("/?" + urlencode({"utm_source": referrer}))
        return campaign_source("utm_source", tags["utm_source"]) if tags else None
    return None


def read_goatcounter(found: ImportFile, data: bytes, sites: Sites, site: Site, today: str) -> None:
    name = found.name
    problems: list[str] = []
    table = _Csv(name, _text(name, data), problems)
    first = table.header[0] if table.header else ""
    if first[:1].isdigit() and first != "2Path":
        raise AdminError(
            f"{name} is GoatCounter's export format version {first[0]}; this reads version 2 (export it again)", USAGE
        )
    table.require(GOATCOUNTER_COLUMNS, "GoatCounter's CSV export (version 2)")
    paths = _Paths(sites, site)
    sessions: dict[str, set[str]] = {}
    titles: dict[str, tuple[datetime, str]] = {}
    for _, row, bad in table.rows():
        path = row.get("2Path", "")
        if not path.strip():
            bad.append("2Path is empty")
        event, first_visit = _go_bool(row, "Event", bad), _go_bool(row, "FirstVisit", bad)
        bot = _whole(row, "Bot", bad, "a number")
        scheme = row.get("Referrer scheme", "").strip()
        if scheme not in ("", "h", "g", "c", "o"):
            bad.append(f"Referrer scheme {scheme!r} is none of h, g, c, o")
        when = _rfc3339(row.get("Date", ""), bad)
        day = site.day_of(when.timestamp()) if when else None
        if day is not None and (late := _future(day, today)):
            bad.append(late)
        if bad or when is None or day is None:
            continue
        if event:
            found.left_out["event row"] += 1
            continue
        if bot != 0:
            found.left_out["bot row"] += 1
            continue
        part = paths.page(path)
        if part is None:
            continue
        tally = Numbers(1, int(first_visit))
        if source := goatcounter_source(scheme, row.get("Referrer", ""), site):
            tally.sources[source] += 1
        tally.sources.update(campaign_source(parameter, value) for parameter, value in campaign_tags(path).items())
        found.page_day(day, part).add(tally)
        found.site_day(day).views += 1
        session = row.get("Session", "").strip()
        if session:
            sessions.setdefault(day, set()).add(session)
        elif first_visit:
            found.site_day(day).unique += 1  # no session to tell: its first view counts it
        title = row.get("Title", "").strip()
        if title and (part not in titles or titles[part][0] <= when):
            titles[part] = (when, title)
    if problems:
        raise BadFile(name, problems)
    for day, seen in sessions.items():
        found.site_day(day).unique += len(seen)
    found.titles = {part: title for part, (_, title) in titles.items()}
    found.skipped = paths.skipped()


def _rfc3339(value: str, bad: list[str]) -> datetime | None:
    value = value.strip()
    try:
        when = datetime.fromisoformat(value)
    except ValueError:
        when = None
    if when is None or when.tzinfo is None or "T" not in value.upper():
        bad.append(f"Date {value!r} is not RFC 3339 (2026-11-30T12:00:00Z)")
        return None
    return when


READERS: dict[str, Callable[[ImportFile, bytes, Sites, Site, str], None]] = {
    "viewcount": read_viewcount,
    "plausible": read_plausible,
    "goatcounter": read_goatcounter,
}
FORMATS = tuple(READERS)


# ---- the plan, the overlap, the writing -----------------------------------------------------------


@dataclass(frozen=True)
class Overlap:
    day: str  # a day, or "lifetime"
    sources: tuple[str, ...]  # `counted`, `adjusted`, or import sources


@dataclass
class ImportReport:
    site: Site
    file: ImportFile
    plan: ImportPlan
    kept_days: list[str]
    old_days: list[str]  # older than the history keeps: in the lifetime numbers only
    held: Held
    written: bool = False

    def describe(self, dry_run: bool) -> str:
        site, found = self.site, self.file
        pages = {part: numbers for part, numbers in self.plan.lifetime.items() if part != SITE_DAY}
        whole = self.plan.lifetime.get(SITE_DAY, Imported(0))
        verb = "Would import" if dry_run else "Imported"
        span = f"{self.kept_days[0]} to {self.kept_days[-1]}" if self.kept_days else "no day"
        lines = [
            f"{verb} {found.format} file {found.name} as import source {found.source} on site {site.id}:",
            f"  days:  {many(len(self.kept_days), 'day')}, {span} (the site's days, {site.time_zone})",
            f"  pages: {many(len(pages), 'page')}, {sum(p.views for p in pages.values()):,} views, "
            f"{sum(p.unique for p in pages.values()):,} unique views (lifetime)",
            f"  site:  {whole.views:,} views, {whole.unique:,} visitor-days (lifetime)",
        ]
        if self.old_days:
            lines.append(
                f"  older than the history keeps ({RETENTION_DAYS} days): {many(len(self.old_days), 'day')}, "
                f"{self.old_days[0]} to {self.old_days[-1]}, in the lifetime numbers only"
            )
        if found.bots:
            lines.append(f"  bots:  {sum(sum(r.values()) for r in found.bots.values()):,} bot views on the site's days")
        held = self.held
        if held.overlap:
            lines.append(f"  added to the numbers already there (--add-overlap) on {many(len(held.overlap), 'day')}")
        if held.counted_days:
            lines.append(
                f"  Viewcount counted views too on {len(held.counted_days):,} of these days "
                f"({held.counted_days[0]} to {held.counted_days[-1]}): both are shown, added"
            )
        if held.again:
            lines.append("  imported before: its numbers are set again, nothing is added")
        if found.left_out:
            left_out = sorted(found.left_out.items())
            lines.append("  left out: " + ", ".join(many(count, why) for why, count in left_out))
        lines += [f"  note: {note}" for note in found.notes]
        if found.skipped:
            views = sum(skipped.views for skipped in found.skipped)
            paths = many(len(found.skipped), "path")
            lines += ["", f"Not pages of site {site.id}, skipped ({paths}, {many(views, 'view')}):"]
            lines += [f"  {skipped.path}  ({skipped.why}; {many(skipped.views, 'view')})" for skipped in found.skipped]
        if dry_run:
            lines += ["", "Dry run: nothing was written."]
        return "\n".join(lines)


def plan_import(found: ImportFile, today: str) -> tuple[ImportPlan, list[str], list[str]]:
    """The import plan of a file read, and its days kept and too old to keep as days."""
    oldest = oldest_kept_day(today)
    kept = [day for day in found.days if day >= oldest]
    old = [day for day in found.days if day < oldest]
    if found.lifetime is not None:
        lifetime = dict(found.lifetime)
    else:
        totals: dict[str, Numbers] = {}
        for (_, part), numbers in found.pages.items():
            totals.setdefault(part, Numbers()).add(numbers)
        site_total = Numbers()
        for numbers in found.site_days.values():
            site_total.add(numbers)
        # The site's page gauge counts the pages the file brings, as migrate copies it: each
        # is a counter the site's page limit must see.
        lifetime = {part: numbers.imported() for part, numbers in sorted(totals.items())}
        lifetime[SITE_DAY] = site_total.imported(pages=len(totals))
    # Written a day at a time: the days with pages first (each day's pages, then the site),
    # then the days with the site's numbers only.
    entries = [*sorted(found.pages.items()), *(((day, SITE_DAY), n) for day, n in sorted(found.site_days.items()))]
    by_day: dict[str, dict[tuple[str, str], Imported]] = {}
    for (day, part), numbers in entries:
        if day >= oldest:
            by_day.setdefault(day, {})[(day, part)] = numbers.imported(capped=found.capped)
    days = {key: imported for day_entries in by_day.values() for key, imported in day_entries.items()}
    titles = {part: title for part, title in found.titles.items() if part in lifetime}
    return ImportPlan(found.source, lifetime=lifetime, days=days, titles=titles), kept, old


@dataclass
class Held:
    """What the site holds already on a file's days."""

    overlap: list[Overlap] = field(default_factory=list)
    counted_days: list[str] = field(default_factory=list)  # days Viewcount counted views on
    again: bool = False  # the file's source is there: it was imported before


def find_overlap(
    counters: PageCountsTable, history: HistoryTable, site: Site, found: ImportFile, days: list[str]
) -> Held:
    """The days of the file that already hold numbers the import would add to (for a
    viewcount export: any but its own; else another import of the same format's), and the
    days Viewcount counted views on. One Query per day, and one read of the site's counter."""
    site_counter: Item = counters.get_items([site_key(site.id)]).get(site_key(site.id), {})
    blocks = day_blocks(site_counter)
    held = Held(again=found.source in imports_of(site_counter))
    prefix = found.format + "-"
    if found.format == "viewcount":
        # Two exports of one stack (each with its lifetime) would count the lifetime twice.
        others = sorted(name for name in imports_of(site_counter) if name.startswith(prefix) and name != found.source)
        if others:
            held.overlap.append(Overlap("lifetime", tuple(others)))
    for day in days:
        items = history.day(site.id, day)
        names: set[str] = set()
        was_counted = day in blocks or any(generations_of(item) for item in items.values())
        for item in items.values():
            held.again |= found.source in imports_of(item)
            names.update(name for name in imports_of(item) if name != found.source)
            if any(adjustments_of(item).values()):
                names.add("adjusted")
        if found.format == "viewcount":
            names |= {"counted"} if was_counted else set()
        else:
            names = {name for name in names if name.startswith(prefix)}
            if was_counted:
                held.counted_days.append(day)
        if names:
            held.overlap.append(Overlap(day, tuple(sorted(names))))
    return held


def overlap_refusal(found: ImportFile, overlap: list[Overlap]) -> AdminError:
    what = "numbers" if found.format == "viewcount" else f"numbers from another {found.format} import"
    lines = [f"{found.name} ({found.source}): the site already holds {what} on these days:"]
    shown = overlap[:50]
    lines += [f"  {entry.day}  {', '.join(entry.sources)}" for entry in shown]
    if any(entry.day == "lifetime" for entry in overlap):
        lines.append("(lifetime: another export's lifetime totals are imported; two would count them twice)")
    if len(overlap) > len(shown):
        lines.append(f"  and {len(overlap) - len(shown)} more")
    lines.append(
        "Importing would count those views twice. Run it again with --add-overlap to add them anyway; "
        "nothing was written."
    )
    return AdminError("\n".join(lines))


def run_import(
    tables: Tables,
    site: Site,
    found: ImportFile,
    today: str,
    *,
    dry_run: bool,
    add_overlap: bool,
    progress: Callable[[int], Callable[[], None]] = lambda total: lambda: None,
) -> ImportReport:
    """Check the file's plan, refuse an overlap (unless `add_overlap`), then write it: every
    counter, every day, then the bot days; `progress(total)` makes the callback called after
    each item written."""
    plan, kept, old = plan_import(found, today)
    try:
        plan.check()
    except ImportRefused as error:
        raise AdminError(f"cannot import {found.name}: {error}; nothing was written", USAGE) from None
    counters = PageCountsTable(tables.dynamodb, tables.name(COUNTS))
    history = HistoryTable(tables.dynamodb, tables.name(HISTORY))
    held = find_overlap(counters, history, site, found, kept)
    if held.overlap and not add_overlap:
        raise overlap_refusal(found, held.overlap)
    report = ImportReport(site, found, plan, kept, old, held)
    if dry_run:
        return report
    bot_days = [day for day in kept if day in found.bots]
    step = progress(len(plan.lifetime) + len(plan.days) + len(bot_days))
    import_counts(counters, history, site, plan, step)
    for day in bot_days:
        counters.set_import(bots_key(site.id, day), plan.source, found.bots[day])
        step()
    report.written = True
    return report


def import_file(
    tables: Tables,
    site: Site,
    path: Path,
    import_format: str,
    today: str,
    *,
    dry_run: bool,
    add_overlap: bool,
    progress: Callable[[int], Callable[[], None]] = lambda total: lambda: None,
) -> ImportReport:
    """Read, check and import a file (see the module's docstring)."""
    data = read_file(path)
    found = read_import(import_format, path, data, tables.sites, site, today)
    if not found.days and not found.lifetime:
        raise AdminError(f"{path} holds no views of site {site.id}; nothing was written")
    return run_import(tables, site, found, today, dry_run=dry_run, add_overlap=add_overlap, progress=progress)
