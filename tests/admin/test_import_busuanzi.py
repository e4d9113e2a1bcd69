"""`./admin.sh import-busuanzi` and `import-counts-csv`: a blog's numbers from busuanzi (a
stand-in on 127.0.0.1 that speaks its protocol and counts as it does) or from a CSV, landing
as the `busuanzi` import on moto's tables and on a local stack's snapshot."""

from __future__ import annotations

import gzip
import itertools
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from moto import mock_aws

from admin.__main__ import main
from admin.busuanzi import MalformedAnswer, parse_answer, parse_sitemap, read_sitemap
from admin.targets import AdminError
from local_stack.resources import create_table
from tests.admin.busuanzi_standin import BusuanziStandIn, closed_port, serving
from viewcount.tables.page_counts import PageCountsTable, counts_of, imports_of, site_counts_of
from viewcount.use_cases.answer_counts import answer_counts
from viewcount_infra.config import DeploymentConfig
from viewcount_infra.topology import TABLES

BLOG = "https://blog.example.com"
ENV = {"PROD_CLIENT_URL": BLOG, "LOCAL_CLIENT_URL": BLOG}  # --data-dir is the local namespace
# What Viewcount counted before the import: busuanzi's numbers are added to these.
COUNTED: list[dict[str, Any]] = [
    {"pageKey": {"S": "blog#path#/tags/x"}, "totalViews": {"N": "9"}, "uniqueViews": {"N": "4"}},
    {"pageKey": {"S": "blog#site"}, "totalViews": {"N": "20"}, "uniqueViews": {"N": "6"}},
]
PAGES = [
    f"{BLOG}/",
    f"{BLOG}/2026/01/01/hello/",
    f"{BLOG}/tags/x/",
    f"{BLOG}/tags/x/index.html",  # the same page as /tags/x/
    f"{BLOG}/posts/old-style.html",  # under the post marker: the article old-style
]
ELSEWHERE = "https://other.example.com/elsewhere/"
# busuanzi's numbers before the import, by the Referer's path.
BUSUANZI = {"/": 120, "/2026/01/01/hello/": 56, "/tags/x/": 7, "/tags/x/index.html": 3, "/posts/old-style.html": 11}
SITE_PV, SITE_UV = 7890, 1234


def sitemap(urls: list[str]) -> bytes:
    entries = "".join(f"<url><loc>{url}</loc><lastmod>2026-01-01</lastmod></url>" for url in urls)
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        f'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{entries}</urlset>'
    ).encode()


def sitemap_index(locations: list[str]) -> bytes:
    entries = "".join(f"<sitemap><loc>{location}</loc></sitemap>" for location in locations)
    return (
        f'<?xml version="1.0" encoding="UTF-8"?><sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
        f"{entries}</sitemapindex>"
    ).encode()


@pytest.fixture
def busuanzi() -> Iterator[BusuanziStandIn]:
    with serving(BusuanziStandIn(page_pv=dict(BUSUANZI), site_pv=SITE_PV, site_uv=SITE_UV)) as standin:
        yield standin


@pytest.fixture
def deployed() -> Iterator[tuple[Any, str]]:
    with mock_aws():
        client = boto3.client("dynamodb")
        config = DeploymentConfig.load("prod", ENV)
        names = {spec.key: create_table(client, spec, config)["TableName"] for spec in TABLES}
        for item in COUNTED:
            client.put_item(TableName=names["counts"], Item=item)
        yield client, names["counts"]


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    directory = tmp_path / "data"
    directory.mkdir()
    (directory / "tables.json").write_text(json.dumps({"counts": COUNTED, "salts": [], "history": []}))
    return directory


@pytest.fixture
def sitemap_file(tmp_path: Path) -> Path:
    path = tmp_path / "sitemap.xml"
    path.write_bytes(sitemap([*PAGES, ELSEWHERE]))
    return path


def items_of(client: Any, table: str) -> dict[str, dict[str, Any]]:
    return {item["pageKey"]["S"]: item for item in client.scan(TableName=table)["Items"]}


def saved_items(directory: Path) -> dict[str, dict[str, Any]]:
    return {item["pageKey"]["S"]: item for item in json.loads((directory / "tables.json").read_text())["counts"]}


