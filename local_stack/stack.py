"""Assemble the local stack: moto, the resources, the handlers, triggers and the gateway.

While it runs, its data directory also holds its outputs (`outputs.json`: `WebSocketUrl`,
`HttpApiUrl` and `DashboardUrl`, as the deployed stack's CloudFormation outputs name them;
written when it is ready, removed when it stops) and its functions' log lines at INFO
(`logs/<function name>.log`, local_stack.function_logs; emptied when it starts), which
`./smoke.sh --data-dir` reads.
"""

from __future__ import annotations

import asyncio
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from local_stack.faults import FaultPlan
from local_stack.function_logs import FunctionLogFiles
from local_stack.functions import REGION
from local_stack.gateway import Gateway, GatewayLimits
from local_stack.http_api import HttpApi
from local_stack.metering import Meter
from local_stack.resources import LocalResources, create_resources
from local_stack.triggers import SqsTrigger, StreamTrigger
from viewcount_infra.config import DeploymentConfig
from viewcount_infra.topology import PUSH_REQUESTS, QUEUES, STREAM_CONSUMER, STREAM_SOURCES

# The environment of aws-notes.md: fake credentials, one region, stream calls that moto
# intercepts. Set before any client exists.
AWS_ENVIRONMENT = {
    "AWS_ACCESS_KEY_ID": "local",
    "AWS_SECRET_ACCESS_KEY": "local",
    "AWS_SESSION_TOKEN": "local",
    "AWS_DEFAULT_REGION": REGION,
    "AWS_REGION": REGION,
    "AWS_ACCOUNT_ID_ENDPOINT_MODE": "disabled",
    # Metrics would print an EMF document per invocation; the local stack has no CloudWatch.
    "POWERTOOLS_METRICS_DISABLED": "true",
    "POWERTOOLS_LOG_LEVEL": "WARNING",
}


@contextmanager
def in_moto() -> Iterator[None]:
    """moto in this process, with the environment every client it serves needs."""
    os.environ.update(AWS_ENVIRONMENT)
    from moto import mock_aws

    with mock_aws():
        yield


@dataclass(frozen=True)
class LocalSite:
    """A site the local stack serves: its id, its folder of pages, and its own port (so its
    own origin); its time zone, where it has its own."""

    id: str
    folder: Path
    port: int
    time_zone: str | None = None


@dataclass
class LocalOptions:
    ws_port: int = 8080
    http_port: int = 8000
    # The HTTP API (POST /views, GET /counts); None: ws_port + 2, next to the management API.
    api_port: int | None = None
    # The dashboard's own server; None: ws_port + 3.
    dashboard_port: int | None = None
    host: str = "127.0.0.1"
    data_dir: Path = Path(".viewcount-local")
    reset: bool = False
    extra_origins: tuple[str, ...] = ()
    # The sites served; none: the demo blog as the one site, on `http_port`.
    sites: tuple[LocalSite, ...] = ()
    limits: GatewayLimits = field(default_factory=GatewayLimits)
    # Tests only: redeliver failed records sooner than the real 6x-timeout visibility.
    visibility_timeout_seconds: int | None = None

    @property
    def management_port(self) -> int:
        return self.ws_port + 1

    @property
    def http_api_port(self) -> int:
        return self.api_port if self.api_port is not None else self.ws_port + 2

    @property
    def dashboard_http_port(self) -> int:
        return self.dashboard_port if self.dashboard_port is not None else self.ws_port + 3

    @property
    def dashboard_origin(self) -> str:
        """The dashboard's origin: not a site's, so its connections never count views."""
        return f"http://{self.host}:{self.dashboard_http_port}"

    @property
    def served(self) -> tuple[LocalSite, ...]:
        from local_stack.site import DEMO_BLOG
        from viewcount.sites import DEFAULT_SITE_ID

        return self.sites or (LocalSite(DEFAULT_SITE_ID, DEMO_BLOG, self.http_port),)

    def site_entries(self) -> list[dict[str, object]]:
        """The sites as a SITES file would name them: each on its own origin. The first also
        has LOCAL_CLIENT_URL's origins and --origin's."""
        entries = []
        for position, site in enumerate(self.served):
            origins = [f"http://127.0.0.1:{site.port}", f"http://localhost:{site.port}"]
            if position == 0:
                origins += [o for o in os.environ.get("LOCAL_CLIENT_URL", "").split(",") if o.strip()]
                origins += self.extra_origins
            entry: dict[str, object] = {"id": site.id, "origins": list(dict.fromkeys(origins))}
            if site.time_zone:
                entry["time_zone"] = site.time_zone
            entries.append(entry)
        return entries


