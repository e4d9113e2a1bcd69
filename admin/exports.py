"""`./admin.sh export`: a site's days as CSV files for people, and as one JSON file that
`./admin.sh import --format viewcount` takes back.

DIR/pages.csv        date,page,title,views,unique_views
DIR/referrers.csv    date,page,referrer,views
DIR/campaigns.csv    date,page,parameter,value,views
DIR/viewcount-export.json

A page is named in the CSVs by its path, or where it has none by its key (`post#hello`,
`page#Home_Page`). A day is the site's, in its time zone, and its numbers are those the
history shows (use_cases/export_history: moved blocks, the block still on a counter,
imports, adjustments). The JSON also carries each counter's lifetime numbers as they are
shown (counted plus every import), the site's own days (views and visitors) and bot days,
and titles: all an import into a fresh stack needs to show the same totals and history.

The reads are those of export_history (one Query per day, BatchGetItem for the counters
and the bot days); never a Scan. The files are written beside their place and renamed into
it, so a stopped export leaves the previous files whole.
"""

from __future__ import annotations

import csv
import io
import json
import os
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from admin.targets import USAGE, AdminError, Tables
from viewcount.sites import Site, days_between
from viewcount.tables.history import RETENTION_DAYS, SITE_DAY, HistoryTable
from viewcount.tables.page_counts import (
    PAGES,
    PATH_KEY_PREFIX,
    REFERRER_PREFIX,
    TOTAL_VIEWS,
    UNIQUE_VIEWS,
    PageCountsTable,
    Tally,
    is_source,
    split_source,
)
from viewcount.use_cases.export_history import StoredHistory, read_days
from viewcount.wire import CAMPAIGN_PARAMETERS
from viewcount_infra.topology import COUNTS, HISTORY

FORMAT = "viewcount-export"
VERSION = 1
JSON_FILE = "viewcount-export.json"
PAGES_FILE, REFERRERS_FILE, CAMPAIGNS_FILE = "pages.csv", "referrers.csv", "campaigns.csv"
# A spreadsheet runs a cell that starts with one of these as a formula; titles are the
# senders' to choose, so such a cell is written with a leading apostrophe.
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def check_range(first: str, last: str) -> None:
    if last < first:
        raise AdminError(f"the range ends ({last}) before it starts ({first})", USAGE)
    if (days := len(days_between(first, last))) > RETENTION_DAYS:
        raise AdminError(f"at most {RETENTION_DAYS} days, all the history keeps (asked for {days})", USAGE)


def page_label(part: str) -> str:
    """A page as the CSVs name it: its path, else its key."""
    return part.removeprefix(PATH_KEY_PREFIX) if part.startswith(PATH_KEY_PREFIX) else part


def tally_json(tally: Tally) -> dict[str, Any]:
    """A tally as the JSON has it: views, unique views (the site's: visitors), the site's
    page gauge, and sources."""
    entry: dict[str, Any] = {"views": tally.get(TOTAL_VIEWS, 0), "uniqueViews": tally.get(UNIQUE_VIEWS, 0)}
    if PAGES in tally:
        entry["pages"] = tally[PAGES]
    sources = {name: value for name, value in sorted(tally.items()) if is_source(name)}
    if sources:
        entry["sources"] = sources
    return entry


def export_document(stored: StoredHistory, exported_at: datetime) -> dict[str, Any]:
    """The JSON an import takes back: format and version, the site and its time zone, each
    counter's lifetime numbers with its title, and each day that has numbers."""
    lifetime = stored.lifetime()
    titles = stored.titles()
    pages = {}
    for part in sorted(part for part in lifetime if part != SITE_DAY):
        pages[part] = {**({"title": titles[part]} if part in titles else {}), **tally_json(lifetime[part])}
    days = []
    for day in stored.days:
        if day.empty:
            continue
        entry: dict[str, Any] = {"day": day.day}
        if day.site:
            entry["site"] = tally_json(day.site)
        if day.pages:
            entry["pages"] = {part: tally_json(tally) for part, tally in sorted(day.pages.items())}
        if day.bots:
            entry["bots"] = dict(sorted(day.bots.items()))
        days.append(entry)
    return {
        "format": FORMAT,
        "version": VERSION,
        "exportedAt": exported_at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "site": stored.site.id,
        "timeZone": stored.site.time_zone,
        "from": stored.first,
        "to": stored.last,
        "lifetime": {
            **({"site": tally_json(lifetime[SITE_DAY])} if SITE_DAY in lifetime else {}),
            "pages": pages,
        },
        "days": days,
    }


