"""`./admin.sh migrate`: a deployment's counts from the layouts before sites, kept.

The snapshots in tests/snapshots/ were saved by the local stacks of two earlier versions,
after the same readers' views (scripted with websockets, as a blog's readers send them):
- layout-before-sites.json: commit d3b621c, the version before sites and history;
- layout-before-every-page.json: commit 00c2955, the version before every page counted.
"""

from __future__ import annotations

import asyncio
import json
import shutil
from pathlib import Path

import boto3
import pytest
from botocore.exceptions import EndpointConnectionError
from moto import mock_aws

from admin.__main__ import main
from local_stack.harness import LocalStackProcess
from local_stack.resources import create_table
from tests.conftest import ROOT
from tests.e2e.conftest import frame_matching, view
from viewcount.tables.page_counts import bot_reasons_of, counts_of, pages_of, site_counts_of
from viewcount_infra.config import DeploymentConfig
from viewcount_infra.topology import TABLES

SNAPSHOTS = ROOT / "tests" / "snapshots"
ENV = {"PROD_CLIENT_URL": "https://blog.example.com"}


def data_dir_from(tmp_path: Path, snapshot: str) -> Path:
    directory = tmp_path / "data"
    directory.mkdir()
    shutil.copy(SNAPSHOTS / snapshot, directory / "tables.json")
    return directory


def saved(directory: Path) -> dict:
    return json.loads((directory / "tables.json").read_text())


def counters(directory: Path) -> dict[str, dict]:
    return {item["pageKey"]["S"]: item for item in saved(directory)["counts"]}


@pytest.mark.parametrize("snapshot", ["layout-before-sites.json", "layout-before-every-page.json"])
def test_a_snapshot_of_an_earlier_version_migrates_and_a_second_run_changes_nothing(tmp_path, capsys, snapshot):
    directory = data_dir_from(tmp_path, snapshot)
    old = counters(directory)

    assert main(["migrate", "--data-dir", str(directory)]) == 0
    assert "Copied" in capsys.readouterr().out

    new = counters(directory)
    for key in ("post#hello-world", "post#second", "page#Home_Page", "page#About_Page"):
        migrated = counts_of(new[f"blog#{key}"])
        assert (migrated.total_views, migrated.unique_views) == (
            int(old[key]["totalViews"]["N"]), int(old[key]["uniqueViews"]["N"]),
        ), key  # fmt: skip
    hello = new["blog#post#hello-world"]
    assert hello["articleTitle"] == {"S": "Hello, world"}
    assert {name for name in hello["import:migrated"]["M"] if ":" in name} == {
        "referrer:news.ycombinator.com", "referrer:reddit.com", "utm_source:news", "utm_campaign:launch",
    }  # fmt: skip
    site = site_counts_of(new["blog#site"])
    assert (site.total_views, site.unique_views) == (
        int(old["site"]["totalViews"]["N"]),
        int(old["site"]["uniqueViews"]["N"]),
    )
    [bot_day] = [key for key in old if key.startswith("bots#")]
    assert bot_reasons_of(new[f"blog#{bot_day}"]) == {"crawler": 1}
    tables = saved(directory)
    listed = {item["key"]["S"] for item in tables["history"] if item["siteDay"]["S"] == "blog#pages"}
    assert listed == {key for key in old if key.startswith(("post#", "page#", "path#"))}
    # The old layout's salt is no use now, and must not outlive its 48 hours.
    assert tables["salts"] == []

    before = (directory / "tables.json").read_bytes()
    assert main(["migrate", "--data-dir", str(directory)]) == 0
    assert (directory / "tables.json").read_bytes() == before


def test_a_dry_run_says_what_it_would_copy_and_writes_nothing(tmp_path, capsys):
    directory = data_dir_from(tmp_path, "layout-before-sites.json")
    before = (directory / "tables.json").read_bytes()

    assert main(["migrate", "--dry-run", "--data-dir", str(directory)]) == 0

    assert capsys.readouterr().out == (
        "Would copy 5 pages and articles, 7 site views and 1 days of bot tallies into site blog "
        "(import source 'migrated'); would delete 1 salts of the layout before sites.\n"
    )
    assert (directory / "tables.json").read_bytes() == before


