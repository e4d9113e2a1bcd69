"""The dashboard's API on the HTTP API: `GET /dashboard/sites`, `GET /dashboard/stats` and
`POST /dashboard/tickets` (viewcount.use_cases.answer_dashboard), for the owner's key or a
share link, sent as `Authorization: Bearer`. Its CORS headers name the dashboard's origin; the
deployed API's own CORS setting (the sites' origins and the dashboard's) takes their place, as
API Gateway ignores a function's CORS headers where one is configured. No origin can read a
stat without a key, which only the dashboard's origin holds.
"""

from __future__ import annotations

from typing import Any

import boto3
from aws_lambda_powertools.utilities import parameters
from aws_lambda_powertools.utilities.data_classes import APIGatewayProxyEventV2, event_source
from botocore.exceptions import BotoCoreError, ClientError

from viewcount import errors
from viewcount.admission import admitted_origin
from viewcount.http_responses import json_answer, refusal
from viewcount.observability import count_one, logger
from viewcount.settings import DashboardApiSettings
from viewcount.tables.access import AccessTable
from viewcount.tables.history import HistoryTable
from viewcount.tables.page_counts import PageCountsTable
from viewcount.use_cases.answer_dashboard import AnswerDashboard
from viewcount.use_cases.dashboard_access import AccessRefused, DashboardAccess

settings = DashboardApiSettings.from_env()
dynamodb = boto3.client("dynamodb")


def owner_key() -> str:
    # Cached for 5 minutes: a rotated key takes over within that, without a redeploy.
    return parameters.get_secret(settings.owner_key_secret_arn, max_age=300)


owner_key()  # at init: a secret that cannot be read fails the cold start, not a request
dashboard = AnswerDashboard(
    PageCountsTable(dynamodb, settings.counts_table),
    HistoryTable(dynamodb, settings.history_table),
    DashboardAccess(AccessTable(dynamodb, settings.access_table), owner_key, settings.sites),
)


@logger.inject_lambda_context
@event_source(data_class=APIGatewayProxyEventV2)
def handler(event: APIGatewayProxyEventV2, context: Any) -> dict[str, Any]:
    origin = admitted_origin(event.headers, settings.dashboard_origins)
    request = event.request_context
    try:
        body = dashboard.answer(
            event.route_key,
            event.query_string_parameters or {},
            event.decoded_body,
            event.headers.get("authorization"),
            request.http.source_ip,
            request.time_epoch // 1000,
        )
    except AccessRefused as refused:
        # The code only: a refusal's detail may echo what was asked, never the key.
        logger.info("dashboard request refused", extra={"code": refused.code, "status": refused.status})
        count_one("DashboardRefusals", "code", refused.code)
        return refusal(refused.status, origin, refused.code, refused.detail)
    except (BotoCoreError, ClientError, parameters.GetParameterError):
        logger.exception("dashboard request failed")
        return refusal(503, origin, errors.UNAVAILABLE, "the stats could not be read; try again")
    return json_answer(200, origin, body)
