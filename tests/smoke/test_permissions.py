"""The IAM policy docs/smoke-test.md gives names what the suite reads on AWS: moto checks no
IAM, so a renamed stack, secret or log group would otherwise leave the policy behind."""

from __future__ import annotations

import json
import re

from smoke.deployments import function_name
from tests.conftest import ROOT
from viewcount_infra.topology import COUNT_VIEWS, VIEWS, owner_key_secret_name_of, stack_name


def documented_policy() -> dict[str, list[str]]:
    """Each action of the page's policy, with its resources."""
    page = (ROOT / "docs" / "smoke-test.md").read_text()
    section = page[page.index("## The permissions it needs") :]
    block = re.search(r"```json\n(.*?)```", section, re.S)
    assert block, "docs/smoke-test.md's permissions section has no JSON policy"
    statements = json.loads(block.group(1))["Statement"]
    return {s["Action"]: s["Resource"] if isinstance(s["Resource"], list) else [s["Resource"]] for s in statements}


def test_the_documented_policy_names_the_stack_secret_and_log_groups_the_suite_reads():
    policy = documented_policy()

    assert set(policy) == {"cloudformation:DescribeStacks", "secretsmanager:GetSecretValue", "logs:FilterLogEvents"}
    assert [r.split(":stack/")[1] for r in policy["cloudformation:DescribeStacks"]] == [f"{stack_name('stage')}/*"]
    assert [r.split(":secret:")[1] for r in policy["secretsmanager:GetSecretValue"]] == [
        f"{owner_key_secret_name_of('stage')}-*"
    ]
    groups = {r.split(":log-group:")[1] for r in policy["logs:FilterLogEvents"]}
    assert groups == {f"/aws/lambda/{function_name('stage', spec)}:*" for spec in (VIEWS, COUNT_VIEWS)}
