"""Metering: what a run would be billed for, counted where it happens.

- every AWS call a handler makes, through a botocore hook on its clients, with DynamoDB
  capacity units from the items' sizes (DynamoDB's rules: 1 KB per write unit, 4 KB per
  read unit, half for an eventually consistent read) and the busiest key's writes per second;
- what the SQS event source mappings request (receives that return messages, deletes);
- invocations, and their duration times memory;
- bytes the functions log (JSON logs and metrics, as in AWS: INFO level, metrics on).

WebSocket messages and HTTP API requests are the gateways' own counters. `VIEWCOUNT_METER=<path>` turns metering
on and writes the totals to that file when the stack stops.
"""

from __future__ import annotations

import io
import json
import math
import sys
import threading
import time
from collections import Counter
from pathlib import Path
from typing import Any

from local_stack.faults import clients_of
from local_stack.functions import ACCOUNT_ID, REGION

WRITES = {"PutItem", "UpdateItem", "DeleteItem"}


def attribute_size(value: dict[str, Any]) -> int:
    """A typed attribute value's size by DynamoDB's rules (numbers: about one byte per two digits)."""
    ((kind, inner),) = value.items()
    if kind == "S":
        return len(inner.encode())
    if kind == "N":
        return len(inner.strip("-").replace(".", "")) // 2 + 1
    if kind == "B":
        return len(inner)
    if kind in ("BOOL", "NULL"):
        return 1
    if kind == "M":
        return 3 + sum(len(name.encode()) + attribute_size(v) for name, v in inner.items())
    if kind == "L":
        return 3 + sum(attribute_size(v) for v in inner)
    return sum(len(str(v)) for v in inner)  # sets


def item_size(item: dict[str, Any]) -> int:
    """What DynamoDB bills an item by: one write unit per started KB, one read unit per 4 KB."""
    return sum(len(name.encode()) + attribute_size(value) for name, value in item.items())


def write_units(size: int) -> int:
    return max(1, math.ceil(size / 1024))


def read_units(size: int, consistent: bool) -> float:
    units = max(1, math.ceil(size / 4096))
    return units if consistent else units / 2


class LogCounter(io.TextIOBase):
    """Stands in for stdout: counts (and drops) what a function writes while it runs, and
    passes the stack's own lines through."""

    def __init__(self, stream: Any) -> None:
        self.stream = stream
        self.bytes = 0
        self.in_function = threading.local()
        self._lock = threading.Lock()

    def write(self, text: str) -> int:
        if not getattr(self.in_function, "active", False):
            return self.stream.write(text)
        with self._lock:
            self.bytes += len(text.encode())
        return len(text)

    def flush(self) -> None:
        self.stream.flush()


