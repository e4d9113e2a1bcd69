"""The dashboard's API and live numbers through the local stack, over real HTTP and a real
WebSocket: the owner key from the data dir, a ticket, a watcher pushed as views are counted."""

from __future__ import annotations

import asyncio
import json
import urllib.error
import urllib.request
from typing import Any

import pytest
from websockets.exceptions import InvalidStatus

from local_stack import state
from local_stack.harness import BROWSER_USER_AGENT, LocalStackProcess
from tests.e2e.conftest import frame_matching, view
from viewcount import errors


def dashboard_api(
    stack: LocalStackProcess, method: str, path: str, key: str | None, body: dict[str, Any] | None = None
) -> tuple[int, dict[str, str], Any]:
    headers = {"User-Agent": BROWSER_USER_AGENT, "Origin": stack.dashboard_origin}
    if key is not None:
        headers["Authorization"] = f"Bearer {key}"
    request = urllib.request.Request(
        stack.http_api_url + path,
        data=json.dumps(body).encode() if body is not None else None,
        method=method,
        headers=headers,
    )
    try:
        with urllib.request.urlopen(request, timeout=15) as response:
            return response.status, dict(response.headers), json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), json.loads(error.read())


@pytest.fixture
def owner_key(local_stack) -> str:
    key = state.owner_key(local_stack.data_dir)
    assert key and len(key) == 40
    return key


def watcher(stack: LocalStackProcess, ticket: str) -> Any:
    from websockets.asyncio.client import connect

    return connect(
        f"{stack.ws_url}?ticket={ticket}", origin=stack.dashboard_origin, user_agent_header=BROWSER_USER_AGENT
    )


def test_a_dashboard_watches_its_site_live_and_counts_nothing_itself(local_stack, owner_key):
    status, headers, sites = dashboard_api(local_stack, "GET", "/dashboard/sites", owner_key)
    assert status == 200 and [site["id"] for site in sites["sites"]] == ["blog"]
    assert headers["Access-Control-Allow-Origin"] == local_stack.dashboard_origin
    _, _, ticket = dashboard_api(local_stack, "POST", "/dashboard/tickets", owner_key, {"site": "blog"})

    async def scenario() -> tuple[dict, dict, dict]:
        async with watcher(local_stack, ticket["ticket"]) as dashboard:
            await dashboard.send(json.dumps({"message": "watch"}))
            first = await frame_matching(dashboard, lambda f: f.get("message") == "live")
            # The dashboard's own view is refused: its connection never counts.
            await dashboard.send(view("/posts/hello", "hello"))
            refused = await frame_matching(dashboard, lambda f: f.get("message") == "error")
            async with local_stack.connect() as reader:
                await reader.send(view("/posts/hello", "hello"))
                await frame_matching(reader, lambda f: f.get("message") == "views")
                pushed = await frame_matching(dashboard, lambda f: f.get("message") == "live" and f["views"] == 1)
            return first, refused, pushed

    first, refused, pushed = asyncio.run(scenario())

    assert (first["site"], first["views"], first["reading"]) == ("blog", 0, 0)
    assert refused["error"]["code"] == errors.WATCH_ONLY
    assert (pushed["visitors"], pushed["reading"]) == (1, 1)
    assert pushed["pages"] == [
        {"key": "post#hello", "articleId": "hello", "reading": 1, "title": "Title of hello", "views": 1}
    ]
    # Today's numbers as the stats API reads them: the one reader's view, not the dashboard's.
    _, _, stats = dashboard_api(local_stack, "GET", f"/dashboard/stats?site=blog&from={pushed['day']}", owner_key)
    assert stats["totals"] == {"views": 1, "visitorDays": 1, "botViews": 0}


def test_a_ticket_serves_once_and_the_dashboard_needs_one(local_stack, owner_key):
    _, _, ticket = dashboard_api(local_stack, "POST", "/dashboard/tickets", owner_key, {})

    async def connect_twice() -> list[int]:
        statuses = []
        for _ in range(2):
            try:
                async with watcher(local_stack, ticket["ticket"]):
                    statuses.append(101)
            except InvalidStatus as refused:
                statuses.append(refused.response.status_code)
        return statuses

    assert asyncio.run(connect_twice()) == [101, 403]

    async def without_ticket() -> int:
        from websockets.asyncio.client import connect

        try:
            async with connect(local_stack.ws_url, origin=local_stack.dashboard_origin):
                return 101
        except InvalidStatus as refused:
            return refused.response.status_code

    assert asyncio.run(without_ticket()) == 403


def test_a_wrong_key_is_refused_over_http(local_stack, owner_key):
    status, _, answer = dashboard_api(local_stack, "GET", "/dashboard/sites", "not-the-key")

    assert (status, answer["error"]["code"]) == (401, errors.UNAUTHORIZED)
    assert owner_key not in "".join(local_stack.output)
