"""Make moto's hot paths cost what they should, without changing what they answer.

moto is written for tests that make a handful of calls. Under the local stack's load two
of its paths dominate everything else (measured with py-spy and cProfile):

- `unix_time()` builds naive datetimes (and imports `datetime.UTC`) on every call; SQS
  calls it twice per message per look at a queue, to tell visible and delayed messages.
- Every request lists its response class's methods with `inspect.getmembers` to find
  the action; the classes do not change while the stack runs.
- A received message's retention check computes *all* queue attributes, including the
  approximate counts, each a pass over every message in the queue: a receive of 10 from
  a queue holding 300 took 450 ms, and the cost grew with the backlog it was meant to drain.

- DynamoDB parses each UpdateItem's update expression twice (in the response and in the
  backend), tokenizing and building its AST from scratch, though the handlers send the
  same few expressions over and over. The AST is only read where it is parsed: moto's
  validator works on a deep copy of it. Parsed expressions are kept by their text (an
  expression that does not parse raises every time, as before).

- Every DynamoDB response that carries items (UpdateItem's new image, GetItem, stream
  records) goes through moto's model-driven serializer, which for each attribute value
  tries ten members with six alias lookups each, recursing into maps: the counter items,
  with their readers and referrers, cost milliseconds apiece. moto's models already hold
  attribute values in their wire form (`{"S": "..."}`), so the common types (S, N, BOOL,
  NULL, SS, NS, M, L) are copied as they are; anything else (binary, unexpected shapes
  or types) still goes through the serializer.

The replacements return the same values; with moto's internals changed, they are skipped.
"""

from __future__ import annotations

import datetime
import functools
import time
from collections.abc import Callable
from typing import Any

_applied = False


def _fast_unix_time(original: Callable[..., float]) -> Callable[..., float]:
    def unix_time(dt: datetime.datetime | None = None) -> float:
        # The same epoch seconds as moto's (naive UTC now minus the epoch), from the clock directly.
        return time.time() if dt is None else original(dt)

    return unix_time


def _fast_unix_time_millis(original: Callable[..., float]) -> Callable[..., float]:
    def unix_time_millis(dt: datetime.datetime | None = None) -> float:
        return time.time() * 1000.0 if dt is None else original(dt)

    return unix_time_millis


def _retention_check(backend: Any, queue_name: str, message: Any) -> bool:
    queue = backend.get_queue(queue_name)
    return queue.message_retention_period + message.sent_timestamp / 1000 > time.time()


def _cached_update_expressions(parser: Any) -> None:
    make = parser.make.__func__

    @functools.lru_cache(maxsize=1024)
    def make_cached(cls: Any, expression: str) -> Any:
        return make(cls, expression)

    parser.make = classmethod(make_cached)


_SCALAR_TYPES = {"S": str, "N": str, "BOOL": bool, "NULL": bool}


def _wire_attribute_value(value: Any) -> dict[str, Any] | None:
    """An attribute value as moto's JSON serializer would write it, or None to let it."""
    if type(value) is not dict:
        return None
    wire: dict[str, Any] = {}
    for kind, inner in value.items():
        scalar = _SCALAR_TYPES.get(kind)
        if scalar is not None:
            if type(inner) is not scalar:
                return None
            wire[kind] = inner
        elif kind in ("SS", "NS"):
            if type(inner) is not list or any(type(member) is not str for member in inner):
                return None
            wire[kind] = list(inner)
        elif kind == "M":
            if type(inner) is not dict:
                return None
            members = {}
            for name, member in inner.items():
                members[name] = _wire_attribute_value(member)
                if members[name] is None:
                    return None
            wire[kind] = members
        elif kind == "L":
            if type(inner) is not list:
                return None
            elements = [_wire_attribute_value(element) for element in inner]
            if any(element is None for element in elements):
                return None
            wire[kind] = elements
        else:
            return None
    return wire


def _fast_attribute_values(serializer: Any) -> None:
    serialize_structure = serializer._serialize_type_structure

    def _serialize_type_structure(self: Any, serialized: Any, value: Any, shape: Any, key: str) -> None:
        if key and shape.name == "AttributeValue" and not shape.serialization.get("name"):
            wire = _wire_attribute_value(value)
            if wire is not None:
                serialized[key] = wire
                return
        serialize_structure(self, serialized, value, shape, key)

    serializer._serialize_type_structure = _serialize_type_structure


def apply() -> None:
    """Patch moto once; call before the first request reaches it."""
    global _applied
    if _applied:
        return
    _applied = True
    from moto.core import responses, serialize, utils
    from moto.dynamodb.parsing import expressions
    from moto.sqs import models as sqs_models

    if hasattr(responses, "method_names_from_class"):
        responses.method_names_from_class = functools.cache(responses.method_names_from_class)

    unix_time, unix_time_millis = utils.unix_time, utils.unix_time_millis
    # Modules that imported the names keep their own binding: patch each that the load reaches.
    for module in (utils, sqs_models):
        if getattr(module, "unix_time", None) is unix_time:
            module.unix_time = _fast_unix_time(unix_time)
        if getattr(module, "unix_time_millis", None) is unix_time_millis:
            module.unix_time_millis = _fast_unix_time_millis(unix_time_millis)
    if hasattr(sqs_models.SQSBackend, "is_message_valid_based_on_retention_period"):
        sqs_models.SQSBackend.is_message_valid_based_on_retention_period = _retention_check
    parser = getattr(expressions, "UpdateExpressionParser", None)
    if parser is not None and isinstance(vars(parser).get("make"), classmethod):
        _cached_update_expressions(parser)
    json_serializer = getattr(serialize, "BaseJSONSerializer", None)
    if json_serializer is not None and "_serialize_type_structure" in vars(json_serializer):
        _fast_attribute_values(json_serializer)
