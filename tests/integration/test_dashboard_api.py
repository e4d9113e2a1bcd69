"""The dashboard's API against moto: who may read (the owner key, share links, wrong keys
throttled), the stats of a range with its bounds and errors, and the WebSocket tickets."""

from __future__ import annotations

import copy
import json
import secrets
import time

import pytest

from tests.conftest import DASHBOARD_ORIGIN, OWNER_KEY, load_event
from viewcount import errors
from viewcount.sites import SMOKE_SITE_ID
from viewcount.tables.access import AccessTable
from viewcount.tables.history import HistoryTable
from viewcount.tables.page_counts import PageCountsTable
from viewcount.use_cases.dashboard_access import MAX_TRIES, DashboardAccess, revoke_link, share_link
from viewcount.use_cases.import_counts import Imported, ImportPlan, import_counts
from viewcount_infra.topology import CONNECT, DASHBOARD_API

NOW = 1795939201  # 2026-11-29 08:00:01 UTC, the sample event's time


@pytest.fixture
def local_config():
    """Two sites, so that a share link has another site not to see."""
    from viewcount_infra.config import DeploymentConfig

    return DeploymentConfig.load(
        "local",
        {},
        [
            {"id": "blog", "origins": ["https://blog.example.com"]},
            {"id": "notes", "origins": ["https://notes.example.com"], "time_zone": "Asia/Shanghai"},
        ],
    )


def request(
    route="GET /dashboard/stats",
    *,
    at: float | None = None,
    key=OWNER_KEY,
    query=None,
    body=None,
    ip="203.0.113.7",
    origin=DASHBOARD_ORIGIN,
):
    event = load_event("http_dashboard_stats.json")
    method, path = route.split(" ", 1)
    event["routeKey"] = event["requestContext"]["routeKey"] = route
    event["rawPath"] = event["requestContext"]["http"]["path"] = path
    event["requestContext"]["http"]["method"] = method
    event["requestContext"]["http"]["sourceIp"] = ip
    if at is not None:
        event["requestContext"]["timeEpoch"] = int(at * 1000)
    if query is not None:
        event["queryStringParameters"] = query
        event["rawQueryString"] = "&".join(f"{name}={value}" for name, value in query.items())
    for name, value in (("authorization", None if key is None else f"Bearer {key}"), ("origin", origin)):
        event["headers"].pop(name, None)
        if value is not None:
            event["headers"][name] = value
    if body is not None:
        event["body"] = body
    return event


@pytest.fixture
def api(aws, context):
    from aws_lambda_powertools.utilities import parameters

    # The secret's cache outlives a test's moto: start each test with the key of its own.
    parameters.clear_caches()
    handler = aws.handler(DASHBOARD_API).handler

    def call(*args, **kwargs):
        response = handler(request(*args, **kwargs), context)
        return response["statusCode"], json.loads(response["body"]), response["headers"]

    return call


def refusal(answer) -> tuple[int, str]:
    status, body, _ = answer
    assert body["message"] == "error" and body["error"]["detail"]
    return status, body["error"]["code"]


def tables(aws):
    return (
        PageCountsTable(aws.dynamodb, aws.resources.table_names["counts"]),
        HistoryTable(aws.dynamodb, aws.resources.table_names["history"]),
    )


def access(aws) -> DashboardAccess:
    return DashboardAccess(AccessTable(aws.dynamodb, aws.resources.table_names["access"]), OWNER_KEY, aws.config.sites)


def seed(aws, site=None):
    """A week of two pages' days, imported as the history's import function writes any source's."""
    counters, history = tables(aws)
    site = site or aws.config.sites.get("blog")
    days = {}
    for offset, day in enumerate(["2026-11-16", "2026-11-20", "2026-11-23", "2026-11-25", "2026-11-29"]):
        days[(day, "post#hello-world")] = Imported(10 + offset, 5, {"referrer:news.ycombinator.com": 3 + offset})
        days[(day, "path#/about")] = Imported(2, 2, {"utm_campaign:launch": 1})
        days[(day, "site")] = Imported(12 + offset, 6)
    import_counts(counters, history, site, ImportPlan("fixture", days=days))


