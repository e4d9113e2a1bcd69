"""The checks both ways in share: the Origin picks a site, the headers judge the browser, and a
view without a connection is rate-limited by a hash of its sender."""

from __future__ import annotations

import pytest

from tests.conftest import CHROME, GOOGLEBOT
from viewcount.admission import admit, admitted_origin, asks_for_privacy
from viewcount.connection_rates import ConnectionRates, sender_key

ALLOWED = frozenset({"https://blog.example.com", "http://localhost:8000"})


@pytest.mark.parametrize(
    ("headers", "origin"),
    [
        ({"Origin": "https://Blog.Example.com/"}, "https://blog.example.com"),
        ({"origin": "http://localhost:8000"}, "http://localhost:8000"),
        ({"origin": "https://evil.example.com"}, None),
        ({"origin": "null"}, None),
        ({}, None),
        (None, None),
    ],
)
def test_only_a_sites_origin_is_admitted(headers, origin):
    assert admitted_origin(headers, ALLOWED) == origin


@pytest.mark.parametrize(
    ("headers", "private"),
    [({"Sec-GPC": "1"}, True), ({"dnt": "1"}, True), ({"sec-gpc": " 1 "}, True), ({"dnt": "0"}, False), ({}, False)],
)
def test_gpc_or_dnt_asks_for_privacy(headers, private):
    assert asks_for_privacy(headers) is private


def test_the_browser_is_judged_by_its_user_agent():
    assert admit({"user-agent": GOOGLEBOT}, "https://blog.example.com").bot == "crawler"
    assert admit({}, "https://blog.example.com").bot == "no_user_agent"
    reader = admit({"User-Agent": CHROME, "Sec-GPC": "1"}, "https://blog.example.com")
    assert (reader.bot, reader.gpc, reader.origin) == (None, True, "https://blog.example.com")


def test_a_sender_key_is_a_hash_that_names_neither_address_nor_browser():
    key = sender_key("blog", "203.0.113.7", CHROME)

    assert "203.0.113.7" not in key and "Chrome" not in key
    assert key == sender_key("blog", "203.0.113.7", CHROME)
    others = {sender_key("notes", "203.0.113.7", CHROME), sender_key("blog", "203.0.113.8", CHROME),
              sender_key("blog", "203.0.113.7", GOOGLEBOT)}  # fmt: skip
    assert key not in others and len(others) == 3


def test_senders_are_limited_apart():
    rates = ConnectionRates(views_per_minute=2)
    one, two = sender_key("blog", "203.0.113.7", CHROME), sender_key("blog", "203.0.113.8", CHROME)

    assert [rates.allows(one, 60) for _ in range(3)] == [True, True, False]
    assert rates.allows(two, 60) and rates.allows(one, 120)
