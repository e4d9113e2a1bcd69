"""The optional spend guard: an AWS Budgets monthly cost budget on the account's bill, e-mailed
to ALARM_EMAIL; BUDGET_MONTHLY_USD sets it, and without it the stack has no budget."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.infra.conftest import ENV, Synthesized, cfn_lint_errors
from viewcount_infra.config import ConfigError, DeploymentConfig

NAMESPACES = ("prod", "stage", "local")
BUDGET = "AWS::Budgets::Budget"
# Prod with a budget of its own, and stage given another one by the plain setting.
GUARDED = {"PROD_BUDGET_MONTHLY_USD": "12.50", "BUDGET_MONTHLY_USD": "40"}


@pytest.fixture(scope="module")
def guarded(dist_dir, tmp_path_factory):
    """`guarded(namespace)`: the namespace synthesized with GUARDED (cdk-nag runs in the synth)."""
    from app import build_app

    cache: dict[str, Synthesized] = {}

    def synthesize(namespace: str) -> Synthesized:
        if namespace not in cache:
            assembly = build_app(namespace, {**ENV, **GUARDED}, dist_dir).synth()
            name = f"Viewcount-{namespace}"
            outdir = tmp_path_factory.mktemp(f"cdk-budget-{namespace}")
            (outdir / f"{name}.template.json").write_text(json.dumps(assembly.get_stack_by_name(name).template))
            cache[namespace] = Synthesized(outdir, name, Path(assembly.directory))
        return cache[namespace]

    return synthesize


def budget_of(synthesized) -> dict:
    [budget] = synthesized.resources(BUDGET).values()
    return budget["Properties"]


# ---- synthesized -------------------------------------------------------------------------------


@pytest.mark.parametrize("namespace", NAMESPACES)
def test_without_the_setting_there_is_no_budget(synth, namespace):
    assert synth(namespace).resources(BUDGET) == {}


@pytest.mark.parametrize(("namespace", "limit"), [("prod", 12.5), ("stage", 40)])
def test_the_budget_is_a_monthly_cost_limit_named_for_its_namespace(guarded, namespace, limit):
    budget = budget_of(guarded(namespace))["Budget"]

    assert budget["BudgetName"] == f"viewcount-{namespace}-monthly"
    assert budget["BudgetType"] == "COST"
    assert budget["TimeUnit"] == "MONTHLY"
    assert budget["BudgetLimit"] == {"Amount": limit, "Unit": "USD"}
    # Gross spend: credits and refunds cannot hide a flood.
    assert budget["CostTypes"] == {"IncludeCredit": False, "IncludeRefund": False}


def test_the_budget_watches_the_whole_account(guarded):
    """Unfiltered (spend_guard.py says why): no cost filter of any kind, and no start or end."""
    budget = budget_of(guarded("prod"))["Budget"]

    assert set(budget) == {"BudgetName", "BudgetType", "TimeUnit", "BudgetLimit", "CostTypes"}


def test_the_alerts_are_e_mailed_to_alarm_email(guarded):
    notifications = budget_of(guarded("prod"))["NotificationsWithSubscribers"]

    alerts = {
        (n["Notification"]["NotificationType"], n["Notification"]["ComparisonOperator"], n["Notification"]["Threshold"])
        for n in notifications
    }
    assert alerts == {
        ("ACTUAL", "GREATER_THAN", 80),
        ("ACTUAL", "GREATER_THAN", 100),
        ("FORECASTED", "GREATER_THAN", 100),
    }
    assert len(notifications) == len(alerts)
    for n in notifications:
        assert n["Notification"]["ThresholdType"] == "PERCENTAGE"
        assert n["Subscribers"] == [{"SubscriptionType": "EMAIL", "Address": ENV["ALARM_EMAIL"]}]


def test_the_budget_adds_nothing_else_to_the_stack(synth, guarded):
    """Only the budget is new: the guard needs no role, topic or function of its own."""
    plain = synth("prod").template["Resources"]
    guarded_resources = guarded("prod").template["Resources"]

    added = {name: r["Type"] for name, r in guarded_resources.items() if name not in plain}
    assert list(added.values()) == [BUDGET]
    assert set(plain) <= set(guarded_resources)


@pytest.mark.parametrize("namespace", ["prod", "stage"])
def test_a_guarded_stack_is_nag_and_cfn_lint_clean(guarded, namespace):
    synthesized = guarded(namespace)  # raises ValidationFailed on any unacknowledged finding

    assert cfn_lint_errors(synthesized.path) == []


@pytest.mark.parametrize(
    ("region", "offered"), [("us-east-1", True), ("eu-west-1", True), ("eu-north-1", False), ("eu-central-2", False)]
)
def test_the_regions_env_template_names_lack_only_the_budget(guarded, region, offered):
    """env.template and spend_guard.py warn that CloudFormation has no AWS::Budgets::Budget in
    some regions; cfn-lint's region schemas are the record. If they change, so must the warning."""
    lint = subprocess.run(
        [
            str(Path(sys.executable).parent / "cfn-lint"),
            "--regions",
            region,
            "--format",
            "parseable",
            str(guarded("prod").path),
        ],
        capture_output=True,
        text=True,
    )

    missing = [line.split(":E3006:", 1)[1] for line in lint.stdout.splitlines() if ":E3006:" in line]
    assert missing == ([] if offered else [f"Resource type '{BUDGET}' does not exist in '{region}'"])