class Meter:
    def __init__(self) -> None:
        self.operations: Counter[str] = Counter()
        self.invocations: Counter[str] = Counter()
        self.gb_seconds: Counter[str] = Counter()
        self.wru = 0.0
        self.rru = 0.0
        # Per table (its name without the namespace), the write units and the writes over 1 KB.
        self.wru_by_table: Counter[str] = Counter()
        self.large_writes_by_table: Counter[str] = Counter()
        self._writes_per_second: Counter[tuple[str, str, int]] = Counter()
        self._lock = threading.Lock()
        self.logs = LogCounter(sys.stdout)

    # ---- installing -------------------------------------------------------------------

    def capture_logs(self) -> None:
        """Before the handlers are imported: their loggers keep the stream they start with."""
        sys.stdout = self.logs

    def install(self, functions: dict[str, Any], sqs_pollers: Any) -> None:
        for function in functions.values():
            self._time(function)
            for client in clients_of(function.module):
                client.meta.events.register("before-parameter-build", self._remember_params)
                client.meta.events.register("after-call", self._after_call)
        sqs_pollers.meta.events.register("after-call.sqs", self._after_poll)
        self._count_deliveries()

    def _count_deliveries(self) -> None:
        """Each message SNS delivers into a queue is an SQS request, billed like a send."""
        from moto.sqs.models import Queue

        add_message = Queue.add_message
        meter = self

        def add_message_and_count(queue: Any, message: Any) -> None:
            add_message(queue, message)
            if not queue.name.endswith(("-dlq", "-failures")):
                with meter._lock:
                    meter.operations["sqs:SendMessage (delivery)"] += 1

        Queue.add_message = add_message_and_count

    def _time(self, function: Any) -> None:
        handler = function.module.handler
        gigabytes = function.spec.memory_mb / 1024

        def timed(event: Any, context: Any) -> Any:
            started = time.perf_counter()
            self.logs.in_function.active = True
            try:
                return handler(event, context)
            finally:
                self.logs.in_function.active = False
                # Lambda bills each invocation by the millisecond.
                seconds = math.ceil((time.perf_counter() - started) * 1000) / 1000
                with self._lock:
                    self.invocations[function.name] += 1
                    self.gb_seconds[function.name] += seconds * gigabytes

        function.module.handler = timed

    # ---- counting ---------------------------------------------------------------------

    @staticmethod
    def _remember_params(params: dict[str, Any], context: dict[str, Any], **_: Any) -> None:
        # after-call sees the parsed response but not the request's parameters.
        context["metered_params"] = dict(params)

    def _after_call(self, model: Any, parsed: dict[str, Any], context: dict[str, Any], **_: Any) -> None:
        params = context.get("metered_params", {})
        service = model.service_model.service_name
        with self._lock:
            self.operations[f"{service}:{model.name}"] += 1
        if service == "dynamodb":
            self._capacity(model.name, params, parsed)

    def _after_poll(self, model: Any, parsed: dict[str, Any], **_: Any) -> None:
        # An empty receive is the poller's idle loop, which in AWS is a few long polls a minute
        # whatever the traffic; a receive with messages and a delete are per batch.
        if model.name == "ReceiveMessage" and not parsed.get("Messages"):
            return
        if model.name in ("ReceiveMessage", "DeleteMessageBatch", "DeleteMessage"):
            with self._lock:
                self.operations[f"sqs:{model.name} (event source)"] += 1

    def _capacity(self, operation: str, params: dict[str, Any], parsed: dict[str, Any]) -> None:
        failed = "Error" in parsed
        wru = rru = 0.0
        if operation in WRITES:
            table, key = params["TableName"], params.get("Key") or params["Item"]
            size = item_size(parsed.get("Attributes") or params.get("Item") or stored_item(table, key) or {})
            wru = write_units(size) if not failed else 1
            self._wrote(table, key)
            with self._lock:
                self.wru_by_table[table.rsplit("-", 1)[-1]] += wru
                self.large_writes_by_table[table.rsplit("-", 1)[-1]] += wru > 1
        elif operation == "BatchWriteItem":
            for table, requests in params["RequestItems"].items():
                unprocessed = len(parsed.get("UnprocessedItems", {}).get(table, []))
                for request in requests[: len(requests) - unprocessed]:
                    item = request.get("PutRequest", {}).get("Item") or request.get("DeleteRequest", {}).get("Key")
                    wru += write_units(item_size(item))
                    self._wrote(table, item)
        elif operation == "GetItem":
            rru = read_units(item_size(parsed.get("Item", {})), bool(params.get("ConsistentRead")))
        elif operation == "BatchGetItem":
            for table, request in params["RequestItems"].items():
                found = parsed.get("Responses", {}).get(table, [])
                rru += sum(read_units(item_size(item), False) for item in found)
                rru += 0.5 * (len(request["Keys"]) - len(found))
        with self._lock:
            self.wru += wru
            self.rru += rru

    def _wrote(self, table: str, item_or_key: dict[str, Any]) -> None:
        key_names = _key_names(table)
        key = json.dumps({name: item_or_key.get(name) for name in key_names}, sort_keys=True)
        with self._lock:
            self._writes_per_second[(table, key, int(time.time()))] += 1

    # ---- reporting --------------------------------------------------------------------

    def totals(self, gateway_stats: Any) -> dict[str, Any]:
        with self._lock:
            operations = dict(sorted(self.operations.items()))
            return {
                "operations": operations,
                "lambda_invocations": sum(self.invocations.values()),
                "lambda_invocations_by_function": dict(sorted(self.invocations.items())),
                "lambda_gb_seconds": round(sum(self.gb_seconds.values()), 3),
                "lambda_gb_seconds_by_function": {name: round(v, 3) for name, v in sorted(self.gb_seconds.items())},
                "dynamodb_wru": self.wru,
                "dynamodb_wru_by_table": dict(sorted(self.wru_by_table.items())),
                "dynamodb_writes_over_1_kb_by_table": dict(sorted(self.large_writes_by_table.items())),
                "dynamodb_rru": self.rru,
                "sns_publishes": operations.get("sns:Publish", 0),
                "sqs_requests": sum(n for name, n in operations.items() if name.startswith("sqs:")),
                "log_bytes": self.logs.bytes,
                "ws_messages_in": gateway_stats.messages_in,
                "ws_messages_out": gateway_stats.messages_out,
                "ws_probes": gateway_stats.probes,
                "ws_connections": gateway_stats.connections,
                "http_requests": gateway_stats.http_requests,
                "max_writes_per_second_one_key": max(self._writes_per_second.values(), default=0),
            }

    def write(self, path: Path, gateway_stats: Any, **extra: Any) -> None:
        path.write_text(json.dumps({**self.totals(gateway_stats), **extra}, indent=2))


def _key_names(table: str) -> list[str]:
    from moto.dynamodb.models import dynamodb_backends

    schema = dynamodb_backends[ACCOUNT_ID][REGION].get_table(table).schema
    return [element["AttributeName"] for element in schema]


def stored_item(table: str, item_or_key: dict[str, Any]) -> dict[str, Any] | None:
    """The item moto holds under the key of `item_or_key`, in its typed form (after a write,
    an UpdateItem without ReturnValues: what it billed for); None when there is none."""
    from moto.dynamodb.models import dynamodb_backends
    from moto.dynamodb.models.dynamo_type import DynamoType

    backend_table = dynamodb_backends[ACCOUNT_ID][REGION].get_table(table)
    names = _key_names(table)
    hash_key = DynamoType(item_or_key[names[0]])
    range_key = DynamoType(item_or_key[names[1]]) if len(names) > 1 else None
    try:
        item = backend_table.get_item(hash_key, range_key)
    except KeyError:
        return None
    return item.to_json()["Attributes"] if item else None
