"""What Viewcount is made of: tables, queues, functions and routes.

This is the single source of truth for names, keys, filter policies, batch settings,
function environments and table permissions. The CDK constructs build AWS resources
from it and the local stack builds moto resources and in-process triggers from it,
so the two cannot drift apart.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from viewcount.tables import access, history, page_counts, readers, salts, visitor_days
from viewcount_infra.config import DeploymentConfig

# ---- tables ----------------------------------------------------------------------


@dataclass(frozen=True)
class TableSpec:
    key: str  # how code refers to the table
    logical_name: str  # the original project's name, kept in the physical name
    partition_key: str
    sort_key: str | None = None
    stream: bool = False  # NEW_AND_OLD_IMAGES stream that feeds the counting function
    ttl_attribute: str | None = None
    # Point-in-time recovery keeps 35 days of a table's past. Tables whose items must be
    # gone within 48 h (salts, visitor records) have none: a backup would bring them back.
    backups: bool = True

    def physical_name(self, config: DeploymentConfig) -> str:
        return f"{config.prefix}-{self.logical_name}"


# One item per visitor and day (and one per view that has no visitor), written by the queue
# consumers: a view's one write, whose condition drops a redelivery, so the stream carries
# each view once. Gone within 48 h (PRIVACY.md), hence no backups.
VISITOR_DAYS = TableSpec(
    "visitor_days",
    "VisitorDays",
    visitor_days.PARTITION_KEY,
    stream=True,
    ttl_attribute=visitor_days.EXPIRES_AT,
    backups=False,
)
# Counts per page (`post#<id>`, `path#<path>`, `page#<name>`) and for the whole site
# (`site`). A page's item also holds its views per referrer host and campaign and, per stream
# shard, the position it has counted up to.
COUNTS = TableSpec("counts", "PageCounts", page_counts.PARTITION_KEY)
# Which page each open connection reads: one entry per counting batch. Connection ids end
# with their connection (2 h at most), hence no backups.
READERS = TableSpec(
    "readers", "Readers", readers.PARTITION_KEY, sort_key=readers.SORT_KEY, ttl_attribute=readers.EXPIRES_AT,
    backups=False,
)  # fmt: skip
# One random salt per site and day for the visitor keys; deleted after 48 h (PRIVACY.md).
SALTS = TableSpec("salts", "Salts", salts.PARTITION_KEY, ttl_attribute=salts.EXPIRES_AT, backups=False)
# Each site's days, per page and for the site, and its pages index: a day's counts move here
# from the counters once the day is over. Kept 801 days; it holds no visitor data, so it has
# backups like the counts.
HISTORY = TableSpec(
    "history", "History", history.PARTITION_KEY, sort_key=history.SORT_KEY, ttl_attribute=history.EXPIRES_AT
)
# Share links of the dashboard, its single-use tickets and wrong-key counts (hashes only).
# Tickets and counts last minutes; a lost share link is made again: no backups.
ACCESS = TableSpec(
    "access", "Access", access.PARTITION_KEY, sort_key=access.SORT_KEY, ttl_attribute=access.EXPIRES_AT, backups=False
)
TABLES = (VISITOR_DAYS, COUNTS, READERS, SALTS, HISTORY, ACCESS)
# The new image is the view; the old one tells whether its page and the site were new to the visitor that day.
STREAM_VIEW_TYPE = "NEW_AND_OLD_IMAGES"
TABLE_ENVIRONMENT = {
    "visitor_days": "VISITOR_DAYS_TABLE",
    "counts": "COUNTS_TABLE",
    "readers": "READERS_TABLE",
    "salts": "SALTS_TABLE",
    "history": "HISTORY_TABLE",
    "access": "ACCESS_TABLE",
}

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
    # table key -> the only partition key prefixes the function may touch there; `{site}`
    # stands for each site's id
    key_prefixes: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    publishes_views: bool = False
    posts_to_connections: bool = False
    # The sites file (viewcount.sites): origins, days, page rules, caps and allow-lists.
    needs_sites: bool = False
    needs_view_rules: bool = False  # visitor keys, rate limit, referrer spam
    requests_pushes: bool = False  # sends coalesced push requests
    reads_owner_key: bool = False  # the dashboard's owner key, from its secret
    knows_dashboard: bool = False  # the dashboard's origins: not a site's, and never counted

    def deployed_name(self, prefix: str) -> str:
        """Its function's name under a namespace's prefix (`viewcount-prod-count-views`), in
        AWS and in the local stack alike; its log group is `/aws/lambda/<this>`."""
        return f"{prefix}-{self.name.replace('_', '-')}"

    def environment(
        self,
        config: DeploymentConfig,
        table_names: Mapping[str, str],
        topic_arn: str,
        ws_endpoint: str,
        push_queue_url: str = "",
        sites_file: str = "",
        *,
        owner_key_secret: str = "",
        dashboard_origins: str = "",
    ) -> dict[str, str]:
        """The function's environment; values are CDK tokens in AWS and real names locally.
        `sites_file` is where the function finds the sites: in its layer in AWS;
        `owner_key_secret` the ARN of the owner key's secret; `dashboard_origins` the
        dashboard's origins, comma-separated."""
        env = {
            "POWERTOOLS_SERVICE_NAME": f"viewcount-{self.name}",
            "POWERTOOLS_METRICS_NAMESPACE": f"Viewcount/{config.namespace}",
        }
        for table in self.table_actions:
            env[TABLE_ENVIRONMENT[table]] = table_names[table]
        if self.publishes_views:
            env["VIEWS_TOPIC_ARN"] = topic_arn
        if self.posts_to_connections:
            env["WS_ENDPOINT"] = ws_endpoint
        if self.needs_sites:
            env["SITES_FILE"] = sites_file
        if self.needs_view_rules:
            env.update(DEPLOYMENT=config.prefix, VIEWS_PER_MINUTE=str(config.views_per_minute))
            if config.referrer_spam_file:
                env["REFERRER_SPAM_FILE"] = config.referrer_spam_file
        if self.requests_pushes:
            env.update(PUSH_QUEUE_URL=push_queue_url, PUSH_INTERVAL_SECONDS=str(config.push_interval_seconds))
        if self.reads_owner_key:
            env["OWNER_KEY_SECRET_ARN"] = owner_key_secret
        if self.knows_dashboard:
            env["DASHBOARD_ORIGINS"] = dashboard_origins
        return env


