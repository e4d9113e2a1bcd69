"""The local stack's dashboard server (local_stack/dashboard.py): the build's files with their
types, a generated config.json, `/` as the index, 404 for anything else and nothing outside the
build; and the build made when it is stale."""

from __future__ import annotations

import http.client
import json
import os
import stat
import time
from collections.abc import Iterator
from typing import Any

import pytest

from local_stack.dashboard import DashboardBuildError, ensure_built, is_stale, start_dashboard
from local_stack.harness import free_port

HTTP_API = "http://127.0.0.1:8082"
WS_API = "ws://127.0.0.1:8080"


@pytest.fixture(scope="module")
def build(tmp_path_factory):
    tmp_path = tmp_path_factory.mktemp("dashboard")
    root = tmp_path / "dist" / "dashboard"
    (root / "assets").mkdir(parents=True)
    (root / "index.html").write_text("<!doctype html><title>Viewcount</title>")
    (root / "assets" / "app.js").write_text("export const x = 1;")
    (root / "assets" / "app.css").write_text("body{}")
    (root / "assets" / "logo.svg").write_text("<svg xmlns='http://www.w3.org/2000/svg'/>")
    (root / ".env").write_text("SECRET=1")
    (tmp_path / "outside.txt").write_text("outside")
    (root / "link.txt").symlink_to(tmp_path / "outside.txt")
    return root


def started(build, unavailable: str | None = None) -> tuple[int, Any]:
    port = free_port()
    return port, start_dashboard("127.0.0.1", port, HTTP_API, WS_API, build=build, unavailable=unavailable)


@pytest.fixture(scope="module")
def port(build) -> Iterator[int]:
    """One server for the module: stopping one takes half a second."""
    port, server = started(build)
    yield port
    server.shutdown()
    server.server_close()


def get(port: int, path: str, method: str = "GET") -> tuple[int, dict[str, str], bytes]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    try:
        connection.request(method, path)
        response = connection.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    finally:
        connection.close()


@pytest.mark.parametrize(
    ("path", "kind", "body"),
    [
        ("/", "text/html; charset=utf-8", b"<!doctype html><title>Viewcount</title>"),
        ("/index.html", "text/html; charset=utf-8", b"<!doctype html><title>Viewcount</title>"),
        ("/assets/app.js", "text/javascript; charset=utf-8", b"export const x = 1;"),
        ("/assets/app.css?v=2", "text/css; charset=utf-8", b"body{}"),
        ("/assets/logo.svg", "image/svg+xml", b"<svg xmlns='http://www.w3.org/2000/svg'/>"),
    ],
)
def test_the_builds_files_are_served_with_their_types(port, path, kind, body):
    status, headers, data = get(port, path)

    assert (status, headers["Content-Type"], data) == (200, kind, body)
    assert headers["Cache-Control"] == "no-cache"
    assert headers["X-Content-Type-Options"] == "nosniff" and headers["Referrer-Policy"] == "no-referrer"


def test_config_json_names_the_stacks_apis_and_is_never_cached(port):
    status, headers, data = get(port, "/config.json")

    assert status == 200 and headers["Content-Type"] == "application/json"
    assert headers["Cache-Control"] == "no-store"
    assert json.loads(data) == {"httpEndpoint": HTTP_API, "wsEndpoint": WS_API}


@pytest.mark.parametrize(
    "path",
    [
        "/nope.html",
        "/assets",
        "/assets/",
        "/.env",
        "/assets/../.env",
        "/../outside.txt",
        "/%2e%2e/outside.txt",
        "/assets/..%2f..%2foutside.txt",
        "/assets/%2e%2e/%2e%2e/outside.txt",
        "/link.txt",  # a link out of the build
        "/index.html%00.js",
        "/assets%5capp.js",
    ],
)
def test_anything_but_a_file_of_the_build_is_404(port, path):
    status, headers, data = get(port, path)

    assert status == 404, path
    assert b"outside" not in data and b"SECRET" not in data
    assert headers["Content-Type"].startswith("text/plain")


def test_head_answers_the_headers_alone(port):
    status, headers, data = get(port, "/", "HEAD")

    assert (status, data) == (200, b"")
    assert headers["Content-Length"] == str(len("<!doctype html><title>Viewcount</title>"))


def test_a_dashboard_that_could_not_be_built_says_why_with_503(build):
    port, server = started(build, unavailable="Node.js (node) is not installed")
    try:
        status, _, data = get(port, "/")
        assert status == 503 and b"Node.js (node) is not installed" in data
        assert get(port, "/config.json")[0] == 200
    finally:
        server.shutdown()
        server.server_close()


# ---- the build -------------------------------------------------------------------------


def fake_node(tmp_path, script: str) -> str:
    """A stand-in for `node`: runs `script` (sh) with the build script as $1, in the repository."""
    path = tmp_path / "node"
    path.write_text(f"#!/bin/sh\n{script}\n")
    path.chmod(path.stat().st_mode | stat.S_IEXEC)
    return str(path)


@pytest.fixture
def repo(tmp_path):
    source = tmp_path / "repo" / "dashboard"
    (source / "src").mkdir(parents=True)
    (source / "build.mjs").write_text("// builds")
    (source / "src" / "app.js").write_text("// the page")
    return source, tmp_path / "repo" / "dist" / "dashboard"


def age(path, seconds: float) -> None:
    then = time.time() - seconds
    os.utime(path, (then, then))


def test_a_missing_build_is_made_and_a_fresh_one_is_left_alone(tmp_path, repo):
    source, build = repo
    node = fake_node(tmp_path, 'mkdir -p dist/dashboard && echo built >> dist/dashboard/index.html && echo "$1" > ran')

    assert is_stale(source, build)
    assert ensure_built(source, build, node) is True
    assert (build / "index.html").read_text() == "built\n"
    assert (tmp_path / "repo" / "ran").read_text().strip() == str(source / "build.mjs")

    assert not is_stale(source, build)
    assert ensure_built(source, build, node) is False
    assert (build / "index.html").read_text() == "built\n"


def test_a_build_older_than_a_source_file_is_made_again(tmp_path, repo):
    source, build = repo
    node = fake_node(tmp_path, "mkdir -p dist/dashboard && echo built >> dist/dashboard/index.html")
    ensure_built(source, build, node)
    age(build / "index.html", 60)

    (source / "src" / "app.js").write_text("// changed")

    assert is_stale(source, build)
    assert ensure_built(source, build, node) is True
    assert (build / "index.html").read_text() == "built\nbuilt\n"


def test_a_build_that_fails_is_an_error_with_its_output(tmp_path, repo):
    source, build = repo
    node = fake_node(tmp_path, "echo 'cannot find uplot' >&2; exit 3")

    with pytest.raises(DashboardBuildError, match=r"exited with 3:\ncannot find uplot"):
        ensure_built(source, build, node)


def test_a_build_that_makes_no_index_is_an_error(tmp_path, repo):
    source, build = repo
    with pytest.raises(DashboardBuildError, match="made no"):
        ensure_built(source, build, fake_node(tmp_path, "exit 0"))


def test_without_its_build_script_there_is_nothing_to_build(tmp_path, repo):
    source, build = repo
    (source / "build.mjs").unlink()
    with pytest.raises(DashboardBuildError, match=r"build\.mjs is missing"):
        ensure_built(source, build, fake_node(tmp_path, "exit 0"))
