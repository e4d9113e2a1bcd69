"""Queue consumer: log each view of a batch in the view log, one item per view
(viewcount.use_cases.record_views).

The post, home and profile queues each feed a function of their own built from this code.
Counting happens downstream, from the view log's stream, so that it is exact.
"""

from __future__ import annotations

from typing import Any

import boto3
from aws_lambda_powertools.utilities.data_classes import SQSEvent

from viewcount.batches import EventType, partial_response
from viewcount.observability import count, logger, metrics
from viewcount.settings import RecordViewsSettings
from viewcount.tables.view_log import ViewLogTable
from viewcount.use_cases.record_views import record_views

settings = RecordViewsSettings.from_env()
dynamodb = boto3.client("dynamodb")
view_log = ViewLogTable(dynamodb, settings.view_log_table)


@metrics.log_metrics
@logger.inject_lambda_context
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    records = [(record.message_id, record.body) for record in SQSEvent(event).records]
    failed, malformed = record_views(view_log, records)
    if malformed:
        # Poison messages fail on every delivery, so they end in the DLQ and raise its alarm.
        logger.error("malformed view messages", extra={"message_ids": sorted(malformed)})
    count("ViewsLogged", len(records) - len(failed) - len(malformed))
    return partial_response(event, failed | malformed, EventType.SQS, context)
