"""DynamoDB and SQS calls whose answers must not change when moto is patched for speed.

    python -m tests.local_stack.moto_battery [--patched]

Prints one JSON document: the patches made, and every answer (or error) in order, without
what moto makes up afresh each run (request ids, message ids, receipt handles, times).
"""

from __future__ import annotations

import json
import os
import sys
from typing import Any

for name, value in {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_ACCOUNT_ID_ENDPOINT_MODE": "disabled",
}.items():
    os.environ[name] = value

import boto3  # noqa: E402
from botocore.exceptions import ClientError  # noqa: E402
from moto import mock_aws  # noqa: E402

VOLATILE = {
    "ResponseMetadata",
    "MessageId",
    "ReceiptHandle",
    "ApproximateCreationDateTime",
    "SenderId",
    "SentTimestamp",
    "ApproximateFirstReceiveTimestamp",
    "LatestStreamArn",
    "LatestStreamLabel",
    "StreamArn",
    "StreamLabel",
    "CreationDateTime",
    "TableArn",
    "TableId",
    "ShardIterator",
    "NextShardIterator",
    "eventID",
    "SequenceNumber",
    "StartingSequenceNumber",
    "ShardId",
    "LastEvaluatedShardId",
    "QueueUrl",
    "SizeBytes",
}  # fmt: skip  (a stream record's size counts its creation time's digits)


def stable(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: stable(inner) for key, inner in value.items() if key not in VOLATILE}
    if isinstance(value, list):
        return [stable(inner) for inner in value]
    if isinstance(value, bytes | bytearray):
        return value.hex()
    return value if isinstance(value, str | int | float | bool | type(None)) else repr(value)


def S(text: str) -> dict[str, str]:  # DynamoDB's type names
    return {"S": text}


def N(number: int) -> dict[str, str]:
    return {"N": str(number)}


