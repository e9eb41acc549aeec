"""AWS on loopback: a moto server that executes state machines, its Lambda tasks dispatched to
our real handlers in this process.

moto's Docker-free Lambda backend answers every invoke with a canned result; we replace its
``invoke`` so that a Step Functions task (or any Invoke call) runs the registered handler, with
Lambda's contract: a returned value is the payload, a raised exception becomes a function error
whose ``errorType`` is the exception's class name (which the state machine's Retry matches),
and :class:`LambdaTimedOut` is reported as Lambda reports a function timeout
(``Sandbox.Timedout``). moto's interpreter has no ``$$.Execution.RedriveCount``; we add it,
and let a redrive (:func:`~zoom_notifier.local.executions.redrive_execution`) keep the
execution's ARN.
"""

from __future__ import annotations

import json
import os
import threading
import time
import traceback
import urllib.request
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Self

from moto.awslambda_simple.models import LambdaSimpleBackend
from moto.dynamodb.responses import DynamoHandler
from moto.server import ThreadedMotoServer
from moto.stepfunctions.parser.backend.execution_worker import ExecutionWorker

__all__ = [
    "Handler",
    "LambdaContext",
    "LambdaTimedOut",
    "LambdaTimedOutUnknown",
    "LocalAws",
    "invocation_count",
]

Handler = Callable[[Any, Any], Any]
_MOTO_CONFIG = {
    "stepfunctions": {"execute_state_machine": True},
    "lambda": {"use_docker": False},
}


class LambdaTimedOut(BaseException):
    """Raise (from a test's patch) to play Lambda stopping the function at its timeout.

    A BaseException, so that no handler code catches it: Lambda's kill is not an error the
    function sees. Step Functions documents a function timeout as ``Lambda.Unknown``
    (docs.aws.amazon.com/step-functions/latest/dg/bp-lambda-serviceexception.html); newer
    runtimes report the payload's ``Sandbox.Timedout``. Both readings are played:
    :class:`LambdaTimedOutUnknown` gives the documented one.
    """

    error_type = "Sandbox.Timedout"


class LambdaTimedOutUnknown(LambdaTimedOut):
    """A function timeout reported under Step Functions' documented name."""

    error_type = "Lambda.Unknown"


@dataclass(frozen=True)
class LambdaContext:
    """What Lambda passes as ``context``, as far as our handlers read it."""

    function_name: str
    invoked_function_arn: str
    aws_request_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    memory_limit_in_mb: int = 256
    timeout_seconds: float | None = None
    started: float = field(default_factory=time.monotonic)

    def get_remaining_time_in_millis(self) -> int:
        if self.timeout_seconds is None:
            return 900_000
        left = self.timeout_seconds - (time.monotonic() - self.started)
        return max(int(left * 1000), 0)


@dataclass
class _Registry:
    handlers: dict[str, Handler] = field(default_factory=dict)
    timeouts: dict[str, float] = field(default_factory=dict)
    invocations: dict[str, int] = field(default_factory=dict)
    # Execution ARN -> (the ARN its context shows, its redrive count): see redrive_execution.
    contexts: dict[str, tuple[str, int]] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)


_registry = _Registry()


def _function_name(name_or_arn: str) -> str:
    # "name", "name:qualifier", or "arn:aws:lambda:region:account:function:name[:qualifier]"
    parts = name_or_arn.split(":")
    return parts[6] if len(parts) >= 7 else parts[0]


def _dispatch(
    backend: LambdaSimpleBackend,
    function_name: str,
    qualifier: str | None,
    body: Any,
    headers: Any,
    response_headers: dict[str, str],
) -> bytes:
    del qualifier
    name = _function_name(function_name)
    handler = _registry.handlers.get(name)
    if handler is not None and headers.get("X-Amz-Invocation-Type") == "Event":
        # Lambda queues an asynchronous event (HTTP 202) and runs it later, retrying twice on
        # a function error (docs.aws.amazon.com/lambda/latest/dg/invocation-async.html).
        threading.Thread(
            target=_run_event,
            args=(backend, name, body),
            name=f"async-{name}",
            daemon=True,
        ).start()
        return b""
    if handler is None:
        response_headers["x-amz-function-error"] = "Unhandled"
        return json.dumps(
            {"errorType": "Function.NotRegistered", "errorMessage": f"no local handler for {name}"}
        ).encode()
    with _registry.lock:
        _registry.invocations[name] = _registry.invocations.get(name, 0) + 1
    raw = body.decode() if isinstance(body, bytes) else (body or "")
    event = json.loads(raw) if raw else {}
    arn = f"arn:aws:lambda:{backend.region_name}:{backend.account_id}:function:{name}"
    context = LambdaContext(
        function_name=name, invoked_function_arn=arn, timeout_seconds=_registry.timeouts.get(name)
    )
    try:
        result = handler(event, context)
    except LambdaTimedOut as killed:
        # What Lambda answers when it stops a function at its timeout (see LambdaTimedOut).
        response_headers["x-amz-function-error"] = "Unhandled"
        seconds = _registry.timeouts.get(name, 3.0)
        message = f"Task timed out after {seconds:.2f} seconds"
        return json.dumps({"errorType": killed.error_type, "errorMessage": message}).encode()
    except Exception as exc:  # Lambda reports every exception as a function error
        response_headers["x-amz-function-error"] = "Unhandled"
        return json.dumps(
            {
                "errorType": type(exc).__name__,
                "errorMessage": str(exc),
                "stackTrace": traceback.format_tb(exc.__traceback__),
            }
        ).encode()
    return json.dumps(result).encode()


