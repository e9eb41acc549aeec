"""One container of the dispatcher for ``benchmarks/scale.py``: ticks in one fresh process.

    python benchmarks/scale_probe.py SOURCE_ROOT TICKS_JSON TIMEOUT_SECONDS
    python benchmarks/scale_probe.py SOURCE_ROOT --redaction SECRETS LINES

The first form imports the dispatch handler from SOURCE_ROOT (this tree, or another commit's
worktree), invokes it once per tick with a Lambda context of TIMEOUT_SECONDS, and prints one
JSON line: per tick, the wall time, the AWS calls made by operation (counted in aiobotocore,
which every version of the handlers uses), the outcome and peak RSS. The handler's own log
lines go to /dev/null, rendered and redacted all the same. The second form times the redaction
of LINES log lines with SECRETS registered passcodes.
"""

from __future__ import annotations

import io
import json
import os
import resource
import sys
import time
from collections import Counter
from typing import Any


class Context:
    function_name = "bench-dispatch"
    invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:bench-dispatch"
    aws_request_id = "bench"
    memory_limit_in_mb = 1024

    def __init__(self, timeout: float) -> None:
        self._deadline = time.monotonic() + timeout

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self._deadline - time.monotonic()) * 1000))


def _count_calls() -> Counter[str]:
    from aiobotocore.client import AioBaseClient  # noqa: PLC0415 - after sys.path is set

    calls: Counter[str] = Counter()
    original = AioBaseClient._make_api_call  # type: ignore[attr-defined]

    async def counted(self: Any, operation_name: str, api_params: Any) -> Any:
        calls[operation_name] += 1
        return await original(self, operation_name, api_params)

    AioBaseClient._make_api_call = counted  # type: ignore[attr-defined]
    return calls


def _rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _ticks(events: list[dict[str, Any]], timeout: float) -> list[dict[str, Any]]:
    calls = _count_calls()
    sys.stdout = open(os.devnull, "w")  # noqa: SIM115 - the handler's log lines, for the process
    from zoom_notifier.handlers import dispatch  # noqa: PLC0415 - the tree under test

    figures = []
    imported = _rss_mib()
    for event in events:
        calls.clear()
        started, cpu = time.perf_counter(), time.process_time()
        try:
            result = dispatch.handler(event, Context(timeout))
            outcome: dict[str, Any] = {
                "started": len(result["started"]),
                "already": len(result["already_started"]),
            }
        except Exception as exc:  # the benchmark reports what the tick raised
            outcome = {"error": f"{type(exc).__name__}: {str(exc)[:160]}"}
        figures.append(
            {
                "seconds": time.perf_counter() - started,
                "cpu_seconds": time.process_time() - cpu,
                "calls": dict(calls),
                "rss_mib": _rss_mib(),
                "import_rss_mib": imported,
                **outcome,
            }
        )
    return figures


def _redaction(secrets: int, lines: int) -> float:
    from zoom_notifier.runtime import logs  # noqa: PLC0415 - the tree under test

    buffer = io.StringIO()
    logs.configure_logging("INFO", stream=buffer)
    register = getattr(logs, "register_invocation_secret", logs.register_secret)
    for number in range(secrets):
        register(f"pw{number:06d}x")
    log = logs.get_logger()
    started = time.perf_counter()
    for number in range(lines):
        log.info("execution started", execution=f"2027-01-08_team-{number:05d}", window="x" * 40)
    return time.perf_counter() - started


def main() -> None:
    root = sys.argv[1]
    sys.path.insert(0, root)
    if sys.argv[2] == "--redaction":
        seconds = _redaction(int(sys.argv[3]), int(sys.argv[4]))
        print(json.dumps({"seconds": seconds}))
        return
    events = json.loads(sys.argv[2])
    figures = _ticks(events, float(sys.argv[3]))
    print(json.dumps(figures), file=sys.__stdout__)


if __name__ == "__main__":
    main()
