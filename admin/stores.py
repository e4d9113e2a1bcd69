"""Where the counts table lives: a deployed DynamoDB table, or the local stack's saved snapshot."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any, Protocol

from local_stack import state
from local_stack.state import SAVE_INTERVAL_SECONDS, SNAPSHOT
from viewcount.tables.page_counts import PageCountsTable, key_of, set_title_in
from viewcount_infra.topology import COUNTS


class AdminError(Exception):
    """A command that cannot be carried out; `./admin.sh` prints the message and exits with `status`."""

    def __init__(self, message: str, status: int = 1) -> None:
        super().__init__(message)
        self.status = status


class UnknownItemError(AdminError):
    """The item to update does not exist; nothing was written."""


class CountsStore(Protocol):
    """The two operations the commands need, on DynamoDB-typed items (`{"S": ...}`, `{"N": ...}`)."""

    name: str  # for messages: the table, or the snapshot file

    def set_title(self, page_key: str, title: str) -> str | None:
        """Sets the title of an existing item and returns its previous title; raises UnknownItemError."""
        ...

    def get_items(self, page_keys: Sequence[str]) -> dict[str, dict[str, Any]]:
        """The items of those keys that exist, by key."""
        ...


class DynamoCountsStore:
    """A deployed namespace's counts table."""

    def __init__(self, client: Any, table_name: str) -> None:
        self.client = client
        self.name = table_name
        self._table = PageCountsTable(client, table_name)

    def set_title(self, page_key: str, title: str) -> str | None:
        try:
            return self._table.set_title(page_key, title)
        except KeyError:
            raise UnknownItemError(f"{page_key} is not in {self.name}") from None

    def get_items(self, page_keys: Sequence[str]) -> dict[str, dict[str, Any]]:
        return self._table.get_items(page_keys)


class SnapshotCountsStore:
    """The tables `./run_local.sh` saves to `<data-dir>/tables.json` and restores when it starts.

    Plain JSON is all it takes to read and edit them, so no moto is started. A running stack
    saves over the file every few seconds, so edits are refused while one runs on the folder.
    """

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir
        self.path = data_dir / SNAPSHOT
        self.name = str(self.path)

    def running_stack_note(self) -> str | None:
        """Why what is read may be stale, or None when no stack runs on the folder."""
        try:
            pid = live_stack_pid(self.data_dir)
        except AdminError as error:
            return f"{error}; if a local stack runs there, its saved tables may be up to {SAVE_INTERVAL_SECONDS} s old"
        if pid is None:
            return None
        return (
            f"the local stack (pid {pid}) is running on {self.data_dir}: "
            f"its saved tables may be up to {SAVE_INTERVAL_SECONDS} s old"
        )

    def set_title(self, page_key: str, title: str) -> str | None:
        self._refuse_while_running()
        snapshot = self._load()
        item = next((i for i in snapshot.get(COUNTS.key, []) if key_of(i) == page_key), None)
        if item is None:
            raise UnknownItemError(f"{page_key} is not in {self.name}")
        previous = set_title_in(item, title)
        # Again just before writing: a stack started since would overwrite the edit.
        self._refuse_while_running()
        state.write_snapshot(self.data_dir, snapshot)
        return previous

    def get_items(self, page_keys: Sequence[str]) -> dict[str, dict[str, Any]]:
        wanted = set(page_keys)
        found: dict[str, dict[str, Any]] = {}
        for item in self._load().get(COUNTS.key, []):
            if key_of(item) in wanted:
                found[key_of(item)] = item
        return found

    def _load(self) -> dict[str, Any]:
        try:
            snapshot = state.read_snapshot(self.data_dir)
        except FileNotFoundError:
            raise AdminError(
                f"no saved tables at {self.path}: is {self.data_dir} the local stack's --data-dir "
                f"(./run_local.sh saves them within {SAVE_INTERVAL_SECONDS} s of starting)?"
            ) from None
        except ValueError as error:
            raise AdminError(f"{self.path} is not a saved snapshot: {error}") from None
        if not isinstance(snapshot, dict):
            raise AdminError(f"{self.path} is not a saved snapshot: not a JSON object")
        return snapshot

    def _refuse_while_running(self) -> None:
        pid = live_stack_pid(self.data_dir)
        if pid is not None:
            raise AdminError(
                f"the local stack (pid {pid}) is running on {self.data_dir} and would overwrite this change "
                "with its next save: stop it (Ctrl-C) and run the command again"
            )


def live_stack_pid(data_dir: Path) -> int | None:
    try:
        return state.live_stack_pid(data_dir)
    except ValueError as error:
        raise AdminError(str(error)) from None
