"""Handlers are imported as Lambda's init would: each with only its own environment."""

from __future__ import annotations

import dataclasses
import os

import pytest

from local_stack.functions import function_environment, import_handler
from tests.conftest import WS_ENDPOINT
from viewcount.settings import SettingsError
from viewcount_infra.topology import COUNT_VIEWS, VIEWS


def test_a_variable_the_spec_forgets_fails_locally_though_another_function_has_it(aws, monkeypatch):
    # Given a topology that forgets the counts table of count_views,
    forgetful = dataclasses.replace(COUNT_VIEWS, table_actions={})
    env = aws.resources.environment(forgetful, aws.config, WS_ENDPOINT)
    # while the process has the variable, as it has every function's in one local process:
    monkeypatch.setenv("COUNTS_TABLE", aws.resources.table_names["counts"])

    # the function's init fails as it would in AWS, and says what is missing.
    with pytest.raises(SettingsError, match="count_views: COUNTS_TABLE is not set"):
        import_handler(forgetful.code, "forgetful_count_views", env)


def test_the_spec_environment_is_enough_and_the_process_environment_is_given_back(aws, monkeypatch):
    monkeypatch.setenv("VIEWCOUNT_FAULTS", "ddb:0.5")
    before = dict(os.environ)
    env = aws.resources.environment(VIEWS, aws.config, WS_ENDPOINT)

    module = import_handler(VIEWS.code, "isolated_views", env)

    assert module.settings.counts_table == aws.resources.table_names["counts"]
    assert dict(os.environ) == before


def test_a_function_sees_its_own_variables_and_the_runtimes_only(monkeypatch):
    monkeypatch.setenv("SALTS_TABLE", "another-functions-table")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")

    with function_environment({"COUNTS_TABLE": "mine"}):
        seen = dict(os.environ)

    assert seen["COUNTS_TABLE"] == "mine" and seen["AWS_DEFAULT_REGION"] == "us-east-1"
    assert "SALTS_TABLE" not in seen
    assert os.environ["SALTS_TABLE"] == "another-functions-table"
