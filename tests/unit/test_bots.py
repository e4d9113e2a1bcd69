from __future__ import annotations

import subprocess
import sys

import pytest

from tests.conftest import ROOT
from viewcount.bots import CRAWLER, HEADLESS, NO_USER_AGENT, REASONS, WEBDRIVER, bot_reason

CHROME_WINDOWS = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36"
)


@pytest.mark.parametrize(
    ("user_agent", "reason"),
    [
        ("Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)", CRAWLER),
        (
            "Mozilla/5.0 (Linux; Android 6.0.1; Nexus 5X Build/MMB29P) AppleWebKit/537.36 (KHTML, like Gecko) "
            "Chrome/131.0.6778.204 Mobile Safari/537.36 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
            CRAWLER,
        ),
        ("Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)", CRAWLER),
        ("curl/8.5.0", CRAWLER),
        ("python-requests/2.32.3", CRAWLER),
        (
            "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/131.0.0.0 "
            "Safari/537.36",
            HEADLESS,
        ),
        (
            "Mozilla/5.0 (Unknown; Linux x86_64) AppleWebKit/538.1 (KHTML, like Gecko) PhantomJS/2.1.1 Safari/538.1",
            HEADLESS,
        ),
        # jsdom's default User-Agent, which the package does not list.
        ("Mozilla/5.0 (linux) AppleWebKit/537.36 (KHTML, like Gecko) jsdom/26.1.0", HEADLESS),
        # WebSocket libraries' and runtimes' defaults, which the package does not list either.
        ("Python/3.11 websockets/17.4", CRAWLER),
        ("node", CRAWLER),
        ("undici", CRAWLER),
        ("Deno/2.1.4", CRAWLER),
        ("Java/17.0.15", CRAWLER),
        ("okhttp/4.12.0", CRAWLER),
    ],
)
def test_bots_are_named_with_their_reason(user_agent, reason):
    assert bot_reason(user_agent) == reason


@pytest.mark.parametrize(
    "user_agent",
    [
        CHROME_WINDOWS,
        "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0",
        "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 "
        "Safari/605.1.15",
        "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
        "Version/18.1 Mobile/15E148 Safari/604.1",
        "Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile "
        "Safari/537.36",
        "Mozilla/5.0 (Android 14; Mobile; rv:133.0) Gecko/133.0 Firefox/133.0",
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 "
        "Safari/537.36 Edg/131.0.0.0",
    ],
)
def test_desktop_and_mobile_browsers_are_people(user_agent):
    assert bot_reason(user_agent) is None


@pytest.mark.parametrize("user_agent", [None, "", "   \t"])
def test_a_missing_or_blank_user_agent_is_its_own_reason(user_agent):
    assert bot_reason(user_agent) == NO_USER_AGENT


def test_surrounding_whitespace_does_not_hide_an_anchored_pattern():
    # The package anchors curl's pattern at the start of the string.
    assert bot_reason("  curl/8.5.0") == CRAWLER


def test_matching_is_case_sensitive_as_the_patterns_are_written():
    # "Googlebot/" is the pattern; a browser's text that merely contains the word in
    # another case is not flagged by it.
    assert bot_reason(CHROME_WINDOWS + " googlebot/") is None


def test_reason_strings_are_the_stored_values():
    assert REASONS == ("no_user_agent", "headless", "crawler", "webdriver")
    assert WEBDRIVER in REASONS


def test_results_are_cached_with_a_bound():
    bot_reason.cache_clear()
    bot_reason(CHROME_WINDOWS)
    bot_reason(CHROME_WINDOWS)

    info = bot_reason.cache_info()
    assert (info.hits, info.misses) == (1, 1)
    assert info.maxsize is not None


def test_importing_the_reasons_does_not_load_the_patterns():
    # A fresh interpreter: a function that only needs a reason name skips the package's JSON.
    probe = (
        "import sys; import viewcount.bots as bots; loaded = 'crawleruseragents' in sys.modules; "
        "bots.bot_reason('curl/8.5.0'); print(loaded, 'crawleruseragents' in sys.modules)"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], cwd=ROOT / "lambdas", check=True, capture_output=True, text=True
    )

    assert result.stdout.split() == ["False", "True"]
