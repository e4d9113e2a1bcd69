"""Measure what a Lambda init runs: importing each function's handler with its environment.

Each measurement is a fresh interpreter (as a cold start is). Each run of a handler is paired
with a run of the baseline, `import boto3` plus creating one client, made just before it, so
that a ratio compares runs made under the same load on a noisy machine; the medians of the
runs and of the paired ratios are printed.

    .venv/bin/python tools/measure_cold_start.py [--runs 7]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT / "infra"), str(ROOT / "lambdas")]

from viewcount_infra.config import DeploymentConfig  # noqa: E402
from viewcount_infra.topology import FUNCTIONS, TABLES  # noqa: E402

BASELINE = "import boto3; boto3.client('dynamodb')"
PROBE = """
import time, importlib.util, sys
started = time.perf_counter()
{body}
print(time.perf_counter() - started)
"""
IMPORT_HANDLER = """
sys.path.insert(0, {lambdas!r})
spec = importlib.util.spec_from_file_location("handler", {path!r})
module = importlib.util.module_from_spec(spec)
spec.loader.exec_module(module)
"""


def run(body: str, env: dict[str, str]) -> float:
    output = subprocess.run(
        [sys.executable, "-X", "frozen_modules=on", "-c", PROBE.format(body=body)],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return float(output.stdout.strip().splitlines()[-1])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    from local_stack.resources import write_sites_file

    config = DeploymentConfig.load("local", {})
    base_env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("AWS_")},
        "AWS_ACCESS_KEY_ID": "x",
        "AWS_SECRET_ACCESS_KEY": "x",
        "AWS_DEFAULT_REGION": "us-east-1",
    }
    tables = {spec.key: spec.physical_name(config) for spec in TABLES}
    run(BASELINE, base_env)  # warm the file cache once, as Lambda's image is
    print(f"{'function':<15}{'init ms':>9}{'baseline ms':>13}{'ratio':>8}   (medians of {args.runs} paired runs)")
    worst = 0.0
    for spec in FUNCTIONS:
        env = {
            **base_env,
            **spec.environment(
                config,
                tables,
                "arn:aws:sns:us-east-1:123456789012:t",
                "https://x/local",
                "https://sqs.us-east-1.amazonaws.com/123456789012/push-requests",
                write_sites_file(config),
            ),
        }
        handler = ROOT / "lambdas" / spec.code / "handler.py"
        body = IMPORT_HANDLER.format(lambdas=str(ROOT / "lambdas"), path=str(handler))
        pairs = [(run(BASELINE, base_env), run(body, env)) for _ in range(args.runs)]
        init = statistics.median(handler for _, handler in pairs)
        baseline = statistics.median(base for base, _ in pairs)
        ratio = statistics.median(handler / base for base, handler in pairs)
        worst = max(worst, ratio)
        print(f"{spec.name:<15}{init * 1000:>9.0f}{baseline * 1000:>13.0f}{ratio:>8.2f}")
    print(f"worst ratio: {worst:.2f} (target 1.5)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
