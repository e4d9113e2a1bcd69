"""moto patched for the local stack's speed answers exactly as moto does."""

from __future__ import annotations

import json
import subprocess
import sys

import boto3
from moto import mock_aws

from local_stack import moto_speedups
from tests.conftest import ROOT

EVERY_PATCH = {
    "method lookup",
    "moto.core.utils.unix_time",
    "moto.core.utils.unix_time_millis",
    "moto.sqs.models.unix_time",
    "moto.sqs.models.unix_time_millis",
    "retention check",
    "update expressions",
    "processing maps",
    "node copies",
    "condition tokens",
    "attribute values",
    "unsigned",
}


def battery(*flags: str) -> dict:
    # Each run in its own process: the patches cannot be undone once made.
    result = subprocess.run(
        [sys.executable, "-m", "tests.local_stack.moto_battery", *flags],
        cwd=ROOT, capture_output=True, text=True, timeout=120, check=True,
    )  # fmt: skip
    return json.loads(result.stdout)


def test_patched_moto_gives_the_same_answers_and_errors():
    plain, patched = battery(), battery("--patched")

    # Every patch applies to this moto; one that no longer did would be skipped silently.
    assert set(patched["patches"]) >= EVERY_PATCH, set(EVERY_PATCH) - set(patched["patches"])
    assert plain["patches"] == []  # moto as it is, signed requests included
    assert len(plain["answers"]) == 27
    assert patched["answers"] == plain["answers"]


def test_a_session_that_skips_signing_sends_no_signature_and_moto_answers():
    headers = []

    def capture(request, **_):
        headers.append(dict(request.headers))

    with mock_aws():
        unsigned = boto3.Session()
        moto_speedups.skip_signing(unsigned)
        for session in (boto3.Session(), unsigned):
            client = session.client("dynamodb", region_name="us-east-1")
            client.meta.events.register_first("before-send.dynamodb.ListTables", capture)
            assert client.list_tables()["TableNames"] == []

    signed_headers, unsigned_headers = headers
    assert "Authorization" in signed_headers
    assert "Authorization" not in unsigned_headers
