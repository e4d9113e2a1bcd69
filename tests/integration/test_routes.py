"""The WebSocket route handlers against moto."""

from __future__ import annotations

import copy
import dataclasses
import json
import re

import pytest

from tests.conftest import CHROME, GOOGLEBOT, fail_dynamodb, load_event, with_site
from viewcount import errors
from viewcount_infra.topology import CONNECT, COUNTS_ROUTE, DEFAULT, VIEWS


def authorize(aws, context, **headers):
    event = load_event("ws_connect_authorizer.json")
    for name, value in headers.items():
        name = name.replace("_", "-")
        event["headers"] = {k: v for k, v in event["headers"].items() if k.lower() != name.lower()}
        if value is not None:
            event["headers"][name] = value
    return aws.handler(CONNECT).handler(event, context)


def effect(answer):
    [statement] = answer["policyDocument"]["Statement"]
    assert statement["Resource"] == "arn:aws:execute-api:us-east-1:123456789012:abc123/local/$connect"
    return statement["Effect"]


def test_connect_admits_an_allowed_origin_and_writes_nothing(aws, context):
    answer = authorize(aws, context)

    assert effect(answer) == "Allow"
    # The visitor key needs the User-Agent, and the site the origin, which no later event carries.
    assert answer["context"] == {"userAgent": CHROME, "origin": "https://blog.example.com"}
    # A connection costs no write: it becomes a reader with its first view.
    assert all(aws.scan(table) == [] for table in aws.resources.table_names)


@pytest.mark.parametrize(
    "origin",
    [
        "https://blog.example.com/",
        "HTTPS://Blog.Example.com:443",
        "http://localhost:8000",
    ],
)
def test_connect_normalises_origins(aws, context, origin):
    assert effect(authorize(aws, context, Origin=origin)) == "Allow"


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
    answer = authorize(aws, context, Origin=origin)

    assert effect(answer) == "Deny" and "context" not in answer


def test_connect_hands_on_global_privacy_control_instead_of_the_user_agent(aws, context):
    answer = authorize(aws, context, Sec_GPC="1")

    assert effect(answer) == "Allow" and answer["context"] == {"gpc": "1", "origin": "https://blog.example.com"}


@pytest.mark.parametrize(
    ("user_agent", "reason"),
    [
        (GOOGLEBOT, "crawler"),
        (CHROME.replace("Chrome/", "HeadlessChrome/"), "headless"),
        (None, "no_user_agent"),
    ],
)  # fmt: skip
def test_connect_admits_a_bot_with_its_reason_and_no_user_agent(aws, context, user_agent, reason):
    answer = authorize(aws, context, User_Agent=user_agent)

    # Admitted, so that its views are counted as a bot's, by reason.
    assert effect(answer) == "Allow" and answer["context"] == {"bot": reason, "origin": "https://blog.example.com"}


def test_views_publishes_a_post_view_with_its_reader(aws, context):
    response = aws.handler(VIEWS).handler(load_event("ws_views.json"), context)

    assert response["statusCode"] == 200
    [message] = aws.drain("post-views")
    view = json.loads(message["Body"])
    # The visitor's hashes: fixed-length hex that names no one (viewcount.visitors).
    assert re.fullmatch("[0-9a-f]{32}", view.pop("visitor")) and re.fullmatch("[0-9a-f]{16}", view.pop("pageToken"))
    assert view == {
        "viewId": "msg-1=",
        "site": "blog",
        "day": "2026-11-29",
        "pageKey": "blog#post#hello-world",
        "articleId": "hello-world",
        "articleTitle": "Hello, world",
        "unique": True,
        "viewedAt": 1795939201,
        "connectionId": "conn-1=",
        "connectedAt": 1795939200,
        # The host only: no path, no query.
        "referrerHost": "news.ycombinator.com",
    }
    assert message["MessageAttributes"]["event_type"]["StringValue"] == "post_view"
    assert aws.drain("home-views") == [] and aws.drain("profile-views") == []


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
    view = json.loads(message["Body"])
    assert view["pageName"] == page_name
    # A referral from the blog itself is not external.
    assert "referrerHost" not in view


