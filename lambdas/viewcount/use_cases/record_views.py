"""Record views: log each view of a queue batch in the view log, one item per view."""

from __future__ import annotations

from collections.abc import Iterable

from viewcount.observability import logger
from viewcount.tables.view_log import BATCH_WRITE_LIMIT, ViewLogTable, parse_view_message, view_log_item


def record_views(view_log: ViewLogTable, records: Iterable[tuple[str, str]]) -> tuple[set[str], set[str]]:
    """Log the views of `(record id, message body)` pairs; returns the record ids that failed
    and those that are malformed.

    Two deliveries of one view in one batch are one item (BatchWriteItem refuses a key
    twice); both records succeed or fail with it.
    """
    records_of: dict[str, list[str]] = {}
    items: dict[str, dict] = {}
    malformed: set[str] = set()
    for record_id, body in records:
        try:
            view = parse_view_message(body)
        except (ValueError, TypeError):
            malformed.add(record_id)
            continue
        items[view["viewId"]] = view_log_item(view)
        records_of.setdefault(view["viewId"], []).append(record_id)

    failed_views: set[str] = set()
    view_ids = list(items)
    for start in range(0, len(view_ids), BATCH_WRITE_LIMIT):
        chunk = view_ids[start : start + BATCH_WRITE_LIMIT]
        try:
            failed_views |= view_log.put([items[view_id] for view_id in chunk])
        except Exception:
            logger.exception("view log write failed", extra={"views": len(chunk)})
            failed_views |= set(chunk)
    return {record for view_id in failed_views for record in records_of[view_id]}, malformed