# ---- who may read ------------------------------------------------------------------


def test_the_owner_key_sees_every_site_with_its_day_and_cors_for_the_dashboard(api):
    status, body, headers = api("GET /dashboard/sites")

    assert status == 200
    assert body == {
        "role": "owner",
        "sites": [
            {
                "id": "blog",
                "timeZone": "UTC",
                "today": "2026-11-29",
                "origins": ["https://blog.example.com"],
                "publicCounter": False,
            },
            # 16:00 in Shanghai: the site's own day.
            {
                "id": "notes",
                "timeZone": "Asia/Shanghai",
                "today": "2026-11-29",
                "origins": ["https://notes.example.com"],
                "publicCounter": False,
            },
        ],
    }
    assert headers["Access-Control-Allow-Origin"] == DASHBOARD_ORIGIN and headers["Cache-Control"] == "no-store"


@pytest.mark.parametrize("key", [None, "", "wrong", OWNER_KEY[:-1], OWNER_KEY + "x", "s.blog.forged"])
def test_a_missing_or_wrong_key_is_refused(api, key):
    assert refusal(api("GET /dashboard/sites", key=key)) == (401, errors.UNAUTHORIZED)


def test_wrong_keys_from_one_address_are_throttled_but_never_the_owners_key(aws, api):
    token, _ = share_link(access(aws).access, aws.config.sites.get("blog"), "editor", NOW)
    for _ in range(MAX_TRIES):
        assert refusal(api("GET /dashboard/sites", key="guess", ip="198.51.100.9")) == (401, errors.UNAUTHORIZED)

    assert refusal(api("GET /dashboard/sites", key="guess", ip="198.51.100.9")) == (429, errors.TOO_MANY_TRIES)
    # Even a live share link waits out the slot from there...
    assert refusal(api("GET /dashboard/sites", key=token, ip="198.51.100.9")) == (429, errors.TOO_MANY_TRIES)
    # ...but the owner behind the same address (a NAT) is never locked out.
    assert api("GET /dashboard/sites", ip="198.51.100.9")[0] == 200
    # Another address is not held back by this one's guesses.
    assert api("GET /dashboard/sites", key=token, ip="198.51.100.10")[0] == 200
    # Only keyed hashes of addresses are kept, never the address.
    assert "198.51.100.9" not in json.dumps(aws.scan("access"))


def test_the_owners_key_costs_no_read(aws, context):
    module = aws.handler(DASHBOARD_API)
    calls = []
    module.dynamodb.meta.events.register("before-call.dynamodb", lambda model, **_: calls.append(model.name))

    response = module.handler(request("GET /dashboard/sites"), context)

    assert response["statusCode"] == 200 and calls == []
    module.handler(request("GET /dashboard/sites", key="guess"), context)
    assert calls == ["GetItem", "UpdateItem"]  # a wrong key: the address's count read, and added to


def test_a_secret_with_a_trailing_newline_still_admits_its_key(aws, api):
    import boto3
    from aws_lambda_powertools.utilities import parameters

    boto3.client("secretsmanager").put_secret_value(
        SecretId=aws.resources.owner_key_secret_arn, SecretString="N" * 40 + "\n"
    )
    parameters.clear_caches()

    assert api("GET /dashboard/sites", key="N" * 40)[0] == 200


def test_a_share_link_sees_its_own_site_only_until_it_is_revoked(aws, api):
    sharing = access(aws).access
    token, link = share_link(sharing, aws.config.sites.get("notes"), "for my editor", NOW)
    seed(aws)

    status, body, _ = api("GET /dashboard/sites", key=token)
    assert status == 200 and body["role"] == "share" and [site["id"] for site in body["sites"]] == ["notes"]
    # The only site it sees is its default; another is refused, not found or empty.
    assert api(key=token, query={"from": "2026-11-29", "to": "2026-11-29"})[1]["site"] == "notes"
    assert refusal(api(key=token, query={"site": "blog"})) == (403, errors.FORBIDDEN_SITE)
    assert refusal(api("POST /dashboard/tickets", key=token, body='{"site": "blog"}')) == (403, errors.FORBIDDEN_SITE)
    # A token of one site does not open another by naming it.
    assert refusal(api("GET /dashboard/sites", key=token.replace("s.notes.", "s.blog."))) == (401, errors.UNAUTHORIZED)

    assert revoke_link(sharing, aws.config.sites.get("notes"), link.id) == link
    assert refusal(api("GET /dashboard/sites", key=token)) == (401, errors.UNAUTHORIZED)
    # Only the token's hash was ever stored.
    assert token not in json.dumps(aws.scan("access"))


