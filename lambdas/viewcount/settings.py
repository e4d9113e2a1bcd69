"""Function settings, read once from the environment into a frozen dataclass.

The CDK stack and the local stack set the same variables from one definition
(`infra/viewcount_infra/topology.py`); logic receives values, never `os.environ`.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from viewcount.origins import hosts_of, parse_allow_list
from viewcount.pages import ArticleAllowList, PageRules
from viewcount.referrer_spam import load_spam_hosts

# API Gateway closes every connection after 2 h: a reader entry older than that is stale.
CONNECTION_LIFETIME_SECONDS = 2 * 3600


@dataclass(frozen=True)
class Settings:
    view_log_table: str = ""
    counts_table: str = ""
    salts_table: str = ""
    visits_table: str = ""
    view_rates_table: str = ""
    views_topic_arn: str = ""
    ws_endpoint: str | None = None
    allowed_origins: frozenset[str] = frozenset()
    page_rules: PageRules = field(default_factory=PageRules)
    # Part of every visitor key, so that one reader of two sites has two unrelated keys.
    site_id: str = ""
    views_per_minute: int = 10
    article_allow_list: ArticleAllowList = field(default_factory=ArticleAllowList)

    @cached_property
    def own_hosts(self) -> frozenset[str]:
        # Read on every view: parsed once per settings object, not per view.
        return hosts_of(self.allowed_origins)

    @classmethod
    def from_env(cls, env: Mapping[str, str] = os.environ) -> Settings:
        defaults = PageRules()
        return cls(
            view_log_table=env.get("VIEW_LOG_TABLE", ""),
            counts_table=env.get("COUNTS_TABLE", ""),
            salts_table=env.get("SALTS_TABLE", ""),
            visits_table=env.get("VISITS_TABLE", ""),
            view_rates_table=env.get("VIEW_RATES_TABLE", ""),
            views_topic_arn=env.get("VIEWS_TOPIC_ARN", ""),
            ws_endpoint=env.get("WS_ENDPOINT") or None,
            allowed_origins=parse_allow_list(env.get("ALLOWED_ORIGINS", "")),
            page_rules=PageRules.parse(
                post=env.get("POST_PATH_MARKER", defaults.post_marker),
                home=env.get("HOME_PATHS", ",".join(defaults.home_paths)),
                about=env.get("ABOUT_PATH_MARKER", defaults.about_marker),
                contact=env.get("CONTACT_PATH_MARKER", defaults.contact_marker),
            ),
            site_id=env.get("SITE_ID", ""),
            views_per_minute=int(env.get("VIEWS_PER_MINUTE", "10")),
            article_allow_list=ArticleAllowList.parse(env.get("ARTICLE_ID_PATTERN", ""), env.get("ARTICLE_IDS", "")),
        )


def referrer_spam_hosts(env: Mapping[str, str] = os.environ) -> frozenset[str]:
    """The referrer-spam list: REFERRER_SPAM_FILE if set (then it must exist), else the list
    bundled into the function package by tools/package_lambdas.py, else none."""
    configured = env.get("REFERRER_SPAM_FILE")
    if configured:
        return load_spam_hosts(Path(configured))
    bundled = Path(__file__).with_name("referrer-spam.txt")
    return load_spam_hosts(bundled) if bundled.exists() else frozenset()
