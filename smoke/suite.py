"""The checks of `./smoke.sh`, in the order they run; each ends in one printed line.

`ok   <name>: <evidence>`, `FAIL <name>: <what was expected and what came>`, or
`later <name>: <command to run later and what it should show>` for evidence that comes
late. A check that cannot be tried because an earlier one failed fails too, saying so.

The views are of SMOKE_PAGE only: the functions count them in a site of their own
(viewcount.sites.SMOKE_SITE_ID), which no configured site's numbers include, and log what
only AWS can show of them (viewcount.deployment_checks), read back here from the logs.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import quote, urlencode, urljoin, urlsplit

from smoke.browser import CHROME, FIREFOX, Answer, Refused, Socket, Tally, Unreachable, open_socket, request
from smoke.deployments import Deployment, DeploymentError, Outputs, function_name
from viewcount.deployment_checks import RECORDS_WITHOUT_A_VIEW, SMOKE_VIEW_ACCEPTED, SMOKE_VIEWS_COUNTED
from viewcount.origins import normalise_origin
from viewcount.sites import SMOKE_PATH, SiteOrigin
from viewcount_infra.topology import COUNT_VIEWS, STREAM_FILTER, STREAM_TUMBLING_WINDOW_SECONDS, VIEWS

SMOKE_PAGE = SMOKE_PATH + "/"
FOREIGN_ORIGIN = "https://smoke-foreign.invalid"
# Lines logged this long before the run started are taken as the run's (clocks differ a little).
CLOCK_SLACK_SECONDS = 1.0
# The deployed stream's filter passes only these.
STREAM_EVENTS = frozenset(STREAM_FILTER["eventName"])

OK, FAIL, LATER = "ok", "FAIL", "later"

# Every check, in the order it runs, with what it shows.
CHECKS: dict[str, str] = {
    "connect": "the $connect route (authorizer, then the mock integration) admits a browser from --origin",
    "foreign-origin-refused": "a page of another origin is refused at the handshake (403)",
    "counts-answers": "the counts route answers for the smoke page",
    "view-counted-and-pushed": "a view is counted and pushed back to its reader, one higher than counts said",
    "second-reader-pushed-live": "another visitor's view is pushed live to the first reader (reading now: 2)",
    "http-beacon-counted": "POST /views (a beacon) is counted, as GET /counts shows to the blog's origin",
    "dashboard-api-key": "GET /dashboard/sites answers the owner key, 401 without it, and its preflight allows it",
    "dashboard-site": "the dashboard's page is served, and its config.json names the HTTP and WebSocket APIs",
    "dashboard-ticket": "a ticket admits one dashboard WebSocket, whose watch is answered live; not twice",
    "authorizer-context": "the authorizer's context (origin, User-Agent) reaches views (its log)",
    "stream-mapping": "the stream mapping's filter, tumbling window and shardId (the counting function's log)",
    "smoke-views-left-out": "the site of --origin has the same totals today, and no views of the smoke page",
    "connections-get-not-billed": "GET @connections is not billed as a message (CloudWatch MessageCount, later)",
}


@dataclass(frozen=True)
class Result:
    status: str  # OK, FAIL or LATER
    name: str
    detail: str

    def line(self) -> str:
        return f"{self.status:<4} {self.name}: {self.detail}"


class UsageError(Exception):
    """An argument that the deployment shows to be wrong (exit status 2)."""


def is_smoke_push(frame: dict[str, Any]) -> bool:
    """A push of the smoke page's counts (keyed by its normalised path)."""
    return (
        frame.get("message") == "views"
        and str(frame.get("path", "")).rstrip("/") == SMOKE_PATH
        and isinstance(frame.get("totalViews"), int)
    )


def site_origins(entries: list[str]) -> set[str]:
    """The origins of a site's entries (`https://user.github.io/notes` is on `https://user.github.io`)."""
    return {SiteOrigin.parse(entry).origin for entry in entries}


