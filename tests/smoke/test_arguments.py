"""Bad arguments exit 2 with a message that names the argument, before anything is tried."""

from __future__ import annotations

import pytest

from tests.smoke.conftest import run_smoke

GOOD = {"--endpoint": "ws://127.0.0.1:1", "--origin": "http://127.0.0.1:2", "--namespace": "local"}


def arguments(**changed: str | None) -> list[str]:
    chosen = {**GOOD, **{f"--{name.replace('_', '-')}": value for name, value in changed.items()}}
    return [part for name, value in chosen.items() if value is not None for part in (name, value)]


@pytest.mark.parametrize(
    ("changed", "message"),
    [
        ({"endpoint": "https://abc.execute-api.eu-west-1.amazonaws.com/stage"}, "--endpoint https://abc"),
        ({"endpoint": None}, "the following arguments are required: --endpoint"),
        ({"origin": "blog.example.com"}, "--origin blog.example.com: expected an origin"),
        ({"origin": "https://blog.example.com/posts/"}, "--origin https://blog.example.com/posts/: expected"),
        ({"namespace": "dev"}, "argument --namespace: invalid choice: 'dev'"),
        ({"timeout": "0"}, "--timeout 0: expected a number of seconds above 0"),
        ({"timeout": "soon"}, "argument --timeout: invalid float value: 'soon'"),
        ({"data_dir": "/nonexistent/viewcount"}, "--data-dir /nonexistent/viewcount: not a folder"),
    ],
)
def test_bad_arguments_exit_2_naming_the_argument(changed, message):
    done = run_smoke(*arguments(**changed))

    assert done.returncode == 2, done.stdout + done.stderr
    assert message in done.stderr
    assert done.stdout == ""


def test_the_local_stack_is_the_local_namespace(tmp_path):
    done = run_smoke(*arguments(namespace="stage", data_dir=str(tmp_path)))

    assert done.returncode == 2
    assert "--namespace stage: the local stack's (--data-dir) is local" in done.stderr