@pytest.mark.parametrize(
    ("fields", "queue", "path"),
    [
        # The original's client, on a Hexo tag page: its made-up articleId is not an article.
        ({"currentPage": "/tags/x/", "articleId": "x", "articleTitle": "Tag: x"}, "page-views", "/tags/x"),
        ({"currentPage": "/archives/index.html?page=2", "article": False}, "page-views", "/archives"),
        # A newer client's article outside the post marker: keyed by its path, with its title.
        ({"currentPage": "/2026/11/30/hello-hexo/", "article": True, "articleTitle": "Hi"}, "post-views", None),
    ],
)
def test_views_of_every_other_path_are_published_as_pages_of_their_own(aws, context, fields, queue, path):
    event = load_event("ws_views.json")
    event["body"] = json.dumps({"message": "views", **fields})

    assert aws.handler(VIEWS).handler(event, context)["statusCode"] == 200

    [message] = aws.drain(queue)
    view = json.loads(message["Body"])
    expected_path = path or "/2026/11/30/hello-hexo"
    assert (view["pageKey"], view["path"]) == ("blog#path#" + expected_path, expected_path)
    assert view.get("articleTitle") == (None if path else "Hi")
    assert "articleId" not in view and "pageName" not in view


def test_a_path_pattern_refuses_paths_that_are_not_the_blogs(aws, context):
    aws.config = with_site(aws.config, page_path_pattern="/(tags|archives)(/.*)?")
    views = aws.handler(VIEWS)
    for page, status in (("/tags/x/", 200), ("/wp-admin/setup.php", 400)):
        event = load_event("ws_views.json")
        event["body"] = json.dumps({"message": "views", "currentPage": page})
        assert views.handler(event, context)["statusCode"] == status
    assert [json.loads(m["Body"])["path"] for m in aws.drain("page-views")] == ["/tags/x"]
    assert aws.sent_frames("conn-1=")[-1]["error"]["code"] == errors.UNKNOWN_PAGE


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
    ({"message": "views", "currentPage": "tags/python"}, errors.INVALID_FIELD),
    ({"message": "views", "currentPage": "/tags/%ff"}, errors.INVALID_FIELD),
    ({"message": "views", "currentPage": "/tags/x", "article": "yes"}, errors.INVALID_FIELD),
]


@pytest.mark.parametrize(("body", "code"), REJECTIONS)
def test_views_rejects_bad_frames_with_a_stable_code(aws, context, body, code):
    event = load_event("ws_views.json")
    event["body"] = body if isinstance(body, str) else json.dumps(body)

    response = aws.handler(VIEWS).handler(event, context)

    assert response["statusCode"] == 400
    [frame] = aws.sent_frames("conn-1=")
    assert frame["message"] == "error" and frame["error"]["code"] == code and frame["error"]["detail"]
    for queue in aws.resources.queue_urls:
        assert aws.drain(queue) == []


def test_views_reports_a_failed_publish_and_does_not_claim_success(aws, context):
    handler = aws.handler(VIEWS)
    aws.sns.delete_topic(TopicArn=aws.resources.topic_arn)

    response = handler.handler(load_event("ws_views.json"), context)

    assert response["statusCode"] == 500
    assert aws.sent_frames("conn-1=")[0]["error"]["code"] == errors.UNAVAILABLE


def test_counts_answers_from_the_counts_table_without_counting(aws, context):
    aws.dynamodb.put_item(
        TableName=aws.resources.table_names["counts"],
        Item={"pageKey": {"S": "blog#post#hello-world"}, "totalViews": {"N": "12"}, "uniqueViews": {"N": "9"}},
    )

    response = aws.handler(COUNTS_ROUTE).handler(load_event("ws_counts.json"), context)

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

    response = aws.handler(COUNTS_ROUTE).handler(event, context)

    assert json.loads(response["body"])["error"]["code"] == code


def test_counts_answers_paths_with_the_counter_a_view_of_them_counts_in(aws, context):
    for key, total in (("path#/tags/x", 5), ("page#Home_Page", 7), ("post#hello", 3)):
        aws.dynamodb.put_item(
            TableName=aws.resources.table_names["counts"],
            Item={"pageKey": {"S": "blog#" + key}, "totalViews": {"N": str(total)}, "uniqueViews": {"N": "1"}},
        )
    event = load_event("ws_counts.json")
    event["body"] = json.dumps({"message": "counts", "paths": ["/tags/x/", "/", "/posts/hello/", "/tags/y"]})

    answer = json.loads(aws.handler(COUNTS_ROUTE).handler(event, context)["body"])

    assert {path: counts["totalViews"] for path, counts in answer["paths"].items()} == {
        "/tags/x/": 5,
        "/": 7,
        "/posts/hello/": 3,
        "/tags/y": 0,
    }
    assert answer["counts"] == {}


