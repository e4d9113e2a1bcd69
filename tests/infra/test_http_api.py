"""The HTTP API in the synthesized templates: its routes, their functions, CORS, the throttled
and logged `$default` stage with its per-route limits, and the `HttpApiUrl` output."""

from __future__ import annotations

import json

import pytest

from tests.infra.test_stack import function_for
from viewcount_infra.topology import HTTP_ROUTES


def http_api(synthesized) -> tuple[str, dict]:
    [(api_id, api)] = [
        (name, api)
        for name, api in synthesized.resources("AWS::ApiGatewayV2::Api").items()
        if api["Properties"]["ProtocolType"] == "HTTP"
    ]
    return api_id, api["Properties"]


def of_api(synthesized, kind: str, api_id: str) -> list[dict]:
    return [
        r["Properties"] for r in synthesized.resources(kind).values() if r["Properties"]["ApiId"] == {"Ref": api_id}
    ]


def test_each_http_route_goes_to_its_own_function(synth):
    t = synth("local")
    api_id, _ = http_api(t)
    routes = {route["RouteKey"]: route for route in of_api(t, "AWS::ApiGatewayV2::Route", api_id)}
    integrations = {
        name: r["Properties"]
        for name, r in t.resources("AWS::ApiGatewayV2::Integration").items()
        if r["Properties"]["ApiId"] == {"Ref": api_id}
    }

    assert set(routes) == {
        "POST /views", "GET /counts",
        "GET /dashboard/sites", "GET /dashboard/stats", "POST /dashboard/tickets",
        "GET /public/counter", "GET /public/badge",
    }  # fmt: skip
    for route_key, function in [(spec.route_key, spec.function.name) for spec in HTTP_ROUTES]:
        integration = integrations[routes[route_key]["Target"]["Fn::Join"][1][1]["Ref"]]
        logical_id, _ = function_for(t, function)
        assert integration["IntegrationType"] == "AWS_PROXY"
        assert integration["PayloadFormatVersion"] == "2.0"
        assert logical_id in json.dumps(integration["IntegrationUri"])


@pytest.mark.parametrize(
    ("namespace", "origins"),
    [
        ("prod", ["https://blog.example.com"]),
        ("stage", ["https://preview.blog.example.com", "https://stage.blog.example.com"]),
    ],
)
def test_cors_admits_only_the_sites_origins_and_the_dashboards(synth, namespace, origins):
    t = synth(namespace)
    _, api = http_api(t)
    [distribution_id] = t.resources("AWS::CloudFront::Distribution")

    cors = api["CorsConfiguration"]
    # The sites' (strings), then the dashboard's (CloudFront's domain, known at deploy).
    assert [o for o in cors["AllowOrigins"] if isinstance(o, str)] == origins
    assert [o for o in cors["AllowOrigins"] if not isinstance(o, str)] == [
        {"Fn::Join": ["", ["https://", {"Fn::GetAtt": [distribution_id, "DomainName"]}]]}
    ]
    assert sorted(cors["AllowMethods"]) == ["GET", "POST"]
    # The dashboard sends its key in this header; a beacon's text/plain needs no preflight.
    assert sorted(cors["AllowHeaders"]) == ["authorization", "content-type"]
    assert "AllowCredentials" not in cors or cors["AllowCredentials"] is False


def test_the_http_stage_is_throttled_and_logs_no_addresses(synth):
    t = synth("prod")
    api_id, _ = http_api(t)
    [stage] = of_api(t, "AWS::ApiGatewayV2::Stage", api_id)

    assert stage["StageName"] == "$default" and stage["AutoDeploy"] is True
    assert stage["DefaultRouteSettings"]["ThrottlingRateLimit"] == 100
    assert stage["DefaultRouteSettings"]["ThrottlingBurstLimit"] == 200
    log_format = json.loads(stage["AccessLogSettings"]["Format"])
    assert {"route", "status", "requestId"} <= set(log_format)
    for forbidden in ("sourceIp", "userAgent", "identity", "path", "rawQueryString"):
        assert not any(forbidden in value for value in log_format.values()), forbidden


def test_each_throttled_route_has_its_own_limits_on_the_stage(synth):
    t = synth("prod")
    api_id, _ = http_api(t)
    [stage] = [
        s for s in t.resources("AWS::ApiGatewayV2::Stage").values() if s["Properties"]["ApiId"] == {"Ref": api_id}
    ]
    routes = {
        r["Properties"]["RouteKey"]: n
        for n, r in t.resources("AWS::ApiGatewayV2::Route").items()
        if r["Properties"]["ApiId"] == {"Ref": api_id}
    }
    throttled = {spec.route_key: spec.throttle for spec in HTTP_ROUTES if spec.throttle}

    # The dashboard's routes and the public counters; the blogs' routes keep the stage's limits.
    assert set(throttled) == {
        "GET /dashboard/sites", "GET /dashboard/stats", "POST /dashboard/tickets", "GET /public/counter",
        "GET /public/badge",
    }  # fmt: skip
    assert stage["Properties"]["RouteSettings"] == {
        key: {"ThrottlingRateLimit": rate, "ThrottlingBurstLimit": burst} for key, (rate, burst) in throttled.items()
    }
    # API Gateway refuses settings for a route that does not exist yet.
    assert {routes[key] for key in throttled} <= set(stage["DependsOn"])


def test_the_stack_outputs_the_http_api_url(synth):
    outputs = synth("prod").template["Outputs"]
    api_id, _ = http_api(synth("prod"))

    assert outputs["HttpApiUrl"]["Value"] == {"Fn::GetAtt": [api_id, "ApiEndpoint"]}


def test_the_http_functions_never_reach_the_websocket_connections(synth):
    names = {spec.function.name for spec in HTTP_ROUTES}
    assert names == {"http_views", "http_counts", "dashboard_api", "public_counter"}
    for name in names:
        _, function = function_for(synth("prod"), name)
        assert "WS_ENDPOINT" not in function["Properties"]["Environment"]["Variables"]
