"""What the `$connect` authorizer learnt of a connection, handed to its later events; and
the checks that judge a browser by its request headers, on either way in.

Only the handshake carries the browser's headers (User-Agent, Sec-GPC); API Gateway puts
an authorizer's context into every later event of the connection, and nowhere else. So the
authorizer judges the browser once, and `views` reads the verdict from the event. The HTTP
API's `POST /views` has the headers on every request and judges each with the same checks.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from viewcount.bots import bot_reason
from viewcount.origins import normalise_origin

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
    # A dashboard's connection, let in by a ticket: the site it watches. It never counts a view.
    watch: str | None = None

    def context(self) -> dict[str, str]:
        """The authorizer's context: strings only, and only what `views` and `counts` need."""
        origin = {"origin": self.origin} if self.origin else {}
        if self.watch:
            return {"watch": self.watch, **origin}
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
            watch=authorizer.get("watch") or None,
        )


def header(headers: Mapping[str, str] | None, name: str) -> str | None:
    """A header by its case-insensitive name."""
    for key, value in (headers or {}).items():
        if key.lower() == name.lower():
            return value
    return None


def admitted_origin(headers: Mapping[str, str] | None, allowed: frozenset[str]) -> str | None:
    """The request's Origin, normalised, when it is one of the sites'; None when it is
    missing, unparsable or foreign."""
    origin = normalise_origin(header(headers, "origin") or "")
    return origin if origin in allowed else None


def asks_for_privacy(headers: Mapping[str, str] | None) -> bool:
    """Global Privacy Control (`Sec-GPC: 1`) or Do Not Track (`DNT: 1`): no visitor key."""
    return any((header(headers, name) or "").strip() == "1" for name in ("sec-gpc", "dnt"))


def admit(headers: Mapping[str, str] | None, origin: str) -> Admission:
    """Judge the browser by its headers: a bot (by its User-Agent), or a reader who asks for
    privacy, or a reader whose User-Agent keys its visits."""
    user_agent = header(headers, "user-agent")
    return Admission(bot=bot_reason(user_agent), gpc=asks_for_privacy(headers), user_agent=user_agent, origin=origin)
