"""`$disconnect`: the reader left; stop counting them as reading and stop pushing to them."""

from __future__ import annotations

from typing import Any

import boto3
from aws_lambda_powertools.utilities.data_classes import APIGatewayWebSocketEvent, event_source

from viewcount.connections import forget_connection
from viewcount.observability import logger
from viewcount.settings import Settings

settings = Settings.from_env()
dynamodb = boto3.client("dynamodb")


@logger.inject_lambda_context
@event_source(data_class=APIGatewayWebSocketEvent)
def handler(event: APIGatewayWebSocketEvent, context: Any) -> dict[str, Any]:
    forget_connection(dynamodb, settings.connections_table, event.request_context.connection_id)
    return {"statusCode": 200}
