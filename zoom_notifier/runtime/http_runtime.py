"""The Lambda entry point of an HTTP function (a Function URL's): always an HTTP answer.

Unlike a workflow step, nothing is raised to Lambda (a raise is a bare ``502`` to the caller,
and Lambda's log of it holds the traceback): a refusal is its status alone
(:class:`~zoom_notifier.inbound.function_url.Refused`, logged with its reason, never with the
body or a header), a deployment that cannot work (a setting, a secret, AWS failing) is a
``503``, anything unforeseen a ``500`` logged with its redacted traceback. The answer is due
within :data:`ANSWER_SECONDS` (Slack waits three seconds for it).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from zoom_notifier.errors import ConfigurationError, ZoomNotifierError
from zoom_notifier.inbound.function_url import HttpRequest, HttpResponse, Refused, read_request
from zoom_notifier.runtime.config import ServiceSettings
from zoom_notifier.runtime.connections import Connections, container_loop
from zoom_notifier.runtime.container import STATE, forget_credentials
from zoom_notifier.runtime.lambda_runtime import bind_context, container_settings
from zoom_notifier.runtime.logs import clear_context, get_logger, redact
from zoom_notifier.runtime.redaction import invocation_secrets

__all__ = ["ANSWER_SECONDS", "HttpFunction", "http_handler"]

SettingsT = TypeVar("SettingsT", bound=ServiceSettings)
log = get_logger(__name__)

# Slack shows "operation_timeout" after 3 s; the network to and from Slack needs its share.
ANSWER_SECONDS = 2.5


@dataclass(frozen=True)
class HttpFunction(Generic[SettingsT]):
    """An HTTP function: its name, its settings, and what answers a request.

    ``serve(request, settings, io, now)`` gets the request as read, the settings, the
    invocation's connections and the epoch time it arrived."""

    name: str
    settings: type[SettingsT]
    serve: Callable[[HttpRequest, SettingsT, Connections, float], Awaitable[HttpResponse]]


def http_handler(function: HttpFunction[Any]) -> Callable[[Any, Any], dict[str, Any]]:
    """The synchronous Lambda handler of ``function``."""

    def handler(event: Any, context: Any) -> dict[str, Any]:
        cold_start, STATE.cold_start = STATE.cold_start, False
        with invocation_secrets():
            return container_loop().run(_answer(function, event, context, cold_start=cold_start))

    handler.__doc__ = f"Lambda entry point of the {function.name} function."
    return handler


async def _answer(
    function: HttpFunction[Any], event: Any, context: Any, *, cold_start: bool
) -> dict[str, Any]:
    started = time.perf_counter()
    arrived = time.time()
    clear_context()
    settings: ServiceSettings | None = None
    settings_error: ConfigurationError | None = None
    try:
        settings = container_settings(function.settings)
    except ConfigurationError as exc:
        settings_error = exc
    bind_context(function.name, settings, context, cold_start=cold_start)
    response = HttpResponse.bare(500)
    try:
        request = read_request(event)
        if settings is None:
            assert settings_error is not None  # noqa: S101
            raise settings_error  # noqa: TRY301 - answered like any failure to serve
        async with asyncio.timeout(ANSWER_SECONDS):
            io = await container_loop().connections()
            response = await function.serve(request, settings, io, arrived)
    except Refused as refusal:
        # The reason is ours (never the body, a header's value or a secret).
        log.warning("request refused", status=refusal.status, reason=refusal.reason)
        response = HttpResponse.bare(refusal.status)
    except TimeoutError:
        log.error("no answer within the time Slack waits", seconds=ANSWER_SECONDS)
        response = HttpResponse.bare(503)
    except ZoomNotifierError as exc:
        if isinstance(exc, ConfigurationError):
            forget_credentials()  # the fix is often a secret's new value
        log.error("request not served", error=exc.name, cause=redact(exc.cause))
        response = HttpResponse.bare(503)
    except Exception:
        log.exception("unexpected error")
        response = HttpResponse.bare(500)
    finally:
        log.info(
            "invocation finished",
            outcome=str(response.status),
            duration_ms=round((time.perf_counter() - started) * 1000, 1),
        )
    return response.to_event()
