"""The spend guard: an AWS Budgets cost budget that e-mails ALARM_EMAIL before the bill runs away.

The stack's caps bound the tables, not the bill: at the stage's default 100 frames/s a flood is
about 8.6 million WebSocket messages a day, about 9 USD a day in messages alone, and every
frame is answered, counted and logged. The alarms say that something fails; this says what
it costs. Budgets without actions cost nothing, and this one has none: it only e-mails.

Scope: the whole account, unfiltered. A budget counts every cost of the account unless it has a
filter, and the stack tags nothing with its namespace. A `user:<key>$<value>` tag filter would
also need that tag activated as a cost allocation tag in the Billing console first (by the
account that pays the bill; CloudFormation has no resource for it), and until then the budget
shows 0 USD and never alerts: a guard that is silently off. Even then, costs outside the stack's
tagged resources (the CDK bootstrap bucket, anything else in the account) would escape it. A
blogger with one small account asks "tell me when my AWS bill passes N USD", which is what an
account budget answers. The namespace is in the budget's name only so that prod and stage can
each have one (`viewcount-prod-monthly`); both would watch the same account-wide spend, so set
it for one namespace.

Costs are gross: credits and refunds are left out, so promotional credits (a new account's
Free Tier credits) cannot hide a flood until they run out, and a refund cannot mask one.

Alerts: actual spend past 80 % of the limit (an early warning while there is still time),
actual spend past 100 % (the limit is passed, even in an account too new for forecasts), and
forecast spend past 100 % (the earliest sign of a steep month; Cost Explorer makes no forecast
for an account with less than a full billing cycle of history). Budgets data is refreshed up to
three times a day, 8-12 hours apart: a guard against a runaway bill, not a real-time alarm.

The alerts are e-mailed by Budgets itself, not through the alarms' SNS topic: a topic would
need a policy for Budgets' principal as well, and its e-mail subscription adds nothing here.

Region: a budget is an account-level object, but AWS::Budgets::Budget is not offered by
CloudFormation in every region (cfn-lint 1.58's region schemas have it in us-east-1, us-east-2,
us-west-1/2, ca-central-1, sa-east-1, eu-west-1/2/3, eu-central-1, ap-northeast-1/2, ap-south-1,
ap-southeast-1/2; not e.g. eu-north-1 or eu-central-2, cloudformation-coverage-roadmap#2177).
There the deploy fails with "Unrecognized resource types: [AWS::Budgets::Budget]": leave the
setting empty and create the budget in the Billing console instead.
"""

from __future__ import annotations

from aws_cdk import aws_budgets as budgets
from constructs import Construct

from viewcount_infra.config import DeploymentConfig

# (notification type, percent of the limit): when the e-mail goes out.
ALERTS = (("ACTUAL", 80), ("ACTUAL", 100), ("FORECASTED", 100))


class SpendGuard(Construct):
    def __init__(self, scope: Construct, construct_id: str, *, config: DeploymentConfig) -> None:
        super().__init__(scope, construct_id)
        if config.budget_monthly_usd is None or not config.alarm_email:
            raise ValueError("SpendGuard needs BUDGET_MONTHLY_USD and ALARM_EMAIL (DeploymentConfig checks both)")
        self.budget_name = f"{config.prefix}-monthly"
        self.budget = budgets.CfnBudget(
            self,
            "Budget",
            budget=budgets.CfnBudget.BudgetDataProperty(
                budget_name=self.budget_name,
                budget_type="COST",
                time_unit="MONTHLY",
                budget_limit=budgets.CfnBudget.SpendProperty(amount=config.budget_monthly_usd, unit="USD"),
                cost_types=budgets.CfnBudget.CostTypesProperty(include_credit=False, include_refund=False),
            ),
            notifications_with_subscribers=[
                budgets.CfnBudget.NotificationWithSubscribersProperty(
                    notification=budgets.CfnBudget.NotificationProperty(
                        notification_type=kind,
                        comparison_operator="GREATER_THAN",
                        threshold=percent,
                        threshold_type="PERCENTAGE",
                    ),
                    subscribers=[
                        budgets.CfnBudget.SubscriberProperty(subscription_type="EMAIL", address=config.alarm_email)
                    ],
                )
                for kind, percent in ALERTS
            ],
        )
