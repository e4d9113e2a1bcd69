"""The WebSocket API: routes chosen by `message`, a throttled stage with access logs."""

from __future__ import annotations

import jsii
from aws_cdk import RemovalPolicy
from aws_cdk import aws_apigateway as apigw
from aws_cdk import aws_apigatewayv2 as apigwv2
from aws_cdk import aws_logs as logs
from aws_cdk.aws_apigatewayv2_authorizers import WebSocketLambdaAuthorizer
from aws_cdk.aws_apigatewayv2_integrations import WebSocketLambdaIntegration, WebSocketMockIntegration
from constructs import Construct

from viewcount_infra.config import DeploymentConfig
from viewcount_infra.constructs.domains import ApiDomain
from viewcount_infra.constructs.functions import ViewcountFunctions
from viewcount_infra.topology import AUTHORIZER_IDENTITY_HEADER, ROUTE_SELECTION_EXPRESSION, ROUTES, RouteSpec

# No IP addresses and no connection ids: access logs show traffic, not readers.
ACCESS_LOG_FORMAT = {
    "requestId": "$context.requestId",
    "time": "$context.requestTimeEpoch",
    "route": "$context.routeKey",
    "event": "$context.eventType",
    "status": "$context.status",
    "latency": "$context.integrationLatency",
    "error": "$context.error.messageString",
    "integrationError": "$context.integrationErrorMessage",
}


@jsii.implements(apigwv2.IAccessLogSettings)
class AccessLogSettings:
    """A stage's access log settings (`IAccessLogSettings` has no ready-made class), in the
    given JSON fields (the WebSocket stage's by default)."""

    def __init__(self, log_group: logs.ILogGroup, fields: dict[str, str] = ACCESS_LOG_FORMAT) -> None:
        self._log_group = log_group
        self._fields = fields

    @property
    def destination(self) -> apigwv2.IAccessLogDestination:
        return apigwv2.LogGroupLogDestination(self._log_group)

    @property
    def format(self) -> apigw.AccessLogFormat:
        return apigw.AccessLogFormat.custom(_json(self._fields))


def _json(fields: dict[str, str]) -> str:
    return "{" + ",".join(f'"{key}":"{value}"' for key, value in fields.items()) + "}"


def stage_access_logs(
    scope: Construct, config: DeploymentConfig, fields: dict[str, str] = ACCESS_LOG_FORMAT
) -> AccessLogSettings:
    """A stage's access logs in a log group of their own (`AccessLogs` in `scope`), kept a week;
    a production stage's group outlives the stack."""
    log_group = logs.LogGroup(
        scope,
        "AccessLogs",
        retention=logs.RetentionDays.ONE_WEEK,
        removal_policy=RemovalPolicy.RETAIN if config.is_production else RemovalPolicy.DESTROY,
    )
    return AccessLogSettings(log_group, fields)


class ViewcountWebSocketApi(Construct):
    def __init__(self, scope: Construct, construct_id: str, config: DeploymentConfig) -> None:
        super().__init__(scope, construct_id)
        self.api = apigwv2.WebSocketApi(
            self, "Api", api_name=config.prefix, route_selection_expression=ROUTE_SELECTION_EXPRESSION
        )
        self.stage = apigwv2.WebSocketStage(
            self,
            "Stage",
            web_socket_api=self.api,
            stage_name=config.namespace,
            auto_deploy=True,
            throttle=apigwv2.ThrottleSettings(
                rate_limit=config.throttle_rate_limit, burst_limit=config.throttle_burst_limit
            ),
            access_log_settings=stage_access_logs(self, config),
        )
        # API Gateway writes these logs with the account's CloudWatch role, which is one
        # setting per account and region: viewcount_infra.account_stack owns it.
        self.domain = (
            ApiDomain(self, "Domain", domain=config.ws_domain, api=self.api, stage=self.stage)
            if config.ws_domain
            else None
        )

    @property
    def url(self) -> str:
        """What clients connect to: the custom domain when there is one (its root is the
        stage), else the stage's own URL. Functions post to connections through the stage's
        callback URL either way."""
        return f"wss://{self.domain.name}" if self.domain else self.stage.url

    def add_routes(self, functions: ViewcountFunctions) -> None:
        for route in ROUTES:
            self.api.add_route(
                route.route_key,
                integration=self._integration(route, functions),
                authorizer=WebSocketLambdaAuthorizer(
                    f"{route.authorizer.name}-authorizer",
                    functions[route.authorizer],
                    identity_source=[f"route.request.header.{AUTHORIZER_IDENTITY_HEADER}"],
                )
                if route.authorizer
                else None,
                return_response=route.return_response,
            )

    @staticmethod
    def _integration(route: RouteSpec, functions: ViewcountFunctions) -> apigwv2.WebSocketRouteIntegration:
        if route.function is None:
            # The authorizer has decided; the mock admits without a second invocation.
            return WebSocketMockIntegration(
                f"{route.route_key}-admit",
                request_templates={"$default": '{"statusCode": 200}'},
                template_selection_expression="\\$default",
            )
        return WebSocketLambdaIntegration(f"{route.function.name}-integration", functions[route.function])
