"""The dispatcher's side of Step Functions: which executions started since a moment."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from zoom_notifier.services.state_machine import StateMachine

ARN = "arn:aws:states:us-east-1:123456789012:stateMachine:zoom-notifier"
T0 = datetime(2027, 1, 8, 8, 0, tzinfo=UTC)


def at(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)


@dataclass
class ListingClient:
    """ListExecutions as Step Functions pages it: newest first by the date each sorts by."""

    executions: list[dict[str, Any]]
    page_size: int = 2
    calls: list[dict[str, Any]] = field(default_factory=list)

    async def list_executions(self, **arguments: Any) -> dict[str, Any]:
        self.calls.append(arguments)
        start = int(arguments.get("nextToken", 0))
        page = self.executions[start : start + self.page_size]
        more = start + self.page_size < len(self.executions)
        return {"executions": page, **({"nextToken": str(start + self.page_size)} if more else {})}


async def test_pages_are_read_until_an_execution_sorts_before_the_moment() -> None:
    client = ListingClient(
        [
            {"name": "running-new", "startDate": at(20)},
            # Closed executions sort by their stopDate: this old one sorts among the new.
            {"name": "old-but-stopped-late", "startDate": at(-90), "stopDate": at(15)},
            {"name": "stopped-new", "startDate": at(5), "stopDate": at(10)},
            {"name": "old", "startDate": at(-60), "stopDate": at(-50)},
            {"name": "older", "startDate": at(-120)},
        ]
    )

    names = await StateMachine(client, ARN).started_since(at(0))  # type: ignore[arg-type]

    # Every name listed on the way exists, so it is kept; the last page is never asked for.
    assert names == {"running-new", "old-but-stopped-late", "stopped-new"}
    assert len(client.calls) == 2
    assert client.calls[0] == {"stateMachineArn": ARN, "maxResults": 1000}
    assert client.calls[1]["nextToken"] == "2"


async def test_a_redriven_execution_sorts_by_its_redrive_date() -> None:
    client = ListingClient(
        [{"name": "redriven", "startDate": at(-600), "redriveDate": at(3)}], page_size=1000
    )

    names = await StateMachine(client, ARN).started_since(at(0))  # type: ignore[arg-type]

    assert names == {"redriven"}


async def test_no_execution_since_reads_one_page() -> None:
    client = ListingClient([], page_size=1000)

    assert await StateMachine(client, ARN).started_since(at(0)) == set()  # type: ignore[arg-type]
    assert len(client.calls) == 1
