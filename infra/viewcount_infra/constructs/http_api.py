"""The HTTP API: `POST /views` and `GET /counts` for pages whose WebSocket is blocked (corporate
proxies, privacy extensions), the dashboard's `/dashboard/*` API and the public counters. A
throttled `$default` stage with access logs and per-route limits, CORS for the sites' origins
and the dashboard's only, and an optional custom domain."""

from __future__ import annotations

from collections.abc import Sequence

from aws_cdk import Duration
from aws_cdk import aws_apigatewayv2 as apigwv2
from aws_cdk.aws_apigatewayv2_integrations import HttpLambdaIntegration
from constructs import Construct

from viewcount_infra.config import DeploymentConfig
from viewcount_infra.constructs.domains import ApiDomain
from viewcount_infra.constructs.functions import ViewcountFunctions
from viewcount_infra.constructs.websocket_api import stage_access_logs
from viewcount_infra.topology import HTTP_CORS_HEADERS, HTTP_CORS_MAX_AGE_SECONDS, HTTP_CORS_METHODS, HTTP_ROUTES

# No IP addresses, User-Agents or query strings (a query names pages): traffic, not readers.
ACCESS_LOG_FORMAT = {
    "requestId": "$context.requestId",
    "time": "$context.requestTimeEpoch",
    "route": "$context.routeKey",
    "status": "$context.status",
    "latency": "$context.integrationLatency",
    "responseLength": "$context.responseLength",
    "error": "$context.error.message",
    "integrationError": "$context.integrationErrorMessage",
}


class ViewcountHttpApi(Construct):
    def __init__(
        self, scope: Construct, construct_id: str, config: DeploymentConfig, *, dashboard_origins: Sequence[str]
    ) -> None:
        """`dashboard_origins`: where the dashboard is served from (tokens in AWS); it sends the
        key in a header, so its requests are preflighted."""
        super().__init__(scope, construct_id)
        self._config = config
        self.api = apigwv2.HttpApi(
            self,
            "Api",
            api_name=f"{config.prefix}-http",
            # The stage below replaces the default one, to be throttled and logged.
            create_default_stage=False,
            # Preflights are answered by API Gateway, for the sites' and the dashboard's origins
            # only. A beacon (text/plain) and a plain GET need none; a client that sends JSON as
            # JSON does, and so does the dashboard's `Authorization` header.
            cors_preflight=apigwv2.CorsPreflightOptions(
                allow_origins=[*sorted(config.sites.allowed_origins), *dashboard_origins],
                allow_methods=[apigwv2.CorsHttpMethod[method] for method in HTTP_CORS_METHODS],
                allow_headers=list(HTTP_CORS_HEADERS),
                max_age=Duration.seconds(HTTP_CORS_MAX_AGE_SECONDS),
            ),
        )
        self.stage = apigwv2.HttpStage(
            self,
            "Stage",
            http_api=self.api,
            stage_name="$default",
            auto_deploy=True,
            throttle=apigwv2.ThrottleSettings(
                rate_limit=config.throttle_rate_limit, burst_limit=config.throttle_burst_limit
            ),
            access_log_settings=stage_access_logs(self, config, ACCESS_LOG_FORMAT),
        )
        self.domain = (
            ApiDomain(self, "Domain", domain=config.http_domain, api=self.api, stage=self.stage)
            if config.http_domain
            else None
        )

    @property
    def url(self) -> str:
        """The client's HTTP endpoint (routes are `<url>/views`, `<url>/counts`...): the custom
        domain when there is one, else API Gateway's."""
        return f"https://{self.domain.name}" if self.domain else self.api.api_endpoint

    def add_routes(self, functions: ViewcountFunctions) -> None:
        route_settings = {}
        for spec in HTTP_ROUTES:
            [route] = self.api.add_routes(
                path=spec.path,
                methods=[apigwv2.HttpMethod[spec.method]],
                integration=HttpLambdaIntegration(f"{spec.function.name}-integration", functions[spec.function]),
            )
            if spec.throttle:
                route_settings[spec.route_key] = self._throttle(*spec.throttle)
                # API Gateway refuses settings for a route key that does not exist yet.
                self.stage.node.default_child.node.add_dependency(route)
        if route_settings:
            self.stage.node.default_child.route_settings = route_settings

    def _throttle(self, rate: int, burst: int) -> dict[str, int]:
        """A route's limits, never above the stage's: a route may only be stricter."""
        return {
            "ThrottlingRateLimit": min(rate, self._config.throttle_rate_limit),
            "ThrottlingBurstLimit": min(burst, self._config.throttle_burst_limit),
        }
