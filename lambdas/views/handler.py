"""`views`: accept a view frame (viewcount.use_cases.accept_view); refusals get an error frame."""

from __future__ import annotations

import uuid
from functools import cache
from typing import Any

import boto3
from aws_lambda_powertools.metrics import MetricUnit, single_metric
from aws_lambda_powertools.utilities.data_classes import APIGatewayWebSocketEvent, event_source
from botocore.exceptions import BotoCoreError, ClientError

from viewcount import errors
from viewcount.admission import Admission
from viewcount.errors import RejectedFrame
from viewcount.observability import logger, metrics
from viewcount.settings import ViewsSettings
from viewcount.use_cases.accept_view import AcceptView, ViewRequest
from viewcount.use_cases.push_counts import is_gone
from viewcount.wire import encode_frame, error_frame

settings = ViewsSettings.from_env()
sns = boto3.client("sns")
dynamodb = boto3.client("dynamodb")
views = AcceptView.on_aws(settings, dynamodb=dynamodb, sns=sns)


@cache
def management_api() -> Any:
    # Only error frames need it, so a cold start on the good path does not pay for it.
    return boto3.client("apigatewaymanagementapi", endpoint_url=settings.ws_endpoint)


def reply(connection_id: str, frame: dict[str, Any]) -> None:
    try:
        management_api().post_to_connection(ConnectionId=connection_id, Data=encode_frame(frame))
    except ClientError as error:
        if not is_gone(error):
            raise


def reject(connection_id: str, code: str, detail: str) -> None:
    logger.info("view rejected", extra={"code": code})
    with single_metric(name="ViewsRejected", unit=MetricUnit.Count, value=1, namespace=metrics.namespace) as metric:
        metric.add_dimension(name="code", value=code)
    reply(connection_id, error_frame(code, detail))


@metrics.log_metrics
@logger.inject_lambda_context
@event_source(data_class=APIGatewayWebSocketEvent)
def handler(event: APIGatewayWebSocketEvent, context: Any) -> dict[str, Any]:
    request = event.request_context
    try:
        views.accept(
            ViewRequest(
                body=event.body,
                message_id=request.message_id or uuid.uuid4().hex,
                connection_id=request.connection_id,
                connected_at=request.connected_at // 1000,
                received_at=request.request_time_epoch // 1000,
                source_ip=request.identity.source_ip,
                admission=Admission.of_event(request.get("authorizer")),
            )
        )
    except RejectedFrame as rejected:
        reject(request.connection_id, rejected.code, rejected.detail)
        return {"statusCode": 400}
    except (BotoCoreError, ClientError):
        logger.exception("view not published")
        reject(request.connection_id, errors.UNAVAILABLE, "the view was not counted; send it again")
        return {"statusCode": 500}
    # No metric per accepted view: SNS counts publishes for free, and an EMF document per
    # view would cost more log bytes than the rest of the pipeline logs for it.
    return {"statusCode": 200}
