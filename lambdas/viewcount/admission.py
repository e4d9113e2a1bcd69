"""What the `$connect` authorizer learnt of a connection, handed to its later events.

Only the handshake carries the browser's headers (User-Agent, Sec-GPC); API Gateway puts
an authorizer's context into every later event of the connection, and nowhere else. So the
authorizer judges the browser once, and `views` reads the verdict from the event.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

# Enough for any real browser's User-Agent; longer ones are cut, not refused.
MAX_USER_AGENT = 512


@dataclass(frozen=True)
class Admission:
    bot: str | None = None  # a reason from viewcount.bots: not counted as a view
    gpc: bool = False  # Global Privacy Control: no visitor key is computed
    user_agent: str | None = None  # only when a visitor key will be computed from it
    # The page's origin, normalised: it picks the site (viewcount.sites). None on a connection
    # made before the authorizer passed it on.
    origin: str | None = None

    def context(self) -> dict[str, str]:
        """The authorizer's context: strings only, and only what `views` and `counts` need."""
        origin = {"origin": self.origin} if self.origin else {}
        if self.bot:
            return {"bot": self.bot, **origin}
        if self.gpc:
            return {"gpc": "1", **origin}
        return {"userAgent": (self.user_agent or "")[:MAX_USER_AGENT], **origin}

    @classmethod
    def of_event(cls, authorizer: Mapping[str, Any] | None) -> Admission:
        authorizer = authorizer or {}
        return cls(
            bot=str(authorizer["bot"]) if authorizer.get("bot") else None,
            gpc=str(authorizer.get("gpc", "")) == "1",
            user_agent=authorizer.get("userAgent"),
            origin=authorizer.get("origin") or None,
        )


def header(headers: Mapping[str, str] | None, name: str) -> str | None:
    """A header by its case-insensitive name."""
    for key, value in (headers or {}).items():
        if key.lower() == name.lower():
            return value
    return None
