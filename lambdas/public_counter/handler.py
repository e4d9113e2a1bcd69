"""`GET /public/counter` (JSON) and `GET /public/badge` (SVG): the total views of a page or of
the site, for the sites that opt in (viewcount.use_cases.public_counter). Cacheable for minutes.
"""

from __future__ import annotations

from typing import Any

import boto3
from aws_lambda_powertools.utilities.data_classes import APIGatewayProxyEventV2, event_source

from viewcount import errors
from viewcount.errors import RejectedFrame
from viewcount.http_responses import PUBLIC_CACHE, json_answer, refusal
from viewcount.observability import logger
from viewcount.settings import PublicCounterSettings
from viewcount.tables.page_counts import PageCountsTable
from viewcount.use_cases.public_counter import badge_svg, public_count, public_site

settings = PublicCounterSettings.from_env()
counters = PageCountsTable(boto3.client("dynamodb"), settings.counts_table)


@logger.inject_lambda_context
@event_source(data_class=APIGatewayProxyEventV2)
def handler(event: APIGatewayProxyEventV2, context: Any) -> dict[str, Any]:
    query = event.query_string_parameters or {}
    try:
        site = public_site(settings.sites, query.get("site"))
        counted = public_count(counters, site, query.get("path"), query.get("id"))
    except RejectedFrame as rejected:
        logger.info("public counter refused", extra={"code": rejected.code})
        status = 404 if rejected.code == errors.NOT_PUBLIC else 400
        return refusal(status, None, rejected.code, rejected.detail)
    if event.raw_path.endswith("/badge"):
        return {
            "statusCode": 200,
            "headers": {
                "Content-Type": "image/svg+xml; charset=utf-8",
                # An SVG opened on its own is a document: no script, no sniffing.
                "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'",
                "X-Content-Type-Options": "nosniff",
                **PUBLIC_CACHE,
            },
            "body": badge_svg(query.get("label"), counted.views),
        }
    return json_answer(200, None, counted.as_json(), cache=PUBLIC_CACHE)
