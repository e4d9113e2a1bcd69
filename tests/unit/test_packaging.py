"""`build_packages.sh`: one deterministic zip per function folder."""

from __future__ import annotations

import subprocess
import sys
import zipfile

from tests.conftest import ROOT


def build(target):
    subprocess.run(
        [sys.executable, str(ROOT / "tools" / "package_lambdas.py"), str(target)], check=True, capture_output=True
    )
    return {path.name: path.read_bytes() for path in sorted(target.glob("*.zip"))}


def test_same_sources_give_the_same_bytes(tmp_path):
    first, second = build(tmp_path / "a"), build(tmp_path / "b")

    assert first == second
    assert set(first) == {f"{p.name}.zip" for p in (ROOT / "lambdas").iterdir() if (p / "handler.py").exists()}


def test_a_zip_holds_the_handler_and_the_shared_package_only(tmp_path):
    build(tmp_path)

    names = zipfile.ZipFile(tmp_path / "views.zip").namelist()

    assert "handler.py" in names and "viewcount/wire.py" in names
    assert not any("__pycache__" in name or name.startswith(("aws_lambda_powertools", "boto3")) for name in names)
