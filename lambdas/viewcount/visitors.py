"""Unique visitors without cookies: a daily salt, a keyed hash, one record per page a day.

A visitor's key is HMAC-SHA256(salt of the UTC day, site | source IP | User-Agent), computed
in memory and never stored or logged. What is stored is a hash of that key with the page,
in a visit record that expires within 48 h (viewcount.tables.visits). The salt is random,
kept in its own table and deleted after 48 h (viewcount.tables.salts): from then on no key
can be computed again, and the day's records cannot be linked to anyone, nor to each other.
"""

from __future__ import annotations

import hashlib
import hmac
import time

SECONDS_PER_DAY = 24 * 3600


def utc_day(epoch_seconds: int) -> str:
    return time.strftime("%Y-%m-%d", time.gmtime(epoch_seconds))


def start_of_day(epoch_seconds: int) -> int:
    return epoch_seconds - epoch_seconds % SECONDS_PER_DAY


def visitor_key(salt: bytes, site: str, source_ip: str, user_agent: str) -> bytes:
    return hmac.new(salt, f"{site}|{source_ip}|{user_agent}".encode(), hashlib.sha256).digest()
