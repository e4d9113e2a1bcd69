"""The HTTP API's handlers against moto: `POST /views` (a beacon) and `GET /counts`, with the
payload 2.0 events in tests/events/. Each check the WebSocket makes is made here too."""

from __future__ import annotations

import base64
import copy
import json
import re

import pytest

from tests.conftest import CHROME, GOOGLEBOT, load_event
from viewcount import errors
from viewcount.tables.page_counts import bots_key
from viewcount_infra.topology import HTTP_COUNTS, HTTP_VIEWS, VIEWS

ORIGIN = "https://blog.example.com"
TODAY = "2026-11-29"


def beacon(*, headers: dict[str, str | None] | None = None, **fields):
    """The sample beacon, its body changed by `fields` (None drops one) and its headers by
    `headers` (None drops one)."""
    event = load_event("http_views.json")
    body = {**json.loads(event["body"]), **fields}
    event["body"] = json.dumps({name: value for name, value in body.items() if value is not None})
    for name, value in (headers or {}).items():
        event["headers"].pop(name, None)
        if value is not None:
            event["headers"][name] = value
    return event


def counts_request(query: str | None = None, *, origin: str | None = ORIGIN):
    event = load_event("http_counts.json")
    if query is not None:
        event["rawQueryString"] = query
    event["headers"].pop("origin")
    if origin is not None:
        event["headers"]["origin"] = origin
    return event


def published(aws) -> list[dict]:
    return [json.loads(message["Body"]) for queue in aws.resources.queue_urls for message in aws.drain(queue)]


def error_code(response) -> str:
    frame = json.loads(response["body"])
    assert frame["message"] == "error" and frame["error"]["detail"]
    return frame["error"]["code"]


@pytest.fixture
def post(aws, context):
    handler = aws.handler(HTTP_VIEWS).handler
    return lambda event: handler(event, context)


@pytest.fixture
def get(aws, context):
    handler = aws.handler(HTTP_COUNTS).handler
    return lambda event: handler(event, context)


def test_a_beacon_view_is_published_like_a_websocket_view_but_with_no_connection(aws, post):
    response = post(beacon())

    assert response["statusCode"] == 202 and "body" not in response
    assert response["headers"]["Access-Control-Allow-Origin"] == ORIGIN
    assert response["headers"]["Vary"] == "Origin"
    [view] = published(aws)
    assert re.fullmatch("[0-9a-f]{32}", view.pop("visitor")) and re.fullmatch("[0-9a-f]{16}", view.pop("pageToken"))
    assert view == {
        # The client's viewId, namespaced apart from API Gateway's ids and by site.
        "viewId": "c:blog:v1Zk3q9X_aB-7",
        "site": "blog",
        "day": TODAY,
        "pageKey": "blog#post#hello-world",
        "articleId": "hello-world",
        "articleTitle": "Hello, world",
        "unique": True,
        "viewedAt": 1795939201,
        "connectionId": "",
        "connectedAt": 1795939201,
        "referrerHost": "news.ycombinator.com",
    }


def test_the_visitor_key_is_the_one_a_websocket_view_of_the_same_browser_gets(aws, post, context):
    """Same site, address and User-Agent: one visitor, whichever way the view came."""
    ws_event = load_event("ws_views.json")
    aws.handler(VIEWS).handler(ws_event, context)
    post(beacon())

    websocket_view, beacon_view = published(aws)
    assert websocket_view["visitor"] == beacon_view["visitor"]
    assert websocket_view["pageToken"] == beacon_view["pageToken"]


def test_without_a_view_id_the_request_id_names_the_view(aws, post):
    post(beacon(viewId=None))

    [view] = published(aws)
    assert view["viewId"] == "Qx1bFjHKIAMEVxw="


def test_a_base64_body_is_read(aws, post):
    event = beacon()
    event["body"], event["isBase64Encoded"] = base64.b64encode(event["body"].encode()).decode(), True

    assert post(event)["statusCode"] == 202
    assert len(published(aws)) == 1


@pytest.mark.parametrize("origin", [None, "https://evil.example.com", "null", "https://blog.example.com.evil.com"])
def test_a_missing_or_foreign_origin_is_refused_with_403_and_no_cors(aws, post, origin):
    response = post(beacon(headers={"origin": origin}))

    assert response["statusCode"] == 403
    assert "Access-Control-Allow-Origin" not in response["headers"]
    assert published(aws) == []


@pytest.mark.parametrize(
    ("user_agent", "reason"),
    [
        (GOOGLEBOT, "crawler"),
        (CHROME.replace("Chrome/", "HeadlessChrome/"), "headless"),
        ("python-requests/2.32.3", "crawler"),
        (None, "no_user_agent"),
    ],
)
def test_a_bots_beacon_is_tallied_not_counted_and_told_nothing(aws, post, user_agent, reason):
    response = post(beacon(headers={"user-agent": user_agent}))

    assert response["statusCode"] == 202
    assert published(aws) == []
    assert aws.item("counts", {"pageKey": bots_key("blog", TODAY)})[reason] == {"N": "1"}


def test_a_webdriver_beacon_is_a_bots(aws, post):
    assert post(beacon(webdriver=True))["statusCode"] == 202

    assert published(aws) == []
    assert aws.item("counts", {"pageKey": bots_key("blog", TODAY)})["webdriver"] == {"N": "1"}


