"""The local stack's function logs, which the suite reads where on AWS it reads CloudWatch
Logs: the functions' shared Powertools logger, each line into its function's file at INFO,
the console left at its level."""

from __future__ import annotations

import json
import logging

from local_stack.function_logs import FunctionLogFiles
from local_stack.functions import LambdaContext
from viewcount.observability import logger


def invoke(function_name: str, body) -> None:
    @logger.inject_lambda_context
    def handler(event, context) -> None:
        body()

    handler({}, LambdaContext(function_name=function_name, memory_limit_in_mb=128, timeout_seconds=3))


def test_each_functions_lines_go_to_its_file_at_info_and_the_console_keeps_its_level(tmp_path):
    shared = logging.getLogger(logger.name)
    level, console = shared.level, logger.registered_handler
    folder = tmp_path / "logs"
    folder.mkdir()
    (folder / "viewcount-local-views.log").write_text("a line of the stack before\n")
    files = FunctionLogFiles(folder)
    shared.setLevel(logging.WARNING)  # as POWERTOOLS_LOG_LEVEL=WARNING sets it in the local stack
    try:
        files.install()
        during = (shared.level, console.level)
        invoke("viewcount-local-views", lambda: logger.info("smoke view accepted", extra={"smoke": {"route": "views"}}))
        invoke("viewcount-local-views", lambda: logger.debug("below INFO"))
        invoke("viewcount-local-count-views", lambda: logger.error("visitor day records without a view"))
        files.uninstall()
        after = (shared.level, console.level)
        invoke("viewcount-local-views", lambda: logger.warning("after the stack stopped"))
    finally:
        shared.setLevel(level)

    assert during == (logging.INFO, logging.WARNING)
    assert after == (logging.WARNING, logging.NOTSET)
    views = [json.loads(line) for line in (folder / "viewcount-local-views.log").read_text().splitlines()]
    assert [(line["message"], line["function_name"], line["smoke"]) for line in views] == [
        ("smoke view accepted", "viewcount-local-views", {"route": "views"})
    ]
    counting = [json.loads(line) for line in (folder / "viewcount-local-count-views.log").read_text().splitlines()]
    assert [(line["level"], line["message"]) for line in counting] == [("ERROR", "visitor day records without a view")]
    assert sorted(path.name for path in folder.iterdir()) == [
        "viewcount-local-count-views.log",
        "viewcount-local-views.log",
    ]
