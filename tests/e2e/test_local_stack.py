"""End to end through the local stack with a real WebSocket client."""

from __future__ import annotations

import asyncio
import json

import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed, InvalidStatus

from tests.e2e.conftest import frame_matching, next_frame, view
from viewcount import errors


def run(coroutine):
    return asyncio.run(coroutine)


def is_views(frame):
    return frame.get("message") == "views"


def page_counts(frame):
    """A push without its site totals, which other tests on this stack also move."""
    return {name: value for name, value in frame.items() if name != "site"}


def test_a_view_gets_a_push_with_the_new_counts(local_stack):
    async def scenario():
        async with local_stack.connect() as ws:
            await ws.send(view("/posts/first", "first"))
            return await frame_matching(ws, is_views)

    push = run(scenario())

    assert page_counts(push) == {
        "message": "views", "articleId": "first", "totalViews": 1, "uniqueViews": 1, "readingNow": 1,
    }  # fmt: skip
    assert push["site"]["totalViews"] >= 1


def test_site_totals_grow_with_views_of_any_page(local_stack):
    async def scenario():
        async with local_stack.connect() as ws:
            await ws.send(view("/"))
            before = await frame_matching(ws, is_views)
            await ws.send(view("/posts/site-wide", "site-wide", refreshed=True))
            after = await frame_matching(ws, lambda f: is_views(f) and f.get("articleId") == "site-wide")
            return before["site"], after["site"]

    before, after = run(scenario())

    assert after["totalViews"] == before["totalViews"] + 1 and after["uniqueViews"] == before["uniqueViews"]
    # This reader at least reads the site ("reading now" for the whole site).
    assert after["readingNow"] >= 1


def test_two_readers_of_one_article_both_get_every_update(local_stack):
    async def scenario():
        async with (
            local_stack.connect() as a,
            local_stack.connect() as b,
        ):
            await a.send(view("/posts/shared", "shared"))
            first_a = await frame_matching(a, is_views)
            await b.send(view("/posts/shared", "shared", refreshed=True))
            second_b = await frame_matching(b, lambda f: is_views(f) and f["totalViews"] == 2)
            second_a = await frame_matching(a, lambda f: is_views(f) and f["totalViews"] == 2)
            return first_a, second_a, second_b

    first_a, second_a, second_b = run(scenario())

    assert first_a["totalViews"] == 1
    # The refreshed view counts in total but not in unique; both connections see it. One
    # reader (one browser) reloaded: one person reading, on the newer connection.
    assert second_a == second_b
    assert page_counts(second_a) == {
        "message": "views", "articleId": "shared", "totalViews": 2, "uniqueViews": 1, "readingNow": 1,
    }  # fmt: skip


@pytest.mark.parametrize(
    ("page", "name"), [("/", "Home_Page"), ("/pages/about", "About_Page"), ("/pages/contacts", "Contact_Page")]
)
def test_home_and_profile_pages_count_and_push(local_stack, page, name):
    async def scenario():
        async with local_stack.connect() as ws:
            await ws.send(view(page))
            return await frame_matching(ws, is_views)

    push = run(scenario())

    assert push["pageName"] == name and push["totalViews"] == 1


def test_an_original_clients_views_of_a_hexo_blog_count_every_page_apart(local_stack):
    # The original's client sends the last path segment as articleId on every page.
    hexo = [
        ("/2026/12/01/x/", "x"),
        ("/tags/x/", "x"),
        ("/archives/", "archives"),
        ("/tags/x/index.html", "x"),
        ("/posts/x", "x"),
    ]

    async def scenario():
        pushes = []
        async with local_stack.connect() as ws:
            for number, (page, article) in enumerate(hexo, start=1):
                await ws.send(view(page, article))
                counted = await frame_matching(ws, lambda f, n=number: is_views(f) and f["site"]["totalViews"] == n)
                pushes.append(counted)
        return pushes

    pushes = run(scenario())

    assert [push.get("path", push.get("articleId")) for push in pushes] == [
        "/2026/12/01/x",
        "/tags/x",
        "/archives",
        "/tags/x",
        "x",  # the original's post: the post marker and its id
    ]
    assert [push["totalViews"] for push in pushes] == [1, 1, 1, 2, 1]
    assert all(push["readingNow"] == 1 for push in pushes)


