"""At most so many views per connection per minute, counted in the warm instance.

It costs no write. One connection's frames can reach several warm instances, and each
counts only those it sees, so a connection spread over n instances gets at most n times
the limit. The stage's throttling bounds the whole API, and the daily cap per visitor and
page (enforced by the view's one write downstream) bounds what a flood can count.
"""

from __future__ import annotations

from collections import Counter


class ConnectionRates:
    def __init__(self, views_per_minute: int) -> None:
        self.views_per_minute = views_per_minute
        self._minute = -1
        self._views: Counter[str] = Counter()

    def allows(self, connection_id: str, now: int) -> bool:
        """Count a view of the connection; False when it is over this minute's limit."""
        minute = now // 60
        if minute != self._minute:
            # Only the current minute is kept: memory stays bounded by one minute's connections.
            self._minute, self._views = minute, Counter()
        self._views[connection_id] += 1
        return self._views[connection_id] <= self.views_per_minute
