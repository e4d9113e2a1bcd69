"""`POST /views` on the HTTP API: a view sent by beacon where a WebSocket is blocked. The same
checks and publish as the WebSocket's `views` (viewcount.use_cases.accept_view), judged here
from the request's own headers, as the `$connect` authorizer judges a handshake's. It has no
connection: nothing is pushed for it; the page reads its counts with `GET /counts`.
"""

from __future__ import annotations

from typing import Any

import boto3
from aws_lambda_powertools.utilities.data_classes import APIGatewayProxyEventV2, event_source
from botocore.exceptions import BotoCoreError, ClientError

from viewcount import errors
from viewcount.admission import admit, admitted_origin
from viewcount.bots import prepare
from viewcount.errors import RejectedFrame
from viewcount.http_responses import answer, forbidden, refusal
from viewcount.observability import count, logger, metrics
from viewcount.settings import HttpViewsSettings
from viewcount.use_cases.accept_view import AcceptView, ViewRequest

settings = HttpViewsSettings.from_env()
sns = boto3.client("sns")
dynamodb = boto3.client("dynamodb")
views = AcceptView.on_aws(settings, dynamodb=dynamodb, sns=sns)
prepare()


@metrics.log_metrics
@logger.inject_lambda_context
@event_source(data_class=APIGatewayProxyEventV2)
def handler(event: APIGatewayProxyEventV2, context: Any) -> dict[str, Any]:
    origin = admitted_origin(event.headers, settings.sites.allowed_origins)
    if origin is None:
        count("BeaconViewsRefused")
        return forbidden()
    request = event.request_context
    received_at = request.time_epoch // 1000
    try:
        views.accept(
            ViewRequest(
                body=event.decoded_body,
                message_id=request.request_id,
                connection_id="",  # none: nothing is pushed to a beacon
                connected_at=received_at,
                received_at=received_at,
                source_ip=request.http.source_ip,
                admission=admit(event.headers, origin),
            )
        )
    except RejectedFrame as rejected:
        logger.info("beacon view rejected", extra={"code": rejected.code})
        return refusal(400, origin, rejected.code, rejected.detail)
    except (BotoCoreError, ClientError):
        logger.exception("beacon view not published")
        return refusal(503, origin, errors.UNAVAILABLE, "the view was not counted; send it again")
    # Accepted, or tallied as a bot's: a bot is told nothing else, as on the WebSocket.
    return answer(202, origin)
