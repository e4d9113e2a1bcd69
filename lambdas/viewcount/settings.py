"""Each function's settings: read once from its environment at init, checked, then frozen.

A function gets only the variables its spec in `infra/viewcount_infra/topology.py` names,
and its settings class reads exactly those. A variable that is missing or malformed fails
the cold start with a SettingsError that names it, instead of the first call that needs it.
Logic receives these values, never `os.environ`.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Self

from viewcount.origins import normalise_origin
from viewcount.referrer_spam import load_spam_hosts
from viewcount.sites import SiteError, Sites

_SNS_TOPIC_ARN = re.compile(r"arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[\w-]+")
_SECRET_ARN = re.compile(r"arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:[\w/+=.@-]+")
_ENDPOINT = re.compile(r"https?://[^\s/]+(/\S*)?")


class SettingsError(ValueError):
    """A function's environment lacks a variable, or holds one that cannot be used."""


class FunctionEnvironment:
    """Reads a function's variables; every error names the variable and the function."""

    def __init__(self, env: Mapping[str, str], function: str) -> None:
        self._env = env
        self._function = function

    def error(self, name: str, problem: str) -> SettingsError:
        return SettingsError(f"{self._function}: {name} {problem}")

    def present(self, name: str) -> str:
        """A variable the spec always gives; it may be empty where empty means none."""
        if name not in self._env:
            raise self.error(name, "is not set: its spec in infra/viewcount_infra/topology.py must give it")
        return self._env[name]

    def text(self, name: str) -> str:
        value = self.present(name).strip()
        if not value:
            raise self.error(name, "is empty")
        return value

    def matching(self, name: str, pattern: re.Pattern[str], what: str) -> str:
        value = self.text(name)
        if not pattern.fullmatch(value):
            raise self.error(name, f"is not {what} (got {value!r})")
        return value

    def integer(self, name: str, low: int, high: int) -> int:
        raw = self.text(name)
        try:
            value = int(raw)
        except ValueError:
            raise self.error(name, f"must be a whole number (got {raw!r})") from None
        if not low <= value <= high:
            raise self.error(name, f"must be between {low} and {high} (got {value})")
        return value

    def sites(self, name: str = "SITES_FILE") -> Sites:
        """The deployment's sites, from the file the variable names (viewcount.sites)."""
        path = Path(self.text(name))
        try:
            return Sites.load(path)
        except OSError as error:
            raise self.error(name, f"names no readable sites file: {error}") from None
        except SiteError as error:
            raise self.error(name, f"names a file that is no list of sites: {error}") from None

    def origins(self, name: str = "DASHBOARD_ORIGINS") -> frozenset[str]:
        """Comma-separated origins, each normalised as a browser sends it; may be empty."""
        found = set()
        for entry in self.present(name).split(","):
            if entry.strip():
                origin = normalise_origin(entry.strip())
                if not origin:
                    raise self.error(name, f"holds {entry.strip()!r}, which is no origin (scheme://host[:port])")
                found.add(origin)
        return frozenset(found)

    def endpoint(self, name: str) -> str:
        return self.matching(name, _ENDPOINT, "an http(s) URL")

    def topic_arn(self, name: str) -> str:
        return self.matching(name, _SNS_TOPIC_ARN, "an SNS topic ARN")


@dataclass(frozen=True)
class ConnectSettings:
    sites: Sites  # their origins are admitted
    access_table: str  # the dashboard's tickets
    dashboard_origins: frozenset[str]  # admitted with a ticket only

    @classmethod
    def from_env(cls, env: Mapping[str, str] = os.environ) -> ConnectSettings:
        read = FunctionEnvironment(env, "connect")
        return cls(sites=read.sites(), access_table=read.text("ACCESS_TABLE"), dashboard_origins=read.origins())


@dataclass(frozen=True)
class AcceptViewSettings:
    """What accepting a view needs, on either way in (viewcount.use_cases.accept_view)."""

    counts_table: str
    salts_table: str
    views_topic_arn: str
    # Each site's origins, day, page rules and allow-lists.
    sites: Sites
    # Part of every visitor key with the site, so that one reader of two deployments has
    # two unrelated keys.
    deployment: str
    views_per_minute: int
    spam_hosts: frozenset[str]

    @classmethod
    def _read(cls, read: FunctionEnvironment, env: Mapping[str, str], **extra: str) -> Self:
        return cls(
            counts_table=read.text("COUNTS_TABLE"),
            salts_table=read.text("SALTS_TABLE"),
            views_topic_arn=read.topic_arn("VIEWS_TOPIC_ARN"),
            sites=read.sites(),
            deployment=read.text("DEPLOYMENT"),
            views_per_minute=read.integer("VIEWS_PER_MINUTE", 1, 600),
            spam_hosts=_spam_hosts(read, env.get("REFERRER_SPAM_FILE")),
            **extra,
        )


@dataclass(frozen=True)
class ViewsSettings(AcceptViewSettings):
    """The WebSocket `views` route: it also answers refusals over the connection."""

    ws_endpoint: str

    @classmethod
    def from_env(cls, env: Mapping[str, str] = os.environ) -> ViewsSettings:
        read = FunctionEnvironment(env, "views")
        return cls._read(read, env, ws_endpoint=read.endpoint("WS_ENDPOINT"))


