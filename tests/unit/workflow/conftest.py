"""The collaborators every workflow test starts from."""

from __future__ import annotations

import json

import pytest

from tests.support import fakes
from tests.support.memory import (
    MemoryStore,
    MemoryTemplates,
)
from tests.support.steps import (
    create,
)
from zoom_notifier.local.slack_model import SlackModel
from zoom_notifier.local.zoom_model import ZoomModel


@pytest.fixture
def zoom() -> ZoomModel:
    return fakes.zoom_model()


@pytest.fixture
def slack() -> SlackModel:
    return fakes.slack_model()


@pytest.fixture
def store() -> MemoryStore:
    return MemoryStore()


@pytest.fixture
def templates() -> MemoryTemplates:
    return MemoryTemplates({"default": json.dumps(fakes.TEMPLATE).encode()})


@pytest.fixture
async def created(templates: MemoryTemplates, store: MemoryStore, zoom: ZoomModel) -> None:
    await create(templates, store, zoom)