# Route functions answer a person waiting on a page: small, short timeouts.
# The `$connect` authorizer: it sees the handshake's headers, which no later event carries.
CONNECT = FunctionSpec(
    "connect", "connect", "Admits the sites' own origins and judges the reader's browser", 256, 5,
    # A dashboard's connection comes with a ticket, which it takes (deletes): nothing else.
    table_actions={"access": ("dynamodb:DeleteItem",)}, key_prefixes={"access": (access.TICKET_PREFIX,)},
    needs_sites=True, knows_dashboard=True,
)  # fmt: skip
VIEWS = FunctionSpec(
    "views", "views", "Validates views, limits their rate, keys visitors and publishes views", 256, 5,
    table_actions={
        "salts": ("dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:DeleteItem"),
        # Only the sites' days' bot counts (`<site>#bots#...`): see `key_prefixes`.
        "counts": ("dynamodb:UpdateItem",),
    },
    key_prefixes={"counts": (page_counts.bots_key("{site}", ""),)},
    publishes_views=True, posts_to_connections=True, needs_sites=True, needs_view_rules=True,
)  # fmt: skip
COUNTS_ROUTE = FunctionSpec(
    "counts", "counts", "Answers index pages with the counts of up to 100 articles and paths", 256, 5,
    table_actions={"counts": ("dynamodb:BatchGetItem",)}, needs_sites=True,
)  # fmt: skip
DEFAULT = FunctionSpec("default", "default", "Answers unknown frames with an error frame", 128, 3)
# The HTTP API, for pages whose WebSocket is blocked: the same checks and publish as `views`
# (without the management API: it answers in its response), and the same reads as `counts`.
HTTP_VIEWS = FunctionSpec(
    "http_views", "http_views", "Checks and publishes views sent by beacon, where a WebSocket is blocked", 256, 5,
    table_actions=VIEWS.table_actions, key_prefixes=VIEWS.key_prefixes,
    publishes_views=True, needs_sites=True, needs_view_rules=True,
)  # fmt: skip
HTTP_COUNTS = FunctionSpec(
    "http_counts", "http_counts", "Answers GET /counts with the counts of pages and of the site", 256, 5,
    table_actions=COUNTS_ROUTE.table_actions, needs_sites=True,
)  # fmt: skip
# The dashboard: its stats API (reads of the history, never a Scan; tickets; wrong-key counts),
# the public counter of the sites that opt in, and the `watch` route of its live numbers.
DASHBOARD_API = FunctionSpec(
    "dashboard_api", "dashboard_api", "Answers the dashboard's stats API for the owner and share links", 512, 20,
    table_actions={
        "counts": ("dynamodb:BatchGetItem",),
        "history": ("dynamodb:Query", "dynamodb:BatchGetItem"),
        "access": ("dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem"),
    },
    needs_sites=True, reads_owner_key=True, knows_dashboard=True,
)  # fmt: skip
PUBLIC_COUNTER = FunctionSpec(
    "public_counter", "public_counter", "Answers the public counter and badge of the sites that opt in", 256, 5,
    table_actions={"counts": ("dynamodb:BatchGetItem",)}, needs_sites=True,
)  # fmt: skip
WATCH = FunctionSpec(
    "watch", "watch", "Logs a dashboard's connection as its site's watcher and answers its live numbers", 256, 10,
    table_actions={"counts": ("dynamodb:BatchGetItem",), "readers": ("dynamodb:PutItem", "dynamodb:Query")},
    needs_sites=True,
)  # fmt: skip
# Consumers work on batches of hundreds of views. The queue consumers share their code.
_RECORD = {"visitor_days": ("dynamodb:UpdateItem", "dynamodb:PutItem")}
RECORD_POST_VIEWS = FunctionSpec(
    "post_views",
    "record_views",
    "Records post views, one write per view",
    256,
    30,
    table_actions=_RECORD,
    needs_sites=True,
)
RECORD_HOME_VIEWS = FunctionSpec(
    "home_views",
    "record_views",
    "Records home page views, one write per view",
    256,
    30,
    table_actions=_RECORD,
    needs_sites=True,
)
RECORD_PROFILE_VIEWS = FunctionSpec(
    "profile_views",
    "record_views",
    "Records about and contacts views, one write per view",
    256,
    30,
    table_actions=_RECORD,
    needs_sites=True,
)
RECORD_PAGE_VIEWS = FunctionSpec(
    "page_views",
    "record_views",
    "Records views of every other path, one write per view",
    256,
    30,
    table_actions=_RECORD,
    needs_sites=True,
)
_READER_LOG = ("dynamodb:PutItem", "dynamodb:Query")
COUNT_VIEWS = FunctionSpec(
    "count_views", "count_views", "Counts logged views exactly once and pushes the counts to readers", 512, 60,
    table_actions={
        "counts": ("dynamodb:UpdateItem", "dynamodb:GetItem"),
        "readers": _READER_LOG,
        # Moves finished days here and lists new pages; never reads.
        "history": ("dynamodb:UpdateItem", "dynamodb:PutItem"),
    },
    posts_to_connections=True, needs_sites=True, requests_pushes=True,
)  # fmt: skip
# Busy pages' coalesced pushes, out of the counting path: a crowd's fan-out never holds a shard.
PUSH_READERS = FunctionSpec(
    "push_readers", "push_readers", "Pushes a busy page's counts to all its readers, once per interval", 512, 60,
    table_actions={"counts": ("dynamodb:BatchGetItem",), "readers": _READER_LOG},
    posts_to_connections=True,
)  # fmt: skip
FUNCTIONS = (
    CONNECT,
    VIEWS,
    COUNTS_ROUTE,
    DEFAULT,
    RECORD_POST_VIEWS,
    RECORD_HOME_VIEWS,
    RECORD_PROFILE_VIEWS,
    RECORD_PAGE_VIEWS,
    COUNT_VIEWS,
    PUSH_READERS,
    HTTP_VIEWS,
    HTTP_COUNTS,
    DASHBOARD_API,
    PUBLIC_COUNTER,
    WATCH,
)

