"""Daily salts against moto, and the hashes made from a visitor key."""

from __future__ import annotations

import dataclasses

import pytest

from viewcount.sites import Site, SiteOrigin
from viewcount.tables.salts import SALT_LIFETIME_SECONDS, DailySalts, Salt
from viewcount.visitors import page_token, visitor_hash, visitor_key

NOW = 1795939201  # 2026-11-29T08:00:01Z
SECONDS_PER_DAY = 86_400
SITE = Site("blog", (SiteOrigin.parse("https://blog.example.com"),))
BERLIN = dataclasses.replace(SITE, time_zone="Europe/Berlin")


def utc_day(epoch: int) -> str:
    return "blog#" + SITE.day_of(epoch)


def salts_of(aws):
    return DailySalts(aws.dynamodb, aws.resources.table_names["salts"])


def stored_days(aws):
    return sorted(item["day"]["S"] for item in aws.scan("salts"))


def test_a_day_has_one_random_salt_shared_by_every_instance(aws):
    first, second = salts_of(aws), salts_of(aws)

    salt = first.of_day(SITE, NOW)

    assert len(salt) == 32 and second.of_day(SITE, NOW + 3600) == salt
    [item] = aws.scan("salts")
    assert int(item["expiresAt"]["N"]) == NOW + SALT_LIFETIME_SECONDS
    assert salts_of(aws).of_day(SITE, NOW + SECONDS_PER_DAY) != salt
    assert stored_days(aws) == [utc_day(NOW + SECONDS_PER_DAY)]


def test_making_a_salt_deletes_the_earlier_days_salts(aws):
    for days_ago in (3, 2, 1):
        aws.dynamodb.put_item(
            TableName=aws.resources.table_names["salts"],
            Item={
                "day": {"S": utc_day(NOW - days_ago * SECONDS_PER_DAY)},
                "salt": {"B": bytes(32)},
                "createdAt": {"N": str(NOW - days_ago * SECONDS_PER_DAY)},
            },
        )

    salts_of(aws).of_day(SITE, NOW)

    # A day's salt is never used after its day; TTL deletion is lazy, so they go now.
    assert stored_days(aws) == [utc_day(NOW)]


def test_a_salt_older_than_48_hours_is_never_used(aws):
    table = aws.resources.table_names["salts"]
    stale = bytes(32)
    aws.dynamodb.put_item(
        TableName=table,
        Item={
            "day": {"S": utc_day(NOW)},
            "salt": {"B": stale},
            "createdAt": {"N": str(NOW - SALT_LIFETIME_SECONDS)},
            "expiresAt": {"N": str(NOW)},
        },
    )

    salt = salts_of(aws).of_day(SITE, NOW)

    assert salt != stale
    [item] = aws.scan("salts")
    assert bytes(item["salt"]["B"]) == salt


def test_a_warm_instance_stops_using_its_salt_at_48_hours(aws):
    salts = salts_of(aws)
    salt = salts.of_day(SITE, NOW)
    aws.dynamodb.delete_item(TableName=aws.resources.table_names["salts"], Key={"day": {"S": utc_day(NOW)}})

    # As if this instance had held the salt for 48 h: the age check does not trust the day.
    salts._today["blog"] = Salt(utc_day(NOW), salt, NOW - SALT_LIFETIME_SECONDS)

    assert salts.of_day(SITE, NOW) != salt


def test_a_visitor_key_depends_on_every_part():
    key = visitor_key(b"s" * 32, "site", "203.0.113.7", "UA")

    assert key != visitor_key(b"t" * 32, "site", "203.0.113.7", "UA")
    assert key != visitor_key(b"s" * 32, "other", "203.0.113.7", "UA")
    assert key != visitor_key(b"s" * 32, "site", "203.0.113.8", "UA")
    assert key != visitor_key(b"s" * 32, "site", "203.0.113.7", "UA2")
    assert page_token(key, "post#a") != page_token(key, "post#b")
    other_visitor = visitor_key(b"s" * 32, "site", "203.0.113.8", "UA")
    assert page_token(key, "post#a") != page_token(other_visitor, "post#a")
    # What is stored names the visitor's day: it is not the key that makes the page tokens.
    assert visitor_hash(key) != key.hex()[:32] and len(visitor_hash(key)) == 32


