"""What the suite prints: one line per check, and the late check's command."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from smoke.deployments import AwsDeployment, LocalDeployment, Outputs
from smoke.suite import FAIL, LATER, OK, Result, Suite

OUTPUTS = Outputs(
    "wss://a1b2c3d4e5.execute-api.eu-west-1.amazonaws.com/stage",
    "https://f6g7h8i9j0.execute-api.eu-west-1.amazonaws.com",
    "https://d111111abcdef8.cloudfront.net/",
)


def test_each_result_is_one_line_status_first():
    assert Result(OK, "connect", "101").line() == "ok   connect: 101"
    assert Result(FAIL, "connect", "expected 101, got 403").line() == "FAIL connect: expected 101, got 403"
    assert Result(LATER, "connections-get-not-billed", "run x").line() == "later connections-get-not-billed: run x"


def late_line(deployment, endpoint: str) -> str:
    printed: list[str] = []
    suite = Suite(
        deployment, OUTPUTS, "key", endpoint=endpoint, origin="https://blog.example.com", site=None, timeout=30,
        report=lambda result: printed.append(result.line()),
    )  # fmt: skip
    suite.tally.sent, suite.tally.received, suite.probes = 4, 7, 3
    start = datetime(2026, 12, 7, 10, 0, 30, tzinfo=UTC).timestamp()
    suite.check_message_count(start, start + 100)
    assert suite.passed
    (line,) = printed
    return line


def test_the_late_check_prints_the_command_and_what_it_should_show():
    line = late_line(AwsDeployment("stage", "eu-west-1"), OUTPUTS.websocket_url)

    assert line == (
        "later connections-get-not-billed: run `aws cloudwatch get-metric-statistics --namespace AWS/ApiGateway "
        "--metric-name MessageCount --dimensions Name=ApiId,Value=a1b2c3d4e5 Name=Stage,Value=stage "
        "--start-time 2026-12-07T10:00:00Z --end-time 2026-12-07T10:04:00Z --period 60 --statistics Sum "
        "--region eu-west-1` once CloudWatch has those minutes (up to an hour): the Sums add up to 11, this run's "
        "messages 11 (4 sent, 7 received), if GET @connections is not billed, and to 14 if its 3 probes are; "
        "other clients' messages in those minutes add to both"
    )


def test_locally_the_late_check_says_it_is_aws_only():
    line = late_line(LocalDeployment(Path("/tmp/data")), "ws://127.0.0.1:8080")

    assert line == (
        "later connections-get-not-billed: AWS only: the local stack in /tmp/data has no CloudWatch; this run's "
        "WebSocket messages were 11 (4 sent, 7 received), with 3 GET @connections probes"
    )
