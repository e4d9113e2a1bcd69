"""Assertions on the synthesized template: routes, fan-out, event sources, IAM, namespaces."""

from __future__ import annotations

import json

import pytest

from viewcount_infra.topology import FUNCTIONS, QUEUES, TABLES

NAMESPACES = ("prod", "stage", "local")


def viewcount_functions(synthesized) -> dict[str, dict]:
    """The topology's functions: each is named. CDK's own deploy-time handlers (the dashboard's
    BucketDeployment, the auto-delete of its bucket) are not, and are not ours to shape."""
    return {
        logical_id: f
        for logical_id, f in synthesized.resources("AWS::Lambda::Function").items()
        if "FunctionName" in f["Properties"]
    }


def function_for(synthesized, name: str) -> tuple[str, dict]:
    [(logical_id, function)] = [
        (logical_id, f)
        for logical_id, f in viewcount_functions(synthesized).items()
        if f["Properties"]["FunctionName"].split("-", 2)[2] == name.replace("_", "-")
    ]
    return logical_id, function


def websocket_resources(synthesized, kind: str) -> dict[str, dict]:
    """The WebSocket API's resources of a kind (the HTTP API has its own: test_http_api.py)."""
    [api_id] = [
        name
        for name, api in synthesized.resources("AWS::ApiGatewayV2::Api").items()
        if api["Properties"]["ProtocolType"] == "WEBSOCKET"
    ]
    return {name: r for name, r in synthesized.resources(kind).items() if r["Properties"]["ApiId"] == {"Ref": api_id}}


def test_routes_select_on_message(synth):
    t = synth("local")
    [api] = [
        a for a in t.resources("AWS::ApiGatewayV2::Api").values() if a["Properties"]["ProtocolType"] == "WEBSOCKET"
    ]
    assert api["Properties"]["RouteSelectionExpression"] == "$request.body.message"
    routes = {
        r["Properties"]["RouteKey"]: r["Properties"]
        for r in websocket_resources(t, "AWS::ApiGatewayV2::Route").values()
    }
    # No $disconnect route: it would cost an invocation and a write per connection.
    assert set(routes) == {"$connect", "views", "counts", "watch", "$default"}
    # A dashboard's `watch` is answered on its own connection, as `counts` is.
    for answered in ("counts", "watch", "$default"):
        assert routes[answered].get("RouteResponseSelectionExpression") == "$default", answered
    assert "RouteResponseSelectionExpression" not in routes["views"]


def test_connect_is_decided_by_the_authorizer_and_admitted_by_a_mock(synth):
    t = synth("local")
    routes = {
        r["Properties"]["RouteKey"]: r["Properties"]
        for r in websocket_resources(t, "AWS::ApiGatewayV2::Route").values()
    }
    [authorizer] = t.resources("AWS::ApiGatewayV2::Authorizer").values()
    assert authorizer["Properties"]["AuthorizerType"] == "REQUEST"
    assert authorizer["Properties"]["IdentitySource"] == ["route.request.header.Origin"]
    connect = routes["$connect"]
    assert connect["AuthorizationType"] == "CUSTOM"
    integration_id = connect["Target"]["Fn::Join"][1][1]["Ref"]
    integration = t.resources("AWS::ApiGatewayV2::Integration")[integration_id]["Properties"]
    # No second function on $connect: one invocation per connection, as before.
    assert integration["IntegrationType"] == "MOCK"
    assert integration["RequestTemplates"] == {"$default": '{"statusCode": 200}'}
    assert all(
        "AuthorizationType" not in r or r["AuthorizationType"] == "NONE" for k, r in routes.items() if k != "$connect"
    )


def test_stage_is_throttled_and_logged(synth):
    [stage] = websocket_resources(synth("prod"), "AWS::ApiGatewayV2::Stage").values()
    props = stage["Properties"]
    assert props["StageName"] == "prod"
    assert props["DefaultRouteSettings"]["ThrottlingRateLimit"] == 100
    assert props["DefaultRouteSettings"]["ThrottlingBurstLimit"] == 200
    log_format = json.loads(props["AccessLogSettings"]["Format"])
    assert "route" in log_format and "status" in log_format
    assert not any("sourceIp" in value or "connectionId" in value for value in log_format.values())


