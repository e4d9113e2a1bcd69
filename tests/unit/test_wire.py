"""Parsing client frames: the original message, case-insensitive, strictly bounded."""

from __future__ import annotations

import pytest

from viewcount import errors
from viewcount.errors import RejectedFrame
from viewcount.wire import parse_counts_request, parse_frame, parse_view, referrer_host


def test_the_original_message_parses_unchanged():
    fields = parse_frame(
        '{"message":"views","articleId":"abc","articleTitle":"Hello","previousPage":"/",'
        '"currentPage":"/posts/hello","refreshed":false,"referrer":"https://news.ycombinator.com/"}'
    )

    view = parse_view(fields)

    assert (view.article_id, view.article_title, view.current_page) == ("abc", "Hello", "/posts/hello")
    assert view.previous_page == "/" and view.refreshed is False and view.referrer == "https://news.ycombinator.com/"


def test_field_names_are_case_insensitive_and_optional_fields_may_be_absent():
    view = parse_view(parse_frame('{"MESSAGE":"views","ARTICLEID":"a","ArticleTitle":"T","CURRENTPAGE":"/posts/a"}'))

    assert (view.article_id, view.article_title, view.refreshed, view.previous_page) == ("a", "T", False, None)


@pytest.mark.parametrize("body", [b"\xff\xfe", "", "null", "3", '"views"'])
def test_non_objects_are_invalid_json(body):
    with pytest.raises(RejectedFrame) as rejected:
        parse_frame(body)
    assert rejected.value.code == errors.INVALID_JSON


def test_a_url_of_2048_characters_is_accepted_and_one_more_is_not():
    assert parse_view({"currentpage": "/" + "a" * 2047}).current_page
    with pytest.raises(RejectedFrame) as rejected:
        parse_view({"currentpage": "/" + "a" * 2048})
    assert rejected.value.code == errors.FIELD_TOO_LONG


def test_counts_requests_drop_duplicate_ids():
    assert parse_counts_request({"articleids": ["a", "b", "a"]}).article_ids == ["a", "b"]


def test_counts_requests_may_ask_for_paths():
    request = parse_counts_request({"paths": ["/tags/x/", "/tags/x/", "/"]})
    assert (request.article_ids, request.paths) == ([], ["/tags/x/", "/"])


@pytest.mark.parametrize(
    ("fields", "code"),
    [
        ({}, errors.MISSING_FIELD),
        ({"paths": "/tags/x"}, errors.INVALID_FIELD),
        ({"paths": [1]}, errors.INVALID_FIELD),
        ({"articleids": ["a"] * 60, "paths": ["/x"] * 41}, errors.TOO_MANY_IDS),
        ({"paths": ["/" + "a" * 2048]}, errors.FIELD_TOO_LONG),
    ],
)
def test_malformed_counts_requests_are_refused(fields, code):
    with pytest.raises(RejectedFrame) as rejected:
        parse_counts_request(fields)
    assert rejected.value.code == code


@pytest.mark.parametrize(("sent", "flag"), [({}, None), ({"article": True}, True), ({"article": False}, False)])
def test_the_article_flag_is_absent_from_an_original_client(sent, flag):
    assert parse_view({"currentpage": "/x", **sent}).article is flag


def test_the_article_flag_must_be_a_boolean():
    with pytest.raises(RejectedFrame) as rejected:
        parse_view({"currentpage": "/x", "article": "yes"})
    assert rejected.value.code == errors.INVALID_FIELD


@pytest.mark.parametrize(
    ("referrer", "host"),
    [
        ("https://WWW.Google.com/search?q=x", "google.com"),
        ("https://news.ycombinator.com:443/item", "news.ycombinator.com"),
        ("not a url", None),
        ("", None),
        (None, None),
        ("http://[::1", None),
        ("https://blog.example./post", "blog.example"),  # the same host as without the dot
        ("https://evil.example(other)/", None),  # would name a counter that dodges the cap
        ("https://bücher.example/", "bücher.example"),
    ],
)
def test_only_the_host_of_a_referrer_is_kept(referrer, host):
    assert referrer_host(referrer) == host


@pytest.mark.parametrize("view_id", ["abcdefgh", "A" * 64, "v1Zk3q9X_aB-7", "0123-4567_89"])
def test_a_view_id_of_8_to_64_url_safe_characters_is_kept(view_id):
    view = parse_view(parse_frame(f'{{"message":"views","currentPage":"/","VIEWID":"{view_id}"}}'))

    assert view.view_id == view_id


def test_a_view_without_a_view_id_has_none():
    assert parse_view(parse_frame('{"message":"views","currentPage":"/","viewId":null}')).view_id is None


@pytest.mark.parametrize(
    "view_id", ['"abcdefg"', '"' + "a" * 65 + '"', '"abc defgh"', '"abc:defgh"', '""', "12345678", "true"]
)
def test_any_other_view_id_is_an_invalid_field(view_id):
    with pytest.raises(RejectedFrame) as refused:
        parse_view(parse_frame(f'{{"message":"views","currentPage":"/","viewId":{view_id}}}'))

    assert refused.value.code == errors.INVALID_FIELD
