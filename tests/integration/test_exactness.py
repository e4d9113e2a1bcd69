"""Property: small traces under random fault schedules end with every view counted once.

The real handlers run on moto, fed by the local stack's own event source mappings (the
same retry, bisect and DLQ behaviour) and faulted by its `FaultPlan`: consumer and
counting crashes between writes, DynamoDB throttling and 5xx, duplicate deliveries and
failed pushes. Messages that reach a DLQ are redriven, as an operator would.
"""

from __future__ import annotations

import time
from collections import Counter

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from moto import mock_aws

from local_stack.faults import KINDS
from tests.integration.pipeline import Pipeline
from viewcount.pages import Page
from viewcount.tables.page_counts import page_of_key
from viewcount.views import AcceptedView

PAGE_KEYS = ("post#alpha", "post#beta", "post#gamma", "page#Home_Page", "page#About_Page")
views_strategy = st.lists(
    st.tuples(st.sampled_from(PAGE_KEYS), st.booleans(), st.sampled_from([None, "news.ycombinator.com"])),
    min_size=1,
    max_size=25,
)
faults_strategy = st.dictionaries(st.sampled_from(KINDS), st.sampled_from([0.1, 0.3, 0.5]), min_size=1)


def accepted(index: int, page: Page, unique: bool, host: str | None) -> AcceptedView:
    return AcceptedView(
        view_id=f"view-{index}",
        page=page,
        article_title="A title" if page.article_id else None,
        unique=unique,
        referrer_host=host,
        viewed_at=1795939200 + index,
        connection_id=f"connection-{index}=",
        connected_at=int(time.time()),
    )


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(views=views_strategy, rates=faults_strategy, seed=st.integers(0, 2**32 - 1))
def test_every_view_is_counted_exactly_once_whatever_fails(local_config, views, rates, seed):
    with mock_aws():
        pipeline = Pipeline(local_config, rates, seed)
        for index, (page_key, unique, host) in enumerate(views):
            pipeline.publish(accepted(index, page_of_key(page_key), unique, host))

        pipeline.drain()

        expected: dict[str, tuple[int, int]] = {}
        for page_key, unique, _ in views:
            total, uniques = expected.get(page_key, (0, 0))
            expected[page_key] = (total + 1, uniques + unique)
        expected["site"] = (len(views), sum(unique for _, unique, _ in views))
        assert pipeline.counts() == expected
        assert pipeline.referrals() == Counter((page_key, host) for page_key, _, host in views if host)
