"""An API's optional custom domain: a regional API Gateway domain name mapped to its stage.

No DNS record is created: the blog's DNS may be anywhere. The operator points a CNAME at the
domain's regional target, which the stack outputs (docs/deploying-the-dashboard.md).
"""

from __future__ import annotations

from aws_cdk import aws_apigatewayv2 as apigwv2
from aws_cdk import aws_certificatemanager as acm
from constructs import Construct

from viewcount_infra.config import CustomDomain


class ApiDomain(Construct):
    def __init__(
        self, scope: Construct, construct_id: str, *, domain: CustomDomain, api: apigwv2.IApi, stage: apigwv2.IStage
    ) -> None:
        super().__init__(scope, construct_id)
        self.name = domain.name
        self.domain_name = apigwv2.DomainName(
            self,
            "Name",
            domain_name=domain.name,
            # A regional certificate, in the stack's region (API Gateway refuses any other).
            certificate=acm.Certificate.from_certificate_arn(self, "Certificate", domain.certificate_arn),
            endpoint_type=apigwv2.EndpointType.REGIONAL,
            security_policy=apigwv2.SecurityPolicy.TLS_1_2,
        )
        # No mapping key: the domain's root is the stage, so URLs need no stage path.
        apigwv2.ApiMapping(self, "Mapping", api=api, domain_name=self.domain_name, stage=stage)

    @property
    def dns_target(self) -> str:
        """What the domain's CNAME must point at: `d-<id>.execute-api.<region>.amazonaws.com`."""
        return self.domain_name.regional_domain_name
