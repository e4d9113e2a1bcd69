"""The dashboard's hosting: its static files in a private bucket, served by CloudFront through
Origin Access Control with strict security headers, and a `config.json` that names the APIs.

Two steps, for dependencies' sake: the distribution comes first (its origin goes into the HTTP
API's CORS and the functions' environments, so it must not depend on either API), and the
files, with `config.json` naming both APIs, are published last (`publish`).
"""

from __future__ import annotations

from pathlib import Path

from aws_cdk import Aws, DefaultStackSynthesizer, Duration, RemovalPolicy, Stack
from aws_cdk import aws_certificatemanager as acm
from aws_cdk import aws_cloudfront as cloudfront
from aws_cdk import aws_cloudfront_origins as origins
from aws_cdk import aws_logs as logs
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_s3_deployment as s3deploy
from constructs import Construct

from viewcount_infra.config import CustomDomain, DeploymentConfig
from viewcount_infra.nag import acknowledge

# What the built dashboard must hold (`node dashboard/build.mjs` writes dist/dashboard/).
INDEX = "index.html"
CONFIG_FILE = "config.json"
# API Gateway's own endpoints in the stack's region, `<api id>.execute-api.<region>.<suffix>`.
EXECUTE_API_HOSTS = f"*.execute-api.{Aws.REGION}.{Aws.URL_SUFFIX}"
# Browsers revalidate every time (a 304 from the edge is cheap, and a new deploy shows at
# once); CloudFront keeps the files a day, and each deploy invalidates them.
CACHE_CONTROL = "public, max-age=0, s-maxage=86400"
HSTS_SECONDS = 2 * 365 * 24 * 3600


def content_security_policy(http_domain: CustomDomain | None, ws_domain: CustomDomain | None) -> str:
    """Only the dashboard's own files run and load; it talks to itself (`config.json`) and the
    two APIs. An API with a custom domain is named exactly; one without is allowed as any API
    Gateway endpoint of the region: its URL is a token, and the HTTP API's CORS names this
    distribution, so the distribution cannot name that API without a dependency cycle."""
    http = f"https://{http_domain.name}" if http_domain else f"https://{EXECUTE_API_HOSTS}"
    ws = f"wss://{ws_domain.name}" if ws_domain else f"wss://{EXECUTE_API_HOSTS}"
    directives = {
        "default-src": "'none'",
        "script-src": "'self'",
        # uPlot sizes its canvas through the CSSOM, which style-src does not restrict.
        "style-src": "'self'",
        "img-src": "'self' data:",
        "font-src": "'self'",
        "connect-src": f"'self' {http} {ws}",
        "manifest-src": "'self'",
        "base-uri": "'none'",
        # The sign-in form is handled by script: a form that still submitted would put the key in a URL.
        "form-action": "'none'",
        "frame-ancestors": "'none'",
        "object-src": "'none'",
    }
    return "; ".join(f"{name} {value}" for name, value in directives.items())


