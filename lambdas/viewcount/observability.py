"""One Logger and one Metrics per function, created at import (Lambda init)."""

from __future__ import annotations

import warnings

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit, single_metric

logger = Logger()
metrics = Metrics()
# Many invocations rightly publish no metric (a handshake, a `watch`, a batch with nothing
# to report); Powertools warns of each on stderr unless told, as its documentation shows.
warnings.filterwarnings("ignore", "No application metrics to publish")


def count(name: str, value: int = 1) -> None:
    if value:
        metrics.add_metric(name=name, unit=MetricUnit.Count, value=value)


def count_one(name: str, dimension: str, value: str) -> None:
    """One count with a dimension of its own, flushed at once: dimensions of the function's
    other metrics would otherwise split it."""
    with single_metric(name=name, unit=MetricUnit.Count, value=1, namespace=metrics.namespace) as metric:
        metric.add_dimension(name=dimension, value=value)
