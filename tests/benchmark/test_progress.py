"""`./bench.sh`'s progress: a bar on a terminal, one line per stage elsewhere."""

from __future__ import annotations

import io

from benchmark.progress import RunProgress


def replay(progress: RunProgress, sent: int, counted: int) -> None:
    progress.stage("starting the local stack")
    progress.replay_started()
    for _ in range(sent):
        progress.view_sent()
    for _ in range(counted):
        progress.view_counted()
    progress.replay_done()
    progress.stage("stopping the local stack")


def test_without_a_terminal_each_stage_is_one_line():
    out = io.StringIO()

    replay(RunProgress("bench: run 1", 5, out, terminal=False), sent=5, counted=4)

    lines = out.getvalue().splitlines()
    assert lines[0] == "bench: run 1: starting the local stack"
    assert lines[1] == "bench: run 1: replaying 5 views"
    assert lines[2].startswith("bench: run 1: 5 views sent, 4 counted in ")
    assert lines[3] == "bench: run 1: stopping the local stack"
    assert len(lines) == 4  # no bar, however many views


def test_on_a_terminal_a_bar_shows_views_counted_and_sent_with_an_eta():
    out = io.StringIO()

    replay(RunProgress("bench: run 2", 4, out, terminal=True), sent=4, counted=4)

    drawn = out.getvalue()
    assert "4/4 counted, 4 sent" in drawn
    assert "<00:00" in drawn  # elapsed<remaining
    assert drawn.rstrip().endswith("bench: run 2: stopping the local stack")
