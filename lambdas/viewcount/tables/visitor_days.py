"""The VisitorDays table: one item per visitor and day, and one per view that has no visitor.

It is the one write a view costs on its way in, made by the queue consumers, and its
stream is the view for the counting function.

- `<site>#<day>#<hash of the visitor key>`: a keyed visitor's day on a site (the site's
  day, in its time zone). Each view is one UpdateItem
  that adds the view's tag to `views`, one to the view count of its page's token
  (`p:<token>`) and, unless it is a reload, the token to `uniques`. It also sets the view's
  own attributes (page, title, referrer host, campaign, connection), which the stream record
  carries. Its condition drops a view whose tag is already there (a redelivery), a view past
  the daily cap on its page, and a view past the cap of a visitor's day. The record's old
  image tells whether the page (its token not in `uniques` before) and the site (no
  `uniques` before) were new to the visitor that day. Only views that are not reloads go
  into `uniques`, so the unique view is the visitor's first that is not a reload, whatever
  order retries deliver the views in.
- `view#<view id>`: a view without a visitor key (GPC or DNT, no address, no salt). It is
  put only if absent, so a redelivery writes nothing. Its uniqueness is the client's word.

A view's id is API Gateway's id of its frame or request, or, when the client named the view
(`viewId`), an id made from that name (viewcount.views.client_view_id): a resend of the view,
over another socket or by HTTP, then finds its tag (or its `view#` item) and is a DUPLICATE.
A view that came by HTTP has no connection (`connectionId` is empty): it pushes to no one,
is nobody's reading, and replaces no connection of its visitor.

Every write also sets the view's site and day (`site`, `day`), which name the counters and
the day of the history it counts in.

An item lives until 48 h after its day began. A view that comes after that (a DLQ redrive
days later) could find its item gone and count again, so it is dropped (TOO_LATE).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from enum import Enum
from typing import Any

from botocore.exceptions import ClientError

from viewcount.sites import Site, Sites

PARTITION_KEY = "visitorDay"
EXPIRES_AT = "expiresAt"
VIEW_TAGS = "views"
PAGE_TOKEN_PREFIX = "p:"
UNIQUE_PAGES = "uniques"
PAGE_KEY = "pageKey"
PAGE_TOKEN = "pageToken"
UNIQUE = "unique"
ARTICLE_TITLE = "articleTitle"
REFERRER_HOST = "referrerHost"
CAMPAIGN = "campaign"
CONNECTION_ID = "connectionId"
CONNECTED_AT = "connectedAt"
# When the view was sent, and the site's day then: the day it counts in.
VIEWED_AT = "viewedAt"
SITE = "site"
DAY = "day"
UNKEYED_PREFIX = "view#"
# The view's own attributes: set by each write, so the stream record is that view. Those a
# view lacks are removed, so that a record never carries an earlier view's.
_OPTIONAL_VIEW_ATTRIBUTES = (ARTICLE_TITLE, REFERRER_HOST, CAMPAIGN)

ITEM_LIFETIME_SECONDS = 48 * 3600
# A view is recorded only this long before its item could expire: its item is then surely
# still there, whatever the clocks of the consumers.
LATE_MARGIN_SECONDS = 300
# One visitor's day holds at most this many views, so that its item stays under 16 KB (a tag
# is 12 characters): every write of it pays for its size. Readers behind one address with the
# same browser are one visitor, so it is generous.
MAX_VIEWS_PER_VISITOR_DAY = 1_000
_TAG_LENGTH = 12

# Sequence numbers are decimal strings of varying length; fixed width makes them compare
# as strings, which is all a DynamoDB condition can do with them.
_SEQUENCE_WIDTH = 48


class Recorded(Enum):
    NEW = "new"  # written: the stream carries it to the counters
    DUPLICATE = "duplicate"  # recorded before: a redelivery
    OVER_DAILY_CAP = "over_daily_cap"  # past the views one visitor counts on a page (or in all) a day
    TOO_LATE = "too_late"  # its item may be gone already: it could count twice


@dataclass(frozen=True)
class LoggedView:
    """A view as the stream delivers it."""

    sequence_number: str  # as the stream gives it: the record's id in batch responses
    page_key: str  # its counter, on its site (tables/page_counts.py)
    day: str  # the site's day the view counts in
    unique: bool  # the page's unique views grow by it
    site_unique: bool = False  # the site's unique views grow by it
    article_title: str | None = None
    referrer_host: str | None = None
    connection_id: str | None = None
    connected_at: int | None = None
    # When the view was sent (epoch seconds); a record written before views carried it gives
    # its connection's time (0 if it has none).
    viewed_at: int = 0
    campaign: tuple[tuple[str, str], ...] = ()  # (utm parameter, value)
    # The visitor's connection before this view's, when it was another: a page load of a
    # multi-page blog replaces the connection of the page before.
    replaced_connection_id: str | None = None

    @property
    def site(self) -> str:
        return self.page_key.split("#", 1)[0]

    @property
    def sequence(self) -> str:
        """The sequence number at a fixed width, so that it compares as a string."""
        return self.sequence_number.zfill(_SEQUENCE_WIDTH)


def is_view_image(image: dict[str, Any]) -> bool:
    """Whether a NEW_IMAGE is a view's (moto also streams a key-only image when an update
    creates an item; the deployed stream filter never passes one)."""
    return PAGE_KEY in image


def logged_view(sequence_number: str, new: dict[str, Any], old: dict[str, Any] | None, sites: Sites) -> LoggedView:
    """From a record's deserialised images; KeyError or ValueError when it is not a view's.
    A record of the layout before sites (no `site`) is the default site's, on its UTC day."""
    if not isinstance(new[PAGE_KEY], str):
        raise ValueError("pageKey is not a string")
    unique = bool(new.get(UNIQUE))
    if new[PARTITION_KEY].startswith(UNKEYED_PREFIX):
        page_new = site_new = True
    else:
        old = old or {}
        page_new = new[PAGE_TOKEN] not in old.get(UNIQUE_PAGES, ())
        site_new = UNIQUE_PAGES not in old
    connected_at = new.get(CONNECTED_AT)
    # A record of the layout before viewedAt: its connection's time is the nearest there is.
    viewed_at = new.get(VIEWED_AT, connected_at)
    campaign = new.get(CAMPAIGN) or {}
    # Only a view on a connection replaces the visitor's connection before: a view that came
    # by HTTP (no connection) leaves the visitor's open socket a reader of its page.
    connection_id = new.get(CONNECTION_ID) or None
    previous = (old or {}).get(CONNECTION_ID) or None
    if SITE in new:
        page_key, day = new[PAGE_KEY], new[DAY]
        if not sites.is_counted(new[SITE]):
            # Its site was taken out of the settings: it can count nowhere, nor block the stream.
            raise ValueError(f"site {new[SITE]!r} is not configured")
    else:  # the layout before sites: the default site's, on its day then
        page_key = f"{sites.default.id}#{new[PAGE_KEY]}"
        day = sites.default.day_of(int(viewed_at or 0))
    return LoggedView(
        sequence_number=sequence_number,
        page_key=page_key,
        day=day,
        # A reload is never unique; neither is a view after the visitor's unique one that day.
        unique=unique and page_new,
        site_unique=unique and site_new,
        article_title=new.get(ARTICLE_TITLE),
        referrer_host=new.get(REFERRER_HOST),
        connection_id=connection_id,
        connected_at=int(connected_at) if connected_at is not None else None,
        viewed_at=int(viewed_at) if viewed_at is not None else 0,
        campaign=tuple(sorted((str(name), str(value)) for name, value in campaign.items())),
        replaced_connection_id=previous if connection_id and previous != connection_id else None,
    )


