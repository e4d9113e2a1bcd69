"""Make moto's hot paths cost what they should, without changing what they answer.

moto is written for tests that make a handful of calls. Under the local stack's load two
of its paths dominate everything else (measured with py-spy and cProfile):

- `unix_time()` builds naive datetimes (and imports `datetime.UTC`) on every call; SQS
  calls it twice per message per look at a queue, to tell visible and delayed messages.
- Every request lists its response class's methods with `inspect.getmembers` to find
  the action; the classes do not change while the stack runs.
- A received message's retention check computes *all* queue attributes, including the
  approximate counts, each a pass over every message in the queue: a receive of 10 from
  a queue holding 300 took 450 ms, and the cost grew with the backlog it was meant to drain.

The replacements return the same values; with moto's internals changed, they are skipped.
"""

from __future__ import annotations

import datetime
import functools
import time
from collections.abc import Callable
from typing import Any

_applied = False


def _fast_unix_time(original: Callable[..., float]) -> Callable[..., float]:
    def unix_time(dt: datetime.datetime | None = None) -> float:
        # The same epoch seconds as moto's (naive UTC now minus the epoch), from the clock directly.
        return time.time() if dt is None else original(dt)

    return unix_time


def _fast_unix_time_millis(original: Callable[..., float]) -> Callable[..., float]:
    def unix_time_millis(dt: datetime.datetime | None = None) -> float:
        return time.time() * 1000.0 if dt is None else original(dt)

    return unix_time_millis


def _retention_check(backend: Any, queue_name: str, message: Any) -> bool:
    queue = backend.get_queue(queue_name)
    return queue.message_retention_period + message.sent_timestamp / 1000 > time.time()


def apply() -> None:
    """Patch moto once; call before the first request reaches it."""
    global _applied
    if _applied:
        return
    _applied = True
    from moto.core import responses, utils
    from moto.sqs import models as sqs_models

    if hasattr(responses, "method_names_from_class"):
        responses.method_names_from_class = functools.cache(responses.method_names_from_class)

    unix_time, unix_time_millis = utils.unix_time, utils.unix_time_millis
    # Modules that imported the names keep their own binding: patch each that the load reaches.
    for module in (utils, sqs_models):
        if getattr(module, "unix_time", None) is unix_time:
            module.unix_time = _fast_unix_time(unix_time)
        if getattr(module, "unix_time_millis", None) is unix_time_millis:
            module.unix_time_millis = _fast_unix_time_millis(unix_time_millis)
    if hasattr(sqs_models.SQSBackend, "is_message_valid_based_on_retention_period"):
        sqs_models.SQSBackend.is_message_valid_based_on_retention_period = _retention_check