@pytest.mark.parametrize(
    ("headers", "fields"),
    [({"sec-gpc": "1"}, {}), ({"dnt": "1"}, {}), ({}, {"gpc": True})],
    ids=["sec-gpc header", "dnt header", "gpc in the body"],
)
def test_a_privacy_signal_counts_the_view_unkeyed(aws, post, headers, fields):
    assert post(beacon(headers=headers, **fields))["statusCode"] == 202

    [view] = published(aws)
    assert "visitor" not in view and "pageToken" not in view
    # No salt was needed, so none was made.
    assert aws.scan("salts") == []


def test_a_flood_from_one_browser_is_rate_limited_but_another_browser_at_its_address_is_not(aws, post):
    answers = [post(beacon(viewId=f"view-{n:04d}"))["statusCode"] for n in range(11)]
    other_browser = post(beacon(viewId="view-other", headers={"user-agent": CHROME.replace("156", "155")}))

    assert answers == [202] * 10 + [400]
    last = post(beacon(viewId="view-last"))
    assert error_code(last) == errors.RATE_LIMITED
    assert last["headers"]["Access-Control-Allow-Origin"] == ORIGIN
    assert other_browser["statusCode"] == 202
    assert len(published(aws)) == 11


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ("not json", errors.INVALID_JSON),
        ("[1, 2]", errors.INVALID_JSON),
        (None, errors.INVALID_JSON),
        (json.dumps({"message": "views"}), errors.MISSING_FIELD),
        (json.dumps({"message": "views", "currentPage": "/", "refreshed": "yes"}), errors.INVALID_FIELD),
        (json.dumps({"message": "views", "currentPage": "/", "viewId": "short"}), errors.INVALID_FIELD),
        (json.dumps({"message": "views", "currentPage": "/", "viewId": "has space!"}), errors.INVALID_FIELD),
        (json.dumps({"message": "views", "currentPage": "/", "viewId": 12345678}), errors.INVALID_FIELD),
        (json.dumps({"message": "views", "currentPage": "/x", "articleId": "a b", "article": True}),
         errors.INVALID_ARTICLE_ID),
    ],
)  # fmt: skip
def test_a_bad_body_gets_400_with_an_error_frame_and_publishes_nothing(aws, post, body, code):
    event = beacon()
    if body is None:
        del event["body"]
    else:
        event["body"] = body

    response = post(event)

    assert response["statusCode"] == 400
    assert response["headers"]["Content-Type"] == "application/json"
    assert error_code(response) == code
    assert published(aws) == []


def test_a_failed_publish_answers_503_unavailable(aws, post):
    aws.sns.delete_topic(TopicArn=aws.resources.topic_arn)

    response = post(beacon())

    assert response["statusCode"] == 503
    assert error_code(response) == errors.UNAVAILABLE


def test_counts_answers_the_pages_and_the_sites_totals_without_counting(aws, get):
    table = aws.resources.table_names["counts"]
    for key, total, unique in (("blog#post#hello-world", 12, 9), ("blog#path#/tags/x", 3, 2), ("blog#site", 40, 30)):
        aws.dynamodb.put_item(
            TableName=table,
            Item={"pageKey": {"S": key}, "totalViews": {"N": str(total)}, "uniqueViews": {"N": str(unique)}},
        )
    before = copy.deepcopy(aws.scan("counts"))

    response = get(counts_request())

    assert response["statusCode"] == 200
    assert response["headers"] == {
        "Access-Control-Allow-Origin": ORIGIN,
        "Vary": "Origin",
        "Cache-Control": "no-store",
        "Content-Type": "application/json",
    }
    # A post's path is answered with the post's counter, as a view of it counts there.
    assert json.loads(response["body"]) == {
        "message": "counts",
        "counts": {"hello-world": {"totalViews": 12, "uniqueViews": 9}},
        "paths": {
            "/posts/hello-world": {"totalViews": 12, "uniqueViews": 9},
            "/tags/x/": {"totalViews": 3, "uniqueViews": 2},
        },
        "site": {"totalViews": 40, "uniqueViews": 30},
    }
    assert aws.scan("counts") == before


def test_counts_of_a_site_never_viewed_are_zero(get):
    response = get(counts_request("paths=/"))

    assert json.loads(response["body"])["site"] == {"totalViews": 0, "uniqueViews": 0}


@pytest.mark.parametrize("origin", [None, "https://evil.example.com"])
def test_counts_refuses_a_missing_or_foreign_origin(get, origin):
    response = get(counts_request(origin=origin))

    assert response["statusCode"] == 403
    assert "Access-Control-Allow-Origin" not in response["headers"]


@pytest.mark.parametrize(
    ("query", "code"),
    [
        ("", errors.MISSING_FIELD),
        ("other=1", errors.MISSING_FIELD),
        ("articleIds=a%20b", errors.INVALID_ARTICLE_ID),
        ("&".join(f"paths=/p{n}/" for n in range(101)), errors.TOO_MANY_IDS),
        ("paths=" + "a" * 2049, errors.FIELD_TOO_LONG),
    ],
)
def test_a_bad_counts_query_gets_400_with_an_error_frame(get, query, code):
    response = get(counts_request(query))

    assert response["statusCode"] == 400
    assert error_code(response) == code
    assert response["headers"]["Cache-Control"] == "no-store"


def test_counts_query_names_are_case_insensitive_as_frame_fields_are(get):
    response = get(counts_request("PATHS=/&ArticleIds=x"))

    body = json.loads(response["body"])
    assert set(body["counts"]) == {"x"} and set(body["paths"]) == {"/"}
