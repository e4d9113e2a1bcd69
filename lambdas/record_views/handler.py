"""Queue consumer: log each view of a batch in the view log, one item per view.

The post, home and profile queues each feed a function of their own built from this code.
Counting happens downstream, from the view log's stream, so that it is exact.
"""

from __future__ import annotations

from typing import Any

import boto3
from aws_lambda_powertools.utilities.data_classes import SQSEvent

from viewcount.batches import EventType, partial_response
from viewcount.observability import count, logger, metrics
from viewcount.settings import Settings
from viewcount.view_log import log_views

settings = Settings.from_env()
dynamodb = boto3.client("dynamodb")


@metrics.log_metrics
@logger.inject_lambda_context
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    batch = SQSEvent(event)
    records = [(record.message_id, record.body) for record in batch.records]
    failed, malformed = log_views(dynamodb, settings.view_log_table, records)
    if malformed:
        # Poison messages fail on every delivery, so they end in the DLQ and raise its alarm.
        logger.error("malformed view messages", extra={"message_ids": sorted(malformed)})
    count("ViewsLogged", len(records) - len(failed) - len(malformed))
    return partial_response(event, failed | malformed, EventType.SQS, context)
