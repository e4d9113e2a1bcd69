"""cdk-nag (inside every synth) and cfn-lint on the synthesized templates."""

from __future__ import annotations

import subprocess
import sys

import pytest

from tests.infra.conftest import cfn_lint_errors
from viewcount_infra.config import ConfigError


@pytest.mark.parametrize("namespace", ["prod", "stage", "local"])
def test_synth_is_nag_clean_and_cfn_lint_finds_no_errors(synth, namespace):
    synthesized = synth(namespace)  # raises ValidationFailed on any unacknowledged finding

    errors = cfn_lint_errors(synthesized.path)
    assert errors == [], "\n".join(errors)


def test_a_new_finding_fails_the_synth(dist_dir, monkeypatch):
    """Without its acknowledgments the stack has findings, and synth must refuse it."""
    import viewcount_infra.stack as stack_module
    from app import build_app

    monkeypatch.setattr(stack_module, "acknowledge_findings", lambda stack: None)

    with pytest.raises(Exception, match="ValidationFailed: ERROR"):
        build_app("local", {}, dist_dir).synth()


@pytest.mark.parametrize("namespace", ["", "production", "dev", "PROD"])
def test_unknown_namespaces_are_refused(dist_dir, namespace):
    from app import build_app

    with pytest.raises(ConfigError, match="namespace must be one of prod, stage, local"):
        build_app(namespace, {}, dist_dir)


def test_the_cli_exits_2_on_a_bad_namespace(tmp_path):
    from tests.conftest import ROOT

    result = subprocess.run(
        [sys.executable, str(ROOT / "infra" / "app.py")],
        capture_output=True,
        text=True,
        env={"CDK_CONTEXT_JSON": '{"namespace": "qa"}', "PATH": "/usr/bin:/bin", "HOME": str(tmp_path)},
        cwd=tmp_path,
    )

    assert result.returncode == 2
    assert "namespace must be one of prod, stage, local" in result.stderr
