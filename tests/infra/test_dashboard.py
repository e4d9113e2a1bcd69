"""The dashboard in the synthesized templates: its private bucket behind CloudFront (Origin
Access Control) with strict headers, its files and `config.json`, the owner key's secret, the
dashboard's origin in CORS and in its functions, and the optional custom domains."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from tests.conftest import ROOT
from tests.infra.conftest import DASHBOARD_PLACEHOLDER, ENV, Synthesized, cfn_lint_errors
from tests.infra.test_http_api import http_api
from tests.infra.test_stack import function_for, policy_statements, viewcount_functions
from viewcount_infra.config import ConfigError, DeploymentConfig
from viewcount_infra.constructs.functions import leading_keys
from viewcount_infra.topology import FUNCTIONS

NAMESPACES = ("prod", "stage", "local")
# Every optional setting of the dashboard, on stage: custom domains, and a stage throttle
# below some routes' own limits.
CUSTOM = {
    "STAGE_DASHBOARD_DOMAIN": "Stats.Example.com",  # host names are compared in lower case
    "STAGE_DASHBOARD_CERTIFICATE_ARN": "arn:aws:acm:us-east-1:123456789012:certificate/0a1b2c3d-0001",
    "STAGE_WS_DOMAIN": "ws.example.com",
    "STAGE_WS_CERTIFICATE_ARN": "arn:aws:acm:eu-west-1:123456789012:certificate/0a1b2c3d-0002",
    "STAGE_HTTP_DOMAIN": "api.example.com",
    "STAGE_HTTP_CERTIFICATE_ARN": "arn:aws:acm:eu-west-1:123456789012:certificate/0a1b2c3d-0003",
    "STAGE_THROTTLE_RATE_LIMIT": "3",
    "STAGE_THROTTLE_BURST_LIMIT": "4",
}  # fmt: skip


@pytest.fixture(scope="module")
def custom(dist_dir, tmp_path_factory) -> Synthesized:
    """Stage with every option. CloudFront's default-certificate finding (CFR4) cannot be
    acknowledged here: with its own domain, the distribution must pass it."""
    import viewcount_infra.constructs.dashboard as dashboard
    from app import build_app

    acknowledge = dashboard.acknowledge

    def all_but_cfr4(scope, rule, reason):
        if rule != "AwsSolutions-CFR4":
            acknowledge(scope, rule, reason)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(dashboard, "acknowledge", all_but_cfr4)
        assembly = build_app("stage", {**ENV, **CUSTOM}, dist_dir).synth()  # nag runs here
    outdir = tmp_path_factory.mktemp("cdk-custom")
    (outdir / "Viewcount-stage.template.json").write_text(
        json.dumps(assembly.get_stack_by_name("Viewcount-stage").template)
    )
    return Synthesized(outdir, "Viewcount-stage", Path(assembly.directory))


def only(synthesized, kind: str) -> tuple[str, dict]:
    [(logical_id, resource)] = synthesized.resources(kind).items()
    return logical_id, resource["Properties"]


def text(value) -> str:
    """A property as one string, each reference shown as `<name>` (as cdk-nag shows them)."""
    if isinstance(value, str):
        return value
    if "Fn::Join" in value:
        separator, parts = value["Fn::Join"]
        return separator.join(text(part) for part in parts)
    if "Ref" in value:
        return f"<{value['Ref']}>"
    if "Fn::GetAtt" in value:
        return f"<{'.'.join(value['Fn::GetAtt'])}>"
    raise AssertionError(f"unexpected intrinsic {value}")


def references(value) -> set[str]:
    """The logical ids a property refers to."""
    found = set()
    if isinstance(value, dict):
        if "Ref" in value:
            found.add(value["Ref"])
        if "Fn::GetAtt" in value:
            found.add(value["Fn::GetAtt"][0])
        for item in value.values():
            found |= references(item)
    elif isinstance(value, list):
        for item in value:
            found |= references(item)
    return found


def dependencies(template: dict, start: str) -> set[str]:
    """Every resource `start` needs before it can be created, through references and DependsOn."""
    resources = template["Resources"]
    seen, todo = set(), [start]
    while todo:
        resource = resources[todo.pop()]
        depends = resource.get("DependsOn", [])
        for name in references(resource.get("Properties", {})) | set(
            [depends] if isinstance(depends, str) else depends
        ):
            if name in resources and name not in seen:
                seen.add(name)
                todo.append(name)
    return seen


def csp(synthesized) -> dict[str, str]:
    _, policy = only(synthesized, "AWS::CloudFront::ResponseHeadersPolicy")
    value = text(
        policy["ResponseHeadersPolicyConfig"]["SecurityHeadersConfig"]["ContentSecurityPolicy"]["ContentSecurityPolicy"]
    )
    return dict(directive.strip().split(" ", 1) for directive in value.split(";"))


def distribution_origin(synthesized) -> dict:
    distribution_id, _ = only(synthesized, "AWS::CloudFront::Distribution")
    return {"Fn::Join": ["", ["https://", {"Fn::GetAtt": [distribution_id, "DomainName"]}]]}


# ---- hosting ---------------------------------------------------------------------------


def test_the_bucket_is_private_encrypted_and_readable_only_by_its_distribution(synth):
    t = synth("prod")
    bucket_id, bucket = only(t, "AWS::S3::Bucket")
    distribution_id, _ = only(t, "AWS::CloudFront::Distribution")
    _, policy = only(t, "AWS::S3::BucketPolicy")

    assert set(bucket["PublicAccessBlockConfiguration"].values()) == {True}
    assert len(bucket["PublicAccessBlockConfiguration"]) == 4
    # S3-managed keys: no KMS key, no KMS cost.
    [rule] = bucket["BucketEncryption"]["ServerSideEncryptionConfiguration"]
    assert rule["ServerSideEncryptionByDefault"] == {"SSEAlgorithm": "AES256"}
    assert "WebsiteConfiguration" not in bucket
    assert policy["Bucket"] == {"Ref": bucket_id}
    statements = policy["PolicyDocument"]["Statement"]
    [deny] = [s for s in statements if s["Effect"] == "Deny"]
    assert deny["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
    [allow] = [s for s in statements if s["Effect"] == "Allow"]
    assert allow["Principal"] == {"Service": "cloudfront.amazonaws.com"}
    assert allow["Action"] == "s3:GetObject"
    # This distribution only, not any CloudFront distribution.
    assert text(allow["Condition"]["StringEquals"]["AWS:SourceArn"]).endswith(f":distribution/<{distribution_id}>")


def test_the_distribution_reads_the_bucket_through_origin_access_control(synth):
    t = synth("prod")
    bucket_id, _ = only(t, "AWS::S3::Bucket")
    control_id, control = only(t, "AWS::CloudFront::OriginAccessControl")
    _, distribution = only(t, "AWS::CloudFront::Distribution")
    config = distribution["DistributionConfig"]

    [origin] = config["Origins"]
    assert origin["DomainName"] == {"Fn::GetAtt": [bucket_id, "RegionalDomainName"]}
    assert origin["OriginAccessControlId"] == {"Fn::GetAtt": [control_id, "Id"]}
    assert origin["S3OriginConfig"].get("OriginAccessIdentity", "") == ""  # no legacy identity
    assert control["OriginAccessControlConfig"]["SigningBehavior"] == "always"
    assert control["OriginAccessControlConfig"]["OriginAccessControlOriginType"] == "s3"
    assert config["DefaultRootObject"] == "index.html"
    assert config["DefaultCacheBehavior"]["ViewerProtocolPolicy"] == "redirect-to-https"
    assert config["DefaultCacheBehavior"]["AllowedMethods"] == ["GET", "HEAD"]
    assert config["PriceClass"] == "PriceClass_100"
    # No custom domain: CloudFront's own name and certificate.
    assert "Aliases" not in config and "ViewerCertificate" not in config


def test_the_dashboard_is_served_with_strict_security_headers(synth):
    t = synth("prod")
    policy_id, policy = only(t, "AWS::CloudFront::ResponseHeadersPolicy")
    _, distribution = only(t, "AWS::CloudFront::Distribution")
    headers = policy["ResponseHeadersPolicyConfig"]["SecurityHeadersConfig"]
    directives = csp(t)

    assert distribution["DistributionConfig"]["DefaultCacheBehavior"]["ResponseHeadersPolicyId"] == {"Ref": policy_id}
    assert directives["default-src"] == "'none'"
    assert directives["script-src"] == "'self'"
    assert directives["frame-ancestors"] == "'none'"
    assert directives["form-action"] == "'none'"
    # The APIs' URLs are tokens: any API Gateway endpoint of the stack's region, nothing else.
    assert directives["connect-src"] == (
        "'self' https://*.execute-api.<AWS::Region>.<AWS::URLSuffix> wss://*.execute-api.<AWS::Region>.<AWS::URLSuffix>"
    )
    assert not any("unsafe" in value or value.strip() == "*" for value in directives.values())
    assert headers["StrictTransportSecurity"]["AccessControlMaxAgeSec"] >= 365 * 24 * 3600
    assert headers["ReferrerPolicy"]["ReferrerPolicy"] == "no-referrer"
    assert headers["FrameOptions"]["FrameOption"] == "DENY"
    assert "ContentTypeOptions" in headers


def test_the_distribution_depends_on_no_api(synth):
    """Its origin goes into the HTTP API's CORS and the functions' environments: were it to
    depend on an API too, the stack would have a cycle, or would once a custom domain went."""
    t = synth("prod")
    distribution_id, _ = only(t, "AWS::CloudFront::Distribution")

    needed = dependencies(t.template, distribution_id)
    assert needed, "the walk found nothing: the distribution needs its bucket at least"
    assert not [name for name in needed if t.template["Resources"][name]["Type"].startswith("AWS::ApiGatewayV2::")]
    assert not [name for name in needed if t.template["Resources"][name]["Type"] == "AWS::Lambda::Function"]


def deployment(synthesized) -> tuple[dict, dict[str, Path]]:
    """The BucketDeployment's properties and its sources' folders in the assembly, by file name."""
    [props] = [r["Properties"] for r in synthesized.resources("Custom::CDKBucketDeployment").values()]
    folders = {}
    for key in props["SourceObjectKeys"]:
        folder = synthesized.assembly / f"asset.{key.removesuffix('.zip')}"
        folders |= {path.name: path for path in folder.iterdir()}
    return props, folders


def test_the_built_files_and_a_config_json_naming_both_apis_are_deployed(synth):
    t = synth("prod")
    bucket_id, _ = only(t, "AWS::S3::Bucket")
    distribution_id, _ = only(t, "AWS::CloudFront::Distribution")
    http_id, _ = http_api(t)
    [ws_id] = [
        n for n, a in t.resources("AWS::ApiGatewayV2::Api").items() if a["Properties"]["ProtocolType"] == "WEBSOCKET"
    ]
    props, files = deployment(t)

    assert props["DestinationBucketName"] == {"Ref": bucket_id}
    assert props["Prune"] is True  # files an older build left are removed
    assert props["DistributionId"] == {"Ref": distribution_id} and props["DistributionPaths"] == ["/*"]
    assert files["index.html"].read_text() == DASHBOARD_PLACEHOLDER
    # config.json holds markers that the deploy replaces with the APIs' URLs (JSON strings).
    config = files["config.json"].read_text()
    markers = {name: text(value) for source in props["SourceMarkers"] for name, value in source.items()}
    assert markers and all(name in config for name in markers)
    for name, value in markers.items():
        config = config.replace(name, value)
    assert json.loads(config) == {
        "httpEndpoint": f"<{http_id}.ApiEndpoint>",
        "wsEndpoint": f"wss://<{ws_id}>.execute-api.<AWS::Region>.<AWS::URLSuffix>/prod",
    }


@pytest.mark.parametrize("namespace", NAMESPACES)
def test_only_prod_keeps_the_bucket_when_the_stack_goes(synth, namespace):
    t = synth(namespace)
    bucket_id, _ = only(t, "AWS::S3::Bucket")
    cleaners = [r["Properties"] for r in t.template["Resources"].values() if r["Type"] == "Custom::S3AutoDeleteObjects"]

    if namespace == "prod":
        assert t.template["Resources"][bucket_id]["DeletionPolicy"] == "Retain"
        assert cleaners == []
    else:
        assert t.template["Resources"][bucket_id]["DeletionPolicy"] == "Delete"
        assert [c["BucketName"] for c in cleaners] == [{"Ref": bucket_id}]


# ---- the owner key -----------------------------------------------------------------------


@pytest.mark.parametrize("namespace", NAMESPACES)
def test_the_owner_key_is_generated_by_cloudformation_and_never_in_the_template(synth, namespace):
    t = synth(namespace)
    secret_id, secret = only(t, "AWS::SecretsManager::Secret")

    assert secret["Name"] == f"viewcount-{namespace}-owner-key"
    assert secret["GenerateSecretString"] == {
        "PasswordLength": 40,
        "ExcludePunctuation": True,
        "IncludeSpace": False,
        "RequireEachIncludedType": False,
    }
    # No resource, output or parameter holds a value: GenerateSecretString only.
    assert '"SecretString"' not in json.dumps(t.template)
    assert t.template["Resources"][secret_id]["DeletionPolicy"] == ("Retain" if namespace == "prod" else "Delete")
    assert t.template["Outputs"]["OwnerKeySecretName"]["Value"] == f"viewcount-{namespace}-owner-key"


def test_only_the_dashboard_api_may_read_the_owner_key(synth):
    t = synth("prod")
    secret_id, _ = only(t, "AWS::SecretsManager::Secret")
    readers = set()
    for spec in FUNCTIONS:
        on_secret = [s for s in policy_statements(t, spec.name) if secret_id in json.dumps(s["Resource"])]
        if on_secret:
            readers.add(spec.name)
            assert {a for s in on_secret for a in s["Action"]} == {
                "secretsmanager:GetSecretValue",
                "secretsmanager:DescribeSecret",
            }
        variables = function_for(t, spec.name)[1]["Properties"]["Environment"]["Variables"]
        if spec.name == "dashboard_api":
            assert variables["OWNER_KEY_SECRET_ARN"] == {"Ref": secret_id}  # the ARN, never the value
        else:
            assert "OWNER_KEY_SECRET_ARN" not in variables, spec.name

    assert readers == {"dashboard_api"}
    # No other role in the stack (CDK's own handlers included) is granted the secret.
    granted = [p for p in t.resources("AWS::IAM::Policy").values() if secret_id in json.dumps(p)]
    assert len(granted) == 1


# ---- the dashboard's origin ----------------------------------------------------------------


def test_the_dashboards_origin_is_admitted_by_cors_and_given_to_its_functions(synth):
    t = synth("prod")
    origin = distribution_origin(t)
    _, api = http_api(t)

    assert api["CorsConfiguration"]["AllowOrigins"] == ["https://blog.example.com", origin]
    assert "authorization" in api["CorsConfiguration"]["AllowHeaders"]
    for spec in FUNCTIONS:
        variables = function_for(t, spec.name)[1]["Properties"]["Environment"]["Variables"]
        if spec.knows_dashboard:
            assert variables["DASHBOARD_ORIGINS"] == origin, spec.name
        else:
            assert "DASHBOARD_ORIGINS" not in variables, spec.name
    assert {spec.name for spec in FUNCTIONS if spec.knows_dashboard} == {"connect", "dashboard_api"}
    assert t.template["Outputs"]["DashboardUrl"]["Value"] == {"Fn::Join": ["", [*origin["Fn::Join"][1], "/"]]}


def test_the_connect_function_may_only_take_tickets_from_the_access_table(synth):
    t = synth("stage")
    [access_id] = [
        n for n, r in t.resources("AWS::DynamoDB::Table").items() if r["Properties"]["TableName"].endswith("-Access")
    ]
    [statement] = [s for s in policy_statements(t, "connect") if access_id in json.dumps(s["Resource"])]

    assert statement["Action"] == "dynamodb:DeleteItem"
    assert statement["Condition"] == {"ForAllValues:StringLike": {"dynamodb:LeadingKeys": ["ticket#*"]}}


def test_a_prefix_without_a_site_is_granted_once_whatever_the_number_of_sites():
    sites = DeploymentConfig.load(
        "local",
        {},
        site_entries=[
            {"id": "blog", "origins": ["https://blog.example"]},
            {"id": "notes", "origins": ["https://notes.example"]},
        ],
    ).sites

    assert leading_keys(("ticket#",), sites) == ["ticket#*"]
    assert leading_keys(("{site}#bots#", "ticket#"), sites) == [
        "blog#bots#*",
        "notes#bots#*",
        "smoke#bots#*",
        "ticket#*",
    ]


def test_the_access_table_expires_its_items_and_keeps_no_backups(synth):
    tables = {r["Properties"]["TableName"]: r for r in synth("prod").resources("AWS::DynamoDB::Table").values()}
    access = tables["viewcount-prod-Access"]

    assert [k["AttributeName"] for k in access["Properties"]["KeySchema"]] == ["key", "sort"]
    assert access["Properties"]["TimeToLiveSpecification"] == {"AttributeName": "expiresAt", "Enabled": True}
    assert access["Properties"]["PointInTimeRecoverySpecification"]["PointInTimeRecoveryEnabled"] is False
    assert access["DeletionPolicy"] == "Retain"


# ---- custom domains ------------------------------------------------------------------------


def test_without_custom_domains_the_stack_makes_none(synth):
    t = synth("prod")

    assert t.resources("AWS::ApiGatewayV2::DomainName") == {}
    assert t.resources("AWS::ApiGatewayV2::ApiMapping") == {}
    assert not any(name.endswith("DnsTarget") for name in t.template["Outputs"])


def test_custom_domains_map_each_api_and_the_distribution(custom):
    domains = {
        r["Properties"]["DomainName"]: (n, r["Properties"])
        for n, r in custom.resources("AWS::ApiGatewayV2::DomainName").items()
    }
    mappings = [r for r in custom.resources("AWS::ApiGatewayV2::ApiMapping").values()]
    apis = {a["Properties"]["ProtocolType"]: n for n, a in custom.resources("AWS::ApiGatewayV2::Api").items()}
    stages = {s["Properties"]["ApiId"]["Ref"]: n for n, s in custom.resources("AWS::ApiGatewayV2::Stage").items()}
    _, distribution = only(custom, "AWS::CloudFront::Distribution")

    assert set(domains) == {"ws.example.com", "api.example.com"}
    for host, protocol, setting in (("ws.example.com", "WEBSOCKET", "WS"), ("api.example.com", "HTTP", "HTTP")):
        domain_id, props = domains[host]
        [configuration] = props["DomainNameConfigurations"]
        assert configuration == {
            "CertificateArn": CUSTOM[f"STAGE_{setting}_CERTIFICATE_ARN"],
            "EndpointType": "REGIONAL",
            "SecurityPolicy": "TLS_1_2",
        }
        [mapping] = [m for m in mappings if m["Properties"]["DomainName"] == {"Ref": domain_id}]
        assert mapping["Properties"]["ApiId"] == {"Ref": apis[protocol]}
        assert "ApiMappingKey" not in mapping["Properties"]  # the domain's root is the stage
        assert stages[apis[protocol]] in mapping["DependsOn"]  # the stage exists first
    assert distribution["DistributionConfig"]["Aliases"] == ["stats.example.com"]
    assert distribution["DistributionConfig"]["ViewerCertificate"] == {
        "AcmCertificateArn": CUSTOM["STAGE_DASHBOARD_CERTIFICATE_ARN"],
        "MinimumProtocolVersion": "TLSv1.2_2021",
        "SslSupportMethod": "sni-only",
    }
    # The blog's DNS may be anywhere: no record is made, the outputs name the CNAMEs' targets.
    assert not any(r["Type"].startswith("AWS::Route53::") for r in custom.template["Resources"].values())


def test_the_outputs_name_the_custom_domains_and_their_dns_targets(custom):
    outputs = {name: output["Value"] for name, output in custom.template["Outputs"].items()}
    distribution_id, _ = only(custom, "AWS::CloudFront::Distribution")
    domains = {r["Properties"]["DomainName"]: n for n, r in custom.resources("AWS::ApiGatewayV2::DomainName").items()}

    assert outputs["DashboardUrl"] == "https://stats.example.com/"
    assert outputs["WebSocketUrl"] == "wss://ws.example.com"
    assert outputs["HttpApiUrl"] == "https://api.example.com"
    assert outputs["DashboardDnsTarget"] == {"Fn::GetAtt": [distribution_id, "DomainName"]}
    assert outputs["WebSocketDnsTarget"] == {"Fn::GetAtt": [domains["ws.example.com"], "RegionalDomainName"]}
    assert outputs["HttpApiDnsTarget"] == {"Fn::GetAtt": [domains["api.example.com"], "RegionalDomainName"]}


def test_with_custom_domains_the_dashboard_names_exactly_them(custom):
    _, api = http_api(custom)
    _, files = deployment(custom)

    assert csp(custom)["connect-src"] == "'self' https://api.example.com wss://ws.example.com"
    assert api["CorsConfiguration"]["AllowOrigins"] == [
        "https://preview.blog.example.com",
        "https://stage.blog.example.com",
        "https://stats.example.com",
    ]
    for name in ("connect", "dashboard_api"):
        _, function = function_for(custom, name)
        assert function["Properties"]["Environment"]["Variables"]["DASHBOARD_ORIGINS"] == "https://stats.example.com"
    assert json.loads(files["config.json"].read_text()) == {
        "httpEndpoint": "https://api.example.com",
        "wsEndpoint": "wss://ws.example.com",
    }


def test_route_limits_are_never_above_the_stages(custom):
    api_id, _ = http_api(custom)
    [stage] = [
        s["Properties"]
        for s in custom.resources("AWS::ApiGatewayV2::Stage").values()
        if s["Properties"]["ApiId"] == {"Ref": api_id}
    ]

    assert stage["DefaultRouteSettings"]["ThrottlingRateLimit"] == 3
    assert stage["RouteSettings"]["GET /dashboard/stats"] == {"ThrottlingRateLimit": 3, "ThrottlingBurstLimit": 4}
    assert stage["RouteSettings"]["POST /dashboard/tickets"] == {"ThrottlingRateLimit": 2, "ThrottlingBurstLimit": 4}


def test_a_deployment_with_custom_domains_is_nag_and_cfn_lint_clean(custom):
    # The fixture's synth ran cdk-nag without CloudFront's default-certificate acknowledgment.
    assert cfn_lint_errors(custom.path) == []


SITE = {"PROD_CLIENT_URL": "https://blog.example.com"}
ARN = "arn:aws:acm:us-east-1:123456789012:certificate/0a1b2c3d-0001"
IAM_CERTIFICATE = "arn:aws:iam::123456789012:server-certificate/x"
CERTIFICATES = {"WS_CERTIFICATE_ARN": ARN, "HTTP_CERTIFICATE_ARN": ARN}


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ({"DASHBOARD_DOMAIN": "stats.example.com"}, "DASHBOARD_DOMAIN and DASHBOARD_CERTIFICATE_ARN go together"),
        ({"WS_CERTIFICATE_ARN": ARN}, "WS_DOMAIN and WS_CERTIFICATE_ARN go together"),
        ({"PROD_HTTP_DOMAIN": "api.example.com"}, "HTTP_DOMAIN and HTTP_CERTIFICATE_ARN go together"),
        ({"HTTP_DOMAIN": "https://api.example.com", "HTTP_CERTIFICATE_ARN": ARN}, "HTTP_DOMAIN must be a host name"),
        ({"WS_DOMAIN": "ws.example.com:443", "WS_CERTIFICATE_ARN": ARN}, "WS_DOMAIN must be a host name"),
        ({"WS_DOMAIN": "ws.example.com", "WS_CERTIFICATE_ARN": IAM_CERTIFICATE}, "WS_CERTIFICATE_ARN must be an ACM"),
        (
            {"DASHBOARD_DOMAIN": "stats.example.com", "DASHBOARD_CERTIFICATE_ARN": ARN.replace("us-east", "eu-west")},
            "DASHBOARD_CERTIFICATE_ARN must be a certificate in us-east-1",
        ),
        (
            # The same host, written differently (case, a trailing dot).
            {"WS_DOMAIN": "x.example.com", "HTTP_DOMAIN": "X.example.com.", **CERTIFICATES},
            "must be different host names",
        ),
    ],
)  # fmt: skip
def test_a_custom_domain_needs_its_certificate_and_a_plain_host_name(settings, message):
    with pytest.raises(ConfigError, match=re.escape(message)):
        DeploymentConfig.load("prod", {**SITE, **settings})


def test_a_namespaces_own_domain_wins_and_others_have_none():
    env = {**SITE, "STAGE_CLIENT_URL": "https://stage.example.com", "PROD_DASHBOARD_DOMAIN": "stats.example.com"}
    env["PROD_DASHBOARD_CERTIFICATE_ARN"] = ARN

    prod = DeploymentConfig.load("prod", env)
    stage = DeploymentConfig.load("stage", env)

    assert (prod.dashboard_domain.name, prod.dashboard_domain.certificate_arn) == ("stats.example.com", ARN)
    assert stage.dashboard_domain is None and prod.ws_domain is None and prod.http_domain is None


# ---- what the deployment costs at rest ---------------------------------------------------------


def test_the_docs_fixed_monthly_cost_counts_the_templates_alarms(synth):
    """The fixed cost, 0.10 USD per alarm plus 0.40 USD for the secret, is stated on four pages.
    Adding a function adds an alarm: every page must follow."""
    t = synth("prod")
    alarms = len(t.resources("AWS::CloudWatch::Alarm"))
    cost = f"{alarms * 0.10 + len(t.resources('AWS::SecretsManager::Secret')) * 0.40:.2f} USD"

    assert alarms == len(viewcount_functions(t)) + 7  # one per function, 6 queues, the backlog
    for page, alarms_said in (
        ("docs/deploying-the-dashboard.md", f"{alarms} CloudWatch alarms"),
        ("docs/deploying.md", f"{alarms} CloudWatch alarms"),
        ("docs/benchmarks.md", None),
        ("README.md", f"{alarms} alarms"),
    ):
        text = " ".join((ROOT / page).read_text().split())
        assert cost in text, f"{page} does not say the fixed cost {cost}"
        assert alarms_said is None or alarms_said in text, f"{page} does not say {alarms_said}"
