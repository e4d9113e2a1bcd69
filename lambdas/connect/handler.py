"""`$connect`: admit only the blog's own origins.

Nothing is written: a connection becomes a reader of a page with its first view.
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.data_classes import APIGatewayWebSocketEvent, event_source

from viewcount.observability import count, logger, metrics
from viewcount.origins import origin_allowed
from viewcount.settings import Settings

settings = Settings.from_env()


def header(headers: dict[str, str] | None, name: str) -> str | None:
    for key, value in (headers or {}).items():
        if key.lower() == name:
            return value
    return None


@metrics.log_metrics
@logger.inject_lambda_context
@event_source(data_class=APIGatewayWebSocketEvent)
def handler(event: APIGatewayWebSocketEvent, context: Any) -> dict[str, Any]:
    if not origin_allowed(header(event.headers, "origin"), settings.allowed_origins):
        count("ConnectionsRefused")
        return {"statusCode": 403}
    return {"statusCode": 200}
