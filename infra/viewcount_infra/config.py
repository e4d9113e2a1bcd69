"""Deployment settings per namespace, shared by the CDK app and the local stack.

Values come from the environment (a `.env` file is read by `load_dotenv`), with an
optional `<NAMESPACE>_` prefixed override for every setting, e.g. `PROD_SQS_BATCH_SIZE`.
`env.template` documents each one.
"""

from __future__ import annotations

import math
import os
import re
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from viewcount.errors import RejectedFrame
from viewcount.pages import PageRules
from viewcount.sites import DEFAULT_SITE_ID, DEFAULT_TIME_ZONE, Site, SiteError, Sites, site_origins
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
DEFAULT_LOCAL_CLIENT_URL = "http://127.0.0.1:8000,http://localhost:8000"
# Optional custom domains: each setting names a host, and `<SETTING>` + `_CERTIFICATE_ARN`
# (e.g. DASHBOARD_CERTIFICATE_ARN) the ACM certificate that covers it.
CUSTOM_DOMAIN_SETTINGS = ("DASHBOARD_DOMAIN", "WS_DOMAIN", "HTTP_DOMAIN")
# A DNS host name, without scheme, port or path (RFC 1123 labels, a letter-only last label).
_HOST_NAME = re.compile(r"(?=.{1,253}$)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}")
_CERTIFICATE_ARN = re.compile(r"arn:aws[a-z-]*:acm:(?P<region>[a-z0-9-]+):\d{12}:certificate/[0-9a-f-]+")
# CloudFront takes its certificates from this region only, whatever the stack's region.
CLOUDFRONT_CERTIFICATE_REGION = "us-east-1"
# What a site of the SITES file may set; what it leaves out comes from the plain settings
# (PAGE_LIMIT, HOME_PATHS...), which a single-site deployment sets alone.
SITE_SETTINGS = (
    "id",
    "origins",
    "time_zone",
    "post_path_marker",
    "home_paths",
    "about_path_marker",
    "contact_path_marker",
    "page_limit",
    "views_per_page_per_day",
    "article_id_pattern",
    "article_ids",
    "page_path_pattern",
    "public_counter",
)


class ConfigError(ValueError):
    """A setting that cannot be used; the CLI prints it and exits with status 2."""


@dataclass(frozen=True)
class CustomDomain:
    """A host name the operator owns, served with an ACM certificate; the stack creates no DNS
    record for it (the blog's DNS may be anywhere): the operator points a CNAME at its target."""

    name: str
    certificate_arn: str


