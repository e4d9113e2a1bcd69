"""Classifying a view's page: the original's rules for its clients, and every other path."""

from __future__ import annotations

import pytest

from viewcount import errors
from viewcount.errors import RejectedFrame
from viewcount.pages import MAX_PATH, EventType, Page, PageRules, classify, normalise_path
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
def test_the_originals_pages_keep_their_names(path, article, expected):
    page = classify(path, article, RULES)
    assert (page.event_type, page.article_id, page.page_name) == expected


@pytest.mark.parametrize(
    ("path", "article_id", "key"),
    [
        # The original's client sends the last segment as articleId on every page: only the
        # post marker makes it an article, so a tag page is a page of its own.
        ("/tags/x/", "x", "path#/tags/x"),
        ("/archives/", "archives", "path#/archives"),
        ("/2026/11/30/hello-hexo/", "hello-hexo", "path#/2026/11/30/hello-hexo"),
        ("/about/", "about", "path#/about"),
        ("/index.html", None, "page#Home_Page"),
    ],
)
def test_an_original_clients_other_paths_are_pages_of_their_own(path, article_id, key):
    page = classify(path, article_id, RULES)
    assert page_key(page) == key
    assert page.event_type == (EventType.HOMEPAGE_VIEW if key == "page#Home_Page" else EventType.PAGE_VIEW)


@pytest.mark.parametrize(("path", "name"), [("/posts/%ff", "post#x"), ("/pages/about/%ff", "page#About_Page")])
def test_the_originals_pages_are_decided_on_the_path_as_it_came(path, name):
    # A path that normalising would refuse (not UTF-8) still names the original's pages.
    assert page_key(classify(path, "x", RULES)) == name


def test_an_original_clients_post_without_id_is_refused():
    with pytest.raises(RejectedFrame) as rejected:
        classify("/posts/x", None, RULES)
    assert rejected.value.code == errors.MISSING_FIELD


@pytest.mark.parametrize(
    ("path", "article_id", "key"),
    [
        # Flagged as an article: keyed by its path wherever it lives, unless it names an id.
        ("/2026/11/30/hello-hexo/", None, "path#/2026/11/30/hello-hexo"),
        ("/2026/11/30/hello-hexo/", "hello", "post#hello"),
        # Under the post marker, the id the original's client made, so counters carry over.
        ("/posts/hello/", None, "post#hello"),
        ("/posts/hello.html", None, "post#hello"),
        ("/posts/%E4%BD%A0%E5%A5%BD/", None, "path#/posts/%E4%BD%A0%E5%A5%BD"),
    ],
)
def test_a_newer_clients_article(path, article_id, key):
    page = classify(path, article_id, RULES, article=True)
    assert page_key(page) == key
    assert page.is_article


def test_a_tag_page_and_a_post_of_the_same_name_never_share_a_counter():
    tag = classify("/tags/x/", None, RULES, article=False)
    dated_post = classify("/2026/11/30/x/", None, RULES, article=True)
    named_post = classify("/2026/11/30/x/", "x", RULES, article=True)
    old_client_tag = classify("/tags/x/", "x", RULES)
    assert len({page_key(tag), page_key(dated_post), page_key(named_post)}) == 3
    assert page_key(old_client_tag) == page_key(tag)
    assert not tag.is_article


def test_two_posts_with_one_slug_on_different_days_stay_apart():
    first = classify("/2025/01/01/notes/", None, RULES, article=True)
    second = classify("/2026/01/01/notes/", None, RULES, article=True)
    assert page_key(first) != page_key(second)


def test_a_newer_clients_non_article_pages_follow_the_named_rules():
    assert classify("/", None, RULES, article=False).page_name == "Home_Page"
    assert classify("/pages/about/", None, RULES, article=False).page_name == "About_Page"
    assert classify("/posts/hello/", None, RULES, article=False) == Page.post("hello")


def test_rules_are_configurable():
    rules = PageRules.parse(post="/articles/", home="/,/index.html", about="/me", contact="/write")

    assert classify("/articles/x", "x", rules).event_type == EventType.POST_VIEW
    assert classify("/index.html", None, rules).page_name == "Home_Page"
    assert classify("/me", None, rules).page_name == "About_Page"
    assert page_key(classify("/posts/x", "x", rules)) == "path#/posts/x"


@pytest.mark.parametrize(
    ("sent", "normalised"),
    [
        ("/tags/x/", "/tags/x"),
        ("/tags/x", "/tags/x"),
        ("/tags/x/index.html", "/tags/x"),
        ("/tags/x/?page=2#top", "/tags/x"),
        ("https://blog.example.com/tags/x/", "/tags/x"),
        ("//tags///x/", "/tags/x"),
        ("/a/./b/../c", "/a/c"),
        ("/../../etc", "/etc"),
        ("/index.html", "/"),
        ("/caf%c3%a9/", "/caf%C3%A9"),
        ("/café/", "/caf%C3%A9"),
        ("/%7Euser", "/~user"),
        ("/a%20b", "/a%20b"),
        ("/hello.html", "/hello.html"),
        ("/Tags/X", "/Tags/X"),
    ],
)
def test_paths_are_normalised(sent, normalised):
    assert normalise_path(sent) == normalised


@pytest.mark.parametrize(
    ("sent", "code"),
    [
        ("tags/x", errors.INVALID_FIELD),
        ("/%ff%fe", errors.INVALID_FIELD),
        ("/" + "a" * MAX_PATH, errors.FIELD_TOO_LONG),
        ("/" + "%C3%A9" * (MAX_PATH // 6 + 1), errors.FIELD_TOO_LONG),
    ],
)
def test_paths_that_cannot_be_keyed_are_refused(sent, code):
    with pytest.raises(RejectedFrame) as rejected:
        normalise_path(sent)
    assert rejected.value.code == code


def test_the_longest_path_is_kept():
    path = "/" + "a" * (MAX_PATH - 1)
    assert normalise_path(path) == path


@pytest.mark.parametrize("key", ["post#hello", "page#Home_Page", "page#About_Page", "path#/tags/x", "page#(other)"])
def test_page_keys_round_trip_and_carry_their_site(key):
    from viewcount.tables.page_counts import counter_key, page_part, site_of_key

    counter = counter_key("notes", page_of_key(f"blog#{key}"))
    assert counter == f"notes#{key}"
    assert (site_of_key(counter), page_part(counter), page_key(page_of_key(counter))) == ("notes", key, key)
