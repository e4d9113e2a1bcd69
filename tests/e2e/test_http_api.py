"""End to end through the local stack's HTTP API over real HTTP: a beacon view and the counts a
page whose WebSocket is blocked reads, beside a WebSocket reader of the same page."""

from __future__ import annotations

import asyncio
import json
import time
import urllib.error
import urllib.request
from typing import Any

from local_stack.harness import BROWSER_USER_AGENT, LocalStackProcess
from tests.e2e.conftest import frame_matching
from viewcount import errors


def http(
    stack: LocalStackProcess,
    method: str,
    path: str,
    body: dict[str, Any] | None = None,
    *,
    origin: str | None = None,
    headers: dict[str, str] | None = None,
) -> tuple[int, dict[str, str], Any]:
    """A request as a browser on the blog sends it (a beacon's body is text/plain)."""
    request = urllib.request.Request(
        stack.http_api_url + path,
        data=json.dumps(body).encode() if body is not None else None,
        method=method,
        headers={
            "User-Agent": BROWSER_USER_AGENT,
            "Origin": origin or stack.origin,
            "Content-Type": "text/plain;charset=UTF-8",
            **(headers or {}),
        },
    )
    try:
        with urllib.request.urlopen(request, timeout=15) as response:
            status, answer_headers, data = response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        status, answer_headers, data = error.code, dict(error.headers), error.read()
    return status, answer_headers, json.loads(data) if data else None


def beacon(page: str, article: str | None = None, **extra: Any) -> dict[str, Any]:
    body = {"message": "views", "currentPage": page, **extra}
    if article:
        body.update(articleId=article, articleTitle=f"Title of {article}")
    return body


def counts_when(stack: LocalStackProcess, query: str, done, timeout: float = 20.0) -> dict[str, Any]:
    """`GET /counts` until `done(answer)`, as a beacon page reads again after the pipeline's delay."""
    deadline = time.monotonic() + timeout
    while True:
        status, _, answer = http(stack, "GET", f"/counts?{query}")
        assert status == 200, answer
        if done(answer) or time.monotonic() > deadline:
            return answer
        time.sleep(0.2)


def test_a_beacon_view_is_counted_pushed_to_socket_readers_and_read_back(local_stack):
    async def scenario():
        async with local_stack.connect() as ws:
            await ws.send(json.dumps({"message": "views", "currentPage": "/tags/beacon/"}))
            await frame_matching(ws, lambda f: f.get("message") == "views")
            status, headers, answer = http(local_stack, "POST", "/views", beacon("/tags/beacon/", viewId="beacon-0001"))
            assert (status, answer) == (202, None)
            assert headers["Access-Control-Allow-Origin"] == local_stack.origin
            # The socket's reader is pushed the beacon's view; the beacon is nobody reading.
            return await frame_matching(ws, lambda f: f.get("message") == "views" and f["totalViews"] == 2)

    push = asyncio.run(scenario())

    assert (push["path"], push["uniqueViews"], push["readingNow"]) == ("/tags/beacon", 1, 1)
    answer = counts_when(local_stack, "paths=/tags/beacon/", lambda a: a["site"]["totalViews"] == 2)
    assert answer == {
        "message": "counts",
        "counts": {},
        "paths": {"/tags/beacon/": {"totalViews": 2, "uniqueViews": 1}},
        "site": {"totalViews": 2, "uniqueViews": 1},
    }


def test_a_view_resent_by_beacon_with_its_view_id_counts_once(local_stack):
    async def by_socket():
        async with local_stack.connect() as ws:
            await ws.send(json.dumps(beacon("/posts/resent", "resent", viewId="resent-0001")))
            return await frame_matching(ws, lambda f: f.get("message") == "views")

    assert asyncio.run(by_socket())["totalViews"] == 1
    # The socket broke before the push (say); the client sends the same view by beacon.
    assert http(local_stack, "POST", "/views", beacon("/posts/resent", "resent", viewId="resent-0001"))[0] == 202
    # A view without a viewId is another view.
    assert http(local_stack, "POST", "/views", beacon("/posts/resent", "resent"))[0] == 202

    answer = counts_when(local_stack, "articleIds=resent", lambda a: a["site"]["totalViews"] >= 2)
    time.sleep(1.5)  # time for a wrongly counted resend to arrive too
    answer = counts_when(local_stack, "articleIds=resent", lambda a: True)
    assert answer["counts"]["resent"] == {"totalViews": 2, "uniqueViews": 1}
    assert answer["site"]["totalViews"] == 2


def test_refusals_over_http(local_stack):
    foreign = http(local_stack, "POST", "/views", beacon("/"), origin="https://evil.example.com")
    assert (foreign[0], foreign[2]) == (403, {"message": "Forbidden"})
    assert "Access-Control-Allow-Origin" not in foreign[1]
    assert http(local_stack, "GET", "/counts?paths=/", origin="https://evil.example.com")[0] == 403

    status, headers, answer = http(local_stack, "POST", "/views", {"message": "views"})
    assert (status, answer["error"]["code"]) == (400, errors.MISSING_FIELD)
    assert headers["Access-Control-Allow-Origin"] == local_stack.origin
    status, _, answer = http(local_stack, "POST", "/views", beacon("/", viewId="no"))
    assert (status, answer["error"]["code"]) == (400, errors.INVALID_FIELD)
    status, _, answer = http(local_stack, "GET", "/counts")
    assert (status, answer["error"]["code"]) == (400, errors.MISSING_FIELD)
    assert http(local_stack, "GET", "/nothing")[0] == 404

    # A crawler is told nothing, and not counted; ten views a minute from one browser, then no more.
    assert http(local_stack, "POST", "/views", beacon("/"), headers={"User-Agent": "curl/8.5.0"})[0] == 202
    flood = [http(local_stack, "POST", "/views", beacon("/about/"))[0] for _ in range(11)]
    assert flood == [202] * 10 + [400]
    answer = counts_when(local_stack, "paths=/", lambda a: a["site"]["totalViews"] == 10)
    assert answer["site"]["totalViews"] == 10 and answer["paths"]["/"]["totalViews"] == 0


def test_a_preflight_is_answered_for_the_sites_origin_only(local_stack):
    def preflight(origin: str) -> dict[str, str]:
        request = urllib.request.Request(
            local_stack.http_api_url + "/views",
            method="OPTIONS",
            headers={"Origin": origin, "Access-Control-Request-Method": "POST"},
        )
        with urllib.request.urlopen(request, timeout=15) as response:
            return dict(response.headers)

    assert preflight(local_stack.origin)["Access-Control-Allow-Origin"] == local_stack.origin
    assert "Access-Control-Allow-Origin" not in preflight("https://evil.example.com")


def test_the_banner_names_the_http_api_and_pages_get_its_url(tmp_path):
    site = tmp_path / "site"
    site.mkdir()
    (site / "index.html").write_text(
        '<script src="/viewcount.js" data-endpoint="{{VIEWCOUNT_ENDPOINT}}" '
        'data-http-endpoint="{{VIEWCOUNT_HTTP_ENDPOINT}}" defer></script>'
    )
    with LocalStackProcess(tmp_path / "data") as stack:
        stack.start("--reset", f"--site={site}")
        banner = "".join(stack.output)
        with urllib.request.urlopen(stack.origin + "/", timeout=15) as response:
            page = response.read().decode()

    assert f"  HTTP API:      {stack.http_api_url}\n" in banner
    assert banner.rstrip().endswith("Ctrl-C stops it.")
    assert f'data-endpoint="{stack.ws_url}"' in page
    assert f'data-http-endpoint="{stack.http_api_url}"' in page
