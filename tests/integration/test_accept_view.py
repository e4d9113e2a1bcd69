"""Accepting a view, beyond validation: unique visitors, privacy signals, bots, rate limits,
allow-lists. The use case runs on moto without its handler; what the handler makes of a
refusal (an error frame) is in test_routes.py."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest

from tests.conftest import CHROME, WS_ENDPOINT, fail_dynamodb, load_event, with_site
from viewcount import errors
from viewcount.admission import Admission
from viewcount.errors import RejectedFrame
from viewcount.settings import ViewsSettings
from viewcount.tables.page_counts import bots_key
from viewcount.use_cases.accept_view import AcceptView, ViewRequest
from viewcount_infra.topology import VIEWS

NOW = 1795939201  # the sample event's request time
TODAY = "2026-11-29"  # its day on the test site (UTC)
ORIGIN = "https://blog.example.com"
SAMPLE_BODY = json.loads(load_event("ws_views.json")["body"])


def request(*, connection="conn-1=", message="msg-1=", ip="203.0.113.7", authorizer=None, **fields) -> ViewRequest:
    """The sample view, changed by `fields`; `authorizer` is what the `$connect` authorizer
    handed on (by default: a Chrome browser)."""
    return ViewRequest(
        body=json.dumps({**SAMPLE_BODY, **fields}),
        message_id=message,
        connection_id=connection,
        connected_at=NOW - 1,
        received_at=NOW,
        source_ip=ip,
        admission=Admission.of_event(authorizer if authorizer is not None else {"userAgent": CHROME, "origin": ORIGIN}),
    )


def published(aws):
    return [json.loads(message["Body"]) for message in aws.drain("post-views")]


@pytest.fixture
def settings(aws) -> ViewsSettings:
    env = aws.resources.environment(VIEWS, aws.config, WS_ENDPOINT)
    return ViewsSettings.from_env(env)


def accept_view(aws, settings: ViewsSettings) -> AcceptView:
    return AcceptView.on_aws(settings, dynamodb=aws.dynamodb, sns=aws.sns)


@pytest.fixture
def views(aws, settings) -> AcceptView:
    return accept_view(aws, settings)


def refused(views: AcceptView, view: ViewRequest) -> str:
    with pytest.raises(RejectedFrame) as refusal:
        views.accept(view)
    return refusal.value.code


def dynamodb_calls(aws):
    calls = []
    aws.dynamodb.meta.events.register("before-call.dynamodb.*", lambda model, **_: calls.append(model.name))
    return calls


def test_one_reader_on_two_connections_is_one_visitor(aws, views):
    views.accept(request(connection="tab-1=", message="m1="))
    views.accept(request(connection="tab-2=", message="m2="))

    first, second = published(aws)
    # Whether the view is the visitor's first today is told downstream, by its one write.
    assert (first["unique"], second["unique"]) == (True, True)
    assert (first["visitor"], first["pageToken"]) == (second["visitor"], second["pageToken"])
    assert len(first["visitor"]) == 32 and len(first["pageToken"]) == 16
    assert "203.0.113.7" not in json.dumps(published(aws) + aws.scan("salts"), default=str)


def test_the_usual_view_makes_no_dynamodb_write(aws, views):
    views.accept(request(message="m1="))  # the day's first view makes the day's salt
    calls = dynamodb_calls(aws)

    views.accept(request(message="m2=", connection="conn-2="))
    views.accept(request(message="m3=", articleId="other", currentPage="/posts/other"))

    assert calls == []
    assert len(published(aws)) == 3


def test_another_browser_or_address_is_another_visitor(aws, views):
    views.accept(request(message="m1="))
    views.accept(request(message="m2=", ip="198.51.100.9"))
    views.accept(request(message="m3=", authorizer={"userAgent": "Mozilla/5.0 Firefox/150.0"}))

    assert len({view["visitor"] for view in published(aws)}) == 3


def test_the_same_visitor_has_one_token_per_page(aws, views):
    views.accept(request(message="m1="))
    views.accept(request(message="m2=", articleId="other", currentPage="/posts/other"))

    first, second = published(aws)
    assert first["visitor"] == second["visitor"] and first["pageToken"] != second["pageToken"]


def test_a_reload_is_never_unique_and_counts_toward_the_daily_cap(aws, views):
    views.accept(request(refreshed=True))

    [view] = published(aws)
    assert view["unique"] is False and "visitor" in view


@pytest.mark.parametrize(
    ("fields", "authorizer"),
    [({"gpc": True}, {"userAgent": "Mozilla/5.0 Chrome/156.0"}), ({}, {"gpc": "1"})],
    ids=["gpc-in-the-frame", "sec-gpc-header"],
)
def test_global_privacy_control_counts_without_a_visitor_key(aws, views, fields, authorizer):
    views.accept(request(message="m1=", authorizer=authorizer, **fields))
    views.accept(request(message="m2=", authorizer=authorizer, **fields))
    views.accept(request(message="m3=", authorizer=authorizer, refreshed=True, **fields))

    # Uniqueness falls back to the client's word, and nothing is hashed or made.
    views_published = published(aws)
    assert [view["unique"] for view in views_published] == [True, True, False]
    assert not any("visitor" in view or "pageToken" in view for view in views_published)
    assert aws.scan("salts") == []


def test_without_a_salt_the_view_counts_unkeyed(aws, views):
    fail_dynamodb(aws.dynamodb)

    views.accept(request())

    [view] = published(aws)
    assert "visitor" not in view and view["unique"] is True


@pytest.mark.parametrize(
    ("authorizer", "fields", "reason"),
    [
        ({"bot": "crawler"}, {}, "crawler"),
        ({"userAgent": "Mozilla/5.0 Chrome/156.0"}, {"webdriver": True}, "webdriver"),
    ],
)
def test_a_bot_view_is_counted_apart_by_reason_and_day(aws, views, authorizer, fields, reason):
    views.accept(request(authorizer=authorizer, **fields))
    views.accept(request(message="m2=", authorizer=authorizer, **fields))

    assert published(aws) == []
    bots = aws.item("counts", {"pageKey": bots_key("blog", TODAY)})
    assert bots[reason] == {"N": "2"}
    assert aws.item("counts", {"pageKey": "blog#post#hello-world"}) is None


def test_a_connection_over_its_rate_gets_rate_limited_and_is_not_counted(aws, settings):
    views = accept_view(aws, replace(settings, views_per_minute=3))
    views.accept(request(message="m0="))
    calls = dynamodb_calls(aws)

    for index in range(1, 3):
        views.accept(request(message=f"m{index}="))
    codes = [refused(views, request(message=f"m{index}=")) for index in range(3, 5)]

    assert codes == [errors.RATE_LIMITED] * 2
    # Counted in the warm instance: no write.
    assert calls == []
    assert len(published(aws)) == 3
    # Another connection has a rate of its own, and the next minute starts afresh.
    views.accept(request(connection="conn-2=", message="m9="))
    later = request(message="m10=")
    views.accept(replace(later, received_at=NOW + 60))
    assert len(published(aws)) == 2


def test_an_article_off_the_allow_list_is_refused(aws, settings):
    allowing = with_site(aws.config, article_id_pattern=r"[0-9]{4}-[a-z-]+", article_ids=("hello-world",))
    views = accept_view(aws, replace(settings, sites=allowing.sites))

    views.accept(request(message="m1="))
    views.accept(request(message="m2=", articleId="2026-intro", currentPage="/posts/2026-intro"))
    code = refused(views, request(message="m3=", articleId="wp-login.php", currentPage="/posts/x"))

    assert code == errors.UNKNOWN_ARTICLE
    assert [view["articleId"] for view in published(aws)] == ["hello-world", "2026-intro"]


def test_referrer_spam_is_dropped_and_campaign_tags_are_kept(aws, settings):
    views = accept_view(aws, replace(settings, spam_hosts=frozenset({"spam-example.test"})))

    views.accept(
        request(
            message="m1=",
            referrer="https://www.Traffic.Spam-Example.test/offer",
            currentPage="/posts/hello-world?utm_source=Newsletter&utm_medium=email&utm_campaign=nov&fbclid=abc",
        )
    )
    views.accept(request(message="m2=", referrer="https://www.Example.org/list"))

    first, second = published(aws)
    assert "referrerHost" not in first
    # Only the three campaign tags, lower-cased; every other parameter is gone.
    assert first["campaign"] == {"utm_source": "newsletter", "utm_medium": "email", "utm_campaign": "nov"}
    assert second["referrerHost"] == "example.org" and "campaign" not in second


def test_dynamodb_trouble_degrades_checks_but_loses_no_view(aws, views):
    fail_dynamodb(aws.dynamodb)

    # None of these raises: nothing for the reader to resend.
    views.accept(request(message="m1="))
    views.accept(request(message="m2=", refreshed=True))
    views.accept(request(message="m3=", authorizer={"bot": "crawler"}))

    # Both reader views are published; uniqueness falls back to the client's word.
    assert [view["unique"] for view in published(aws)] == [True, False]


# ---- several sites ----------------------------------------------------------------

TWO_SITES = """
[[sites]]
id = "blog"
origins = ["https://blog.example.com"]

