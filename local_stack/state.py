"""Tables saved to the data directory, so counts survive a restart.

Saved every few seconds and on shutdown, written to a temporary file and renamed, so a
crash leaves the last complete snapshot. What ends with the process is left out: the open
connections (the pages' readers, the per-connection view rates), and what guards against
redelivery from the queues and the stream, which do not outlive it either (the counters'
stream positions, the view log; moto's new stream numbers its records afresh).

Beside the tables, the data directory holds what the other commands read: the sites
(`sites.json`), the running stack's pid, the dashboard's owner key and address, and while the
stack runs its outputs (`outputs.json`, named as the deployed stack's CloudFormation outputs)
and its functions' log lines (`logs/<function name>.log`, local_stack.function_logs), which
`./smoke.sh --data-dir` reads where on AWS it reads CloudFormation and CloudWatch Logs.
"""

from __future__ import annotations

import base64
import json
import os
from pathlib import Path
from typing import Any

from local_stack.functions import AWS_LOCK
from local_stack.resources import new_owner_key
from viewcount.sites import Sites
from viewcount.tables.page_counts import durable_attributes
from viewcount_infra.topology import COUNTS, READERS, TABLES, VISITOR_DAYS

SNAPSHOT = "tables.json"
# The sites the stack counts, written when it starts, so that `./admin.sh --data-dir` knows
# sites given on the stack's command line.
SITES = "sites.json"
# Holds the running stack's pid, so that `./admin.sh rename-title` does not edit the saved
# tables while the stack would overwrite them with its next save.
PID_FILE = "stack.pid"
SAVE_INTERVAL_SECONDS = 5
# The dashboard's owner key of this data dir (in AWS: a Secrets Manager secret). Kept across
# --reset, which drops the counts only; readable by its owner alone.
OWNER_KEY = "owner-key"
# Where the running (or last) stack served its dashboard, for ./admin.sh dashboard-url.
DASHBOARD_URL = "dashboard-url"
# While the stack runs: its addresses under the names of the deployed stack's CloudFormation
# outputs (`WebSocketUrl`, `HttpApiUrl`, `DashboardUrl`), for `./smoke.sh --data-dir`. Written
# when it is ready, removed when it stops.
OUTPUTS = "outputs.json"
# The functions' log lines at INFO, one file per function (local_stack.function_logs).
LOGS = "logs"


def owner_key(data_dir: Path, *, make: bool = False) -> str | None:
    """The data dir's owner key; with `make`, made (40 random letters and digits, as the
    deployed secret is) the first time. None when there is none yet."""
    path = data_dir / OWNER_KEY
    if path.exists():
        return path.read_text().strip()
    if not make:
        return None
    data_dir.mkdir(parents=True, exist_ok=True)
    key = new_owner_key()
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w") as file:
        file.write(key + "\n")
    return key


def write_dashboard_url(data_dir: Path, url: str) -> None:
    data_dir.mkdir(parents=True, exist_ok=True)
    (data_dir / DASHBOARD_URL).write_text(url + "\n")


def dashboard_url(data_dir: Path) -> str | None:
    path = data_dir / DASHBOARD_URL
    return path.read_text().strip() if path.exists() else None


def write_outputs(data_dir: Path, outputs: dict[str, str]) -> None:
    """Written to a temporary file and renamed: a reader never meets half a file."""
    data_dir.mkdir(parents=True, exist_ok=True)
    temporary = data_dir / f".{OUTPUTS}.{os.getpid()}.tmp"
    temporary.write_text(json.dumps(outputs, indent=2, sort_keys=True) + "\n")
    os.replace(temporary, data_dir / OUTPUTS)


def read_outputs(data_dir: Path) -> dict[str, str]:
    """The running stack's outputs; FileNotFoundError when no stack runs there (or it has not
    said yet), ValueError when the file is not a JSON object of strings."""
    outputs = json.loads((data_dir / OUTPUTS).read_text())
    if not isinstance(outputs, dict) or not all(isinstance(v, str) for v in outputs.values()):
        raise ValueError(f"{data_dir / OUTPUTS} is not a JSON object of strings")
    return outputs


