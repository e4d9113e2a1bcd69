"""Where the commands run: a deployed namespace's tables, or the local stack's saved tables.

Both are DynamoDB to the commands, which work through the same table modules as the
functions. A deployed namespace is boto3 with the operator's credentials; the local
stack's `<data-dir>/tables.json` is loaded into moto, in this process, and saved back after
a command that writes (never while a running stack would overwrite it with its next save).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from local_stack import state
from local_stack.state import SAVE_INTERVAL_SECONDS, SNAPSHOT
from viewcount.sites import Site, SiteError, Sites
from viewcount_infra.config import DeploymentConfig
from viewcount_infra.topology import TABLES, TableSpec

USAGE = 2  # exit status of bad input, as argparse uses


class AdminError(Exception):
    """A command that cannot be carried out; `./admin.sh` prints the message and exits with `status`."""

    def __init__(self, message: str, status: int = 1) -> None:
        super().__init__(message)
        self.status = status


@dataclass
class Tables:
    """The namespace's tables as the commands see them: a client, each table's name, the sites."""

    dynamodb: Any
    names: dict[str, str]  # table key (topology) -> physical name
    sites: Sites
    where: str  # for messages: the namespace and region, or the snapshot file

    def name(self, spec: TableSpec) -> str:
        return self.names[spec.key]

    def site(self, site_id: str | None) -> Site:
        """The site `--site` names; it may be left out only where there is one."""
        if site_id is None:
            if len(self.sites) > 1:
                raise AdminError(f"--site is required: the sites are {', '.join(self.sites.ids)}", USAGE)
            return self.sites.default
        # Only a configured site: the smoke test's own site is no blogger's to change or share.
        if site_id not in self.sites.ids:
            raise AdminError(f"no site {site_id!r} here: the sites are {', '.join(self.sites.ids)}", USAGE)
        return self.sites.get(site_id)


def deployed_tables(config: DeploymentConfig) -> Tables:
    import boto3

    client = boto3.client("dynamodb")
    return Tables(
        client,
        {spec.key: spec.physical_name(config) for spec in TABLES},
        config.sites,
        f"{config.prefix} in {client.meta.region_name}",
    )


@contextmanager
def snapshot_tables(data_dir: Path, config: DeploymentConfig, *, writes: bool) -> Iterator[Tables]:
    """The saved tables of a local stack, in moto; saved back when the command ends well."""
    if writes:
        refuse_while_running(data_dir)
    try:
        snapshot = state.read_snapshot(data_dir)
    except FileNotFoundError:
        raise AdminError(
            f"no saved tables at {data_dir / SNAPSHOT}: is {data_dir} the local stack's --data-dir "
            f"(./run_local.sh saves them within {SAVE_INTERVAL_SECONDS} s of starting)?"
        ) from None
    except ValueError as error:
        raise AdminError(f"{data_dir / SNAPSHOT} is not a saved snapshot: {error}") from None
    if not isinstance(snapshot, dict):
        raise AdminError(f"{data_dir / SNAPSHOT} is not a saved snapshot: not a JSON object")
    try:
        sites = state.read_sites(data_dir) or config.sites
    except SiteError as error:
        raise AdminError(f"{data_dir / state.SITES}: {error}") from None
    from local_stack.stack import in_moto

    with in_moto():
        import boto3

        from local_stack.resources import create_table

        dynamodb = boto3.client("dynamodb")
        names = {spec.key: create_table(dynamodb, spec, config)["TableName"] for spec in state.SAVED_TABLES}
        state.restore_snapshot(dynamodb, names, snapshot)
        yield Tables(dynamodb, names, sites, str(data_dir / SNAPSHOT))
        if writes:
            # Again just before writing: a stack started since would overwrite the change.
            refuse_while_running(data_dir)
            state.save(dynamodb, names, data_dir)


def running_stack_note(data_dir: Path) -> str | None:
    """Why what is read may be stale, or None when no stack runs on the folder."""
    try:
        pid = live_stack_pid(data_dir)
    except AdminError as error:
        return f"{error}; if a local stack runs there, its saved tables may be up to {SAVE_INTERVAL_SECONDS} s old"
    if pid is None:
        return None
    return (
        f"the local stack (pid {pid}) is running on {data_dir}: its saved tables may be up to "
        f"{SAVE_INTERVAL_SECONDS} s old"
    )


def refuse_while_running(data_dir: Path) -> None:
    pid = live_stack_pid(data_dir)
    if pid is not None:
        raise AdminError(
            f"the local stack (pid {pid}) is running on {data_dir} and would overwrite this change "
            "with its next save: stop it (Ctrl-C) and run the command again"
        )


def live_stack_pid(data_dir: Path) -> int | None:
    try:
        return state.live_stack_pid(data_dir)
    except ValueError as error:
        raise AdminError(str(error)) from None