# ---- the stats ----------------------------------------------------------------------


def test_a_weeks_stats_with_the_week_before(aws, api):
    seed(aws)

    status, body, _ = api(query={"site": "blog", "from": "2026-11-23", "to": "2026-11-29"})

    assert status == 200
    assert (body["site"], body["from"], body["to"], body["today"]) == ("blog", "2026-11-23", "2026-11-29", "2026-11-29")
    # 2026-11-23 (offset 2), -25 (3), -29 (4): the site's days.
    assert body["totals"] == {"views": 14 + 15 + 16, "visitorDays": 18, "botViews": 0}
    assert body["previous"] == {
        "from": "2026-11-16",
        "to": "2026-11-22",
        "totals": {"views": 12 + 13, "visitorDays": 12, "botViews": 0},
    }
    assert [(d["day"], d["views"]) for d in body["days"]] == [
        ("2026-11-23", 14), ("2026-11-24", 0), ("2026-11-25", 15), ("2026-11-26", 0), ("2026-11-27", 0),
        ("2026-11-28", 0), ("2026-11-29", 16),
    ]  # fmt: skip
    assert [(p["key"], p["views"]) for p in body["pages"]] == [("post#hello-world", 12 + 13 + 14), ("path#/about", 6)]
    assert body["referrers"] == [{"host": "news.ycombinator.com", "views": 5 + 6 + 7}]
    assert body["campaigns"] == [{"parameter": "utm_campaign", "value": "launch", "views": 3}]


def test_a_pages_stats_and_a_sources_days(aws, api):
    seed(aws)
    week = {"site": "blog", "from": "2026-11-23", "to": "2026-11-29"}

    page = api(query={**week, "page": "/about/"})[1]
    assert page["page"]["key"] == "path#/about" and page["totals"]["views"] == 6
    assert page["referrers"] == [] and page["campaigns"] == [
        {"parameter": "utm_campaign", "value": "launch", "views": 3}
    ]

    referred = api(query={**week, "source": "referrer:news.ycombinator.com"})[1]
    assert referred["source"] == "referrer:news.ycombinator.com"
    assert [d["views"] for d in referred["days"]] == [5, 0, 6, 0, 0, 0, 7]
    # Visitors are not kept per source.
    assert referred["totals"]["visitorDays"] is None and {d["visitorDays"] for d in referred["days"]} == {None}


@pytest.mark.parametrize(
    ("query", "parameter"),
    [
        ({"from": "2026-13-01"}, "from"),
        ({"to": "yesterday"}, "to"),
        ({"from": "2026-11-29", "to": "2026-11-01"}, "to"),
        ({"from": "2025-10-25", "to": "2026-11-29"}, "from"),  # 401 days
        ({"from": "0001-01-01", "to": "0001-01-02"}, "from"),  # older than the history keeps
        ({"from": "2026-12-01", "to": "9999-12-31"}, "to"),  # after today
        ({"top": "101"}, "top"),
        ({"top": "0"}, "top"),
        ({"top": "ten"}, "top"),
        ({"page": "hello"}, "page"),
        ({"source": "twitter"}, "source"),
    ],
)
def test_a_malformed_or_unbounded_request_is_refused_and_names_its_parameter(api, query, parameter):
    status, body, _ = api(query={"site": "blog", **query})

    assert (status, body["error"]["code"]) == (400, errors.INVALID_FIELD)
    assert body["error"]["detail"].startswith(parameter + ":")


def test_400_days_and_100_rows_are_allowed(aws, api):
    seed(aws)

    status, body, _ = api(query={"site": "blog", "from": "2025-10-26", "to": "2026-11-29", "top": "100"})

    assert status == 200 and len(body["days"]) == 400 and body["totals"]["views"] == 12 + 13 + 14 + 15 + 16


