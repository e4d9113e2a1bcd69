"""The local stack's clock for incoming requests: real time, or (tests only) real time shifted.

The emulated gateways stamp each event with the time API Gateway would give it
(`requestTimeEpoch`, `connectedAt`, `requestTime`; the HTTP API's `timeEpoch`, `time`), and
that stamp decides a view's day. A test that needs views on two days names a file in
`VIEWCOUNT_LOCAL_CLOCK_FILE` and writes an offset in seconds to it (`-86400`: a day ago);
the file is read on every stamp, so a running stack follows it. Replace it atomically (write
another file, then rename it over): a half-written file would be misread. No file, or an
empty one, is no offset; anything else that is not a number stops the request loudly.

Only the stamps move. The functions themselves run at real time, as in AWS: the consumers
drop a view whose day could have expired (48 h after its day began, minus 5 minutes), so an
offset beyond about a day back is dropped as too late, and a day stamped in the past is over
for the counting function, which moves its block to History at once (docs/history.md). A
connection opened with an offset is, for the Readers log, as old as its stamp says.

Never for a deployment: this module is the local stack's, and nothing else reads the variable.
"""

from __future__ import annotations

import math
import os
import time
from pathlib import Path

CLOCK_FILE_VARIABLE = "VIEWCOUNT_LOCAL_CLOCK_FILE"


class ClockFileError(ValueError):
    """The clock file holds something other than an offset in seconds."""


def clock_file() -> Path | None:
    """The file `VIEWCOUNT_LOCAL_CLOCK_FILE` names, if any."""
    name = os.environ.get(CLOCK_FILE_VARIABLE, "")
    return Path(name) if name else None


def offset_seconds() -> float:
    """The offset the clock file holds now: 0 without a file (or variable), ClockFileError when
    it holds no finite number."""
    path = clock_file()
    if path is None:
        return 0.0
    try:
        text = path.read_text().strip()
    except FileNotFoundError:
        return 0.0
    if not text:
        return 0.0
    try:
        offset = float(text)
    except ValueError:
        raise ClockFileError(f"{path} ({CLOCK_FILE_VARIABLE}) holds {text[:40]!r}, not an offset in seconds") from None
    if not math.isfinite(offset):
        raise ClockFileError(f"{path} ({CLOCK_FILE_VARIABLE}) holds {text[:40]!r}, not a finite offset")
    return offset


def now() -> float:
    """Epoch seconds, as the gateways stamp a request."""
    return time.time() + offset_seconds()


def describe() -> str | None:
    """A line for the banner when the clock can be shifted; None when it is real time."""
    path = clock_file()
    if path is None:
        return None
    return f"real time {offset_seconds():+g} s, from {path} ({CLOCK_FILE_VARIABLE}; tests only)"
