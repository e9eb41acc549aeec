"""One fresh Lambda-like process: import a handler, invoke it twice, print the figures as JSON.

    python3.12 -I -S probe.py ARTIFACT_DIR MODULE EVENTS_JSON

Run by bench.py with only the unzipped artifact (and, for the seed-style baselines, this folder)
on ``sys.path``, as Lambda runs ``/var/task``. The figures: the handler module's import, import
plus the first invocation, the second (warm) invocation, and the process's peak RSS.
"""

from __future__ import annotations

import time

STARTED = time.perf_counter()

import importlib  # noqa: E402
import json  # noqa: E402
import resource  # noqa: E402
import sys  # noqa: E402


class Context:
    """What Lambda's context object offers the handlers."""

    function_name = "bench"
    aws_request_id = "bench-request"
    memory_limit_in_mb = 256
    invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:bench"

    def __init__(self) -> None:
        self._deadline = time.monotonic() + 30

    def get_remaining_time_in_millis(self) -> int:
        return int((self._deadline - time.monotonic()) * 1000)


def _peak_rss_mib() -> float:
    """This process's peak RSS. Not getrusage's ru_maxrss: Linux carries it over from the parent
    across fork and exec, so every child would report the driver's peak."""
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    artifact, module_name, events_json = sys.argv[1:4]
    sys.path[:0] = [artifact, *sys.argv[4:]]
    first_event, warm_event = json.loads(events_json)
    started = time.perf_counter()
    handler = importlib.import_module(module_name).handler
    imported = time.perf_counter()
    first = handler(first_event, Context())
    invoked = time.perf_counter()
    warm = handler(warm_event, Context())
    ended = time.perf_counter()
    print(
        json.dumps(
            {
                "import_ms": (imported - started) * 1000,
                "first_ms": (invoked - started) * 1000,
                "warm_ms": (ended - invoked) * 1000,
                "rss_mib": _peak_rss_mib(),
                "startup_ms": (started - STARTED) * 1000,
                "results": [first, warm],
            }
        )
    )


if __name__ == "__main__":
    main()
