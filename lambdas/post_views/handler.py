"""Post view consumer: one `PostCountWriter` update per article per SQS batch."""

from __future__ import annotations

from typing import Any

import boto3

from viewcount.batches import consume_views
from viewcount.counting import add_post_counts
from viewcount.observability import logger, metrics
from viewcount.settings import Settings

settings = Settings.from_env()
dynamodb = boto3.client("dynamodb")


@metrics.log_metrics
@logger.inject_lambda_context
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return consume_views(
        event,
        context,
        key_of=lambda view: view["articleId"],
        write=lambda key, entry: add_post_counts(dynamodb, settings.post_counts_table, key, entry),
    )
