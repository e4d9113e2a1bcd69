"""Push-request consumer: a busy page's coalesced push to all its readers
(viewcount.use_cases.push_readers). A request whose push failed is delivered again; a
malformed one fails every delivery and ends in the DLQ.
"""

from __future__ import annotations

import time
from typing import Any

import boto3
from aws_lambda_powertools.utilities.data_classes import SQSEvent

from viewcount.batches import EventType, partial_response
from viewcount.observability import logger, metrics
from viewcount.push_requests import parse_request
from viewcount.settings import PushReadersSettings
from viewcount.tables.page_counts import PageCountsTable
from viewcount.tables.readers import ReaderLog, ReadersTable
from viewcount.use_cases.push_counts import PushCounts, pooled_management_api
from viewcount.use_cases.push_readers import PushReaders

settings = PushReadersSettings.from_env()
dynamodb = boto3.client("dynamodb")
management_api = pooled_management_api(settings.ws_endpoint)
push_readers = PushReaders(
    PageCountsTable(dynamodb, settings.counts_table),
    ReaderLog(ReadersTable(dynamodb, settings.readers_table)),
    PushCounts.on_aws(management_api),
)


@metrics.log_metrics
@logger.inject_lambda_context
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    requests, malformed = {}, set()
    for record in SQSEvent(event).records:
        try:
            requests[record.message_id] = parse_request(record.body)
        except ValueError:
            malformed.add(record.message_id)
    if malformed:
        logger.error("malformed push requests", extra={"message_ids": sorted(malformed)})
    failed_pages = push_readers.push_pages(list(requests.values()), int(time.time()))
    failed = {message_id for message_id, request in requests.items() if request.page_key in failed_pages}
    return partial_response(event, failed | malformed, EventType.SQS, context)