@dataclass(frozen=True)
class DeploymentConfig:
    namespace: str
    # The sites this deployment counts (SITES, or one site from the plain settings), each with
    # its origins, time zone, page rules, caps and allow-lists.
    sites: Sites
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
    # A page read by more than 7 others gets its readers' pushes coalesced: about one every
    # this minus 5 s to this (docs/readers.md). Lower: fresher counts, more push messages.
    push_interval_seconds: int = 20
    alarm_email: str = ""
    # An AWS Budgets cost budget of this many USD a month, alerting ALARM_EMAIL; None: no budget.
    budget_monthly_usd: float | None = None
    api_gateway_logging_role: str = "stack"
    # Local only: deployed functions carry the list fetched into their package.
    referrer_spam_file: str = ""
    log_retention_days: int = 30
    powertools_layer_version: int = 27
    # Optional custom domains (docs/deploying-the-dashboard.md); None: AWS's own domain.
    dashboard_domain: CustomDomain | None = None  # CloudFront: its certificate is in us-east-1
    ws_domain: CustomDomain | None = None  # API Gateway: certificates in the stack's region
    http_domain: CustomDomain | None = None

    @property
    def prefix(self) -> str:
        """Every physical name starts with this, so namespaces can share an account."""
        return self.prefix_of(self.namespace)

    @staticmethod
    def prefix_of(namespace: str) -> str:
        return f"viewcount-{namespace}"

    @property
    def is_production(self) -> bool:
        return self.namespace == "prod"

    @property
    def client_origins(self) -> str:
        """Every origin of every site, comma-separated."""
        return ",".join(sorted(self.sites.allowed_origins))

    @classmethod
    def load(
        cls,
        namespace: str | None,
        env: Mapping[str, str] = os.environ,
        site_entries: list[dict[str, Any]] | None = None,
    ) -> DeploymentConfig:
        """The namespace's settings from `env`; `site_entries` (as a SITES file's tables)
        replace SITES and the client URLs: the local stack names the sites it serves so."""
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

        def budget_monthly_usd(alarm_email: str) -> float | None:
            raw = setting("BUDGET_MONTHLY_USD", "").strip()
            if not raw:
                return None
            try:
                limit = float(raw)
            except ValueError:
                raise ConfigError(
                    f"BUDGET_MONTHLY_USD must be a number of US dollars such as 10 or 12.50, or empty for no "
                    f"budget (got {raw!r})"
                ) from None
            if not math.isfinite(limit) or limit <= 0:
                raise ConfigError(f"BUDGET_MONTHLY_USD must be more than 0, or empty for no budget (got {raw!r})")
            if not alarm_email:
                raise ConfigError(
                    f"BUDGET_MONTHLY_USD needs ALARM_EMAIL: the budget's alerts are e-mailed there, and a budget "
                    f"that tells no one guards nothing (set ALARM_EMAIL or {namespace.upper()}_ALARM_EMAIL, or "
                    "leave BUDGET_MONTHLY_USD empty)"
                )
            return limit

        def retention() -> int:
            days = number("LOG_RETENTION_DAYS", 30 if namespace == "prod" else 7, 1, 365)
            if days not in LOG_RETENTION_CHOICES:
                raise ConfigError(f"LOG_RETENTION_DAYS must be one of {LOG_RETENTION_CHOICES} (got {days})")
            return days

        def pattern(name: str) -> str:
            pattern = setting(name, "")
            try:
                re.compile(pattern)
            except re.error as error:
                raise ConfigError(f"{name} is not a regular expression: {error}") from None
            return pattern

        def article_ids() -> tuple[str, ...]:
            ids = [i.strip() for i in setting("ARTICLE_IDS", "").split(",")]
            if path := setting("ARTICLE_IDS_FILE", ""):
                try:
                    lines = Path(path).read_text().splitlines()
                except OSError as error:
                    raise ConfigError(f"ARTICLE_IDS_FILE: {error}") from None
                ids += [line.strip() for line in lines if not line.strip().startswith("#")]
            return valid_article_ids(ids, "ARTICLE_IDS/ARTICLE_IDS_FILE")

        def public_counter() -> bool:
            value = setting("PUBLIC_COUNTER", "false").lower()
            if value not in ("true", "false"):
                raise ConfigError(f"PUBLIC_COUNTER must be true or false (got {value!r})")
            return value == "true"

        def site_defaults() -> dict[str, Any]:
            """What every site has unless it says otherwise: the plain settings."""
            return {
                "time_zone": setting("TIME_ZONE", DEFAULT_TIME_ZONE),
                "post_path_marker": setting("POST_PATH_MARKER", "/posts/"),
                "home_paths": setting("HOME_PATHS", ""),
                "about_path_marker": setting("ABOUT_PATH_MARKER", "/pages/about"),
                "contact_path_marker": setting("CONTACT_PATH_MARKER", "/pages/contacts"),
                "page_limit": number("PAGE_LIMIT", 10_000, 1, 1_000_000),
                "views_per_page_per_day": number("VIEWS_PER_PAGE_PER_DAY", 50, 1, 10_000),
                "article_id_pattern": pattern("ARTICLE_ID_PATTERN"),
                "article_ids": article_ids(),
                "page_path_pattern": pattern("PAGE_PATH_PATTERN"),
                "public_counter": public_counter(),
            }

        def sites() -> Sites:
            defaults = site_defaults()
            if site_entries is not None:
                entries = site_entries
            elif sites_file := setting("SITES", ""):
                entries = read_sites_file(Path(sites_file))
            else:
                origins = next((env[v] for v in CLIENT_URL_VARIABLES[namespace] if env.get(v)), "")
                if namespace == "local" and not origins:
                    origins = DEFAULT_LOCAL_CLIENT_URL
                if not origins:
                    raise ConfigError(
                        f"{CLIENT_URL_VARIABLES[namespace][0]} must name the blog's origin(s) for {namespace} "
                        "(or SITES a file of sites)"
                    )
                entries = [{"id": setting("SITE_ID", DEFAULT_SITE_ID), "origins": origins.split(",")}]
            try:
                return Sites(tuple(site_of(entry, defaults, position) for position, entry in enumerate(entries, 1)))
            except SiteError as error:
                raise ConfigError(f"{error}") from None

        def referrer_spam_file() -> str:
            # Deployed functions read the list bundled into their package (./deploy.sh fetches it).
            path = setting("REFERRER_SPAM_FILE", "") if local else ""
            if not path:
                return ""
            if not Path(path).is_file():
                raise ConfigError(f"REFERRER_SPAM_FILE names no file: {path}")
            return str(Path(path).resolve())

        def custom_domain(name: str, certificate_region: str | None = None) -> CustomDomain | None:
            """`name` and its `_CERTIFICATE_ARN`, both or neither; `certificate_region` where the
            certificate must be (CloudFront's), else anywhere (API Gateway checks its own region)."""
            certificate_name = name.removesuffix("_DOMAIN") + "_CERTIFICATE_ARN"
            host = setting(name, "").strip().lower().removesuffix(".")
            certificate = setting(certificate_name, "").strip()
            if not host and not certificate:
                return None
            if not host or not certificate:
                raise ConfigError(
                    f"{name} and {certificate_name} go together: set both for a custom domain, or neither "
                    f"(got {name}={host!r}, {certificate_name}={certificate!r})"
                )
            if not _HOST_NAME.fullmatch(host):
                raise ConfigError(
                    f"{name} must be a host name such as stats.blog.example.com, without scheme, port or path "
                    f"(got {host!r})"
                )
            match = _CERTIFICATE_ARN.fullmatch(certificate)
            if not match:
                raise ConfigError(
                    f"{certificate_name} must be an ACM certificate ARN, "
                    f"arn:aws:acm:<region>:<account>:certificate/<id> (got {certificate!r})"
                )
            if certificate_region and match["region"] != certificate_region:
                raise ConfigError(
                    f"{certificate_name} must be a certificate in {certificate_region}, where CloudFront takes its "
                    f"certificates from, whatever the stack's region (got one in {match['region']})"
                )
            return CustomDomain(host, certificate)

        def custom_domains() -> dict[str, CustomDomain | None]:
            domains = {
                "dashboard_domain": custom_domain("DASHBOARD_DOMAIN", CLOUDFRONT_CERTIFICATE_REGION),
                "ws_domain": custom_domain("WS_DOMAIN"),
                "http_domain": custom_domain("HTTP_DOMAIN"),
            }
            names = [domain.name for domain in domains.values() if domain]
            if len(set(names)) < len(names):
                raise ConfigError(
                    f"{', '.join(CUSTOM_DOMAIN_SETTINGS)} must be different host names: each points at "
                    f"its own endpoint (got {', '.join(names)})"
                )
            return domains

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
        alarm_email = setting("ALARM_EMAIL", "")
        return cls(
            namespace=namespace,
            sqs_batch_size=batch_size,
            sqs_batch_window_seconds=batch_window,
            sites=sites(),
            consumer_max_concurrency=number("CONSUMER_MAX_CONCURRENCY", 2, 2, 1000),
            stream_batch_size=number("STREAM_BATCH_SIZE", 100, 1, 10_000),
            stream_batch_window_seconds=number("STREAM_BATCH_WINDOW_SECONDS", 0 if local else 1, 0, 300),
            stream_retry_attempts=number("STREAM_RETRY_ATTEMPTS", cls.stream_retry_attempts, -1, 10_000),
            throttle_rate_limit=number("THROTTLE_RATE_LIMIT", 100, 1, 10_000),
            throttle_burst_limit=number("THROTTLE_BURST_LIMIT", 200, 1, 5_000),
            views_per_minute=number("VIEWS_PER_MINUTE", cls.views_per_minute, 1, 600),
            push_interval_seconds=number("PUSH_INTERVAL_SECONDS", cls.push_interval_seconds, 1, 600),
            alarm_email=alarm_email,
            budget_monthly_usd=budget_monthly_usd(alarm_email),
            api_gateway_logging_role=logging_role(),
            referrer_spam_file=referrer_spam_file(),
            log_retention_days=retention(),
            powertools_layer_version=number("POWERTOOLS_LAYER_VERSION", cls.powertools_layer_version, 1, 10_000),
            **custom_domains(),
        )


