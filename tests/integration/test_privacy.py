"""PRIVACY.md lists every attribute every table holds, and nothing stored names a reader."""

from __future__ import annotations

import json
import re
import time

import pytest
from moto import mock_aws

from local_stack.harness import BROWSER_USER_AGENT
from tests.conftest import ROOT, load_event
from tests.integration.pipeline import Pipeline
from viewcount.tables.access import AccessTable
from viewcount.tables.history import HistoryTable
from viewcount.tables.page_counts import PageCountsTable
from viewcount.use_cases.dashboard_access import AccessRefused, DashboardAccess, share_link
from viewcount.use_cases.import_counts import Imported, ImportPlan, import_counts
from viewcount.use_cases.keep_history import KeepHistory
from viewcount_infra.topology import TABLES

IP = "198.51.100.23"


def documented_attributes() -> dict[str, list[re.Pattern[str]]]:
    """Per table (by its `## \\`Name\\`` heading), the attribute patterns of its table rows."""
    tables: dict[str, list[re.Pattern[str]]] = {}
    current = None
    for line in (ROOT / "PRIVACY.md").read_text().splitlines():
        if heading := re.match(r"## `(\w+)`", line):
            current = tables.setdefault(heading.group(1), [])
        elif line.startswith("## "):
            current = None
        elif current is not None and (row := re.match(r"\| `([^`]+)` \|", line)):
            # `referrer:<host>` stands for `referrer:` followed by any host.
            parts = re.split(r"<[^>]+>", row.group(1))
            current.append(re.compile(".+".join(re.escape(part) for part in parts)))
    return tables


def frame(message_id, *, authorizer, **fields):
    event = load_event("ws_views.json")
    # Made now: a view older than its visitor's day could live is dropped downstream.
    now_ms = int(time.time()) * 1000
    event["requestContext"].update(
        messageId=message_id, connectionId=f"c-{message_id}", requestTimeEpoch=now_ms, connectedAt=now_ms - 1000
    )
    event["requestContext"]["identity"] = {"sourceIp": IP}
    event["requestContext"]["authorizer"] = {"principalId": "reader", **authorizer}
    event["body"] = json.dumps({**json.loads(event["body"]), **fields})
    return event


def stored_items(pipeline: Pipeline, table: str) -> list[dict]:
    return pipeline.dynamodb.scan(TableName=pipeline.resources.table_names[table])["Items"]


def every_kind_of_view(pipeline: Pipeline) -> None:
    """Views that between them write every kind of attribute the pipeline stores."""
    views = pipeline.functions["views"]
    reader = {"userAgent": BROWSER_USER_AGENT}
    campaign = "/posts/hello-world?utm_source=news&utm_medium=email&utm_campaign=launch&gclid=1"
    views.invoke(frame("m1", authorizer=reader, currentPage=campaign))
    views.invoke(frame("m2", authorizer=reader, refreshed=True))
    views.invoke(frame("m3", authorizer={"gpc": "1"}, currentPage="/", articleId=""))
    views.invoke(frame("m3b", authorizer=reader, currentPage="/posts/second", articleId="second"))
    for message_id, reason in (("m4", "crawler"), ("m5", "headless"), ("m6", "no_user_agent")):
        views.invoke(frame(message_id, authorizer={"bot": reason}))
    views.invoke(frame("m7", authorizer=reader, webdriver=True))
    views.invoke(frame("m8", authorizer=reader, currentPage="/tags/x/?page=2", article=False))
    pipeline.drain()
    counters = PageCountsTable(pipeline.dynamodb, pipeline.resources.table_names["counts"])
    history = HistoryTable(pipeline.dynamodb, pipeline.resources.table_names["history"])
    # Two days later, the counting function moves today's blocks to the history.
    items = {item["pageKey"]["S"]: item for item in stored_items(pipeline, "counts")}
    KeepHistory(counters, history, pipeline.config.sites).after_counting(items, int(time.time()) + 2 * 86_400)
    # Numbers from elsewhere, for ever and for a day.
    imported = Imported(views=7, unique=3, sources={"referrer:old.example": 2})
    plan = ImportPlan("busuanzi", lifetime={"post#hello-world": imported}, days={("2026-01-01", "site"): imported})
    import_counts(counters, history, pipeline.config.sites.default, plan)
    # The dashboard: a share link, a ticket, a wrong key.
    access = AccessTable(pipeline.dynamodb, pipeline.resources.table_names["access"])
    share_link(access, pipeline.config.sites.default, "for an editor", int(time.time()))
    dashboard = DashboardAccess(access, "owner-key", pipeline.config.sites)
    viewer = dashboard.viewer("Bearer owner-key", IP, int(time.time()))
    dashboard.issue_ticket(viewer, None, int(time.time()))
    with pytest.raises(AccessRefused):
        dashboard.viewer("Bearer a-guess", IP, int(time.time()))


def test_every_stored_attribute_is_in_privacy_md_and_no_reader_is_named(local_config):
    documented = documented_attributes()
    assert set(documented) == {spec.logical_name for spec in TABLES}, "a table is missing from PRIVACY.md"

    with mock_aws():
        pipeline = Pipeline(local_config, {}, seed=0)
        every_kind_of_view(pipeline)
        stored = {
            spec.logical_name: pipeline.dynamodb.scan(TableName=pipeline.resources.table_names[spec.key])["Items"]
            for spec in TABLES
        }

    assert all(stored.values()), "every table should hold something after these views"
    assert any(name.startswith("g:") for item in stored["History"] for name in item), "no day was moved"
    undocumented = {
        (table, name)
        for table, items in stored.items()
        for item in items
        for name in item
        if not any(pattern.fullmatch(name) for pattern in documented[table])
    }
    assert undocumented == set(), "add these attributes to PRIVACY.md"
    everything = json.dumps(stored, default=repr)
    assert IP not in everything and "Firefox" not in everything