def test_counts_accepts_the_maximum_of_100_ids(aws, context):
    event = copy.deepcopy(load_event("ws_counts.json"))
    event["body"] = json.dumps({"message": "counts", "articleIds": [f"a{i}" for i in range(100)]})

    assert len(json.loads(aws.handler(COUNTS_ROUTE).handler(event, context)["body"])["counts"]) == 100


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


@pytest.fixture
def info_logs():
    """INFO logs on, whatever an earlier test in this process set."""
    from viewcount.observability import logger

    level = logger.log_level
    logger.setLevel("INFO")
    yield
    logger.setLevel(level)


def view_event(message: str, authorizer: dict[str, str], **fields) -> dict:
    event = load_event("ws_views.json")
    event["requestContext"].update(messageId=message, authorizer={"principalId": "reader", **authorizer})
    event["body"] = json.dumps({**json.loads(event["body"]), **fields})
    return event


def test_no_address_user_agent_or_salt_is_logged(aws, context, capsys, caplog, info_logs):
    from local_stack.harness import BROWSER_USER_AGENT

    user_agent = BROWSER_USER_AGENT
    authorize(aws, context, User_Agent=user_agent)
    views = aws.handler(VIEWS)
    views.handler(view_event("m1=", {"userAgent": user_agent}), context)
    views.handler(view_event("m2=", {"userAgent": user_agent}, currentPage="tags/x"), context)
    views.handler(view_event("m3=", {"bot": "crawler"}), context)
    fail_dynamodb(views.dynamodb)
    next_day = view_event("m4=", {"userAgent": user_agent})
    next_day["requestContext"]["requestTimeEpoch"] += 86_400_000  # a new day's salt, which cannot be read
    views.handler(next_day, context)

    captured = capsys.readouterr()
    logged = captured.out + captured.err + caplog.text
    assert "view rejected" in logged and "visitor not keyed" in logged  # the logs were captured
    salt = bytes(aws.scan("salts")[0]["salt"]["B"])
    for secret in ("203.0.113.7", "Firefox", "Mozilla", salt.hex(), repr(salt)):
        assert secret not in logged


# ---- several sites ----------------------------------------------------------------


@pytest.fixture
def shared_origin(aws):
    """Two GitHub Pages project sites on one origin, and a blog of its own."""
    from viewcount.sites import Site, SiteOrigin, Sites

    notes = Site("notes", (SiteOrigin.parse("https://user.github.io/notes"),))
    talks = Site("talks", (SiteOrigin.parse("https://user.github.io/talks"),))
    aws.config = dataclasses.replace(aws.config, sites=Sites((aws.config.sites.default, notes, talks)))
    return aws


@pytest.mark.parametrize("origin", ["https://user.github.io", "https://blog.example.com"])
def test_connect_admits_every_sites_origin_and_hands_it_on(shared_origin, context, origin):
    answer = authorize(shared_origin, context, Origin=origin + "/")

    assert effect(answer) == "Allow" and answer["context"]["origin"] == origin


def test_counts_on_a_shared_origin_answers_each_path_from_its_sites_counters(shared_origin, context):
    for key, total in (("notes#path#/notes/a", 5), ("talks#path#/talks/a", 7), ("notes#post#x", 3)):
        shared_origin.dynamodb.put_item(
            TableName=shared_origin.resources.table_names["counts"],
            Item={"pageKey": {"S": key}, "totalViews": {"N": str(total)}, "uniqueViews": {"N": "1"}},
        )
    event = load_event("ws_counts.json")
    event["requestContext"]["authorizer"]["origin"] = "https://user.github.io"
    event["body"] = json.dumps({"message": "counts", "paths": ["/notes/a/", "/talks/a"], "articleIds": ["x"]})

    answer = json.loads(shared_origin.handler(COUNTS_ROUTE).handler(event, context)["body"])

    assert {path: counts["totalViews"] for path, counts in answer["paths"].items()} == {"/notes/a/": 5, "/talks/a": 7}
    # Articles are on the site of the first path asked for.
    assert answer["counts"] == {"x": {"totalViews": 3, "uniqueViews": 1}}

    event["body"] = json.dumps({"message": "counts", "paths": ["/elsewhere"]})
    refusal = json.loads(shared_origin.handler(COUNTS_ROUTE).handler(event, context)["body"])
    assert refusal["error"]["code"] == errors.UNKNOWN_PAGE
