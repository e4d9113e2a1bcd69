"""Each function's settings: exactly the variables its spec gives, each checked at init."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping

import pytest

from tests.conftest import ROOT, WS_ENDPOINT
from viewcount.settings import (
    ConnectSettings,
    CountsRouteSettings,
    CountViewsSettings,
    DashboardApiSettings,
    HttpCountsSettings,
    HttpViewsSettings,
    PublicCounterSettings,
    PushReadersSettings,
    RecordViewsSettings,
    SettingsError,
    ViewsSettings,
    WatchSettings,
)
from viewcount_infra.config import DeploymentConfig
from viewcount_infra.topology import DASHBOARD_API, FUNCTIONS, TABLES, VIEWS

SETTINGS_OF_CODE = {
    "connect": ConnectSettings,
    "views": ViewsSettings,
    "counts": CountsRouteSettings,
    "default": None,  # reads nothing
    "record_views": RecordViewsSettings,
    "count_views": CountViewsSettings,
    "push_readers": PushReadersSettings,
    "http_views": HttpViewsSettings,
    "http_counts": HttpCountsSettings,
    "dashboard_api": DashboardApiSettings,
    "public_counter": PublicCounterSettings,
    "watch": WatchSettings,
}
# Read when present: the local stack's referrer-spam list (deployed functions carry theirs).
OPTIONAL = {"REFERRER_SPAM_FILE"}
TOPIC_ARN = "arn:aws:sns:us-east-1:123456789012:viewcount-local-views"
PUSH_QUEUE_URL = "https://sqs.us-east-1.amazonaws.com/123456789012/viewcount-local-push-requests"
OWNER_KEY_SECRET_ARN = "arn:aws:secretsmanager:us-east-1:123456789012:secret:viewcount-local-owner-key-AbCdEf"
DASHBOARD_ORIGINS = "https://d1234.cloudfront.net"


class RecordingEnv(Mapping[str, str]):
    """An environment that remembers every name asked for, present or not."""

    def __init__(self, values: dict[str, str]) -> None:
        self.values = values
        self.asked: set[str] = set()

    def __getitem__(self, name: str) -> str:
        self.asked.add(name)
        return self.values[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self.values)

    def __len__(self) -> int:
        return len(self.values)


def spec_environment(spec) -> dict[str, str]:
    from local_stack.resources import write_sites_file

    config = DeploymentConfig.load("local", {"LOCAL_CLIENT_URL": "https://blog.example.com"})
    tables = {table.key: table.physical_name(config) for table in TABLES}
    return spec.environment(
        config,
        tables,
        TOPIC_ARN,
        WS_ENDPOINT,
        PUSH_QUEUE_URL,
        write_sites_file(config),
        owner_key_secret=OWNER_KEY_SECRET_ARN,
        dashboard_origins=DASHBOARD_ORIGINS,
    )


def own_variables(env: dict[str, str]) -> set[str]:
    """The function's own variables; Powertools reads its own at import."""
    return {name for name in env if not name.startswith("POWERTOOLS_")}


def test_every_function_code_has_its_settings_class():
    assert set(SETTINGS_OF_CODE) == {spec.code for spec in FUNCTIONS}


@pytest.mark.parametrize("spec", FUNCTIONS, ids=lambda spec: spec.name)
def test_a_function_reads_exactly_the_variables_its_spec_gives(spec):
    env = spec_environment(spec)
    settings_class = SETTINGS_OF_CODE[spec.code]
    recording = RecordingEnv(env)

    if settings_class is not None:
        settings_class.from_env(recording)

    assert recording.asked - OPTIONAL == own_variables(env)


@pytest.mark.parametrize(
    ("spec", "variable"),
    [(spec, variable) for spec in FUNCTIONS for variable in sorted(own_variables(spec_environment(spec)))],
    ids=lambda value: getattr(value, "name", value),
)
def test_a_missing_variable_fails_the_init_and_names_itself(spec, variable):
    env = spec_environment(spec)
    del env[variable]

    with pytest.raises(SettingsError, match=re.escape(variable)):
        SETTINGS_OF_CODE[spec.code].from_env(env)


