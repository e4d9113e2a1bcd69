"""`views` beyond validation: unique visitors, privacy signals, bots, rate limits, allow-lists."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest
from botocore.exceptions import ClientError

from local_stack.harness import BROWSER_USER_AGENT
from tests.conftest import load_event
from viewcount import errors
from viewcount.pages import ArticleAllowList, bots_key
from viewcount.visitors import utc_day
from viewcount_infra.topology import VIEWS

NOW = 1795939201  # the sample event's request time


def view_event(*, connection="conn-1=", message="msg-1=", ip="203.0.113.7", authorizer=None, **fields):
    event = load_event("ws_views.json")
    context = event["requestContext"]
    context.update(connectionId=connection, messageId=message)
    context["identity"]["sourceIp"] = ip
    if authorizer is not None:
        context["authorizer"] = {"principalId": "reader", **authorizer}
    event["body"] = json.dumps({**json.loads(event["body"]), **fields})
    return event


def published(aws):
    return [json.loads(message["Body"]) for message in aws.drain("post-views")]


@pytest.fixture
def views(aws):
    return aws.handler(VIEWS)


def test_one_reader_on_two_connections_is_unique_once(aws, views, context):
    views.handler(view_event(connection="tab-1=", message="m1="), context)
    views.handler(view_event(connection="tab-2=", message="m2="), context)

    assert [view["unique"] for view in published(aws)] == [True, False]
    # One visit record, named by a hash: no IP, no User-Agent, no visitor key.
    [record] = aws.scan("visits")
    assert set(record) == {"visitId", "expiresAt"}
    assert record["visitId"]["S"].startswith(utc_day(NOW) + "#")
    assert "203.0.113.7" not in json.dumps(aws.scan("visits") + aws.scan("salts"), default=str)


def test_another_browser_or_address_is_another_visitor(aws, views, context):
    views.handler(view_event(message="m1="), context)
    views.handler(view_event(message="m2=", ip="198.51.100.9"), context)
    views.handler(view_event(message="m3=", authorizer={"userAgent": "Mozilla/5.0 Firefox/150.0"}), context)

    assert [view["unique"] for view in published(aws)] == [True, True, True]


def test_the_same_visitor_is_unique_once_per_page(aws, views, context):
    views.handler(view_event(message="m1="), context)
    views.handler(view_event(message="m2=", articleId="other", currentPage="/posts/other"), context)

    assert [view["unique"] for view in published(aws)] == [True, True]


def test_a_reload_is_never_unique_and_costs_no_visit_record(aws, views, context):
    views.handler(view_event(refreshed=True), context)

    assert [view["unique"] for view in published(aws)] == [False]
    assert aws.scan("visits") == []


@pytest.mark.parametrize(
    ("fields", "authorizer"),
    [({"gpc": True}, {"userAgent": "Mozilla/5.0 Chrome/156.0"}), ({}, {"gpc": "1"})],
    ids=["gpc-in-the-frame", "sec-gpc-header"],
)
def test_global_privacy_control_counts_without_a_visitor_key(aws, views, context, fields, authorizer):
    views.handler(view_event(message="m1=", authorizer=authorizer, **fields), context)
    views.handler(view_event(message="m2=", authorizer=authorizer, **fields), context)
    views.handler(view_event(message="m3=", authorizer=authorizer, refreshed=True, **fields), context)

    # Uniqueness falls back to the client's word, and nothing is hashed or recorded.
    assert [view["unique"] for view in published(aws)] == [True, True, False]
    assert aws.scan("visits") == [] and aws.scan("salts") == []


@pytest.mark.parametrize(
    ("authorizer", "fields", "reason"),
    [
        ({"bot": "crawler"}, {}, "crawler"),
        ({"userAgent": "Mozilla/5.0 Chrome/156.0"}, {"webdriver": True}, "webdriver"),
    ],
)
def test_a_bot_view_is_counted_apart_by_reason_and_day(aws, views, context, authorizer, fields, reason):
    assert views.handler(view_event(authorizer=authorizer, **fields), context)["statusCode"] == 200
    views.handler(view_event(message="m2=", authorizer=authorizer, **fields), context)

    assert published(aws) == []
    bots = aws.item("counts", {"pageKey": bots_key(utc_day(NOW))})
    assert bots[reason] == {"N": "2"}
    assert aws.item("counts", {"pageKey": "post#hello-world"}) is None


def test_a_view_that_was_not_published_is_still_unique_when_sent_again(aws, views, context):
    topic = views.settings.views_topic_arn
    views.settings = replace(views.settings, views_topic_arn=topic + "-missing")
    assert views.handler(view_event(message="m1="), context)["statusCode"] == 500
    assert aws.sent_frames("conn-1=")[-1]["error"]["code"] == errors.UNAVAILABLE

    views.settings = replace(views.settings, views_topic_arn=topic)
    assert views.handler(view_event(message="m2="), context)["statusCode"] == 200

    assert [view["unique"] for view in published(aws)] == [True]


def test_a_connection_over_its_rate_gets_rate_limited_and_is_not_counted(aws, views, context):
    views.rate_limit.views_per_minute = 3
    rate_writes = []
    views.dynamodb.meta.events.register(
        "before-parameter-build.dynamodb.UpdateItem",
        lambda params, **_: rate_writes.append(1) if params["TableName"].endswith("ViewRates") else None,
    )

    answers = [views.handler(view_event(message=f"m{i}="), context)["statusCode"] for i in range(5)]

    assert answers == [200, 200, 200, 400, 400]
    # The fourth view's refused write tells the instance; the fifth costs no write.
    assert len(rate_writes) == 4
    assert len(published(aws)) == 3
    frames = aws.sent_frames("conn-1=")
    assert [frame["error"]["code"] for frame in frames] == [errors.RATE_LIMITED] * 2
    # Another connection has a rate of its own.
    assert views.handler(view_event(connection="conn-2=", message="m9="), context)["statusCode"] == 200


def test_the_rate_table_does_not_keep_connection_ids(aws, views, context):
    views.handler(view_event(), context)

    [item] = aws.scan("view_rates")
    assert "conn-1" not in json.dumps(item)


def test_an_article_off_the_allow_list_is_refused(aws, views, context):
    views.settings = replace(
        views.settings, article_allow_list=ArticleAllowList.parse(r"[0-9]{4}-[a-z-]+", "hello-world")
    )

    assert views.handler(view_event(message="m1="), context)["statusCode"] == 200
    ok = views.handler(view_event(message="m2=", articleId="2026-intro", currentPage="/posts/2026-intro"), context)
    junk = views.handler(view_event(message="m3=", articleId="wp-login.php", currentPage="/posts/x"), context)

    assert (ok["statusCode"], junk["statusCode"]) == (200, 400)
    assert aws.sent_frames("conn-1=")[-1]["error"]["code"] == errors.UNKNOWN_ARTICLE
    assert [view["articleId"] for view in published(aws)] == ["hello-world", "2026-intro"]


def test_referrer_spam_is_dropped_and_campaign_tags_are_kept(aws, views, context):
    views.spam_hosts = frozenset({"spam-example.test"})

    views.handler(
        view_event(
            message="m1=",
            referrer="https://www.Traffic.Spam-Example.test/offer",
            currentPage="/posts/hello-world?utm_source=Newsletter&utm_medium=email&utm_campaign=nov&fbclid=abc",
        ),
        context,
    )
    views.handler(view_event(message="m2=", referrer="https://www.Example.org/list"), context)

    first, second = published(aws)
    assert "referrerHost" not in first
    # Only the three campaign tags, lower-cased; every other parameter is gone.
    assert first["campaign"] == {"utm_source": "newsletter", "utm_medium": "email", "utm_campaign": "nov"}
    assert second["referrerHost"] == "example.org" and "campaign" not in second


def fail_dynamodb(views):
    def throttle(model, **_):
        raise ClientError({"Error": {"Code": "ProvisionedThroughputExceededException", "Message": "test"}}, model.name)

    views.dynamodb.meta.events.register("before-call.dynamodb", throttle)


def test_dynamodb_trouble_degrades_checks_but_loses_no_view(aws, views, context):
    fail_dynamodb(views)

    reader = views.handler(view_event(message="m1="), context)
    reload = views.handler(view_event(message="m2=", refreshed=True), context)
    bot = views.handler(view_event(message="m3=", authorizer={"bot": "crawler"}), context)

    # Both reader views are published; uniqueness falls back to the client's word.
    assert [reader["statusCode"], reload["statusCode"], bot["statusCode"]] == [200, 200, 200]
    assert [view["unique"] for view in published(aws)] == [True, False]
    # No error frame: nothing for the reader to resend.
    assert aws.sent_frames("conn-1=") == []


@pytest.fixture
def info_logs():
    """INFO logs on, whatever an earlier test in this process set."""
    from viewcount.observability import logger

    level = logger.log_level
    logger.setLevel("INFO")
    yield
    logger.setLevel(level)


def test_no_address_user_agent_or_salt_is_logged(aws, views, context, capsys, caplog, info_logs):
    from viewcount_infra.topology import CONNECT

    user_agent = BROWSER_USER_AGENT
    connect = aws.handler(CONNECT)
    authorizer = load_event("ws_connect_authorizer.json")
    authorizer["headers"]["User-Agent"] = user_agent
    connect.handler(authorizer, context)
    views.handler(view_event(message="m1=", authorizer={"userAgent": user_agent}), context)
    views.handler(view_event(message="m2=", authorizer={"userAgent": user_agent}, currentPage="/tags/x"), context)
    views.handler(view_event(message="m3=", authorizer={"bot": "crawler"}), context)
    fail_dynamodb(views)
    views.handler(view_event(message="m4=", authorizer={"userAgent": user_agent}), context)

    captured = capsys.readouterr()
    logged = captured.out + captured.err + caplog.text
    assert "view rejected" in logged and "visitor not checked" in logged  # the logs were captured
    salt = bytes(aws.scan("salts")[0]["salt"]["B"])
    for secret in ("203.0.113.7", "Firefox", "Mozilla", salt.hex(), repr(salt)):
        assert secret not in logged
