"""The PageCounts item: the cap on a page's referrer and campaign counters, and the parts of a counter update."""

from __future__ import annotations

import re
from collections import Counter

from viewcount.tables.page_counts import (
    MAX_SOURCES_PER_PAGE,
    DayBlock,
    counter_update,
    counts_of,
    day_blocks,
    generation,
    page_parts,
    site_parts,
    source_names,
    within_limit,
)
from viewcount.tables.visitor_days import LoggedView


def full_page() -> frozenset[str]:
    return frozenset(f"referrer:host{i}.example" for i in range(MAX_SOURCES_PER_PAGE))


def test_new_sources_are_kept_while_the_page_has_room():
    sources = Counter({"referrer:a.example": 2, "utm_source:news": 1})

    assert within_limit(sources, frozenset()) == sources


def test_past_the_cap_new_sources_fold_into_other_and_known_ones_still_count():
    sources = Counter({"referrer:host1.example": 3, "referrer:new.example": 2, "utm_campaign:spam1": 1})

    assert within_limit(sources, full_page()) == Counter(
        {"referrer:host1.example": 3, "referrer:(other)": 2, "utm_campaign:(other)": 1}
    )


def test_the_busiest_new_sources_take_the_last_places():
    known = frozenset(list(full_page())[:-2])
    sources = Counter({"referrer:rare.example": 1, "referrer:busy.example": 9, "referrer:middle.example": 4})

    kept = within_limit(sources, known)

    assert kept == Counter({"referrer:busy.example": 9, "referrer:middle.example": 4, "referrer:(other)": 1})
    assert sum(kept.values()) == sum(sources.values())


def test_other_counters_do_not_take_places():
    known = frozenset(list(full_page())[:-1]) | {"referrer:(other)", "utm_source:(other)"}

    assert within_limit(Counter({"referrer:new.example": 1}), known) == Counter({"referrer:new.example": 1})


def test_a_name_that_only_looks_like_an_other_counter_takes_a_place():
    # Were any name ending in "(other)" exempt, a sender could grow the page without bound.
    sources = Counter({"referrer:evil.example(other)": 1, "utm_source:(other)x(other)": 1})

    assert within_limit(sources, full_page()) == Counter({"referrer:(other)": 1, "utm_source:(other)": 1})


def logged(sequence: int, **fields) -> LoggedView:
    return LoggedView(
        sequence_number=str(sequence), page_key="blog#post#a", **{"day": "2026-12-07", "unique": True, **fields}
    )


def attributes(update) -> dict[str, str]:
    """Each attribute the update writes, with the clause that writes it."""
    clauses = {}
    for clause in re.split(r"\s(?=ADD |SET |REMOVE )", update.expression):
        verb, _, body = clause.partition(" ")
        for part in re.split(r", (?=#)", body):
            clauses[update.names[part.split()[0]]] = verb
    return clauses


def test_a_site_counter_gains_its_counts_its_days_and_its_position_only():
    update, position = counter_update(
        [logged(1, referrer_host="news.example", article_title="A")], "s1", site_parts("s1", 0), now=9
    )

    assert attributes(update) == {
        "totalViews": "ADD",
        "uniqueViews": "ADD",
        "2026-12-07:totalViews": "ADD",
        "2026-12-07:uniqueViews": "ADD",
        "2026-12-07:gen": "SET",
        "position:s1": "SET",
    }
    assert update.names[position] == "position:s1"
    # The last view's sequence number at a fixed width, and when it was written.
    assert {"S": f"{'1'.zfill(48)}|9"} in update.values.values()


