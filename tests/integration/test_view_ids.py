"""A client's `viewId`: the same view sent twice (over the next socket, or by beacon when the
socket failed) counts once; without one, two sendings are two views. Through the whole
pipeline on moto (the real handlers, SNS, SQS, VisitorDays and its stream, the counters),
and where a resend can still count twice."""

from __future__ import annotations

import json
import time

import pytest
from moto import mock_aws

from tests.conftest import load_event
from tests.integration.pipeline import Pipeline
from viewcount import errors
from viewcount_infra.topology import HTTP_VIEWS, VIEWS

PAGE = "blog#post#hello-world"
DAY = 24 * 3600


@pytest.fixture
def pipeline(local_config):
    with mock_aws():
        yield Pipeline(local_config, {}, seed=0)


def by_socket(pipeline, *, view_id=None, message="msg-1=", connection="conn-1=", ip="203.0.113.7", at=0, **fields):
    event = load_event("ws_views.json")
    context = event["requestContext"]
    context.update(messageId=message, connectionId=connection)
    context["identity"]["sourceIp"] = ip
    # Now: the consumers drop a view whose visitor's day may be gone (the 48 h rule).
    context["requestTimeEpoch"] = context["connectedAt"] = (int(time.time()) + at) * 1000
    body = {**json.loads(event["body"]), **fields}
    if view_id:
        body["viewId"] = view_id
    event["body"] = json.dumps(body)
    return pipeline.functions[VIEWS.name].invoke(event)


def by_beacon(pipeline, *, view_id=None, request="req-1=", ip="203.0.113.7", at=0, headers=None, **fields):
    event = load_event("http_views.json")
    context = event["requestContext"]
    context.update(requestId=request)
    context["http"]["sourceIp"] = ip
    context["timeEpoch"] = (int(time.time()) + at) * 1000
    body = {**json.loads(event["body"]), **fields}
    body.pop("viewId")
    if view_id:
        body["viewId"] = view_id
    event["body"] = json.dumps(body)
    event["headers"].update(headers or {})
    return pipeline.functions[HTTP_VIEWS.name].invoke(event)


def counted(pipeline) -> tuple[int, int]:
    pipeline.drain()
    return pipeline.counts().get(PAGE, (0, 0))


def test_a_view_sent_by_socket_then_by_beacon_with_its_view_id_counts_once(pipeline):
    assert by_socket(pipeline, view_id="resend-0001")["statusCode"] == 200
    assert by_beacon(pipeline, view_id="resend-0001")["statusCode"] == 202

    assert counted(pipeline) == (1, 1)


def test_a_view_sent_over_two_sockets_with_its_view_id_counts_once(pipeline):
    by_socket(pipeline, view_id="resend-0002")
    # The client reconnected and sent it again: another connection, another message id.
    by_socket(pipeline, view_id="resend-0002", message="msg-2=", connection="conn-2=")

    assert counted(pipeline) == (1, 1)


def test_a_view_sent_by_beacon_twice_with_its_view_id_counts_once(pipeline):
    by_beacon(pipeline, view_id="resend-0003")
    by_beacon(pipeline, view_id="resend-0003", request="req-2=")

    assert counted(pipeline) == (1, 1)


def test_without_a_view_id_two_sendings_are_two_views(pipeline):
    by_socket(pipeline)
    by_beacon(pipeline)

    # One visitor: the second view is not unique, but it is a view.
    assert counted(pipeline) == (2, 1)


def test_two_views_with_two_view_ids_are_two_views(pipeline):
    by_socket(pipeline, view_id="first-view-1")
    by_beacon(pipeline, view_id="second-view-2")

    assert counted(pipeline) == (2, 1)


@pytest.mark.parametrize(
    "privacy",
    [{"gpc": True}, {"headers": {"sec-gpc": "1"}}],
    ids=["gpc in the body", "sec-gpc header"],
)
def test_an_unkeyed_view_resent_with_its_view_id_counts_once(pipeline, privacy):
    # No visitor item: the view's own `view#<id>` item drops the resend.
    by_socket(pipeline, view_id="private-0001", gpc=True)
    by_beacon(pipeline, view_id="private-0001", **privacy)

    assert counted(pipeline) == (1, 1)
    items = pipeline.dynamodb.scan(TableName=pipeline.resources.table_names["visitor_days"])["Items"]
    assert [item["visitorDay"]["S"] for item in items] == ["view#c:blog:private-0001"]


def test_an_unkeyed_view_resent_without_a_view_id_counts_twice(pipeline):
    by_socket(pipeline, gpc=True)
    by_beacon(pipeline, gpc=True)

    assert counted(pipeline) == (2, 2)  # unkeyed views are unique by the client's word


def test_a_resend_from_another_address_counts_twice(pipeline):
    """Documented: a keyed view's id is only looked for in its visitor's day, and another
    address is another visitor."""
    by_socket(pipeline, view_id="moved-0001")
    by_beacon(pipeline, view_id="moved-0001", ip="198.51.100.9")

    assert counted(pipeline) == (2, 2)


def test_a_resend_after_the_sites_midnight_counts_twice(pipeline):
    """Documented: the resend counts in the day it is sent, in another visitor-day item."""
    by_socket(pipeline, view_id="midnight-01")
    by_beacon(pipeline, view_id="midnight-01", at=DAY)

    assert counted(pipeline) == (2, 2)


def test_an_invalid_view_id_is_refused_on_both_ways_in(pipeline):
    assert by_socket(pipeline, view_id="bad id")["statusCode"] == 400
    answer = by_beacon(pipeline, view_id="x" * 65)

    assert answer["statusCode"] == 400
    assert json.loads(answer["body"])["error"]["code"] == errors.INVALID_FIELD
    assert counted(pipeline) == (0, 0)