# ---- WebSocket routes --------------------------------------------------------------

ROUTE_SELECTION_EXPRESSION = "$request.body.message"


@dataclass(frozen=True)
class RouteSpec:
    route_key: str
    function: FunctionSpec | None  # None: a mock integration that admits (`$connect` only)
    # The function's answer goes back to the client as the route response.
    return_response: bool = False
    # A Lambda REQUEST authorizer (`$connect` only). The context it returns rides on every
    # later event of the connection, which is how the handshake's headers reach `views`.
    authorizer: FunctionSpec | None = None


# API Gateway refuses a handshake without this header (401) before invoking the authorizer.
AUTHORIZER_IDENTITY_HEADER = "Origin"

ROUTES = (
    # No `$disconnect` route: forgetting a connection would cost a write per view. A reader
    # who left is found by the next push to its page, and its entry expires with the 2 h limit.
    # `$connect` needs no function of its own: the authorizer decides, the mock admits.
    RouteSpec("$connect", None, authorizer=CONNECT),
    RouteSpec("views", VIEWS),
    RouteSpec("counts", COUNTS_ROUTE, return_response=True),
    # A dashboard's connection (let in by a ticket) asks for its site's live numbers.
    RouteSpec("watch", WATCH, return_response=True),
    RouteSpec("$default", DEFAULT, return_response=True),
)