def test_each_queue_has_its_filter_policy_and_raw_delivery(synth):
    t = synth("local")
    subscriptions = [
        s["Properties"] for s in t.resources("AWS::SNS::Subscription").values() if s["Properties"]["Protocol"] == "sqs"
    ]
    assert len(subscriptions) == len(QUEUES)
    policies = sorted(json.dumps(s["FilterPolicy"], sort_keys=True) for s in subscriptions)
    assert policies == sorted(
        [
            '{"event_type": ["post_view"]}',
            '{"event_type": ["homepage_view"]}',
            '{"event_type": ["profile_view"]}',
            '{"event_type": ["page_view"]}',
        ]
    )
    assert all(s["RawMessageDelivery"] is True and s["Protocol"] == "sqs" for s in subscriptions)


def test_queues_are_encrypted_with_dlqs_and_long_visibility(synth):
    t = synth("local")
    queues = {q["Properties"]["QueueName"]: q["Properties"] for q in t.resources("AWS::SQS::Queue").values()}
    for spec in QUEUES:
        queue = queues[f"viewcount-local-{spec.key}"]
        assert queue["SqsManagedSseEnabled"] is True
        assert queue["RedrivePolicy"]["maxReceiveCount"] == 5
        assert queue["VisibilityTimeout"] >= 6 * spec.consumer.timeout_seconds
    policies = [p["Properties"]["PolicyDocument"]["Statement"] for p in t.resources("AWS::SQS::QueuePolicy").values()]
    assert any(
        s.get("Condition", {}).get("Bool", {}).get("aws:SecureTransport") == "false" for ss in policies for s in ss
    )


def sqs_mappings(template) -> list[dict]:
    mappings = [m["Properties"] for m in template.resources("AWS::Lambda::EventSourceMapping").values()]
    return [m for m in mappings if "ScalingConfig" in m]


def test_deployed_consumers_take_large_batches(synth):
    mappings = sqs_mappings(synth("prod"))
    assert len(mappings) == len(QUEUES)
    for mapping in mappings:
        assert (mapping["BatchSize"], mapping["MaximumBatchingWindowInSeconds"]) == (100, 5)


def test_local_consumers_take_each_view_at_once(synth):
    # Freshness over invocations; Lambda takes no window only for batches of up to 10.
    mappings = sqs_mappings(synth("local"))
    assert len(mappings) == len(QUEUES)
    for mapping in mappings:
        assert mapping["BatchSize"] <= 10
        assert mapping.get("MaximumBatchingWindowInSeconds", 0) == 0


