"""The smoke suite against the local stack, as `./test.sh` runs it: every check passes (the
late one says it is AWS's), and it fails, naming the check, where the stack refuses."""

from __future__ import annotations

import json

from local_stack import state
from local_stack.harness import LocalStackProcess
from smoke.suite import CHECKS
from tests.smoke.conftest import against, run_smoke, statuses


def test_every_check_passes_against_the_local_stack(local_stack):
    done = run_smoke(*against(local_stack))

    assert done.returncode == 0, done.stdout + done.stderr
    printed = statuses(done.stdout)
    assert printed == {name: "ok" for name in CHECKS} | {"connections-get-not-billed": "later"}
    assert "later connections-get-not-billed: AWS only" in done.stdout
    # The functions' INFO lines went to their files, not to the stack's console.
    views = (local_stack.data_dir / state.LOGS / "viewcount-local-views.log").read_text().splitlines()
    assert [json.loads(line)["message"] for line in views] == ["smoke view accepted"] * 2
    assert "smoke view accepted" not in "".join(local_stack.output)


def test_a_second_run_counts_on_from_the_first(local_stack):
    first = run_smoke(*against(local_stack))
    second = run_smoke(*against(local_stack))

    assert (first.returncode, second.returncode) == (0, 0), second.stdout + second.stderr
    # The page's counts carry on: the second run's counts start where the first's ended.
    assert "ok   counts-answers: /__smoke__/: totalViews 0," in first.stdout
    assert "ok   counts-answers: /__smoke__/: totalViews 3," in second.stdout


def test_the_suite_fails_for_an_origin_the_stack_does_not_allow(local_stack):
    done = run_smoke(*against(local_stack, "--timeout", "3", origin="https://not-a-blog.example"))

    assert done.returncode == 1
    printed = statuses(done.stdout)
    assert "FAIL connect: expected 101 for Origin https://not-a-blog.example, got 403" in done.stdout
    assert printed["view-counted-and-pushed"] == "FAIL"
    assert printed["http-beacon-counted"] == "FAIL"
    # What does not hang on the blog's origin still passes.
    assert printed["dashboard-ticket"] == printed["dashboard-site"] == "ok"


def test_an_unknown_site_is_a_bad_argument(local_stack):
    done = run_smoke(*against(local_stack, "--site", "nope"))

    assert done.returncode == 2
    assert "--site nope: no such site here; the sites are blog" in done.stderr
    assert statuses(done.stdout) == {}


def test_the_outputs_file_lives_as_long_as_the_stack(local_stack):
    outputs = state.read_outputs(local_stack.data_dir)

    assert outputs == {
        "WebSocketUrl": local_stack.ws_url,
        "HttpApiUrl": local_stack.http_api_url,
        "DashboardUrl": local_stack.dashboard_origin + "/",
    }
    local_stack.stop()
    assert not (local_stack.data_dir / state.OUTPUTS).exists()
    done = run_smoke(*against(local_stack))
    assert done.returncode == 1
    assert f"no outputs.json in {local_stack.data_dir}: is the local stack running there" in done.stderr


def test_the_late_check_names_the_messages_the_gateway_counted(tmp_path):
    meter = tmp_path / "meter.json"
    with LocalStackProcess(tmp_path / "data") as stack:
        stack.start("--reset", env={"VIEWCOUNT_METER": str(meter)})
        done = run_smoke(*against(stack))
        stack.stop()  # the meter is written on the way out

    assert done.returncode == 0, done.stdout + done.stderr
    counted = json.loads(meter.read_text())
    sent, received, probes = counted["ws_messages_in"], counted["ws_messages_out"], counted["ws_probes"]
    assert f"messages were {sent + received} ({sent} sent, {received} received), with {probes} GET" in done.stdout


def test_on_a_deployment_of_two_sites_the_site_of_the_origin_is_the_one_checked(tmp_path):
    with LocalStackProcess(tmp_path / "data", sites=("blog", "notes")) as stack:
        stack.start("--reset")
        done = run_smoke(*against(stack, origin=stack.origin_of("notes")))

    assert done.returncode == 0, done.stdout + done.stderr
    assert "ok   smoke-views-left-out: notes's totals of " in done.stdout
    assert "a ticket for notes admitted" in done.stdout
