"""`./admin.sh`: the same commands against moto's DynamoDB (a deployed namespace) and a saved snapshot (local)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import boto3
import pytest
from moto import mock_aws

from admin.__main__ import main
from local_stack.harness import LocalStackProcess
from local_stack.resources import create_table
from local_stack.state import PID_FILE
from viewcount_infra.config import DeploymentConfig
from viewcount_infra.topology import COUNTS, HISTORY, TABLES

ENV = {"PROD_CLIENT_URL": "https://blog.example.com"}
TODAY = date(2026, 11, 29)
ITEMS: list[dict[str, Any]] = [
    {"pageKey": {"S": "blog#post#hello-world"}, "articleTitle": {"S": "Hello, world"}, "totalViews": {"N": "5"},
     "uniqueViews": {"N": "3"}, "referrer:news.example": {"N": "2"}},
    {"pageKey": {"S": "blog#post#untitled"}, "totalViews": {"N": "1"}, "uniqueViews": {"N": "1"}},
    {"pageKey": {"S": "blog#site"}, "totalViews": {"N": "9"}, "uniqueViews": {"N": "6"},
     "2026-11-29:totalViews": {"N": "2"}, "2026-11-29:uniqueViews": {"N": "1"}, "2026-11-29:gen": {"S": "t0"}},
    {"pageKey": {"S": "blog#bots#2026-11-29"}, "webdriver": {"N": "3"}, "headless": {"N": "12"}},
    {"pageKey": {"S": "blog#bots#2026-11-27"}, "headless": {"N": "1"}},
    {"pageKey": {"S": "blog#bots#2026-11-23"}, "no-javascript": {"N": "4"}},
    {"pageKey": {"S": "blog#bots#2026-11-22"}, "headless": {"N": "100"}},
    # Today's views of a page and of the site, still on their counters.
    {"pageKey": {"S": "blog#path#/tags/x"}, "totalViews": {"N": "9"}, "uniqueViews": {"N": "4"},
     "2026-11-29:totalViews": {"N": "2"}, "2026-11-29:uniqueViews": {"N": "1"}, "2026-11-29:gen": {"S": "t1"},
     "2026-11-29:referrer:news.example": {"N": "2"}},
]  # fmt: skip
# Earlier days, moved to the history, and the site's pages.
HISTORY_ITEMS: list[dict[str, Any]] = [
    {"siteDay": {"S": "blog#pages"}, "key": {"S": "post#hello-world"}},
    {"siteDay": {"S": "blog#pages"}, "key": {"S": "path#/tags/x"}},
    {"siteDay": {"S": "blog#2026-11-28"}, "key": {"S": "post#hello-world"},
     "g:a1": {"M": {"totalViews": {"N": "5"}, "uniqueViews": {"N": "3"}, "utm_source:mail": {"N": "1"}}}},
    {"siteDay": {"S": "blog#2026-11-28"}, "key": {"S": "path#/tags/x"},
     "g:a2": {"M": {"totalViews": {"N": "7"}, "uniqueViews": {"N": "3"}}}},
    {"siteDay": {"S": "blog#2026-11-28"}, "key": {"S": "site"},
     "g:a3": {"M": {"totalViews": {"N": "12"}, "uniqueViews": {"N": "5"}}}},
]  # fmt: skip


class Target:
    """Where a command runs: its command-line arguments, and a way to read the item back afterwards."""

    def __init__(self, args: list[str], read: Any) -> None:
        self.args = args
        self.read = read

    def item(self, page_key: str) -> dict[str, Any] | None:
        return next((i for i in self.read() if i["pageKey"]["S"] == page_key), None)


@pytest.fixture
def dynamodb() -> Iterator[Target]:
    with mock_aws():
        client = boto3.client("dynamodb")
        config = DeploymentConfig.load("prod", ENV)
        for spec in TABLES:
            create_table(client, spec, config)
        name = COUNTS.physical_name(config)
        for item in ITEMS:
            client.put_item(TableName=name, Item=item)
        for item in HISTORY_ITEMS:
            client.put_item(TableName=HISTORY.physical_name(config), Item=item)
        yield Target(["--namespace", "prod"], lambda: client.scan(TableName=name)["Items"])


@pytest.fixture
def data_dir(tmp_path) -> Path:
    directory = tmp_path / "data"
    directory.mkdir()
    snapshot = {"counts": ITEMS, "salts": [{"day": {"S": "kept as it was"}}], "history": HISTORY_ITEMS}
    (directory / "tables.json").write_text(json.dumps(snapshot, sort_keys=True))
    return directory


def snapshot_of(directory: Path) -> dict[str, Any]:
    return json.loads((directory / "tables.json").read_text())


@pytest.fixture(params=["dynamodb", "snapshot"])
def target(request) -> Target:
    if request.param == "dynamodb":
        return request.getfixturevalue("dynamodb")
    directory = request.getfixturevalue("data_dir")
    return Target(["--data-dir", str(directory)], lambda: snapshot_of(directory)["counts"])


def dead_pid() -> int:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


# ---- rename-title ----------------------------------------------------------------


def test_rename_sets_the_title_of_a_counted_article_and_nothing_else(target, capsys):
    before = target.item("blog#post#hello-world")

    status = main(["rename-title", "hello-world", "Hello again", *target.args], env=ENV)

    assert status == 0
    assert target.item("blog#post#hello-world") == {**before, "articleTitle": {"S": "Hello again"}}
    assert "to 'Hello again' (was 'Hello, world')" in capsys.readouterr().out


def test_rename_names_an_article_that_had_no_title(target, capsys):
    assert main(["rename-title", "untitled", "At last", *target.args], env=ENV) == 0

    assert target.item("blog#post#untitled")["articleTitle"] == {"S": "At last"}
    assert "it had no title" in capsys.readouterr().out


def test_renaming_an_unknown_article_writes_nothing(target, capsys):
    before = target.read()

    status = main(["rename-title", "never-viewed", "A title", *target.args], env=ENV)

    assert status == 1
    assert "no article 'never-viewed'" in capsys.readouterr().err
    assert target.read() == before


@pytest.mark.parametrize(
    ("article_id", "title", "message"),
    [
        ("hello world", "T", "may only hold letters"),
        ("a" * 129, "T", "longer than 128"),
        ("hello-world", "", "must not be empty"),
        ("hello-world", "   ", "must not be empty"),
        ("hello-world", "t" * 257, "at most 256"),
    ],
)
def test_bad_input_exits_2_and_writes_nothing(target, capsys, article_id, title, message):
    before = target.read()

    status = main(["rename-title", article_id, title, *target.args], env=ENV)

    assert status == 2
    assert message in capsys.readouterr().err
    assert target.read() == before


def test_a_title_of_the_longest_allowed_length_is_taken(target):
    assert main(["rename-title", "hello-world", "t" * 256, *target.args], env=ENV) == 0

    assert target.item("blog#post#hello-world")["articleTitle"] == {"S": "t" * 256}


def test_rename_in_the_snapshot_keeps_the_other_tables(data_dir):
    assert main(["rename-title", "hello-world", "Hello again", "--data-dir", str(data_dir)]) == 0

    assert snapshot_of(data_dir)["salts"] == [{"day": {"S": "kept as it was"}}]
    assert [p.name for p in data_dir.iterdir()] == ["tables.json"]  # no temporary file left behind


def test_rename_is_refused_while_a_running_stack_owns_the_data_dir(data_dir, capsys):
    (data_dir / PID_FILE).write_text(f"{os.getpid()}\n")  # this test's process: certainly alive
    before = (data_dir / "tables.json").read_bytes()

    status = main(["rename-title", "hello-world", "Hello again", "--data-dir", str(data_dir)])

    assert status == 1
    assert f"the local stack (pid {os.getpid()}) is running" in capsys.readouterr().err
    assert (data_dir / "tables.json").read_bytes() == before


def test_a_pid_file_left_by_a_dead_stack_does_not_block_a_rename(data_dir):
    (data_dir / PID_FILE).write_text(f"{dead_pid()}\n")

    assert main(["rename-title", "hello-world", "Hello again", "--data-dir", str(data_dir)]) == 0

    assert Target([], lambda: snapshot_of(data_dir)["counts"]).item("blog#post#hello-world")["articleTitle"] == {
        "S": "Hello again"
    }


def test_a_pid_file_without_a_pid_blocks_a_rename(data_dir, capsys):
    (data_dir / PID_FILE).write_text("")

    assert main(["rename-title", "hello-world", "Hello again", "--data-dir", str(data_dir)]) == 1
    assert "holds no pid" in capsys.readouterr().err


def test_a_folder_without_saved_tables_is_an_error(tmp_path, capsys):
    for command in (["rename-title", "hello-world", "T"], ["bot-counts"]):
        assert main([*command, "--data-dir", str(tmp_path)]) == 1
        assert "no saved tables" in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []


# ---- bot-counts ------------------------------------------------------------------


def test_bot_counts_print_an_aligned_table_newest_day_first(target, capsys):
    assert main(["bot-counts", *target.args], env=ENV, today=TODAY) == 0

    assert capsys.readouterr().out == (
        "Bot views filtered from 2026-11-23 to 2026-11-29, UTC (blog):\n"
        "day         reason         views\n"
        "2026-11-29  headless          12\n"
        "2026-11-29  webdriver          3\n"
        "2026-11-27  headless           1\n"
        "2026-11-23  no-javascript      4\n"
        "total                         20\n"
    )


def test_bot_counts_as_json(target, capsys):
    assert main(["bot-counts", "--json", *target.args], env=ENV, today=TODAY) == 0

    assert json.loads(capsys.readouterr().out) == {
        "site": "blog",
        "timeZone": "UTC",
        "from": "2026-11-23",
        "to": "2026-11-29",
        "days": [
            {"day": "2026-11-29", "total": 15, "reasons": {"headless": 12, "webdriver": 3}},
            {"day": "2026-11-27", "total": 1, "reasons": {"headless": 1}},
            {"day": "2026-11-23", "total": 4, "reasons": {"no-javascript": 4}},
        ],
    }


@pytest.mark.parametrize(("days", "listed"), [(1, ["2026-11-29"]), (3, ["2026-11-29", "2026-11-27"])])
def test_days_limits_the_days_listed(target, capsys, days, listed):
    assert main(["bot-counts", "--json", "--days", str(days), *target.args], env=ENV, today=TODAY) == 0

    assert [d["day"] for d in json.loads(capsys.readouterr().out)["days"]] == listed


def test_older_days_are_listed_when_asked_for(target, capsys):
    assert main(["bot-counts", "--days", "8", *target.args], env=ENV, today=TODAY) == 0

    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "Bot views filtered from 2026-11-22 to 2026-11-29, UTC (blog):"
    assert lines[-2:] == ["2026-11-22  headless         100", "total                        120"]


def test_no_bot_views_says_so(target, capsys):
    assert main(["bot-counts", *target.args], env=ENV, today=date(2025, 1, 1)) == 0
    assert capsys.readouterr().out == "No bot views filtered from 2024-12-26 to 2025-01-01, UTC (blog).\n"

    assert main(["bot-counts", "--json", *target.args], env=ENV, today=date(2025, 1, 1)) == 0
    assert json.loads(capsys.readouterr().out) == {
        "site": "blog", "timeZone": "UTC", "from": "2024-12-26", "to": "2025-01-01", "days": [],
    }  # fmt: skip


@pytest.mark.parametrize("days", ["0", "367"])
def test_days_out_of_range_exit_2(target, capsys, days):
    assert main(["bot-counts", "--days", days, *target.args], env=ENV, today=TODAY) == 2
    assert "--days must be between 1 and 366" in capsys.readouterr().err


def test_bot_counts_read_a_running_stacks_snapshot_with_a_warning(data_dir, capsys):
    (data_dir / PID_FILE).write_text(f"{os.getpid()}\n")

    assert main(["bot-counts", "--data-dir", str(data_dir)], today=TODAY) == 0

    captured = capsys.readouterr()
    assert "may be up to 5 s old" in captured.err
    assert "2026-11-29  headless" in captured.out


# ---- the deployed namespace ------------------------------------------------------


def test_a_namespace_without_its_client_url_exits_2(capsys):
    assert main(["bot-counts", "--namespace", "stage"], env={}) == 2
    assert "STAGE_CLIENT_URL must name" in capsys.readouterr().err


def test_a_namespace_that_is_not_deployed_is_named(dynamodb, capsys):
    env = {"STAGE_CLIENT_URL": "https://stage.blog.example.com"}

    assert main(["rename-title", "hello-world", "T", "--namespace", "stage"], env=env) == 1
    assert "a table of viewcount-stage in us-east-1 does not exist" in capsys.readouterr().err


def test_a_target_is_required():
    with pytest.raises(SystemExit) as exit_info:
        main(["bot-counts"])
    assert exit_info.value.code == 2


# ---- with the real local stack ---------------------------------------------------


def test_the_local_stack_holds_its_pid_file_while_it_runs(data_dir, capsys):
    """The pid file is what keeps a rename from being overwritten by the running stack's next save."""
    with LocalStackProcess(data_dir) as stack:
        stack.start()
        assert stack.process is not None
        assert (data_dir / PID_FILE).read_text().strip() == str(stack.process.pid)
        assert main(["rename-title", "hello-world", "Renamed", "--data-dir", str(data_dir)]) == 1
        assert "is running" in capsys.readouterr().err

        stack.stop()
        assert not (data_dir / PID_FILE).exists()
        assert main(["rename-title", "hello-world", "Renamed", "--data-dir", str(data_dir)]) == 0

        # The next start restores the new title, and its saves keep it.
        stack.start()
        stack.stop()
    assert Target([], lambda: snapshot_of(data_dir)["counts"]).item("blog#post#hello-world")["articleTitle"] == {
        "S": "Renamed"
    }


