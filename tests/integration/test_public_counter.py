"""The public counter and badge: off unless the site opts in; then a page's or the site's
total views (counted and imported), as JSON or SVG, cacheable."""

from __future__ import annotations

import copy
import json

import pytest

from tests.conftest import load_event, with_site
from viewcount import errors
from viewcount.sites import SMOKE_PATH, SMOKE_SITE_ID
from viewcount.tables.history import HistoryTable
from viewcount.tables.page_counts import PageCountsTable
from viewcount.use_cases.import_counts import Imported, ImportPlan, import_counts
from viewcount_infra.topology import PUBLIC_COUNTER


def public_request(path: str, query: dict[str, str]):
    event = copy.deepcopy(load_event("http_counts.json"))
    event["routeKey"] = event["requestContext"]["routeKey"] = f"GET {path}"
    event["rawPath"] = event["requestContext"]["http"]["path"] = path
    event["queryStringParameters"] = query
    event["rawQueryString"] = "&".join(f"{name}={value}" for name, value in query.items())
    return event


@pytest.fixture
def public(aws, context):
    def call(route: str, **query: str):
        return aws.handler(PUBLIC_COUNTER).handler(public_request(route, query), context)

    return call


@pytest.fixture
def opted_in(aws):
    aws.config = with_site(aws.config, public_counter=True)
    site = aws.config.sites.default
    counters = PageCountsTable(aws.dynamodb, aws.resources.table_names["counts"])
    history = HistoryTable(aws.dynamodb, aws.resources.table_names["history"])
    lifetime = {"post#hello-world": Imported(1234, 600), "path#/about": Imported(7, 7), "site": Imported(5000, 2000)}
    import_counts(counters, history, site, ImportPlan("seed", lifetime=lifetime))
    return aws


def test_it_is_off_unless_the_site_opts_in(aws, public):
    response = public("/public/counter", site="blog")

    assert response["statusCode"] == 404
    assert json.loads(response["body"])["error"]["code"] == errors.NOT_PUBLIC


def test_the_smoke_tests_site_has_no_public_counter(opted_in, public):
    response = public("/public/counter", site=SMOKE_SITE_ID, path=SMOKE_PATH + "/")

    assert response["statusCode"] == 404
    assert json.loads(response["body"])["error"]["code"] == errors.NOT_PUBLIC


def test_a_page_and_the_site_as_json_cacheable(opted_in, public):
    by_path = public("/public/counter", site="blog", path="/about/")
    by_id = public("/public/counter", site="blog", id="hello-world")
    whole = public("/public/counter", site="blog")
    never = public("/public/counter", site="blog", path="/never-viewed/")

    assert json.loads(by_path["body"]) == {"site": "blog", "path": "/about/", "articleId": None, "views": 7}
    assert json.loads(by_id["body"])["views"] == 1234
    assert json.loads(whole["body"])["views"] == 5000
    assert json.loads(never["body"])["views"] == 0
    assert by_path["headers"]["Cache-Control"] == "public, max-age=300"


def test_the_badge_is_svg_with_the_number_and_an_escaped_label(opted_in, public):
    response = public("/public/badge", site="blog", id="hello-world", label="<b>reads</b>")

    assert response["statusCode"] == 200
    assert response["headers"]["Content-Type"].startswith("image/svg+xml")
    assert response["headers"]["Cache-Control"] == "public, max-age=300"
    svg = response["body"]
    assert svg.startswith("<svg") and ">1,234</text>" in svg
    assert "<b>" not in svg and "&lt;b&gt;reads&lt;/b&gt;" in svg


@pytest.mark.parametrize(
    ("query", "status", "code"),
    [
        ({}, 400, errors.MISSING_FIELD),
        # A site not here answers as one that is not public: the API lists no site ids.
        ({"site": "nope"}, 404, errors.NOT_PUBLIC),
        ({"site": "blog", "path": "about"}, 400, errors.INVALID_FIELD),
        ({"site": "blog", "path": "/a/", "id": "b"}, 400, errors.INVALID_FIELD),
        ({"site": "blog", "id": "x" * 300}, 400, errors.FIELD_TOO_LONG),
    ],
)
def test_bad_requests_get_an_error_code(opted_in, public, query, status, code):
    response = public("/public/counter", **query)

    assert response["statusCode"] == status
    assert json.loads(response["body"])["error"]["code"] == code
