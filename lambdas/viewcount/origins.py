"""Origins, compared exactly after normalising scheme, host and port."""

from __future__ import annotations

from urllib.parse import urlsplit

from viewcount.wire import normalise_host

_DEFAULT_PORTS = {"http": 80, "https": 443, "ws": 80, "wss": 443}


def normalise_origin(origin: str) -> str | None:
    """`scheme://host[:port]` in lower case without a default port, or None if unparsable."""
    try:
        parts = urlsplit(origin.strip())
        port = parts.port
    except ValueError:
        return None
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower()
    if not scheme or not host or parts.path not in ("", "/") or parts.query or parts.fragment:
        return None
    if port is None or port == _DEFAULT_PORTS.get(scheme):
        return f"{scheme}://{host}"
    return f"{scheme}://{host}:{port}"


def hosts_of(allowed: frozenset[str]) -> frozenset[str]:
    """The blog's own host names, for dropping self-referrals; without `www.`, as referrer
    hosts are kept."""
    hosts = (urlsplit(origin).hostname or "" for origin in allowed)
    return frozenset(normalise_host(host) for host in hosts)