def pushed(client: Any, table: str, paths: list[str]) -> dict[str, tuple[int, int]]:
    """The counts the `counts` route answers for these paths, as the blog's pages show them."""
    sites = DeploymentConfig.load("prod", ENV).sites
    frame = answer_counts(PageCountsTable(client, table), sites, BLOG, json.dumps({"paths": paths}))
    return {path: (numbers["totalViews"], numbers["uniqueViews"]) for path, numbers in frame["paths"].items()}


def busuanzi_import(item: dict[str, Any]) -> dict[str, int]:
    return imports_of(item)["busuanzi"]


def import_args(busuanzi: BusuanziStandIn, *more: str) -> list[str]:
    return ["import-busuanzi", "--service", busuanzi.service, "--pause", "0", *more]


# ---- import-busuanzi ---------------------------------------------------------------


def test_a_sitemap_import_lands_busuanzis_numbers_and_a_second_run_replaces_them(
    deployed, busuanzi, sitemap_file, capsys
):
    client, table = deployed

    assert main(import_args(busuanzi, "--sitemap", str(sitemap_file), "--namespace", "prod"), env=ENV) == 0

    # Each page's number includes the import's own request, which busuanzi counted; the
    # site's are the largest answered, after all five requests; one cookie, one visitor.
    assert pushed(client, table, ["/", "/2026/01/01/hello/", "/tags/x/", "/posts/old-style.html"]) == {
        "/": (121, 0),
        "/2026/01/01/hello/": (57, 0),
        "/tags/x/": (9 + max(7, 3) + 1, 4),
        "/posts/old-style.html": (12, 0),
    }
    site = site_counts_of(items_of(client, table)["blog#site"])
    assert (site.total_views, site.unique_views) == (20 + SITE_PV + 5, 6 + SITE_UV + 1)
    out = capsys.readouterr().out
    assert "Set import source 'busuanzi' on site blog: 4 pages from 5 URLs (5 requests to busuanzi)." in out
    assert "  path#/2026/01/01/hello  - ->  57  https://blog.example.com/2026/01/01/hello/\n" in out
    assert "  path#/tags/x            - ->   8  https://blog.example.com/tags/x/ and 1 more URL of this page\n" in out
    assert "site views:          - -> 7,895\n" in out
    assert "site unique total:   - -> 1,235  (busuanzi's site_uv: its lifetime count of visitor cookies" in out
    assert "pages' unique views: 0 imported (busuanzi counts none per page)" in out
    assert f"Not pages of site blog, skipped: 1 URL\n  {ELSEWHERE}  (not under site blog's {BLOG})" in out

    assert main(import_args(busuanzi, "--sitemap", str(sitemap_file), "--namespace", "prod"), env=ENV) == 0

    # Set, not added: each page once more (the second run's own request), not twice over.
    items = items_of(client, table)
    assert busuanzi_import(items["blog#page#Home_Page"]) == {"totalViews": 122, "uniqueViews": 0}
    assert counts_of(items["blog#path#/tags/x"]).total_views == 9 + 9
    assert busuanzi_import(items["blog#site"]) == {"totalViews": SITE_PV + 10, "uniqueViews": SITE_UV + 2}
    assert site_counts_of(items["blog#site"]).total_views == 20 + SITE_PV + 10
    out = capsys.readouterr().out
    assert "  path#/2026/01/01/hello   57 ->  58  https://blog.example.com/2026/01/01/hello/\n" in out
    assert "site views:          7,895 -> 7,900\n" in out


def test_the_import_asks_as_busuanzis_script_does_one_request_per_url(deployed, busuanzi, sitemap_file):
    assert main(import_args(busuanzi, "--sitemap", str(sitemap_file), "--namespace", "prod"), env=ENV) == 0

    asked = busuanzi.requests
    assert sorted(request.referer for request in asked) == sorted(PAGES)
    assert all(re.fullmatch(r"BusuanziCallback_\d+", request.callback or "") for request in asked)
    assert len({request.callback for request in asked}) == len(asked)
    assert all((request.user_agent or "").startswith("Mozilla/5.0 ") for request in asked)
    # The first request goes alone; the others carry the cookie its answer set.
    assert asked[0].cookie is None
    assert all(request.cookie == "busuanziId=C0FFEE1" for request in asked[1:])
    assert asked[0].ended <= min(request.started for request in asked[1:])


