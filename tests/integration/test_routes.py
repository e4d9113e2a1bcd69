"""The WebSocket route handlers against moto."""

from __future__ import annotations

import copy
import json
from dataclasses import replace

import pytest

from tests.conftest import load_event
from viewcount import errors
from viewcount_infra.topology import CONNECT, COUNTS, DEFAULT, DISCONNECT, VIEWS


def test_connect_registers_an_allowed_origin(aws, context):
    handler = aws.handler(CONNECT)

    response = handler.handler(load_event("ws_connect.json"), context)

    assert response["statusCode"] == 200
    item = aws.item("connections", {"connectionId": "conn-1="})
    assert item["connectedAt"]["N"] == "1795939200"
    # A little over API Gateway's 2 h limit, so TTL never removes a live connection.
    assert 7200 < int(item["expiresAt"]["N"]) - 1795939200 <= 7800


@pytest.mark.parametrize(
    "origin",
    [
        "https://blog.example.com/",
        "HTTPS://Blog.Example.com:443",
        "http://localhost:8000",
    ],
)
def test_connect_normalises_origins(aws, context, origin):
    event = load_event("ws_connect.json")
    event["headers"]["Origin"] = origin

    assert aws.handler(CONNECT).handler(event, context)["statusCode"] == 200


@pytest.mark.parametrize(
    "origin",
    [
        None,
        "https://evil.example.com",
        "https://blog.example.com.evil.com",
        "http://blog.example.com",
        "https://blog.example.com:8443",
        "http://localhost:8001",
        "null",
    ],
)
def test_connect_refuses_other_origins(aws, context, origin):
    event = load_event("ws_connect.json")
    del event["headers"]["Origin"]
    if origin:
        event["headers"]["origin"] = origin

    assert aws.handler(CONNECT).handler(event, context)["statusCode"] == 403
    assert aws.scan("connections") == []


def test_disconnect_removes_the_connection(aws, context):
    aws.handler(CONNECT).handler(load_event("ws_connect.json"), context)

    aws.handler(DISCONNECT).handler(load_event("ws_disconnect.json"), context)

    assert aws.scan("connections") == []


def test_views_publishes_a_post_view_and_remembers_the_page(aws, context):
    response = aws.handler(VIEWS).handler(load_event("ws_views.json"), context)

    assert response["statusCode"] == 200
    [message] = aws.drain("post-views")
    view = json.loads(message["Body"])
    assert view == {
        "viewId": "msg-1=",
        "pageKey": "post#hello-world",
        "articleId": "hello-world",
        "articleTitle": "Hello, world",
        "unique": True,
        "viewedAt": 1795939201,
        "referrerHost": "news.ycombinator.com",
    }
    assert message["MessageAttributes"]["event_type"]["StringValue"] == "post_view"
    # The external referrer also reaches the referrer queue, with the host only.
    [referral] = aws.drain("referrers")
    assert json.loads(referral["Body"])["referrerHost"] == "news.ycombinator.com"
    assert aws.drain("home-views") == [] and aws.drain("profile-views") == []
    assert aws.item("connections", {"connectionId": "conn-1="})["page"]["S"] == "post#hello-world"


@pytest.mark.parametrize(
    ("page", "queue", "page_name"),
    [
        ("/", "home-views", "Home_Page"),
        ("/pages/about", "profile-views", "About_Page"),
        ("/pages/contacts/", "profile-views", "Contact_Page"),
    ],
)
def test_views_on_home_and_profile_pages_need_no_article(aws, context, page, queue, page_name):
    event = load_event("ws_views.json")
    event["body"] = json.dumps(
        {"MESSAGE": "views", "CurrentPage": page, "articleId": "", "Referrer": "https://blog.example.com/x"}
    )

    assert aws.handler(VIEWS).handler(event, context)["statusCode"] == 200

    [message] = aws.drain(queue)
    assert json.loads(message["Body"])["pageName"] == page_name
    # A referral from the blog itself is not external.
    assert message["MessageAttributes"]["external_referrer"]["StringValue"] == "false"
    assert aws.drain("referrers") == []


def test_a_refreshed_view_is_not_unique(aws, context):
    event = load_event("ws_views.json")
    body = json.loads(event["body"])
    event["body"] = json.dumps({**body, "refreshed": True})

    aws.handler(VIEWS).handler(event, context)

    assert json.loads(aws.drain("post-views")[0]["Body"])["unique"] is False


