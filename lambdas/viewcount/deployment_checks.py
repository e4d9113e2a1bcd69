"""What the functions log of the smoke test's views, for `./smoke.sh` to read back.

Some behaviours of a deployment show only inside AWS: whether the `$connect` authorizer's
context reaches `views`, and what the stream mapping hands the counting function (its
filter, its tumbling window, the shard's id). The functions log them for the smoke test's
views only (viewcount.sites.SMOKE_PATH), at INFO, so a reader's view adds no log line.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from typing import Any

from viewcount.observability import logger
from viewcount.sites import SMOKE_SITE_ID

SMOKE_VIEW_ACCEPTED = "smoke view accepted"
SMOKE_VIEWS_COUNTED = "smoke views counted"


def log_smoke_view(site: str, *, route: str, origin: str | None, authorizer: Mapping[str, str]) -> None:
    """An accepted view of the smoke page: the way it came, and what the authorizer handed on."""
    if site == SMOKE_SITE_ID:
        logger.info(
            SMOKE_VIEW_ACCEPTED,
            extra={
                "smoke": {"route": route, "origin": origin, "authorizer": sorted(k for k, v in authorizer.items() if v)}
            },
        )


def log_smoke_batch(event: Mapping[str, Any], sites_of_views: list[str]) -> None:
    """A stream batch that holds counted views of the smoke page: what the mapping delivered
    with it. A view that failed is logged when a retry counts it, so each is logged once."""
    smoke_views = sites_of_views.count(SMOKE_SITE_ID)
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
