"""The functions' logging and metrics set-up."""

from __future__ import annotations

import os
import subprocess
import sys

from tests.conftest import ROOT

# A handler that publishes no metric, as a handshake or a `watch` does, in a fresh
# interpreter: Python shows a warning once per place, so an earlier test could hide it.
NO_METRIC_INVOCATION = """
import sys, warnings
from viewcount.observability import metrics

if sys.argv[1] == "unfiltered":
    warnings.resetwarnings()

@metrics.log_metrics
def handler(event, context):
    return {}

handler({}, None)
"""


def invoke(filters: str) -> str:
    env = {**os.environ, "PYTHONPATH": str(ROOT / "lambdas"), "POWERTOOLS_METRICS_NAMESPACE": "Viewcount/test"}
    command = [sys.executable, "-c", NO_METRIC_INVOCATION, filters]
    return subprocess.run(command, env=env, capture_output=True, text=True, check=True).stderr


def test_an_invocation_that_publishes_no_metric_warns_nobody():
    # Without the functions' filter this Powertools warns: the filter is what keeps it quiet.
    assert "No application metrics to publish" in invoke("unfiltered")
    assert "No application metrics" not in invoke("as the functions run")
