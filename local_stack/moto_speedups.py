"""Make moto's hot paths cost what they should, without changing what they answer.

moto is written for tests that make a handful of calls. Under the local stack's load these
of its paths (and one of botocore's) dominate, as measured with py-spy and cProfile:

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

- Each UpdateItem validates its expression with ten passes over a deep copy of its AST.
  Each pass asks its processor for the node types it handles at every node, and the
  processor builds that map afresh each time; the map is the same for every processor of
  a class (its own methods), so it is kept per class. The copy goes through `copy`'s
  generic reduce protocol for every node; the nodes hold only their type name, parent and
  children, which are copied directly, with the same sharing (the copied parent) that
  `deepcopy` gives.

- Condition expressions are lexed afresh on every conditional write, character by
  character with a dozen regular expressions; the handlers send a handful of them. The
  tokens (immutable named tuples) are kept by the expression's text; what depends on the
  call's names and values is still worked out per call.

- botocore signs every request with SigV4 (a canonical request, four HMACs), though
  neither moto nor the local gateway's management API checks a signature. Clients of the
  process's default boto3 session, which the handlers use, send their requests unsigned:
  moto reads the region from the URL and, with no credentials to map, uses the same
  default account either way. (In-process stacks in the tests leave that session so.)

The replacements return the same values: `tests/local_stack/test_moto_speedups.py` compares
moto's answers and errors with and without them. With moto's internals changed they are
skipped, and that test fails, so that an upgrade is checked rather than silently slower.
"""

from __future__ import annotations

import copy
import datetime
import functools
import time
from collections import deque
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


def _cached_condition_tokens(parser: Any) -> None:
    lex = parser._lex_condition_expression

    @functools.lru_cache(maxsize=1024)
    def tokens(expression: str) -> tuple[Any, ...]:
        # Lexing reads nothing of the parser but the expression; names and values come later.
        return tuple(lex(parser(expression, None, None)))

    def _lex_condition_expression(self: Any) -> deque[Any]:
        # Fresh child lists, as a fresh lexing would give: the parser builds on the tokens.
        return deque(node._replace(children=list(node.children)) for node in tokens(self.condition_expression))

    parser._lex_condition_expression = _lex_condition_expression


def _processing_map_kept(traverser: Any) -> None:
    # Per processor class: the node types, and the unbound functions the map's bound methods
    # wrap (kept on the class, not the instance, which would tie each to itself in a cycle).
    kept_by_class: dict[type, tuple[tuple[type, ...], tuple[tuple[type, Callable[..., Any]], ...]] | None] = {}

    def kept(self: Any) -> tuple[tuple[type, ...], tuple[tuple[type, Callable[..., Any]], ...]] | None:
        cls = type(self)
        if cls not in kept_by_class:
            processors = self._processing_map()
            methods = all(getattr(method, "__self__", None) is self for method in processors.values())
            kept_by_class[cls] = (
                (tuple(processors), tuple((node_type, method.__func__) for node_type, method in processors.items()))
                if methods
                else None  # not methods of the processor itself: ask for the map each time, as moto does
            )
        return kept_by_class[cls]

    def nodes_to_be_processed(self: Any) -> tuple[type, ...]:
        known = kept(self)
        return known[0] if known else tuple(self._processing_map())

    def process(self: Any, node: Any) -> Any:
        known = kept(self)
        if known is None:
            return original_process(self, node)
        for node_type, function in known[1]:
            if isinstance(node, node_type):
                return function(self, node)
        return None

    original_process = traverser.process
    traverser.nodes_to_be_processed = nodes_to_be_processed
    traverser.process = process


_NODE_ATTRIBUTES = {"type", "children", "parent"}


def _direct_node_copies(node_class: Any) -> None:
    def __deepcopy__(self: Any, memo: dict[int, Any]) -> Any:
        if self.__dict__.keys() != _NODE_ATTRIBUTES:
            # A node with more state than moto's own: copy it the generic way.
            copied = object.__new__(type(self))
            memo[id(self)] = copied
            copied.__dict__.update(copy.deepcopy(self.__dict__, memo))
            return copied
        copied = object.__new__(type(self))
        memo[id(self)] = copied
        copied.type = self.type
        copied.parent = None if self.parent is None else copy.deepcopy(self.parent, memo)
        children = self.children
        copied.children = (
            None
            if children is None
            else [child if type(child) is str else copy.deepcopy(child, memo) for child in children]
        )
        return copied

    node_class.__deepcopy__ = __deepcopy__


def skip_signing(session: Any) -> None:
    """Send the requests of `session`'s clients unsigned (moto does not check signatures)."""
    session.events.register_first("choose-signer", _unsigned, unique_id="viewcount-local-unsigned")


def _unsigned(**_: Any) -> Any:
    import botocore

    return botocore.UNSIGNED


def apply() -> list[str]:
    """Patch moto once; call before the first request reaches it. Returns the patches made
    (those whose moto internals are as expected), the first time; later calls return []."""
    global _applied
    if _applied:
        return []
    _applied = True
    from moto.core import responses, serialize, utils
    from moto.dynamodb import comparisons
    from moto.dynamodb.parsing import ast_nodes, expressions
    from moto.sqs import models as sqs_models

    applied = []
    if hasattr(responses, "method_names_from_class"):
        responses.method_names_from_class = functools.cache(responses.method_names_from_class)
        applied.append("method lookup")
    unix_time, unix_time_millis = utils.unix_time, utils.unix_time_millis
    # Modules that imported the names keep their own binding: patch each that the load reaches.
    for module in (utils, sqs_models):
        if getattr(module, "unix_time", None) is unix_time:
            module.unix_time = _fast_unix_time(unix_time)
            applied.append(f"{module.__name__}.unix_time")
        if getattr(module, "unix_time_millis", None) is unix_time_millis:
            module.unix_time_millis = _fast_unix_time_millis(unix_time_millis)
            applied.append(f"{module.__name__}.unix_time_millis")
    if hasattr(sqs_models.SQSBackend, "is_message_valid_based_on_retention_period"):
        sqs_models.SQSBackend.is_message_valid_based_on_retention_period = _retention_check
        applied.append("retention check")
    parser = getattr(expressions, "UpdateExpressionParser", None)
    if parser is not None and isinstance(vars(parser).get("make"), classmethod):
        _cached_update_expressions(parser)
        applied.append("update expressions")
    traverser = getattr(ast_nodes, "DepthFirstTraverser", None)
    if traverser is not None and all(name in vars(traverser) for name in ("nodes_to_be_processed", "process")):
        _processing_map_kept(traverser)
        applied.append("processing maps")
    node = getattr(ast_nodes, "Node", None)
    if node is not None and "__deepcopy__" not in vars(node):
        _direct_node_copies(node)
        applied.append("node copies")
    condition_parser = getattr(comparisons, "ConditionExpressionParser", None)
    if condition_parser is not None and all(
        callable(vars(condition_parser).get(name)) for name in ("__init__", "_lex_condition_expression")
    ):
        _cached_condition_tokens(condition_parser)
        applied.append("condition tokens")
    json_serializer = getattr(serialize, "BaseJSONSerializer", None)
    if json_serializer is not None and "_serialize_type_structure" in vars(json_serializer):
        _fast_attribute_values(json_serializer)
        applied.append("attribute values")
    return applied
