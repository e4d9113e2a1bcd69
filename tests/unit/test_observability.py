"""The functions' logging and metrics set-up."""

from __future__ import annotations

import os
import subprocess
import sys

from tests.conftest import ROOT

# A handler that publishes no metric, as a handshake or a `watch` does, in a fresh
# interpreter: Python shows a warning once per place, so an earlier test could hide it.
NO_METRIC_INVOCATION = """
from viewcount.observability import metrics

@metrics.log_metrics
def handler(event, context):
    return {}

handler({}, None)
"""


def test_an_invocation_that_publishes_no_metric_warns_nobody():
    env = {**os.environ, "PYTHONPATH": str(ROOT / "lambdas"), "POWERTOOLS_METRICS_NAMESPACE": "Viewcount/test"}
    run = subprocess.run(
        [sys.executable, "-c", NO_METRIC_INVOCATION], env=env, capture_output=True, text=True, check=True
    )

    assert "No application metrics" not in run.stderr
