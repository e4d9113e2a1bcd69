"""Home and profile view consumer: one `HomeAndProfile` update per page per SQS batch.

The home queue and the profile queue each feed a function of their own built from this code.
"""

from __future__ import annotations

from typing import Any

import boto3

from viewcount.batches import consume_views
from viewcount.counting import add_page_counts
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
        key_of=lambda view: view["pageName"],
        write=lambda key, entry: add_page_counts(dynamodb, settings.page_counts_table, key, entry),
    )