def test_at_most_concurrency_requests_are_open_at_once(deployed, busuanzi, tmp_path):
    urls = tmp_path / "urls.txt"
    urls.write_text("\n".join(f"{BLOG}/page-{n}/" for n in range(9)) + "\n")
    busuanzi.delay = 0.2

    args = import_args(busuanzi, "--urls", str(urls), "--concurrency", "3", "--namespace", "prod")
    assert main(args, env=ENV) == 0

    assert len(busuanzi.requests) == 9
    assert busuanzi.most_open == 3


def test_requests_start_a_pause_apart(deployed, busuanzi, tmp_path):
    urls = tmp_path / "urls.txt"
    urls.write_text("\n".join(f"{BLOG}/page-{n}/" for n in range(5)))

    args = ["import-busuanzi", "--service", busuanzi.service, "--urls", str(urls), "--namespace", "prod"]
    assert main([*args, "--concurrency", "4", "--pause", "0.25"], env=ENV) == 0

    # Arrivals, not starts: a margin for the way from the client to the stand-in.
    starts = sorted(request.started for request in busuanzi.requests)
    assert min(later - earlier for earlier, later in itertools.pairwise(starts)) >= 0.15


@pytest.mark.parametrize("where", ["a URL", "a file"])
def test_a_sitemap_index_leads_to_each_of_its_sitemaps(deployed, busuanzi, tmp_path, where, capsys):
    client, table = deployed
    busuanzi.files = {
        "/sitemap-posts.xml.gz": gzip.compress(sitemap(PAGES[1:3])),
        "/sitemap-pages.xml": sitemap([PAGES[0], PAGES[1]]),
    }
    index = sitemap_index([f"{busuanzi.base}/sitemap-posts.xml.gz", f"{busuanzi.base}/sitemap-pages.xml"])
    if where == "a URL":
        busuanzi.files["/sitemap.xml"] = index
        location = f"{busuanzi.base}/sitemap.xml"
    else:
        (tmp_path / "sitemap.xml").write_bytes(index)
        location = str(tmp_path / "sitemap.xml")

    assert main(import_args(busuanzi, "--sitemap", location, "--namespace", "prod"), env=ENV) == 0

    assert sorted(request.referer for request in busuanzi.requests) == sorted(PAGES[:3])
    assert pushed(client, table, ["/", "/2026/01/01/hello/"]) == {"/": (121, 0), "/2026/01/01/hello/": (57, 0)}
    assert "3 pages from 3 URLs" in capsys.readouterr().out


def test_a_local_stacks_snapshot_gets_the_import_and_a_dry_run_writes_nothing(data_dir, busuanzi, sitemap_file, capsys):
    before = (data_dir / "tables.json").read_bytes()

    args = import_args(busuanzi, "--sitemap", str(sitemap_file), "--data-dir", str(data_dir))
    assert main([*args, "--dry-run"], env=ENV) == 0

    assert (data_dir / "tables.json").read_bytes() == before
    out = capsys.readouterr().out
    assert out.startswith("Would set import source 'busuanzi' on site blog: 4 pages from 5 URLs")
    assert "  page#Home_Page          - -> 121  https://blog.example.com/\n" in out
    assert out.endswith("Dry run: nothing was written.\n")
    assert len(busuanzi.requests) == 5  # a dry run asks: it says what it read

    assert main(args, env=ENV) == 0

    items = saved_items(data_dir)
    assert busuanzi_import(items["blog#post#old-style"]) == {"totalViews": 11 + 2, "uniqueViews": 0}
    assert counts_of(items["blog#path#/tags/x"]).total_views == 9 + 7 + 2
    assert "Set import source 'busuanzi'" in capsys.readouterr().out


def test_a_dry_run_on_a_deployed_namespace_writes_nothing(deployed, busuanzi, sitemap_file):
    client, table = deployed
    before = items_of(client, table)

    args = import_args(busuanzi, "--sitemap", str(sitemap_file), "--dry-run", "--namespace", "prod")
    assert main(args, env=ENV) == 0

    assert items_of(client, table) == before


