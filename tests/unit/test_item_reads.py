"""Reading items by key: unprocessed keys are asked for again, after a pause."""

from __future__ import annotations

from typing import Any

from viewcount import item_reads
from viewcount.item_reads import batch_get_items


class ThrottlingTable:
    """A stand-in for DynamoDB, which moto never makes leave keys unprocessed: at most
    `per_call` keys are served per call, the rest come back unprocessed."""

    def __init__(self, per_call: int) -> None:
        self.per_call = per_call
        self.calls: list[int] = []

    def batch_get_item(self, RequestItems: dict[str, Any]) -> dict[str, Any]:  # boto3's parameter name
        [(table, request)] = RequestItems.items()
        keys = request["Keys"]
        self.calls.append(len(keys))
        served, rest = keys[: self.per_call], keys[self.per_call :]
        answer: dict[str, Any] = {"Responses": {table: [dict(key) for key in served]}}
        if rest:
            answer["UnprocessedKeys"] = {table: {**request, "Keys": rest}}
        return answer


def test_every_key_is_read_in_chunks_of_100_and_unprocessed_ones_after_a_growing_pause(monkeypatch):
    pauses: list[float] = []
    monkeypatch.setattr(item_reads.time, "sleep", pauses.append)
    table = ThrottlingTable(per_call=40)
    keys = [{"pageKey": {"S": f"post#{index}"}} for index in range(150)]

    items = batch_get_items(table, "counts", keys)

    assert sorted(item["pageKey"]["S"] for item in items) == sorted(key["pageKey"]["S"] for key in keys)
    assert table.calls == [100, 60, 20, 50, 10]
    assert pauses == [0.05, 0.1, 0.05]  # the pause grows while keys stay unprocessed, per chunk
