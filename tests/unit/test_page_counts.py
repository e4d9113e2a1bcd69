"""The PageCounts item: the cap on a page's referrer and campaign counters, and the parts of a counter update."""

from __future__ import annotations

from collections import Counter

from viewcount.tables.page_counts import MAX_SOURCES_PER_PAGE, within_limit


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
