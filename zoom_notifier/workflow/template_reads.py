"""The dispatcher's reading of every template: only what changed since the container last read it.

A listing says each template's version (S3's ETag). A template read before at the same
version is the same content, so it is not read again: a warm tick of ten thousand unchanged
templates is ten listings and no GET. A new or changed template is read, at most
:data:`READ_CONCURRENCY` at once. What is kept (``ContainerState.templates_read``) is the
template, or the reason it is invalid: both follow from the content alone. A template that
could not be read for another reason (not found, refused to the role, AWS failing) is read
again on the next tick, since the fix for those is not in its content.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from zoom_notifier.domain.template import MeetingTemplate, TemplateListing, TemplateRead
from zoom_notifier.errors import InvalidMeetingTemplate, PermanentError, TransientError
from zoom_notifier.runtime.logs import get_logger
from zoom_notifier.workflow.bounded import for_each
from zoom_notifier.workflow.ports import TemplateLoader

__all__ = ["READ_CONCURRENCY", "TemplateReads", "read_templates"]

log = get_logger(__name__)

# S3 serves thousands of GETs per second per prefix; this many at once reads ten thousand
# templates in seconds without a burst of connections (the AWS clients' pool holds as many).
READ_CONCURRENCY = 32


@dataclass
class TemplateReads:
    """What a tick knows of each listed template."""

    templates: dict[str, MeetingTemplate] = field(default_factory=dict)
    # Templates that cannot be read (invalid, empty, not found, refused): their day is
    # started anyway, so that its execution fails and reports them.
    invalid: list[str] = field(default_factory=list)
    # Templates AWS failed to read for the moment: the tick's retry reads them again.
    unavailable: list[tuple[str, TransientError]] = field(default_factory=list)
    # How many were read (GET) rather than known at their listed version.
    fetched: int = 0


async def read_templates(
    loader: TemplateLoader, listing: TemplateListing, known: dict[str, TemplateRead]
) -> TemplateReads:
    """Every listed template, each read only if ``known`` does not hold it at its listed
    version; ``known`` is updated (and forgets what is no longer listed)."""
    for gone in known.keys() - set(listing.names):
        del known[gone]
    outcomes: dict[str, MeetingTemplate | PermanentError | TransientError] = {}
    to_read = []
    for name in listing.names:
        version = listing.versions.get(name)
        held = known.get(name)
        if version and held is not None and held.version == version:
            outcomes[name] = held.outcome
        else:
            to_read.append(name)

    async def read(name: str) -> None:
        version = listing.versions.get(name)
        try:
            template = await loader.load(name)
        except InvalidMeetingTemplate as exc:
            outcomes[name] = exc
            if version:
                known[name] = TemplateRead(version, error=exc)
            return
        except (PermanentError, TransientError) as exc:
            outcomes[name] = exc
            known.pop(name, None)
            return
        outcomes[name] = template
        if version:
            known[name] = TemplateRead(version, template=template)

    await for_each(to_read, read, limit=READ_CONCURRENCY)
    reads = TemplateReads(fetched=len(to_read))
    for name in listing.names:
        outcome = outcomes[name]
        if isinstance(outcome, PermanentError):
            log.warning(
                "template cannot be read; its execution will fail and report it",
                template=name,
                error=outcome.name,
            )
            reads.invalid.append(name)
        elif isinstance(outcome, TransientError):
            log.warning("template could not be read now; the tick is retried", template=name)
            reads.unavailable.append((name, outcome))
        else:
            reads.templates[name] = outcome
    return reads
