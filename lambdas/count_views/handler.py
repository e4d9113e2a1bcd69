"""VisitorDays stream consumer: count each view exactly once, then push the counts to readers
(viewcount.use_cases.count_views). Records whose writes or pushes failed are reported, and
the stream delivers them again; the counters' positions make that safe.
"""

from __future__ import annotations

import time
from typing import Any

import boto3
from aws_lambda_powertools.utilities.data_classes import DynamoDBStreamEvent

from viewcount.batches import EventType, partial_response
from viewcount.deployment_checks import RECORDS_WITHOUT_A_VIEW, log_smoke_batch
from viewcount.observability import count, logger, metrics
from viewcount.settings import CountViewsSettings
from viewcount.tables.visitor_days import LoggedView, is_view_image, logged_view
from viewcount.use_cases.count_views import CountViews
from viewcount.use_cases.push_counts import pooled_management_api

settings = CountViewsSettings.from_env()
dynamodb = boto3.client("dynamodb")
management_api = pooled_management_api(settings.ws_endpoint)
count_views = CountViews.on_aws(settings, dynamodb=dynamodb, management_api=management_api)


def read_views(event: DynamoDBStreamEvent) -> tuple[list[LoggedView], set[str]]:
    """The views of a batch, and the sequence numbers of records that are none. A key-only
    image (moto streams one before the item an update creates) is skipped."""
    views, unreadable = [], set()
    for record in event.records:
        sequence_number, new = record.dynamodb.sequence_number, record.dynamodb.new_image
        try:
            if is_view_image(new):
                views.append(logged_view(sequence_number, new, record.dynamodb.old_image, settings.sites))
            elif not set(new) <= set(record.dynamodb.keys):
                raise ValueError("neither a view nor a key-only image")
        except (KeyError, ValueError, TypeError):
            unreadable.add(sequence_number)
    return views, unreadable


@metrics.log_metrics
@logger.inject_lambda_context
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    # Lambda names the shard only in tumbling-window events, which is why the window is on.
    # Without it positions could not be kept apart: fail loudly rather than count wrong.
    shard = event["shardId"]
    views, unreadable = read_views(DynamoDBStreamEvent(event))
    if unreadable:
        # Not retried: the stack wrote these items itself, so another delivery cannot mend them.
        logger.error(RECORDS_WITHOUT_A_VIEW, extra={"sequence_numbers": sorted(unreadable)})
        count("ViewsUnreadable", len(unreadable))
    failed = count_views.count_batch(views, shard, int(time.time()))
    log_smoke_batch(event, views, failed)
    response = partial_response(event, failed, EventType.DynamoDBStreams, context)
    # A tumbling-window invocation must hand back a state; the counters keep theirs.
    return {**response, "state": {}}