def origin_of(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def describe_push(frame: dict[str, Any]) -> str:
    return (
        f"totalViews {frame.get('totalViews')}, uniqueViews {frame.get('uniqueViews')}, "
        f"readingNow {frame.get('readingNow')}"
    )


def error_code(frame: dict[str, Any] | None) -> str | None:
    if frame and frame.get("message") == "error":
        return str((frame.get("error") or {}).get("code"))
    return None


class Suite:
    def __init__(
        self,
        deployment: Deployment,
        outputs: Outputs,
        owner_key: str,
        *,
        endpoint: str,
        origin: str,
        site: str | None,
        timeout: float,
        report: Callable[[Result], None] = lambda result: print(result.line(), flush=True),
    ) -> None:
        self.deployment = deployment
        self.outputs = outputs
        self.owner_key = owner_key
        self.endpoint = endpoint
        self.origin = origin
        self.site_wanted = site
        self.timeout = timeout
        self.report = report
        self.dashboard_origin = origin_of(outputs.dashboard_url)
        self.tally = Tally()
        self.results: list[Result] = []
        self.readers: list[Socket] = []
        # GET @connections the counting function makes for this run's views: each view probes
        # the page's other open readers (docs/readers.md).
        self.probes = 0
        self.since = 0.0

    # ---- results ---------------------------------------------------------------------

    def record(self, status: str, name: str, detail: str) -> None:
        assert name in CHECKS, name
        result = Result(status, name, detail)
        self.results.append(result)
        self.report(result)

    def ok(self, name: str, detail: str) -> None:
        self.record(OK, name, detail)

    def fail(self, name: str, detail: str) -> None:
        self.record(FAIL, name, detail)

    @property
    def passed(self) -> bool:
        return all(result.status != FAIL for result in self.results)

    # ---- requests --------------------------------------------------------------------

    async def http(
        self, method: str, path: str, *, key: str | None = None, body: Any = None, dashboard: bool = False
    ) -> Answer:
        """A request to the HTTP API from the blog's page, or with `dashboard` from the dashboard's."""
        headers = {"Authorization": f"Bearer {key}"} if key else {}
        origin = self.dashboard_origin if dashboard else self.origin
        url = self.outputs.http_api_url + path
        return await asyncio.to_thread(request, method, url, origin=origin, body=body, headers=headers)

    def view_frame(self) -> dict[str, Any]:
        """The `views` frame the browser client sends on loading the smoke page."""
        return {
            "message": "views",
            "viewId": str(uuid.uuid4()),
            "article": False,
            "articleTitle": "Viewcount smoke test",
            "currentPage": SMOKE_PAGE,
            "refreshed": False,
        }

    async def counts_over_http(self) -> tuple[Answer, int | None]:
        answer = await self.http("GET", "/counts?" + urlencode({"paths": SMOKE_PAGE}))
        body = answer.json()
        total = None
        if answer.status == 200 and isinstance(body, dict):
            total = ((body.get("paths") or {}).get(SMOKE_PAGE) or {}).get("totalViews")
        return answer, total if isinstance(total, int) else None

    async def stats(self, site: str, day: str, page: str | None = None) -> tuple[Answer, dict[str, Any] | None]:
        query = urlencode({"site": site, "from": day, "to": day, **({"page": page} if page else {})})
        answer = await self.http("GET", f"/dashboard/stats?{query}", key=self.owner_key, dashboard=True)
        body = answer.json()
        return answer, body if answer.status == 200 and isinstance(body, dict) else None

    async def connect(self, url: str, origin: str, user_agent: str) -> Socket:
        return await open_socket(url, origin, user_agent, self.tally, self.timeout)

    # ---- the run ---------------------------------------------------------------------

    async def run(self) -> list[Result]:
        started = time.time()
        self.since = started - CLOCK_SLACK_SECONDS
        sites = await self.http("GET", "/dashboard/sites", key=self.owner_key, dashboard=True)
        site, today = self.site_of(sites)
        before = await self.stats(site, today) if site and today else None
        try:
            reader = await self.check_connect()
            await self.check_foreign_origin()
            before_view = await self.check_counts(reader)
            first = await self.check_view(reader, before_view)
            second = await self.check_second_reader(reader, first)
            await self.check_beacon(reader, second)
            await self.check_dashboard_api(sites)
            dashboard_ws = await self.check_dashboard_site()
            await self.check_ticket(site, sites, dashboard_ws)
        finally:
            for socket in self.readers:
                await socket.close()
        await self.check_authorizer_context()
        await self.check_stream_mapping()
        await self.check_left_out(site, today, before, sites)
        self.check_message_count(started, time.time())
        return self.results

    def site_of(self, sites: Answer) -> tuple[str | None, str | None]:
        """The configured site whose dashboard is tested, and its today; (None, None) when the
        sites cannot be read (the checks that need them fail). UsageError for an unknown --site."""
        body = sites.json()
        if sites.status != 200 or not isinstance(body, dict) or not body.get("sites"):
            return None, None
        listed = {entry["id"]: entry.get("today") for entry in body["sites"]}
        if self.site_wanted is None:
            # The site of --origin: where a smoke view would land if it were not kept apart.
            owner = next(
                (entry for entry in body["sites"] if self.origin in site_origins(entry.get("origins") or [])),
                body["sites"][0],
            )
            return owner["id"], owner.get("today")
        if self.site_wanted not in listed:
            raise UsageError(f"--site {self.site_wanted}: no such site here; the sites are {', '.join(listed)}")
        return self.site_wanted, listed[self.site_wanted]

    async def check_connect(self) -> Socket | None:
        name = "connect"
        try:
            reader = await self.connect(self.endpoint, self.origin, CHROME)
        except Refused as refused:
            self.fail(name, f"expected 101 for Origin {self.origin}, got {refused.status}")
            return None
        except Unreachable as error:
            self.fail(name, f"no handshake with {self.endpoint}: {error}")
            return None
        self.readers.append(reader)
        self.ok(name, f"101 from {self.endpoint} for Origin {self.origin}, User-Agent desktop Chrome")
        return reader

    async def check_foreign_origin(self) -> None:
        name = "foreign-origin-refused"
        try:
            socket = await self.connect(self.endpoint, FOREIGN_ORIGIN, CHROME)
        except Refused as refused:
            if refused.status == 403:
                self.ok(name, f"403 for Origin {FOREIGN_ORIGIN}")
            else:
                self.fail(name, f"expected 403 for Origin {FOREIGN_ORIGIN}, got {refused.status}")
            return
        except Unreachable as error:
            self.fail(name, f"expected 403 for Origin {FOREIGN_ORIGIN}, got no handshake: {error}")
            return
        await socket.close()
        self.fail(name, f"expected 403 for Origin {FOREIGN_ORIGIN}, got 101: the connection was admitted")

    async def check_counts(self, reader: Socket | None) -> int | None:
        name = "counts-answers"
        if reader is None:
            self.fail(name, "not tried: no connection (connect failed)")
            return None
        mark = await reader.send({"message": "counts", "articleIds": [], "paths": [SMOKE_PAGE]})
        answer = await reader.frame(
            lambda f: f.get("message") == "error" or (f.get("message") == "counts" and "paths" in f),
            self.timeout,
            after=mark,
        )
        counts = ((answer or {}).get("paths") or {}).get(SMOKE_PAGE) or {}
        if answer is None or error_code(answer) or not isinstance(counts.get("totalViews"), int):
            got = f"error {error_code(answer)}" if error_code(answer) else answer or reader.nothing(self.timeout)
            self.fail(name, f"expected a counts frame with paths[{SMOKE_PAGE!r}], got {got}")
            return None
        self.ok(name, f"{SMOKE_PAGE}: totalViews {counts['totalViews']}, uniqueViews {counts.get('uniqueViews')}")
        return counts["totalViews"]

    async def check_view(self, reader: Socket | None, before: int | None) -> dict[str, Any] | None:
        name = "view-counted-and-pushed"
        if reader is None:
            self.fail(name, "not tried: no connection (connect failed)")
            return None
        floor = (before or 0) + 1
        sent = time.monotonic()
        mark = await reader.send(self.view_frame())
        push = await reader.frame(
            lambda f: error_code(f) is not None or (is_smoke_push(f) and f["totalViews"] >= floor),
            self.timeout,
            after=mark,
        )
        waited = time.monotonic() - sent
        if push is None or error_code(push):
            seen = [f for f in reader.frames[mark:] if is_smoke_push(f)]
            got = f"error {error_code(push)}" if push else (describe_push(seen[-1]) if seen else "no push")
            got += f" ({reader.closed})" if reader.closed else ""
            self.fail(
                name, f"expected a push of {SMOKE_PATH} with totalViews >= {floor} within {self.timeout:g} s, got {got}"
            )
            return None
        if before is None:
            self.fail(name, f"pushed {describe_push(push)}, but counts gave no number to compare it with")
            return push
        if push["totalViews"] != floor:
            # Another client viewing the page at the same time would do this too: run it again.
            self.fail(name, f"expected totalViews {floor}, one higher than counts said, got {describe_push(push)}")
            return push
        self.ok(name, f"counts said {before}, the push {waited:.1f} s later: {describe_push(push)}")
        return push

    async def check_second_reader(self, reader: Socket | None, first: dict[str, Any] | None) -> Socket | None:
        name = "second-reader-pushed-live"
        if reader is None or first is None:
            self.fail(name, "not tried: the first reader's view was not pushed")
            return None
        try:
            second = await self.connect(self.endpoint, self.origin, FIREFOX)
        except (Refused, Unreachable) as error:
            self.fail(name, f"the second reader (Firefox) was not admitted: {error}")
            return None
        self.readers.append(second)
        floor = first["totalViews"] + 1
        mark = len(reader.frames)
        sent = time.monotonic()
        await second.send(self.view_frame())
        self.probes += 1  # the first reader, asked whether it is open
        push = await reader.frame(
            lambda f: is_smoke_push(f) and f["totalViews"] >= floor and f.get("readingNow", 0) >= 2,
            self.timeout,
            after=mark,
        )
        if push is None:
            seen = [f for f in reader.frames[mark:] if is_smoke_push(f)]
            got = describe_push(seen[-1]) if seen else "no push"
            got += f" (the first reader's connection {reader.closed})" if reader.closed else ""
            self.fail(
                name,
                f"expected the first reader to be pushed totalViews >= {floor} and readingNow 2 "
                f"within {self.timeout:g} s, got {got}",
            )
            return second
        self.ok(
            name,
            f"the first reader was pushed {time.monotonic() - sent:.1f} s after the second's view: "
            f"{describe_push(push)}",
        )
        return second

    async def check_beacon(self, reader: Socket | None, second: Socket | None) -> None:
        name = "http-beacon-counted"
        answer, before = await self.counts_over_http()
        if before is None:
            self.fail(name, f"expected GET /counts to answer 200 with paths[{SMOKE_PAGE!r}], got {answer.describe()}")
            return
        if answer.header("Access-Control-Allow-Origin") != self.origin:
            # A blog's page could not read the answer: the browser holds it back.
            self.fail(name, f"expected GET /counts to allow Origin {self.origin} (CORS), got {answer.headers}")
            return
        site = (answer.json() or {}).get("site")
        posted = await self.http("POST", "/views", body=self.view_frame())
        if posted.status != 202:
            self.fail(name, f"expected POST /views to answer 202, got {posted.describe()}")
            return
        # The beacon's view probes the page's open readers before pushing them.
        self.probes += sum(1 for socket in (reader, second) if socket is not None)
        sent = time.monotonic()
        after = before
        while after is not None and after <= before and time.monotonic() - sent < self.timeout:
            await asyncio.sleep(0.5)
            _, after = await self.counts_over_http()
        if after is None or after <= before:
            self.fail(name, f"GET /counts said {before} before POST /views (202), and {after} {self.timeout:g} s later")
            return
        self.ok(
            name,
            f"GET /counts said {before} (site totals {site}), POST /views 202, "
            f"GET /counts {after} after {time.monotonic() - sent:.1f} s",
        )
        # Let the readers' pushes of the beacon's view arrive before they close: they are
        # messages of the run too.
        for socket in (reader, second):
            if socket is not None:
                await socket.frame(lambda f: is_smoke_push(f) and f["totalViews"] >= after, min(self.timeout, 10.0))

    async def check_dashboard_api(self, sites: Answer) -> None:
        name = "dashboard-api-key"
        body = sites.json() or {}
        if sites.status != 200 or not isinstance(body, dict) or "sites" not in body:
            self.fail(name, f"expected GET /dashboard/sites with the owner key to answer 200, got {sites.describe()}")
            return
        without = await self.http("GET", "/dashboard/sites", dashboard=True)
        refusal = without.json()
        code = error_code(refusal if isinstance(refusal, dict) else None)
        if without.status != 401:
            self.fail(name, f"expected GET /dashboard/sites without a key to answer 401, got {without.describe()}")
            return
        # The dashboard sends its key in a header, so the browser asks first: API Gateway answers.
        preflight = await asyncio.to_thread(
            request,
            "OPTIONS",
            self.outputs.http_api_url + "/dashboard/sites",
            origin=self.dashboard_origin,
            headers={"Access-Control-Request-Method": "GET", "Access-Control-Request-Headers": "authorization"},
        )
        allowed_headers = preflight.header("Access-Control-Allow-Headers").lower()
        if (
            preflight.status not in (200, 204)
            or preflight.header("Access-Control-Allow-Origin") != self.dashboard_origin
            or "authorization" not in allowed_headers
        ):
            self.fail(
                name,
                f"expected the preflight from {self.dashboard_origin} to allow it and the authorization header, "
                f"got {preflight.status} {preflight.headers}",
            )
            return
        ids = ", ".join(entry.get("id", "?") for entry in body["sites"])
        self.ok(
            name,
            f"with the owner key 200 (role {body.get('role')}, sites {ids}); without it 401 {code}; "
            f"the preflight from the dashboard {preflight.status}",
        )

    async def check_ticket(self, site: str | None, sites: Answer, endpoint: str | None) -> None:
        """The live WebSocket opened where the dashboard opens it: its config.json's wsEndpoint."""
        name = "dashboard-ticket"
        if site is None:
            self.fail(name, f"not tried: GET /dashboard/sites answered {sites.describe()}")
            return
        if endpoint is None:
            self.fail(name, "not tried: the dashboard's config.json names no WebSocket (dashboard-site failed)")
            return
        answer = await self.http("POST", "/dashboard/tickets", key=self.owner_key, body={"site": site}, dashboard=True)
        ticket = (answer.json() or {}).get("ticket") if isinstance(answer.json(), dict) else None
        if answer.status != 200 or not isinstance(ticket, str):
            self.fail(name, f"expected POST /dashboard/tickets to answer 200 with a ticket, got {answer.describe()}")
            return
        url = f"{endpoint}{'&' if '?' in endpoint else '?'}ticket={quote(ticket, safe='')}"
        try:
            watcher = await self.connect(url, self.dashboard_origin, CHROME)
        except (Refused, Unreachable) as error:
            self.fail(
                name,
                f"expected the ticket to admit the dashboard's WebSocket from {self.dashboard_origin}, got {error}",
            )
            return
        try:
            mark = await watcher.send({"message": "watch"})
            live = await watcher.frame(lambda f: f.get("message") in ("live", "error"), self.timeout, after=mark)
            got = live or watcher.nothing(self.timeout)
        finally:
            await watcher.close()
        if live is None or live.get("message") != "live" or live.get("site") != site:
            self.fail(name, f"expected watch to answer a live frame of {site}, got {got}")
            return
        try:
            again = await self.connect(url, self.dashboard_origin, CHROME)
        except Refused as refused:
            if refused.status != 403:
                self.fail(name, f"expected the ticket's second use to be refused with 403, got {refused.status}")
                return
        except Unreachable as error:
            self.fail(name, f"expected the ticket's second use to be refused with 403, got no handshake: {error}")
            return
        else:
            await again.close()
            self.fail(name, "expected the ticket's second use to be refused with 403, got 101: it was admitted")
            return
        self.ok(
            name,
            f"a ticket for {site} admitted the dashboard's WebSocket from {self.dashboard_origin}; "
            f"watch answered live (day {live.get('day')}, views {live.get('views')}, reading "
            f"{live.get('reading')}); the same ticket again: 403",
        )

    async def check_dashboard_site(self) -> str | None:
        """The dashboard's page and config.json; the WebSocket its config names, when right."""
        name = "dashboard-site"
        url = self.outputs.dashboard_url
        page = await asyncio.to_thread(request, "GET", url)
        kind = next((v for k, v in page.headers.items() if k.lower() == "content-type"), "")
        if page.status != 200 or not kind.startswith("text/html"):
            self.fail(name, f"expected {url} to answer 200 text/html, got {page.describe()} ({kind or 'no type'})")
            return None
        config_url = urljoin(url if url.endswith("/") else url + "/", "config.json")
        config = await asyncio.to_thread(request, "GET", config_url)
        document = config.json() if config.status == 200 and isinstance(config.json(), dict) else {}
        named, ws_named = document.get("httpEndpoint"), document.get("wsEndpoint")
        websockets = {self.outputs.websocket_url.rstrip("/"), self.endpoint.rstrip("/")}
        if not isinstance(named, str) or named.rstrip("/") != self.outputs.http_api_url:
            self.fail(
                name, f"expected {config_url} to name the HTTP API {self.outputs.http_api_url}, got {config.describe()}"
            )
            return None
        if not isinstance(ws_named, str) or ws_named.rstrip("/") not in websockets:
            wanted = " or ".join(sorted(websockets))
            self.fail(name, f"expected {config_url} to name the WebSocket API {wanted}, got {ws_named}")
            return None
        self.ok(name, f"{url} 200 {kind} ({len(page.body)} bytes); config.json names {named} and {ws_named}")
        return ws_named

    async def poll_logs(
        self, read: Callable[[], list[dict[str, Any]]], enough: Callable[[list[dict[str, Any]]], bool]
    ) -> tuple[list[dict[str, Any]], float]:
        """Read a function's lines until `enough` of them came, or the logs' delay is over."""
        started = time.monotonic()
        delay = self.deployment.log_delay_seconds
        pause = min(5.0, max(0.5, delay / 20))
        while True:
            lines = await asyncio.to_thread(read)
            waited = time.monotonic() - started
            if enough(lines) or waited >= delay:
                return lines, waited
            await asyncio.sleep(pause)

    async def check_authorizer_context(self) -> None:
        name = "authorizer-context"
        function = function_name(self.deployment.namespace, VIEWS)
        origin = normalise_origin(self.origin)

        def routed(lines: list[dict[str, Any]]) -> list[dict[str, Any]]:
            return [line["smoke"] for line in lines if (line.get("smoke") or {}).get("route") == "views"]

        try:
            lines, waited = await self.poll_logs(
                lambda: self.deployment.log_lines(VIEWS, SMOKE_VIEW_ACCEPTED, self.since),
                lambda found: len(routed(found)) >= 2,
            )
        except DeploymentError as error:  # the logs cannot be read
            self.fail(name, str(error))
            return
        views = routed(lines)
        if not views:
            self.fail(
                name,
                f"expected {function} to log {SMOKE_VIEW_ACCEPTED!r} for this run's views, "
                f"found none in {waited:.0f} s",
            )
            return
        handed = [
            v for v in views if v.get("origin") == origin and {"origin", "userAgent"} <= set(v.get("authorizer") or ())
        ]
        if not handed:
            got = "; ".join(f"origin {v.get('origin')}, authorizer {v.get('authorizer')}" for v in views)
            self.fail(
                name,
                f"expected {function} to see origin {origin} and the keys origin and userAgent "
                f"in requestContext.authorizer, got {got}",
            )
            return
        self.ok(
            name,
            f"{function} logged {len(views)} smoke views from origin {origin} with the authorizer's "
            f"context {handed[0].get('authorizer')}",
        )

    async def check_stream_mapping(self) -> None:
        name = "stream-mapping"
        function = function_name(self.deployment.namespace, COUNT_VIEWS)
        # The views this run saw counted: the two readers' and the beacon's.
        expected = 3

        def smoke_views(lines: list[dict[str, Any]]) -> int:
            return sum(int((line.get("smoke") or {}).get("smoke_views") or 0) for line in lines)

        try:
            lines, waited = await self.poll_logs(
                lambda: self.deployment.log_lines(COUNT_VIEWS, SMOKE_VIEWS_COUNTED, self.since),
                lambda found: smoke_views(found) >= expected,
            )
            read = self.deployment.log_lines
            unreadable = await asyncio.to_thread(read, COUNT_VIEWS, RECORDS_WITHOUT_A_VIEW, self.since)
        except DeploymentError as error:  # the logs cannot be read
            self.fail(name, str(error))
            return
        batches = [line.get("smoke") or {} for line in lines]
        if not batches:
            self.fail(
                name,
                f"expected {function} to log {SMOKE_VIEWS_COUNTED!r} for this run's views, "
                f"found none in {waited:.0f} s",
            )
            return
        problems = []
        shards = sorted({str(batch.get("shard_id")) for batch in batches if batch.get("shard_id")})
        if any(not batch.get("shard_id") for batch in batches):
            problems.append("a batch without shardId")
        windows = set()
        for batch in batches:
            window = batch.get("window") or {}
            try:
                start = datetime.fromisoformat(str(window.get("start")))
                end = datetime.fromisoformat(str(window.get("end")))
            except ValueError:
                problems.append(f"a window that is not two times: {window}")
                continue
            if (end - start).total_seconds() != STREAM_TUMBLING_WINDOW_SECONDS:
                problems.append(
                    f"a window of {(end - start).total_seconds():g} s, not {STREAM_TUMBLING_WINDOW_SECONDS}"
                )
            windows.add(f"{window.get('start')} to {window.get('end')}")
        events: dict[str, int] = {}
        for batch in batches:
            for event, number in (batch.get("event_names") or {}).items():
                events[str(event)] = events.get(str(event), 0) + int(number)
        others = sorted(set(events) - STREAM_EVENTS)
        if others:
            problems.append(f"records the filter should have held back: {', '.join(others)}")
        if unreadable:
            problems.append(f"{len(unreadable)} batches with records that hold no view ({RECORDS_WITHOUT_A_VIEW!r})")
        if smoke_views(lines) < expected:
            problems.append(f"{smoke_views(lines)} of this run's {expected} views logged as counted")
        if problems:
            self.fail(
                name,
                f"expected {function}'s batches to carry a shardId, a {STREAM_TUMBLING_WINDOW_SECONDS} s "
                f"window and only INSERT or MODIFY records with a view, got {'; '.join(problems)}",
            )
            return
        self.ok(
            name,
            f"{smoke_views(lines)} smoke views in {len(batches)} batches of {function}: shardId "
            f"{', '.join(shards)}, window {'; '.join(sorted(windows))}, records "
            f"{', '.join(f'{k} {v}' for k, v in sorted(events.items()))}, none without a view",
        )

    async def check_left_out(
        self,
        site: str | None,
        today: str | None,
        before: tuple[Answer, dict[str, Any] | None] | None,
        sites: Answer,
    ) -> None:
        name = "smoke-views-left-out"
        if site is None or today is None or before is None:
            self.fail(name, f"not tried: GET /dashboard/sites answered {sites.describe()}")
            return
        if before[1] is None:
            self.fail(name, f"not tried: GET /dashboard/stats of {site} answered {before[0].describe()} before the run")
            return
        answer, after = await self.stats(site, today)
        if after is None:
            self.fail(
                name, f"expected GET /dashboard/stats of {site} to answer 200 after the run, got {answer.describe()}"
            )
            return
        # Asked for by name, whatever the site's busier pages: a top-N list would hide a few views.
        answer, on_site = await self.stats(site, today, page=SMOKE_PAGE)
        leaked = (on_site or {}).get("totals", {}).get("views")
        if leaked != 0:
            self.fail(name, f"expected {site} to have no views of {SMOKE_PAGE} on {today}, got {answer.describe()}")
            return
        if after.get("totals") != before[1].get("totals"):
            self.fail(
                name,
                f"expected {site}'s totals of {today} to stay {before[1].get('totals')} across the run, "
                f"got {after.get('totals')} (other readers' views during the run change them too: "
                "run it where no one else reads)",
            )
            return
        self.ok(name, f"{site}'s totals of {today} stayed {after.get('totals')}, and it has 0 views of {SMOKE_PAGE}")

    def check_message_count(self, started: float, ended: float) -> None:
        name = "connections-get-not-billed"
        tally = f"{self.tally.total} ({self.tally.sent} sent, {self.tally.received} received)"
        command = self.deployment.message_count_command(self.endpoint, self.outputs.websocket_url, started, ended)
        if command is None:
            self.record(
                LATER,
                name,
                f"AWS only: {self.deployment.where} has no CloudWatch; this run's WebSocket "
                f"messages were {tally}, with {self.probes} GET @connections probes",
            )
            return
        self.record(
            LATER,
            name,
            f"run `{command}` once CloudWatch has those minutes (up to an hour): the Sums "
            f"add up to {self.tally.total}, this run's messages {tally}, if GET @connections "
            f"is not billed, and to {self.tally.total + self.probes} if its {self.probes} "
            "probes are; other clients' messages in those minutes add to both",
        )
