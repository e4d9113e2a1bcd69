"""Accept a view: validate it, limit its rate, key its visitor, and publish it.

The usual view costs no DynamoDB write here: the rate limit is kept in the warm instance,
the day's salt is read once per instance and day, and whether the visitor is new to the
page or the site is told by the view's one write downstream (viewcount.tables.visitor_days).
DynamoDB trouble on the way degrades what it guards (a missing salt leaves the view
unkeyed, a bot's tally is lost), logged and counted, but never costs a reader's view: only
a failed publish does, and the client is told to send it again.
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
from viewcount.connection_rates import ConnectionRates, sender_key
from viewcount.deployment_checks import log_smoke_view
from viewcount.errors import RejectedFrame
from viewcount.observability import count, logger
from viewcount.settings import AcceptViewSettings
from viewcount.tables.page_counts import PageCountsTable
from viewcount.tables.salts import DailySalts, SaltUnavailable
from viewcount.views import AcceptedView, validate_view
from viewcount.visitors import page_token, visitor_hash, visitor_key
from viewcount.wire import parse_frame

Publish = Callable[[AcceptedView], None]


@dataclass(frozen=True)
class ViewRequest:
    """A `views` frame (or `POST /views` body), with what API Gateway says about it. Times are
    epoch seconds."""

    body: str | None
    # API Gateway's message (or request) id is unique per frame, so a replayed invocation keeps
    # its id; the client's `viewId`, when sent, takes its place (viewcount.views.client_view_id).
    message_id: str
    # Empty for a view that came by HTTP: it has no connection to push to.
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
        settings: AcceptViewSettings,
        *,
        salts: DailySalts,
        counters: PageCountsTable,
        publish: Publish,
    ) -> None:
        self.settings = settings
        self.rates = ConnectionRates(settings.views_per_minute)
        self.salts = salts
        self.counters = counters
        self.publish = publish

    @classmethod
    def on_aws(cls, settings: AcceptViewSettings, *, dynamodb: Any, sns: Any) -> AcceptView:
        """The use case on the function's own tables and topic."""
        return cls(
            settings,
            salts=DailySalts(dynamodb, settings.salts_table),
            counters=PageCountsTable(dynamodb, settings.counts_table),
            publish=sns_publisher(sns, settings.views_topic_arn),
        )

    def accept(self, request: ViewRequest) -> None:
        """Publish the view to be counted, or tally it as a bot's; RejectedFrame when it
        cannot be accepted; BotoCoreError or ClientError when the publish failed."""
        settings = self.settings
        if request.admission.watch:
            raise RejectedFrame(errors.WATCH_ONLY, "a dashboard's connection watches the counts; it counts no view")
        view = validate_view(
            parse_frame(request.body),
            view_id=request.message_id,
            viewed_at=request.received_at,
            connection_id=request.connection_id,
            connected_at=request.connected_at,
            sites=settings.sites,
            origin=request.admission.origin,
            spam_hosts=settings.spam_hosts,
        )
        now = request.received_at
        sender = view.connection_id or sender_key(view.site, request.source_ip, request.admission.user_agent)
        if not self.rates.allows(sender, now):
            per = "on one connection" if view.connection_id else "from one browser"
            raise RejectedFrame(errors.RATE_LIMITED, f"at most {self.rates.views_per_minute} views per minute {per}")
        bot = request.admission.bot or (WEBDRIVER if view.webdriver else None)
        if bot:
            self._tally_bot_view(view, bot)
            return
        # No key under GPC or DNT, or without an address: such a view counts as the client
        # says, never linked to another.
        if request.source_ip and not (view.gpc or request.admission.gpc):
            try:
                view = self._keyed(view, request, now)
            except (BotoCoreError, ClientError, SaltUnavailable):
                logger.exception("visitor not keyed; the client's word stands")
                count("UniqueViewsUnchecked")
        self.publish(view)
        log_smoke_view(view.site, by_connection=bool(view.connection_id), admission=request.admission)

    def _tally_bot_view(self, view: AcceptedView, reason: str) -> None:
        """Bots are counted by site, reason and day, so a blogger can see what was filtered."""
        logger.info("bot view", extra={"reason": reason})
        try:
            self.counters.tally_bot_view(view.site, reason, view.day)
        except (BotoCoreError, ClientError):
            logger.exception("bot view not tallied", extra={"reason": reason})
            count("BotViewsNotTallied")

    def _keyed(self, view: AcceptedView, request: ViewRequest, now: int) -> AcceptedView:
        salt = self.salts.of_day(self.settings.sites.get(view.site), now)
        site = f"{self.settings.deployment}|{view.site}"
        key = visitor_key(salt, site, request.source_ip or "", request.admission.user_agent or "")
        return dataclasses.replace(view, visitor=visitor_hash(key), page_token=page_token(key, view.page_key))
