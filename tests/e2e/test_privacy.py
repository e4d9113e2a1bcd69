"""Issue 6 end to end: unique visitors, Global Privacy Control, bots, floods and titles,
through the local stack with real WebSocket clients."""

from __future__ import annotations

import asyncio
import contextlib
import io
import json
import time
from datetime import UTC, datetime

from admin.__main__ import main as admin
from local_stack.harness import BROWSER_USER_AGENT
from local_stack.state import SNAPSHOT
from tests.conftest import CHROME, GOOGLEBOT
from tests.e2e.conftest import frame_matching, next_frame, view
from viewcount import errors


def run(coroutine):
    return asyncio.run(coroutine)


def reader(stack, user_agent=BROWSER_USER_AGENT, **headers):
    return stack.connect(user_agent, additional_headers=headers)


def pushed_total(total):
    return lambda frame: frame.get("message") == "views" and frame.get("totalViews") == total


def saved_tables(stack) -> dict[str, list[dict]]:
    """The tables as the stopped stack saved them."""
    stack.stop()
    return json.loads((stack.data_dir / SNAPSHOT).read_text())


def test_the_same_reader_on_two_connections_counts_once_as_unique(local_stack):
    async def scenario():
        async with reader(local_stack) as tab, reader(local_stack) as other_tab, reader(local_stack, CHROME) as other:
            await tab.send(view("/posts/one", "one"))
            await frame_matching(tab, pushed_total(1))
            await other_tab.send(view("/posts/one", "one"))
            second = await frame_matching(other_tab, pushed_total(2))
            await other.send(view("/posts/one", "one"))
            third = await frame_matching(other, pushed_total(3))
            return second, third

    second, third = run(scenario())

    assert (second["totalViews"], second["uniqueViews"]) == (2, 1)
    # Another browser on the same address is another visitor.
    assert (third["totalViews"], third["uniqueViews"]) == (3, 2)
    tables = saved_tables(local_stack)
    # The visitor days are not saved (a restart meets each visitor anew); the salt is.
    assert "visitor_days" not in tables and len(tables["salts"]) == 1
    # Nothing stored names the reader's address or browser.
    stored = json.dumps(tables)
    assert not [word for word in ("127.0.0.1", "Firefox", "Chrome", "Mozilla") if word in stored]


def test_a_reader_of_six_pages_is_one_site_visitor_and_a_gpc_reader_six(local_stack):
    pages = [
        ("/", None),
        ("/tags/x/", None),
        ("/archives/", None),
        ("/posts/x", "x"),
        ("/about/", None),
        ("/tags/x", None),
    ]

    async def read_six(**headers):
        async with reader(local_stack, **headers) as ws:
            for page, article in pages:
                await ws.send(view(page, article))
            # The connection reads every page it viewed: wait for the last page's push after all six.
            return await frame_matching(
                ws,
                lambda f: f.get("path") == "/tags/x" and f["totalViews"] % 2 == 0 and f["site"]["totalViews"] % 6 == 0,
                timeout=30.0,  # six views in a row on a busy machine
            )

    person = run(read_six())
    private = run(read_six(**{"Sec-GPC": "1"}))

    assert person["site"] == {"totalViews": 6, "uniqueViews": 1, "readingNow": 1}
    # The second /tags/x is no unique view of the page either.
    assert (person["path"], person["totalViews"], person["uniqueViews"]) == ("/tags/x", 2, 1)
    # Never keyed, a GPC reader cannot be told from six readers.
    assert (private["site"]["totalViews"], private["site"]["uniqueViews"]) == (12, 7)


def test_a_gpc_reader_is_counted_but_not_hashed(local_stack):
    async def scenario():
        # One reader, twice with the Sec-GPC header, once with `gpc` in the frame only.
        async with (
            reader(local_stack, **{"Sec-GPC": "1"}) as first,
            reader(local_stack, **{"Sec-GPC": "1"}) as second,
            reader(local_stack) as third,
        ):
            await first.send(view("/posts/private", "private"))
            await frame_matching(first, pushed_total(1))
            await second.send(view("/posts/private", "private"))
            await frame_matching(second, pushed_total(2))
            await third.send(view("/posts/private", "private", gpc=True))
            return await frame_matching(third, pushed_total(3))

    push = run(scenario())

    # Without a visitor key, uniqueness is the client's word: no view was a reload.
    assert (push["totalViews"], push["uniqueViews"]) == (3, 3)
    tables = saved_tables(local_stack)
    assert tables["salts"] == []


def test_a_crawler_is_not_counted_and_shows_in_the_bot_counts(local_stack):
    async def scenario():
        async with reader(local_stack, GOOGLEBOT) as bot, reader(local_stack) as person:
            await bot.send(view("/posts/crawled", "crawled"))
            await bot.send(view("/posts/crawled", "crawled", webdriver=True))
            await person.send(view("/posts/crawled", "crawled"))
            push = await frame_matching(person, lambda frame: frame.get("message") == "views")
            # The bot got no push and no error: nothing tells it that it was filtered.
            with contextlib.suppress(TimeoutError):
                return push, await next_frame(bot, timeout=1)
            return push, None

    push, bot_frame = run(scenario())

    assert (push["totalViews"], push["uniqueViews"]) == (1, 1) and bot_frame is None
    local_stack.stop()
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        assert admin(["bot-counts", "--json", "--data-dir", str(local_stack.data_dir)]) == 0
    [day] = json.loads(printed.getvalue())["days"]
    assert day["day"] == datetime.now(UTC).date().isoformat()
    assert day["reasons"] == {"crawler": 2}


def test_a_flood_from_one_connection_is_limited(local_stack):
    # The limit is per UTC minute: start the flood well inside one.
    if time.time() % 60 > 40:
        time.sleep(61 - time.time() % 60)

    async def scenario():
        async with reader(local_stack) as flood:
            for _ in range(14):
                await flood.send(view("/posts/flooded", "flooded", refreshed=True))
            refusals = [await frame_matching(flood, lambda frame: frame.get("message") == "error") for _ in range(4)]
            # The limit is per connection: the next reader is counted.
            async with reader(local_stack, CHROME) as next_reader:
                await next_reader.send(view("/posts/flooded", "flooded"))
                return refusals, await frame_matching(next_reader, lambda frame: frame.get("message") == "views")

    refusals, push = run(scenario())

    assert [frame["error"]["code"] for frame in refusals] == [errors.RATE_LIMITED] * 4
    # 10 of the flood's views (the default limit), and the next reader's.
    assert push["totalViews"] == 11


def test_a_later_view_cannot_rename_an_article_but_the_operator_can(local_stack):
    async def scenario():
        async with reader(local_stack) as first, reader(local_stack, CHROME) as second:
            await first.send(
                json.dumps({**json.loads(view("/posts/titled", "titled")), "articleTitle": "The real title"})
            )
            await frame_matching(first, pushed_total(1))
            await second.send(json.dumps({**json.loads(view("/posts/titled", "titled")), "articleTitle": "Buy pills"}))
            await frame_matching(second, pushed_total(2))

    run(scenario())

    def title() -> str:
        tables = saved_tables(local_stack)
        [item] = [item for item in tables["counts"] if item["pageKey"]["S"] == "blog#post#titled"]
        return item["articleTitle"]["S"]

    assert title() == "The real title"
    with contextlib.redirect_stdout(io.StringIO()):
        assert admin(["rename-title", "titled", "A better title", "--data-dir", str(local_stack.data_dir)]) == 0
    local_stack.start()
    assert title() == "A better title"