def test_consumers_report_failures_and_cap_concurrency(synth):
    t = synth("local")
    mappings = [m["Properties"] for m in t.resources("AWS::Lambda::EventSourceMapping").values()]
    assert len(sqs_mappings(t)) == len(QUEUES)
    for mapping in sqs_mappings(t):
        assert mapping["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
        assert mapping["ScalingConfig"]["MaximumConcurrency"] >= 2
    [stream] = [m for m in mappings if "StartingPosition" in m]
    assert stream["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    assert "OnFailure" in stream["DestinationConfig"]
    # Only new view log items are views; the window is what names the shard in events.
    assert [json.loads(f["Pattern"]) for f in stream["FilterCriteria"]["Filters"]] == [
        {"eventName": ["INSERT", "MODIFY"], "dynamodb": {"NewImage": {"pageKey": {"S": [{"exists": True}]}}}}
    ]
    assert stream["TumblingWindowInSeconds"] == 900
    # Exact counts need every record counted: retry until it succeeds.
    assert stream["MaximumRetryAttempts"] == -1
    functions = t.resources("AWS::Lambda::Function").values()
    assert not any("ReservedConcurrentExecutions" in f["Properties"] for f in functions)


def test_functions_run_python_3_14_on_arm_with_the_powertools_layer(synth):
    functions = viewcount_functions(synth("local")).values()
    assert len(functions) == len(FUNCTIONS)
    for function in functions:
        props = function["Properties"]
        assert props["Runtime"] == "python3.14"
        assert props["Architectures"] == ["arm64"]
        assert "AWSLambdaPowertoolsPythonV3-python314-arm64" in json.dumps(props["Layers"])
        assert props["LoggingConfig"]["SystemLogLevel"] == "WARN"


def policy_statements(synthesized, function_name: str) -> list[dict]:
    _, function = function_for(synthesized, function_name)
    role_id = function["Properties"]["Role"]["Fn::GetAtt"][0]
    statements = []
    for policy in synthesized.resources("AWS::IAM::Policy").values():
        if {"Ref": role_id} in policy["Properties"]["Roles"]:
            statements += policy["Properties"]["PolicyDocument"]["Statement"]
    return statements


def actions_of(statements: list[dict]) -> set[str]:
    found = set()
    for statement in statements:
        actions = statement["Action"]
        found |= {actions} if isinstance(actions, str) else set(actions)
    return found


# What the SQS event source mapping needs on the function's own queue.
SQS_CONSUMER = {
    "sqs:ReceiveMessage", "sqs:ChangeMessageVisibility", "sqs:GetQueueUrl",
    "sqs:DeleteMessage", "sqs:GetQueueAttributes",
}  # fmt: skip

EXPECTED_ACTIONS = {
    # It takes (deletes) a dashboard's single-use ticket: see the LeadingKeys test below.
    "connect": {"dynamodb:DeleteItem"},
    "views": {
        "sns:Publish", "execute-api:ManageConnections", "dynamodb:GetItem", "dynamodb:PutItem",
        "dynamodb:DeleteItem", "dynamodb:UpdateItem",
    },
    "counts": {"dynamodb:BatchGetItem"},
    "default": set(),
    "post_views": {"dynamodb:UpdateItem", "dynamodb:PutItem", *SQS_CONSUMER},
    "home_views": {"dynamodb:UpdateItem", "dynamodb:PutItem", *SQS_CONSUMER},
    "profile_views": {"dynamodb:UpdateItem", "dynamodb:PutItem", *SQS_CONSUMER},
    "page_views": {"dynamodb:UpdateItem", "dynamodb:PutItem", *SQS_CONSUMER},
    "count_views": {
        "dynamodb:UpdateItem", "dynamodb:GetItem", "execute-api:ManageConnections",
        "dynamodb:ListStreams", "dynamodb:DescribeStream", "dynamodb:GetRecords", "dynamodb:GetShardIterator",
        "sqs:SendMessage", "sqs:GetQueueAttributes", "sqs:GetQueueUrl",
        # The Readers log.
        "dynamodb:PutItem", "dynamodb:Query",
    },
    "push_readers": {
        "dynamodb:BatchGetItem", "dynamodb:PutItem", "dynamodb:Query", "execute-api:ManageConnections",
        *SQS_CONSUMER,
    },
    # As `views`, but it answers in its response: no management API.
    "http_views": {"sns:Publish", "dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:DeleteItem", "dynamodb:UpdateItem"},
    "http_counts": {"dynamodb:BatchGetItem"},
    # The only reader of the owner key's secret.
    "dashboard_api": {
        "dynamodb:BatchGetItem", "dynamodb:Query", "dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem",
        "secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret",
    },
    "public_counter": {"dynamodb:BatchGetItem"},
    "watch": {"dynamodb:BatchGetItem", "dynamodb:PutItem", "dynamodb:Query"},
}  # fmt: skip


@pytest.mark.parametrize("spec", FUNCTIONS, ids=lambda spec: spec.name)
def test_each_function_gets_only_the_actions_it_uses(synth, spec):
    statements = policy_statements(synth("local"), spec.name)
    log_actions = {"logs:CreateLogStream", "logs:PutLogEvents"}

    assert actions_of(statements) - log_actions == EXPECTED_ACTIONS[spec.name]
    assert not any("*" in action for action in actions_of(statements))


@pytest.mark.parametrize("namespace", NAMESPACES)
def test_every_name_carries_the_namespace(synth, namespace):
    t = synth(namespace)
    names = [r["Properties"]["TableName"] for r in t.resources("AWS::DynamoDB::Table").values()]
    names += [r["Properties"]["QueueName"] for r in t.resources("AWS::SQS::Queue").values()]
    names += [r["Properties"]["TopicName"] for r in t.resources("AWS::SNS::Topic").values()]
    names += [r["Properties"]["FunctionName"] for r in viewcount_functions(t).values()]
    assert names and all(name.startswith(f"viewcount-{namespace}-") for name in names)


def test_prod_retains_its_tables_and_others_do_not(synth):
    for namespace, policy in (("prod", "Retain"), ("stage", "Delete"), ("local", "Delete")):
        tables = synth(namespace).resources("AWS::DynamoDB::Table").values()
        assert {t["DeletionPolicy"] for t in tables} == {policy}
        assert {t["Properties"].get("DeletionProtectionEnabled", False) for t in tables} == {namespace == "prod"}
        for table in tables:
            assert table["Properties"]["BillingMode"] == "PAY_PER_REQUEST"
            backups = next(
                spec.backups for spec in TABLES if table["Properties"]["TableName"].endswith(spec.logical_name)
            )
            assert table["Properties"]["PointInTimeRecoverySpecification"]["PointInTimeRecoveryEnabled"] is backups


def test_tables_that_must_forget_within_48_hours_have_no_backups_and_a_ttl(synth):
    tables = {
        t["Properties"]["TableName"]: t["Properties"] for t in synth("prod").resources("AWS::DynamoDB::Table").values()
    }

    for name in ("Salts", "VisitorDays", "Readers"):
        table = tables[f"viewcount-prod-{name}"]
        assert table["PointInTimeRecoverySpecification"]["PointInTimeRecoveryEnabled"] is False
        assert table["TimeToLiveSpecification"] == {"AttributeName": "expiresAt", "Enabled": True}
    # The stream's old image tells whether a page and the site were new to the visitor.
    assert tables["viewcount-prod-VisitorDays"]["StreamSpecification"] == {"StreamViewType": "NEW_AND_OLD_IMAGES"}


def test_the_history_keeps_801_days_with_backups_and_only_the_counting_function_writes_it(synth):
    t = synth("prod")
    [history] = [
        r["Properties"]
        for r in t.resources("AWS::DynamoDB::Table").values()
        if "History" in r["Properties"]["TableName"]
    ]
    assert [k["AttributeName"] for k in history["KeySchema"]] == ["siteDay", "key"]
    assert history["TimeToLiveSpecification"] == {"AttributeName": "expiresAt", "Enabled": True}
    assert history["PointInTimeRecoverySpecification"]["PointInTimeRecoveryEnabled"] is True
    logical_id = next(n for n, r in t.resources("AWS::DynamoDB::Table").items() if r["Properties"] is history)
    for spec in FUNCTIONS:
        on_history = [s for s in policy_statements(t, spec.name) if logical_id in json.dumps(s.get("Resource", ""))]
        # The counting function moves days in; the dashboard's API reads them, with no Scan.
        expected = {
            "count_views": [{"dynamodb:UpdateItem", "dynamodb:PutItem"}],
            "dashboard_api": [{"dynamodb:Query", "dynamodb:BatchGetItem"}],
        }.get(spec.name, [])
        assert [set(s["Action"]) for s in on_history] == expected, spec.name


@pytest.mark.parametrize("function", ["views", "http_views"])
def test_views_may_update_only_the_bot_counts_in_the_counts_table(synth, function):
    synthesized = synth("local")
    [statement] = [
        s
        for s in policy_statements(synthesized, function)
        if "dynamodb:UpdateItem" in s["Action"] and s.get("Condition")
    ]
    # The smoke test's site too: its bot views are tallied under its own keys.
    leading = ["blog#bots#*", "smoke#bots#*"]
    assert statement["Condition"] == {"ForAllValues:StringLike": {"dynamodb:LeadingKeys": leading}}
    assert "PageCounts" in json.dumps(statement["Resource"])


def sites_of(synthesized, namespace: str):
    """The sites file in the namespace's layer, as its asset holds it, and the functions the
    layer is given to."""
    from viewcount.sites import Sites

    # The one layer of ours (the dashboard's BucketDeployment brings CDK's AWS CLI layer).
    [(layer_id, layer)] = [
        (layer_id, layer)
        for layer_id, layer in synthesized.resources("AWS::Lambda::LayerVersion").items()
        if layer["Properties"].get("LayerName") == f"viewcount-{namespace}-sites"
    ]
    users = {
        f["Properties"]["FunctionName"].split("-", 2)[2]
        for f in viewcount_functions(synthesized).values()
        if {"Ref": layer_id} in f["Properties"]["Layers"]
    }
    asset = layer["Properties"]["Content"]["S3Key"].removesuffix(".zip")
    return Sites.load(synthesized.assembly / f"asset.{asset}" / "viewcount" / "sites.json"), users


def test_the_sites_follow_the_namespace_in_a_layer_of_their_own(synth):
    stage, users = sites_of(synth("stage"), "stage")
    prod, _ = sites_of(synth("prod"), "prod")

    assert stage.allowed_origins == {"https://stage.blog.example.com", "https://preview.blog.example.com"}
    assert prod.allowed_origins == {"https://blog.example.com"}
    readers_of_pages = {"post-views", "home-views", "profile-views", "page-views", "count-views"}
    dashboard = {"dashboard-api", "public-counter", "watch"}
    assert users == {"connect", "views", "counts", "http-views", "http-counts", *readers_of_pages, *dashboard}
    _, views = function_for(synth("prod"), "views")
    assert views["Properties"]["Environment"]["Variables"]["SITES_FILE"] == "/opt/viewcount/sites.json"


def test_every_functions_environment_stays_far_below_lambdas_4_kb(synth):
    for function in viewcount_functions(synth("prod")).values():
        variables = function["Properties"]["Environment"]["Variables"]
        # Tokens (Ref, GetAtt) become names and ARNs of at most about 150 characters each.
        size = sum(len(name) + (150 if isinstance(value, dict) else len(value)) for name, value in variables.items())
        assert size < 2048, function["Properties"]["FunctionName"]


def test_alarms_watch_every_dlq_and_every_function(synth):
    t = synth("prod")
    alarms = [a["Properties"] for a in t.resources("AWS::CloudWatch::Alarm").values()]
    # The fan-out's DLQs, the stream's failures and the push requests' failures.
    assert sum(a["MetricName"] == "ApproximateNumberOfMessagesVisible" for a in alarms) == len(QUEUES) + 2
    assert sum(a["MetricName"] == "Errors" for a in alarms) == len(FUNCTIONS)
    # Stream failures are retried, not raised: a growing backlog is what shows them.
    [backlog] = [a for a in alarms if a["MetricName"] == "IteratorAge"]
    assert backlog["Threshold"] == 300_000
    [email] = [s for s in t.resources("AWS::SNS::Subscription").values() if s["Properties"]["Protocol"] == "email"]
    assert email["Properties"]["Endpoint"] == "owner@example.com"


def test_cloudwatch_may_publish_to_the_alarms_topic(synth):
    t = synth("prod")
    [(topic_id, topic)] = [
        (logical_id, resource)
        for logical_id, resource in t.resources("AWS::SNS::Topic").items()
        if resource["Properties"]["TopicName"].endswith("-alarms")
    ]
    # Under the AWS managed key (alias/aws/sns) CloudWatch cannot publish, and no alarm arrives.
    assert "KmsMasterKeyId" not in topic["Properties"]
    [policy] = [
        p["Properties"]
        for p in t.resources("AWS::SNS::TopicPolicy").values()
        if p["Properties"]["Topics"] == [{"Ref": topic_id}]
    ]
    [allowed] = [s for s in policy["PolicyDocument"]["Statement"] if s["Effect"] == "Allow"]
    assert allowed["Principal"] == {"Service": "cloudwatch.amazonaws.com"} and allowed["Action"] == "sns:Publish"
    assert "aws:SourceAccount" in allowed["Condition"]["StringEquals"]
