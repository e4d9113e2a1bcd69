"""What Viewcount is made of: tables, queues, functions and routes.

This is the single source of truth for names, keys, filter policies, batch settings,
function environments and table permissions. The CDK constructs build AWS resources
from it and the local stack builds moto resources and in-process triggers from it,
so the two cannot drift apart.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from viewcount_infra.config import DeploymentConfig

# ---- tables ----------------------------------------------------------------------


@dataclass(frozen=True)
class IndexSpec:
    name: str
    partition_key: str


@dataclass(frozen=True)
class TableSpec:
    key: str  # how code refers to the table
    logical_name: str  # the original project's name, kept in the physical name
    partition_key: str
    sort_key: str | None = None
    stream: bool = False  # NEW_IMAGE stream that feeds the push path
    ttl_attribute: str | None = None
    indexes: tuple[IndexSpec, ...] = ()

    def physical_name(self, config: DeploymentConfig) -> str:
        return f"{config.prefix}-{self.logical_name}"


CONNECTIONS = TableSpec(
    "connections", "Connections", "connectionId", ttl_attribute="expiresAt", indexes=(IndexSpec("byPage", "page"),)
)
POST_COUNTS = TableSpec("post_counts", "PostCountWriter", "articleId", stream=True)
PAGE_COUNTS = TableSpec("page_counts", "HomeAndProfile", "pageName", stream=True)
READER = TableSpec("reader", "PostCountReader", "pageKey")
REFERRERS = TableSpec("referrers", "Referrer", "pageKey", sort_key="referrerHost")
TABLES = (CONNECTIONS, POST_COUNTS, PAGE_COUNTS, READER, REFERRERS)

# ---- functions -------------------------------------------------------------------


@dataclass(frozen=True)
class FunctionSpec:
    name: str
    code: str  # folder under lambdas/ with handler.py
    description: str
    memory_mb: int
    timeout_seconds: int
    # table key -> the DynamoDB actions this function calls on it, and nothing more
    table_actions: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    publishes_views: bool = False
    posts_to_connections: bool = False
    needs_origins: bool = False
    needs_page_rules: bool = False

    def environment(
        self, config: DeploymentConfig, table_names: Mapping[str, str], topic_arn: str, ws_endpoint: str
    ) -> dict[str, str]:
        """The function's environment; values are CDK tokens in AWS and real names locally."""
        env = {
            "POWERTOOLS_SERVICE_NAME": f"viewcount-{self.name}",
            "POWERTOOLS_METRICS_NAMESPACE": f"Viewcount/{config.namespace}",
        }
        env_names = {
            "connections": "CONNECTIONS_TABLE",
            "post_counts": "POST_COUNTS_TABLE",
            "page_counts": "PAGE_COUNTS_TABLE",
            "reader": "READER_TABLE",
            "referrers": "REFERRER_TABLE",
        }
        for table in self.table_actions:
            env[env_names[table]] = table_names[table]
        if self.publishes_views:
            env["VIEWS_TOPIC_ARN"] = topic_arn
        if self.posts_to_connections:
            env["WS_ENDPOINT"] = ws_endpoint
        if self.needs_origins:
            env["ALLOWED_ORIGINS"] = config.client_origins
        if self.needs_page_rules:
            env.update(
                POST_PATH_MARKER=config.post_path_marker,
                HOME_PATHS=config.home_paths,
                ABOUT_PATH_MARKER=config.about_path_marker,
                CONTACT_PATH_MARKER=config.contact_path_marker,
            )
        return env


