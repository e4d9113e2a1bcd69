"""`views`: validate a view, limit its rate, judge whether it is unique, and publish it."""

from __future__ import annotations

import dataclasses
import uuid
from functools import cache
from typing import Any

import boto3
from aws_lambda_powertools.metrics import MetricUnit, single_metric
from aws_lambda_powertools.utilities.data_classes import APIGatewayWebSocketEvent, event_source
from botocore.exceptions import BotoCoreError, ClientError

from viewcount import errors
from viewcount.admission import Admission
from viewcount.bots import WEBDRIVER
from viewcount.errors import RejectedFrame, encode_frame, error_frame
from viewcount.observability import count, logger, metrics
from viewcount.pages import bots_key
from viewcount.push import is_gone
from viewcount.rate_limits import ViewRateLimit
from viewcount.settings import Settings, referrer_spam_hosts
from viewcount.views import AcceptedView, accept_view
from viewcount.visitors import DailySalts, SaltUnavailable, first_visit, utc_day, visit_id, visitor_key
from viewcount.wire import parse_frame

settings = Settings.from_env()
spam_hosts = referrer_spam_hosts()
sns = boto3.client("sns")
dynamodb = boto3.client("dynamodb")
salts = DailySalts(dynamodb, settings.salts_table)
rate_limit = ViewRateLimit(dynamodb, settings.view_rates_table, settings.views_per_minute)


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


def count_bot_view(reason: str, now: int) -> None:
    """Bots are counted by reason and day, so a blogger can see what was filtered."""
    dynamodb.update_item(
        TableName=settings.counts_table,
        Key={"pageKey": {"S": bots_key(utc_day(now))}},
        UpdateExpression="ADD #reason :one",
        ExpressionAttributeNames={"#reason": reason},
        ExpressionAttributeValues={":one": {"N": "1"}},
    )


def first_of_the_day(view: AcceptedView, admission: Admission, source_ip: str, now: int) -> str | None:
    """The visit record this view made, when it is its visitor's first on the page today."""
    key = visitor_key(salts.of_day(now), settings.site_id, source_ip, admission.user_agent or "")
    record = visit_id(utc_day(now), key, view.page.key)
    return record if first_visit(dynamodb, settings.visits_table, record, now) else None


def forget_visit(record: str) -> None:
    """Undo a visit record whose view was not published, so that the resent view is unique."""
    try:
        dynamodb.delete_item(TableName=settings.visits_table, Key={"visitId": {"S": record}})
    except (BotoCoreError, ClientError):
        logger.exception("visit record of an unpublished view left in place")
        count("UniqueViewsLost")


def within_rate(connection_id: str, now: int) -> bool:
    try:
        return rate_limit.allows(connection_id, now)
    except (BotoCoreError, ClientError):
        # Refusing would lose readers' views over the counter's own outage; the stage's
        # throttling still bounds a flood meanwhile.
        logger.exception("rate limit unavailable; the view is let through")
        count("RateLimitUnavailable")
        return True


def count_view(view: AcceptedView, admission: Admission, source_ip: str | None, now: int) -> None:
    """Rate limit, then count the view as a bot's or publish it to be counted.

    DynamoDB trouble on the way degrades what it guards (the rate limit, the uniqueness check,
    a bot's tally), logged and counted, but never costs a reader's view: only a failed publish
    does, and the client is told to send it again.
    """
    if not within_rate(view.connection_id, now):
        raise RejectedFrame(
            errors.RATE_LIMITED, f"at most {rate_limit.views_per_minute} views per minute on one connection"
        )
    bot = admission.bot or (WEBDRIVER if view.webdriver else None)
    if bot:
        logger.info("bot view", extra={"reason": bot})
        try:
            count_bot_view(bot, now)
        except (BotoCoreError, ClientError):
            logger.exception("bot view not tallied", extra={"reason": bot})
            count("BotViewsNotTallied")
        return
    record = None
    # The client's word stands for a reload, under GPC (no key is computed), without an
    # address, and when the check itself fails.
    if view.unique and source_ip and not (view.gpc or admission.gpc):
        try:
            record = first_of_the_day(view, admission, source_ip, now)
            view = dataclasses.replace(view, unique=record is not None)
        except (BotoCoreError, ClientError, SaltUnavailable):
            logger.exception("visitor not checked; the client's word stands")
            count("UniqueViewsUnchecked")
    try:
        sns.publish(
            TopicArn=settings.views_topic_arn, Message=view.sns_message(), MessageAttributes=view.sns_attributes()
        )
    except (BotoCoreError, ClientError):
        if record is not None:
            forget_visit(record)
        raise


def reject(connection_id: str, code: str, detail: str) -> None:
    logger.info("view rejected", extra={"code": code})
    count_rejection(code)
    reply(connection_id, error_frame(code, detail))


@metrics.log_metrics
@logger.inject_lambda_context
@event_source(data_class=APIGatewayWebSocketEvent)
def handler(event: APIGatewayWebSocketEvent, context: Any) -> dict[str, Any]:
    request = event.request_context
    now = request.request_time_epoch // 1000
    try:
        view = accept_view(
            parse_frame(event.body),
            # API Gateway's message id is unique per frame, so a replayed invocation keeps its id.
            view_id=request.message_id or uuid.uuid4().hex,
            viewed_at=now,
            connection_id=request.connection_id,
            connected_at=request.connected_at // 1000,
            rules=settings.page_rules,
            own_hosts=settings.own_hosts,
            allow_list=settings.article_allow_list,
            spam_hosts=spam_hosts,
        )
        count_view(view, Admission.of_event(request.get("authorizer")), request.identity.source_ip, now)
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