def test_an_answer_with_page_uv_gives_the_page_its_unique_views(deployed, busuanzi, tmp_path):
    client, table = deployed
    urls = tmp_path / "urls.txt"
    urls.write_text(f"{BLOG}/tags/x/\n")

    def with_page_uv(callback: str, script: str) -> tuple[int, str]:
        return 200, script.replace('"page_pv"', '"page_uv":5,"page_pv"')

    busuanzi.answer = with_page_uv
    assert main(import_args(busuanzi, "--urls", str(urls), "--namespace", "prod"), env=ENV) == 0

    assert pushed(client, table, ["/tags/x/"]) == {"/tags/x/": (9 + 8, 4 + 5)}


MALFORMED = {
    "an HTML page": lambda callback, script: "<html><body>busuanzi is down</body></html>",
    "another callback": lambda callback, script: script.replace(callback, "BusuanziCallback_1"),
    "no try wrapper": lambda callback, script: script.removeprefix("try{").removesuffix("}catch(e){}"),
    "a number as text": lambda callback, script: re.sub(r'"page_pv":(\d+)', r'"page_pv":"\1"', script),
    "a field missing": lambda callback, script: re.sub(r'"site_uv":\d+,', "", script),
    "a negative number": lambda callback, script: re.sub(r'"site_pv":\d+', '"site_pv":-1', script),
    "an unknown field": lambda callback, script: script.replace('"version"', '"today_pv":1,"version"'),
}


@pytest.mark.parametrize("malformed", list(MALFORMED), ids=list(MALFORMED))
def test_a_malformed_answer_stops_the_import_with_a_message_and_nothing_written(
    deployed, busuanzi, sitemap_file, capsys, malformed
):
    client, table = deployed
    before = items_of(client, table)
    busuanzi.answer = lambda callback, script: (200, MALFORMED[malformed](callback, script))

    assert main(import_args(busuanzi, "--sitemap", str(sitemap_file), "--namespace", "prod"), env=ENV) == 1

    assert "busuanzi's answer for https://blog.example.com/ is not its JSONP" in capsys.readouterr().err
    assert items_of(client, table) == before
    assert len(busuanzi.requests) == 1  # the first answer is read before any other page is asked


def test_an_error_status_from_busuanzi_stops_the_import(deployed, busuanzi, sitemap_file, capsys):
    client, table = deployed
    before = items_of(client, table)
    busuanzi.answer = lambda callback, script: (503, "busy")

    assert main(import_args(busuanzi, "--sitemap", str(sitemap_file), "--namespace", "prod"), env=ENV) == 1

    assert f"busuanzi ({busuanzi.service}) answered {BLOG}/ with HTTP 503" in capsys.readouterr().err
    assert items_of(client, table) == before


def test_an_unreachable_busuanzi_stops_the_import_with_a_message(deployed, sitemap_file, capsys):
    client, table = deployed
    before = items_of(client, table)
    service = f"http://127.0.0.1:{closed_port()}/busuanzi"

    args = ["import-busuanzi", "--service", service, "--sitemap", str(sitemap_file), "--namespace", "prod"]
    assert main(args, env=ENV) == 1

    assert f"cannot reach busuanzi at {service}" in capsys.readouterr().err
    assert items_of(client, table) == before


def test_a_slow_busuanzi_times_out(deployed, busuanzi, sitemap_file, capsys):
    busuanzi.delay = 1.0

    args = import_args(busuanzi, "--sitemap", str(sitemap_file), "--timeout", "0.2", "--namespace", "prod")
    assert main(args, env=ENV) == 1

    err = capsys.readouterr().err
    assert f"cannot reach busuanzi at {busuanzi.service} (asking for {BLOG}/): timed out" in err


def test_urls_of_no_page_of_the_site_are_skipped_and_none_at_all_is_an_error(deployed, busuanzi, tmp_path, capsys):
    urls = tmp_path / "urls.txt"
    urls.write_text(f"# comment\n{ELSEWHERE}\nftp://blog.example.com/x\n\nhttp://blog.example.com:8080/y/\n")

    assert main(import_args(busuanzi, "--urls", str(urls), "--namespace", "prod"), env=ENV) == 1

    err = capsys.readouterr().err
    assert "none of the 3 URLs is a page of site blog (https://blog.example.com)" in err
    assert "nothing was written" in err
    assert busuanzi.requests == []


