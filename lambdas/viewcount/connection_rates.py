"""At most so many views per connection (or, for views with no connection, per sender) per
minute, counted in the warm instance.

It costs no write. A view that came by HTTP has no connection: it is counted under a hash of
its site, address and User-Agent (`sender_key`), held in memory for the current minute only
and never stored or logged. One connection's frames can reach several warm instances, and each
counts only those it sees, so a connection spread over n instances gets at most n times
the limit. The stage's throttling bounds the whole API, and the daily cap per visitor and
page (enforced by the view's one write downstream) bounds what a flood can count.
"""

from __future__ import annotations

import hashlib
from collections import Counter


def sender_key(site: str, source_ip: str | None, user_agent: str | None) -> str:
    """What a view without a connection is rate-limited by: one browser at one address, on
    one site. A hash, so that the warm instance's memory holds no address or User-Agent."""
    sender = f"{site}|{source_ip or ''}|{user_agent or ''}"
    return "sender:" + hashlib.sha256(sender.encode()).hexdigest()[:32]


class ConnectionRates:
    def __init__(self, views_per_minute: int) -> None:
        self.views_per_minute = views_per_minute
        self._minute = -1
        self._views: Counter[str] = Counter()

    def allows(self, connection_id: str, now: int) -> bool:
        """Count a view of the connection (or sender_key); False when it is over this minute's limit."""
        minute = now // 60
        if minute != self._minute:
            # Only the current minute is kept: memory stays bounded by one minute's connections.
            self._minute, self._views = minute, Counter()
        self._views[connection_id] += 1
        return self._views[connection_id] <= self.views_per_minute
