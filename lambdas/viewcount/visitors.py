"""Unique visitors without cookies: a daily salt and keyed hashes, one item per visitor a day.

A visitor's key is HMAC-SHA256(salt of the site's day, deployment | site | source IP |
User-Agent), computed
in memory and never stored or logged. What the fan-out carries, and the visitor's day item
stores (viewcount.tables.visitor_days), are hashes of that key: one for the visitor, one
per page. The salt is random, kept in its own table and deleted after 48 h
(viewcount.tables.salts): from then on no key can be computed again, so neither hash can
be tied to a reader, nor a page's hash to its page.
"""

from __future__ import annotations

import hashlib
import hmac


def visitor_key(salt: bytes, site: str, source_ip: str, user_agent: str) -> bytes:
    return hmac.new(salt, f"{site}|{source_ip}|{user_agent}".encode(), hashlib.sha256).digest()


def visitor_hash(key: bytes) -> str:
    """Names the visitor's day: a hash of the key, not the key, so that the page tokens
    below cannot be computed from what is stored."""
    return hmac.new(key, b"visitor", hashlib.sha256).hexdigest()[:32]


def page_token(key: bytes, page_key: str) -> str:
    """Names a page within the visitor's day; without the key it names no page."""
    return hmac.new(key, b"page|" + page_key.encode(), hashlib.sha256).hexdigest()[:16]
