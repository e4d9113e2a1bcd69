"""Two sites on one local stack, each on its own origin: separate counts, salts, visitors and
history, and no origin counts for the other site."""

from __future__ import annotations

import asyncio
import json
import time

import pytest
from websockets.exceptions import InvalidStatus

from admin.__main__ import main as admin
from local_stack.harness import LocalStackProcess
from local_stack.state import read_snapshot
from tests.e2e.conftest import frame_matching, view


@pytest.fixture
def two_sites(tmp_path):
    with LocalStackProcess(tmp_path / "data", sites=("blog", "notes")) as stack:
        stack.start("--reset", "--time-zone", "notes=Asia/Shanghai")
        yield stack


def is_views(frame):
    return frame.get("message") == "views"


async def read(stack: LocalStackProcess, site: str, page: str) -> dict:
    async with stack.connect(origin=stack.origin_of(site)) as ws:
        await ws.send(view(page))
        return await frame_matching(ws, lambda f: is_views(f) and f.get("path") == page.rstrip("/"))


def test_two_sites_keep_their_own_counts_salts_visitors_and_history(two_sites, capsys):
    async def scenario():
        # One reader (one browser, one address) reads both sites, and the same path on each.
        first = await read(two_sites, "blog", "/tags/x/")
        second = await read(two_sites, "blog", "/tags/x/")
        other = await read(two_sites, "notes", "/tags/x/")
        return first, second, other

    first, second, other = asyncio.run(scenario())

    assert (first["totalViews"], second["totalViews"], second["site"]["totalViews"]) == (1, 2, 2)
    # The notes' tag page and totals start from nothing, and the blog's reader is a new visitor there.
    assert (other["totalViews"], other["uniqueViews"], other["site"]) == (1, 1, {
        "totalViews": 1, "uniqueViews": 1, "readingNow": 1,
    })  # fmt: skip
    assert "Blog notes:   http://127.0.0.1" in "".join(two_sites.output) and "(Asia/Shanghai)" in "".join(
        two_sites.output
    )
    two_sites.stop()

    tables = read_snapshot(two_sites.data_dir)
    counters = {item["pageKey"]["S"]: item for item in tables["counts"]}
    assert (counters["blog#path#/tags/x"]["totalViews"], counters["notes#path#/tags/x"]["totalViews"]) == (
        {"N": "2"}, {"N": "1"},
    )  # fmt: skip
    blog_day = time.strftime("%Y-%m-%d", time.gmtime())
    notes_day = time.strftime("%Y-%m-%d", time.gmtime(time.time() + 8 * 3600))
    assert sorted(item["day"]["S"] for item in tables["salts"]) == [f"blog#{blog_day}", f"notes#{notes_day}"]

    for site, day, views in (("blog", blog_day, 2), ("notes", notes_day, 1)):
        args = ["history", "--site", site, "--from", day, "--to", day, "--json", "--data-dir", str(two_sites.data_dir)]
        assert admin(args) == 0
        report = json.loads(capsys.readouterr().out)
        assert (report["timeZone"], report["totals"]["views"]) == (
            "Asia/Shanghai" if site == "notes" else "UTC", views,
        )  # fmt: skip
        assert report["pages"] == [{"path": "/tags/x", "title": None, "views": views, "visitorDays": 1}]


def test_an_origin_of_neither_site_is_refused(two_sites):
    async def scenario():
        async with two_sites.connect(origin="http://127.0.0.1:1"):
            pass

    with pytest.raises(InvalidStatus) as refused:
        asyncio.run(scenario())
    assert refused.value.response.status_code == 403
