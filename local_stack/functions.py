"""Load the real handlers, unmodified, each with the environment its spec gives it."""

from __future__ import annotations

import importlib.util
import os
import re
import threading
import time
import uuid
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

from local_stack.resources import LocalResources
from viewcount_infra.config import DeploymentConfig
from viewcount_infra.topology import FUNCTIONS, FunctionSpec

ROOT = Path(__file__).resolve().parent.parent
# The emulated account and region: moto's default account, and the region of AWS_ENVIRONMENT.
ACCOUNT_ID = "123456789012"
REGION = "us-east-1"

# moto is not thread-safe; one invocation (or poller call) at a time touches it, as one
# warm instance per function would, serialised. Management API calls go over HTTP to the
# gateway and do not need it.
AWS_LOCK = threading.RLock()


@dataclass
class LambdaContext:
    function_name: str
    memory_limit_in_mb: int
    timeout_seconds: int
    aws_request_id: str = ""
    invoked_function_arn: str = ""
    log_group_name: str = ""
    log_stream_name: str = "local"
    _deadline: float = 0.0

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self._deadline - time.monotonic()) * 1000))


class LocalFunction:
    def __init__(self, spec: FunctionSpec, module: ModuleType, name: str) -> None:
        self.spec = spec
        self.module = module
        self.name = name
        self.invocations = 0

    def invoke(self, event: dict[str, Any]) -> Any:
        context = LambdaContext(
            function_name=self.name,
            memory_limit_in_mb=self.spec.memory_mb,
            timeout_seconds=self.spec.timeout_seconds,
            aws_request_id=str(uuid.uuid4()),
            invoked_function_arn=f"arn:aws:lambda:{REGION}:{ACCOUNT_ID}:function:{self.name}",
            log_group_name=f"/aws/lambda/{self.name}",
            _deadline=time.monotonic() + self.spec.timeout_seconds,
        )
        with AWS_LOCK:
            self.invocations += 1
            return self.module.handler(event, context)


# What Lambda's runtime sets for every function besides the function's own variables: the
# process's basics, its AWS credentials and region, and the stack-wide Powertools switches
# (log level, metrics off) that the local stack and the tests set. Nothing else of this
# process's environment is the function's.
RUNTIME_VARIABLES = re.compile(
    r"AWS_\w+|POWERTOOLS_LOG_LEVEL|POWERTOOLS_METRICS_DISABLED|PATH|HOME|LANG|LC_\w+|TZ|TMPDIR"
)


@contextmanager
def function_environment(env: Mapping[str, str]) -> Iterator[None]:
    """`os.environ` as a function with the variables `env` starts with, for its init only.

    Handlers read their settings once, at init (viewcount.settings); so a variable that the
    topology does not give a function fails here as it would in AWS, however many other
    functions of this process have it.
    """
    saved = dict(os.environ)
    os.environ.clear()
    os.environ.update({name: value for name, value in saved.items() if RUNTIME_VARIABLES.fullmatch(name)})
    os.environ.update(env)
    try:
        yield
    finally:
        os.environ.clear()
        os.environ.update(saved)


def import_handler(code: str, module_name: str, env: Mapping[str, str]) -> ModuleType:
    """Import `lambdas/<code>/handler.py` afresh under `module_name` with only `env` (and the
    runtime's variables) in its environment, as a Lambda init does."""
    loader = importlib.util.spec_from_file_location(module_name, ROOT / "lambdas" / code / "handler.py")
    assert loader and loader.loader
    module = importlib.util.module_from_spec(loader)
    with function_environment(env):
        loader.loader.exec_module(module)
    return module


def load_functions(config: DeploymentConfig, resources: LocalResources, ws_endpoint: str) -> dict[str, LocalFunction]:
    """Import every handler as Lambda's init would: its own module, its own environment."""
    functions = {}
    for spec in FUNCTIONS:
        env = resources.environment(spec, config, ws_endpoint)
        module = import_handler(spec.code, f"viewcount_local_{spec.name}", env)
        functions[spec.name] = LocalFunction(spec, module, spec.deployed_name(config.prefix))
    return functions
