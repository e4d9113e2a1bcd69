"""The HTTP API: `POST /views` and `GET /counts` for pages whose WebSocket is blocked (corporate
proxies, privacy extensions). A throttled `$default` stage with access logs, CORS for the sites'
origins only."""

from __future__ import annotations

from aws_cdk import Duration
from aws_cdk import aws_apigatewayv2 as apigwv2
from aws_cdk.aws_apigatewayv2_integrations import HttpLambdaIntegration
from constructs import Construct

from viewcount_infra.config import DeploymentConfig
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
    def __init__(self, scope: Construct, construct_id: str, config: DeploymentConfig) -> None:
        super().__init__(scope, construct_id)
        self.api = apigwv2.HttpApi(
            self,
            "Api",
            api_name=f"{config.prefix}-http",
            # The stage below replaces the default one, to be throttled and logged.
            create_default_stage=False,
            # Preflights are answered by API Gateway, for the sites' origins only. A beacon
            # (text/plain) and a plain GET need none; a client that sends JSON as JSON does.
            cors_preflight=apigwv2.CorsPreflightOptions(
                allow_origins=sorted(config.sites.allowed_origins),
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

    @property
    def url(self) -> str:
        """The client's HTTP endpoint: routes are `<url>/views` and `<url>/counts`."""
        return self.api.api_endpoint

    def add_routes(self, functions: ViewcountFunctions) -> None:
        for route in HTTP_ROUTES:
            self.api.add_routes(
                path=route.path,
                methods=[apigwv2.HttpMethod[route.method]],
                integration=HttpLambdaIntegration(f"{route.function.name}-integration", functions[route.function]),
            )
