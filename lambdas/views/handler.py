"""`views`: validate a view and publish it to the fan-out."""

from __future__ import annotations

import uuid
from functools import cache
from typing import Any

import boto3
from aws_lambda_powertools.metrics import MetricUnit, single_metric
from aws_lambda_powertools.utilities.data_classes import APIGatewayWebSocketEvent, event_source
from botocore.exceptions import BotoCoreError, ClientError

from viewcount import errors
from viewcount.errors import RejectedFrame, encode_frame, error_frame
from viewcount.observability import logger, metrics
from viewcount.push import is_gone
from viewcount.settings import Settings
from viewcount.views import accept_view
from viewcount.wire import parse_frame

settings = Settings.from_env()
sns = boto3.client("sns")


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


def count_rejection(code: str) -> None:
    with single_metric(name="ViewsRejected", unit=MetricUnit.Count, value=1, namespace=metrics.namespace) as metric:
        metric.add_dimension(name="code", value=code)


@metrics.log_metrics
@logger.inject_lambda_context
@event_source(data_class=APIGatewayWebSocketEvent)
def handler(event: APIGatewayWebSocketEvent, context: Any) -> dict[str, Any]:
    request = event.request_context
    try:
        view = accept_view(
            parse_frame(event.body),
            # API Gateway's message id is unique per frame, so a replayed invocation keeps its id.
            view_id=request.message_id or uuid.uuid4().hex,
            viewed_at=request.request_time_epoch // 1000,
            connection_id=request.connection_id,
            connected_at=request.connected_at // 1000,
            rules=settings.page_rules,
            own_hosts=settings.own_hosts,
        )
    except RejectedFrame as rejected:
        logger.info("view rejected", extra={"code": rejected.code})
        count_rejection(rejected.code)
        reply(request.connection_id, error_frame(rejected.code, rejected.detail))
        return {"statusCode": 400}
    try:
        sns.publish(
            TopicArn=settings.views_topic_arn,
            Message=view.sns_message(),
            MessageAttributes=view.sns_attributes(),
        )
    except (BotoCoreError, ClientError):
        logger.exception("view not published", extra={"view_id": view.view_id})
        count_rejection(errors.UNAVAILABLE)
        reply(request.connection_id, error_frame(errors.UNAVAILABLE, "the view was not counted; send it again"))
        return {"statusCode": 500}
    # No metric per accepted view: SNS counts publishes for free, and an EMF document per
    # view would cost more log bytes than the rest of the pipeline logs for it.
    return {"statusCode": 200}