def salt_made_by_another_instance_first(aws, day: str, created_at: int) -> bytes:
    """Arrange for another instance to store `day`'s salt just before this one's PutItem."""
    theirs = b"t" * 32
    item = {"day": {"S": day}, "salt": {"B": theirs}, "createdAt": {"N": str(created_at)}}

    def race(params, **_):
        if params.get("ConditionExpression"):  # this instance's put, not the other's below
            aws.dynamodb.put_item(TableName=params["TableName"], Item=item)

    aws.dynamodb.meta.events.register_first("before-parameter-build.dynamodb.PutItem", race)
    return theirs


def test_two_instances_making_the_days_salt_at_once_use_one(aws):
    salts = salts_of(aws)
    theirs = salt_made_by_another_instance_first(aws, utc_day(NOW), NOW)

    # This instance's conditional put fails; it reads and uses the other's salt.
    assert salts.of_day(SITE, NOW) == theirs
    [item] = aws.scan("salts")
    assert bytes(item["salt"]["B"]) == theirs


def test_a_stale_salt_replaced_meanwhile_by_another_instance_is_not_deleted(aws):
    table = aws.resources.table_names["salts"]
    day = utc_day(NOW)
    aws.dynamodb.put_item(
        TableName=table,
        Item={"day": {"S": day}, "salt": {"B": bytes(32)}, "createdAt": {"N": str(NOW - SALT_LIFETIME_SECONDS)}},
    )
    fresh = b"f" * 32

    def replace_first(params, **_):
        if params.get("ConditionExpression") == "createdAt = :created":
            aws.dynamodb.put_item(
                TableName=table, Item={"day": {"S": day}, "salt": {"B": fresh}, "createdAt": {"N": str(NOW)}}
            )

    aws.dynamodb.meta.events.register_first("before-parameter-build.dynamodb.DeleteItem", replace_first)

    assert salts_of(aws).of_day(SITE, NOW) == fresh
    [item] = aws.scan("salts")
    assert bytes(item["salt"]["B"]) == fresh


def test_each_site_has_its_own_salt_of_its_own_day(aws):
    shanghai = Site("notes", (SiteOrigin.parse("https://notes.example.com"),), time_zone="Asia/Shanghai")
    salts = salts_of(aws)
    evening = 1796061600  # 2026-11-30T16:00:00Z: already 2026-12-01 in Shanghai

    assert salts.of_day(SITE, NOW) != salts.of_day(shanghai, NOW)
    blog_evening, notes_evening = salts.of_day(SITE, evening), salts.of_day(shanghai, evening)

    assert stored_days(aws) == ["blog#2026-11-30", "notes#2026-12-01"]
    # Another site's new day deletes only that site's earlier salts.
    assert salts.of_day(SITE, evening + 60) == blog_evening and notes_evening != blog_evening


@pytest.mark.parametrize(("day", "hours"), [("2026-03-29", 23), ("2026-10-25", 25)])
def test_on_daylight_saving_days_a_salt_serves_its_whole_day_and_never_past_it(aws, day, hours):
    salts = salts_of(aws)
    start, end = BERLIN.day_start(day), BERLIN.day_end(day)
    assert end - start == hours * 3600

    salt = salts.of_day(BERLIN, start)

    # Its whole day, 23 or 25 hours, is well within the 48 hours a salt may live.
    assert salts.of_day(BERLIN, end - 1) == salt
    # The next day's first second has a salt of its own, and the earlier one is deleted.
    assert salts.of_day(BERLIN, end) != salt
    assert stored_days(aws) == [f"blog#{BERLIN.day_of(end)}"]
