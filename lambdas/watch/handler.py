"""`watch`: a dashboard's connection (let in by a ticket) asks for its site's live numbers;
it is logged as the site's watcher, and the answer is the first `live` frame
(viewcount.use_cases.watch_live). Sent again, it keeps the connection from idling out.
"""

from __future__ import annotations

import time
from typing import Any

import boto3
from aws_lambda_powertools.utilities.data_classes import APIGatewayWebSocketEvent, event_source

from viewcount import errors
from viewcount.admission import Admission
from viewcount.observability import logger
from viewcount.settings import WatchSettings
from viewcount.tables.page_counts import PageCountsTable
from viewcount.tables.readers import ReaderLog, ReadersTable
from viewcount.use_cases.watch_live import WatchLive
from viewcount.wire import encode_frame, error_frame

settings = WatchSettings.from_env()
dynamodb = boto3.client("dynamodb")
live = WatchLive(
    PageCountsTable(dynamodb, settings.counts_table), ReaderLog(ReadersTable(dynamodb, settings.readers_table))
)


@logger.inject_lambda_context
@event_source(data_class=APIGatewayWebSocketEvent)
def handler(event: APIGatewayWebSocketEvent, context: Any) -> dict[str, Any]:
    request = event.request_context
    site_id = Admission.of_event(request.get("authorizer")).watch
    if site_id is None or site_id not in settings.sites.ids:
        frame = error_frame(errors.UNAUTHORIZED, "only a dashboard's connection, let in by a ticket, may watch")
        return {"statusCode": 403, "body": encode_frame(frame).decode()}
    site = settings.sites.get(site_id)
    frame = live.watch(site, request.connection_id, request.connected_at // 1000, int(time.time()))
    return {"statusCode": 200, "body": encode_frame(frame).decode()}
