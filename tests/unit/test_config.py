from __future__ import annotations

import pytest

from viewcount_infra.config import ConfigError, DeploymentConfig, load_dotenv


def test_namespace_overrides_win_over_plain_settings():
    env = {"PROD_CLIENT_URL": "https://b.example", "SQS_BATCH_SIZE": "200", "PROD_SQS_BATCH_SIZE": "500"}

    config = DeploymentConfig.load("prod", env)

    assert config.sqs_batch_size == 500 and config.prefix == "viewcount-prod"


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({}, "PROD_CLIENT_URL must name"),
        ({"PROD_CLIENT_URL": "blog.example.com"}, "not an origin"),
        ({"PROD_CLIENT_URL": "https://b.example", "SQS_BATCH_SIZE": "10"}, "between 100 and 10000"),
        ({"PROD_CLIENT_URL": "https://b.example", "SQS_BATCH_WINDOW_SECONDS": "soon"}, "whole number"),
        ({"PROD_CLIENT_URL": "https://b.example", "LOG_RETENTION_DAYS": "10"}, "must be one of"),
    ],
)
def test_bad_settings_are_refused_with_a_message(env, message):
    with pytest.raises(ConfigError, match=message):
        DeploymentConfig.load("prod", env)


def test_the_staging_name_of_the_original_is_still_read():
    assert (
        DeploymentConfig.load("stage", {"STAGING_CLIENT_URL": "https://s.example"}).client_origins
        == "https://s.example"
    )


def test_dotenv_fills_only_what_is_unset(tmp_path):
    (tmp_path / ".env").write_text("# comment\nNAMESPACE=stage\nSTAGE_CLIENT_URL='https://s.example'\n")
    env = {"NAMESPACE": "prod"}

    load_dotenv(tmp_path / ".env", env)

    assert env == {"NAMESPACE": "prod", "STAGE_CLIENT_URL": "https://s.example"}
