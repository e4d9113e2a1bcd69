"""Accept a view: validate it, limit its rate, judge whether it is unique, and publish it.

DynamoDB trouble on the way degrades what it guards (the rate limit, the uniqueness check,
a bot's tally), logged and counted, but never costs a reader's view: only a failed publish
does, and the client is told to send it again.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from viewcount import errors
from viewcount.admission import Admission
from viewcount.bots import WEBDRIVER
from viewcount.errors import RejectedFrame
from viewcount.observability import count, logger
from viewcount.settings import ViewsSettings
from viewcount.tables.page_counts import PageCountsTable, page_key
from viewcount.tables.salts import DailySalts, SaltUnavailable
from viewcount.tables.view_rates import ViewRateLimit
from viewcount.tables.visits import VisitsTable, visit_id
from viewcount.views import AcceptedView, validate_view
from viewcount.visitors import utc_day, visitor_key
from viewcount.wire import parse_frame

Publish = Callable[[AcceptedView], None]


@dataclass(frozen=True)
class ViewRequest:
    """A `views` frame, with what API Gateway says about it. Times are epoch seconds."""

    body: str | None
    # API Gateway's message id is unique per frame, so a replayed invocation keeps its id.
    message_id: str
    connection_id: str
    connected_at: int
    received_at: int
    source_ip: str | None
    admission: Admission


def sns_publisher(sns: Any, topic_arn: str) -> Publish:
    def publish(view: AcceptedView) -> None:
        sns.publish(TopicArn=topic_arn, Message=view.sns_message(), MessageAttributes=view.sns_attributes())

    return publish


class AcceptView:
    def __init__(
        self,
        settings: ViewsSettings,
        *,
        rate_limit: ViewRateLimit,
        salts: DailySalts,
        visits: VisitsTable,
        counters: PageCountsTable,
        publish: Publish,
    ) -> None:
        self.settings = settings
        self.rate_limit = rate_limit
        self.salts = salts
        self.visits = visits
        self.counters = counters
        self.publish = publish

    @classmethod
    def on_aws(cls, settings: ViewsSettings, *, dynamodb: Any, sns: Any) -> AcceptView:
        """The use case on the function's own tables and topic."""
        return cls(
            settings,
            rate_limit=ViewRateLimit(dynamodb, settings.view_rates_table, settings.views_per_minute),
            salts=DailySalts(dynamodb, settings.salts_table),
            visits=VisitsTable(dynamodb, settings.visits_table),
            counters=PageCountsTable(dynamodb, settings.counts_table),
            publish=sns_publisher(sns, settings.views_topic_arn),
        )

    def accept(self, request: ViewRequest) -> None:
        """Publish the view to be counted, or tally it as a bot's; RejectedFrame when it
        cannot be accepted; BotoCoreError or ClientError when the publish failed."""
        settings = self.settings
        view = validate_view(
            parse_frame(request.body),
            view_id=request.message_id,
            viewed_at=request.received_at,
            connection_id=request.connection_id,
            connected_at=request.connected_at,
            rules=settings.page_rules,
            own_hosts=settings.own_hosts,
            allow_list=settings.article_allow_list,
            path_allow_list=settings.path_allow_list,
            spam_hosts=settings.spam_hosts,
        )
        now = request.received_at
        if not self._within_rate(view.connection_id, now):
            raise RejectedFrame(
                errors.RATE_LIMITED, f"at most {self.rate_limit.views_per_minute} views per minute on one connection"
            )
        bot = request.admission.bot or (WEBDRIVER if view.webdriver else None)
        if bot:
            self._tally_bot_view(bot, now)
            return
        record = None
        # The client's word stands for a reload, under GPC (no key is computed), without an
        # address, and when the check itself fails.
        if view.unique and request.source_ip and not (view.gpc or request.admission.gpc):
            try:
                record = self._first_of_the_day(view, request, now)
                view = dataclasses.replace(view, unique=record is not None)
            except (BotoCoreError, ClientError, SaltUnavailable):
                logger.exception("visitor not checked; the client's word stands")
                count("UniqueViewsUnchecked")
        try:
            self.publish(view)
        except (BotoCoreError, ClientError):
            if record is not None:
                self._forget_visit(record)
            raise

    def _within_rate(self, connection_id: str, now: int) -> bool:
        try:
            return self.rate_limit.allows(connection_id, now)
        except (BotoCoreError, ClientError):
            # Refusing would lose readers' views over the counter's own outage; the stage's
            # throttling still bounds a flood meanwhile.
            logger.exception("rate limit unavailable; the view is let through")
            count("RateLimitUnavailable")
            return True

    def _tally_bot_view(self, reason: str, now: int) -> None:
        """Bots are counted by reason and day, so a blogger can see what was filtered."""
        logger.info("bot view", extra={"reason": reason})
        try:
            self.counters.tally_bot_view(reason, utc_day(now))
        except (BotoCoreError, ClientError):
            logger.exception("bot view not tallied", extra={"reason": reason})
            count("BotViewsNotTallied")

    def _first_of_the_day(self, view: AcceptedView, request: ViewRequest, now: int) -> str | None:
        """The visit record this view made, when it is its visitor's first on the page today."""
        source_ip = request.source_ip or ""
        key = visitor_key(self.salts.of_day(now), self.settings.site_id, source_ip, request.admission.user_agent or "")
        record = visit_id(utc_day(now), key, page_key(view.page))
        return record if self.visits.first_visit(record, now) else None

    def _forget_visit(self, record: str) -> None:
        """Undo a visit record whose view was not published, so that the resent view is unique."""
        try:
            self.visits.forget(record)
        except (BotoCoreError, ClientError):
            logger.exception("visit record of an unpublished view left in place")
            count("UniqueViewsLost")
