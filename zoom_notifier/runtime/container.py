"""Everything the process keeps between invocations (a Lambda container's life), in one place.

The settings, the cold-start flag, the logging set-up and the metrics' namespace, Secrets
Manager values and Zoom access tokens with their expiry, the credentials to redact, botocore's
parsed service models, the templates the dispatcher read (each at its version), and the event
loops that hold the connections (:mod:`zoom_notifier.runtime.connections`).
:func:`reset_container` makes the process behave like a fresh container; tests and local runs
call it, and nothing else clears these caches.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import TYPE_CHECKING, Any, Protocol, TextIO

from zoom_notifier.runtime.redaction import SecretValues

if TYPE_CHECKING:
    from botocore.loaders import Loader

    from zoom_notifier.domain.template import TemplateRead

__all__ = ["STATE", "CachedValue", "ContainerState", "forget_credentials", "reset_container"]


@dataclass(frozen=True)
class CachedValue:
    """A cached secret or token and the ``time.monotonic()`` after which it is stale."""

    value: str
    stale_after: float


class Closable(Protocol):
    def close(self) -> None: ...


@dataclass
class ContainerState:
    """The per-container caches; see the module's text."""

    cold_start: bool = True
    # Settings by class, read from the environment once.
    settings: dict[type[Any], Any] = field(default_factory=dict)
    # The level logging was configured with (None: not yet), and where lines go (None: stdout).
    logging_level: str | None = None
    log_stream: TextIO | None = None
    # Secrets Manager values by secret id.
    secrets: dict[str, CachedValue] = field(default_factory=dict)
    # Zoom access tokens by (token URL, account id, client id).
    zoom_tokens: dict[tuple[str, str, str], CachedValue] = field(default_factory=dict)
    # Credentials seen so far (cached as long), replaced by [REDACTED] in every output; what
    # one invocation reads is kept apart and forgotten at its end (redaction.py).
    lasting_secrets: SecretValues = field(default_factory=SecretValues)
    # botocore's data loader: parsed service models, shared by every invocation's clients.
    botocore_loader: Loader | None = None
    # The event loops that hold the connections (one per thread; see connections.py).
    loops: list[Closable] = field(default_factory=list)
    # The dispatcher's templates as last read, by source (bucket and key pattern) and name,
    # each at its version: a warm tick reads only what changed (workflow/template_reads.py).
    templates_read: dict[str, dict[str, TemplateRead]] = field(default_factory=dict)
    # The CloudWatch namespace of the metrics the log lines carry (METRICS_NAMESPACE).
    metrics_namespace: str = "zoom-notifier"


STATE = ContainerState()


def reset_container(log_stream: TextIO | None = None) -> None:
    """Forget everything cached, as a new container would; log lines go to ``log_stream``."""
    for loop in STATE.loops:
        loop.close()
    fresh = ContainerState(log_stream=log_stream)
    for name in (spec.name for spec in fields(ContainerState)):
        setattr(STATE, name, getattr(fresh, name))


def forget_credentials() -> None:
    """Drop the cached secrets and Zoom tokens: after a permanent failure, a person fixes
    something (often a secret) and redrives at once, and the redrive must read the new value,
    not wait out the cache's 300 seconds."""
    STATE.secrets.clear()
    STATE.zoom_tokens.clear()