def test_an_unknown_site_is_refused_before_busuanzi_is_asked(deployed, busuanzi, sitemap_file, capsys):
    args = import_args(busuanzi, "--sitemap", str(sitemap_file), "--site", "nope", "--namespace", "prod")
    assert main(args, env=ENV) == 2

    assert "no site 'nope' here" in capsys.readouterr().err
    assert busuanzi.requests == []


def test_on_sites_sharing_an_origin_a_url_of_the_other_site_is_skipped(busuanzi, tmp_path, capsys):
    sites = tmp_path / "sites.toml"
    sites.write_text(
        '[[sites]]\nid = "blog"\norigins = ["https://user.github.io"]\n\n'
        '[[sites]]\nid = "notes"\norigins = ["https://user.github.io/notes"]\n'
    )
    env = {"PROD_SITES": str(sites)}
    urls = tmp_path / "urls.txt"
    urls.write_text("https://user.github.io/notes/setup/\nhttps://user.github.io/about-me/\n")
    with mock_aws():
        client = boto3.client("dynamodb")
        config = DeploymentConfig.load("prod", env)
        names = {spec.key: create_table(client, spec, config)["TableName"] for spec in TABLES}

        args = import_args(busuanzi, "--urls", str(urls), "--site", "blog", "--namespace", "prod")
        assert main(args, env=env) == 0

        assert set(items_of(client, names["counts"])) == {"blog#path#/about-me", "blog#site"}
    assert "https://user.github.io/notes/setup/  (on site notes, not blog)" in capsys.readouterr().out
    assert [request.referer for request in busuanzi.requests] == ["https://user.github.io/about-me/"]


def test_a_file_that_is_not_a_sitemap_is_refused(deployed, busuanzi, tmp_path, capsys):
    path = tmp_path / "sitemap.xml"
    path.write_text("<html><body>Not found</body></html>")

    assert main(import_args(busuanzi, "--sitemap", str(path), "--namespace", "prod"), env=ENV) == 2

    assert "is not a sitemap: its root is <html>" in capsys.readouterr().err
    assert busuanzi.requests == []


# ---- the parts on their own ------------------------------------------------------------


def test_busuanzis_answer_is_read_strictly():
    answer = parse_answer(
        'try{BusuanziCallback_123({"site_uv":1234,"page_pv":56,"version":2.4,"site_pv":7890});}catch(e){}',
        "BusuanziCallback_123",
    )
    assert (answer.site_pv, answer.site_uv, answer.page_pv, answer.page_uv) == (7890, 1234, 56, None)
    for text in [
        'BusuanziCallback_123({"site_uv":1,"page_pv":2,"site_pv":3});',
        'try{BusuanziCallback_123({"site_uv":1,"page_pv":2,"site_pv":3});}catch(e){};alert(1)',
        "try{BusuanziCallback_123([1,2,3]);}catch(e){}",
        'try{BusuanziCallback_123({"site_uv":1.5,"page_pv":2,"site_pv":3});}catch(e){}',
        'try{BusuanziCallback_123({"site_uv":true,"page_pv":2,"site_pv":3});}catch(e){}',
    ]:
        with pytest.raises(MalformedAnswer):
            parse_answer(text, "BusuanziCallback_123")


def test_a_sitemap_with_a_dtd_is_refused_unread():
    bomb = b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]><urlset><url><loc>&a;</loc></url></urlset>'
    with pytest.raises(AdminError, match="declares a DTD"):
        parse_sitemap(bomb)


def test_a_sitemap_without_namespace_and_an_index_that_lists_itself_are_read(tmp_path):
    (tmp_path / "plain.xml").write_bytes(b"<urlset><url><loc> https://a.example/x </loc></url></urlset>")
    (tmp_path / "index.xml").write_bytes(sitemap_index(["plain.xml", "index.xml"]))

    assert read_sitemap(str(tmp_path / "index.xml"), fetch=lambda url: b"") == ["https://a.example/x"]


# ---- import-counts-csv -----------------------------------------------------------------


