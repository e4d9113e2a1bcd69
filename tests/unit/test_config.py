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
        ({"PROD_CLIENT_URL": "https://b.example", "TIME_ZONE": "Asia/Peking"}, "not an IANA time zone"),
        ({"PROD_CLIENT_URL": "https://b.example", "SITE_ID": "My Blog"}, "lower-case letters"),
    ],
)
def test_bad_settings_are_refused_with_a_message(env, message):
    with pytest.raises(ConfigError, match=message):
        DeploymentConfig.load("prod", env)


def test_a_single_site_deployment_needs_no_new_setting():
    config = DeploymentConfig.load("prod", {"PROD_CLIENT_URL": "https://blog.example.com,https://www.example.com"})

    (site,) = config.sites
    assert (site.id, site.time_zone, site.page_limit) == ("blog", "UTC", 10_000)
    assert config.sites.allowed_origins == {"https://blog.example.com", "https://www.example.com"}
    assert site.page_rules.home_paths == ("/",)


def test_the_article_allow_list_reaches_the_sites_file_from_a_pattern_and_a_file(tmp_path):
    from viewcount.sites import Sites

    ids = tmp_path / "ids.txt"
    ids.write_text("# the blog's posts\nhello-world\n\n  # an indented comment\nsecond-post\n")
    config = DeploymentConfig.load(
        "prod",
        {"PROD_CLIENT_URL": "https://b.example", "ARTICLE_ID_PATTERN": "20[0-9]{2}-.+", "ARTICLE_IDS_FILE": str(ids)},
    )

    # Thousands of ids fit: the sites travel in a file, not in the functions' 4 KB environment.
    allow = Sites.of_json(config.sites.as_json()).default.article_allow_list
    assert [allow.allows(i) for i in ("hello-world", "second-post", "2026-intro", "wp-login.php")] == [
        True, True, True, False,
    ]  # fmt: skip


def test_the_staging_name_of_the_original_is_still_read():
    assert (
        DeploymentConfig.load("stage", {"STAGING_CLIENT_URL": "https://s.example"}).client_origins
        == "https://s.example"
    )


# ---- SITES: several sites on one deployment ---------------------------------------

SITES_TOML = """
[[sites]]
id = "blog"
origins = ["https://blog.example.com"]
time_zone = "Asia/Shanghai"

[[sites]]
id = "notes"
origins = ["https://user.github.io/notes"]
time_zone = "Europe/Berlin"
page_limit = 2000
views_per_page_per_day = 20
page_path_pattern = "/notes/.*"
article_ids = ["intro"]
"""


def sites_file(tmp_path, text: str):
    path = tmp_path / "sites.toml"
    path.write_text(text)
    return {"PROD_SITES": str(path)}


def test_sites_name_each_site_with_its_own_settings_and_the_plain_ones_as_defaults(tmp_path):
    config = DeploymentConfig.load("prod", {**sites_file(tmp_path, SITES_TOML), "PAGE_LIMIT": "500"})

    blog, notes = config.sites
    assert (blog.id, blog.time_zone, blog.page_limit, blog.views_per_page_per_day) == ("blog", "Asia/Shanghai", 500, 50)
    assert (notes.time_zone, notes.page_limit, notes.views_per_page_per_day) == ("Europe/Berlin", 2000, 20)
    # A site under a path prefix has its home there.
    assert notes.page_rules.home_paths == ("/notes",)
    assert notes.article_ids == ("intro",) and notes.path_allow_list.allows("/notes/x")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("not toml = = =", "is not TOML"),
        ("[other]\nx = 1\n", "may only hold \\[\\[sites\\]\\]"),
        ("sites = []\n", "names no site"),
        ('[[sites]]\norigins = ["https://a.example"]\n', "needs an id and origins"),
        ('[[sites]]\nid = "a"\norigins = ["a.example"]\n', "site a: origins: not an origin"),
        ('[[sites]]\nid = "a"\norigins = ["https://a.example"]\npage_limt = 3\n', "unknown setting page_limt"),
        ('[[sites]]\nid = "a"\norigins = ["https://a.example"]\npage_limit = 0\n', "page_limit cannot be 0"),
        ('[[sites]]\nid = "a"\norigins = ["https://a.example"]\npage_limit = "9"\n', "page_limit cannot be '9'"),
        ('[[sites]]\nid = "a"\norigins = ["https://a.example"]\ntime_zone = "CET+1"\n', "not an IANA"),
        ('[[sites]]\nid = "a"\norigins = 7\n', "origins must be a list of strings"),
        (
            '[[sites]]\nid = "a"\norigins = ["https://a.example"]\n[[sites]]\nid = "b"\norigins = ["https://A.example/"]\n',
            "sites a and b both claim https://a.example",
        ),
    ],
)
def test_a_bad_sites_file_is_refused_at_synth_with_a_clear_message(tmp_path, text, message):
    with pytest.raises(ConfigError, match=message):
        DeploymentConfig.load("prod", sites_file(tmp_path, text))


def test_a_missing_sites_file_is_named():
    with pytest.raises(ConfigError, match=r"SITES: .*nowhere\.toml"):
        DeploymentConfig.load("prod", {"SITES": "/nowhere.toml"})


def test_dotenv_fills_only_what_is_unset(tmp_path):
    (tmp_path / ".env").write_text("# comment\nNAMESPACE=stage\nSTAGE_CLIENT_URL='https://s.example'\n")
    env = {"NAMESPACE": "prod"}

    load_dotenv(tmp_path / ".env", env)

    assert env == {"NAMESPACE": "prod", "STAGE_CLIENT_URL": "https://s.example"}
