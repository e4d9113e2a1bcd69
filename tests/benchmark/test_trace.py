from __future__ import annotations

import json
import statistics
from collections import Counter
from dataclasses import replace

import pytest

from benchmark.trace import (
    OTHER_PATHS,
    SITES,
    TraceSettings,
    TraceView,
    article_id,
    expected_counts,
    generate,
    mix,
    site_totals,
    wire_message,
)

SMALL = TraceSettings(views=2_000, articles=50, burst_views=200, duration_seconds=120.0)


@pytest.fixture(scope="module")
def reference() -> list[TraceView]:
    return generate()


def view(
    at: float,
    path: str,
    article: str | None = None,
    refreshed: bool = False,
    referrer: str | None = None,
    dwell=60.0,
    reader: int = 0,
) -> TraceView:
    title = f"Title of {article}" if article else None
    return TraceView(at, path, article, title, refreshed, referrer, readers=0, dwell_seconds=dwell, reader=reader)


def share(views: list[TraceView], predicate) -> float:
    return sum(1 for v in views if predicate(v)) / len(views)


def test_a_seed_gives_one_trace_and_another_seed_another():
    assert generate(SMALL) == generate(SMALL)
    assert generate(SMALL) != generate(replace(SMALL, seed=2))


def test_the_trace_has_every_view_in_time_order(reference):
    settings = TraceSettings()
    times = [v.at for v in reference]

    assert len(reference) == settings.views
    assert times == sorted(times)
    assert times[0] >= 0 and times[-1] <= settings.duration_seconds


def test_reloads_referrers_and_pages_come_in_their_shares(reference):
    background = [v for v in reference if not v.burst]
    pages = [v for v in background if v.article_id is None and v.path not in OTHER_PATHS]

    assert share(reference, lambda v: v.refreshed) == pytest.approx(0.25, abs=0.02)
    assert share(reference, lambda v: v.referrer is not None) == pytest.approx(0.40, abs=0.02)
    # 50 % articles, 20 % home, about and contacts, 30 % other pages (of the background).
    assert share(background, lambda v: v.article_id is not None) == pytest.approx(0.50, abs=0.02)
    assert share(background, lambda v: v.path in OTHER_PATHS) == pytest.approx(0.30, abs=0.02)
    assert len(pages) / len(background) == pytest.approx(0.20, abs=0.02)
    assert share(pages, lambda v: v.path == "/") == pytest.approx(0.6, abs=0.03)
    assert share(pages, lambda v: v.path == "/pages/about") == pytest.approx(0.2, abs=0.03)
    assert share(pages, lambda v: v.path == "/pages/contacts") == pytest.approx(0.2, abs=0.03)


def test_every_view_is_a_post_a_named_page_or_another_page(reference):
    for v in reference:
        if v.article_id is None:
            assert v.path in {"/", "/pages/about", "/pages/contacts", *OTHER_PATHS}
            assert v.article_title is None
        else:
            assert v.path == f"/posts/{v.article_id}"
            assert v.article_title


def test_post_views_follow_zipf_over_article_ranks(reference):
    posts = Counter(v.article_id for v in reference if v.article_id and not v.burst)
    harmonic = sum(1 / k**1.1 for k in range(1, 201))  # P(rank 1) = 1 / harmonic

    assert posts[article_id(1)] > posts[article_id(10)] > posts[article_id(100)] > 0
    assert posts[article_id(1)] / posts.total() == pytest.approx(1 / harmonic, rel=0.1)
    assert posts[article_id(1)] / posts[article_id(2)] == pytest.approx(2**1.1, rel=0.15)


def test_the_burst_is_one_mid_ranked_article_within_the_burst_window(reference):
    settings = TraceSettings()
    burst = [v for v in reference if v.burst]
    hot = burst[0].article_id
    times = [v.at for v in reference if v.article_id == hot]
    # The densest window of `burst_views` consecutive views of that article.
    densest = min(times[i + settings.burst_views - 1] - times[i] for i in range(len(times) - settings.burst_views + 1))

    assert len(burst) == settings.burst_views
    assert {v.article_id for v in burst} == {article_id(100)}
    assert densest <= settings.burst_seconds


def test_readers_stay_within_their_range():
    live = generate(replace(SMALL, readers=(1, 3)))

    assert {v.readers for v in generate(SMALL)} == {0}
    assert {v.readers for v in live} == {1, 2, 3}


def test_dwell_is_lognormal_around_a_minute_and_capped(reference):
    dwells = [v.dwell_seconds for v in reference]

    assert statistics.median(dwells) == pytest.approx(60, rel=0.1)
    assert min(dwells) > 0 and max(dwells) <= 1_800
    assert max(dwells) == 1_800  # with sigma 1, some of 20,000 readers exceed 30 min and are capped


def test_settings_that_cannot_make_a_trace_are_refused():
    with pytest.raises(ValueError, match="burst_views"):
        TraceSettings(views=100, burst_views=200)
    with pytest.raises(ValueError, match="readers"):
        TraceSettings(readers=(3, 1))


def test_wire_messages_are_what_the_blog_client_sends():
    post = view(1.0, "/posts/hello", "hello", refreshed=True)
    home = view(2.0, "/", referrer="https://news.ycombinator.com/item?id=1")

    assert wire_message(post) == {
        "message": "views",
        "articleId": "hello",
        "articleTitle": "Title of hello",
        "previousPage": "/",
        "currentPage": "/posts/hello",
        "refreshed": True,
        "referrer": "",
    }
    assert wire_message(home) == {
        "message": "views",
        "previousPage": "",
        "currentPage": "/",
        "refreshed": False,
        "referrer": "https://news.ycombinator.com/item?id=1",
    }