# Between an asynchronous event's tries (Lambda waits about a minute, then two; a local run
# cannot wait that long, the order is what matters).
ASYNC_RETRY_SECONDS = 1.0


def _run_event(backend: LambdaSimpleBackend, name: str, body: Any) -> None:
    for attempt in range(3):
        # A failed event's result is kept nowhere without a destination; the log has it.
        headers: dict[str, str] = {}
        _dispatch(backend, name, None, body, {}, headers)
        if "x-amz-function-error" not in headers:
            return
        if attempt < 2:
            time.sleep(ASYNC_RETRY_SECONDS)


_dynamodb_lock = threading.Lock()
_unlocked_dynamodb_action = DynamoHandler.call_action


def _atomic_dynamodb_action(handler: DynamoHandler) -> Any:
    # DynamoDB applies each conditional write atomically; moto checks the condition and writes
    # without a lock, so concurrent requests (the concurrency tests) could both pass. One
    # request at a time restores DynamoDB's guarantee.
    with _dynamodb_lock:
        return _unlocked_dynamodb_action(handler)


_unpatched_environment = ExecutionWorker._get_evaluation_environment


def _environment_with_redrives(worker: ExecutionWorker) -> Any:
    # Step Functions' context object has Execution.RedriveCount; moto's has not. A redriven
    # execution (emulated as a new one) shows the ARN and count of the execution it redrives.
    environment = _unpatched_environment(worker)
    execution: dict[str, Any] = environment.states.context_object.context_object_data[  # type: ignore[assignment]
        "Execution"
    ]
    shown_arn, redrives = _registry.contexts.get(execution["Id"], (execution["Id"], 0))
    execution["Id"] = shown_arn
    execution["RedriveCount"] = redrives
    return environment


def invocation_count(function_name: str) -> int:
    """How many times the local handler of ``function_name`` was invoked."""
    return _registry.invocations.get(function_name, 0)


class LocalAws:
    """A moto server on 127.0.0.1 (a free port) with state-machine execution turned on (off:
    an execution stays RUNNING and runs nothing, which a benchmark of the dispatcher wants)."""

    def __init__(self, *, execute_state_machines: bool = True) -> None:
        self._execute = execute_state_machines
        self._server: ThreadedMotoServer | None = None
        self._original_invoke: Any = None
        self._original_dynamodb_action: Any = None
        self._original_environment: Any = None
        self._previous_port: str | None = None
        self.endpoint = ""

    def start(self) -> Self:
        self._server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
        self._server.start()
        host, port = self._server.get_host_and_port()
        self.endpoint = f"http://{host}:{port}"
        # moto keeps its resources per process, not per server: a new emulation starts empty.
        self._post("/moto-api/reset", None)
        self._post(
            "/moto-api/config",
            {**_MOTO_CONFIG, "stepfunctions": {"execute_state_machine": self._execute}},
        )
        # moto's Step Functions interpreter calls Lambda and SNS on localhost:$MOTO_PORT.
        self._previous_port = os.environ.get("MOTO_PORT")
        os.environ["MOTO_PORT"] = str(port)
        self._original_invoke = LambdaSimpleBackend.invoke
        LambdaSimpleBackend.invoke = _dispatch  # type: ignore[method-assign,assignment]
        self._original_dynamodb_action = DynamoHandler.call_action
        DynamoHandler.call_action = _atomic_dynamodb_action  # type: ignore[method-assign]
        self._original_environment = ExecutionWorker._get_evaluation_environment
        ExecutionWorker._get_evaluation_environment = _environment_with_redrives  # type: ignore[method-assign,assignment]
        return self

    def stop(self) -> None:
        if self._original_invoke is not None:
            LambdaSimpleBackend.invoke = self._original_invoke  # type: ignore[method-assign]
            DynamoHandler.call_action = self._original_dynamodb_action  # type: ignore[method-assign]
            ExecutionWorker._get_evaluation_environment = self._original_environment  # type: ignore[method-assign]
            self._original_invoke = None
        if self._previous_port is None:
            os.environ.pop("MOTO_PORT", None)
        else:
            os.environ["MOTO_PORT"] = self._previous_port
        if self._server is not None:
            self._server.stop()
            self._server = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *_: object) -> None:
        self.stop()

    def reset(self) -> None:
        """Forget every resource and registered handler (between tests)."""
        self._post("/moto-api/reset", None)
        _registry.handlers.clear()
        _registry.timeouts.clear()
        _registry.invocations.clear()
        _registry.contexts.clear()

    def register(
        self, function_name: str, handler: Handler, timeout_seconds: float | None = None
    ) -> None:
        """Run ``handler`` when ``function_name`` is invoked; ``timeout_seconds`` is the
        function's timeout (what the context's remaining time counts down from)."""
        _registry.handlers[_function_name(function_name)] = handler
        if timeout_seconds is not None:
            _registry.timeouts[_function_name(function_name)] = timeout_seconds

    def show_as(self, execution_arn: str, context_arn: str, redrive_count: int) -> None:
        """Give ``execution_arn``'s context object another ARN and a redrive count."""
        _registry.contexts[execution_arn] = (context_arn, redrive_count)

    def _post(self, path: str, payload: Any) -> None:
        data = json.dumps(payload).encode() if payload is not None else None
        request = urllib.request.Request(  # noqa: S310 - our own loopback server
            self.endpoint + path, data=data, method="POST"
        )
        urllib.request.urlopen(request, timeout=10).close()  # noqa: S310


@contextmanager
def local_aws() -> Iterator[LocalAws]:
    """A started :class:`LocalAws`, stopped on exit."""
    aws = LocalAws().start()
    try:
        yield aws
    finally:
        aws.stop()
