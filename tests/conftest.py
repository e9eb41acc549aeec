"""Shared fixtures: a fresh container per test; one moto server for the session, started only
when a test asks for AWS and emptied for each; Zoom and Slack models mounted per test."""

from __future__ import annotations

import logging
import sys
from collections.abc import Iterator

import pytest
from aioresponses import aioresponses

from tests.support import fakes
from tests.support.mounted import mount_slack, mount_zoom
from zoom_notifier.local.aws import LocalAws
from zoom_notifier.local.slack_model import SlackModel
from zoom_notifier.local.stack import LocalStack
from zoom_notifier.local.zoom_model import ZoomModel
from zoom_notifier.runtime.container import reset_container
from zoom_notifier.runtime.logs import logging_restored


@pytest.fixture(autouse=True)
def _isolated(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """A fresh container, only the environment the test sets, and no way to reach real AWS;
    afterwards, the container's loops and connections closed (none left to the collector) and
    the logging set-up as it was."""
    for name in fakes.SETTING_NAMES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.delenv("AWS_LAMBDA_FUNCTION_NAME", raising=False)
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    # Port 9 (discard) on loopback refuses: a test that forgot to ask for local_aws fails fast.
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:9")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", fakes.REGION)
    reset_container()
    # A handler's logging set-up points at this test's captured stdout: it must not outlive it
    # (an emulator thread of a later test would write to the closed capture).
    with logging_restored():
        yield
        reset_container()


@pytest.fixture(scope="session")
def moto_server() -> Iterator[LocalAws]:
    """One moto server for the session; it executes state machines with our real handlers."""
    # The moto server's request log would drown the service's own lines in test output.
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    with LocalAws() as aws:
        yield aws


@pytest.fixture
def local_aws(moto_server: LocalAws, monkeypatch: pytest.MonkeyPatch) -> LocalAws:
    """The moto server, emptied, with every AWS client of the test pointed at it."""
    moto_server.reset()
    monkeypatch.setenv("AWS_ENDPOINT_URL", moto_server.endpoint)
    return moto_server


@pytest.fixture
def moto_endpoint(local_aws: LocalAws) -> str:
    return local_aws.endpoint


@pytest.fixture
def http() -> Iterator[aioresponses]:
    """Zoom and Slack mocked at the aiohttp level; calls to loopback (moto) pass through."""
    with aioresponses(passthrough=["http://127.0.0.1", "ws://127.0.0.1"]) as mocked:
        yield mocked


@pytest.fixture
def zoom(http: aioresponses) -> ZoomModel:
    """The Zoom model, answering the Zoom URLs of the deployed settings."""
    model = fakes.zoom_model()
    mount_zoom(model, http, api_url=fakes.ZOOM_API, oauth_url=fakes.OAUTH_URL)
    return model


@pytest.fixture
def slack(http: aioresponses) -> SlackModel:
    """The Slack webhook model, at :data:`fakes.WEBHOOK_URL`."""
    model = fakes.slack_model()
    mount_slack(model, http, base_url="https://hooks.slack.com")
    return model


@pytest.fixture
def aws_resources(moto_endpoint: str) -> fakes.AwsResources:
    """The bucket (with the default template), table and secrets the handlers use."""
    return fakes.AwsResources.create(moto_endpoint)


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch, aws_resources: fakes.AwsResources) -> dict[str, str]:
    """Every setting a deployed function would have, secrets in Secrets Manager."""
    values = fakes.deployed_environment()
    for name, value in values.items():
        monkeypatch.setenv(name, value)
    return values


@pytest.fixture
def create_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """The variables CreateMeeting needs, as the template sets them (nothing created in AWS)."""
    for name, value in fakes.deployed_environment().items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("MEETING_TIMEZONE")
    monkeypatch.delenv("LOG_LEVEL")


@pytest.fixture
def stack(local_aws: LocalAws, monkeypatch: pytest.MonkeyPatch) -> LocalStack:
    """The deployment's stack in moto, its functions' environment applied to this process."""
    deployed = fakes.deploy_stack(local_aws)
    for name, value in deployed.environment.items():
        monkeypatch.setenv(name, value)
    return deployed


def pytest_terminal_summary(
    terminalreporter: pytest.TerminalReporter, config: pytest.Config
) -> None:
    """With -v, print the fault matrix (fault → route → outcome) that the suite just proved."""
    matrix = sys.modules.get("tests.system.test_fault_matrix")
    rows = getattr(matrix, "MATRIX", [])
    if config.option.verbose < 1 or not rows:
        return
    columns = list(rows[0])
    widths = {name: max(len(name), *(len(row[name]) for row in rows)) for name in columns}
    terminalreporter.section(f"fault matrix: {len(rows)} faults")
    terminalreporter.write_line("  ".join(name.ljust(widths[name]) for name in columns))
    for row in rows:
        terminalreporter.write_line("  ".join(row[name].ljust(widths[name]) for name in columns))