def test_a_reset_local_stack_writes_its_pid_file_again(data_dir):
    with LocalStackProcess(data_dir) as stack:
        stack.start("--reset")
        assert stack.process is not None
        assert (data_dir / PID_FILE).read_text().strip() == str(stack.process.pid)


def test_a_second_stack_on_the_same_folder_is_refused_and_the_first_stays_guarded(data_dir):
    with LocalStackProcess(data_dir) as first:
        first.start()
        assert first.process is not None
        second = LocalStackProcess(data_dir)
        with pytest.raises(RuntimeError, match="already runs on"):
            second.start("--reset")
        assert second.process is not None and second.process.wait(timeout=30) == 1
        # The refused stack neither took nor removed the pid file, nor reset the tables.
        assert (data_dir / PID_FILE).read_text().strip() == str(first.process.pid)
        assert main(["rename-title", "hello-world", "Renamed", "--data-dir", str(data_dir)]) == 1


# ---- history ---------------------------------------------------------------------


def test_history_prints_the_days_top_pages_and_sources_of_a_range(target, capsys):
    args = ["history", "--from", "2026-11-28", "--to", "2026-11-29", *target.args]
    assert main(args, env=ENV, today=TODAY) == 0

    out = capsys.readouterr().out
    assert out.startswith("blog, 2026-11-28 to 2026-11-29 (UTC): 14 views, 6 visitor-days, 15 bot views\n")
    rows = [line.split() for line in out.splitlines()]
    assert ["2026-11-28", "12", "5"] in rows and ["2026-11-29", "2", "1"] in rows
    assert ["/tags/x", "9", "4"] in rows and ["hello-world", "Hello,", "world", "5", "3"] in rows
    assert ["news.example", "2"] in rows and ["utm_source=mail", "1"] in rows and ["headless", "12"] in rows


