"""Record views: one conditional write per view of a queue batch, in its visitor's day
(viewcount.tables.visitor_days). The table's stream carries each recorded view to the counters."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

from viewcount.observability import logger
from viewcount.tables.visitor_days import Recorded, VisitorDaysTable, parse_view_message


@dataclass
class RecordedBatch:
    failed: set[str] = field(default_factory=set)  # record ids to deliver again
    malformed: set[str] = field(default_factory=set)  # record ids that no delivery can mend
    outcomes: Counter[Recorded] = field(default_factory=Counter)


def record_views(visitor_days: VisitorDaysTable, records: Iterable[tuple[str, str]], now: int) -> RecordedBatch:
    """Record the views of `(record id, message body)` pairs. A redelivered view, one past a
    daily cap and one too late to be told from a redelivery are done with, not failed: they
    are counted in `outcomes`, never in the counters."""
    batch = RecordedBatch()
    for record_id, body in records:
        try:
            view = parse_view_message(body)
        except (ValueError, TypeError):
            batch.malformed.add(record_id)
            continue
        try:
            batch.outcomes[visitor_days.record(view, now)] += 1
        except KeyError:
            # Its site is not (or no longer) configured: no delivery can mend that.
            logger.error("view of an unknown site", extra={"site": view.get("site")})
            batch.malformed.add(record_id)
        except Exception:
            logger.exception("view not recorded")
            batch.failed.add(record_id)
    return batch
