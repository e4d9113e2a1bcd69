"""`./admin.sh merge-page` and `delete-page`: a page's counts and history moved or removed,
and the site's totals kept true, on counts the real pipeline made over two days."""

from __future__ import annotations

from datetime import date

import pytest
from moto import mock_aws

from admin.__main__ import main
from tests.integration.test_history import ORIGIN, Stack, series
from viewcount.sites import Site, SiteOrigin
from viewcount.tables.page_counts import counts_of, site_counts_of

ENV = {"LOCAL_CLIENT_URL": ORIGIN}
DAY_1, DAY_2 = "2026-12-01", "2026-12-02"


@pytest.fixture
def two_days(local_config):
    """/2026/old/ read on both days (its first day in the history, its second on its counter,
    and both its first), /junk on both days (its first day's block gone from its counter
    by its third view), /2026/new/ once; a referrer and a campaign on the old page."""
    with mock_aws():
        stack = Stack(local_config, Site("blog", (SiteOrigin.parse(ORIGIN),)))
        first, second = stack.site.day_start(DAY_1), stack.site.day_start(DAY_2)
        stack.view(first + 3600, "/2026/old/", ip="198.51.100.1", referrer="https://news.example/")
        stack.view(first + 3700, "/2026/old/?utm_source=mail", ip="198.51.100.2")
        stack.view(first + 3800, "/junk", ip="198.51.100.3")
        stack.view(second + 3600, "/2026/old/", ip="198.51.100.1")
        stack.view(second + 3700, "/2026/new/", ip="198.51.100.4")
        stack.view(second + 3800, "/junk", ip="198.51.100.3")
        stack.view(second + 3900, "/junk", ip="198.51.100.3")
        yield stack


def admin(*args: str) -> int:
    return main([*args, "--namespace", "local"], env=ENV, today=date(2026, 12, 2))


def pages(stack: Stack) -> dict[str, tuple[int, int]]:
    report = stack.report(DAY_1, DAY_2)
    return {page.page: (page.views, page.visitor_days) for page in report.pages}


def site_total(stack: Stack) -> int:
    return site_counts_of(stack.counters.get_items(["blog#site"])["blog#site"]).total_views


def test_merge_moves_a_pages_days_and_totals_into_another_and_the_site_is_unchanged(two_days, capsys):
    site_series = series(two_days.report(DAY_1, DAY_2))

    assert admin("merge-page", "/2026/old/", "path#/2026/new") == 0
    assert "Did move path#/2026/old into path#/2026/new on blog: 3 counted views, 2 days" in capsys.readouterr().out

    assert pages(two_days) == {"path#/2026/new": (4, 4), "path#/junk": (3, 2)}
    new = two_days.report(DAY_1, DAY_2, "path#/2026/new")
    assert series(new) == [(DAY_1, 2, 2), (DAY_2, 2, 2)]
    assert new.referrers == [("news.example", 1)] and new.campaigns == [("utm_source", "mail", 1)]
    counter = two_days.counters.get_items(["blog#path#/2026/new", "blog#path#/2026/old"])
    assert list(counter) == ["blog#path#/2026/new"] and counts_of(counter["blog#path#/2026/new"]).total_views == 4
    assert series(two_days.report(DAY_1, DAY_2)) == site_series and site_total(two_days) == 7
    assert "path#/2026/old" not in two_days.history.pages("blog")

    assert admin("merge-page", "/2026/old/", "/2026/new/") == 1  # again: nothing left to move
    assert "no page path#/2026/old on blog" in capsys.readouterr().err
    assert pages(two_days) == {"path#/2026/new": (4, 4), "path#/junk": (3, 2)}


def test_delete_removes_a_page_and_takes_its_views_out_of_the_sites(two_days, capsys):
    assert admin("delete-page", "/junk", "--dry-run") == 0
    assert capsys.readouterr().out == "Would remove path#/junk from blog: 3 counted views, 2 days of history.\n"
    assert "path#/junk" in pages(two_days)

    assert admin("delete-page", "/junk") == 0

    assert pages(two_days) == {"path#/2026/old": (3, 3), "path#/2026/new": (1, 1)}
    # The site's views lose the page's; its visitors stay, for they did visit.
    assert series(two_days.report(DAY_1, DAY_2)) == [(DAY_1, 2, 3), (DAY_2, 2, 3)]
    assert site_total(two_days) == 4
    assert two_days.counters.get_items(["blog#path#/junk"]) == {}
    assert "path#/junk" not in two_days.history.pages("blog")

    assert admin("delete-page", "/junk") == 1
    assert series(two_days.report(DAY_1, DAY_2)) == [(DAY_1, 2, 3), (DAY_2, 2, 3)] and site_total(two_days) == 4


def test_a_page_that_changed_since_it_was_read_is_left_for_the_next_run(two_days, capsys, monkeypatch):
    from admin import pages as page_edits

    read = page_edits.read_page

    def read_then_view(*args, **kwargs):
        page = read(*args, **kwargs)
        two_days.view(two_days.site.day_start(DAY_2) + 7200, "/junk", ip="198.51.100.9")  # meanwhile
        return page

    monkeypatch.setattr(page_edits, "read_page", read_then_view)
    assert admin("delete-page", "/junk") == 0
    assert "run it again" in capsys.readouterr().out
    monkeypatch.setattr(page_edits, "read_page", read)

    assert admin("delete-page", "/junk") == 0
    assert "path#/junk" not in pages(two_days) and site_total(two_days) == 4


@pytest.mark.parametrize(
    ("args", "status", "message"),
    [
        (["merge-page", "/2026/old/", "/2026/old"], 2, "cannot be merged into itself"),
        (["delete-page", "junk"], 2, "a page is a path"),
        (["delete-page", "/never-read"], 1, "no page path#/never-read"),
    ],
)
def test_a_page_edit_that_cannot_be_made_writes_nothing(two_days, capsys, args, status, message):
    before = pages(two_days)

    assert admin(*args) == status

    assert message in capsys.readouterr().err and pages(two_days) == before
