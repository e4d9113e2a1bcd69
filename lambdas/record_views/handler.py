"""Queue consumer: record each view of a batch with one conditional write in its visitor's
day (viewcount.use_cases.record_views).

The post, home, profile and page queues each feed a function of their own built from this
code. Counting happens downstream, from the table's stream, so that it is exact.
"""

from __future__ import annotations

import time
from typing import Any

import boto3
from aws_lambda_powertools.utilities.data_classes import SQSEvent

from viewcount.batches import EventType, partial_response
from viewcount.observability import count, logger, metrics
from viewcount.settings import RecordViewsSettings
from viewcount.tables.visitor_days import Recorded, VisitorDaysTable
from viewcount.use_cases.record_views import record_views

settings = RecordViewsSettings.from_env()
dynamodb = boto3.client("dynamodb")
visitor_days = VisitorDaysTable(dynamodb, settings.visitor_days_table, settings.sites)
METRICS = {
    Recorded.NEW: "ViewsRecorded",
    Recorded.DUPLICATE: "ViewsRedelivered",
    Recorded.OVER_DAILY_CAP: "ViewsOverDailyCap",
    Recorded.TOO_LATE: "ViewsTooLateToCount",
}


@metrics.log_metrics
@logger.inject_lambda_context
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    records = [(record.message_id, record.body) for record in SQSEvent(event).records]
    batch = record_views(visitor_days, records, int(time.time()))
    if batch.malformed:
        # Poison messages fail on every delivery, so they end in the DLQ and raise its alarm.
        logger.error("malformed view messages", extra={"message_ids": sorted(batch.malformed)})
    if batch.outcomes[Recorded.TOO_LATE]:
        logger.error("views older than their visitor's day dropped", extra={"views": batch.outcomes[Recorded.TOO_LATE]})
    for outcome, views in batch.outcomes.items():
        count(METRICS[outcome], views)
    return partial_response(event, batch.failed | batch.malformed, EventType.SQS, context)
