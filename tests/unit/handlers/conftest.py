"""The inbound function's stack, shared by its handler tests."""

from __future__ import annotations

import pytest

from tests.support import fakes
from zoom_notifier.local.aws import LocalAws
from zoom_notifier.local.stack import LocalStack


@pytest.fixture
def app_stack(local_aws: LocalAws, monkeypatch: pytest.MonkeyPatch) -> LocalStack:
    """The stack in Slack app mode, the inbound function's environment applied."""
    stack = fakes.deploy_stack(local_aws, slack_app=True)
    for name, value in stack.environments["InboundFunction"].items():
        monkeypatch.setenv(name, value)
    return stack