def test_history_of_one_page_as_json_by_its_path(target, capsys):
    args = ["history", "--days", "2", "--page", "/tags/x/", "--json", *target.args]
    assert main(args, env=ENV, today=TODAY) == 0

    report = json.loads(capsys.readouterr().out)
    assert report["page"] == {"path": "/tags/x", "title": None, "views": 9, "visitorDays": 4}
    assert report["days"] == [
        {"day": "2026-11-28", "views": 7, "visitorDays": 3},
        {"day": "2026-11-29", "views": 2, "visitorDays": 1},
    ]
    assert report["referrers"] == [{"host": "news.example", "views": 2}]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--from", "2026-11-29", "--to", "2026-11-28"], "ends (2026-11-28) before it starts"),
        (["--from", "2024-01-01"], "at most 801 days"),
        (["--page", "tags/x"], "a page is a path"),
        (["--days", "0"], "at least 1"),
    ],
)
def test_history_refuses_a_bad_range_or_page_with_status_2(target, capsys, args, message):
    assert main(["history", *args, *target.args], env=ENV, today=TODAY) == 2
    assert message in capsys.readouterr().err


def test_every_command_takes_site_which_a_deployment_of_several_sites_needs(dynamodb, tmp_path, capsys):
    sites = tmp_path / "sites.toml"
    sites.write_text(
        '[[sites]]\nid = "blog"\norigins = ["https://blog.example.com"]\n'
        '[[sites]]\nid = "notes"\norigins = ["https://notes.example.com"]\ntime_zone = "Asia/Shanghai"\n'
    )
    env = {"PROD_SITES": str(sites)}

    assert main(["bot-counts", *dynamodb.args], env=env, today=TODAY) == 2
    assert "--site is required: the sites are blog, notes" in capsys.readouterr().err
    assert main(["history", "--site", "docs", *dynamodb.args], env=env, today=TODAY) == 2
    assert "no site 'docs' here" in capsys.readouterr().err
    # The smoke test's own site is counted, but no operator's to change, import into or share.
    assert main(["history", "--site", "smoke", *dynamodb.args], env=env, today=TODAY) == 2
    assert "no site 'smoke' here: the sites are blog, notes" in capsys.readouterr().err
    assert main(["bot-counts", "--site", "notes", "--json", *dynamodb.args], env=env, today=TODAY) == 0
    assert json.loads(capsys.readouterr().out)["days"] == []  # blog's bots are not notes'
    assert main(["rename-title", "hello-world", "T", "--site", "notes", *dynamodb.args], env=env) == 1
