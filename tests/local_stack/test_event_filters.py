"""The local stack's Lambda event filter grammar, on the shapes DynamoDB stream records have."""

from __future__ import annotations

import pytest

from local_stack.event_filters import matches
from viewcount_infra.topology import STREAM_FILTER

INSERT = {
    "eventName": "INSERT",
    "dynamodb": {
        "Keys": {"visitorDay": {"S": "2026-12-03#ab"}},
        "NewImage": {"visitorDay": {"S": "2026-12-03#ab"}, "pageKey": {"S": "path#/tags/x"}, "n": {"N": "5"}},
    },
}
KEY_ONLY = {"eventName": "INSERT", "dynamodb": {"NewImage": {"visitorDay": {"S": "2026-12-03#ab"}}}}
MODIFY = {**INSERT, "eventName": "MODIFY"}
REMOVE = {"eventName": "REMOVE", "dynamodb": {"OldImage": INSERT["dynamodb"]["NewImage"]}}


@pytest.mark.parametrize(("record", "passes"), [(INSERT, True), (MODIFY, True), (KEY_ONLY, False), (REMOVE, False)])
def test_the_stream_filter_passes_the_records_that_carry_a_view(record, passes):
    assert matches(STREAM_FILTER, record) is passes


@pytest.mark.parametrize(
    ("pattern", "passes"),
    [
        ({"eventName": ["INSERT"]}, True),
        ({"eventName": ["MODIFY", "REMOVE"]}, False),
        ({"dynamodb": {"NewImage": {"pageKey": {"S": [{"prefix": "path#"}]}}}}, True),
        ({"dynamodb": {"NewImage": {"pageKey": {"S": [{"prefix": "post#"}]}}}}, False),
        ({"dynamodb": {"NewImage": {"pageKey": {"S": [{"suffix": "/x"}]}}}}, True),
        ({"eventName": [{"equals-ignore-case": "insert"}]}, True),
        ({"eventName": [{"anything-but": ["REMOVE"]}]}, True),
        ({"eventName": [{"anything-but": "INSERT"}]}, False),
        ({"eventName": [{"anything-but": {"prefix": "IN"}}]}, False),
        ({"dynamodb": {"NewImage": {"gone": [{"exists": False}]}}}, True),
        ({"dynamodb": {"NewImage": {"gone": [{"exists": True}]}}}, False),
        ({"dynamodb": {"NewImage": {"pageKey": [{"exists": False}]}}}, False),
        # Below a missing object every field is missing.
        ({"dynamodb": {"OldImage": {"x": [{"exists": False}]}}}, True),
        ({"dynamodb": {"OldImage": {"x": [{"exists": True}]}}}, False),
        ({"dynamodb": {"NewImage": {"pageKey": ["path#/tags/x"]}}}, False),  # the typed value is an object
        ({"eventName": ["INSERT"], "dynamodb": {"Keys": {"visitorDay": {"S": ["other"]}}}}, False),
        ({"$or": [{"eventName": ["MODIFY"]}, {"eventName": ["INSERT"]}]}, True),
        ({"$or": [{"eventName": ["MODIFY"]}, {"eventName": ["REMOVE"]}]}, False),
    ],
)
def test_each_matcher_behaves_as_lambda_documents_it(pattern, passes):
    assert matches(pattern, INSERT) is passes


@pytest.mark.parametrize(
    ("matcher", "value", "passes"),
    [
        ([{"numeric": [">", 0, "<=", 5]}], 5, True),
        ([{"numeric": [">", 0, "<=", 5]}], 6, False),
        ([{"numeric": ["=", 3]}], 3.0, True),
        ([{"numeric": [">", 0]}], "7", False),
        ([""], "", True),
        ([None], None, True),
        ([None], "", False),
        ([1], True, False),
        (["a"], ["b", "a"], True),  # a list field matches when an element does
    ],
)
def test_values_and_numbers(matcher, value, passes):
    assert matches({"field": matcher}, {"field": value}) is passes


@pytest.mark.parametrize(
    "pattern",
    [
        {"eventName": "INSERT"},  # a rule is a list
        {"eventName": [{"wildcard": "IN*"}]},
        {"eventName": [{"prefix": "I", "suffix": "T"}]},
        {"eventName": [{"numeric": [">", "zero"]}]},
        {"eventName": [["INSERT"]]},
    ],
)
def test_a_pattern_it_cannot_judge_raises(pattern):
    with pytest.raises(ValueError):
        matches(pattern, INSERT)
