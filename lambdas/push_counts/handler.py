"""Stream consumer: copy absolute counts to the reader table, then push them live.

Each page in a stream batch gets one reader write and one push to every open
connection on it, with the counts that include the views just counted.
"""

from __future__ import annotations

from typing import Any

import boto3
from aws_lambda_powertools.utilities.data_classes import DynamoDBStreamEvent

from viewcount.batches import EventType, partial_response
from viewcount.connections import connections_on_page, forget_connection
from viewcount.observability import count, logger, metrics
from viewcount.push import (
    PageCounts,
    Poster,
    counts_from_image,
    management_poster,
    push_to_connections,
    views_frame,
    write_reader_counts,
)
from viewcount.settings import Settings

settings = Settings.from_env()
dynamodb = boto3.client("dynamodb")
management_api = boto3.client("apigatewaymanagementapi", endpoint_url=settings.ws_endpoint)


class PushFailed(Exception):
    """Some connections could not be reached for a reason other than having left."""


def latest_counts(event: DynamoDBStreamEvent) -> dict[str, tuple[PageCounts, list[str]]]:
    """The newest counts of each page in the batch, with the sequence numbers behind them.

    REMOVE records and key-only images carry no counts and are passed over.
    """
    latest: dict[str, tuple[PageCounts, list[str]]] = {}
    for record in event.records:
        counts = counts_from_image(record.dynamodb.new_image if record.dynamodb else None)
        if counts is None:
            continue
        _, sequence_numbers = latest.get(counts.page.key, (counts, []))
        sequence_numbers.append(record.dynamodb.sequence_number)
        latest[counts.page.key] = (counts, sequence_numbers)
    return latest


def publish_page_counts(counts: PageCounts, post: Poster) -> None:
    if not write_reader_counts(dynamodb, settings.reader_table, counts):
        return  # a newer count is stored, and was pushed when it was written
    connection_ids = connections_on_page(dynamodb, settings.connections_table, counts.page.key)
    outcome = push_to_connections(post, connection_ids, views_frame(counts, reading_now=len(connection_ids)))
    for connection_id in outcome.gone:
        forget_connection(dynamodb, settings.connections_table, connection_id)
    count("Pushes", outcome.delivered)
    count("GoneConnections", len(outcome.gone))
    if outcome.failed:
        count("PushesFailed", len(outcome.failed))
        raise PushFailed(f"{len(outcome.failed)} of {len(connection_ids)} connections failed")


@metrics.log_metrics
@logger.inject_lambda_context
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    post = management_poster(management_api)
    failed: set[str] = set()
    for page_key, (counts, sequence_numbers) in latest_counts(DynamoDBStreamEvent(event)).items():
        try:
            publish_page_counts(counts, post)
        except Exception:
            # Reported as failures, so Lambda retries (bisecting) and finally parks them.
            logger.exception("page counts not published", extra={"page": page_key})
            failed.update(sequence_numbers)
    return partial_response(event, failed, EventType.DynamoDBStreams, context)
