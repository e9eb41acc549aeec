"""The dispatcher's reads: only what is new or changed since the container last read it."""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass, field

from tests.support import fakes
from tests.support.memory import MemoryTemplates
from zoom_notifier.domain.template import MeetingTemplate, TemplateListing, TemplateRead
from zoom_notifier.errors import AwsUnavailable, ConfigurationError, ZoomNotifierError
from zoom_notifier.services.aws import AWS_CONNECTIONS
from zoom_notifier.workflow.template_reads import READ_CONCURRENCY, read_templates

TEMPLATE = json.dumps(fakes.TEMPLATE).encode()


@dataclass
class CountedTemplates:
    """Templates by name with a version each, counting the reads (S3's GETs)."""

    files: dict[str, bytes]
    versions: dict[str, str] = field(default_factory=dict)
    failures: dict[str, ZoomNotifierError] = field(default_factory=dict)
    reads: list[str] = field(default_factory=list)
    in_flight: int = 0
    most_in_flight: int = 0

    def listing(self) -> TemplateListing:
        names = sorted(self.files)
        return TemplateListing(names, [], {name: self.versions.get(name, "v1") for name in names})

    async def load(self, template: str) -> MeetingTemplate:
        self.reads.append(template)
        self.in_flight += 1
        self.most_in_flight = max(self.most_in_flight, self.in_flight)
        try:
            await asyncio.sleep(0)
            if template in self.failures:
                raise self.failures[template]
            return await MemoryTemplates(self.files).load(template)
        finally:
            self.in_flight -= 1


async def test_a_second_read_of_unchanged_templates_reads_none_and_a_change_reads_one() -> None:
    source = CountedTemplates({"team-a": TEMPLATE, "team-b": TEMPLATE, "team-c": TEMPLATE})
    known: dict[str, TemplateRead] = {}

    cold = await read_templates(source, source.listing(), known)
    warm = await read_templates(source, source.listing(), known)
    source.files["team-b"] = json.dumps({**fakes.TEMPLATE, "topic": "Changed"}).encode()
    source.versions["team-b"] = "v2"
    changed = await read_templates(source, source.listing(), known)

    assert (cold.fetched, warm.fetched, changed.fetched) == (3, 0, 1)
    assert source.reads == ["team-a", "team-b", "team-c", "team-b"]
    assert changed.templates["team-b"].topic == "Changed"
    assert sorted(warm.templates) == ["team-a", "team-b", "team-c"]


async def test_an_invalid_template_is_known_invalid_until_its_content_changes() -> None:
    source = CountedTemplates({"broken": b"{", "team-a": TEMPLATE})
    known: dict[str, TemplateRead] = {}

    first = await read_templates(source, source.listing(), known)
    second = await read_templates(source, source.listing(), known)
    source.files["broken"], source.versions["broken"] = TEMPLATE, "v2"
    fixed = await read_templates(source, source.listing(), known)

    assert first.invalid == second.invalid == ["broken"]
    assert source.reads.count("broken") == 2
    assert fixed.invalid == []
    assert sorted(fixed.templates) == ["broken", "team-a"]


async def test_a_template_refused_or_unavailable_is_read_again_on_the_next_tick() -> None:
    # Their fix (the role's policy, AWS recovering) is not in the content: its version says
    # nothing of it.
    source = CountedTemplates(
        {"locked": TEMPLATE, "slow": TEMPLATE},
        failures={
            "locked": ConfigurationError("reading s3://b/templates/locked.json: AccessDenied"),
            "slow": AwsUnavailable("reading s3://b/templates/slow.json: SlowDown"),
        },
    )
    known: dict[str, TemplateRead] = {}

    first = await read_templates(source, source.listing(), known)
    source.failures.clear()
    second = await read_templates(source, source.listing(), known)

    assert first.invalid == ["locked"]
    assert [name for name, _ in first.unavailable] == ["slow"]
    assert second.fetched == 2
    assert sorted(second.templates) == ["locked", "slow"]


async def test_a_template_no_longer_listed_is_forgotten() -> None:
    source = CountedTemplates({"team-a": TEMPLATE, "team-b": TEMPLATE})
    known: dict[str, TemplateRead] = {}
    await read_templates(source, source.listing(), known)

    del source.files["team-b"]
    reads = await read_templates(source, source.listing(), known)

    assert sorted(known) == ["team-a"]
    assert list(reads.templates) == ["team-a"]


async def test_a_listing_without_versions_reads_every_template_each_time() -> None:
    source = MemoryTemplates({"team-a": TEMPLATE})
    known: dict[str, TemplateRead] = {}

    first = await read_templates(source, await source.listing(), known)
    second = await read_templates(source, await source.listing(), known)

    assert (first.fetched, second.fetched) == (1, 1)


async def test_reads_run_at_once_within_the_bound_and_the_aws_clients_pool() -> None:
    source = CountedTemplates({f"team-{number:03d}": TEMPLATE for number in range(100)})

    reads = await read_templates(source, source.listing(), {})

    assert len(reads.templates) == 100
    assert source.most_in_flight == READ_CONCURRENCY <= AWS_CONNECTIONS
