"""Fault injection: `VIEWCOUNT_FAULTS` and `VIEWCOUNT_FAULT_SEED`.

The spec is a comma-separated list of `kind:rate`, rate between 0 and 1:

- `post`, `home`, `profile`, `page`: that queue consumer crashes in `rate` of its invocations, at
  a random point between its DynamoDB writes (possibly after the last one);
- `stream`: the counting function crashes the same way;
- `ddb`: `rate` of the functions' DynamoDB calls fail with throttling or a 500;
- `dup`: `rate` of the SQS messages are delivered a second time (as SNS does, as a new message);
- `push`: `rate` of the functions' `@connections` POSTs fail with a 500.

Faults are injected at the edges the handlers already cross (their boto3 clients, the
invocation, the queue), so the handler code runs unmodified. One seed makes a run repeatable.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from botocore.exceptions import ClientError

from local_stack.functions import AWS_LOCK

CRASHING_FUNCTIONS = {
    "post": "post_views",
    "home": "home_views",
    "profile": "profile_views",
    "page": "page_views",
    "stream": "count_views",
}
KINDS = (*CRASHING_FUNCTIONS, "ddb", "dup", "push")
WRITE_OPERATIONS = {"PutItem", "UpdateItem", "DeleteItem", "BatchWriteItem", "TransactWriteItems"}
# Before each write of a crashing invocation, the chance that it dies there.
CRASH_POINT_CHANCE = 0.5


class FaultSpecError(ValueError):
    """A `VIEWCOUNT_FAULTS` value that cannot be used; the stack refuses to start with it."""


class InjectedCrash(BaseException):
    """The function instance dies. Not an `Exception`: a handler's `except Exception` could
    not catch a killed process either."""


class FunctionCrashed(Exception):
    """What the trigger sees of an injected crash: an invocation that failed."""


@dataclass
class FaultPlan:
    rates: dict[str, float]
    seed: int | None = None
    injected: dict[str, int] = field(default_factory=dict)

    @classmethod
    def parse(cls, spec: str, seed: str | None = None) -> FaultPlan:
        rates: dict[str, float] = {}
        for part in filter(None, (p.strip() for p in spec.split(","))):
            kind, separator, rate_text = part.partition(":")
            if not separator or kind not in KINDS:
                raise FaultSpecError(f"VIEWCOUNT_FAULTS: {part!r} is not kind:rate with kind one of {', '.join(KINDS)}")
            try:
                rate = float(rate_text)
            except ValueError:
                raise FaultSpecError(f"VIEWCOUNT_FAULTS: the rate in {part!r} is not a number") from None
            if not 0 <= rate <= 1:
                raise FaultSpecError(f"VIEWCOUNT_FAULTS: the rate in {part!r} is not between 0 and 1")
            rates[kind] = rate
        try:
            seed_value = int(seed) if seed not in (None, "") else None
        except ValueError:
            raise FaultSpecError(f"VIEWCOUNT_FAULT_SEED: {seed!r} is not an integer") from None
        return cls(rates, seed_value)

    def __post_init__(self) -> None:
        # One generator per kind, so adding one kind of fault does not move another's dice.
        base = random.Random(self.seed)
        self._random = {kind: random.Random(base.random()) for kind in KINDS}

    def roll(self, kind: str) -> bool:
        hit = self.rates.get(kind, 0) > 0 and self._random[kind].random() < self.rates[kind]
        if hit:
            self.injected[kind] = self.injected.get(kind, 0) + 1
        return hit

    def describe(self) -> str:
        return ",".join(f"{kind}:{rate:g}" for kind, rate in self.rates.items())

    # ---- installing -------------------------------------------------------------------

    def install(self, functions: dict[str, Any], triggers: list[Any], sqs_for_duplicates: Any) -> None:
        for kind, function_name in CRASHING_FUNCTIONS.items():
            if self.rates.get(kind):
                self._crash(kind, functions[function_name])
        for function in functions.values():
            for client in clients_of(function.module):
                service = client.meta.service_model.service_name
                if service == "dynamodb" and self.rates.get("ddb"):
                    client.meta.events.register("before-call.dynamodb", self._failing_dynamodb)
                if service == "apigatewaymanagementapi" and self.rates.get("push"):
                    client.meta.events.register(
                        "before-call.apigatewaymanagementapi.PostToConnection", self._failing_push
                    )
        if self.rates.get("dup"):
            for trigger in triggers:
                if hasattr(trigger, "queue_url"):
                    self._duplicate(trigger, sqs_for_duplicates)

    def _crash(self, kind: str, function: Any) -> None:
        armed = {"now": False}
        rng = self._random[kind]

        def before_write(model: Any, **_: Any) -> None:
            if armed["now"] and model.name in WRITE_OPERATIONS and rng.random() < CRASH_POINT_CHANCE:
                armed["now"] = False
                raise InjectedCrash(f"{function.name} crashed before {model.name}")

        for client in clients_of(function.module):
            if client.meta.service_model.service_name == "dynamodb":
                client.meta.events.register("before-call.dynamodb", before_write)
        handler = function.module.handler

        def crashing_handler(event: Any, context: Any) -> Any:
            if not self.roll(kind):
                return handler(event, context)
            armed["now"] = True
            try:
                handler(event, context)
                raise InjectedCrash(f"{function.name} crashed after its writes")
            except InjectedCrash as crash:
                raise FunctionCrashed(str(crash)) from None
            finally:
                armed["now"] = False

        function.module.handler = crashing_handler

    def _failing_dynamodb(self, model: Any, **_: Any) -> None:
        if self.roll("ddb"):
            code, status = self._random["ddb"].choice(
                [("ProvisionedThroughputExceededException", 400), ("InternalServerError", 500)]
            )
            raise ClientError(
                {"Error": {"Code": code, "Message": "injected"}, "ResponseMetadata": {"HTTPStatusCode": status}},
                model.name,
            )

    def _failing_push(self, model: Any, **_: Any) -> None:
        if self.roll("push"):
            raise ClientError(
                {
                    "Error": {"Code": "InternalServerError", "Message": "injected"},
                    "ResponseMetadata": {"HTTPStatusCode": 500},
                },
                model.name,
            )

    def _duplicate(self, trigger: Any, sqs: Any) -> None:
        """Deliver some messages a second time: once each, on their first receive, as SNS does."""
        collect: Callable[[], list[dict[str, Any]]] = trigger._collect
        copies: set[str] = set()

        def collect_with_duplicates() -> list[dict[str, Any]]:
            messages = collect()
            for message in messages:
                first_receive = message.get("Attributes", {}).get("ApproximateReceiveCount") == "1"
                if first_receive and message["MessageId"] not in copies and self.roll("dup"):
                    with AWS_LOCK:
                        sent = sqs.send_message(
                            QueueUrl=trigger.queue_url,
                            MessageBody=message["Body"],
                            MessageAttributes=message.get("MessageAttributes", {}),
                        )
                    copies.add(sent["MessageId"])
            return messages

        trigger._collect = collect_with_duplicates


def clients_of(module: Any) -> list[Any]:
    """The boto3 clients a handler module created at import (module scope, as Lambda init does)."""
    return [value for value in vars(module).values() if hasattr(value, "meta") and hasattr(value.meta, "events")]
