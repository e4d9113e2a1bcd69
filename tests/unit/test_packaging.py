"""`build_packages.sh`: one deterministic zip per function folder."""

from __future__ import annotations

import subprocess
import sys
import zipfile

from tests.conftest import ROOT


def run(target, *args):
    return subprocess.run(
        [sys.executable, str(ROOT / "tools" / "package_lambdas.py"), str(target), *args],
        check=True,
        capture_output=True,
        text=True,
    )


def build(target, *args):
    run(target, *args)
    return {path.name: path.read_bytes() for path in sorted(target.glob("*.zip"))}


def spam_list(tmp_path):
    path = tmp_path / "referrer-spam.txt"
    path.write_text("spam-example.test\n", encoding="utf-8")
    return path


def test_same_sources_give_the_same_bytes(tmp_path):
    listed = spam_list(tmp_path)
    first = build(tmp_path / "a", "--referrer-spam", str(listed))
    second = build(tmp_path / "b", "--referrer-spam", str(listed))

    assert first == second
    assert set(first) == {f"{p.name}.zip" for p in (ROOT / "lambdas").iterdir() if (p / "handler.py").exists()}


def test_a_zip_holds_the_handler_shared_package_bot_patterns_and_spam_list_only(tmp_path):
    build(tmp_path, "--referrer-spam", str(spam_list(tmp_path)))

    archive = zipfile.ZipFile(tmp_path / "views.zip")
    names = archive.namelist()

    assert "handler.py" in names and "viewcount/wire.py" in names and "viewcount/bots.py" in names
    assert "crawleruseragents/__init__.py" in names and "crawleruseragents/crawler-user-agents.json" in names
    assert any(name.startswith("crawler_user_agents-") and name.endswith("/licenses/LICENSE") for name in names)
    assert archive.read("viewcount/referrer-spam.txt") == b"spam-example.test\n"
    assert names == sorted(names)
    assert {info.date_time for info in archive.infolist()} == {(1980, 1, 1, 0, 0, 0)}
    allowed = ("handler.py", "viewcount/", "crawleruseragents/", "crawler_user_agents-", "tzdata/", "tzdata-")
    assert all(name.startswith(allowed) for name in names)
    assert not any("__pycache__" in name or name.startswith(("aws_lambda_powertools", "boto3")) for name in names)


def test_every_zip_carries_the_bot_patterns(tmp_path):
    zips = build(tmp_path, "--referrer-spam", str(spam_list(tmp_path)))

    for name in zips:
        assert "crawleruseragents/__init__.py" in zipfile.ZipFile(tmp_path / name).namelist(), name


def test_every_zip_carries_the_time_zones_with_their_licence_and_they_load_from_it_alone(tmp_path):
    zips = build(tmp_path, "--referrer-spam", str(spam_list(tmp_path)))
    for name in zips:
        names = zipfile.ZipFile(tmp_path / name).namelist()
        assert "tzdata/zoneinfo/Asia/Shanghai" in names and "tzdata/zoneinfo/Europe/Berlin" in names, name
        assert any(entry.startswith("tzdata-") and "/licenses/" in entry for entry in names), name

    unpacked = tmp_path / "unpacked"
    zipfile.ZipFile(tmp_path / "count_views.zip").extractall(unpacked)
    # No site-packages (-I) and no system zone files: only what the zip carries.
    probe = (
        "import sys, zoneinfo; sys.path.insert(0, sys.argv[1]); zoneinfo.reset_tzpath([]);"
        "import tzdata; from viewcount.sites import Site, SiteOrigin;"
        "site = Site('s', (SiteOrigin.parse('https://a.example'),), time_zone='Asia/Shanghai');"
        "print(tzdata.__file__.startswith(sys.argv[1]), site.day_of(1765036800))"
    )
    result = subprocess.run([sys.executable, "-I", "-c", probe, str(unpacked)], capture_output=True, text=True)
    assert result.stdout.split() == ["True", "2025-12-07"], result.stderr


def test_without_a_fetched_spam_list_none_is_bundled_and_a_warning_says_so(tmp_path):
    result = run(tmp_path / "dist", "--referrer-spam", str(tmp_path / "absent.txt"))

    assert "viewcount/referrer-spam.txt" not in zipfile.ZipFile(tmp_path / "dist" / "views.zip").namelist()
    assert "tools/fetch_referrer_spam.py" in result.stderr
    assert result.stderr.count("warning") == 1