[[sites]]
id = "notes"
origins = ["https://user.github.io/notes"]
time_zone = "Asia/Shanghai"

[[sites]]
id = "talks"
origins = ["https://user.github.io/talks", "https://talks.example.com"]
"""


@pytest.fixture
def sites_views(aws, settings, tmp_path) -> AcceptView:
    from viewcount_infra.config import DeploymentConfig

    path = tmp_path / "sites.toml"
    path.write_text(TWO_SITES)
    config = DeploymentConfig.load("local", {"SITES": str(path)})
    return accept_view(aws, replace(settings, sites=config.sites))


def from_origin(origin: str, **fields) -> ViewRequest:
    return request(authorizer={"userAgent": CHROME, "origin": origin}, **fields)


def test_the_origin_and_the_path_prefix_pick_the_site_and_its_day(aws, sites_views):
    sites_views.accept(from_origin("https://blog.example.com", message="m1="))
    sites_views.accept(
        from_origin("https://user.github.io", message="m2=", currentPage="/notes/2026/a/", article=True, articleId="")
    )
    sites_views.accept(from_origin("https://talks.example.com", message="m3=", currentPage="/", articleId=""))

    views = published(aws) + [json.loads(m["Body"]) for q in ("home-views",) for m in aws.drain(q)]
    assert [(view["site"], view["day"], view["pageKey"]) for view in views] == [
        ("blog", "2026-11-29", "blog#post#hello-world"),
        # 08:00 UTC is 16:00 in Shanghai: the same day there, and a site's own page keys.
        ("notes", "2026-11-29", "notes#path#/notes/2026/a"),
        ("talks", "2026-11-29", "talks#page#Home_Page"),
    ]


def test_a_page_under_no_site_of_its_origin_is_refused(aws, sites_views):
    code = refused(sites_views, from_origin("https://user.github.io", currentPage="/elsewhere/x", article=False))

    assert code == errors.UNKNOWN_PAGE and published(aws) == []


def test_one_reader_of_two_sites_is_two_unrelated_visitors_with_salts_of_their_own(aws, sites_views):
    sites_views.accept(from_origin("https://blog.example.com", message="m1="))
    sites_views.accept(from_origin("https://talks.example.com", message="m2="))

    blog, talks = published(aws)
    assert blog["visitor"] != talks["visitor"]
    assert sorted(item["day"]["S"] for item in aws.scan("salts")) == ["blog#2026-11-29", "talks#2026-11-29"]


def test_a_sites_bot_views_are_tallied_on_its_own_day(aws, sites_views):
    evening = NOW + 9 * 3600  # 17:00 UTC: the next day in Shanghai
    bot = {"bot": "crawler", "origin": "https://user.github.io"}
    sites_views.accept(replace(request(authorizer=bot, currentPage="/notes/x", article=False), received_at=evening))

    assert aws.item("counts", {"pageKey": bots_key("notes", "2026-11-30")})["crawler"] == {"N": "1"}
