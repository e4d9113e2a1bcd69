"""Deployment settings per namespace, shared by the CDK app and the local stack.

Values come from the environment (a `.env` file is read by `load_dotenv`), with an
optional `<NAMESPACE>_` prefixed override for every setting, e.g. `PROD_SQS_BATCH_SIZE`.
`env.template` documents each one.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from viewcount.errors import RejectedFrame
from viewcount.origins import parse_allow_list
from viewcount.wire import validate_article_id

NAMESPACES = ("prod", "stage", "local")

# The client origin variable of each namespace (the original used these names, except
# STAGING_CLIENT_URL, which is still read for compatibility).
CLIENT_URL_VARIABLES = {
    "prod": ("PROD_CLIENT_URL",),
    "stage": ("STAGE_CLIENT_URL", "STAGING_CLIENT_URL"),
    "local": ("LOCAL_CLIENT_URL",),
}
LOG_RETENTION_CHOICES = (1, 3, 7, 14, 30, 90, 365)
# Who sets API Gateway's account-wide CloudWatch role: Viewcount's account stack, or the
# account's owner some other way (then ./deploy.sh leaves it alone).
LOGGING_ROLE_CHOICES = ("stack", "external")
MAX_ARTICLE_IDS_CHARS = 2500
DEFAULT_LOCAL_CLIENT_URL = "http://127.0.0.1:8000,http://localhost:8000"


class ConfigError(ValueError):
    """A setting that cannot be used; the CLI prints it and exits with status 2."""


@dataclass(frozen=True)
class DeploymentConfig:
    namespace: str
    client_origins: str
    post_path_marker: str = "/posts/"
    home_paths: str = "/"
    about_path_marker: str = "/pages/about"
    contact_path_marker: str = "/pages/contacts"
    sqs_batch_size: int = 100
    sqs_batch_window_seconds: int = 5
    consumer_max_concurrency: int = 2
    stream_batch_size: int = 100
    stream_batch_window_seconds: int = 1
    # -1: retry until it succeeds. Counting is exact only if no view is ever skipped, and the
    # records are the stack's own, so a batch that keeps failing is an outage to fix, not poison.
    stream_retry_attempts: int = -1
    throttle_rate_limit: int = 100
    throttle_burst_limit: int = 200
    # Per connection; API Gateway's stage throttling above limits the whole API.
    views_per_minute: int = 10
    # Views of one page one visitor counts a day; enforced by the view's one write.
    views_per_page_per_day: int = 50
    # Article id allow-list: a regex that ids must match in full, and/or a list of ids.
    article_id_pattern: str = ""
    article_ids: str = ""
    # Page allow-list: a regex that normalised paths must match in full (empty: every path).
    page_path_pattern: str = ""
    # Articles and paths a site may gain before new ones count in one `(other)` page.
    page_limit: int = 10_000
    # A page read by more than 7 others gets its readers' pushes coalesced: about one every
    # this minus 5 s to this (docs/readers.md). Lower: fresher counts, more push messages.
    push_interval_seconds: int = 20
    alarm_email: str = ""
    api_gateway_logging_role: str = "stack"
    # Local only: deployed functions carry the list fetched into their package.
    referrer_spam_file: str = ""
    log_retention_days: int = 30
    powertools_layer_version: int = 27

    @property
    def prefix(self) -> str:
        """Every physical name starts with this, so namespaces can share an account."""
        return f"viewcount-{self.namespace}"

    @property
    def is_production(self) -> bool:
        return self.namespace == "prod"

    @classmethod
    def load(cls, namespace: str | None, env: Mapping[str, str] = os.environ) -> DeploymentConfig:
        namespace = (namespace or env.get("NAMESPACE") or "").strip()
        if namespace not in NAMESPACES:
            raise ConfigError(
                f"namespace must be one of {', '.join(NAMESPACES)} (got {namespace!r}); "
                "pass -c namespace=NAME or set NAMESPACE in .env"
            )

        def setting(name: str, default: str) -> str:
            return env.get(f"{namespace.upper()}_{name}") or env.get(name) or default

        def number(name: str, default: int, low: int, high: int) -> int:
            raw = setting(name, str(default))
            try:
                value = int(raw)
            except ValueError:
                raise ConfigError(f"{name} must be a whole number (got {raw!r})") from None
            if not low <= value <= high:
                raise ConfigError(f"{name} must be between {low} and {high} (got {value})")
            return value

        def logging_role() -> str:
            choice = setting("API_GATEWAY_LOGGING_ROLE", cls.api_gateway_logging_role)
            if choice not in LOGGING_ROLE_CHOICES:
                raise ConfigError(
                    f"API_GATEWAY_LOGGING_ROLE must be one of {', '.join(LOGGING_ROLE_CHOICES)} (got {choice!r})"
                )
            return choice

        def retention() -> int:
            days = number("LOG_RETENTION_DAYS", 30 if namespace == "prod" else 7, 1, 365)
            if days not in LOG_RETENTION_CHOICES:
                raise ConfigError(f"LOG_RETENTION_DAYS must be one of {LOG_RETENTION_CHOICES} (got {days})")
            return days

        origins = next((env[v] for v in CLIENT_URL_VARIABLES[namespace] if env.get(v)), "")
        if namespace == "local" and not origins:
            origins = DEFAULT_LOCAL_CLIENT_URL
        if not origins:
            raise ConfigError(f"{CLIENT_URL_VARIABLES[namespace][0]} must name the blog's origin(s) for {namespace}")
        try:
            parse_allow_list(origins)
        except ValueError as error:
            raise ConfigError(f"{CLIENT_URL_VARIABLES[namespace][0]}: {error}") from None

        def pattern(name: str) -> str:
            pattern = setting(name, "")
            try:
                re.compile(pattern)
            except re.error as error:
                raise ConfigError(f"{name} is not a regular expression: {error}") from None
            return pattern

        def article_ids() -> str:
            ids = [i.strip() for i in setting("ARTICLE_IDS", "").split(",")]
            if path := setting("ARTICLE_IDS_FILE", ""):
                try:
                    lines = Path(path).read_text().splitlines()
                except OSError as error:
                    raise ConfigError(f"ARTICLE_IDS_FILE: {error}") from None
                ids += [line.strip() for line in lines if not line.strip().startswith("#")]
            ids = [i for i in ids if i]
            for article_id in ids:
                # An id no view could carry would never match: say so rather than ignore it.
                try:
                    validate_article_id(article_id, "an id in ARTICLE_IDS/ARTICLE_IDS_FILE")
                except RejectedFrame as error:
                    raise ConfigError(f"{error.detail} (got {article_id!r})") from None
            joined = ",".join(dict.fromkeys(ids))
            # The list travels in the function's environment, which Lambda caps at 4 KB in all.
            if len(joined) > MAX_ARTICLE_IDS_CHARS:
                raise ConfigError(
                    f"the article id list is {len(joined)} characters; at most {MAX_ARTICLE_IDS_CHARS} fit "
                    "in a function's environment: use ARTICLE_ID_PATTERN instead"
                )
            return joined

        def referrer_spam_file() -> str:
            # Deployed functions read the list bundled into their package (./deploy.sh fetches it).
            path = setting("REFERRER_SPAM_FILE", "") if local else ""
            if not path:
                return ""
            if not Path(path).is_file():
                raise ConfigError(f"REFERRER_SPAM_FILE names no file: {path}")
            return str(Path(path).resolve())

        # Local favours freshness over fewer invocations: without a window a view is counted
        # as soon as it is queued, which Lambda allows for batches of up to 10 (a larger
        # local batch gets the shortest window Lambda allows).
        local = namespace == "local"
        batch_size = number("SQS_BATCH_SIZE", 10 if local else 100, 1, 10_000)
        local_window = 0 if batch_size <= 10 else 1
        batch_window = number("SQS_BATCH_WINDOW_SECONDS", local_window if local else 5, 0, 300)
        if batch_size > 10 and batch_window < 1:
            raise ConfigError(
                f"SQS_BATCH_SIZE of {batch_size} needs SQS_BATCH_WINDOW_SECONDS of at least 1: "
                "Lambda takes batches above 10 messages only with a batching window"
            )
        return cls(
            namespace=namespace,
            client_origins=origins,
            post_path_marker=setting("POST_PATH_MARKER", cls.post_path_marker),
            home_paths=setting("HOME_PATHS", cls.home_paths),
            about_path_marker=setting("ABOUT_PATH_MARKER", cls.about_path_marker),
            contact_path_marker=setting("CONTACT_PATH_MARKER", cls.contact_path_marker),
            sqs_batch_size=batch_size,
            sqs_batch_window_seconds=batch_window,
            consumer_max_concurrency=number("CONSUMER_MAX_CONCURRENCY", 2, 2, 1000),
            stream_batch_size=number("STREAM_BATCH_SIZE", 100, 1, 10_000),
            stream_batch_window_seconds=number("STREAM_BATCH_WINDOW_SECONDS", 0 if local else 1, 0, 300),
            stream_retry_attempts=number("STREAM_RETRY_ATTEMPTS", cls.stream_retry_attempts, -1, 10_000),
            throttle_rate_limit=number("THROTTLE_RATE_LIMIT", 100, 1, 10_000),
            throttle_burst_limit=number("THROTTLE_BURST_LIMIT", 200, 1, 5_000),
            views_per_minute=number("VIEWS_PER_MINUTE", cls.views_per_minute, 1, 600),
            views_per_page_per_day=number("VIEWS_PER_PAGE_PER_DAY", cls.views_per_page_per_day, 1, 10_000),
            article_id_pattern=pattern("ARTICLE_ID_PATTERN"),
            article_ids=article_ids(),
            page_path_pattern=pattern("PAGE_PATH_PATTERN"),
            page_limit=number("PAGE_LIMIT", cls.page_limit, 1, 1_000_000),
            push_interval_seconds=number("PUSH_INTERVAL_SECONDS", cls.push_interval_seconds, 1, 600),
            alarm_email=setting("ALARM_EMAIL", ""),
            api_gateway_logging_role=logging_role(),
            referrer_spam_file=referrer_spam_file(),
            log_retention_days=retention(),
            powertools_layer_version=number("POWERTOOLS_LAYER_VERSION", cls.powertools_layer_version, 1, 10_000),
        )


def load_dotenv(path: Path, env: dict[str, str]) -> None:
    """Add `KEY=value` lines of a `.env` file to `env`; variables already set win."""
    if not path.exists():
        return
    for line in path.read_text().splitlines():
        line = line.strip()
        if not line or line.startswith("#") or "=" not in line:
            continue
        key, _, value = line.partition("=")
        env.setdefault(key.strip(), value.strip().strip("'\""))