def test_counts_answers_without_counting(local_stack):
    async def scenario():
        async with local_stack.connect() as ws:
            await ws.send(view("/posts/counted", "counted"))
            await frame_matching(ws, is_views)
            await ws.send(json.dumps({"message": "counts", "articleIds": ["counted", "other"]}))
            answer = await frame_matching(ws, lambda f: f.get("message") == "counts")
            await ws.send(json.dumps({"message": "counts", "articleIds": ["counted"]}))
            again = await frame_matching(ws, lambda f: f.get("message") == "counts")
            return answer, again

    answer, again = run(scenario())

    assert answer["counts"] == {
        "counted": {"totalViews": 1, "uniqueViews": 1},
        "other": {"totalViews": 0, "uniqueViews": 0},
    }
    assert again["counts"]["counted"]["totalViews"] == 1


def test_a_wrong_origin_is_refused_with_403(local_stack):
    async def scenario():
        async with connect(local_stack.ws_url, origin="https://evil.example.com"):
            pass

    with pytest.raises(InvalidStatus) as refused:
        run(scenario())
    assert refused.value.response.status_code == 403


def test_a_handshake_without_an_origin_is_refused_with_401(local_stack):
    # The authorizer's identity source is the Origin header: API Gateway answers 401 without it.
    async def scenario():
        async with connect(local_stack.ws_url):
            pass

    with pytest.raises(InvalidStatus) as refused:
        run(scenario())
    assert refused.value.response.status_code == 401


def test_disconnect_removes_the_connection_from_reading_now(local_stack):
    async def scenario():
        async with local_stack.connect() as stayer:
            async with local_stack.connect() as leaver:
                await leaver.send(view("/posts/leave", "leave"))
                await frame_matching(leaver, is_views)
            await asyncio.sleep(0.5)
            await stayer.send(view("/posts/leave", "leave"))
            return await frame_matching(stayer, lambda f: is_views(f) and f["totalViews"] == 2)

    assert run(scenario())["readingNow"] == 1


@pytest.mark.parametrize(
    ("frame", "code"),
    [
        ("not json", errors.INVALID_JSON),
        ('{"message": "subscribe"}', errors.UNKNOWN_ROUTE),
        ('{"message": "views"}', errors.MISSING_FIELD),
        ('{"message": "views", "currentPage": "/posts/a", "articleId": "a", "articleTitle": 5}', errors.INVALID_FIELD),
        (
            '{"message": "views", "currentPage": "/posts/a", "articleId": "a b", "articleTitle": "t"}',
            errors.INVALID_ARTICLE_ID,
        ),
        ('{"message": "views", "currentPage": "tags/x"}', errors.INVALID_FIELD),
        ('{"message": "counts", "articleIds": ' + json.dumps([str(i) for i in range(101)]) + "}", errors.TOO_MANY_IDS),
    ],
)
def test_each_error_code_comes_back_and_changes_no_count(local_stack, frame, code):
    async def scenario():
        async with local_stack.connect() as ws:
            await ws.send(frame)
            error = await frame_matching(ws, lambda f: f.get("message") == "error")
            # The connection stays usable, and nothing was counted for the bad frame.
            await ws.send(view("/posts/a", "a"))
            push = await frame_matching(ws, is_views)
            return error, push

    error, push = run(scenario())

    assert error["error"]["code"] == code
    assert push["totalViews"] == 1


def test_a_frame_over_128_kb_closes_with_1009(local_stack):
    async def scenario():
        async with local_stack.connect(max_size=None) as ws:
            await ws.send("x" * (128 * 1024 + 1))
            await next_frame(ws)

    with pytest.raises(ConnectionClosed) as closed:
        run(scenario())
    assert closed.value.rcvd.code == 1009


def test_a_restart_keeps_the_counts(local_stack):
    async def count_once():
        async with local_stack.connect() as ws:
            await ws.send(view("/posts/kept", "kept"))
            return await frame_matching(ws, is_views)

    assert run(count_once())["totalViews"] == 1
    assert local_stack.stop() < 5
    local_stack.start()

    assert run(count_once())["totalViews"] == 2