# Route functions answer a person waiting on a page: small, short timeouts.
CONNECT = FunctionSpec(
    "connect", "connect", "Admits the blog's origins and registers connections", 256, 5,
    table_actions={"connections": ("dynamodb:PutItem",)}, needs_origins=True,
)  # fmt: skip
DISCONNECT = FunctionSpec(
    "disconnect", "disconnect", "Forgets closed connections", 256, 5,
    table_actions={"connections": ("dynamodb:DeleteItem",)},
)  # fmt: skip
VIEWS = FunctionSpec(
    "views", "views", "Validates views and publishes them to the fan-out", 256, 5,
    table_actions={"connections": ("dynamodb:UpdateItem",)},
    publishes_views=True, posts_to_connections=True, needs_origins=True, needs_page_rules=True,
)  # fmt: skip
COUNTS = FunctionSpec(
    "counts", "counts", "Answers index pages with the counts of up to 100 articles", 256, 5,
    table_actions={"reader": ("dynamodb:BatchGetItem",)},
)  # fmt: skip
DEFAULT = FunctionSpec("default", "default", "Answers unknown frames with an error frame", 128, 3)
# Consumers work on batches of hundreds of views.
POST_VIEWS = FunctionSpec(
    "post_views", "post_views", "Counts post views, one update per article per batch", 256, 30,
    table_actions={"post_counts": ("dynamodb:UpdateItem",)},
)  # fmt: skip
HOME_VIEWS = FunctionSpec(
    "home_views", "page_views", "Counts home page views, one update per batch", 256, 30,
    table_actions={"page_counts": ("dynamodb:UpdateItem",)},
)  # fmt: skip
PROFILE_VIEWS = FunctionSpec(
    "profile_views", "page_views", "Counts about and contacts views, one update per page per batch", 256, 30,
    table_actions={"page_counts": ("dynamodb:UpdateItem",)},
)  # fmt: skip
REFERRER_COUNTS = FunctionSpec(
    "referrers", "referrers", "Counts views per page and referrer host", 256, 30,
    table_actions={"referrers": ("dynamodb:UpdateItem",)},
)  # fmt: skip
PUSH_COUNTS = FunctionSpec(
    "push_counts", "push_counts", "Copies counts to the reader table and pushes them to readers", 512, 60,
    table_actions={
        "reader": ("dynamodb:PutItem",),
        "connections": ("dynamodb:Query", "dynamodb:DeleteItem"),
    },
    posts_to_connections=True,
)  # fmt: skip
FUNCTIONS = (
    CONNECT,
    DISCONNECT,
    VIEWS,
    COUNTS,
    DEFAULT,
    POST_VIEWS,
    HOME_VIEWS,
    PROFILE_VIEWS,
    REFERRER_COUNTS,
    PUSH_COUNTS,
)

# ---- WebSocket routes --------------------------------------------------------------

ROUTE_SELECTION_EXPRESSION = "$request.body.message"


@dataclass(frozen=True)
class RouteSpec:
    route_key: str
    function: FunctionSpec
    # The function's answer goes back to the client as the route response.
    return_response: bool = False


ROUTES = (
    RouteSpec("$connect", CONNECT),
    RouteSpec("$disconnect", DISCONNECT),
    RouteSpec("views", VIEWS),
    RouteSpec("counts", COUNTS, return_response=True),
    RouteSpec("$default", DEFAULT, return_response=True),
)

# ---- fan-out: one topic, one filtered queue per consumer --------------------------

MAX_RECEIVE_COUNT = 5


@dataclass(frozen=True)
class QueueSpec:
    key: str
    consumer: FunctionSpec
    # SNS filter policy on message attributes: which views this queue receives.
    filter_policy: Mapping[str, tuple[str, ...]]

    def physical_name(self, config: DeploymentConfig) -> str:
        return f"{config.prefix}-{self.key}"

    def dlq_name(self, config: DeploymentConfig) -> str:
        return f"{config.prefix}-{self.key}-dlq"

    def visibility_timeout_seconds(self) -> int:
        # AWS's advice: at least 6x the function timeout, so a batch that is still being
        # worked on is not handed to a second invocation.
        return 6 * self.consumer.timeout_seconds


QUEUES = (
    QueueSpec("post-views", POST_VIEWS, {"event_type": ("post_view",)}),
    QueueSpec("home-views", HOME_VIEWS, {"event_type": ("homepage_view",)}),
    QueueSpec("profile-views", PROFILE_VIEWS, {"event_type": ("profile_view",)}),
    # Any page type, but only views that came from another site.
    QueueSpec("referrers", REFERRER_COUNTS, {"external_referrer": ("true",)}),
)


def topic_name(config: DeploymentConfig) -> str:
    return f"{config.prefix}-views"


# ---- the push path: writer table streams ------------------------------------------

STREAM_SOURCES = (POST_COUNTS, PAGE_COUNTS)
STREAM_CONSUMER = PUSH_COUNTS


def stream_dlq_name(config: DeploymentConfig) -> str:
    return f"{config.prefix}-push-failures"
