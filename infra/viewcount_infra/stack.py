"""The Viewcount stack, in pipeline order: read it as the table of contents."""

from __future__ import annotations

from pathlib import Path

from aws_cdk import CfnOutput, Stack
from constructs import Construct

from viewcount_infra.config import DeploymentConfig
from viewcount_infra.constructs.alarms import OperationsAlarms
from viewcount_infra.constructs.counters import CounterTables
from viewcount_infra.constructs.fanout import ViewFanout
from viewcount_infra.constructs.functions import ViewcountFunctions
from viewcount_infra.constructs.http_api import ViewcountHttpApi
from viewcount_infra.constructs.push import PushPath
from viewcount_infra.constructs.websocket_api import ViewcountWebSocketApi
from viewcount_infra.nag import acknowledge_findings
from viewcount_infra.topology import COUNT_VIEWS


class ViewcountStack(Stack):
    def __init__(
        self, scope: Construct, construct_id: str, *, config: DeploymentConfig, dist_dir: Path, **kwargs
    ) -> None:
        super().__init__(scope, construct_id, termination_protection=config.is_production, **kwargs)

        # Storage: the visitor days (with their stream), the counts, the readers, the salts.
        tables = CounterTables(self, "Counters", config)
        # Fan-out: every accepted view is published once and filtered to its queues.
        fanout = ViewFanout(self, "Fanout", config)
        # Entry: the WebSocket API that blogs connect to, and the HTTP API for pages whose
        # WebSocket is blocked (a beacon for the view, a GET for the counts).
        api = ViewcountWebSocketApi(self, "WebSocket", config)
        http_api = ViewcountHttpApi(self, "Http", config)
        # Push: the queue of busy pages' coalesced pushes, and where failed batches go.
        push = PushPath(self, "Push", config=config)
        # Functions, each with the permissions its spec names and nothing more.
        functions = ViewcountFunctions(
            self,
            "Functions",
            config=config,
            dist_dir=dist_dir,
            tables=tables,
            topic=fanout.topic,
            stage=api.stage,
            push_requests=push.requests,
        )
        api.add_routes(functions)
        http_api.add_routes(functions)
        fanout.attach_consumers(functions)
        # Counting and push: visitor days' stream -> exact counts -> the pages' readers.
        push.attach(functions, tables)
        # Operations: DLQ and error alarms.
        OperationsAlarms(
            self,
            "Alarms",
            config=config,
            dead_letter_queues={
                **fanout.dead_letter_queues,
                "count-failures": push.failures,
                "push-request-failures": push.request_failures,
            },
            functions=functions.functions,
            stream_consumer=functions[COUNT_VIEWS],
        )
        acknowledge_findings(self)
        CfnOutput(self, "WebSocketUrl", value=api.url, description="data-endpoint for the blog's script tag")
        CfnOutput(self, "HttpApiUrl", value=http_api.url, description="HTTP endpoint: POST /views and GET /counts")
