"""The history's write count on a trace spread over days."""

from __future__ import annotations

from benchmark.history_cost import history_cost, long_tail_trace, spread
from benchmark.trace import TraceSettings, TraceView, generate


def view(path: str, reader: int) -> TraceView:
    return TraceView(0.0, path, None, None, False, None, 0, 60.0, reader=reader)


def test_one_write_per_page_and_day_viewed_per_site_day_and_per_page_once():
    trace = [view("/", 1), view("/tags/tag-1/", 1), view("/", 2), view("/", 3), view("/tags/tag-1/", 3)]

    cost = history_cost(trace, days=1)

    # One day: the home page and the tag page each moved once, the site once, two pages listed.
    assert (cost.page_days, cost.site_days, cost.pages, cost.writes) == (2, 1, 2, 5)
    assert round(cost.wru_per_view, 3) == 1.0


def test_a_readers_views_share_their_day_and_days_are_drawn_reproducibly():
    trace = generate(TraceSettings(views=500, burst_views=50))

    dated = spread(trace, 30)

    days_of = {}
    for day, trace_view in dated:
        days_of.setdefault(trace_view.reader, set()).add(day)
    assert all(len(days) == 1 for days in days_of.values())
    assert dated == spread(trace, 30) and {day for day, _ in dated} <= set(range(30))


def test_more_days_mean_more_page_days_never_more_than_views():
    trace = generate(TraceSettings(views=2_000, burst_views=200))

    one, thirty = history_cost(trace, 1), history_cost(trace, 30)

    assert one.page_days == one.pages < thirty.page_days <= len(trace)


def test_the_long_tail_blog_is_1000_pages_read_1000_times_a_day():
    trace = long_tail_trace(days=2)

    assert len(trace) == 2_000 and all(v.article_id for v in trace) and len({v.article_id for v in trace}) > 400
