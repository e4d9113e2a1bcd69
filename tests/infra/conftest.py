"""Synthesize each namespace once per test run; nag runs inside every synth."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT

ENV = {
    "PROD_CLIENT_URL": "https://blog.example.com",
    "STAGE_CLIENT_URL": "https://stage.blog.example.com,https://preview.blog.example.com",
    "ALARM_EMAIL": "owner@example.com",
}


# A stand-in for the built dashboard (`node dashboard/build.mjs` writes dist/dashboard/): the
# stack deploys the folder as it is, and these tests read templates, not the page.
DASHBOARD_PLACEHOLDER = "<!doctype html><title>Viewcount dashboard (test placeholder)</title>\n"


def cfn_lint_errors(template: Path) -> list[str]:
    """cfn-lint's errors on a synthesized template; its warnings and notes are left out."""
    lint = subprocess.run(
        [str(Path(sys.executable).parent / "cfn-lint"), "--format", "parseable", str(template)],
        capture_output=True,
        text=True,
    )
    # Its exit status ORs 2 (errors), 4 (warnings) and 8 (notes); anything else is cfn-lint failing.
    assert lint.returncode & ~(2 | 4 | 8) == 0, lint.stderr
    return [line for line in lint.stdout.splitlines() if ":E" in line]


@pytest.fixture(scope="session")
def dist_dir(tmp_path_factory) -> Path:
    dist = tmp_path_factory.mktemp("dist")
    subprocess.run(
        [sys.executable, str(ROOT / "tools" / "package_lambdas.py"), str(dist)], check=True, capture_output=True
    )
    (dist / "dashboard").mkdir()
    (dist / "dashboard" / "index.html").write_text(DASHBOARD_PLACEHOLDER)
    return dist


class Synthesized:
    def __init__(self, directory: Path, stack_name: str, assembly: Path | None = None) -> None:
        self.directory = directory
        self.assembly = assembly  # the cloud assembly, with its assets
        self.path = directory / f"{stack_name}.template.json"
        self.template = json.loads(self.path.read_text())

    def resources(self, kind: str) -> dict[str, dict]:
        return {name: r for name, r in self.template["Resources"].items() if r["Type"] == kind}


@pytest.fixture(scope="session")
def synth(dist_dir, tmp_path_factory):
    """`synth(namespace)`: the namespace's synthesized template, or with `stack=` another stack
    of the same synth (the account stack); cdk-nag findings make it raise."""
    from app import build_app

    cache: dict[tuple[str, str], Synthesized] = {}

    def synthesize(namespace: str, stack: str | None = None) -> Synthesized:
        name = stack or f"Viewcount-{namespace}"
        if (namespace, name) not in cache:
            assembly = build_app(namespace, dict(ENV), dist_dir).synth()
            outdir = tmp_path_factory.mktemp(f"cdk-{namespace}")
            for artifact in assembly.stacks:
                (outdir / f"{artifact.stack_name}.template.json").write_text(json.dumps(artifact.template))
                cache[namespace, artifact.stack_name] = Synthesized(
                    outdir, artifact.stack_name, Path(assembly.directory)
                )
        return cache[namespace, name]

    return synthesize
