"""Who may read a site's stats: the owner, with the deployment's owner key, or anyone with a
share link of that one site. And the single-use tickets that let a dashboard's WebSocket in,
since a browser cannot put a key in a WebSocket's headers.

A key is only ever sent in an `Authorization: Bearer` header, never in a URL, so no access
log holds it. The owner's key is checked first, with no read. Any other key is counted per
address (a keyed hash of it) when it is wrong, and ten in ten minutes refuse that address's
other keys until the slot ends: with random keys of 40 characters and share tokens of 32,
guessing is hopeless anyway; the limit keeps a guesser from running up the bill, and never
keeps the owner out.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass

from viewcount import errors
from viewcount.errors import RejectedFrame
from viewcount.sites import Site, Sites
from viewcount.tables.access import AccessTable, ShareLink, digest

SHARE_PREFIX = "s."
TICKET_SECONDS = 60
TICKET = re.compile(r"[A-Za-z0-9_-]{32}")  # secrets.token_urlsafe(24)
TRIES_SLOT_SECONDS = 600
MAX_TRIES = 10
OWNER = "owner"
SHARE = "share"


class AccessRefused(RejectedFrame):
    """A request without the right to what it asks: a refusal's `code` and `detail`, and the
    HTTP `status` that answers it."""

    def __init__(self, status: int, code: str, detail: str) -> None:
        super().__init__(code, detail)
        self.status = status


@dataclass(frozen=True)
class Viewer:
    role: str  # OWNER or SHARE
    sites: tuple[Site, ...]  # what it may see

    def site(self, site_id: str | None) -> Site:
        """The site asked for (by default the only one it may see)."""
        if site_id is None:
            if len(self.sites) == 1:
                return self.sites[0]
            raise AccessRefused(400, errors.MISSING_FIELD, "site: name one of " + ", ".join(s.id for s in self.sites))
        for site in self.sites:
            if site.id == site_id:
                return site
        if self.role == SHARE:
            raise AccessRefused(403, errors.FORBIDDEN_SITE, "this share link shows another site")
        raise AccessRefused(404, errors.UNKNOWN_SITE, f"no site {site_id!r} here")


def new_share_token(site: str) -> str:
    return f"{SHARE_PREFIX}{site}.{secrets.token_urlsafe(24)}"


class DashboardAccess:
    def __init__(self, access: AccessTable, owner_key: str | Callable[[], str], sites: Sites) -> None:
        """`owner_key` is the key, or how to read it (the deployed API re-reads its secret every
        few minutes, so that a rotated key takes over without a redeploy)."""
        self.access = access
        self._owner_key = owner_key if callable(owner_key) else lambda: owner_key
        self.sites = sites

    def viewer(self, authorization: str | None, source_ip: str, now: int) -> Viewer:
        """The viewer a request's `Authorization` header names, or AccessRefused."""
        # A secret rotated from a file may end in a newline: it is no part of the key.
        owner_key = self._owner_key().strip()
        scheme, _, key = (authorization or "").partition(" ")
        key = key.strip() if scheme.lower() == "bearer" else ""
        # The owner's key first, at no read: a neighbour behind the same address (a NAT, a
        # VPN) who sends wrong keys must never lock the owner out.
        if owner_key and key and hmac.compare_digest(key.encode(), owner_key.encode()):
            return Viewer(OWNER, tuple(self.sites))
        who = hmac.new(owner_key.encode(), source_ip.encode(), hashlib.sha256).hexdigest()[:32]
        slot = now // TRIES_SLOT_SECONDS
        tries = self.access.tries(who, slot)
        if tries < MAX_TRIES:
            viewer = self._shared(key)
            if viewer is not None:
                return viewer
            tries = self.access.add_try(who, slot, (slot + 2) * TRIES_SLOT_SECONDS)
            if tries <= MAX_TRIES:
                raise AccessRefused(401, errors.UNAUTHORIZED, "a valid key is needed: Authorization: Bearer <key>")
        # The limit reached already, or by a burst that read the count before it reached it.
        raise AccessRefused(429, errors.TOO_MANY_TRIES, "too many wrong keys from here; try again in 10 minutes")

    def _shared(self, key: str) -> Viewer | None:
        """The viewer of a live share link's token."""
        if key.startswith(SHARE_PREFIX):
            site_id = key.removeprefix(SHARE_PREFIX).partition(".")[0]
            if site_id in self.sites.ids and self.access.is_shared(site_id, key):
                return Viewer(SHARE, (self.sites.get(site_id),))
        return None

    def issue_ticket(self, viewer: Viewer, site_id: str | None, now: int) -> tuple[str, Site]:
        """A ticket that lets one WebSocket of the dashboard watch the site, within a minute."""
        site = viewer.site(site_id)
        ticket = secrets.token_urlsafe(24)
        self.access.add_ticket(ticket, site.id, now + TICKET_SECONDS)
        return ticket, site


# ---- share links (the operator's, ./admin.sh share-link) -------------------------------


def share_link(access: AccessTable, site: Site, label: str, now: int) -> tuple[str, ShareLink]:
    """A new share link of the site: its token (shown once) and the link as it is kept."""
    token = new_share_token(site.id)
    return token, access.add_share(site.id, token, now, label)


def revoke_link(access: AccessTable, site: Site, token_or_id: str) -> ShareLink | None:
    """Revoke the link by its token or the id `share-link list` shows; None when no link matches."""
    token_hash = digest(token_or_id)
    for link in access.shares(site.id):
        if link.id == token_or_id or hmac.compare_digest(link.token_hash, token_hash):
            access.remove_share(link)
            return link
    return None
