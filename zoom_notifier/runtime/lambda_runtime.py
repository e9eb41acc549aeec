"""What every Lambda entry point shares: the container's event loop and connections, settings
loaded once per container, log context, the summary line, and the error contract.

Every error is raised under its class name (the Step Functions error name), its message
redacted and prefixed with the step's name: the state machine retries the transient ones and
fails at the task on the others (see :mod:`zoom_notifier.errors`); for ``notify_failure``,
invoked asynchronously by SNS, raising is what makes Lambda retry and then keep the event in
the dead-letter target. Anything unforeseen is raised as :class:`UnexpectedError`. The step
runs within the invocation's deadline (:mod:`zoom_notifier.runtime.deadline`).
"""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Generic, Protocol, TypeVar

from pydantic import BaseModel

from zoom_notifier.domain.models import parse_event
from zoom_notifier.errors import (
    ConfigurationError,
    DeadlineExceeded,
    PermanentError,
    TransientError,
    UnexpectedError,
    ZoomNotifierError,
)
from zoom_notifier.runtime.config import ServiceSettings, load_settings
from zoom_notifier.runtime.connections import Connections, container_loop
from zoom_notifier.runtime.container import STATE, forget_credentials
from zoom_notifier.runtime.deadline import invocation_deadline
from zoom_notifier.runtime.logs import bind, clear_context, configure_logging, get_logger, redact
from zoom_notifier.runtime.redaction import invocation_secrets

__all__ = [
    "Invocation",
    "LambdaContext",
    "Step",
    "bind_context",
    "container_settings",
    "lambda_handler",
    "remaining_ms",
]

SettingsT = TypeVar("SettingsT", bound=ServiceSettings)
EventT = TypeVar("EventT", bound=BaseModel)
log = get_logger(__name__)


class LambdaContext(Protocol):
    """The attributes of Lambda's context object that we read."""

    function_name: str
    aws_request_id: str
    memory_limit_in_mb: str | int
    invoked_function_arn: str


@dataclass(frozen=True)
class Invocation:
    """Who is running: used as the owner of DynamoDB claims."""

    request_id: str

    def owner(self, execution_arn: str | None, redrive_count: int = 0) -> str:
        """Who holds a claim: the execution, in its current attempt (stable across the
        attempt's retries). A redriven execution keeps its ARN, so each redrive is another
        owner: it never takes over a claim that an invocation of the previous attempt may still
        hold (stopping an execution does not stop a running Lambda); it waits for the lease."""
        if execution_arn is None:
            return f"request:{self.request_id}"
        return execution_arn if redrive_count == 0 else f"{execution_arn}/redrive-{redrive_count}"


def container_settings(settings_class: type[SettingsT]) -> SettingsT:
    """The settings, read from the environment once per container."""
    cached = STATE.settings.get(settings_class)
    if cached is None:
        cached = STATE.settings[settings_class] = load_settings(settings_class)
    assert isinstance(cached, settings_class)  # noqa: S101
    return cached


def _configure_logging(level: str) -> None:
    if STATE.logging_level != level:
        configure_logging(level, STATE.log_stream)
        STATE.logging_level = level


def bind_context(
    name: str, settings: ServiceSettings | None, context: Any, *, cold_start: bool
) -> str:
    """Configure logging from ``settings`` (INFO without them) and bind the invocation's
    Powertools keys; the request id."""
    _configure_logging(settings.log_level if settings else "INFO")
    if settings is not None:
        STATE.metrics_namespace = settings.metrics_namespace
    request_id = str(getattr(context, "aws_request_id", "local"))
    bind(
        step=name,
        function_name=getattr(context, "function_name", None),
        function_memory_size=getattr(context, "memory_limit_in_mb", None),
        function_arn=getattr(context, "invoked_function_arn", None),
        function_request_id=request_id,
        cold_start=cold_start,
        xray_trace_id=os.environ.get("_X_AMZN_TRACE_ID"),
    )
    return request_id


