"""Consuming batches with Powertools partial responses, around an aggregation step.

Only the consumers import this module: the batch utility is heavy to import, so the
WebSocket route functions never load it.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import Any

from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.data_classes import SQSEvent

from viewcount.counting import Tally, tally, write_each
from viewcount.observability import count, logger


class RecordNotCounted(Exception):
    """A record whose key could not be written; SQS or the stream will deliver it again."""


_processors = {kind: BatchProcessor(event_type=kind) for kind in (EventType.SQS, EventType.DynamoDBStreams)}


def partial_response(event: dict[str, Any], failed_ids: set[str], kind: EventType, context: Any) -> dict[str, Any]:
    """Report exactly the records in `failed_ids` as `batchItemFailures`."""

    def record_handler(record: Any) -> None:
        record_id = record.message_id if kind == EventType.SQS else record.dynamodb.sequence_number
        if record_id in failed_ids:
            raise RecordNotCounted(record_id)

    return process_partial_response(
        event=event, record_handler=record_handler, processor=_processors[kind], context=context
    )


def consume_views(
    event: dict[str, Any],
    context: Any,
    *,
    key_of: Callable[[dict[str, Any]], Hashable],
    write: Callable[[Any, Tally], None],
    metric: str = "ViewsCounted",
) -> dict[str, Any]:
    """Aggregate an SQS batch of views by key, write each key once, report what failed."""
    batch = SQSEvent(event)
    tallies, malformed = tally(((record.message_id, record.body) for record in batch.records), key_of=key_of)
    if malformed:
        # Poison messages fail on every delivery, so they end in the DLQ and raise its alarm.
        logger.error("malformed view messages", extra={"message_ids": sorted(malformed)})
    failed = write_each(tallies, write)
    count(metric, sum(len(entry.record_ids) for entry in tallies.values()) - len(failed))
    return partial_response(event, failed | malformed, EventType.SQS, context)
