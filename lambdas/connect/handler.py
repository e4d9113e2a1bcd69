"""`$connect` authorizer: admit only the sites' own origins, and judge the browser once.

Its context (viewcount.admission) rides on every later event of the connection: the
origin, which picks the site; whether the browser is a bot, whether it sends Global
Privacy Control, and otherwise the User-Agent that the visitor key needs. Nothing is written.
"""

from __future__ import annotations

from typing import Any

from viewcount.admission import admit, admitted_origin
from viewcount.bots import prepare
from viewcount.observability import count, logger, metrics
from viewcount.settings import ConnectSettings

settings = ConnectSettings.from_env()
prepare()


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
        count("ConnectionsRefused")
        return policy("Deny", event["methodArn"])
    admission = admit(headers, origin)
    if admission.bot:
        count("BotConnections")
    return policy("Allow", event["methodArn"], admission.context())
