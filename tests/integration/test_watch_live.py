"""The dashboard's live numbers: a ticket's connection watches its site, is answered with the
site's today and who reads it, is pushed each counted batch, and can never count a view."""

from __future__ import annotations

import copy
import json
import time

import pytest

from tests.conftest import load_event
from tests.integration.test_count_views import batch, today
from viewcount import errors
from viewcount_infra.topology import COUNT_VIEWS, VIEWS, WATCH

DASHBOARD = "dash-1="


@pytest.fixture
def local_config():
    """Two sites: a watcher of one must never get the other's numbers."""
    from viewcount_infra.config import DeploymentConfig

    return DeploymentConfig.load(
        "local",
        {},
        [
            {"id": "blog", "origins": ["https://blog.example.com"]},
            {"id": "notes", "origins": ["https://notes.example.com"]},
        ],
    )


def watch_event(site: str | None = "blog", connection_id: str = DASHBOARD):
    event = copy.deepcopy(load_event("ws_watch.json"))
    context = event["requestContext"]
    context["connectionId"] = connection_id
    context["connectedAt"] = int(time.time() - 30) * 1000
    context["requestTimeEpoch"] = int(time.time()) * 1000
    if site is None:
        context["authorizer"] = {"principalId": "reader", "origin": "https://blog.example.com", "userAgent": "x"}
    else:
        context["authorizer"]["watch"] = site
    return event


@pytest.fixture
def watch(aws, context):
    handler = aws.handler(WATCH).handler
    return lambda event: handler(event, context)


def live_frames(aws, connection_id=DASHBOARD):
    try:
        return [frame for frame in aws.sent_frames(connection_id) if frame["message"] == "live"]
    except KeyError:  # nothing was ever posted to it
        return []


def test_watching_answers_the_sites_today_and_who_reads_it(aws, watch, context):
    counted = aws.handler(COUNT_VIEWS)
    counted.handler(batch(), context)

    response = watch(watch_event())

    assert response["statusCode"] == 200
    frame = json.loads(response["body"])
    assert (frame["message"], frame["site"], frame["day"]) == ("live", "blog", today())
    # The sample batch: 5 views of 4 visitors today; its readers are on three pages.
    assert (frame["views"], frame["visitors"]) == (5, 4)
    reading = {page["key"]: page["reading"] for page in frame["pages"]}
    assert reading == {"post#hello-world": 2, "page#Home_Page": 1, "post#second-post": 1}
    assert frame["reading"] == 4
    assert {page["key"]: page["views"] for page in frame["pages"]}["post#hello-world"] == 3


def test_a_counted_batch_is_pushed_live_to_its_sites_watchers_and_no_one_else(aws, watch, context):
    assert json.loads(watch(watch_event())["body"])["views"] == 0
    counted = aws.handler(COUNT_VIEWS)

    counted.handler(batch(), context)

    [frame] = live_frames(aws)
    assert (frame["site"], frame["views"], frame["visitors"]) == ("blog", 5, 4)
    assert {page["key"]: page["views"] for page in frame["pages"]} == {
        "post#hello-world": 3,
        "page#Home_Page": 1,
        "post#second-post": 1,
    }
    # A watcher is no reader: the pages' own pushes do not count it, and it gets no page frame.
    pushed = [f for f in aws.sent_frames("reader-c=") if f["message"] == "views"]
    assert pushed and pushed[-1]["site"]["readingNow"] == 4
    assert {f["message"] for f in aws.sent_frames(DASHBOARD)} == {"live"}


def test_a_watcher_of_another_site_is_not_pushed(aws, watch, context):
    watch(watch_event("notes", "notes-dash="))
    watch(watch_event("blog", DASHBOARD))
    # A ticket for a site this deployment does not count: refused, never logged.
    assert json.loads(watch(watch_event("nope", "ghost="))["body"])["error"]["code"] == errors.UNAUTHORIZED

    aws.handler(COUNT_VIEWS).handler(batch(), context)  # views of blog only

    assert [frame["site"] for frame in live_frames(aws)] == ["blog"]
    assert live_frames(aws, "notes-dash=") == [] and live_frames(aws, "ghost=") == []


def test_a_readers_connection_may_not_watch(watch):
    response = watch(watch_event(site=None))

    assert response["statusCode"] == 403
    assert json.loads(response["body"])["error"]["code"] == errors.UNAUTHORIZED


def test_a_dashboards_connection_counts_no_view(aws, context):
    event = copy.deepcopy(load_event("ws_views.json"))
    event["requestContext"]["connectionId"] = DASHBOARD
    event["requestContext"]["authorizer"] = {
        "principalId": "reader",
        "watch": "blog",
        "origin": "https://dash.example.com",
    }

    aws.handler(VIEWS).handler(event, context)

    [frame] = aws.sent_frames(DASHBOARD)
    assert frame["error"]["code"] == errors.WATCH_ONLY
    assert [message for queue in aws.resources.queue_urls for message in aws.drain(queue)] == []
