"""`./smoke.sh` run as a subprocess against the local stack, which runs in another."""

from __future__ import annotations

import re
import subprocess
from collections.abc import Iterator

import pytest

from local_stack.harness import ROOT, LocalStackProcess

RESULT = re.compile(r"^(ok|FAIL|later) +([a-z-]+): ", re.MULTILINE)


def run_smoke(*args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(ROOT / "smoke.sh"), *args], cwd=ROOT, capture_output=True, text=True, timeout=timeout, check=False
    )


def statuses(output: str) -> dict[str, str]:
    """Each check's printed status, by name."""
    return {name: status for status, name in RESULT.findall(output)}


def against(stack: LocalStackProcess, *extra: str, origin: str | None = None) -> list[str]:
    return [
        "--endpoint", stack.ws_url, "--origin", origin or stack.origin, "--namespace", "local",
        "--data-dir", str(stack.data_dir), *extra,
    ]  # fmt: skip


@pytest.fixture
def local_stack(tmp_path) -> Iterator[LocalStackProcess]:
    with LocalStackProcess(tmp_path / "data") as stack:
        stack.start("--reset")
        yield stack