def remove_outputs(data_dir: Path) -> None:
    (data_dir / OUTPUTS).unlink(missing_ok=True)


def live_stack_pid(data_dir: Path) -> int | None:
    """The pid in `<data_dir>/stack.pid` when that process is alive; None when there is no such stack.

    A stack killed with SIGKILL leaves its file behind; its dead pid does not count. A file that
    names no pid at all raises ValueError rather than being guessed about.
    """
    path = data_dir / PID_FILE
    try:
        text = path.read_text().strip()
    except FileNotFoundError:
        return None
    if not text.isdigit() or int(text) <= 0:
        raise ValueError(f"{path} holds no pid ({text!r}); if no local stack runs on {data_dir}, delete it")
    pid = int(text)
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return None
    except PermissionError:
        return pid  # alive, but another user's
    return pid


# Not the visitor days: written back on a restart, each item would stream as a new view and
# count again. A restarted local stack therefore meets each visitor of the day anew. Nor the
# readers: their connections end with the process.
SAVED_TABLES = tuple(spec for spec in TABLES if spec not in (VISITOR_DAYS, READERS))


def save(dynamodb: Any, table_names: dict[str, str], data_dir: Path) -> None:
    snapshot: dict[str, list[dict[str, Any]]] = {}
    with AWS_LOCK:
        for spec in SAVED_TABLES:
            pages = dynamodb.get_paginator("scan").paginate(TableName=table_names[spec.key])
            items = [item for page in pages for item in page["Items"]]
            if spec is COUNTS:
                items = [durable_attributes(item) for item in items]
            snapshot[spec.key] = [{name: _to_json(value) for name, value in item.items()} for item in items]
    write_snapshot(data_dir, snapshot)


def write_snapshot(data_dir: Path, snapshot: dict[str, Any]) -> None:
    """Written to a temporary file of this process and renamed over the snapshot: a reader
    (or a crash) never meets half a file."""
    data_dir.mkdir(parents=True, exist_ok=True)
    temporary = data_dir / f".{SNAPSHOT}.{os.getpid()}.tmp"
    temporary.write_text(json.dumps(snapshot, sort_keys=True))
    os.replace(temporary, data_dir / SNAPSHOT)


def read_snapshot(data_dir: Path) -> Any:
    """The saved tables as JSON; FileNotFoundError when none were saved, ValueError when the
    file is not JSON."""
    return json.loads((data_dir / SNAPSHOT).read_text())


def restore(dynamodb: Any, table_names: dict[str, str], data_dir: Path) -> int:
    try:
        snapshot = read_snapshot(data_dir)
    except FileNotFoundError:
        return 0
    return restore_snapshot(dynamodb, table_names, snapshot)


def restore_snapshot(dynamodb: Any, table_names: dict[str, str], snapshot: dict[str, Any]) -> int:
    """Put the snapshot's items into the (empty) tables; how many there were."""
    restored = 0
    with AWS_LOCK:
        for spec in SAVED_TABLES:
            items = snapshot.get(spec.key, [])
            for start in range(0, len(items), 25):
                requests = [
                    {"PutRequest": {"Item": {name: _from_json(value) for name, value in item.items()}}}
                    for item in items[start : start + 25]
                ]
                dynamodb.batch_write_item(RequestItems={table_names[spec.key]: requests})
            restored += len(items)
    return restored


def write_sites(data_dir: Path, sites: Sites) -> None:
    data_dir.mkdir(parents=True, exist_ok=True)
    (data_dir / SITES).write_text(sites.as_json())


def read_sites(data_dir: Path) -> Sites | None:
    """The sites a stack on this folder last counted; None when none has said; SiteError
    when the file is no sites file."""
    try:
        return Sites.load(data_dir / SITES)
    except FileNotFoundError:
        return None


# JSON has no bytes: binary attributes (the daily salts) are saved in base64.
def _to_json(value: dict[str, Any]) -> dict[str, Any]:
    return {"B": base64.b64encode(value["B"]).decode()} if "B" in value else value


def _from_json(value: dict[str, Any]) -> dict[str, Any]:
    return {"B": base64.b64decode(value["B"])} if "B" in value else value