def valid_article_ids(ids: list[str], where: str) -> tuple[str, ...]:
    """The ids, each once; an id no view could carry would never match: say so rather than ignore it."""
    ids = [i for i in ids if i]
    for article_id in ids:
        try:
            validate_article_id(article_id, f"an id in {where}")
        except RejectedFrame as error:
            raise ConfigError(f"{error.detail} (got {article_id!r})") from None
    return tuple(dict.fromkeys(ids))


def read_sites_file(path: Path) -> list[dict[str, Any]]:
    """The `[[sites]]` tables of a SITES file (TOML), as they are; `site_of` checks each."""
    try:
        document = tomllib.loads(path.read_text())
    except OSError as error:
        raise ConfigError(f"SITES: {error}") from None
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"SITES: {path} is not TOML: {error}") from None
    entries = document.get("sites")
    unknown = sorted(set(document) - {"sites"})
    if unknown:
        raise ConfigError(f"SITES: {path} may only hold [[sites]] tables (found {', '.join(unknown)})")
    if not isinstance(entries, list) or not entries or not all(isinstance(entry, dict) for entry in entries):
        raise ConfigError(f"SITES: {path} names no site: give each one a [[sites]] table with an id and origins")
    return entries


def site_of(entry: Mapping[str, Any], defaults: Mapping[str, Any], position: int) -> Site:
    """One site from its table in the SITES file (or from the plain settings), checked in full."""
    name = entry.get("id", f"number {position}")
    unknown = sorted(set(entry) - set(SITE_SETTINGS))
    if unknown:
        raise ConfigError(f"site {name}: unknown setting {', '.join(unknown)} (known: {', '.join(SITE_SETTINGS)})")
    if "id" not in entry or "origins" not in entry:
        raise ConfigError(f"site {name}: needs an id and origins")
    values = {**defaults, **entry}

    def typed(key: str, kind: type | tuple[type, ...], check: Callable[[Any], bool] = lambda _: True) -> Any:
        value = values[key]
        if not isinstance(value, kind) or isinstance(value, bool) or not check(value):
            raise ConfigError(f"site {name}: {key} cannot be {value!r}")
        return value

    def strings(key: str) -> list[str]:
        value = values[key]
        if isinstance(value, str):
            value = value.split(",")
        if isinstance(value, tuple):
            value = list(value)
        if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
            raise ConfigError(f"site {name}: {key} must be a list of strings (got {value!r})")
        return [item.strip() for item in value if item.strip()]

    try:
        origins = site_origins(strings("origins"))
    except ValueError as error:
        raise ConfigError(f"site {name}: origins: {error}") from None
    if not origins:
        raise ConfigError(f"site {name}: origins names no origin")
    for key in ("article_id_pattern", "page_path_pattern"):
        try:
            re.compile(typed(key, str))
        except re.error as error:
            raise ConfigError(f"site {name}: {key} is not a regular expression: {error}") from None
    public = values["public_counter"]
    if not isinstance(public, bool):
        raise ConfigError(f"site {name}: public_counter must be true or false (got {public!r})")
    # A site under a path prefix has its home there, unless it says where.
    homes = strings("home_paths") or list(dict.fromkeys(entry.prefix for entry in origins))
    rules = PageRules.parse(
        post=typed("post_path_marker", str, bool),
        home=",".join(homes),
        about=typed("about_path_marker", str, bool),
        contact=typed("contact_path_marker", str, bool),
    )
    try:
        return Site(
            id=typed("id", str),
            origins=origins,
            time_zone=typed("time_zone", str),
            page_rules=rules,
            page_limit=typed("page_limit", int, lambda n: 1 <= n <= 1_000_000),
            views_per_page_per_day=typed("views_per_page_per_day", int, lambda n: 1 <= n <= 10_000),
            article_id_pattern=values["article_id_pattern"],
            article_ids=valid_article_ids(strings("article_ids"), f"site {name}'s article_ids"),
            page_path_pattern=values["page_path_pattern"],
            public_counter=public,
        )
    except SiteError as error:
        raise ConfigError(str(error)) from None


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
