"""The HTTP API in the synthesized templates: its two routes, their functions, CORS, the
throttled and logged `$default` stage, and the `HttpApiUrl` output."""

from __future__ import annotations

import json

import pytest

from tests.infra.test_stack import function_for


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


def test_the_http_api_routes_post_views_and_get_counts_to_their_own_functions(synth):
    t = synth("local")
    api_id, _ = http_api(t)
    routes = {route["RouteKey"]: route for route in of_api(t, "AWS::ApiGatewayV2::Route", api_id)}
    integrations = {
        name: r["Properties"]
        for name, r in t.resources("AWS::ApiGatewayV2::Integration").items()
        if r["Properties"]["ApiId"] == {"Ref": api_id}
    }

    assert set(routes) == {"POST /views", "GET /counts"}
    for route_key, function in (("POST /views", "http_views"), ("GET /counts", "http_counts")):
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
def test_cors_admits_only_the_sites_origins(synth, namespace, origins):
    _, api = http_api(synth(namespace))

    cors = api["CorsConfiguration"]
    assert sorted(cors["AllowOrigins"]) == origins
    assert sorted(cors["AllowMethods"]) == ["GET", "POST"]
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


def test_the_stack_outputs_the_http_api_url(synth):
    outputs = synth("prod").template["Outputs"]
    api_id, _ = http_api(synth("prod"))

    assert outputs["HttpApiUrl"]["Value"] == {"Fn::GetAtt": [api_id, "ApiEndpoint"]}


def test_the_http_functions_never_reach_the_websocket_connections(synth):
    for name in ("http_views", "http_counts"):
        _, function = function_for(synth("prod"), name)
        assert "WS_ENDPOINT" not in function["Properties"]["Environment"]["Variables"]