def parse_view_message(body: str) -> dict[str, Any]:
    """A fanned-out view message (viewcount.views.AcceptedView.sns_message); ValueError when
    it is not one. Parsed here, not there, so that the queue consumers import no more."""
    view = json.loads(body)
    if not isinstance(view, dict):
        raise ValueError("not a view message")
    for name, kind in (("viewId", str), ("pageKey", str), ("connectionId", str), ("viewedAt", int)):
        if not isinstance(view.get(name), kind):
            raise ValueError(f"{name} is missing or not a {kind.__name__}")
    # A message sent before sites were in it has neither (see VisitorDaysTable.record).
    if ("site" in view) != ("day" in view) or not all(isinstance(view.get(n, ""), str) for n in ("site", "day")):
        raise ValueError("site and day come together, as strings")
    if ("visitor" in view) != ("pageToken" in view):
        raise ValueError("visitor and pageToken come together")
    return view


def expires_at(site: Site, day: str) -> int:
    return site.day_start(day) + ITEM_LIFETIME_SECONDS


def view_tag(view_id: str) -> str:
    """A short tag of the view's id: enough to tell one visitor's views of a day apart."""
    return hashlib.sha256(view_id.encode()).hexdigest()[:_TAG_LENGTH]


def _view_attributes(view: dict[str, Any]) -> dict[str, dict[str, Any]]:
    attributes: dict[str, dict[str, Any]] = {
        SITE: {"S": view["site"]},
        DAY: {"S": view["day"]},
        PAGE_KEY: {"S": view["pageKey"]},
        UNIQUE: {"BOOL": bool(view.get("unique"))},
        CONNECTION_ID: {"S": view["connectionId"]},
        CONNECTED_AT: {"N": str(int(view.get("connectedAt", view["viewedAt"])))},
        VIEWED_AT: {"N": str(int(view["viewedAt"]))},
    }
    for name in (ARTICLE_TITLE, REFERRER_HOST):
        if isinstance(view.get(name), str):
            attributes[name] = {"S": view[name]}
    campaign = view.get("campaign")
    if isinstance(campaign, dict) and campaign:
        attributes[CAMPAIGN] = {"M": {name: {"S": str(value)} for name, value in sorted(campaign.items())}}
    return attributes


