"""Property: small traces under random fault schedules end with every view counted once, and
every visitor's first view of a page, and of the site, counted unique once a day, on each of
two sites, whose counts never mix.

The real handlers run on moto, fed by the local stack's own event source mappings (the
same retry, bisect and DLQ behaviour, and its emulation of the stream's filter) and
faulted by its `FaultPlan`: consumer and counting crashes between writes, DynamoDB
throttling and 5xx, duplicate deliveries and failed pushes. Messages that reach a DLQ are
redriven, as an operator would.
"""

from __future__ import annotations

import dataclasses
import hashlib
import time
from collections import Counter

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from moto import mock_aws

from local_stack.faults import KINDS
from tests.integration.pipeline import Pipeline
from viewcount.sites import Site, SiteOrigin, Sites
from viewcount.tables.page_counts import page_of_key, site_key, site_of_key
from viewcount.views import AcceptedView
from viewcount_infra.topology import QUEUES

# Two sites, each with a tag page of the same path, and in time zones half a day apart.
PAGE_KEYS = (
    "blog#post#alpha",
    "blog#post#beta",
    "blog#path#/tags/x",
    "blog#page#Home_Page",
    "notes#page#About_Page",
    "notes#path#/tags/x",
)
DAILY_CAP = 3
SITES = Sites(
    (
        Site("blog", (SiteOrigin.parse("https://blog.example.com"),), views_per_page_per_day=DAILY_CAP),
        Site(
            "notes",
            (SiteOrigin.parse("https://notes.example.com"),),
            time_zone="Asia/Shanghai",
            views_per_page_per_day=DAILY_CAP,
        ),
    )
)
VISITORS = ("a" * 32, "b" * 32, None)  # None: a view without a visitor key (GPC)
# (page, visitor, refreshed, referrer host). A keyed visitor's views are never reloads
# here: which of two views is recorded first depends on the fault schedule, and only the
# first can be unique, so a reload among them would make the expected uniques depend on it.
views_strategy = st.lists(
    st.tuples(
        st.sampled_from(PAGE_KEYS),
        st.sampled_from(VISITORS),
        st.booleans(),
        st.sampled_from([None, "news.ycombinator.com"]),
    ).map(lambda view: (view[0], view[1], view[2] and view[1] is None, view[3])),
    min_size=1,
    max_size=25,
)
faults_strategy = st.dictionaries(st.sampled_from(KINDS), st.sampled_from([0.1, 0.3, 0.5]), min_size=1)


def accepted(index: int, page_key: str, visitor: str | None, refreshed: bool, host: str | None) -> AcceptedView:
    page = page_of_key(page_key)
    site = SITES.get(site_of_key(page_key))
    return AcceptedView(
        view_id=f"view-{index}",
        site=site.id,
        day=site.day_of(int(time.time())),
        page=page,
        article_title="A title" if page.article_id else None,
        unique=not refreshed,
        referrer_host=host,
        viewed_at=int(time.time()),
        connection_id=f"connection-{index}=",
        connected_at=int(time.time()),
        visitor=visitor,
        page_token=None if visitor is None else hashlib.sha256(page_key.encode()).hexdigest()[:16],
    )


def expected_counts(views) -> dict[str, tuple[int, int]]:
    """What exact counting ends with: each (visitor, page) counts at most DAILY_CAP views,
    the first of them unique; a view without a visitor counts, unique unless a reload."""
    counted = []
    per_visitor_page: Counter = Counter()
    for view in views:
        page_key, visitor = view[0], view[1]
        if visitor is not None:
            per_visitor_page[(visitor, page_key)] += 1
            if per_visitor_page[(visitor, page_key)] > DAILY_CAP:
                continue
        counted.append(view)
    expected: dict[str, tuple[int, int]] = {}
    seen = set()
    for page_key, visitor, refreshed, _ in counted:
        total, uniques = expected.get(page_key, (0, 0))
        unique = not refreshed if visitor is None else (visitor, page_key) not in seen
        seen.add((visitor, page_key))
        expected[page_key] = (total + 1, uniques + unique)
    for site in SITES.ids:
        on_site = [view for view in counted if site_of_key(view[0]) == site]
        if not on_site:
            continue
        # A visitor is a visitor of each site it views, once a day on each.
        keyed = {visitor for _, visitor, _, _ in on_site if visitor is not None}
        unkeyed_uniques = sum(1 for _, visitor, refreshed, _ in on_site if visitor is None and not refreshed)
        expected[site_key(site)] = (len(on_site), len(keyed) + unkeyed_uniques)
    return expected


def referral_bounds(views) -> dict[tuple[str, str], tuple[int, int]]:
    """The fewest and most referrals each (page, host) can end with. Past a visitor's daily
    cap on a page, which of its views count depends on the order faults deliver them in,
    so any of them may be the ones dropped; a view without a visitor always counts."""
    low: Counter = Counter()
    high: Counter = Counter()
    keyed: dict[tuple[str, str], list] = {}
    for view in views:
        page_key, visitor, _, host = view
        if visitor is not None:
            keyed.setdefault((visitor, page_key), []).append(view)
        elif host:
            low[(page_key, host)] += 1
            high[(page_key, host)] += 1
    for group in keyed.values():
        dropped = max(0, len(group) - DAILY_CAP)
        for key, with_host in Counter((view[0], view[3]) for view in group if view[3]).items():
            low[key] += max(0, with_host - dropped)
            high[key] += min(with_host, len(group) - dropped)
    return {key: (low[key], high[key]) for key in high}


def pipeline_for(local_config, rates, seed) -> Pipeline:
    return Pipeline(dataclasses.replace(local_config, sites=SITES), rates, seed)


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(views=views_strategy, rates=faults_strategy, seed=st.integers(0, 2**32 - 1))
def test_every_view_is_counted_exactly_once_whatever_fails(local_config, views, rates, seed):
    with mock_aws():
        pipeline = pipeline_for(local_config, rates, seed)
        for index, view in enumerate(views):
            pipeline.publish(accepted(index, *view))

        pipeline.drain()

        assert pipeline.counts() == expected_counts(views)
        referrals, bounds = pipeline.referrals(), referral_bounds(views)
        assert set(referrals) <= set(bounds)
        assert all(low <= referrals.get(key, 0) <= high for key, (low, high) in bounds.items())


@pytest.mark.parametrize("condition", ["kept", "disabled"])
def test_the_writes_condition_is_what_drops_a_redelivery(local_config, condition):
    with mock_aws():
        pipeline = pipeline_for(local_config, {"dup": 1.0}, seed=7)
        if condition == "disabled":
            for function in (pipeline.functions[spec.consumer.name] for spec in QUEUES):
                function.module.dynamodb.meta.events.register(
                    "before-parameter-build.dynamodb.UpdateItem", always_true_condition
                )
        for index, page_key in enumerate(("blog#post#alpha", "blog#path#/tags/x")):
            pipeline.publish(accepted(index, page_key, "a" * 32, False, None))

        pipeline.drain()

        # Every message is delivered twice; only the condition keeps the second out.
        site_total = pipeline.counts()["blog#site"][0]
        assert site_total == (2 if condition == "kept" else 4)


def always_true_condition(params, **_):
    if "#tags" in params.get("ExpressionAttributeNames", {}):
        params["ConditionExpression"] = (
            "attribute_not_exists(#tags) OR size(#tags) >= :one OR #page < :cap OR size(#tags) < :most "
            "OR contains(#tags, :tag)"
        )
