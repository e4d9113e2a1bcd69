"""`./bench.sh --beacon-share`: which readers send their views by beacon."""

from __future__ import annotations

from benchmark.replay import beacon_readers
from benchmark.trace import TraceSettings, generate

TRACE = generate(TraceSettings(views=2_000, burst_views=200, seed=1))


def test_a_share_of_readers_is_drawn_the_same_for_the_same_seed():
    chosen = beacon_readers(TRACE, 0.1, seed=1)
    views = sum(view.reader in chosen for view in TRACE)

    assert chosen == beacon_readers(TRACE, 0.1, seed=1) != beacon_readers(TRACE, 0.1, seed=2)
    assert 0.07 * len(TRACE) < views < 0.13 * len(TRACE)


def test_no_share_is_nobody_and_all_is_everybody():
    assert beacon_readers(TRACE, 0.0, seed=1) == set()
    assert beacon_readers(TRACE, 1.0, seed=1) == {view.reader for view in TRACE}
