"""`./run_local.sh --site [ID=]PATH --time-zone [ID=]ZONE`: the sites the local stack serves."""

from __future__ import annotations

import pytest

from local_stack.__main__ import local_sites, main, parse_args
from local_stack.site import DEMO_BLOG


def sites_of(*argv: str):
    return local_sites(parse_args(["--http-port", "8000", *argv]))


def test_without_a_site_the_demo_blog_is_the_one_site():
    [site] = sites_of()
    assert (site.id, site.folder, site.port, site.time_zone) == ("blog", DEMO_BLOG, 8000, None)


def test_each_site_gets_its_own_port_and_its_time_zone(tmp_path):
    sites = sites_of(
        "--site", "demo", "--site", f"notes={tmp_path}", "--site", "demo", "--time-zone", "notes=Asia/Shanghai"
    )

    assert [(s.id, s.port, s.time_zone) for s in sites] == [
        ("blog", 8000, None), ("notes", 8001, "Asia/Shanghai"), ("site3", 8002, None),
    ]  # fmt: skip
    assert [s.time_zone for s in sites_of("--site", "demo", "--time-zone", "Europe/Berlin")] == ["Europe/Berlin"]


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--site", "/nowhere/at/all"], "is not a folder"),
        (["--site", "demo", "--time-zone", "notes=UTC"], "--time-zone names no site: notes"),
    ],
)
def test_a_bad_site_option_is_refused_with_a_message(argv, message):
    with pytest.raises(ValueError, match=message):
        sites_of(*argv)


def test_a_bad_time_zone_or_site_id_stops_the_stack_with_status_2(tmp_path, capsys):
    assert main(["--data-dir", str(tmp_path), "--time-zone", "Mars/Olympus"]) == 2
    assert "not an IANA time zone" in capsys.readouterr().err
    assert main(["--data-dir", str(tmp_path), "--site", "Bad_Id=demo"]) == 2
    assert "lower-case letters" in capsys.readouterr().err