REJECTIONS = [
    ("not json", errors.INVALID_JSON),
    ("[1, 2]", errors.INVALID_JSON),
    ({"message": "views"}, errors.MISSING_FIELD),
    ({"message": "views", "currentPage": 7}, errors.INVALID_FIELD),
    (
        {"message": "views", "currentPage": "/posts/a", "articleId": "a", "articleTitle": "t", "refreshed": "no"},
        errors.INVALID_FIELD,
    ),
    ({"message": "views", "currentPage": "/" + "x" * 2048}, errors.FIELD_TOO_LONG),
    (
        {"message": "views", "currentPage": "/posts/a", "articleId": "a", "articleTitle": "t" * 257},
        errors.FIELD_TOO_LONG,
    ),
    (
        {"message": "views", "currentPage": "/posts/a", "articleId": "a" * 129, "articleTitle": "t"},
        errors.FIELD_TOO_LONG,
    ),
    (
        {"message": "views", "currentPage": "/posts/a", "articleId": "<script>", "articleTitle": "t"},
        errors.INVALID_ARTICLE_ID,
    ),
    ({"message": "views", "currentPage": "/posts/a", "articleTitle": "t"}, errors.MISSING_FIELD),
    ({"message": "views", "currentPage": "/posts/a", "articleId": "a"}, errors.MISSING_FIELD),
    ({"message": "views", "currentPage": "/tags/python"}, errors.UNKNOWN_PAGE),
]


@pytest.mark.parametrize(("body", "code"), REJECTIONS)
def test_views_rejects_bad_frames_with_a_stable_code(aws, context, body, code):
    event = load_event("ws_views.json")
    event["body"] = body if isinstance(body, str) else json.dumps(body)

    response = aws.handler(VIEWS).handler(event, context)

    assert response["statusCode"] == 400
    [frame] = aws.sent_frames("conn-1=")
    assert frame["message"] == "error" and frame["error"]["code"] == code and frame["error"]["detail"]
    for queue in ("post-views", "home-views", "profile-views", "referrers"):
        assert aws.drain(queue) == []


def test_views_reports_a_failed_publish_and_does_not_claim_success(aws, context):
    handler = aws.handler(VIEWS)
    handler.settings = replace(handler.settings, views_topic_arn="arn:aws:sns:us-east-1:123456789012:missing")

    response = handler.handler(load_event("ws_views.json"), context)

    assert response["statusCode"] == 500
    assert aws.sent_frames("conn-1=")[0]["error"]["code"] == errors.UNAVAILABLE


def test_counts_answers_from_the_reader_table_without_counting(aws, context):
    aws.dynamodb.put_item(
        TableName=aws.resources.table_names["reader"],
        Item={"pageKey": {"S": "post#hello-world"}, "totalViews": {"N": "12"}, "uniqueViews": {"N": "9"}},
    )

    response = aws.handler(COUNTS).handler(load_event("ws_counts.json"), context)

    assert json.loads(response["body"]) == {
        "message": "counts",
        "counts": {
            "hello-world": {"totalViews": 12, "uniqueViews": 9},
            "never-viewed": {"totalViews": 0, "uniqueViews": 0},
        },
    }
    assert aws.drain("post-views") == []


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"message": "counts"}, errors.MISSING_FIELD),
        ({"message": "counts", "articleIds": "a"}, errors.INVALID_FIELD),
        ({"message": "counts", "articleIds": [f"a{i}" for i in range(101)]}, errors.TOO_MANY_IDS),
        ({"message": "counts", "articleIds": ["ok", "../etc"]}, errors.INVALID_ARTICLE_ID),
    ],
)
def test_counts_rejects_bad_requests(aws, context, body, code):
    event = load_event("ws_counts.json")
    event["body"] = json.dumps(body)

    response = aws.handler(COUNTS).handler(event, context)

    assert json.loads(response["body"])["error"]["code"] == code


def test_counts_accepts_the_maximum_of_100_ids(aws, context):
    event = copy.deepcopy(load_event("ws_counts.json"))
    event["body"] = json.dumps({"message": "counts", "articleIds": [f"a{i}" for i in range(100)]})

    assert len(json.loads(aws.handler(COUNTS).handler(event, context)["body"])["counts"]) == 100


@pytest.mark.parametrize(
    ("body", "code"), [("hello?", errors.INVALID_JSON), ('{"message": "subscribe"}', errors.UNKNOWN_ROUTE)]
)
def test_default_names_the_supported_routes(aws, context, body, code):
    event = load_event("ws_default.json")
    event["body"] = body

    frame = json.loads(aws.handler(DEFAULT).handler(event, context)["body"])

    assert frame["message"] == "error" and frame["error"]["code"] == code
    if code == errors.UNKNOWN_ROUTE:
        assert "views" in frame["error"]["detail"] and "counts" in frame["error"]["detail"]
