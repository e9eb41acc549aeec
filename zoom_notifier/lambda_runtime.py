"""What every Lambda entry point shares: one event loop per invocation, settings loaded once per
container, log context, the summary line, and the error contract.

For a step of the state machine, permanent errors become an ``outcome: failed`` result and
transient errors are re-raised under their own class name (the Step Functions error name). For
a function invoked asynchronously (by SNS), every error is raised: nobody reads its result, and
raising is what makes Lambda retry and then keep the event in the dead-letter target. Anything
unforeseen is re-raised as :class:`UnexpectedError` with a redacted message.
"""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Generic, Protocol, TypeVar

import structlog
from pydantic import BaseModel

from zoom_notifier.config import ServiceSettings, load_settings
from zoom_notifier.connections import Connections, open_connections
from zoom_notifier.container import STATE
from zoom_notifier.errors import (
    ConfigurationError,
    PermanentError,
    TransientError,
    UnexpectedError,
    ZoomNotifierError,
)
from zoom_notifier.logs import bind, clear_context, configure_logging, get_logger, redact
from zoom_notifier.models import FailedResult, parse_event

__all__ = ["Invocation", "LambdaContext", "Step", "lambda_handler"]

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

    def owner(self, execution_arn: str | None) -> str:
        """The execution's ARN when the state machine passed it (stable across its retries)."""
        return execution_arn or f"request:{self.request_id}"


def _settings(settings_class: type[SettingsT]) -> SettingsT:
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


@dataclass(frozen=True)
class Step(Generic[EventT, SettingsT]):
    """A Lambda entry point: its name, its settings and event models, and what it runs.

    ``run(request, settings, invocation, io)`` gets the validated event and settings, who is
    running, and the invocation's :class:`~zoom_notifier.connections.Connections`.
    ``return_permanent_errors=False`` is for asynchronously invoked functions (see above).
    """

    name: str
    settings: type[SettingsT]
    event: type[EventT]
    run: Callable[[EventT, SettingsT, Invocation, Connections], Awaitable[BaseModel]]
    return_permanent_errors: bool = True


def lambda_handler(step: Step[Any, Any]) -> Callable[[Any, Any], dict[str, Any]]:
    """The synchronous Lambda handler of ``step``."""

    def handler(event: Any, context: Any) -> dict[str, Any]:
        cold_start, STATE.cold_start = STATE.cold_start, False
        # A fresh loop per invocation: nothing bound to a previous (closed) loop survives.
        return asyncio.run(_invoke(step, event, context, cold_start=cold_start))

    handler.__doc__ = f"Lambda entry point of the {step.name} step."
    return handler


def _redacted(exc: ZoomNotifierError) -> ZoomNotifierError:
    """The same exception, its text cleared of secrets (an answer may have echoed one)."""
    exc.args = tuple(redact(arg) for arg in exc.args)
    return exc


async def _invoke(
    step: Step[Any, Any], event: Any, context: Any, *, cold_start: bool
) -> dict[str, Any]:
    started = time.perf_counter()
    clear_context()
    settings: ServiceSettings | None = None
    settings_error: ConfigurationError | None = None
    try:
        settings = _settings(step.settings)
    except ConfigurationError as exc:
        settings_error = exc
    _configure_logging(settings.log_level if settings else "INFO")
    request_id = str(getattr(context, "aws_request_id", "local"))
    bind(
        step=step.name,
        function_name=getattr(context, "function_name", None),
        function_memory_size=getattr(context, "memory_limit_in_mb", None),
        function_arn=getattr(context, "invoked_function_arn", None),
        function_request_id=request_id,
        cold_start=cold_start,
        xray_trace_id=os.environ.get("_X_AMZN_TRACE_ID"),
        execution_arn=event.get("execution_arn") if isinstance(event, dict) else None,
    )
    outcome = "error"
    try:
        if settings is None:
            assert settings_error is not None  # noqa: S101
            raise settings_error  # noqa: TRY301 - reported like any other permanent error
        request = parse_event(step.event, event)
        async with open_connections() as io:
            result = await step.run(request, settings, Invocation(request_id), io)
        outcome = str(getattr(result, "outcome", "ok"))
        return result.model_dump(mode="json")
    except PermanentError as exc:
        outcome = "failed"
        context_vars = structlog.contextvars.get_contextvars()
        failed = FailedResult(
            error=exc.name,
            cause=redact(exc.cause),
            date=context_vars.get("date"),
            template=context_vars.get("template"),
        )
        log.error("step failed permanently", error=failed.error, cause=failed.cause)
        if not step.return_permanent_errors:
            raise _redacted(exc) from None
        return failed.model_dump(mode="json")
    except TransientError as exc:
        outcome = "retry"
        log.warning("step failed transiently; it will be retried", error=exc.name, cause=exc.cause)
        raise _redacted(exc) from None
    except Exception as exc:
        log.exception("unexpected error")
        raise UnexpectedError(redact(f"{type(exc).__name__}: {exc}")) from None
    finally:
        log.info(
            "invocation finished",
            outcome=outcome,
            duration_ms=round((time.perf_counter() - started) * 1000, 1),
        )
