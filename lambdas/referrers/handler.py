"""Referrer consumer: views per page and referrer host, one update per pair per SQS batch.

It never stores a connection id or a full URL: the views function publishes only the host.
"""

from __future__ import annotations

from typing import Any

import boto3

from viewcount.batches import consume_views
from viewcount.counting import add_referrer_counts
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
        key_of=lambda view: (view["pageKey"], view["referrerHost"]),
        write=lambda key, entry: add_referrer_counts(dynamodb, settings.referrer_table, key, entry),
        metric="ReferralsCounted",
    )
