"""The functions' log lines at INFO, one file per function, as CloudWatch Logs keeps them.

Deployed, each function logs at INFO to its own log group, `/aws/lambda/<function name>`.
Here every handler shares one Powertools Logger (viewcount.observability) in one process, and
the console shows WARNING and above only (`POWERTOOLS_LOG_LEVEL`, local_stack.stack). While
the stack runs, every line at INFO or above is also appended to
`<data-dir>/logs/<function name>.log`, exactly as the function printed it (one JSON object a
line), routed by the `function_name` that `logger.inject_lambda_context` puts into each line.
A line logged outside any invocation names no function and is kept nowhere.

The folder is emptied when the stack starts. A file that would grow past `MAX_BYTES` is
moved to `<function name>.log.1` (replacing the one before) and started afresh, so a long
run keeps the last 10 to 20 MB of each function's lines. `./smoke.sh --data-dir` reads them
where on AWS it reads CloudWatch Logs.
"""

from __future__ import annotations

import json
import logging
import re
from pathlib import Path
from typing import TextIO

MAX_BYTES = 10 * 1024 * 1024
SUFFIX = ".log"
ROTATED_SUFFIX = ".log.1"
# A function's name as a file name: the deployed names are letters, digits and dashes.
SAFE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,139}")


def log_files(folder: Path, function_name: str) -> list[Path]:
    """A function's log files in the order their lines were written (the rotated one first)."""
    return [folder / f"{function_name}{ROTATED_SUFFIX}", folder / f"{function_name}{SUFFIX}"]


class FunctionLogFiles(logging.Handler):
    """A handler on the functions' shared logger: each line into its function's file."""

    def __init__(self, folder: Path, max_bytes: int = MAX_BYTES) -> None:
        super().__init__(logging.INFO)
        self.folder = folder
        self.max_bytes = max_bytes
        self._files: dict[str, TextIO] = {}
        self._logger: logging.Logger | None = None
        self._levels: list[tuple[logging.Logger | logging.Handler, int]] = []

    def install(self) -> None:
        """Empty the folder and start taking the lines of the functions' logger, at INFO,
        leaving what its console handler shows as it was."""
        from viewcount.observability import logger

        self.folder.mkdir(parents=True, exist_ok=True)
        for path in self.folder.glob(f"*{SUFFIX}*"):
            path.unlink(missing_ok=True)
        shared = logging.getLogger(logger.name)
        self.setFormatter(logger.registered_formatter)
        shown = shared.getEffectiveLevel()
        self._levels = [(shared, shared.level)]
        for handler in shared.handlers:
            if handler.level == logging.NOTSET:
                self._levels.append((handler, handler.level))
                handler.setLevel(shown)
        shared.setLevel(min(shown, logging.INFO))
        shared.addHandler(self)
        self._logger = shared

    def uninstall(self) -> None:
        if self._logger is not None:
            self._logger.removeHandler(self)
            for owner, level in self._levels:
                owner.setLevel(level)
            self._logger, self._levels = None, []
        self.close()

    def emit(self, record: logging.LogRecord) -> None:
        try:
            line = self.format(record)
            name = function_name_of(line)
            if name is not None:
                self._write(name, line + "\n")
        except Exception:
            self.handleError(record)

    def _write(self, name: str, line: str) -> None:
        # logging.Handler.handle holds this handler's lock around emit.
        rotated, current = log_files(self.folder, name)
        file = self._files.get(name)
        if file is None:
            file = self._files[name] = open(current, "a", encoding="utf-8")  # noqa: SIM115
        size = len(line.encode())
        if file.tell() and file.tell() + size > self.max_bytes:
            file.close()
            current.replace(rotated)
            file = self._files[name] = open(current, "a", encoding="utf-8")  # noqa: SIM115
        file.write(line)
        file.flush()

    def close(self) -> None:
        self.acquire()
        try:
            for file in self._files.values():
                file.close()
            self._files.clear()
        finally:
            self.release()
        super().close()


def function_name_of(line: str) -> str | None:
    """The function that logged a Powertools JSON line, when it names one that can be a file."""
    try:
        name = json.loads(line).get("function_name")
    except (ValueError, AttributeError):
        return None
    return name if isinstance(name, str) and SAFE_NAME.fullmatch(name) else None
