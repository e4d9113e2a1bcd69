"""Is this connection a bot, and which kind? Judged from the User-Agent alone.

The patterns come from the maintained `crawler-user-agents` package rather than a hand
list here, so new crawlers are picked up by bumping its pin. A bot's view is not counted
as a page view; the reason is kept instead, so the reason strings below are stored
values and must never be renamed.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import cache, lru_cache

NO_USER_AGENT = "no_user_agent"
HEADLESS = "headless"
CRAWLER = "crawler"
# Set by the caller when the page reports navigator.webdriver; no User-Agent shows it.
WEBDRIVER = "webdriver"
REASONS = (NO_USER_AGENT, HEADLESS, CRAWLER, WEBDRIVER)

# The package tags headless browsers and browser drivers (HeadlessChrome, PhantomJS,
# Puppeteer, Playwright, Selenium, ...) "browser-automation"; that tag also covers AI
# agents that drive a browser, which are just as much not a reader.
_AUTOMATION_TAG = "browser-automation"
# jsdom runs a page's scripts (WebSocket included) and names itself in its default
# User-Agent, but the package (1.67.0) does not list it.
_EXTRA_HEADLESS = (r"\bjsdom/",)
# The default User-Agents of WebSocket client libraries and runtimes, which the package
# (about HTTP crawlers) does not list: a script that opens our socket is not a reader.
_EXTRA_CRAWLERS = re.compile(r"\bwebsockets/\d|^node$|^undici$|\bundici/|^Deno/|^Java/|\bokhttp/|^Go-http-client/")


# Imported on first use, not with this module: importing the package parses its 0.5 MB
# JSON, which functions that only need the reason names should not pay for at cold start.
@cache
def _matchers() -> tuple[re.Pattern[str], Callable[[str], bool]]:
    from crawleruseragents import CRAWLER_USER_AGENTS_DATA, is_crawler

    # Case-sensitive, as the package's patterns are written and its is_crawler defaults to.
    headless = re.compile(
        "|".join(
            [
                f"(?:{entry['pattern']})"
                for entry in CRAWLER_USER_AGENTS_DATA
                if _AUTOMATION_TAG in entry.get("tags", ())
            ]
            + [f"(?:{pattern})" for pattern in _EXTRA_HEADLESS]
        )
    )
    return headless, is_crawler


def prepare() -> None:
    """Load and compile the patterns now (about 50 ms here). The `$connect` authorizer does
    it at import, so that the cost is part of its measured cold start, not of whichever
    handshake happens to come first."""
    _, is_crawler = _matchers()
    is_crawler("Mozilla/5.0")


# Runs once per connection; a warm Lambda sees the same few browsers over and over, and
# a miss costs a scan of ~1,500 patterns. Bounded so odd User-Agents cannot grow it.
@lru_cache(maxsize=1024)
def bot_reason(user_agent: str | None) -> str | None:
    """The reason (one of REASONS) this User-Agent is a bot, or None for a browser."""
    user_agent = (user_agent or "").strip()
    if not user_agent:
        return NO_USER_AGENT
    headless, is_crawler = _matchers()
    if headless.search(user_agent):
        return HEADLESS
    # The package compiles its own patterns on the first call in this process.
    if is_crawler(user_agent) or _EXTRA_CRAWLERS.search(user_agent):
        return CRAWLER
    return None
