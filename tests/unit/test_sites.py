"""Sites: which site an origin and a path pick, and a site's own day."""

from __future__ import annotations

import pytest

from viewcount.sites import SMOKE_SITE_ID, Site, SiteError, SiteOrigin, Sites, days_between

BLOG = Site("blog", (SiteOrigin.parse("https://blog.example.com"),))
# Two GitHub Pages project sites on one origin, and the user site at its root.
NOTES = Site("notes", (SiteOrigin.parse("https://user.github.io/notes/"),), time_zone="Europe/Berlin")
TALKS = Site("talks", (SiteOrigin.parse("https://user.github.io/talks"),), time_zone="Asia/Shanghai")
ROOT = Site("root", (SiteOrigin.parse("https://user.github.io"),))
SITES = Sites((BLOG, NOTES, TALKS, ROOT))


def epoch(text: str) -> int:
    from datetime import datetime

    return int(datetime.fromisoformat(text).timestamp())


@pytest.mark.parametrize(
    ("entry", "origin", "prefix"),
    [
        ("https://Blog.Example.com/", "https://blog.example.com", "/"),
        ("https://user.github.io/notes/", "https://user.github.io", "/notes"),
        ("https://user.github.io/a//b/./", "https://user.github.io", "/a/b"),
        ("http://localhost:8001", "http://localhost:8001", "/"),
    ],
)
def test_an_origin_entry_is_an_origin_and_a_path_prefix(entry, origin, prefix):
    assert SiteOrigin.parse(entry) == SiteOrigin(origin, prefix)


@pytest.mark.parametrize("entry", ["blog.example.com", "ftp//broken", "https://x.example/?q=1", "https://x:99999"])
def test_an_entry_that_is_no_origin_is_refused(entry):
    with pytest.raises(ValueError, match="not an origin"):
        SiteOrigin.parse(entry)


def test_origins_match_exactly_not_by_substring_or_pattern():
    assert SITES.of_origin("https://blog.example.com") is BLOG
    for impostor in ("https://blog.example.com.evil.net", "https://sub.blog.example.com", "https://blogXexample.com"):
        assert SITES.of_origin(impostor) is None
        assert SITES.resolve(impostor, "/") is None
    assert "https://blog.example.com.evil.net" not in SITES.allowed_origins


@pytest.mark.parametrize(
    ("path", "site"),
    [
        ("/notes", NOTES),
        ("/notes/2026/hello", NOTES),
        ("/talks/x", TALKS),
        ("/notesy", ROOT),  # a prefix is a whole segment
        ("/", ROOT),
        ("/about", ROOT),
    ],
)
def test_on_a_shared_origin_the_longest_prefix_holding_the_path_picks_the_site(path, site):
    assert SITES.has_prefixes("https://user.github.io") and not SITES.has_prefixes("https://blog.example.com")
    assert SITES.resolve("https://user.github.io", path) is site


def test_without_a_root_site_a_path_outside_every_prefix_is_on_no_site():
    sites = Sites((NOTES, TALKS))

    assert sites.resolve("https://user.github.io", "/elsewhere") is None
    assert sites.of_origin("https://user.github.io") is NOTES  # the first configured, for ids alone


def test_a_connection_without_an_origin_is_the_default_sites():
    assert SITES.resolve(None, "/anything") is BLOG and SITES.of_origin(None) is BLOG


@pytest.mark.parametrize(
    ("sites", "message"),
    [
        ((BLOG, Site("blog", (SiteOrigin.parse("https://other.example"),))), "two sites are called 'blog'"),
        ((BLOG, Site("copy", BLOG.origins)), "both claim https://blog.example.com"),
        ((), "no site"),
    ],
)
def test_sites_that_collide_are_refused(sites, message):
    with pytest.raises(SiteError, match=message):
        Sites(sites)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"id": "Blog"}, "lower-case"),
        ({"id": "post"}, "not one of"),
        ({"id": "x" * 33}, "1-32"),
        ({"time_zone": "Mars/Olympus"}, "not an IANA time zone"),
        ({"page_path_pattern": "(unclosed"}, "not a regular expression"),
        ({"origins": ()}, "names no origin"),
    ],
)
def test_a_bad_site_is_refused_with_its_name(changes, message):
    import dataclasses

    with pytest.raises(SiteError, match=message):
        dataclasses.replace(BLOG, **changes)