@pytest.mark.parametrize(
    ("variable", "value", "problem"),
    [
        ("VIEWS_PER_MINUTE", "ten", "whole number"),
        ("VIEWS_PER_MINUTE", "0", "between 1 and 600"),
        ("SITES_FILE", "/nonexistent/sites.json", "no readable sites file"),
        ("SITES_FILE", str(ROOT / "pyproject.toml"), "no list of sites"),
        ("WS_ENDPOINT", "abc123.execute-api.us-east-1.amazonaws.com", "http(s) URL"),
        ("VIEWS_TOPIC_ARN", "viewcount-local-views", "SNS topic ARN"),
        ("SALTS_TABLE", " ", "is empty"),
        ("REFERRER_SPAM_FILE", "/nonexistent/spammers.txt", "no readable list"),
    ],
)
def test_a_malformed_variable_fails_the_init_and_says_why(variable, value, problem):
    env = spec_environment(VIEWS) | {variable: value}

    with pytest.raises(SettingsError, match=rf"views: {variable} .*{re.escape(problem)}"):
        ViewsSettings.from_env(env)


@pytest.mark.parametrize(
    ("variable", "value", "problem"),
    [
        ("OWNER_KEY_SECRET_ARN", "viewcount-local-owner-key", "Secrets Manager secret ARN"),
        ("DASHBOARD_ORIGINS", "https://d1234.cloudfront.net,not an origin", "no origin"),
    ],
)
def test_the_dashboard_api_refuses_a_malformed_variable(variable, value, problem):
    env = spec_environment(DASHBOARD_API) | {variable: value}

    with pytest.raises(SettingsError, match=rf"dashboard_api: {variable} .*{re.escape(problem)}"):
        DashboardApiSettings.from_env(env)


def test_the_dashboard_origins_are_normalised_and_may_be_none():
    env = spec_environment(DASHBOARD_API)

    assert DashboardApiSettings.from_env(
        env | {"DASHBOARD_ORIGINS": "HTTPS://Dash.Example.com:443"}
    ).dashboard_origins == {"https://dash.example.com"}
    assert DashboardApiSettings.from_env(env | {"DASHBOARD_ORIGINS": ""}).dashboard_origins == frozenset()


def test_logic_never_reads_the_environment():
    """Only viewcount.settings reads it, at init: everything else is handed its values."""
    readers = [
        path.relative_to(ROOT).as_posix()
        for path in (ROOT / "lambdas").rglob("*.py")
        if re.search(r"\bos\.(environ|getenv)\b", path.read_text()) and path.name != "settings.py"
    ]

    assert readers == []


def test_the_local_stack_hands_its_referrer_spam_list_to_views_and_deployments_do_not(tmp_path):
    listed = tmp_path / "spammers.txt"
    listed.write_text("spam-example.test\n")
    tables = {table.key: table.key for table in TABLES}

    local = DeploymentConfig.load("local", {"REFERRER_SPAM_FILE": str(listed)})
    prod = DeploymentConfig.load(
        "prod", {"PROD_CLIENT_URL": "https://blog.example.com", "REFERRER_SPAM_FILE": str(listed)}
    )

    from local_stack.resources import write_sites_file

    settings = ViewsSettings.from_env(
        VIEWS.environment(local, tables, TOPIC_ARN, WS_ENDPOINT, sites_file=write_sites_file(local))
    )
    assert settings.spam_hosts == {"spam-example.test"}
    # A deployed function reads the list bundled into its package instead of a path of this machine.
    assert "REFERRER_SPAM_FILE" not in VIEWS.environment(prod, tables, TOPIC_ARN, WS_ENDPOINT)
