"""`$default`: frames no route matches get an error frame naming the routes there are."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.data_classes import APIGatewayWebSocketEvent, event_source

from viewcount import errors
from viewcount.errors import RejectedFrame
from viewcount.observability import logger
from viewcount.wire import encode_frame, error_frame, parse_frame

SUPPORTED_ROUTES = ("views", "counts")


def reject(body: str | None) -> dict[str, Any]:
    try:
        fields = parse_frame(body)
    except RejectedFrame as rejected:
        return error_frame(rejected.code, rejected.detail)
    routes = ", ".join(SUPPORTED_ROUTES)
    if "message" not in fields:
        return error_frame(errors.UNKNOWN_ROUTE, f'the frame has no "message"; supported: {routes}')
    return error_frame(errors.UNKNOWN_ROUTE, f"unsupported message; supported: {routes}")


@logger.inject_lambda_context
@event_source(data_class=APIGatewayWebSocketEvent)
def handler(event: APIGatewayWebSocketEvent, context: Any) -> dict[str, Any]:
    frame = reject(event.body)
    logger.info("frame rejected", extra={"code": frame["error"]["code"]})
    return {"statusCode": 400, "body": encode_frame(frame).decode()}