def test_the_owner_names_the_site_where_there_are_several_and_an_unknown_one_is_not_found(api):
    assert refusal(api(query={})) == (400, errors.MISSING_FIELD)
    assert refusal(api(query={"site": "nope"})) == (404, errors.UNKNOWN_SITE)


def test_the_smoke_tests_site_is_no_dashboards(api):
    status, body, _ = api("GET /dashboard/sites")

    assert status == 200 and SMOKE_SITE_ID not in [site["id"] for site in body["sites"]]
    assert refusal(api(query={"site": SMOKE_SITE_ID})) == (404, errors.UNKNOWN_SITE)
    ticket = api("POST /dashboard/tickets", body=json.dumps({"site": SMOKE_SITE_ID}), at=time.time())
    assert refusal(ticket) == (404, errors.UNKNOWN_SITE)


# ---- tickets for the live WebSocket ------------------------------------------------------


def connect_event(ticket: str | None, origin: str = DASHBOARD_ORIGIN):
    event = copy.deepcopy(load_event("ws_connect_authorizer.json"))
    event["headers"]["Origin"] = origin
    event["multiValueHeaders"]["Origin"] = [origin]
    if ticket is not None:
        event["queryStringParameters"] = {"ticket": ticket}
    return event


def test_a_ticket_lets_one_dashboard_connection_in_once_and_it_watches_its_site(aws, api, context):
    connect = aws.handler(CONNECT).handler
    status, body, _ = api("POST /dashboard/tickets", body='{"site": "notes"}', at=time.time())
    assert status == 200 and body["site"] == "notes" and body["expiresIn"] == 60

    # From another origin the ticket is no use (and is not spent).
    assert (
        connect(connect_event(body["ticket"], "https://evil.example"), context)["policyDocument"]["Statement"][0][
            "Effect"
        ]
        == "Deny"
    )
    allowed = connect(connect_event(body["ticket"]), context)
    assert allowed["policyDocument"]["Statement"][0]["Effect"] == "Allow"
    assert allowed["context"] == {"watch": "notes", "origin": DASHBOARD_ORIGIN}
    # Single use.
    assert connect(connect_event(body["ticket"]), context)["policyDocument"]["Statement"][0]["Effect"] == "Deny"


@pytest.mark.parametrize("ticket", [None, "", "made-up"])
def test_the_dashboards_origin_without_a_good_ticket_is_refused(aws, context, ticket):
    connect = aws.handler(CONNECT).handler

    assert connect(connect_event(ticket), context)["policyDocument"]["Statement"][0]["Effect"] == "Deny"


def test_an_expired_ticket_is_refused(aws, context):
    tickets = AccessTable(aws.dynamodb, aws.resources.table_names["access"])
    old = secrets.token_urlsafe(24)  # of the shape issued: only its expiry refuses it
    tickets.add_ticket(old, "blog", int(time.time()) - 1)

    assert (
        aws.handler(CONNECT).handler(connect_event(old), context)["policyDocument"]["Statement"][0]["Effect"] == "Deny"
    )


def test_a_ticket_needs_a_key(api):
    assert refusal(api("POST /dashboard/tickets", key=None, body='{"site": "blog"}')) == (401, errors.UNAUTHORIZED)
    assert refusal(api("POST /dashboard/tickets", body="{not json")) == (400, errors.INVALID_JSON)


def test_a_rotated_owner_key_takes_over_once_the_cached_one_is_stale(aws, api):
    import boto3
    from aws_lambda_powertools.utilities import parameters

    boto3.client("secretsmanager").put_secret_value(SecretId=aws.resources.owner_key_secret_arn, SecretString="N" * 40)
    assert api("GET /dashboard/sites")[0] == 200  # the cached key, for up to 5 minutes
    parameters.clear_caches()  # as 5 minutes passing would

    assert refusal(api("GET /dashboard/sites")) == (401, errors.UNAUTHORIZED)
    assert api("GET /dashboard/sites", key="N" * 40)[0] == 200