class VisitorDaysTable:
    def __init__(self, dynamodb: Any, table: str, sites: Sites) -> None:
        self._dynamodb = dynamodb
        self._table = table
        self.sites = sites

    def record(self, view: dict[str, Any], now: int) -> Recorded:
        """Record a fanned-out view with one conditional write; ClientError when DynamoDB
        fails, KeyError when its site is not one of the deployment's."""
        if "site" not in view:
            # Sent before sites were in the messages: the default site's, on its day then.
            site = self.sites.default
            view = {**view, "site": site.id, "day": site.day_of(view["viewedAt"])}
            view["pageKey"] = f"{site.id}#{view['pageKey']}"
        site = self.sites.get(view["site"])
        expires = expires_at(site, view["day"])
        if now >= expires - LATE_MARGIN_SECONDS:
            return Recorded.TOO_LATE
        if "visitor" not in view:
            return self._record_unkeyed(view, expires)
        names = {"#tags": VIEW_TAGS, "#page": PAGE_TOKEN_PREFIX + view["pageToken"], "#expires": EXPIRES_AT}
        tag = view_tag(view["viewId"])
        values = {
            ":tags": {"SS": [tag]},
            ":tag": {"S": tag},
            ":one": {"N": "1"},
            ":cap": {"N": str(site.views_per_page_per_day)},
            ":most": {"N": str(MAX_VIEWS_PER_VISITOR_DAY)},
            ":expires": {"N": str(expires)},
        }
        sets, removes = ["#expires = if_not_exists(#expires, :expires)"], []
        attributes = {**_view_attributes(view), PAGE_TOKEN: {"S": view["pageToken"]}}
        for index, name in enumerate(dict.fromkeys((*attributes, *_OPTIONAL_VIEW_ATTRIBUTES))):
            names[f"#v{index}"] = name
            if name in attributes:
                values[f":v{index}"] = attributes[name]
                sets.append(f"#v{index} = :v{index}")
            else:
                removes.append(f"#v{index}")
        adds = ["#tags :tags", "#page :one"]
        if view.get("unique"):
            names["#uniques"], values[":token"] = UNIQUE_PAGES, {"SS": [view["pageToken"]]}
            adds.append("#uniques :token")
        expression = f"ADD {', '.join(adds)} SET {', '.join(sets)}"
        if removes:
            expression += f" REMOVE {', '.join(removes)}"
        try:
            self._dynamodb.update_item(
                TableName=self._table,
                Key={PARTITION_KEY: {"S": f"{site.id}#{view['day']}#{view['visitor']}"}},
                UpdateExpression=expression,
                ConditionExpression="attribute_not_exists(#tags) OR (NOT contains(#tags, :tag) "
                "AND (attribute_not_exists(#page) OR #page < :cap) AND size(#tags) < :most)",
                ExpressionAttributeNames=names,
                ExpressionAttributeValues=values,
                ReturnValuesOnConditionCheckFailure="ALL_OLD",
            )
        except ClientError as error:
            if error.response["Error"]["Code"] != "ConditionalCheckFailedException":
                raise
            old = error.response.get("Item", {})
            seen = tag in old.get(VIEW_TAGS, {}).get("SS", [])
            return Recorded.DUPLICATE if seen else Recorded.OVER_DAILY_CAP
        return Recorded.NEW

    def _record_unkeyed(self, view: dict[str, Any], expires: int) -> Recorded:
        item = {
            PARTITION_KEY: {"S": UNKEYED_PREFIX + view["viewId"]},
            EXPIRES_AT: {"N": str(expires)},
            **_view_attributes(view),
        }
        try:
            self._dynamodb.put_item(
                TableName=self._table,
                Item=item,
                ConditionExpression="attribute_not_exists(#key)",
                ExpressionAttributeNames={"#key": PARTITION_KEY},
            )
        except ClientError as error:
            if error.response["Error"]["Code"] != "ConditionalCheckFailedException":
                raise
            return Recorded.DUPLICATE
        return Recorded.NEW
