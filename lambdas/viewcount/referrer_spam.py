"""Referrer spam: hosts that fake referrals to get their name into analytics reports.

The list is Matomo's community-maintained `referrer-spam-list` (`spammers.txt`, one
domain per line), fetched at build time by `tools/fetch_referrer_spam.py` and bundled
with the Lambda code; no package on PyPI, npm or Debian carries it. A listed domain
covers all its subdomains, as spammers rotate subdomains freely. Internationalised
names are listed in their ASCII (punycode) form, the form a Referer header carries.
"""

from __future__ import annotations

from pathlib import Path

from viewcount.wire import normalise_host


def load_spam_hosts(path: Path) -> frozenset[str]:
    """The listed hosts from a `spammers.txt`-style file.

    A missing file raises FileNotFoundError: an empty list would let all spam through
    unnoticed, so the caller has to decide that it is acceptable.
    """
    hosts = set()
    for line in path.read_text(encoding="utf-8").splitlines():
        host = normalise_host(line.split("#", 1)[0])
        if host:
            hosts.add(host)
    return frozenset(hosts)


def is_referrer_spam(host: str, spam_hosts: frozenset[str]) -> bool:
    """True when the host or one of its parent domains is listed."""
    labels = normalise_host(host).split(".")
    # Never the bare top-level domain, so a stray `com` line cannot mark every .com host.
    return any(".".join(labels[i:]) in spam_hosts for i in range(len(labels) - 1))