class LocalStack:
    def __init__(self, options: LocalOptions) -> None:
        os.environ.update(AWS_ENVIRONMENT)
        import boto3
        from moto import mock_aws

        self.options = options
        self.config = DeploymentConfig.load("local", os.environ, options.site_entries())
        self.faults = FaultPlan.parse(os.environ.get("VIEWCOUNT_FAULTS", ""), os.environ.get("VIEWCOUNT_FAULT_SEED"))
        meter_path = os.environ.get("VIEWCOUNT_METER")
        self.meter_path = Path(meter_path) if meter_path else None
        self.meter = Meter() if meter_path else None
        if self.meter:
            # Log and emit metrics as the functions do in AWS, so their log bytes are real.
            os.environ.update(POWERTOOLS_METRICS_DISABLED="false", POWERTOOLS_LOG_LEVEL="INFO")
            self.meter.capture_logs()
        # The handlers reach the gateway's management API over HTTP, as in AWS.
        self._mock = mock_aws(config={"core": {"passthrough": {"services": ["apigatewaymanagementapi"]}}})
        self._mock.start()
        from local_stack import moto_speedups

        moto_speedups.apply()
        if boto3.DEFAULT_SESSION is None:
            boto3.setup_default_session()
        moto_speedups.skip_signing(boto3.DEFAULT_SESSION)
        self.dynamodb = boto3.client("dynamodb")
        self.sqs = boto3.client("sqs")
        self.sns = boto3.client("sns")
        self.streams = boto3.client("dynamodbstreams")
        from local_stack import state

        if options.reset:
            # Only the saved tables: the directory also holds this stack's pid file.
            (options.data_dir / state.SNAPSHOT).unlink(missing_ok=True)
        self.resources: LocalResources = create_resources(
            self.config,
            self.dynamodb,
            self.sns,
            self.sqs,
            options.visibility_timeout_seconds,
            owner_key=state.owner_key(options.data_dir, make=True),
            dashboard_origins=options.dashboard_origin,
        )
        self.restored = state.restore(self.dynamodb, self.resources.table_names, options.data_dir)
        state.write_sites(options.data_dir, self.config.sites)
        from local_stack.functions import load_functions

        management = f"http://{options.host}:{options.management_port}/{self.config.namespace}"
        self.functions = load_functions(self.config, self.resources, management)
        self.gateway = Gateway(
            self.functions,
            stage=self.config.namespace,
            host=options.host,
            port=options.ws_port,
            management_port=options.management_port,
            limits=options.limits,
        )
        self.http_api = HttpApi(
            self.functions,
            host=options.host,
            port=options.http_api_port,
            allowed_origins=self.config.sites.allowed_origins | {options.dashboard_origin},
            stats=self.gateway.stats,
        )
        # Kept after a stop (outputs.json is not): ./admin.sh share-link runs on a stopped stack.
        state.write_dashboard_url(options.data_dir, self.outputs["DashboardUrl"])
        self.triggers: list[Any] = []
        for spec in (*QUEUES, PUSH_REQUESTS):
            url = self.resources.queue_urls[spec.key]
            arn = self.sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
            self.triggers.append(SqsTrigger(self.sqs, url, arn, self.functions[spec.consumer.name], self.config))
        for spec in STREAM_SOURCES:
            self.triggers.append(
                StreamTrigger(
                    self.streams,
                    self.sqs,
                    self.resources.stream_arns[spec.key],
                    self.functions[STREAM_CONSUMER.name],
                    self.config,
                    self.resources.count_failures_url,
                )
            )
        if self.faults.rates:
            self.faults.install(self.functions, self.triggers, self.sqs)
        if self.meter:
            self.meter.install(self.functions, self.sqs)
        self.function_logs = FunctionLogFiles(options.data_dir / state.LOGS)
        self._saver_stop = threading.Event()

    @property
    def outputs(self) -> dict[str, str]:
        """Its addresses, named as the deployed stack's CloudFormation outputs."""
        return {
            "WebSocketUrl": f"ws://{self.options.host}:{self.options.ws_port}",
            "HttpApiUrl": self.http_api.url,
            "DashboardUrl": f"{self.options.dashboard_origin}/",
        }

    def save(self) -> None:
        from local_stack import state

        state.save(self.dynamodb, self.resources.table_names, self.options.data_dir)

    def _save_periodically(self) -> None:
        from local_stack import state

        while not self._saver_stop.wait(state.SAVE_INTERVAL_SECONDS):
            try:
                self.save()
            except Exception as error:
                print(f"viewcount-local: saving state failed: {error!r}", flush=True)

    async def run(self, stop: asyncio.Event, ready: Any = None) -> None:
        from local_stack import state

        self.function_logs.install()
        for trigger in self.triggers:
            trigger.start()
        saver = threading.Thread(target=self._save_periodically, name="saver", daemon=True)
        saver.start()
        self.http_api.start()

        def serving() -> None:
            state.write_outputs(self.options.data_dir, self.outputs)
            if ready:
                ready()

        try:
            await self.gateway.serve(ready=serving, stop=stop)
        finally:
            state.remove_outputs(self.options.data_dir)
            self.http_api.stop()
            await asyncio.get_running_loop().run_in_executor(None, self.shutdown)

    def shutdown(self, drain_seconds: float = 2.0) -> None:
        """Let the triggers finish what is queued (briefly), stop them, and save."""
        deadline = threading.Event()
        timer = threading.Timer(drain_seconds, deadline.set)
        timer.start()
        while not deadline.is_set() and not all(t.idle.is_set() for t in self.triggers):
            deadline.wait(0.05)
        timer.cancel()
        for trigger in self.triggers:
            trigger.stop()
        for trigger in self.triggers:
            trigger.join(timeout=1)
        self._saver_stop.set()
        self.save()
        self.write_meter()
        self.function_logs.uninstall()
        self._mock.stop()

    def write_meter(self) -> None:
        if self.meter and self.meter_path:
            self.meter.write(self.meter_path, self.gateway.stats, faults_injected=self.faults.injected)
