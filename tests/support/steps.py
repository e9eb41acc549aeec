"""The workflow's steps driven over in-memory collaborators, on one fixed day: what the
workflow's unit tests share."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from tests.support import fakes
from tests.support.memory import (
    MemoryStore,
    MemoryTemplates,
    ModelSlack,
    ModelZoom,
)
from zoom_notifier.domain.models import (
    CreateResult,
    ExecutionInput,
    MeetingKey,
    NotifyInput,
    SkippedResult,
)
from zoom_notifier.local.slack_model import SlackModel
from zoom_notifier.local.zoom_model import ZoomModel
from zoom_notifier.workflow import create as create_step
from zoom_notifier.workflow import notify as notify_step

DAY = "2026-11-27"
KEY = MeetingKey(date=DAY, template="default")
NOW = datetime(2026, 11, 27, 7, 0, tzinfo=UTC)
OWNER = "arn:execution-a"


def clock() -> datetime:
    return NOW


async def create(
    templates: MemoryTemplates, store: MemoryStore, zoom: ZoomModel, owner: str = OWNER
) -> CreateResult:
    result = await create_on(DAY, templates, store, zoom, owner)
    assert isinstance(result, CreateResult), result
    return result


async def create_on(
    day: str, templates: MemoryTemplates, store: MemoryStore, zoom: ZoomModel, owner: str = OWNER
) -> CreateResult | SkippedResult:
    return await create_step.create_meeting(
        ExecutionInput(date=day),
        templates=templates,
        store=store,
        zoom=ModelZoom(zoom),
        zoom_user_id=fakes.ZOOM_USER,
        timezone="Europe/Paris",
        owner=owner,
        now=clock,
    )


async def notify(store: MemoryStore, slack: SlackModel, owner: str = OWNER) -> str:
    result = await notify_step.notify_meeting(
        NotifyInput(date=DAY), store=store, slack=ModelSlack(slack), owner=owner, now=clock
    )
    return result.outcome


def with_notifier(**notifier: Any) -> MemoryTemplates:
    return MemoryTemplates(
        {"default": json.dumps({**fakes.TEMPLATE, "notifier": notifier}).encode()}
    )
