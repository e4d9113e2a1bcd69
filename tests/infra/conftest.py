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


@pytest.fixture(scope="session")
def dist_dir(tmp_path_factory) -> Path:
    dist = tmp_path_factory.mktemp("dist")
    subprocess.run(
        [sys.executable, str(ROOT / "tools" / "package_lambdas.py"), str(dist)], check=True, capture_output=True
    )
    return dist


class Synthesized:
    def __init__(self, directory: Path, namespace: str) -> None:
        self.directory = directory
        self.path = directory / f"Viewcount-{namespace}.template.json"
        self.template = json.loads(self.path.read_text())

    def resources(self, kind: str) -> dict[str, dict]:
        return {name: r for name, r in self.template["Resources"].items() if r["Type"] == kind}


@pytest.fixture(scope="session")
def synth(dist_dir, tmp_path_factory):
    """`synth(namespace)`: the synthesized template; cdk-nag findings make it raise."""
    from app import build_app

    cache: dict[str, Synthesized] = {}

    def synthesize(namespace: str) -> Synthesized:
        if namespace not in cache:
            assembly = build_app(namespace, dict(ENV), dist_dir).synth()
            outdir = tmp_path_factory.mktemp(f"cdk-{namespace}")
            template = assembly.get_stack_by_name(f"Viewcount-{namespace}").template
            (outdir / f"Viewcount-{namespace}.template.json").write_text(json.dumps(template))
            cache[namespace] = Synthesized(outdir, namespace)
        return cache[namespace]

    return synthesize
