"""`counts`: counts of up to 100 articles, for index pages; counts no view.

The answer goes back as the route response, so no management API call is needed.
"""

from __future__ import annotations

from typing import Any

import boto3
from aws_lambda_powertools.utilities.data_classes import APIGatewayWebSocketEvent, event_source

from viewcount.errors import RejectedFrame, encode_frame, error_frame
from viewcount.observability import logger
from viewcount.push import read_article_counts
from viewcount.settings import Settings
from viewcount.wire import parse_counts_request, parse_frame

settings = Settings.from_env()
dynamodb = boto3.client("dynamodb")


@logger.inject_lambda_context
@event_source(data_class=APIGatewayWebSocketEvent)
def handler(event: APIGatewayWebSocketEvent, context: Any) -> dict[str, Any]:
    try:
        article_ids = parse_counts_request(parse_frame(event.body))
    except RejectedFrame as rejected:
        logger.info("counts rejected", extra={"code": rejected.code})
        return {"statusCode": 400, "body": encode_frame(error_frame(rejected.code, rejected.detail)).decode()}
    counts = read_article_counts(dynamodb, settings.counts_table, article_ids) if article_ids else {}
    return {"statusCode": 200, "body": encode_frame({"message": "counts", "counts": counts}).decode()}
