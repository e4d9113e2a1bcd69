"""`GET /counts` on the HTTP API: the counts the WebSocket's `counts` route answers, asked in
the query string, plus the site's totals (viewcount.use_cases.answer_counts), for a page whose
WebSocket is blocked.
"""

from __future__ import annotations

from typing import Any

import boto3
from aws_lambda_powertools.utilities.data_classes import APIGatewayProxyEventV2, event_source

from viewcount.admission import admitted_origin
from viewcount.errors import RejectedFrame
from viewcount.http_responses import answer, forbidden, refusal
from viewcount.observability import logger
from viewcount.settings import HttpCountsSettings
from viewcount.tables.page_counts import PageCountsTable
from viewcount.use_cases.answer_counts import answer_counts_query

settings = HttpCountsSettings.from_env()
dynamodb = boto3.client("dynamodb")
counters = PageCountsTable(dynamodb, settings.counts_table)


@logger.inject_lambda_context
@event_source(data_class=APIGatewayProxyEventV2)
def handler(event: APIGatewayProxyEventV2, context: Any) -> dict[str, Any]:
    # The Origin picks the site. It proves nothing outside a browser, any more than the
    # WebSocket's does: these counts are public numbers a blog shows anyway.
    origin = admitted_origin(event.headers, settings.sites.allowed_origins)
    if origin is None:
        return forbidden()
    try:
        frame = answer_counts_query(counters, settings.sites, origin, event.raw_query_string)
    except RejectedFrame as rejected:
        logger.info("counts rejected", extra={"code": rejected.code})
        return refusal(400, origin, rejected.code, rejected.detail)
    return answer(200, origin, frame)