def battery() -> list[Any]:
    dynamodb, streams, sqs = boto3.client("dynamodb"), boto3.client("dynamodbstreams"), boto3.client("sqs")
    answers: list[Any] = []

    def call(operation: Any, **params: Any) -> None:
        try:
            answers.append(stable(operation(**params)))
        except ClientError as error:
            answers.append({"error": error.response["Error"]})
        except Exception as error:  # moto raises some bad expressions as they are: compare those too
            answers.append({"raised": f"{type(error).__name__}: {error}"})

    table = "battery"
    dynamodb.create_table(
        TableName=table,
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
        StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"},
    )
    key = {"pk": {"S": "page"}}
    item = {
        **key,
        "count": {"N": "1"},
        "title": {"S": "Hello"},
        "tags": {"SS": ["a", "b"]},
        "sizes": {"NS": ["1", "2.5"]},
        "blob": {"B": b"\x00\x01"},
        "blobs": {"BS": [b"\x02"]},
        "flag": {"BOOL": True},
        "nothing": {"NULL": True},
        "nested": {"M": {"list": {"L": [{"S": "x"}, {"N": "2"}, {"M": {"deep": {"S": "y"}}}]}, "n": {"N": "3"}}},
    }
    call(dynamodb.put_item, TableName=table, Item=item, ConditionExpression="attribute_not_exists(pk)")
    call(dynamodb.put_item, TableName=table, Item=item, ConditionExpression="attribute_not_exists(pk)")

    def update(expression: str, values: Any = None, names: Any = None, condition: str = "", returns: str = "ALL_NEW"):
        params: dict[str, Any] = {"UpdateExpression": expression, "ReturnValues": returns}
        if condition:
            params["ConditionExpression"] = condition
        if names:
            params["ExpressionAttributeNames"] = names
        if values:
            params["ExpressionAttributeValues"] = values
        call(dynamodb.update_item, TableName=table, Key=key, **params)

    count, position = {"#c": "count"}, {"#p": "position:shard-1"}
    after = "attribute_not_exists(#p) OR #p < :p"
    update("ADD #c :one SET title = if_not_exists(title, :t)", {":one": N(1), ":t": S("New")}, count)
    more = {":more": {"L": [S("z")]}, ":p": S("0002")}
    update("SET nested.#l = list_append(nested.#l, :more), #p = :p", more, {**position, "#l": "list"}, after)
    update("SET nested.list = :more", {":more": {"L": []}}, returns="NONE")  # a reserved word
    update("SET #p = :p", {":p": S("0001")}, position, after)  # fails: counted already
    tag = {":tag": {"SS": ["c"]}, ":h": S("He"), ":two": N(2)}
    update("REMOVE nothing, nested.n ADD tags :tag", tag, None, "begins_with(title, :h) AND size(tags) = :two",
           "UPDATED_OLD")  # fmt: skip
    ranges = {":n": N(5), ":lo": N(0), ":hi": N(10), ":q": S("zz"), ":t1": S("Hello"), ":t2": S("New")}
    update(
        "SET #c = #c + :n",
        ranges,
        count,
        "(#c BETWEEN :lo AND :hi) AND NOT contains(title, :q) AND title IN (:t1, :t2)",
    )
    update("SET flag = :f", {":f": {"BOOL": False}, ":bool": S("BOOL")}, None, "attribute_type(flag, :bool)", "ALL_OLD")
    update("SET pk = :x", {":x": S("other")}, returns="NONE")
    update("SET title = :missing", {":t": S("unused")}, returns="NONE")
    update("SET title = ", returns="NONE")
    update("SET title = :t", {":t": S("T")}, None, "title = = :t", "NONE")
    update("ADD #c :one", {":one": N(1), ":big": N(100)}, count, "attribute_exists(#c) AND #c > :big")
    update("SET #b = :b, blobs = :bs", {":b": {"B": b"\xff"}, ":bs": {"BS": [b"\x03", b"\x04"]}}, {"#b": "blob"})
    update("ADD #c :one", {":one": N(1)}, count)
    update("ADD #c :one", {":one": N(1)}, count)  # the same expression again
    call(dynamodb.update_item, TableName=table, Key={"pk": {"S": "fresh"}}, UpdateExpression="ADD n :one",
         ExpressionAttributeValues={":one": {"N": "1"}}, ReturnValues="ALL_NEW")  # fmt: skip
    call(dynamodb.get_item, TableName=table, Key=key, ConsistentRead=True)
    call(dynamodb.scan, TableName=table)
    call(dynamodb.query, TableName=table, KeyConditionExpression="pk = :k", ExpressionAttributeValues={":k": S("page")})
    call(dynamodb.delete_item, TableName=table, Key={"pk": {"S": "fresh"}}, ConditionExpression="n = :one",
         ExpressionAttributeValues={":one": {"N": "2"}})  # fmt: skip
    stream = dynamodb.describe_table(TableName=table)["Table"]["LatestStreamArn"]
    [shard] = streams.describe_stream(StreamArn=stream)["StreamDescription"]["Shards"]
    iterator = streams.get_shard_iterator(StreamArn=stream, ShardId=shard["ShardId"], ShardIteratorType="TRIM_HORIZON")
    call(streams.get_records, ShardIterator=iterator["ShardIterator"])

    url = sqs.create_queue(QueueName="battery", Attributes={"VisibilityTimeout": "30"})["QueueUrl"]
    for body in ("one", "two", "three"):
        kind = {"kind": {"DataType": "String", "StringValue": "post"}}
        sqs.send_message(QueueUrl=url, MessageBody=body, MessageAttributes=kind)
    call(sqs.receive_message, QueueUrl=url, MaxNumberOfMessages=2, MessageAttributeNames=["All"])
    call(sqs.receive_message, QueueUrl=url, MaxNumberOfMessages=10)
    call(sqs.receive_message, QueueUrl=url, MaxNumberOfMessages=10)
    counts = ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"]
    call(sqs.get_queue_attributes, QueueUrl=url, AttributeNames=counts)
    return answers


def signs_requests() -> bool:
    """Whether a client of the default session signs what it sends."""
    client, headers = boto3.client("dynamodb"), []
    client.meta.events.register_first("before-send", lambda request, **_: headers.append(request.headers))
    client.list_tables()
    return "Authorization" in headers[0]


def main() -> None:
    patches: list[str] = []
    with mock_aws():
        if "--patched" in sys.argv:
            from local_stack import moto_speedups

            patches = moto_speedups.apply()
            boto3.setup_default_session()
            moto_speedups.skip_signing(boto3.DEFAULT_SESSION)
        if not signs_requests():
            patches.append("unsigned")
        answers = battery()
    json.dump({"patches": patches, "answers": answers}, sys.stdout, indent=1, sort_keys=True)


if __name__ == "__main__":
    main()
