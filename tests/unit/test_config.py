from __future__ import annotations

import pytest

from viewcount_infra.config import ConfigError, DeploymentConfig, load_dotenv


def test_local_counts_each_view_at_once_unless_its_batches_grow_past_ten():
    fresh = DeploymentConfig.load("local", {})
    larger = DeploymentConfig.load("local", {"LOCAL_SQS_BATCH_SIZE": "100"})

    assert (fresh.sqs_batch_size, fresh.sqs_batch_window_seconds) == (10, 0)
    # Lambda takes batches over 10 only with a window: the shortest one, not a refusal.
    assert (larger.sqs_batch_size, larger.sqs_batch_window_seconds) == (100, 1)


def test_namespace_overrides_win_over_plain_settings():
    env = {"PROD_CLIENT_URL": "https://b.example", "SQS_BATCH_SIZE": "200", "PROD_SQS_BATCH_SIZE": "500"}

    config = DeploymentConfig.load("prod", env)

    assert config.sqs_batch_size == 500 and config.prefix == "viewcount-prod"


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({}, "PROD_CLIENT_URL must name"),
        ({"PROD_CLIENT_URL": "blog.example.com"}, "not an origin"),
        ({"PROD_CLIENT_URL": "https://b.example", "SQS_BATCH_SIZE": "0"}, "between 1 and 10000"),
        (
            {"PROD_CLIENT_URL": "https://b.example", "SQS_BATCH_SIZE": "11", "SQS_BATCH_WINDOW_SECONDS": "0"},
            "needs SQS_BATCH_WINDOW_SECONDS of at least 1",
        ),
        ({"PROD_CLIENT_URL": "https://b.example", "SQS_BATCH_WINDOW_SECONDS": "soon"}, "whole number"),
        ({"PROD_CLIENT_URL": "https://b.example", "LOG_RETENTION_DAYS": "10"}, "must be one of"),
        ({"PROD_CLIENT_URL": "https://b.example", "VIEWS_PER_MINUTE": "0"}, "between 1 and 600"),
        ({"PROD_CLIENT_URL": "https://b.example", "ARTICLE_ID_PATTERN": "[a-z"}, "not a regular expression"),
        ({"PROD_CLIENT_URL": "https://b.example", "ARTICLE_IDS_FILE": "/nonexistent/ids.txt"}, "ARTICLE_IDS_FILE"),
        ({"PROD_CLIENT_URL": "https://b.example", "ARTICLE_IDS": "hello-world,bad id"}, "may only hold .* 'bad id'"),
        ({"PROD_CLIENT_URL": "https://b.example", "ARTICLE_IDS": ",".join(f"id{i:05}" for i in 400 * [0])}, None),
        ({"PROD_CLIENT_URL": "https://b.example", "ARTICLE_IDS": ",".join(f"id{i:05}" for i in range(400))}, "2500"),
    ],
)
def test_bad_settings_are_refused_with_a_message(env, message):
    if message is None:  # the same id 400 times is one id: it fits
        assert DeploymentConfig.load("prod", env).article_ids == "id00000"
        return
    with pytest.raises(ConfigError, match=message):
        DeploymentConfig.load("prod", env)


def test_the_article_allow_list_reaches_the_views_function_from_a_pattern_and_a_file(tmp_path):
    from viewcount.pages import ArticleAllowList
    from viewcount_infra.topology import VIEWS

    ids = tmp_path / "ids.txt"
    ids.write_text("# the blog's posts\nhello-world\n\n  # an indented comment\nsecond-post\n")
    config = DeploymentConfig.load(
        "prod",
        {"PROD_CLIENT_URL": "https://b.example", "ARTICLE_ID_PATTERN": "20[0-9]{2}-.+", "ARTICLE_IDS_FILE": str(ids)},
    )

    env = VIEWS.environment(config, {"salts": "s", "counts": "c"}, "topic", "wss://x")
    assert env["ARTICLE_IDS"] == "hello-world,second-post"
    allow = ArticleAllowList.parse(env["ARTICLE_ID_PATTERN"], env["ARTICLE_IDS"])
    assert [allow.allows(i) for i in ("hello-world", "second-post", "2026-intro", "wp-login.php")] == [
        True, True, True, False,
    ]  # fmt: skip


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