def document_text(document: dict[str, Any]) -> str:
    """The JSON with one page's lifetime, and one day, a line: readable, diffable, and
    small enough for 801 days of a thousand pages."""

    def dumps(value: Any) -> str:
        return json.dumps(value, ensure_ascii=False, separators=(", ", ": "))

    def lines_of(entries: list[str], open_: str, close: str) -> str:
        if not entries:
            return open_ + close
        return f"{open_}\n" + ",\n".join(f"    {entry}" for entry in entries) + f"\n  {close}"

    fields = []
    for name, value in document.items():
        if name == "lifetime":
            pages = [f"{dumps(part)}: {dumps(entry)}" for part, entry in value["pages"].items()]
            site = f'"site": {dumps(value["site"])}, ' if "site" in value else ""
            text = "{" + site + '"pages": ' + lines_of(pages, "{", "}") + "}"
        elif name == "days":
            text = lines_of([dumps(day) for day in value], "[", "]")
        else:
            text = dumps(value)
        fields.append(f"  {dumps(name)}: {text}")
    return "{\n" + ",\n".join(fields) + "\n}\n"


def _cell(text: str | None) -> str:
    text = text or ""
    return "'" + text if text.startswith(_FORMULA_STARTS) else text


def _csv(header: tuple[str, ...], rows: list[tuple[Any, ...]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue()


CSV_HEADERS = {
    PAGES_FILE: ("date", "page", "title", "views", "unique_views"),
    REFERRERS_FILE: ("date", "page", "referrer", "views"),
    CAMPAIGNS_FILE: ("date", "page", "parameter", "value", "views"),
}


def csv_rows(stored: StoredHistory) -> dict[str, list[tuple[Any, ...]]]:
    """The rows of pages.csv, referrers.csv and campaigns.csv: one per page and day (and
    referrer, or campaign tag) with views; a page's title is its title now."""
    titles = stored.titles()
    pages, referrers, campaigns = [], [], []
    for day in stored.days:
        for part, tally in sorted(day.pages.items()):
            page = _cell(page_label(part))
            views, unique = tally.get(TOTAL_VIEWS, 0), tally.get(UNIQUE_VIEWS, 0)
            if views or unique:
                pages.append((day.day, page, _cell(titles.get(part)), views, unique))
            for name, count in sorted(tally.items()):
                if not count:
                    continue
                kind, value = split_source(name)
                if name.startswith(REFERRER_PREFIX):
                    referrers.append((day.day, page, _cell(value), count))
                elif kind in CAMPAIGN_PARAMETERS:
                    campaigns.append((day.day, page, kind, _cell(value), count))
    return {PAGES_FILE: pages, REFERRERS_FILE: referrers, CAMPAIGNS_FILE: campaigns}


@dataclass(frozen=True)
class ExportDone:
    site: Site
    first: str
    last: str
    out: Path
    days: int  # days with numbers
    pages: int  # pages with lifetime numbers
    rows: dict[str, int]  # CSV rows per file

    def describe(self) -> str:
        lines = [
            f"Exported site {self.site.id}, {self.first} to {self.last} ({self.site.time_zone}): "
            f"{self.days:,} days with views, {self.pages:,} pages, to {self.out}/",
        ]
        for name, rows in self.rows.items():
            lines.append(f"  {name:<22} {rows:>9,} row{'' if rows == 1 else 's'}")
        lines.append(f"  {JSON_FILE:<22} (./admin.sh import --format viewcount takes it back)")
        return "\n".join(lines)


def _write(path: Path, text: str) -> None:
    partial = path.with_name(path.name + ".partial")
    partial.write_text(text, encoding="utf-8", newline="")
    os.replace(partial, path)


def export_site(
    tables: Tables,
    site: Site,
    out: Path,
    first: str,
    last: str,
    *,
    now: datetime,
    progress: Callable[[int], Callable[[], None]] = lambda total: lambda: None,
) -> ExportDone:
    """Read the site's days from `first` to `last` and write the four files into `out`
    (made if need be): `progress(total)`, once the range is checked, makes the callback
    called after each day is read."""
    check_range(first, last)
    step = progress(len(days_between(first, last)))
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise AdminError(f"cannot make {out}: {error.strerror or error}", USAGE) from None
    counters = PageCountsTable(tables.dynamodb, tables.name(COUNTS))
    history = HistoryTable(tables.dynamodb, tables.name(HISTORY))
    stored = read_days(counters, history, site, first, last, progress=lambda day: step())
    rows = csv_rows(stored)
    document = export_document(stored, now)
    try:
        for name, file_rows in rows.items():
            _write(out / name, _csv(CSV_HEADERS[name], file_rows))
        _write(out / JSON_FILE, document_text(document))
    except OSError as error:
        raise AdminError(f"cannot write into {out}: {error.strerror or error}") from None
    return ExportDone(
        site=site,
        first=first,
        last=last,
        out=out,
        days=len(document["days"]),
        pages=len(document["lifetime"]["pages"]),
        rows={name: len(file_rows) for name, file_rows in rows.items()},
    )
