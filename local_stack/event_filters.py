"""Lambda's event filter grammar, as event source mappings apply it to stream records.

A pattern is a JSON object whose keys follow the record's; a leaf is a list of matchers, and
the field matches when any of them does (a list field: when any of its elements does).
Supported, as Lambda documents them: literal strings, numbers and null (equals; `""`
matches empty); `{"prefix": s}`, `{"suffix": s}`, `{"equals-ignore-case": s}`;
`{"anything-but": value | [values] | {"prefix": s}}`; `{"numeric": [op, n, op, n]}`;
`{"exists": bool}`; and `"$or": [patterns]`. Anything else raises ValueError, so that a
pattern the local stack cannot judge fails loudly instead of filtering wrong.
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from typing import Any

_ABSENT = object()
_NUMERIC: dict[str, Callable[[float, float], bool]] = {
    "=": operator.eq,
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
}


def matches(pattern: dict[str, Any], event: Any) -> bool:
    """Whether `event` passes the filter `pattern`."""
    if not isinstance(pattern, dict):
        raise ValueError(f"a filter pattern is an object, not {pattern!r}")
    for name, rule in pattern.items():
        if name == "$or":
            if not isinstance(rule, list) or not any(matches(option, event) for option in rule):
                return False
            continue
        value = event.get(name, _ABSENT) if isinstance(event, dict) else _ABSENT
        if isinstance(rule, dict):
            # Patterns match paths: below a missing object every field is missing, which
            # only `{"exists": false}` matches.
            if not matches(rule, value if isinstance(value, dict) else {}):
                return False
        elif isinstance(rule, list):
            if not _leaf_matches(rule, value):
                return False
        else:
            raise ValueError(f"{name}: a filter rule is a list of matchers or an object, not {rule!r}")
    return True


def _leaf_matches(matchers: list[Any], value: Any) -> bool:
    # An absent field is matched only by `{"exists": false}`.
    values = value if isinstance(value, list) else [value]
    return any(_matcher(m, v) for m in matchers for v in values)


def _matcher(matcher: Any, value: Any) -> bool:
    if not isinstance(matcher, dict):
        if isinstance(matcher, (list, tuple)):
            raise ValueError(f"a matcher is a value or an object, not {matcher!r}")
        return value is not _ABSENT and _same(matcher, value)
    if len(matcher) != 1:
        raise ValueError(f"a matcher object has one key, not {sorted(matcher)}")
    [(kind, argument)] = matcher.items()
    present = value is not _ABSENT
    if kind == "exists":
        if not isinstance(argument, bool):
            raise ValueError("exists takes true or false")
        return present == argument
    if kind == "prefix":
        return present and isinstance(value, str) and value.startswith(_text(kind, argument))
    if kind == "suffix":
        return present and isinstance(value, str) and value.endswith(_text(kind, argument))
    if kind == "equals-ignore-case":
        return present and isinstance(value, str) and value.lower() == _text(kind, argument).lower()
    if kind == "anything-but":
        if isinstance(argument, dict):
            return present and not _matcher(argument, value)
        excluded = argument if isinstance(argument, list) else [argument]
        return present and not any(_same(other, value) for other in excluded)
    if kind == "numeric":
        return present and _numeric(argument, value)
    raise ValueError(f"the local stack does not know the filter matcher {kind!r}")


def _same(expected: Any, value: Any) -> bool:
    if isinstance(expected, bool) or isinstance(value, bool):
        return expected is value
    if isinstance(expected, (int, float)) and isinstance(value, (int, float)):
        return float(expected) == float(value)
    return type(expected) is type(value) and expected == value


def _text(kind: str, argument: Any) -> str:
    if not isinstance(argument, str):
        raise ValueError(f"{kind} takes a string")
    return argument


def _numeric(argument: Any, value: Any) -> bool:
    if not isinstance(argument, list) or len(argument) not in (2, 4):
        raise ValueError("numeric takes [op, n] or [op, n, op, n]")
    pairs = list(zip(argument[::2], argument[1::2], strict=True))
    for op, bound in pairs:
        if op not in _NUMERIC or isinstance(bound, bool) or not isinstance(bound, (int, float)):
            raise ValueError(f"numeric: {op!r} {bound!r} is not a comparison with a number")
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return False
    return all(_NUMERIC[op](value, bound) for op, bound in pairs)
