"""`$connect` authorizer: admit only the sites' own origins, and judge the browser once; and
a dashboard's connection from the dashboard's origin with a single-use ticket.

Its context (viewcount.admission) rides on every later event of the connection: the
origin, which picks the site; whether the browser is a bot, whether it sends Global
Privacy Control, and otherwise the User-Agent that the visitor key needs. Nothing is written
for a reader. A dashboard's context names the site it watches, and it can count no view.
"""

from __future__ import annotations

import functools
import time
from typing import Any

from viewcount.admission import Admission, admit, admitted_origin
from viewcount.bots import prepare
from viewcount.observability import count, logger, metrics
from viewcount.settings import ConnectSettings
from viewcount.tables.access import AccessTable
from viewcount.use_cases.dashboard_access import TICKET

settings = ConnectSettings.from_env()
prepare()


@functools.cache
def tickets() -> AccessTable:
    """Made on the first dashboard connection: every reader's cold start goes without boto3."""
    import boto3

    return AccessTable(boto3.client("dynamodb"), settings.access_table)


def policy(effect: str, method_arn: str, context: dict[str, str] | None = None) -> dict[str, Any]:
    answer: dict[str, Any] = {
        "principalId": "reader",
        "policyDocument": {
            "Version": "2012-10-17",
            "Statement": [{"Action": "execute-api:Invoke", "Effect": effect, "Resource": method_arn}],
        },
    }
    if context is not None:
        answer["context"] = context
    return answer


@metrics.log_metrics
@logger.inject_lambda_context
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    headers = event.get("headers")
    origin = admitted_origin(headers, settings.sites.allowed_origins)
    if origin is None:
        return dashboard_policy(event)
    admission = admit(headers, origin)
    if admission.bot:
        count("BotConnections")
    return policy("Allow", event["methodArn"], admission.context())


def dashboard_policy(event: dict[str, Any]) -> dict[str, Any]:
    """A dashboard's connection: from its origin, with a ticket that has not served yet."""
    origin = admitted_origin(event.get("headers"), settings.dashboard_origins)
    ticket = (event.get("queryStringParameters") or {}).get("ticket", "")
    # Only a ticket of the shape issued is looked up: a junk one costs no delete.
    site = tickets().take_ticket(ticket, int(time.time())) if origin and TICKET.fullmatch(ticket) else None
    if origin is None or site not in settings.sites.ids:
        count("ConnectionsRefused")
        return policy("Deny", event["methodArn"])
    count("DashboardConnections")
    return policy("Allow", event["methodArn"], Admission(origin=origin, watch=site).context())