def test_a_page_counter_composes_counts_title_and_sources_and_no_readers():
    views = [
        logged(1, article_title="A", referrer_host="news.example", connection_id="c1", connected_at=100),
        logged(2, article_title="B", campaign=(("utm_source", "mail"),), connection_id="c2", connected_at=200),
    ]

    update, _ = counter_update(views, "s1", page_parts("s1", frozenset()), now=9)

    # The readers are in the Readers log: the counter's write does not grow with them.
    assert attributes(update) == {
        "totalViews": "ADD",
        "uniqueViews": "ADD",
        "articleTitle": "SET",
        "referrer:news.example": "ADD",
        "utm_source:mail": "ADD",
        "2026-12-07:totalViews": "ADD",
        "2026-12-07:uniqueViews": "ADD",
        "2026-12-07:gen": "SET",
        "2026-12-07:referrer:news.example": "ADD",
        "2026-12-07:utm_source:mail": "ADD",
        "position:s1": "SET",
    }
    # The first view's title, and only if the article has none yet.
    assert "if_not_exists" in update.expression and {"S": "A"} in update.values.values()


def test_the_site_counts_its_visitors_first_views_and_a_page_its_own():
    views = [logged(1, unique=True, site_unique=True), logged(2, unique=True), logged(3, unique=False)]
    for parts, unique in ((site_parts("s1", 0), 1), (page_parts("s1", frozenset()), 2)):
        update, _ = counter_update(views, "s1", parts, now=9)
        adds = update.expression.split(" SET ")[0].removeprefix("ADD ").split(", ")
        added = {update.names[name]: update.values[value] for name, value in (add.split() for add in adds)}
        assert added["uniqueViews"] == {"N": str(unique)} and added["totalViews"] == {"N": "3"}


def test_a_site_counter_adds_the_pages_a_batch_created():
    update, _ = counter_update([logged(1)], "s1", site_parts("s1", 2), now=9)
    assert attributes(update)["pages"] == "ADD"


def test_views_of_two_days_go_to_two_blocks_each_named_after_the_view_that_starts_it():
    views = [logged(1), logged(2, day="2026-12-08"), logged(3, unique=False), logged(4, day="2026-12-08")]

    update, _ = counter_update(views, "s1", page_parts("s1", frozenset()), now=9)

    added = {update.names[n]: update.values[v] for n, v in re.findall(r"(#a\d+) (:v\d+)", update.expression)}
    assert (added["2026-12-07:totalViews"], added["2026-12-07:uniqueViews"]) == ({"N": "2"}, {"N": "1"})
    assert (added["2026-12-08:totalViews"], added["2026-12-08:uniqueViews"]) == ({"N": "2"}, {"N": "2"})
    first, second = generation("s1", logged(1).sequence), generation("s1", logged(2).sequence)
    assert first != second and {"S": first} in update.values.values() and {"S": second} in update.values.values()
    # Set only by the block's first write: a later batch's own name does not replace it.
    assert update.expression.count("if_not_exists") == 2


def test_a_days_sources_have_a_cap_of_their_own():
    full_today = frozenset(f"2026-12-07:{name}" for name in full_page())

    update, _ = counter_update([logged(1, referrer_host="new.example")], "s1", page_parts("s1", full_today), now=9)

    # For ever the page has room; today it has none.
    assert {"referrer:new.example", "2026-12-07:referrer:(other)"} <= set(attributes(update))
    assert "2026-12-07:referrer:new.example" not in attributes(update)


def test_day_blocks_imports_and_shown_totals_are_read_back_from_an_item():
    item = {
        "pageKey": {"S": "blog#post#a"},
        "totalViews": {"N": "10"},
        "uniqueViews": {"N": "4"},
        "2026-12-07:totalViews": {"N": "3"},
        "2026-12-07:referrer:x.example": {"N": "1"},
        "2026-12-07:gen": {"S": "abc"},
        "import:busuanzi": {"M": {"totalViews": {"N": "100"}, "uniqueViews": {"N": "60"}}},
    }

    assert day_blocks(item) == {"2026-12-07": DayBlock("2026-12-07", "abc", {"totalViews": 3, "referrer:x.example": 1})}
    counts = counts_of(item)
    assert (counts.total_views, counts.unique_views) == (110, 64)
    assert source_names(item) == {"2026-12-07:referrer:x.example"}
