"""infrastructure/deploy.sh, with a stand-in ``aws`` command that records its arguments."""

from __future__ import annotations

import os
import shlex
import subprocess
from pathlib import Path

import pytest

from zoom_notifier.local.cloudformation import load_template

REPOSITORY = Path(__file__).resolve().parents[2]
DEPLOY = REPOSITORY / "infrastructure" / "deploy.sh"


@pytest.fixture
def fake_aws(tmp_path: Path) -> Path:
    log = tmp_path / "aws.log"
    stub = tmp_path / "bin" / "aws"
    stub.parent.mkdir()
    stub.write_text(f'#!/usr/bin/env bash\nprintf "%q " "$@" >> {log}\necho >> {log}\n')
    stub.chmod(0o755)
    return log


def deploy(fake_aws: Path, **variables: str) -> subprocess.CompletedProcess[str]:
    artifact = fake_aws.parent / "artifact.zip"
    artifact.write_bytes(b"zip")
    environment = {
        "PATH": f"{fake_aws.parent / 'bin'}:{os.environ['PATH']}",
        "ARTIFACT": str(artifact),
        **variables,
    }
    return subprocess.run(  # noqa: S603 - our own script
        [str(DEPLOY)], capture_output=True, text=True, check=False, env=environment
    )


def test_deploy_uploads_both_artifacts_and_fills_every_required_parameter(
    fake_aws: Path,
) -> None:
    completed = deploy(
        fake_aws,
        ARTIFACT_BUCKET="my-artifacts",
        ZOOM_USER_ID="host@example.com",
        PARAMETERS="MeetingTimezone=Europe/Paris ScheduleTimezone=Europe/Paris",
    )

    assert completed.returncode == 0, completed.stderr
    commands = [shlex.split(line) for line in fake_aws.read_text().splitlines()]
    copies = [command for command in commands if command[:2] == ["s3", "cp"]]
    assert [Path(command[3]).name for command in copies] == [
        "artifact.zip",
        "state_machine.asl.json",
    ]
    code_url, definition_url = (command[4] for command in copies)
    assert code_url.startswith("s3://my-artifacts/zoom-notifier/code-")
    assert definition_url.startswith("s3://my-artifacts/zoom-notifier/definition-")
    (cloudformation,) = [
        command for command in commands if command[:2] == ["cloudformation", "deploy"]
    ]
    overrides = dict(
        item.split("=", 1)
        for item in cloudformation[cloudformation.index("--parameter-overrides") + 1 :]
    )
    required = {
        name for name, spec in load_template()["Parameters"].items() if "Default" not in spec
    }
    assert required <= set(overrides)
    assert overrides["CodeKey"] == code_url.removeprefix("s3://my-artifacts/")
    assert overrides["DefinitionKey"] == definition_url.removeprefix("s3://my-artifacts/")
    assert overrides["MeetingTimezone"] == "Europe/Paris"
    assert overrides["LambdaArchitecture"] == "arm64"
    assert "--capabilities" in cloudformation


def test_deploy_without_an_artifact_bucket_says_what_to_set(fake_aws: Path) -> None:
    completed = deploy(fake_aws)

    assert completed.returncode != 0
    assert "set ARTIFACT_BUCKET" in completed.stderr
    assert not fake_aws.exists()
