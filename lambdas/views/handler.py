"""`views`: accept a view frame (viewcount.use_cases.accept_view); refusals get an error frame."""

from __future__ import annotations

import uuid
from typing import Any

import boto3
from aws_lambda_powertools.utilities.data_classes import APIGatewayWebSocketEvent, event_source
from botocore.exceptions import BotoCoreError, ClientError

from viewcount import errors
from viewcount.admission import Admission
from viewcount.errors import RejectedFrame
from viewcount.observability import logger, metrics
from viewcount.settings import ViewsSettings
from viewcount.use_cases.accept_view import AcceptView, ViewRequest
from viewcount.use_cases.push_counts import ErrorReplies

settings = ViewsSettings.from_env()
sns = boto3.client("sns")
dynamodb = boto3.client("dynamodb")
views = AcceptView.on_aws(settings, dynamodb=dynamodb, sns=sns)
replies = ErrorReplies(settings.ws_endpoint)


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
        replies.send(request.connection_id, rejected.code, rejected.detail)
        return {"statusCode": 400}
    except (BotoCoreError, ClientError):
        logger.exception("view not published")
        replies.send(request.connection_id, errors.UNAVAILABLE, "the view was not counted; send it again")
        return {"statusCode": 500}
    # No metric per accepted view: SNS counts publishes for free, and an EMF document per
    # view would cost more log bytes than the rest of the pipeline logs for it.
    return {"statusCode": 200}