def test_a_csv_import_lands_like_busuanzis_and_a_second_run_replaces_it(deployed, tmp_path, capsys):
    client, table = deployed
    path = tmp_path / "counts.csv"
    path.write_text(f"url,page_pv\n{BLOG}/,120\n/tags/x/,7\n{BLOG}/tags/x/index.html,3\n{ELSEWHERE},5\n")
    args = ["import-counts-csv", str(path), "--site-pv", "7890", "--site-uv", "1234", "--namespace", "prod"]

    assert main(args, env=ENV) == 0

    # Rows of one page add up: each is a count of its own.
    assert pushed(client, table, ["/", "/tags/x/"]) == {"/": (120, 0), "/tags/x/": (9 + 10, 4)}
    site = site_counts_of(items_of(client, table)["blog#site"])
    assert (site.total_views, site.unique_views) == (20 + 7890, 6 + 1234)
    out = capsys.readouterr().out
    assert "Set import source 'busuanzi' on site blog: 2 pages from 3 URLs." in out
    assert f"{ELSEWHERE}  (not under site blog's {BLOG})" in out

    path.write_text(f"{BLOG}/,130\n")  # no header this time
    assert main([*args[:3], "8000", *args[4:]], env=ENV) == 0

    items = items_of(client, table)
    assert busuanzi_import(items["blog#page#Home_Page"]) == {"totalViews": 130, "uniqueViews": 0}
    assert busuanzi_import(items["blog#site"]) == {"totalViews": 8000, "uniqueViews": 1234}
    assert "  page#Home_Page  120 -> 130  https://blog.example.com/\n" in capsys.readouterr().out


def test_a_csv_under_another_source_is_kept_apart(deployed, tmp_path):
    client, table = deployed
    path = tmp_path / "counts.csv"
    path.write_text(f"{BLOG}/tags/x/,5\n")

    args = ["import-counts-csv", str(path), "--site-pv", "5", "--site-uv", "2", "--source", "goatcounter"]
    assert main([*args, "--namespace", "prod"], env=ENV) == 0

    assert imports_of(items_of(client, table)["blog#path#/tags/x"]) == {
        "goatcounter": {"totalViews": 5, "uniqueViews": 0}
    }


BAD_CSV = {
    "a count that is not a number": ("url,page_pv\n/a/,12\n/b/,many\n", "counts.csv:3: page_pv must be a whole"),
    "a negative count": ("/a/,-4\n", "counts.csv:1: page_pv must be a whole number, not negative (got '-4')"),
    "three fields": ("/a/,1,2\n", "counts.csv:1: a row is url,page_pv (got 3 fields)"),
    "an empty url": ("/a/,1\n,2\n", "counts.csv:2: the url is empty"),
    "a url twice": ("/a/,1\n/b/,2\n/a/,3\n", "counts.csv:3: /a/ is on line 1 too"),
    "no rows": ("url,page_pv\n\n", "counts.csv has no rows"),
}


@pytest.mark.parametrize("bad", list(BAD_CSV), ids=list(BAD_CSV))
def test_a_bad_csv_row_is_named_and_nothing_is_written(data_dir, tmp_path, capsys, bad):
    text, message = BAD_CSV[bad]
    path = tmp_path / "counts.csv"
    path.write_text(text)
    before = (data_dir / "tables.json").read_bytes()

    args = ["import-counts-csv", str(path), "--site-pv", "1", "--site-uv", "1", "--data-dir", str(data_dir)]
    assert main(args, env=ENV) == 2

    assert message in capsys.readouterr().err
    assert (data_dir / "tables.json").read_bytes() == before


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (["--site-pv", "-1", "--site-uv", "1"], "--site-pv and --site-uv must not be negative"),
        (["--site-pv", "1", "--site-uv", "1", "--source", "migrated"], "is ./admin.sh migrate's"),
        (["--site-pv", "1", "--site-uv", "1", "--source", "Bad Name"], "--source is 1-32 lower-case"),
    ],
)
def test_bad_csv_options_are_refused_and_nothing_is_written(data_dir, tmp_path, capsys, options, message):
    path = tmp_path / "counts.csv"
    path.write_text("/a/,1\n")
    before = (data_dir / "tables.json").read_bytes()

    assert main(["import-counts-csv", str(path), *options, "--data-dir", str(data_dir)], env=ENV) == 2

    assert message in capsys.readouterr().err
    assert (data_dir / "tables.json").read_bytes() == before
