"""The PageCounts item: the cap on a page's referrer and campaign counters, and the parts of a counter update."""

from __future__ import annotations

import re
from collections import Counter

from viewcount.tables.page_counts import (
    MAX_SOURCES_PER_PAGE,
    counter_update,
    page_parts,
    site_parts,
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
    return LoggedView(sequence_number=str(sequence), page_key="post#a", **{"unique": True, **fields})


def attributes(update) -> dict[str, str]:
    """Each attribute the update writes, with the clause that writes it."""
    clauses = {}
    for clause in re.split(r"\s(?=ADD |SET |REMOVE )", update.expression):
        verb, _, body = clause.partition(" ")
        for part in re.split(r", (?=#)", body):
            clauses[update.names[part.split()[0]]] = verb
    return clauses


def test_a_site_counter_gains_its_counts_and_its_position_only():
    update, position = counter_update(
        [logged(1, referrer_host="news.example", article_title="A")], "s1", site_parts(0), now=9
    )

    assert attributes(update) == {"totalViews": "ADD", "uniqueViews": "ADD", "position:s1": "SET"}
    assert update.names[position] == "position:s1"
    # The last view's sequence number at a fixed width, and when it was written.
    assert {"S": f"{'1'.zfill(48)}|9"} in update.values.values()


def test_a_page_counter_composes_counts_title_and_sources_and_no_readers():
    views = [
        logged(1, article_title="A", referrer_host="news.example", connection_id="c1", connected_at=100),
        logged(2, article_title="B", campaign=(("utm_source", "mail"),), connection_id="c2", connected_at=200),
    ]

    update, _ = counter_update(views, "s1", page_parts(frozenset()), now=9)

    # The readers are in the Readers log: the counter's write does not grow with them.
    assert attributes(update) == {
        "totalViews": "ADD",
        "uniqueViews": "ADD",
        "articleTitle": "SET",
        "referrer:news.example": "ADD",
        "utm_source:mail": "ADD",
        "position:s1": "SET",
    }
    # The first view's title, and only if the article has none yet.
    assert "if_not_exists" in update.expression and {"S": "A"} in update.values.values()


def test_the_site_counts_its_visitors_first_views_and_a_page_its_own():
    views = [logged(1, unique=True, site_unique=True), logged(2, unique=True), logged(3, unique=False)]
    for parts, unique in ((site_parts(0), 1), (page_parts(frozenset()), 2)):
        update, _ = counter_update(views, "s1", parts, now=9)
        adds = update.expression.split(" SET ")[0].removeprefix("ADD ").split(", ")
        added = {update.names[name]: update.values[value] for name, value in (add.split() for add in adds)}
        assert added["uniqueViews"] == {"N": str(unique)} and added["totalViews"] == {"N": "3"}


def test_a_site_counter_adds_the_pages_a_batch_created():
    update, _ = counter_update([logged(1)], "s1", site_parts(2), now=9)
    assert attributes(update)["pages"] == "ADD"
