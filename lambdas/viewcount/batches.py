"""Batch responses with Powertools: report exactly the records that were not done.

Only the consumers import this module: the batch utility is heavy to import, so the
WebSocket route functions never load it.
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response


class RecordNotDone(Exception):
    """A record that SQS or the stream must deliver again."""


_processors = {
    # A queue batch whose every record failed is retried whole.
    EventType.SQS: BatchProcessor(event_type=EventType.SQS),
    # A stream batch always answers with its failures, so Lambda retries from the first one
    # (raising would bisect it instead, and lose the tumbling-window state).
    EventType.DynamoDBStreams: BatchProcessor(
        event_type=EventType.DynamoDBStreams, raise_on_entire_batch_failure=False
    ),
}


def partial_response(event: dict[str, Any], failed_ids: set[str], kind: EventType, context: Any) -> dict[str, Any]:
    """Report exactly the records in `failed_ids` as `batchItemFailures`."""
    if not event.get("Records"):
        return {"batchItemFailures": []}

    def record_handler(record: Any) -> None:
        record_id = record.message_id if kind == EventType.SQS else record.dynamodb.sequence_number
        if record_id in failed_ids:
            raise RecordNotDone(record_id)

    return process_partial_response(
        event=event, record_handler=record_handler, processor=_processors[kind], context=context
    )