def test_the_sites_file_round_trips():
    assert Sites.of_json(SITES.as_json()) == SITES
    with pytest.raises(SiteError, match="not a sites file"):
        Sites.of_json('{"sites": [{"id": "x"}]}')


# ---- the site's day -------------------------------------------------------------


@pytest.mark.parametrize(
    ("zone", "before", "after", "day_before", "day_after"),
    [
        ("UTC", "2026-12-06T23:59:59+00:00", "2026-12-07T00:00:00+00:00", "2026-12-06", "2026-12-07"),
        # Midnight in Shanghai is 16:00 UTC the day before.
        ("Asia/Shanghai", "2026-12-06T15:59:59+00:00", "2026-12-06T16:00:00+00:00", "2026-12-06", "2026-12-07"),
        ("Europe/Berlin", "2026-03-28T22:59:59+00:00", "2026-03-28T23:00:00+00:00", "2026-03-28", "2026-03-29"),
        ("Europe/Berlin", "2026-10-24T21:59:59+00:00", "2026-10-24T22:00:00+00:00", "2026-10-24", "2026-10-25"),
    ],
)
def test_a_sites_day_turns_at_its_own_midnight(zone, before, after, day_before, day_after):
    site = Site("s", BLOG.origins, time_zone=zone)

    assert site.day_of(epoch(before)) == day_before
    assert site.day_of(epoch(after)) == day_after
    assert site.day_start(day_after) == epoch(after)


@pytest.mark.parametrize(("day", "hours"), [("2026-03-29", 23), ("2026-10-25", 25), ("2026-07-01", 24)])
def test_daylight_saving_days_are_23_and_25_hours_long(day, hours):
    berlin = Site("s", BLOG.origins, time_zone="Europe/Berlin")

    assert berlin.day_end(day) - berlin.day_start(day) == hours * 3600
    assert berlin.day_of(berlin.day_end(day) - 1) == day


def test_a_range_of_days_counts_calendar_days_across_daylight_saving():
    assert days_between("2026-10-24", "2026-10-26") == ["2026-10-24", "2026-10-25", "2026-10-26"]
    assert days_between("2026-12-07", "2026-12-07") == ["2026-12-07"]


@pytest.mark.parametrize(
    ("origin", "page", "smoke"),
    [
        ("https://blog.example.com", "/__smoke__/", True),
        ("https://blog.example.com", "/__smoke__", True),
        ("https://user.github.io", "/__smoke__/run?utm_source=x", True),
        ("https://blog.example.com", "https://blog.example.com/posts/../__smoke__/index.html", True),
        ("https://blog.example.com", "/%5F%5Fsmoke%5F%5F/", True),
        ("https://blog.example.com", "/a/..%2F__smoke__/", True),
        ("https://blog.example.com", "/__smoke%5f%5f/x", True),
        ("https://blog.example.com", "/caf%C3%A9/", False),
        ("https://blog.example.com", "/__smoke__x/", False),
        ("https://blog.example.com", "/posts/__smoke__/", False),
        ("https://foreign.example", "/__smoke__/", False),
        (None, "/__smoke__/", False),
    ],
)
def test_the_smoke_tests_page_is_its_path_from_any_sites_origin(origin, page, smoke):
    assert SITES.is_smoke_view(origin, page) is smoke


def test_the_smoke_tests_site_is_counted_but_listed_nowhere():
    smoke = SITES.get(SMOKE_SITE_ID)

    assert SITES.is_counted(SMOKE_SITE_ID) and not SITES.is_counted("gone")
    assert SMOKE_SITE_ID not in SITES.ids and smoke not in list(SITES) and len(SITES) == 4
    assert SMOKE_SITE_ID not in SITES.as_json()
    assert {entry.origin for entry in smoke.origins} == SITES.allowed_origins
    assert smoke.time_zone == "UTC" and not smoke.page_path_pattern and not smoke.article_id_pattern
    # As docs/smoke-test.md says: a handful of pages, and about 50 runs a day from one machine.
    assert (smoke.page_limit, smoke.views_per_page_per_day) == (10, 100)


def test_no_configured_site_may_take_the_smoke_tests_id():
    with pytest.raises(SiteError, match="kept for the views of /__smoke__/"):
        Sites((Site(SMOKE_SITE_ID, (SiteOrigin.parse("https://smoke.example.com"),)),))
