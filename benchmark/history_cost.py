"""What the history per day costs in writes, on a trace spread over days.

`./bench.sh` replays a trace within minutes, so every view of it falls on one day and no
day is ever moved. This prices the history's own writes for the same trace spread over
`days` days (each reader's views on one day, drawn at random), by the counting function's
rules, which tests/integration/test_history.py checks write for write:
- a page's views of a day ride on its counter item, whose counting write is made anyway;
- once the day is over, the first counting write of the page saves its block to History:
  one write per page and day it was viewed, and one per day for the site;
- the counter drops the block with its next counting write, at no write of its own;
- each page is put in its site's pages index once, and its counter notes it with a
  counting write made anyway.
Every such item stays under 1 KB (a block holds at most 50 sources), so each write is 1 WRU.

    .venv/bin/python -m benchmark.history_cost [--days 30] [--views N] [--long-tail]
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from dataclasses import asdict, dataclass

from benchmark.pricing import PRICES
from benchmark.trace import TraceSettings, TraceView, generate, page_key


@dataclass(frozen=True)
class HistoryCost:
    views: int
    days: int
    pages: int
    page_days: int  # (page, day) pairs with views: one History write each
    site_days: int

    @property
    def writes(self) -> int:
        return self.page_days + self.site_days + self.pages

    @property
    def wru_per_view(self) -> float:
        return self.writes / self.views

    @property
    def usd_per_million_views(self) -> float:
        return self.wru_per_view * PRICES["dynamodb_wru_per_million"]

    def as_json(self) -> dict[str, float | int]:
        return {
            **asdict(self),
            "writes": self.writes,
            "wru_per_view": round(self.wru_per_view, 3),
            "usd_per_million_views": round(self.usd_per_million_views, 3),
        }


def spread(trace: list[TraceView], days: int, seed: int = 1) -> list[tuple[int, TraceView]]:
    """Each view with its day (0 to days - 1); a reader's views share a day."""
    rng = random.Random(seed)
    day_of_reader: dict[int, int] = {}
    return [(day_of_reader.setdefault(view.reader, rng.randrange(days)), view) for view in trace]


def history_cost(trace: list[TraceView], days: int, seed: int = 1) -> HistoryCost:
    dated = spread(trace, days, seed)
    return HistoryCost(
        views=len(trace),
        days=days,
        pages=len({page_key(view) for view in trace}),
        page_days=len({(day, page_key(view)) for day, view in dated}),
        site_days=len({day for day, _ in dated}),
    )


def long_tail_trace(pages: int = 1_000, views_per_day: int = 1_000, days: int = 30) -> list[TraceView]:
    """A blog of many pages read a little each: Zipf 1.0 over `pages` articles, no burst,
    each reader one page."""
    settings = TraceSettings(
        views=views_per_day * days,
        articles=pages,
        zipf_s=1.0,
        page_share=0.0,
        other_share=0.0,
        multi_page_share=0.0,
        burst_views=0,
    )
    return generate(settings)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="benchmark.history_cost", description=__doc__.splitlines()[0])
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--views", type=int, default=TraceSettings.views, help="the reference trace's size")
    parser.add_argument("--long-tail", action="store_true", help="1,000 pages, 1,000 views a day, instead")
    args = parser.parse_args(argv)
    if args.days < 1:
        parser.error("--days must be at least 1")
    trace = long_tail_trace(days=args.days) if args.long_tail else generate(TraceSettings(views=args.views))
    print(json.dumps(history_cost(trace, args.days).as_json(), indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