@dataclass(frozen=True)
class HttpViewsSettings(AcceptViewSettings):
    """The HTTP API's `POST /views`: the same checks and publish; it answers in its response."""

    @classmethod
    def from_env(cls, env: Mapping[str, str] = os.environ) -> HttpViewsSettings:
        return cls._read(FunctionEnvironment(env, "http_views"), env)


@dataclass(frozen=True)
class CountsRouteSettings:
    counts_table: str
    sites: Sites  # a path is answered with the counter a view of it counts in, on its site

    @classmethod
    def from_env(cls, env: Mapping[str, str] = os.environ) -> Self:
        return cls._read(FunctionEnvironment(env, "counts"))

    @classmethod
    def _read(cls, read: FunctionEnvironment) -> Self:
        return cls(counts_table=read.text("COUNTS_TABLE"), sites=read.sites())


@dataclass(frozen=True)
class HttpCountsSettings(CountsRouteSettings):
    """The HTTP API's `GET /counts`: the same answer, and the site's totals."""

    @classmethod
    def from_env(cls, env: Mapping[str, str] = os.environ) -> Self:
        return cls._read(FunctionEnvironment(env, "http_counts"))


@dataclass(frozen=True)
class RecordViewsSettings:
    visitor_days_table: str
    # Each site's day, and its views of one page that one visitor counts a day (later ones
    # are dropped: a flood limit that costs no write of its own).
    sites: Sites

    @classmethod
    def from_env(cls, env: Mapping[str, str] = os.environ) -> RecordViewsSettings:
        read = FunctionEnvironment(env, "record_views")
        return cls(visitor_days_table=read.text("VISITOR_DAYS_TABLE"), sites=read.sites())


@dataclass(frozen=True)
class CountViewsSettings:
    counts_table: str
    readers_table: str
    history_table: str
    ws_endpoint: str
    # Each site's page limit (the views of pages past it are counted in one `(other)` page).
    sites: Sites
    # Where a busy page's coalesced pushes are requested, and how often a page gets one.
    push_queue_url: str
    push_interval_seconds: int

    @classmethod
    def from_env(cls, env: Mapping[str, str] = os.environ) -> CountViewsSettings:
        read = FunctionEnvironment(env, "count_views")
        return cls(
            counts_table=read.text("COUNTS_TABLE"),
            readers_table=read.text("READERS_TABLE"),
            history_table=read.text("HISTORY_TABLE"),
            ws_endpoint=read.endpoint("WS_ENDPOINT"),
            sites=read.sites(),
            push_queue_url=read.endpoint("PUSH_QUEUE_URL"),
            push_interval_seconds=read.integer("PUSH_INTERVAL_SECONDS", 1, 600),
        )


@dataclass(frozen=True)
class PushReadersSettings:
    counts_table: str
    readers_table: str
    ws_endpoint: str

    @classmethod
    def from_env(cls, env: Mapping[str, str] = os.environ) -> PushReadersSettings:
        read = FunctionEnvironment(env, "push_readers")
        return cls(
            counts_table=read.text("COUNTS_TABLE"),
            readers_table=read.text("READERS_TABLE"),
            ws_endpoint=read.endpoint("WS_ENDPOINT"),
        )


@dataclass(frozen=True)
class DashboardApiSettings:
    counts_table: str
    history_table: str
    access_table: str
    sites: Sites
    owner_key_secret_arn: str  # read once at init; the key itself is never in the environment
    dashboard_origins: frozenset[str]  # answered with CORS

    @classmethod
    def from_env(cls, env: Mapping[str, str] = os.environ) -> DashboardApiSettings:
        read = FunctionEnvironment(env, "dashboard_api")
        return cls(
            counts_table=read.text("COUNTS_TABLE"),
            history_table=read.text("HISTORY_TABLE"),
            access_table=read.text("ACCESS_TABLE"),
            sites=read.sites(),
            owner_key_secret_arn=read.matching("OWNER_KEY_SECRET_ARN", _SECRET_ARN, "a Secrets Manager secret ARN"),
            dashboard_origins=read.origins(),
        )


@dataclass(frozen=True)
class PublicCounterSettings(CountsRouteSettings):
    """The public counter and badge: a counter's totals, for the sites that opt in."""

    @classmethod
    def from_env(cls, env: Mapping[str, str] = os.environ) -> Self:
        return cls._read(FunctionEnvironment(env, "public_counter"))


@dataclass(frozen=True)
class WatchSettings:
    counts_table: str
    readers_table: str
    sites: Sites

    @classmethod
    def from_env(cls, env: Mapping[str, str] = os.environ) -> WatchSettings:
        read = FunctionEnvironment(env, "watch")
        return cls(counts_table=read.text("COUNTS_TABLE"), readers_table=read.text("READERS_TABLE"), sites=read.sites())


def _spam_hosts(read: FunctionEnvironment, configured: str | None) -> frozenset[str]:
    try:
        return referrer_spam_hosts(configured)
    except OSError as error:
        raise read.error("REFERRER_SPAM_FILE", f"names no readable list: {error}") from None


def referrer_spam_hosts(configured: str | None) -> frozenset[str]:
    """The referrer-spam list: the file `configured` names if any (then it must exist; the
    local stack's REFERRER_SPAM_FILE), else the list bundled into the function package by
    tools/package_lambdas.py, else none."""
    if configured:
        return load_spam_hosts(Path(configured))
    bundled = Path(__file__).with_name("referrer-spam.txt")
    return load_spam_hosts(bundled) if bundled.exists() else frozenset()
