"""The dashboard's API: which sites a viewer may see, a site's stats over a range of its days,
and a ticket for the live WebSocket. Every answer is for a viewer that DashboardAccess let in.

A range is read with bounded Query and BatchGetItem calls only (viewcount.use_cases.read_stats,
which bounds the days and the rows), with the previous period of the same length.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import date
from typing import Any

from viewcount import errors
from viewcount.sites import shift_day
from viewcount.tables.history import RETENTION_DAYS, HistoryTable, oldest_kept_day
from viewcount.tables.page_counts import PageCountsTable
from viewcount.use_cases.dashboard_access import TICKET_SECONDS, AccessRefused, DashboardAccess, Viewer
from viewcount.use_cases.read_stats import DEFAULT_TOP, StatsRefused, read_stats

DEFAULT_DAYS = 30


def bad(name: str, detail: str) -> AccessRefused:
    return AccessRefused(400, errors.INVALID_FIELD, f"{name}: {detail}")


class AnswerDashboard:
    def __init__(self, counters: PageCountsTable, history: HistoryTable, access: DashboardAccess) -> None:
        self.counters = counters
        self.history = history
        self.access = access

    def answer(
        self, route: str, query: Mapping[str, str], body: str | None, authorization: str | None, source_ip: str,
        now: int,
    ) -> dict[str, Any]:  # fmt: skip
        """The JSON answer of a route; AccessRefused with the status and code of a refusal."""
        viewer = self.access.viewer(authorization, source_ip, now)
        if route == "GET /dashboard/sites":
            return self.sites(viewer, now)
        if route == "GET /dashboard/stats":
            return self.stats(viewer, query, now)
        if route == "POST /dashboard/tickets":
            return self.ticket(viewer, body, now)
        raise AccessRefused(404, errors.UNKNOWN_ROUTE, f"no route {route}")

    def sites(self, viewer: Viewer, now: int) -> dict[str, Any]:
        return {
            "role": viewer.role,
            "sites": [
                {
                    "id": site.id,
                    "timeZone": site.time_zone,
                    "today": site.day_of(now),
                    "origins": [str(origin) for origin in site.origins],
                    "publicCounter": site.public_counter,
                }
                for site in viewer.sites
            ],
        }

    def stats(self, viewer: Viewer, query: Mapping[str, str], now: int) -> dict[str, Any]:
        site = viewer.site(query.get("site") or None)
        today = site.day_of(now)
        last = _day(query, "to") or today
        first = _day(query, "from") or shift_day(last, 1 - DEFAULT_DAYS)
        # Days the history cannot hold are no range to read (and far ones overflow a date).
        if last > shift_day(today, 1):
            raise bad("to", f"{last} is after the site's today ({today})")
        if first < oldest_kept_day(today):
            raise bad("from", f"{first} is older than the {RETENTION_DAYS} days the history keeps")
        top = _whole(query, "top", DEFAULT_TOP)
        try:
            report = read_stats(
                self.counters, self.history, site, first, last, query.get("page") or None,
                top=top, source=query.get("source") or None,
            )  # fmt: skip
        except StatsRefused as refused:
            raise bad(refused.parameter, str(refused)) from None
        return {**report.as_json(), "today": today}

    def ticket(self, viewer: Viewer, body: str | None, now: int) -> dict[str, Any]:
        try:
            asked = json.loads(body) if body else {}
        except ValueError:
            raise AccessRefused(400, errors.INVALID_JSON, "the body is not JSON") from None
        site_id = asked.get("site") if isinstance(asked, dict) else None
        if site_id is not None and not isinstance(site_id, str):
            raise bad("site", "a site id")
        ticket, site = self.access.issue_ticket(viewer, site_id, now)
        return {"ticket": ticket, "site": site.id, "expiresIn": TICKET_SECONDS}


def _day(query: Mapping[str, str], name: str) -> str | None:
    text = query.get(name)
    if not text:
        return None
    try:
        return date.fromisoformat(text).isoformat()
    except ValueError:
        raise bad(name, f"not a day (YYYY-MM-DD): {text[:20]!r}") from None


def _whole(query: Mapping[str, str], name: str, default: int) -> int:
    text = query.get(name)
    if not text:
        return default
    if not text.isdigit() or len(text) > 6:
        raise bad(name, f"a whole number (got {text[:20]!r})")
    return int(text)