@dataclass(frozen=True)
class Step(Generic[EventT, SettingsT]):
    """A Lambda entry point: its name, its settings and event models, and what it runs.

    ``run(request, settings, invocation, io)`` gets the validated event and settings, who is
    running, and the invocation's :class:`~zoom_notifier.runtime.connections.Connections`.
    """

    name: str
    settings: type[SettingsT]
    event: type[EventT]
    run: Callable[[EventT, SettingsT, Invocation, Connections], Awaitable[BaseModel]]


def lambda_handler(step: Step[Any, Any]) -> Callable[[Any, Any], dict[str, Any]]:
    """The synchronous Lambda handler of ``step``."""

    def handler(event: Any, context: Any) -> dict[str, Any]:
        cold_start, STATE.cold_start = STATE.cold_start, False
        # The container's loop: warm invocations reuse its connections (connections.py). What
        # this invocation reads that is secret is forgotten at its end (redaction.py).
        with invocation_secrets():
            return container_loop().run(_invoke(step, event, context, cold_start=cold_start))

    handler.__doc__ = f"Lambda entry point of the {step.name} step."
    return handler


def _reported(exc: ZoomNotifierError, step: str) -> ZoomNotifierError:
    """The same exception, its text cleared of secrets (an answer may have echoed one) and
    prefixed with the step's name."""
    first, *rest = exc.args or ("",)
    exc.args = (f"{step}: {redact(first)}", *(redact(arg) for arg in rest))
    return exc


async def _run_within(
    budget: float | None,
    step: Step[Any, Any],
    request: BaseModel,
    settings: ServiceSettings,
    invocation: Invocation,
) -> BaseModel:
    """Run the step, ending it as DeadlineExceeded (retried) before Lambda's own timeout."""
    try:
        async with asyncio.timeout(budget) as deadline:
            io = await container_loop().connections()
            return await step.run(request, settings, invocation, io)
    except TimeoutError:
        if deadline.expired():
            raise DeadlineExceeded(
                f"the step ran out of time after {budget:.0f} s (a dependency was slow)"
            ) from None
        raise


def remaining_ms(context: Any) -> int | None:
    remaining = getattr(context, "get_remaining_time_in_millis", None)
    return int(remaining()) if callable(remaining) else None


async def _invoke(
    step: Step[Any, Any], event: Any, context: Any, *, cold_start: bool
) -> dict[str, Any]:
    started = time.perf_counter()
    clear_context()
    settings: ServiceSettings | None = None
    settings_error: ConfigurationError | None = None
    try:
        settings = container_settings(step.settings)
    except ConfigurationError as exc:
        settings_error = exc
    request_id = bind_context(step.name, settings, context, cold_start=cold_start)
    bind(execution_arn=event.get("execution_arn") if isinstance(event, dict) else None)
    outcome = "error"
    try:
        if settings is None:
            assert settings_error is not None  # noqa: S101
            raise settings_error  # noqa: TRY301 - reported like any other permanent error
        request = parse_event(step.event, event)
        with invocation_deadline(remaining_ms(context)) as budget:
            result = await _run_within(budget, step, request, settings, Invocation(request_id))
        outcome = str(getattr(result, "outcome", "ok"))
        return result.model_dump(mode="json")
    except PermanentError as exc:
        outcome = "failed"
        # The fix is a person's, often a secret's new value: the redrive must read it.
        forget_credentials()
        log.error("step failed permanently", error=exc.name, cause=redact(exc.cause))
        raise _reported(exc, step.name) from None
    except TransientError as exc:
        outcome = "retry"
        log.warning("step failed transiently; it will be retried", error=exc.name, cause=exc.cause)
        raise _reported(exc, step.name) from None
    except Exception as exc:
        log.exception("unexpected error")
        unexpected = UnexpectedError(f"{type(exc).__name__}: {exc}")
        raise _reported(unexpected, step.name) from None
    finally:
        log.info(
            "invocation finished",
            outcome=outcome,
            duration_ms=round((time.perf_counter() - started) * 1000, 1),
        )
