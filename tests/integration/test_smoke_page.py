"""The smoke test's page (`/__smoke__/`): counted in a site of its own, whatever the
configured site's allow-list and page limit, left out of that site's numbers, and logged
for `./smoke.sh` to read back. Through the real handlers and the local stack's triggers."""

from __future__ import annotations

import json
import logging
import time

import pytest
from moto import mock_aws

from local_stack.harness import BROWSER_USER_AGENT as FIREFOX
from tests.conftest import CHROME, load_event, with_site
from tests.integration.pipeline import Pipeline
from viewcount.deployment_checks import SMOKE_VIEW_ACCEPTED, SMOKE_VIEWS_COUNTED
from viewcount.observability import logger
from viewcount.pages import Page
from viewcount.sites import SMOKE_PATH, SMOKE_SITE_ID
from viewcount.tables.page_counts import PageCountsTable, counter_key, counts_of, pages_of, site_counts_of, site_key

ORIGIN = "https://blog.example.com"


def frame(message_id: str, current_page: str, user_agent: str, **fields) -> dict:
    event = load_event("ws_views.json")
    now_ms = int(time.time()) * 1000
    event["requestContext"].update(
        messageId=message_id, connectionId=f"c-{message_id}", requestTimeEpoch=now_ms, connectedAt=now_ms - 1000
    )
    event["requestContext"]["authorizer"] = {"principalId": "reader", "userAgent": user_agent, "origin": ORIGIN}
    body = {"message": "views", "currentPage": current_page, "previousPage": "", "referrer": "", "refreshed": False}
    event["body"] = json.dumps({**body, **fields})
    return event


class Captured(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)

    def smoke(self, message: str) -> list[dict]:
        return [record.smoke for record in self.records if record.getMessage() == message]


@pytest.fixture
def logged():
    captured, level = Captured(), logger.log_level
    logger.addHandler(captured)
    logger.setLevel(logging.INFO)
    yield captured
    logger.removeHandler(captured)
    logger.setLevel(level)


@pytest.fixture
def pipeline(local_config):
    # A site that allows only its posts and has room for one page: neither may keep the
    # smoke test's page out.
    config = with_site(local_config, page_path_pattern=r"/posts/.*", page_limit=1)
    with mock_aws():
        yield Pipeline(config, {}, seed=0)


def counters(pipeline: Pipeline) -> PageCountsTable:
    return PageCountsTable(pipeline.dynamodb, pipeline.resources.table_names["counts"])


def item(pipeline: Pipeline, key: str) -> dict:
    return counters(pipeline).get_items([key]).get(key, {})


def test_smoke_views_count_on_their_own_site_and_leave_the_blogs_numbers_alone(pipeline, logged):
    views = pipeline.functions["views"]
    views.invoke(frame("m1", "/posts/a-post", CHROME, article=False))
    views.invoke(frame("m2", f"{SMOKE_PATH}/", CHROME, article=False))
    views.invoke(frame("m3", f"{SMOKE_PATH}/index.html", FIREFOX, article=False))
    # Not the smoke page: a path that only starts like it, refused by the site's allow-list.
    views.invoke(frame("m4", f"{SMOKE_PATH}x/", CHROME, article=False))
    pipeline.drain()

    smoke_page = counts_of(item(pipeline, counter_key(SMOKE_SITE_ID, Page.at(SMOKE_PATH))))
    assert (smoke_page.total_views, smoke_page.unique_views) == (2, 2)
    assert site_counts_of(item(pipeline, site_key(SMOKE_SITE_ID))).total_views == 2
    blog = item(pipeline, site_key("blog"))
    assert site_counts_of(blog).total_views == 1 and pages_of(blog) == 1
    assert not item(pipeline, counter_key("blog", Page.at(SMOKE_PATH)))

    accepted = logged.smoke(SMOKE_VIEW_ACCEPTED)
    assert [entry["route"] for entry in accepted] == ["views", "views"]
    assert all(entry["origin"] == ORIGIN and entry["authorizer"] == ["origin", "userAgent"] for entry in accepted)
    [counted] = logged.smoke(SMOKE_VIEWS_COUNTED)
    assert counted["smoke_views"] == 2 and counted["shard_id"]
    assert counted["window"]["start"] and counted["window"]["end"]
    assert set(counted["event_names"]) <= {"INSERT", "MODIFY"} and sum(counted["event_names"].values()) == 3


def test_a_readers_view_logs_nothing_for_the_smoke_test(pipeline, logged):
    pipeline.functions["views"].invoke(frame("m1", "/posts/a-post", CHROME, article=False))
    pipeline.drain()

    assert site_counts_of(item(pipeline, site_key("blog"))).total_views == 1
    assert logged.smoke(SMOKE_VIEW_ACCEPTED) == [] and logged.smoke(SMOKE_VIEWS_COUNTED) == []
