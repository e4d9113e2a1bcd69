"""The spike run's figures: staleness per (view, reader), reader-seconds, pushes per view."""

from __future__ import annotations

from benchmark.spike import SpikeReader, SpikeResult, report, staleness


def reader(joined_at, frames, sent_at=0.0):
    connection = SpikeReader(ws=None, sent_at=sent_at, joined_at=joined_at)
    connection.frames = list(frames)
    return connection


def spike():
    # Two readers from the start; two viewers arrive at 10 s and 15 s; the measured part is 10-20 s.
    early = [reader(0.0, [(0.5, 2), (12.0, 3), (17.0, 4)]) for _ in range(2)]
    first = reader(11.0, [(11.0, 3)], sent_at=10.0)  # never shown the second viewer's view
    second = reader(16.0, [(16.0, 4)], sent_at=15.0)
    meter = {"ws_messages_out": 10, "dynamodb_wru": 4, "dynamodb_rru": 1, "lambda_invocations_by_function": {}}
    return SpikeResult(
        readers=[*early, first, second],
        warm_up_views=2,
        measured=[first, second],
        failed_handshakes=0,
        handshake_ms=[1.0],
        started=10.0,
        ended=20.0,
        counted={"totalViews": {"N": "4"}},
        meter=meter,
    )


def test_staleness_is_from_each_view_to_each_connected_readers_first_total_that_includes_it():
    lags, never = staleness(spike())

    # View 3 (sent at 10) reached the early readers at 12, view 4 (at 15) at 17; the first
    # viewer, a reader by then, never saw a 4. A viewer's own push is no staleness.
    assert sorted(lags) == [2.0, 2.0, 2.0, 2.0]
    assert never == 1


def test_reader_seconds_and_pushes_count_only_the_measured_part():
    figures = report(spike(), readers=2, rate=0.2, seconds=10)

    assert figures["reader_seconds"] == 2 * 10 + 9 + 4
    # Frames received from 10 s on, per measured view: 2 early readers x 2, and 1 each.
    assert figures["pushes_received_per_view"] == 3.0
    assert figures["views_counted"] == 4 and figures["counter_write_wru"] == 1
