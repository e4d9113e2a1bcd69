"""`./admin.sh dashboard-url` and `share-link`: the owner's key and address, and share links
that the dashboard's API then takes, refuses once revoked, and never stores in the clear."""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterator
from pathlib import Path

import boto3
import pytest
from botocore.stub import Stubber
from moto import mock_aws

from admin.__main__ import main
from local_stack import state
from local_stack.resources import create_table
from local_stack.state import PID_FILE
from viewcount.tables.access import AccessTable
from viewcount.use_cases.dashboard_access import AccessRefused, DashboardAccess
from viewcount_infra.config import DeploymentConfig
from viewcount_infra.topology import ACCESS, TABLES, owner_key_secret_name

ENV = {"PROD_CLIENT_URL": "https://blog.example.com"}
DASHBOARD_URL = "https://d111111abcdef8.cloudfront.net/"
KEY = "K" * 40


@pytest.fixture
def data_dir(tmp_path) -> Path:
    directory = tmp_path / "data"
    directory.mkdir()
    (directory / "tables.json").write_text(json.dumps({"counts": []}))
    return directory


@pytest.fixture
def deployed(monkeypatch) -> Iterator[DeploymentConfig]:
    """A deployed prod: its tables and its owner key's secret in moto; its stack's outputs as
    CloudFormation answers them (moto's CloudFormation needs extras this project does not install)."""
    with mock_aws():
        config = DeploymentConfig.load("prod", ENV)
        client = boto3.client("dynamodb")
        for spec in TABLES:
            create_table(client, spec, config)
        boto3.client("secretsmanager").create_secret(Name=owner_key_secret_name(config), SecretString=KEY)
        cloudformation = boto3.client("cloudformation")
        stubber = Stubber(cloudformation)
        for _ in range(5):
            stubber.add_response(
                "describe_stacks",
                {
                    "Stacks": [
                        {
                            "StackName": "Viewcount-prod",
                            "CreationTime": "2026-12-01T00:00:00Z",
                            "StackStatus": "UPDATE_COMPLETE",
                            "Outputs": [{"OutputKey": "DashboardUrl", "OutputValue": DASHBOARD_URL}],
                        }
                    ]
                },
                {"StackName": "Viewcount-prod"},
            )
        stubber.activate()
        make_client = boto3.client
        monkeypatch.setattr(
            boto3,
            "client",
            lambda name, *a, **k: cloudformation if name == "cloudformation" else make_client(name, *a, **k),
        )
        yield config


def sharing(config: DeploymentConfig) -> DashboardAccess:
    table = AccessTable(boto3.client("dynamodb"), ACCESS.physical_name(config))
    return DashboardAccess(table, KEY, config.sites)


def test_dashboard_url_of_a_deployment_prints_the_address_and_the_key_apart(deployed, capsys):
    assert main(["dashboard-url", "--namespace", "prod"], env=ENV) == 0

    out = capsys.readouterr().out
    assert f"Dashboard: {DASHBOARD_URL}\n" in out and f"\nKey: {KEY}\n" in out
    # Never in the address: a URL ends up in logs and the browser's history.
    assert not any(KEY in line for line in out.splitlines() if line.startswith("Dashboard:"))


def test_dashboard_url_of_a_local_stack_reads_its_data_dir(data_dir, capsys):
    key = state.owner_key(data_dir, make=True)
    state.write_dashboard_url(data_dir, "http://127.0.0.1:8083/")
    # The stack may be running: reading its key needs no stop.
    (data_dir / PID_FILE).write_text(f"{os.getpid()}\n")

    assert main(["dashboard-url", "--data-dir", str(data_dir)]) == 0

    out = capsys.readouterr().out
    assert "Dashboard: http://127.0.0.1:8083/\n" in out and f"Key: {key}\n" in out
    assert re.fullmatch("[A-Za-z0-9]{40}", key) and (data_dir / "owner-key").stat().st_mode & 0o077 == 0


def test_dashboard_url_before_the_local_stack_ran_says_so(tmp_path, capsys):
    assert main(["dashboard-url", "--data-dir", str(tmp_path)]) == 1

    assert "start the local stack there first" in capsys.readouterr().err


def test_a_share_link_is_made_listed_taken_and_revoked(deployed, capsys):
    assert main(["share-link", "create", "--label", "for my editor", "--namespace", "prod"], env=ENV) == 0
    out = capsys.readouterr().out
    token = re.search(r"^Link: " + re.escape(DASHBOARD_URL) + r"#share=(\S+)$", out, re.M).group(1)
    link_id = re.search(r"^Id: (\w+) ", out, re.M).group(1)
    assert sharing(deployed).viewer(f"Bearer {token}", "203.0.113.7", 0).role == "share"

    assert main(["share-link", "list", "--namespace", "prod"], env=ENV) == 0
    listed = capsys.readouterr().out
    assert link_id in listed and "for my editor" in listed and token not in listed

    assert main(["share-link", "revoke", link_id, "--namespace", "prod"], env=ENV) == 0
    assert f"Revoked the share link {link_id}" in capsys.readouterr().out
    with pytest.raises(AccessRefused):
        sharing(deployed).viewer(f"Bearer {token}", "203.0.113.7", 0)


def test_revoking_an_unknown_link_or_none_fails_with_a_message(deployed, capsys):
    assert main(["share-link", "revoke", "0123456789ab", "--namespace", "prod"], env=ENV) == 1
    assert "no share link '0123456789ab'" in capsys.readouterr().err
    with pytest.raises(SystemExit) as exited:
        main(["share-link", "revoke", "--namespace", "prod"], env=ENV)
    assert exited.value.code == 2


def test_a_share_link_on_a_running_local_stack_is_refused_and_listing_is_not(data_dir, capsys):
    (data_dir / PID_FILE).write_text(f"{os.getpid()}\n")

    assert main(["share-link", "create", "--data-dir", str(data_dir)]) == 1
    assert "stop it" in capsys.readouterr().err
    assert main(["share-link", "list", "--data-dir", str(data_dir)]) == 0
    assert "No share links of blog." in capsys.readouterr().out


def test_a_share_link_made_on_a_stopped_local_stack_is_saved_with_its_tables(data_dir, capsys):
    state.write_dashboard_url(data_dir, "http://127.0.0.1:8083/")

    assert main(["share-link", "create", "--data-dir", str(data_dir)]) == 0

    assert "Link: http://127.0.0.1:8083/#share=s.blog." in capsys.readouterr().out
    [saved] = json.loads((data_dir / "tables.json").read_text())["access"]
    assert saved["key"] == {"S": "share#blog"} and re.fullmatch("[0-9a-f]{64}", saved["sort"]["S"])
