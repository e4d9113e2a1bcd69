"""`counts`: counts of up to 100 articles and paths (viewcount.use_cases.answer_counts).

The answer goes back as the route response, so no management API call is needed.
"""

from __future__ import annotations

from typing import Any

import boto3
from aws_lambda_powertools.utilities.data_classes import APIGatewayWebSocketEvent, event_source

from viewcount.admission import Admission
from viewcount.errors import RejectedFrame
from viewcount.observability import logger
from viewcount.settings import CountsRouteSettings
from viewcount.tables.page_counts import PageCountsTable
from viewcount.use_cases.answer_counts import answer_counts
from viewcount.wire import encode_frame, error_frame

settings = CountsRouteSettings.from_env()
dynamodb = boto3.client("dynamodb")
counters = PageCountsTable(dynamodb, settings.counts_table)


@logger.inject_lambda_context
@event_source(data_class=APIGatewayWebSocketEvent)
def handler(event: APIGatewayWebSocketEvent, context: Any) -> dict[str, Any]:
    try:
        origin = Admission.of_event(event.request_context.get("authorizer")).origin
        frame = answer_counts(counters, settings.sites, origin, event.body)
    except RejectedFrame as rejected:
        logger.info("counts rejected", extra={"code": rejected.code})
        return {"statusCode": 400, "body": encode_frame(error_frame(rejected.code, rejected.detail)).decode()}
    return {"statusCode": 200, "body": encode_frame(frame).decode()}
