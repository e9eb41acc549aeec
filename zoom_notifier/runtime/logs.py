"""JSON logging with structlog, keyed like AWS Lambda Powertools' Logger, with secret redaction.

Every line is one JSON object on stdout with ``timestamp``, ``level``, ``message``, ``service``,
the Lambda context (``function_name``, ``function_request_id``, ``cold_start``, ...) and whatever
context is bound with :func:`bind`. Before a line is rendered, every registered secret value is
replaced by ``[REDACTED]`` wherever it appears (tracebacks included), and values under
sensitive key names are dropped (:mod:`zoom_notifier.runtime.redaction` keeps the values).
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any, TextIO

import structlog
from structlog.typing import EventDict, Processor, WrappedLogger

from zoom_notifier.runtime.container import STATE
from zoom_notifier.runtime.redaction import REDACTED, current_invocation_secrets

__all__ = [
    "REDACTED",
    "SERVICE",
    "bind",
    "configure_logging",
    "get_logger",
    "logging_restored",
    "redact",
    "register_invocation_secret",
    "register_secret",
]

SERVICE = "zoom-notifier"

# Keys whose values are secret whatever they hold.
_SENSITIVE_KEYS = frozenset(
    {
        "access_token",
        "authorization",
        "client_secret",
        "password",
        "start_url",
        "webhook_url",
    }
)


def register_secret(*values: str | None) -> None:
    """Remember credentials (cached for the container's life, and so remembered as long) so
    that no log line, result or error text ever shows them."""
    STATE.lasting_secrets.add(values)


def register_invocation_secret(*values: str | None) -> None:
    """Remember secret values this invocation read (a passcode, a meeting's password) until it
    ends; outside an invocation (a command, a test), for the process's life."""
    passing = current_invocation_secrets()
    (STATE.lasting_secrets if passing is None else passing).add(values)


def _redact_text(text: str) -> str:
    text = STATE.lasting_secrets.redact(text)
    passing = current_invocation_secrets()
    return text if passing is None else passing.redact(text)


def redact(value: Any) -> Any:
    """Return ``value`` with registered secrets replaced, recursing into lists and dicts."""
    if isinstance(value, str):
        return _redact_text(value)
    if isinstance(value, Mapping):
        return {
            key: REDACTED if str(key).lower() in _SENSITIVE_KEYS else redact(item)
            for key, item in value.items()
        }
    if isinstance(value, list | tuple):
        return [redact(item) for item in value]
    return value


def _redact_event(_: WrappedLogger, __: str, event_dict: EventDict) -> EventDict:
    redacted: EventDict = redact(event_dict)
    return redacted


def _add_service(_: WrappedLogger, __: str, event_dict: EventDict) -> EventDict:
    event_dict.setdefault("service", SERVICE)
    return event_dict


def _uppercase_level(_: WrappedLogger, __: str, event_dict: EventDict) -> EventDict:
    if "level" in event_dict:
        event_dict["level"] = str(event_dict["level"]).upper()
    return event_dict


def _location(_: WrappedLogger, __: str, event_dict: EventDict) -> EventDict:
    """Powertools' ``location`` key: ``module.function:line``."""
    module = event_dict.pop("module", "?")
    function = event_dict.pop("func_name", "?")
    line = event_dict.pop("lineno", "?")
    event_dict["location"] = f"{module}.{function}:{line}"
    return event_dict


def _shared_processors() -> list[Processor]:
    return [
        structlog.contextvars.merge_contextvars,
        structlog.processors.add_log_level,
        _uppercase_level,
        structlog.processors.TimeStamper(fmt="iso", utc=True, key="timestamp"),
        _add_service,
        structlog.processors.CallsiteParameterAdder(
            [
                structlog.processors.CallsiteParameter.MODULE,
                structlog.processors.CallsiteParameter.FUNC_NAME,
                structlog.processors.CallsiteParameter.LINENO,
            ],
            additional_ignores=["zoom_notifier.runtime.logs"],
        ),
        _location,
    ]


def _final_processors() -> list[Processor]:
    return [
        structlog.processors.format_exc_info,
        _redact_event,
        structlog.processors.EventRenamer("message"),
        structlog.processors.JSONRenderer(default=str),
    ]


class _StdoutLoggerFactory:
    """Writes to whatever ``sys.stdout`` is when the line is logged (tests capture it)."""

    def __call__(self, *_: Any) -> structlog.PrintLogger:
        return structlog.PrintLogger(self._stream or sys.stdout)

    def __init__(self, stream: TextIO | None) -> None:
        self._stream = stream


def configure_logging(level: str = "INFO", stream: TextIO | None = None) -> None:
    """Configure structlog and the standard library's root logger to emit redacted JSON lines.

    Library loggers (botocore, aiohttp) go through the same redaction and rendering, at
    WARNING at least so that their debug output cannot leak request details.
    """
    numeric_level = logging.getLevelNamesMapping().get(level.upper(), logging.INFO)
    structlog.configure(
        processors=[*_shared_processors(), *_final_processors()],
        wrapper_class=structlog.make_filtering_bound_logger(numeric_level),
        logger_factory=_StdoutLoggerFactory(stream),
        cache_logger_on_first_use=False,
    )
    handler = logging.StreamHandler(stream or sys.stdout)
    handler.setFormatter(
        structlog.stdlib.ProcessorFormatter(
            foreign_pre_chain=_shared_processors(),
            processors=[
                structlog.stdlib.ProcessorFormatter.remove_processors_meta,
                *_final_processors(),
            ],
        )
    )
    root = logging.getLogger()
    # Lambda's runtime installs its own plain-text handler; one JSON handler replaces it.
    for existing in list(root.handlers):
        root.removeHandler(existing)
    root.addHandler(handler)
    root.setLevel(numeric_level)
    for noisy in ("botocore", "aiobotocore", "aioboto3", "boto3", "urllib3", "aiohttp", "asyncio"):
        logging.getLogger(noisy).setLevel(max(numeric_level, logging.WARNING))


@contextmanager
def logging_restored() -> Iterator[None]:
    """Put structlog's and the root logger's configuration back as they were on exit.

    A local run sends the handlers' logs to a file; once that file is closed, nothing in this
    process may keep writing to it.
    """
    saved_structlog = structlog.get_config()
    root = logging.getLogger()
    saved_handlers, saved_level = list(root.handlers), root.level
    try:
        yield
    finally:
        structlog.configure(**saved_structlog)
        for handler in list(root.handlers):
            root.removeHandler(handler)
        for handler in saved_handlers:
            root.addHandler(handler)
        root.setLevel(saved_level)


def get_logger(name: str | None = None) -> Any:
    """A structlog logger; ``name`` is informational only."""
    return structlog.get_logger(name)


def bind(**context: Any) -> None:
    """Add keys to every following log line of this invocation (``None`` values are skipped)."""
    structlog.contextvars.bind_contextvars(
        **{key: value for key, value in context.items() if value is not None}
    )


def clear_context() -> None:
    """Forget the bound context, at the start of an invocation."""
    structlog.contextvars.clear_contextvars()