@pytest.fixture
def deployed():
    """A deployed table of the earliest layout (readers and positions on the counters), and
    what the new layout counted between the deploy and the migration."""
    with mock_aws():
        client = boto3.client("dynamodb")
        config = DeploymentConfig.load("prod", ENV)
        names = {spec.key: create_table(client, spec, config)["TableName"] for spec in TABLES}
        for item in json.loads((SNAPSHOTS / "layout-before-every-page.json").read_text())["counts"]:
            if item["pageKey"]["S"] == "post#hello-world":
                item.update({"reader:conn-1=": {"N": "1795939200"}, "position:shard-1": {"S": "0001|1795939200"}})
            client.put_item(TableName=names["counts"], Item=item)
        client.put_item(
            TableName=names["counts"],
            Item={"pageKey": {"S": "blog#post#hello-world"}, "totalViews": {"N": "2"}, "uniqueViews": {"N": "1"}},
        )
        yield client, names


def test_views_counted_since_the_deploy_are_kept_and_the_old_ones_added(deployed):
    client, names = deployed

    assert main(["migrate", "--namespace", "prod"], env=ENV) == 0

    item = client.get_item(TableName=names["counts"], Key={"pageKey": {"S": "blog#post#hello-world"}})["Item"]
    assert (counts_of(item).total_views, counts_of(item).unique_views) == (2 + 3, 1 + 2)
    assert not [name for name in item["import:migrated"]["M"] if name.startswith(("reader:", "position:"))]
    site = client.get_item(TableName=names["counts"], Key={"pageKey": {"S": "blog#site"}})["Item"]
    assert site_counts_of(site).total_views == 6 and pages_of(site) == 0


def test_a_migration_stopped_half_way_completes_when_run_again(deployed, capsys):
    client, names = deployed
    writes = []

    def fail_the_third_write(**_):
        writes.append(1)
        if len(writes) == 3:
            raise EndpointConnectionError(endpoint_url="https://dynamodb.us-east-1.amazonaws.com")

    # The command makes its own client, from the default session.
    boto3.setup_default_session()
    boto3.DEFAULT_SESSION.events.register("before-call.dynamodb.UpdateItem", fail_the_third_write)
    try:
        assert main(["migrate", "--namespace", "prod"], env=ENV) == 1
    finally:
        boto3.DEFAULT_SESSION.events.unregister("before-call.dynamodb.UpdateItem", fail_the_third_write)
    assert "cannot reach AWS" in capsys.readouterr().err and len(writes) == 3

    assert main(["migrate", "--namespace", "prod"], env=ENV) == 0
    item = client.get_item(TableName=names["counts"], Key={"pageKey": {"S": "blog#post#hello-world"}})["Item"]
    assert counts_of(item).total_views == 2 + 3
    once = client.scan(TableName=names["counts"])["Items"]
    assert main(["migrate", "--namespace", "prod"], env=ENV) == 0
    assert sorted(map(json.dumps, client.scan(TableName=names["counts"])["Items"])) == sorted(map(json.dumps, once))


def test_a_migrated_blog_shows_its_old_counts_with_its_next_view(tmp_path):
    directory = data_dir_from(tmp_path, "layout-before-sites.json")
    assert main(["migrate", "--data-dir", str(directory)]) == 0

    async def read_hello(stack: LocalStackProcess) -> dict:
        async with stack.connect() as ws:
            await ws.send(view("/posts/hello-world", "hello-world"))
            return await frame_matching(ws, lambda frame: frame.get("message") == "views")

    with LocalStackProcess(directory) as stack:
        stack.start()
        push = asyncio.run(read_hello(stack))

    assert (push["totalViews"], push["site"]["totalViews"]) == (3 + 1, 7 + 1)