# ---- settings -----------------------------------------------------------------------------------

SITE = {"PROD_CLIENT_URL": "https://blog.example.com", "STAGE_CLIENT_URL": "https://stage.example.com"}
EMAIL = {"ALARM_EMAIL": "owner@example.com"}


@pytest.mark.parametrize(
    ("raw", "limit"),
    [("10", 10.0), ("12.50", 12.5), (" 7 ", 7.0), ("0.01", 0.01), ("", None)],
)
def test_the_limit_is_read_as_dollars(raw, limit):
    assert DeploymentConfig.load("prod", {**SITE, **EMAIL, "BUDGET_MONTHLY_USD": raw}).budget_monthly_usd == limit


def test_without_the_setting_there_is_no_limit():
    assert DeploymentConfig.load("prod", {**SITE, **EMAIL}).budget_monthly_usd is None


def test_a_namespaces_own_limit_wins_and_others_have_none():
    env = {**SITE, **EMAIL, "PROD_BUDGET_MONTHLY_USD": "25"}

    assert DeploymentConfig.load("prod", env).budget_monthly_usd == 25.0
    assert DeploymentConfig.load("stage", env).budget_monthly_usd is None


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("ten", "must be a number of US dollars such as 10 or 12.50, or empty for no budget (got 'ten')"),
        ("$10", "BUDGET_MONTHLY_USD must be a number of US dollars"),
        ("12,50", "BUDGET_MONTHLY_USD must be a number of US dollars"),
        ("0", "BUDGET_MONTHLY_USD must be more than 0, or empty for no budget (got '0')"),
        ("-5", "BUDGET_MONTHLY_USD must be more than 0"),
        ("nan", "BUDGET_MONTHLY_USD must be more than 0"),
        ("inf", "BUDGET_MONTHLY_USD must be more than 0"),
    ],
)  # fmt: skip
def test_a_limit_that_is_not_a_positive_number_is_refused(raw, message):
    with pytest.raises(ConfigError, match=re.escape(message)):
        DeploymentConfig.load("prod", {**SITE, **EMAIL, "PROD_BUDGET_MONTHLY_USD": raw})


def test_a_budget_without_alarm_email_is_refused():
    with pytest.raises(ConfigError, match=re.escape("BUDGET_MONTHLY_USD needs ALARM_EMAIL")) as error:
        DeploymentConfig.load("stage", {**SITE, "BUDGET_MONTHLY_USD": "10", "PROD_ALARM_EMAIL": "owner@example.com"})

    assert "STAGE_ALARM_EMAIL" in str(error.value)


def test_a_namespaces_own_alarm_email_is_enough():
    env = {**SITE, "PROD_BUDGET_MONTHLY_USD": "10", "PROD_ALARM_EMAIL": "prod@example.com"}

    config = DeploymentConfig.load("prod", env)

    assert (config.budget_monthly_usd, config.alarm_email) == (10.0, "prod@example.com")
