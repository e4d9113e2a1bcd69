"""Function settings, read once from the environment into a frozen dataclass.

The CDK stack and the local stack set the same variables from one definition
(`infra/viewcount_infra/topology.py`); logic receives values, never `os.environ`.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field

from viewcount.origins import hosts_of, parse_allow_list
from viewcount.pages import PageRules

# API Gateway closes every connection after 2 h: a reader entry older than that is stale.
CONNECTION_LIFETIME_SECONDS = 2 * 3600


@dataclass(frozen=True)
class Settings:
    view_log_table: str = ""
    counts_table: str = ""
    views_topic_arn: str = ""
    ws_endpoint: str | None = None
    allowed_origins: frozenset[str] = frozenset()
    page_rules: PageRules = field(default_factory=PageRules)

    @property
    def own_hosts(self) -> frozenset[str]:
        return hosts_of(self.allowed_origins)

    @classmethod
    def from_env(cls, env: Mapping[str, str] = os.environ) -> Settings:
        defaults = PageRules()
        return cls(
            view_log_table=env.get("VIEW_LOG_TABLE", ""),
            counts_table=env.get("COUNTS_TABLE", ""),
            views_topic_arn=env.get("VIEWS_TOPIC_ARN", ""),
            ws_endpoint=env.get("WS_ENDPOINT") or None,
            allowed_origins=parse_allow_list(env.get("ALLOWED_ORIGINS", "")),
            page_rules=PageRules.parse(
                post=env.get("POST_PATH_MARKER", defaults.post_marker),
                home=env.get("HOME_PATHS", ",".join(defaults.home_paths)),
                about=env.get("ABOUT_PATH_MARKER", defaults.about_marker),
                contact=env.get("CONTACT_PATH_MARKER", defaults.contact_marker),
            ),
        )