# ---- HTTP API routes -----------------------------------------------------------------


@dataclass(frozen=True)
class HttpRouteSpec:
    method: str
    path: str
    function: FunctionSpec
    # Requests per second (steady, burst) for this route, below the stage's; None: the stage's.
    throttle: tuple[int, int] | None = None

    @property
    def route_key(self) -> str:
        return f"{self.method} {self.path}"


# The HTTP API's `$default` stage: a route's URL is the API's endpoint plus its path.
HTTP_ROUTES = (
    # A beacon (`navigator.sendBeacon`, text/plain): a CORS-safelisted request, no preflight.
    HttpRouteSpec("POST", "/views", HTTP_VIEWS),
    HttpRouteSpec("GET", "/counts", HTTP_COUNTS),
    # The dashboard's API: a person's dashboard makes a few requests a minute.
    HttpRouteSpec("GET", "/dashboard/sites", DASHBOARD_API, throttle=(5, 10)),
    HttpRouteSpec("GET", "/dashboard/stats", DASHBOARD_API, throttle=(5, 10)),
    HttpRouteSpec("POST", "/dashboard/tickets", DASHBOARD_API, throttle=(2, 5)),
    # Public counters are cached by whoever embeds them (Cache-Control), and bounded here.
    HttpRouteSpec("GET", "/public/counter", PUBLIC_COUNTER, throttle=(20, 50)),
    HttpRouteSpec("GET", "/public/badge", PUBLIC_COUNTER, throttle=(20, 50)),
)
# What API Gateway's CORS answers preflights with (the origins are the sites' and the
# dashboard's); the handlers name the request's own origin in their answers.
HTTP_CORS_METHODS = ("GET", "POST")
HTTP_CORS_HEADERS = ("content-type", "authorization")
HTTP_CORS_MAX_AGE_SECONDS = 3600

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
    QueueSpec("post-views", RECORD_POST_VIEWS, {"event_type": ("post_view",)}),
    QueueSpec("home-views", RECORD_HOME_VIEWS, {"event_type": ("homepage_view",)}),
    QueueSpec("profile-views", RECORD_PROFILE_VIEWS, {"event_type": ("profile_view",)}),
    QueueSpec("page-views", RECORD_PAGE_VIEWS, {"event_type": ("page_view",)}),
)


def topic_name(config: DeploymentConfig) -> str:
    return f"{config.prefix}-views"


# ---- counting and pushing: the visitor days' stream ----------------------------------

STREAM_SOURCES = (VISITOR_DAYS,)
STREAM_CONSUMER = COUNT_VIEWS
# A Lambda event filter pattern (its grammar is emulated by local_stack.event_filters).
# Every write of the table is a new view (a redelivery writes nothing): an INSERT (a
# visitor's first view of the day, or a view without a visitor) or a MODIFY (a later view),
# with the view's page in its new image. TTL deletions (REMOVE), and the key-only image moto
# streams before an item that an update creates, never reach the function.
STREAM_FILTER = {
    "eventName": ["INSERT", "MODIFY"],
    "dynamodb": {"NewImage": {visitor_days.PAGE_KEY: {"S": [{"exists": True}]}}},
}
# A tumbling window is what puts `shardId` into the event; the counters keep a position
# per shard. Its length only bounds the (unused) window state, so it is the maximum.
STREAM_TUMBLING_WINDOW_SECONDS = 900


# Coalesced push requests: sent by the counting function, delayed until due.
PUSH_REQUESTS = QueueSpec("push-requests", PUSH_READERS, {})


def stack_name(namespace: str) -> str:
    """The CloudFormation stack of a namespace (infra/app.py), whose outputs name its addresses."""
    return f"Viewcount-{namespace}"


def owner_key_secret_name(config: DeploymentConfig) -> str:
    """The dashboard's owner key: a secret of 40 random letters and digits."""
    return owner_key_secret_name_of(config.namespace)


def owner_key_secret_name_of(namespace: str) -> str:
    """The owner key's secret in that namespace (owner_key_secret_name, with no config at hand)."""
    return f"{DeploymentConfig.prefix_of(namespace)}-owner-key"


def stream_dlq_name(config: DeploymentConfig) -> str:
    return f"{config.prefix}-count-failures"
