"""Classifying a view's page, as the original did, with configurable rules."""

from __future__ import annotations

import pytest

from viewcount.pages import EventType, PageRules, classify
from viewcount.tables.page_counts import page_key, page_of_key

RULES = PageRules()


@pytest.mark.parametrize(
    ("path", "article", "expected"),
    [
        ("/posts/hello", "hello", (EventType.POST_VIEW, "hello", None)),
        ("/blog/posts/hello/?utm_source=x", "hello", (EventType.POST_VIEW, "hello", None)),
        ("/", None, (EventType.HOMEPAGE_VIEW, None, "Home_Page")),
        ("/?ref=x", "", (EventType.HOMEPAGE_VIEW, None, "Home_Page")),
        ("/pages/about", None, (EventType.PROFILE_VIEW, None, "About_Page")),
        ("/pages/contacts/", None, (EventType.PROFILE_VIEW, None, "Contact_Page")),
    ],
)
def test_classification(path, article, expected):
    page = classify(path, article, RULES)
    assert (page.event_type, page.article_id, page.page_name) == expected


@pytest.mark.parametrize(("path", "article"), [("/tags/x", "x"), ("/posts/x", None), ("/index.html", None)])
def test_other_pages_are_not_counted(path, article):
    assert classify(path, article, RULES) is None


def test_rules_are_configurable():
    rules = PageRules.parse(post="/articles/", home="/,/index.html", about="/me", contact="/write")

    assert classify("/articles/x", "x", rules).event_type == EventType.POST_VIEW
    assert classify("/index.html", None, rules).page_name == "Home_Page"
    assert classify("/me", None, rules).page_name == "About_Page"
    assert classify("/posts/x", "x", rules) is None


@pytest.mark.parametrize("key", ["post#hello", "page#Home_Page", "page#About_Page"])
def test_page_keys_round_trip(key):
    assert page_key(page_of_key(key)) == key
