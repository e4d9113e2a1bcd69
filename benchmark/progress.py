"""What a benchmark run is doing, while it runs.

On a terminal: a tqdm bar per run of the views counted (a view counts once its push has
arrived), with the views sent, the elapsed time and an ETA. Elsewhere (CI, a log file):
one line per stage, so that the output stays readable.
"""

from __future__ import annotations

import sys
import time
from typing import TextIO

from tqdm import tqdm


class RunProgress:
    def __init__(self, label: str, views: int, stream: TextIO = sys.stderr, terminal: bool | None = None) -> None:
        self.label = label
        self.views = views
        self.stream = stream
        self.terminal = stream.isatty() if terminal is None else terminal
        self.sent = 0
        self.counted = 0
        self._bar: tqdm | None = None
        self._stage_started = time.monotonic()

    def stage(self, what: str) -> None:
        """A new stage begins (starting the stack, replaying, stopping it, reading its tables)."""
        self._stage_started = time.monotonic()
        print(f"{self.label}: {what}", file=self.stream, flush=True)

    def replay_started(self) -> None:
        if not self.terminal:
            self.stage(f"replaying {self.views} views")
            return
        self._stage_started = time.monotonic()
        self._bar = tqdm(
            total=self.views,
            desc=f"{self.label}: replaying",
            unit="view",
            file=self.stream,
            # tqdm puts ", " before the postfix.
            bar_format="{desc} {bar} {n_fmt}/{total_fmt} counted{postfix} [{elapsed}<{remaining}, {rate_fmt}]",
            postfix="0 sent",
            mininterval=0.5,
        )

    def view_sent(self) -> None:
        self.sent += 1
        if self._bar is not None:
            self._bar.set_postfix_str(f"{self.sent} sent", refresh=False)

    def view_counted(self) -> None:
        self.counted += 1
        if self._bar is not None:
            self._bar.update(1)

    def replay_done(self) -> None:
        seconds = time.monotonic() - self._stage_started
        if self._bar is not None:
            self._bar.close()
            self._bar = None
        print(
            f"{self.label}: {self.sent} views sent, {self.counted} counted in {seconds:.0f} s",
            file=self.stream,
            flush=True,
        )
