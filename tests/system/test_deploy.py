"""infrastructure/deploy.py: its handling of parameters and of the schedule against a recording
``aws``, then the real template deployed and torn down through ``make deploy`` and ``make destroy``
with the real AWS CLI against the local AWS emulator (moto)."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import warnings
from pathlib import Path
from typing import Any

import boto3
import pytest

from zoom_notifier.local.aws import LocalAws

REPOSITORY = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPOSITORY / "infrastructure"))

import deploy as deploy_script  # noqa: E402

# The resource types of the template that moto's CloudFormation does not model: it records them
# and creates nothing (docs/deploy.md says so). A new one here means a resource untested by
# this deploy; one gone means moto learned it.
MOTO_SKIPS = {
    "AWS::SecretsManager::Secret",
    "AWS::S3::BucketPolicy",
    "AWS::SNS::TopicPolicy",
    "AWS::SNS::Subscription",
    "AWS::Lambda::EventInvokeConfig",
    "AWS::Scheduler::Schedule",
    "AWS::CloudWatch::Alarm",
    "AWS::SQS::QueuePolicy",
    "AWS::Logs::QueryDefinition",
}
# Every shell metacharacter a schedule or a name can hold: spaces, wildcards, both quotes.
# A template key with spaces, wildcards and a bracket: each must reach aws as one argument.
AWKWARD_KEY = "team plans (*)/{template} ?.json"
AWKWARD_HOST = 'o\'brien "the host"@example.com'


class RecordingAws(deploy_script.Aws):
    """Records each ``aws`` command as its argument list; the stack exists once deployed."""

    def __init__(self, schedule_state: str = "DISABLED") -> None:
        super().__init__("aws")
        self.commands: list[list[str]] = []
        self.deployed = False
        self.schedule_state = schedule_state

    def run(self, *arguments: str, capture: bool = False) -> str:
        del capture
        self.commands.append(list(arguments))
        if arguments[:2] == ("cloudformation", "deploy"):
            self.deployed = True
        return ""

    def stack(self, name: str) -> dict[str, Any] | None:
        if not self.deployed:
            return None
        return {
            "StackName": name,
            "Parameters": [
                {"ParameterKey": "ScheduleState", "ParameterValue": self.schedule_state}
            ],
            "Outputs": [
                {"OutputKey": "TemplateBucketName", "OutputValue": "the-bucket"},
                {"OutputKey": "MeetingsTableName", "OutputValue": "the-table"},
            ],
        }

    def deploys(self) -> list[dict[str, str]]:
        """The parameter overrides of each ``cloudformation deploy``, as a mapping."""
        return [
            dict(
                item.split("=", 1) for item in command[command.index("--parameter-overrides") + 1 :]
            )
            for command in self.commands
            if command[:2] == ["cloudformation", "deploy"]
        ]


@pytest.fixture
def artifact(tmp_path: Path) -> Path:
    path = tmp_path / "artifact.zip"
    path.write_bytes(b"zip")
    return path


def run_deploy(aws: RecordingAws, *, check: bool, **environment: str) -> int:
    return deploy_script.deploy(environment, aws, check=lambda stack: check)


def test_parameters_with_spaces_wildcards_and_quotes_reach_aws_as_one_argument_each(
    tmp_path: Path, artifact: Path
) -> None:
    parameters = tmp_path / "parameters.json"
    parameters.write_text(
        json.dumps({"TemplateKey": AWKWARD_KEY, "MeetingTimezone": "Europe/Paris"})
    )
    aws = RecordingAws()

    code = run_deploy(
        aws, check=False, ARTIFACT_BUCKET="my-artifacts", ARTIFACT=str(artifact),
        ZOOM_USER_ID=AWKWARD_HOST, PARAMETERS_FILE=str(parameters),
        PARAMETERS=json.dumps({"DispatchEveryMinutes": "15"}),
    )  # fmt: skip

    assert code == 0
    (overrides,) = aws.deploys()
    assert overrides["TemplateKey"] == AWKWARD_KEY
    assert overrides["ZoomUserId"] == AWKWARD_HOST
    assert overrides["MeetingTimezone"] == "Europe/Paris"
    assert overrides["DispatchEveryMinutes"] == "15"
    assert overrides["LambdaArchitecture"] == "arm64"
    required = {
        name for name, spec in deploy_script.template_parameters().items() if "Default" not in spec
    }
    assert required <= set(overrides)
    copies = [command for command in aws.commands if command[:2] == ["s3", "cp"]]
    code_url, definition_url = (command[-1] for command in copies)
    assert overrides["CodeKey"] == code_url.removeprefix("s3://my-artifacts/")
    assert overrides["DefinitionKey"] == definition_url.removeprefix("s3://my-artifacts/")
    assert code_url.startswith("s3://my-artifacts/zoom-notifier/code-")
    # The template is over CloudFormation's 51,200-byte inline limit: it goes through S3.
    (deploy_command,) = [
        command for command in aws.commands if command[:2] == ["cloudformation", "deploy"]
    ]
    assert deploy_command[deploy_command.index("--s3-bucket") + 1] == "my-artifacts"


def test_the_schedule_is_turned_on_only_once_the_check_passes(artifact: Path) -> None:
    failing, passing = RecordingAws(), RecordingAws()
    variables = {"ARTIFACT_BUCKET": "b", "ARTIFACT": str(artifact), "ZOOM_USER_ID": "h"}

    run_deploy(failing, check=False, **variables)
    run_deploy(passing, check=True, **variables)

    assert [overrides.get("ScheduleState") for overrides in failing.deploys()] == [None]
    assert [overrides.get("ScheduleState") for overrides in passing.deploys()] == [None, "ENABLED"]


def test_a_schedule_state_the_user_set_is_kept_even_when_the_check_passes(artifact: Path) -> None:
    aws = RecordingAws()

    run_deploy(
        aws, check=True, ARTIFACT_BUCKET="b", ARTIFACT=str(artifact), ZOOM_USER_ID="h",
        PARAMETERS='{"ScheduleState": "DISABLED"}',
    )  # fmt: skip

    assert [overrides["ScheduleState"] for overrides in aws.deploys()] == ["DISABLED"]


@pytest.mark.parametrize(
    ("variables", "message"),
    [
        ({"PARAMETERS": f"TemplateKey={AWKWARD_KEY}"},
         "PARAMETERS is not JSON (Expecting value, line 1); write an object such as"),
        ({"PARAMETERS": '["TemplateKey"]'}, "PARAMETERS must be a JSON object"),
        ({"PARAMETERS": '{"ScheduleExpresion": "rate(1 day)"}'},
         "unknown template parameter(s): ScheduleExpresion"),
        ({"PARAMETERS": '{"CodeKey": "x"}'}, "CodeKey are set by the deploy itself"),
        ({"PARAMETERS": '{"ScheduleExpression": "cron(0 9 ? * MON-FRI *)"}'},
         "ScheduleExpression: no longer a parameter: each template says when"),
        ({"PARAMETERS": '{"LogLevel": ["INFO"]}'}, "PARAMETERS: LogLevel must be a string"),
        ({"PARAMETERS_FILE": "/no/such/file.json"},
         "cannot read PARAMETERS_FILE=/no/such/file.json: No such file or directory"),
        ({"ARTIFACT_BUCKET": ""}, "set ARTIFACT_BUCKET"),
        ({"ZOOM_USER_ID": ""}, "stack zoom-notifier is new: set ZOOM_USER_ID"),
        ({"ARTIFACT": "/no/such.zip"}, "/no/such.zip is missing: run `make package`"),
        ({"PARAMETERS": '{"MeetingTimezone": "Europe/Pariss"}'},
         "MeetingTimezone='Europe/Pariss' is not an IANA time zone"),
        ({"PARAMETERS": '{"MeetingTimezone": "../etc/passwd"}'},
         "MeetingTimezone='../etc/passwd': an IANA time zone such as Europe/Paris"),
        ({"PARAMETERS": '{"DispatchEveryMinutes": 7}'},
         "DispatchEveryMinutes='7' is not one of 1, 5, 10, 15"),
        ({"ARCH": "amd64"}, "ARCH='amd64' is not one of arm64, x86_64"),
        ({"PARAMETERS": '{"SlackChannel": "#standup"}'},
         "SlackChannel='#standup': a channel's id (C... or G..., in the channel's details)"),
        ({"PARAMETERS": '{"AlarmEmail": "ops at example.com"}'},
         "AlarmEmail='ops at example.com': an e-mail address, or empty"),
        ({"PARAMETERS": '{"LambdaMemorySize": 64}'},
         "LambdaMemorySize=64 is not between 128 and 3008"),
    ],
)  # fmt: skip
def test_bad_deploy_settings_stop_before_anything_is_uploaded(
    artifact: Path, variables: dict[str, str], message: str
) -> None:
    aws = RecordingAws()
    environment = {"ARTIFACT_BUCKET": "b", "ARTIFACT": str(artifact), "ZOOM_USER_ID": "h"}

    with pytest.raises(deploy_script.DeployError) as raised:
        run_deploy(aws, check=True, **(environment | variables))

    assert message in str(raised.value)
    assert aws.commands == []


def test_destroy_names_what_is_kept_and_how_to_remove_it(
    capsys: pytest.CaptureFixture[str],
) -> None:
    aws = RecordingAws()
    aws.deployed = True

    deploy_script.destroy({"STACK": "zoom-notifier", "CONFIRM": "yes"}, aws)

    assert aws.commands[0] == ["cloudformation", "delete-stack", "--stack-name", "zoom-notifier"]
    out = capsys.readouterr().out
    assert "aws dynamodb delete-table --table-name the-table" in out
    assert "aws s3 rb s3://the-bucket" in out
    assert (
        'aws s3api delete-objects --bucket the-bucket --delete "$(aws s3api list-object-versions '
        "--bucket the-bucket --output json --query '{Objects: Versions[].{Key: Key, VersionId: "
        "VersionId}}')\""
    ) in out
    assert "DeleteMarkers[]" in out


# --- the real thing: make deploy / make destroy, the real aws CLI, the local emulator ---------


def _make(target: str, endpoint: str, **variables: str) -> subprocess.CompletedProcess[str]:
    environment = {
        name: value for name, value in os.environ.items() if not name.startswith("AWS_")
    } | {
        # By name: moto reads the template the CLI uploads (it is over CloudFormation's inline
        # limit) from a path-style URL only when its host says localhost.
        "AWS_ENDPOINT_URL": endpoint.replace("127.0.0.1", "localhost"),
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "eu-west-1",
        "AWS_CONFIG_FILE": "/dev/null",
        "AWS_SHARED_CREDENTIALS_FILE": "/dev/null",
    }
    # On make's command line, as a person types it: make hands the values on unsplit.
    arguments = [f"{name}={value}" for name, value in variables.items()]
    return subprocess.run(  # noqa: S603 - make, in this repository
        ["make", "--no-print-directory", target, *arguments],  # noqa: S607
        cwd=REPOSITORY, env=environment, capture_output=True, text=True, check=False, timeout=300,
    )  # fmt: skip


def test_make_deploy_and_destroy_the_real_template_with_the_aws_cli(
    local_aws: LocalAws, tmp_path: Path
) -> None:
    """moto's CloudFormation creates what it models and skips the rest (the note in
    docs/deploy.md lists them); the stack, its parameters and its teardown are real."""
    artifact = REPOSITORY / "dist" / "test" / "zoom-notifier-x86_64.zip"
    if not artifact.exists():
        pytest.fail(f"{artifact} is missing: `make test` builds it before the tests")
    s3 = boto3.client("s3", region_name="eu-west-1", endpoint_url=local_aws.endpoint)
    s3.create_bucket(
        Bucket="my-artifacts", CreateBucketConfiguration={"LocationConstraint": "eu-west-1"}
    )
    parameters = tmp_path / "parameters.json"
    parameters.write_text(json.dumps({"TemplateKey": AWKWARD_KEY, "DispatchEveryMinutes": "15"}))

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        deployed = _make(
            "deploy", local_aws.endpoint, ARTIFACT=str(artifact), ARCH="x86_64",
            ARTIFACT_BUCKET="my-artifacts", STACK="zn-deploy-test", ZOOM_USER_ID=AWKWARD_HOST,
            PARAMETERS_FILE=str(parameters),
        )  # fmt: skip
    print(deployed.stdout, deployed.stderr)

    assert deployed.returncode == 0, deployed.stdout + deployed.stderr
    skipped = {
        match[1]
        for warning in caught
        if (match := re.search(r"Tried to parse (\S+) but", str(warning.message)))
    }
    assert skipped == MOTO_SKIPS
    cloudformation = boto3.client(
        "cloudformation", region_name="eu-west-1", endpoint_url=local_aws.endpoint
    )
    (stack,) = cloudformation.describe_stacks(StackName="zn-deploy-test")["Stacks"]
    values = {item["ParameterKey"]: item["ParameterValue"] for item in stack["Parameters"]}
    assert stack["StackStatus"] == "CREATE_COMPLETE"
    assert values["TemplateKey"] == AWKWARD_KEY
    assert values["ZoomUserId"] == AWKWARD_HOST
    assert values["ScheduleState"] == "DISABLED"
    assert "Checking stack zn-deploy-test" in deployed.stdout
    assert "The schedule stays DISABLED" in deployed.stdout
    keys = [item["Key"] for item in s3.list_objects_v2(Bucket="my-artifacts")["Contents"]]
    assert sorted(key.split("/")[1].split("-")[0] for key in keys) == [
        "cloudformation",
        "code",
        "definition",
    ]

    destroyed = _make("destroy", local_aws.endpoint, STACK="zn-deploy-test", CONFIRM="yes")

    assert destroyed.returncode == 0, destroyed.stdout + destroyed.stderr
    assert "Stack zn-deploy-test is deleted" in destroyed.stdout
    remaining = [
        summary["StackStatus"]
        for summary in cloudformation.list_stacks()["StackSummaries"]
        if summary["StackName"] == "zn-deploy-test"
    ]
    assert remaining == ["DELETE_COMPLETE"]


@pytest.mark.parametrize(("answer", "deleted"), [("zoom-notifier", True), ("yes", False)])
def test_destroy_deletes_only_once_the_stack_s_name_is_typed(answer: str, deleted: bool) -> None:
    aws = RecordingAws()
    aws.deployed = True

    if deleted:
        deploy_script.destroy({"STACK": "zoom-notifier"}, aws, ask=lambda _: answer)
    else:
        with pytest.raises(deploy_script.DeployError, match="not confirmed: stack zoom-notifier"):
            deploy_script.destroy({"STACK": "zoom-notifier"}, aws, ask=lambda _: answer)

    deletes = [
        command for command in aws.commands if command[:2] == ["cloudformation", "delete-stack"]
    ]
    assert bool(deletes) is deleted


def test_destroy_without_a_terminal_needs_confirm_yes(monkeypatch: pytest.MonkeyPatch) -> None:
    aws = RecordingAws()
    aws.deployed = True
    monkeypatch.setattr("sys.stdin.isatty", lambda: False)

    with pytest.raises(deploy_script.DeployError, match="CONFIRM=yes"):
        deploy_script.destroy({"STACK": "zoom-notifier"}, aws)
    assert not [command for command in aws.commands if "delete-stack" in command]
