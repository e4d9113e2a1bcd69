"""What the functions log of the smoke test's views, for `./smoke.sh` to read back.

Some behaviours of a deployment show only inside AWS: whether the `$connect` authorizer's
context reaches `views`, and what the stream mapping hands the counting function (its
filter, its tumbling window, the shard's id). The functions log them for the smoke test's
views only (viewcount.sites.SMOKE_PATH), at INFO, so a reader's view adds no log line.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Iterable, Mapping
from typing import Any

from viewcount.admission import Admission
from viewcount.observability import logger
from viewcount.sites import SMOKE_SITE_ID
from viewcount.tables.visitor_days import LoggedView

SMOKE_VIEW_ACCEPTED = "smoke view accepted"
SMOKE_VIEWS_COUNTED = "smoke views counted"
# Logged (at ERROR) by the counting function for stream records that hold no view: the
# stream's filter should never let one through.
RECORDS_WITHOUT_A_VIEW = "visitor day records without a view"


def log_smoke_view(site: str, *, by_connection: bool, admission: Admission) -> None:
    """An accepted view of the smoke page: the way it came, and what the authorizer handed on
    (a beacon is judged by its own request's headers: no authorizer hands anything on)."""
    if site != SMOKE_SITE_ID:
        return
    handed_on = admission.context() if by_connection else {}
    smoke = {
        "route": "views" if by_connection else "http_views",
        "origin": admission.origin,
        "authorizer": sorted(name for name, value in handed_on.items() if value),
    }
    logger.info(SMOKE_VIEW_ACCEPTED, extra={"smoke": smoke})


def log_smoke_batch(event: Mapping[str, Any], views: Iterable[LoggedView], failed: Collection[str]) -> None:
    """A stream batch that holds counted views of the smoke page: what the mapping delivered
    with it. A view that failed is logged when a retry counts it, so each is logged once."""
    smoke_views = sum(1 for v in views if v.site == SMOKE_SITE_ID and v.sequence_number not in failed)
    if not smoke_views:
        return
    records = event.get("Records") or []
    window = event.get("window") or {}
    logger.info(
        SMOKE_VIEWS_COUNTED,
        extra={
            "smoke": {
                "shard_id": event.get("shardId"),
                "window": {"start": window.get("start"), "end": window.get("end")},
                "records": len(records),
                "event_names": dict(Counter(record.get("eventName") for record in records)),
                "smoke_views": smoke_views,
            }
        },
    )