class DashboardSite(Construct):
    """The bucket and the distribution; `publish` adds the files once the APIs exist."""

    def __init__(self, scope: Construct, construct_id: str, *, config: DeploymentConfig, files: Path) -> None:
        super().__init__(scope, construct_id)
        self._config = config
        self._files = files
        production = config.is_production
        # Only CloudFront reads it (Origin Access Control); nothing in it is secret, but nothing
        # in it is for S3's public endpoints either.
        self.bucket = s3.Bucket(
            self,
            "Files",
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            enforce_ssl=True,
            encryption=s3.BucketEncryption.S3_MANAGED,
            object_ownership=s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
            # The files are rebuilt by every deploy: no versions to keep.
            versioned=False,
            removal_policy=RemovalPolicy.RETAIN if production else RemovalPolicy.DESTROY,
            auto_delete_objects=not production,
        )
        acknowledge(
            self.bucket,
            "AwsSolutions-S1",
            "Server access logs would record the IP address of everyone who opens the dashboard, which "
            "Viewcount keeps nowhere (PRIVACY.md); only CloudFront reads this bucket, and the files are the "
            "build's, rewritten by every deploy.",
        )
        headers = cloudfront.ResponseHeadersPolicy(
            self,
            "Headers",
            comment=f"{config.prefix} dashboard: strict CSP, HSTS, no referrer, no framing",
            security_headers_behavior=cloudfront.ResponseSecurityHeadersBehavior(
                content_security_policy=cloudfront.ResponseHeadersContentSecurityPolicy(
                    content_security_policy=content_security_policy(config.http_domain, config.ws_domain),
                    override=True,
                ),
                strict_transport_security=cloudfront.ResponseHeadersStrictTransportSecurity(
                    access_control_max_age=Duration.seconds(HSTS_SECONDS), include_subdomains=False, override=True
                ),
                referrer_policy=cloudfront.ResponseHeadersReferrerPolicy(
                    referrer_policy=cloudfront.HeadersReferrerPolicy.NO_REFERRER, override=True
                ),
                frame_options=cloudfront.ResponseHeadersFrameOptions(
                    frame_option=cloudfront.HeadersFrameOption.DENY, override=True
                ),
                content_type_options=cloudfront.ResponseHeadersContentTypeOptions(override=True),
            ),
        )
        domain = config.dashboard_domain
        self.distribution = cloudfront.Distribution(
            self,
            "Distribution",
            comment=f"{config.prefix} dashboard",
            default_root_object=INDEX,
            default_behavior=cloudfront.BehaviorOptions(
                origin=origins.S3BucketOrigin.with_origin_access_control(self.bucket),
                viewer_protocol_policy=cloudfront.ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
                allowed_methods=cloudfront.AllowedMethods.ALLOW_GET_HEAD,
                cache_policy=cloudfront.CachePolicy.CACHING_OPTIMIZED,
                response_headers_policy=headers,
                compress=True,
            ),
            # North America, Europe and Israel's edges: the cheapest class; elsewhere is served
            # from the nearest of these.
            price_class=cloudfront.PriceClass.PRICE_CLASS_100,
            http_version=cloudfront.HttpVersion.HTTP2_AND_3,
            domain_names=[domain.name] if domain else None,
            certificate=acm.Certificate.from_certificate_arn(self, "Certificate", domain.certificate_arn)
            if domain
            else None,
            minimum_protocol_version=cloudfront.SecurityPolicyProtocol.TLS_V1_2_2021 if domain else None,
        )
        reasons = {
            "AwsSolutions-CFR1": (
                "The dashboard is for its owner and the people they share it with, wherever they are; the "
                "stats API checks every key, so a country block would protect nothing."
            ),
            "AwsSolutions-CFR2": (
                "A web ACL costs about 5 USD a month before any request, more than a blog's whole Viewcount "
                "bill. The static files are public by design; key guesses are stopped by the API instead: "
                "per-route throttling on the stage and 10 wrong keys per address per 10 minutes."
            ),
            "AwsSolutions-CFR3": (
                "CloudFront access logs record every viewer's IP address and browser, which Viewcount keeps "
                "nowhere (PRIVACY.md); the HTTP API's access logs already show the dashboard's traffic "
                "without addresses."
            ),
        }
        if not domain:
            reasons["AwsSolutions-CFR4"] = (
                "Without DASHBOARD_DOMAIN the distribution serves on its *.cloudfront.net name with CloudFront's "
                "default certificate, whose minimum protocol CloudFront fixes at TLSv1; browsers negotiate "
                "TLS 1.2 or 1.3 anyway. With DASHBOARD_DOMAIN the distribution uses TLSv1.2_2021 and this "
                "acknowledgment is not made."
            )
        for rule, reason in reasons.items():
            acknowledge(self.distribution, rule, reason)

    @property
    def origin(self) -> str:
        """The dashboard's origin, as browsers send it: its custom domain, else CloudFront's."""
        domain = self._config.dashboard_domain
        return f"https://{domain.name if domain else self.distribution.distribution_domain_name}"

    @property
    def dns_target(self) -> str:
        """What the custom domain's CNAME must point at."""
        return self.distribution.distribution_domain_name

    def publish(self, *, http_endpoint: str, ws_endpoint: str) -> s3deploy.BucketDeployment:
        """Uploads the built dashboard and its `config.json` (the APIs' URLs, known at deploy
        time), removes files an older build left, and invalidates CloudFront's copies."""
        deployment = s3deploy.BucketDeployment(
            self,
            "Deploy",
            destination_bucket=self.bucket,
            # Later sources win: the stack's config.json replaces any local one from the build.
            sources=[
                s3deploy.Source.asset(str(self._files)),
                s3deploy.Source.json_data(CONFIG_FILE, {"httpEndpoint": http_endpoint, "wsEndpoint": ws_endpoint}),
            ],
            prune=True,
            cache_control=[s3deploy.CacheControl.from_string(CACHE_CONTROL)],
            distribution=self.distribution,
            distribution_paths=["/*"],
            # Its own logs, kept a week, instead of a log group that never expires.
            log_group=logs.LogGroup(
                self,
                "DeployLogs",
                retention=logs.RetentionDays.ONE_WEEK,
                removal_policy=RemovalPolicy.DESTROY,
            ),
        )
        self._acknowledge_deployment_handler()
        return deployment

    def _acknowledge_deployment_handler(self) -> None:
        """CDK's BucketDeployment copies the files with a singleton function of its own, made at
        the stack's top level: these acknowledgments are scoped to that function (and its role)."""
        stack = Stack.of(self)
        [handler] = [child for child in stack.node.children if child.node.id.startswith("Custom::CDKBucketDeployment")]
        bucket = stack.get_logical_id(self.bucket.node.default_child)
        assets = f"cdk-{DefaultStackSynthesizer.DEFAULT_QUALIFIER}-assets-<AWS::AccountId>-<AWS::Region>"
        copy = (
            "CDK's BucketDeployment handler copies the dashboard's files from the CDK assets bucket into the "
            "dashboard's bucket during a deploy (and deletes files a previous build left there): "
            "wildcards over the objects of those two buckets only, granted by aws-cdk-lib."
        )
        basic_execution = "arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"
        reasons = {
            f"AwsSolutions-IAM4[Policy::{basic_execution}]": (
                "CDK's BucketDeployment handler writes its logs with AWS's basic execution policy, which grants "
                "CloudWatch Logs writes only; the function runs only during a deploy."
            ),
            "AwsSolutions-L1": (
                "CDK's BucketDeployment handler's runtime is chosen by aws-cdk-lib and moves with its upgrades; "
                "it runs only during a deploy, on files the build made, and serves no request."
            ),
            **{
                f"AwsSolutions-IAM5[{wildcard}]": copy
                for wildcard in (
                    "Action::s3:GetObject*",
                    "Action::s3:GetBucket*",
                    "Action::s3:List*",
                    "Action::s3:DeleteObject*",
                    "Action::s3:Abort*",
                    f"Resource::arn:<AWS::Partition>:s3:::{assets}/*",
                    f"Resource::<{bucket}.Arn>/*",
                )
            },
        }
        for rule, reason in reasons.items():
            acknowledge(handler, rule, reason)
