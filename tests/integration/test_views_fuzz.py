"""Fuzzing `views`: any frame gets a counted view or one error frame with a stable code.

Arbitrary text, arbitrary JSON and near-valid views (one field of a valid view replaced by
arbitrary JSON) go through the real handler on moto. The handler never raises, and a frame
it refuses publishes nothing and counts nothing.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from types import ModuleType
from typing import Any

import boto3
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from moto import mock_aws

from local_stack.resources import create_resources
from tests.conftest import WS_ENDPOINT, LambdaContext, load_event, load_handler
from tests.frames import frames
from viewcount import errors
from viewcount.tables.page_counts import bots_key
from viewcount_infra.config import DeploymentConfig
from viewcount_infra.topology import QUEUES, VIEWS

NOW = 1795939201  # the sample event's request time


@dataclass
class ViewsOnMoto:
    views: ModuleType
    sqs: Any
    dynamodb: Any
    resources: Any
    refused: list[str] = field(default_factory=list)

    def published(self) -> int:
        """Messages waiting in the queues, taken out."""
        count = 0
        for spec in QUEUES:
            url = self.resources.queue_urls[spec.key]
            while batch := self.sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages"):
                count += len(batch)
                for message in batch:
                    self.sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
        return count

    def bot_views(self) -> int:
        item = self.dynamodb.get_item(
            TableName=self.resources.table_names["counts"], Key={"pageKey": {"S": bots_key("blog", "2026-11-29")}}
        ).get("Item", {})
        return sum(int(value["N"]) for name, value in item.items() if name != "pageKey")


@pytest.fixture(scope="module")
def on_moto() -> Iterator[ViewsOnMoto]:
    """One moto for all examples (each example counts what it adds): creating it per example
    would make this test take minutes."""
    config = DeploymentConfig.load("local", {"LOCAL_CLIENT_URL": "https://blog.example.com"})
    with mock_aws():
        dynamodb, sns, sqs = (boto3.client(name) for name in ("dynamodb", "sns", "sqs"))
        resources = create_resources(config, dynamodb, sns, sqs)
        env = resources.environment(VIEWS, config, WS_ENDPOINT)
        # The rate limit has tests of its own; here it would refuse valid views by the dozen.
        views = load_handler(VIEWS.code, env | {"VIEWS_PER_MINUTE": "600"})
        stack = ViewsOnMoto(views, sqs, dynamodb, resources)
        views.replies.send = lambda connection_id, code, detail: stack.refused.append(code)
        yield stack


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(bodies=st.lists(frames, min_size=1, max_size=8), connection=st.uuids())
def test_every_frame_is_counted_or_refused_with_a_stable_code(on_moto, bodies, connection):
    stack = on_moto
    bots_before = stack.bot_views()
    accepted = 0
    for index, body in enumerate(bodies):
        event = load_event("ws_views.json")
        event["requestContext"].update(messageId=f"{connection}-{index}", connectionId=str(connection))
        event["body"] = body
        refused_before = len(stack.refused)
        status = stack.views.handler(event, LambdaContext())["statusCode"]  # never raises
        if status == 200:
            accepted += 1
            assert len(stack.refused) == refused_before, "a counted view got an error frame"
        else:
            assert status == 400 and len(stack.refused) == refused_before + 1
            assert stack.refused[-1] in errors.ALL_CODES and stack.refused[-1] != errors.UNAVAILABLE

    # Every accepted frame was published once or counted as a bot's; no refused one was.
    assert stack.published() + stack.bot_views() - bots_before == accepted