def test_viewcount_counts_each_wire_message_under_the_key_of_the_truth():
    from viewcount.pages import PageRules, classify
    from viewcount.tables.page_counts import counter_key
    from viewcount.wire import parse_frame, parse_view

    trace = generate(SMALL)
    keys = Counter()
    for v in trace:
        message = parse_view(parse_frame(json.dumps(wire_message(v))))
        page = classify(message.current_page, message.article_id, PageRules())
        assert page is not None
        assert message.refreshed == v.refreshed
        keys[counter_key(v.site, page)] += 1

    truth = expected_counts(trace)
    assert sum(truth.pop(f"{site}#site")["totalViews"] for site in SITES) == len(trace)
    assert keys == {key: counts["totalViews"] for key, counts in truth.items()}


def test_expected_counts_of_a_small_trace():
    trace = [
        view(0, "/posts/a", "a"),
        view(1, "/posts/a", "a", refreshed=True),
        view(2, "/posts/b", "b", refreshed=True),
        view(3, "/"),
        view(4, "/pages/about"),
        view(5, "/pages/contacts", refreshed=True),
    ]

    assert expected_counts(trace) == {
        "blog#post#a": {"totalViews": 2, "uniqueViews": 1},
        "blog#post#b": {"totalViews": 1, "uniqueViews": 0},
        "blog#page#Home_Page": {"totalViews": 1, "uniqueViews": 1},
        "blog#page#About_Page": {"totalViews": 1, "uniqueViews": 1},
        "blog#page#Contact_Page": {"totalViews": 1, "uniqueViews": 0},
        # One reader: one site visitor.
        "blog#site": {"totalViews": 6, "uniqueViews": 1},
    }
    assert site_totals(trace) == {"totalViews": 6, "uniqueViews": 1}


def test_expected_counts_add_up_to_the_trace(reference):
    counts = expected_counts(reference)
    sites = {site: counts.pop(f"{site}#site") for site in SITES}
    first_of_reader_and_page = {(v.reader, v.path) for v in reference}

    assert sum(c["totalViews"] for c in counts.values()) == len(reference)
    assert sum(site["totalViews"] for site in sites.values()) == len(reference)
    assert sum(c["uniqueViews"] for c in counts.values()) <= len(first_of_reader_and_page)
    assert site_totals(reference) == sites["blog"] and site_totals(reference, "notes") == sites["notes"]
    # A reader is one visitor of the site it reads, unless every view of theirs is a reload.
    for site, totals in sites.items():
        assert totals["uniqueViews"] == len({v.reader for v in reference if not v.refreshed and v.site == site})


def test_a_fifth_of_the_background_readers_read_the_second_site_and_the_burst_the_first(reference):
    background = {v.reader: v.site for v in reference if not v.burst}

    assert share(list(background.values()), lambda site: site == "notes") == pytest.approx(0.20, abs=0.03)
    assert {v.site for v in reference if v.burst} == {"blog"}
    assert all(v.site == background[v.reader] for v in reference if not v.burst)


def test_forty_percent_of_readers_open_two_to_six_pages(reference):
    background = Counter(v.reader for v in reference if not v.burst)
    burst = Counter(v.reader for v in reference if v.burst)

    assert share(list(background.values()), lambda n: n > 1) == pytest.approx(0.40, abs=0.03)
    assert set(background.values()) == {1, 2, 3, 4, 5, 6}
    assert set(burst.values()) == {1} and not set(burst) & set(background)


def test_a_readers_second_view_of_a_page_and_of_the_site_is_not_unique():
    trace = [
        view(0, "/tags/tag-1/", reader=1),
        view(1, "/tags/tag-1/", reader=1),
        view(2, "/", reader=1),
        view(3, "/", reader=2, refreshed=True),
        view(4, "/posts/a", "a", reader=2),
    ]

    counts = expected_counts(trace)

    assert counts["blog#path#/tags/tag-1"] == {"totalViews": 2, "uniqueViews": 1}
    assert counts["blog#page#Home_Page"] == {"totalViews": 2, "uniqueViews": 1}
    # Reader 2 came first with a reload: its next view is its unique one, of the page and the site.
    assert counts["blog#post#a"] == {"totalViews": 1, "uniqueViews": 1}
    assert counts["blog#site"] == {"totalViews": 5, "uniqueViews": 2}


def test_mix_of_a_small_trace():
    trace = [
        view(0, "/posts/a", "a", dwell=30),
        view(1, "/posts/a", "a", dwell=60, referrer="https://lobste.rs/"),
        view(2, "/", dwell=90),
        view(3, "/posts/b", "b", dwell=120),
        view(4, "/posts/a", "a", dwell=60, referrer="https://dev.to/"),
    ]
    counted = mix(trace)

    assert (counted.views, counted.post_views, counted.page_views) == (5, 4, 1)
    assert counted.connections == 5
    assert counted.views_with_referrer == 2
    assert counted.connection_minutes == pytest.approx(6.0)  # 360 s
    assert counted.distinct_articles == 2
    # Post views a a b a: one batch of 10 holds 2 articles; batches of 2, [a a] [b a], need 1 + 2 writes.
    assert counted.post_batch_updates == 2
    assert mix(trace, batch_size=2).post_batch_updates == 3
    assert mix(trace, batch_size=1).post_batch_updates == 4
