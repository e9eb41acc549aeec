"""Deploy, or tear down, the zoom-notifier stack with the AWS CLI. Called by ``make deploy`` and
``make destroy``; see docs/deploy.md.

    python infrastructure/deploy.py deploy     # ARTIFACT_BUCKET=... [ZOOM_USER_ID=...] ...
    python infrastructure/deploy.py destroy    # [STACK=...]

Settings come from the environment (``make`` passes its command-line variables there):

    ARTIFACT_BUCKET   an S3 bucket you own, in the target region (deploy: required)
    ZOOM_USER_ID      the Zoom host for whom meetings are created (required on the first deploy)
    STACK             stack name (default zoom-notifier)
    ARCH              arm64 (default) or x86_64; must match the artifact
    ARTIFACT          the zip built by ``make package`` (default dist/zoom-notifier.zip)
    PARAMETERS_FILE   a JSON object of template parameters, e.g. {"MeetingTimezone": "Europe/Paris"}
    PARAMETERS        the same JSON object, inline

Parameters are JSON because every schedule expression holds spaces, and cron's ``?`` and ``*``
are shell wildcards: a ``Key=Value Key=Value`` list could not carry them. Each value reaches
``aws`` as one argument, never through a shell.

The schedule is created DISABLED, and stays so until ``zoom-notifier check`` passes against the
stack: after each deploy this script runs the check, and when it passes it turns the schedule on.
So a first deploy, whose secrets still hold placeholders, never fails a morning.

The zip and the state machine definition are uploaded under content-addressed keys: a new build
changes the stack's parameters and CloudFormation updates the functions; an unchanged build (the
zip is reproducible) leaves them alone.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

REPOSITORY = Path(__file__).resolve().parents[1]
TEMPLATE = REPOSITORY / "infrastructure" / "template.yaml"
DEFINITION = REPOSITORY / "state_machine.asl.json"
# Parameters the script sets itself, from the artifact it uploads.
_MANAGED = frozenset({"ArtifactBucket", "CodeKey", "DefinitionKey"})


class DeployError(Exception):
    """A one-line reason the deploy cannot go on, and what to do about it."""


def template_parameters() -> dict[str, dict[str, Any]]:
    """The template's parameters (``package.py`` reads the template without the emulator)."""
    sys.path.insert(0, str(REPOSITORY / "infrastructure"))
    from package import read_template  # noqa: PLC0415 - the same safe loader, one copy

    parameters: dict[str, dict[str, Any]] = read_template()["Parameters"]
    return parameters


def parameter_overrides(environment: Mapping[str, str]) -> dict[str, str]:
    """The user's parameters, from PARAMETERS_FILE and PARAMETERS (JSON objects) and the
    shorthand variables; every name is checked against the template."""
    overrides: dict[str, str] = {}
    sources: list[tuple[str, str]] = []
    if path := environment.get("PARAMETERS_FILE"):
        try:
            sources.append((f"PARAMETERS_FILE={path}", Path(path).read_text(encoding="utf-8")))
        except OSError as exc:
            raise DeployError(f"cannot read PARAMETERS_FILE={path}: {exc.strerror}") from None
    if inline := environment.get("PARAMETERS"):
        sources.append(("PARAMETERS", inline))
    for name, text in sources:
        overrides |= _parameters_object(name, text)
    if user := environment.get("ZOOM_USER_ID"):
        overrides["ZoomUserId"] = user
    known = template_parameters()
    unknown = sorted(set(overrides) - set(known))
    if retired := sorted(set(unknown) & set(_RETIRED)):
        raise DeployError("; ".join(f"{name}: {_RETIRED[name]}" for name in retired))
    if unknown:
        raise DeployError(
            f"unknown template parameter(s): {', '.join(unknown)} "
            f"(the template has: {', '.join(sorted(set(known) - _MANAGED))})"
        )
    managed = sorted(set(overrides) & _MANAGED)
    if managed:
        raise DeployError(f"{', '.join(managed)} are set by the deploy itself; leave them out")
    problems = [
        problem
        for name, value in sorted(overrides.items())
        if (problem := value_problem(name, value, known[name])) is not None
    ]
    if problems:
        raise DeployError("; ".join(problems))
    return overrides


_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
ARCHITECTURES = ("arm64", "x86_64")


def value_problem(name: str, value: str, spec: Mapping[str, Any]) -> str | None:  # noqa: PLR0911
    """What is wrong with a parameter's value, before CloudFormation is called: the template's
    own constraints (AllowedValues, AllowedPattern, lengths, bounds), and what the template
    cannot say (a time zone that exists, an e-mail address's form)."""
    allowed = [str(item) for item in spec.get("AllowedValues", [])]
    if allowed and value not in allowed:
        return f"{name}={value!r} is not one of {', '.join(allowed)}"
    pattern = spec.get("AllowedPattern")
    if pattern and re.fullmatch(pattern, value) is None:
        what = spec.get("ConstraintDescription") or f"it must match {pattern}"
        return f"{name}={value!r}: {' '.join(str(what).split())}"
    if spec.get("Type") == "Number":
        try:
            number = float(value)
        except ValueError:
            return f"{name}={value!r} is not a number"
        low, high = spec.get("MinValue"), spec.get("MaxValue")
        if (low is not None and number < low) or (high is not None and number > high):
            return f"{name}={value} is not between {low} and {high}"
    if len(value) < int(spec.get("MinLength", 0)):
        return f"{name} must not be empty"
    if name == "MeetingTimezone" and not _is_zone(value):
        return (
            f"MeetingTimezone={value!r} is not an IANA time zone (e.g. Europe/Paris, "
            "America/New_York): every dispatcher tick would fail"
        )
    if name == "AlarmEmail" and value and _EMAIL.match(value) is None:
        return f"AlarmEmail={value!r} is not an e-mail address"
    return None


def _is_zone(name: str) -> bool:
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError  # noqa: PLC0415

    if not name or name.startswith("/") or ".." in name:
        return False
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True


# Parameters of earlier versions, and what replaced them (CHANGELOG.md).
_RETIRED = dict.fromkeys(
    ("ScheduleExpression", "ScheduleTimezone"),
    "no longer a parameter: each template says when its meeting happens (start_time, "
    "timezone, notifier.announce_minutes_before) and the dispatcher runs every "
    "DispatchEveryMinutes; remove it from the parameters (see CHANGELOG.md)",
)


def _parameters_object(name: str, text: str) -> dict[str, str]:
    example = '{"MeetingTimezone": "Europe/Paris", "DispatchEveryMinutes": "5"}'
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise DeployError(
            f"{name} is not JSON ({exc.msg}, line {exc.lineno}); write an object such as {example}"
        ) from None
    if not isinstance(data, dict):
        raise DeployError(f"{name} must be a JSON object such as {example}")
    values: dict[str, str] = {}
    for key, value in data.items():
        if isinstance(value, bool) or not isinstance(value, str | int | float):
            raise DeployError(f"{name}: {key} must be a string or a number")
        values[key] = str(value)
    return values


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()[:16]


class Aws:
    """The ``aws`` command, each argument passed as it is (no shell in between)."""

    def __init__(self, executable: str) -> None:
        self.executable = executable

    def run(self, *arguments: str, capture: bool = False) -> str:
        completed = subprocess.run(  # noqa: S603 - the aws CLI, with our own arguments
            [self.executable, *arguments],
            stdout=subprocess.PIPE if capture else None,
            text=True,
            check=False,
        )
        if completed.returncode != 0:
            raise DeployError(f"`aws {' '.join(arguments[:2])}` failed (see its message above)")
        return completed.stdout or ""

    def stack(self, name: str) -> dict[str, Any] | None:
        completed = subprocess.run(  # noqa: S603 - the aws CLI, with our own arguments
            [self.executable, "cloudformation", "describe-stacks", "--stack-name", name,
             "--output", "json"],
            capture_output=True, text=True, check=False,
        )  # fmt: skip
        if completed.returncode != 0:
            if "does not exist" in completed.stderr:
                return None
            raise DeployError(f"cannot read stack {name}: {completed.stderr.strip()}")
        stacks: list[dict[str, Any]] = json.loads(completed.stdout)["Stacks"]
        return stacks[0]


def find_aws() -> Aws:
    executable = shutil.which("aws")
    if executable is None:
        raise DeployError(
            "the AWS CLI (aws) is not installed: https://docs.aws.amazon.com/cli/latest/"
            "userguide/getting-started-install.html"
        )
    return Aws(executable)


def _outputs(stack: Mapping[str, Any]) -> dict[str, str]:
    return {output["OutputKey"]: output["OutputValue"] for output in stack.get("Outputs", [])}


def _parameters(stack: Mapping[str, Any]) -> dict[str, str]:
    return {item["ParameterKey"]: item["ParameterValue"] for item in stack.get("Parameters", [])}


def _cloudformation_deploy(aws: Aws, stack: str, overrides: Mapping[str, str]) -> None:
    # The template is larger than the 51,200 bytes CloudFormation takes inline: the CLI
    # uploads it to the artifact bucket (docs.aws.amazon.com/AWSCloudFormation/latest/
    # UserGuide/cloudformation-limits.html, "Template body size in a request").
    aws.run(
        "cloudformation", "deploy",
        "--stack-name", stack,
        "--template-file", str(TEMPLATE),
        "--s3-bucket", overrides["ArtifactBucket"],
        "--s3-prefix", f"{stack}/cloudformation",
        "--capabilities", "CAPABILITY_IAM",
        "--no-fail-on-empty-changeset",
        "--parameter-overrides", *(f"{key}={value}" for key, value in overrides.items()),
    )  # fmt: skip


def _check(stack: str) -> bool:
    """``zoom-notifier check`` against the deployed stack; its lines go to the terminal."""
    completed = subprocess.run(  # noqa: S603 - our own command, in this environment
        [sys.executable, "-m", "zoom_notifier", "check", "--stack", stack], check=False
    )
    return completed.returncode == 0


def deploy(environment: Mapping[str, str], aws: Aws, check: Callable[[str], bool] = _check) -> int:
    bucket = environment.get("ARTIFACT_BUCKET")
    if not bucket:
        raise DeployError("set ARTIFACT_BUCKET to an S3 bucket you own (it holds the Lambda zip)")
    stack = environment.get("STACK") or "zoom-notifier"
    artifact = Path(environment.get("ARTIFACT") or REPOSITORY / "dist" / "zoom-notifier.zip")
    if not artifact.is_file():
        raise DeployError(f"{artifact} is missing: run `make package`")
    overrides = parameter_overrides(environment)
    arch = environment.get("ARCH") or "arm64"
    if arch not in ARCHITECTURES:
        raise DeployError(f"ARCH={arch!r} is not one of {', '.join(ARCHITECTURES)}")
    existing = aws.stack(stack)
    if existing is None and "ZoomUserId" not in overrides:
        raise DeployError(f"stack {stack} is new: set ZOOM_USER_ID to the Zoom host's email or id")

    code_key = f"{stack}/code-{_digest(artifact)}.zip"
    definition_key = f"{stack}/definition-{_digest(DEFINITION)}.asl.json"
    aws.run("s3", "cp", "--only-show-errors", str(artifact), f"s3://{bucket}/{code_key}")
    aws.run("s3", "cp", "--only-show-errors", str(DEFINITION), f"s3://{bucket}/{definition_key}")
    managed = {
        "ArtifactBucket": bucket,
        "CodeKey": code_key,
        "DefinitionKey": definition_key,
        "LambdaArchitecture": arch,
    }
    _cloudformation_deploy(aws, stack, managed | overrides)

    deployed = aws.stack(stack) or {}
    state = _parameters(deployed).get("ScheduleState", "DISABLED")
    print(f"\nStack {stack} is deployed. Checking it before the first morning:")
    if not check(stack):
        print(
            f"\nThe schedule stays {state}. Fix what the check says above, then run "
            "`make deploy` again (it checks again and turns the schedule on)."
        )
        return 0
    if state == "DISABLED" and "ScheduleState" not in overrides:
        _cloudformation_deploy(aws, stack, managed | overrides | {"ScheduleState": "ENABLED"})
        print("Every check passed: the schedule is ENABLED.")
    elif state == "DISABLED":
        print("Every check passed; the schedule stays DISABLED, as ScheduleState asks.")
    return 0


def destroy(
    environment: Mapping[str, str], aws: Aws, ask: Callable[[str], str] | None = None
) -> int:
    stack = environment.get("STACK") or "zoom-notifier"
    existing = aws.stack(stack)
    if existing is None:
        raise DeployError(f"there is no stack {stack} in this region (STACK=..., AWS_REGION=...)")
    if environment.get("CONFIRM") != "yes":
        # Deleting a stack stops every team's meetings: a person says so, or CONFIRM=yes.
        if ask is None and not sys.stdin.isatty():
            raise DeployError(
                f"make destroy deletes stack {stack}; confirm with CONFIRM=yes "
                f"(make destroy STACK={stack} CONFIRM=yes)"
            )
        answer = (ask or input)(f"Delete stack {stack}? Type its name to confirm: ")
        if answer.strip() != stack:
            raise DeployError(f"not confirmed: stack {stack} is kept")
    outputs = _outputs(existing)
    aws.run("cloudformation", "delete-stack", "--stack-name", stack)
    aws.run("cloudformation", "wait", "stack-delete-complete", "--stack-name", stack)
    bucket = outputs.get("TemplateBucketName", "<TemplateBucketName>")
    table = outputs.get("MeetingsTableName", "<MeetingsTableName>")
    print(
        f"Stack {stack} is deleted. Kept on purpose (DeletionPolicy: Retain), so that a deleted "
        "stack loses no template and no record of a meeting:\n"
        f"  templates bucket  {bucket}\n"
        f"  meetings table    {table}\n"
        "To remove them too (this cannot be undone):\n"
        f"  aws dynamodb delete-table --table-name {table}\n"
        f"  the bucket is versioned: delete every version and delete marker, then the bucket:\n"
        f'    aws s3api delete-objects --bucket {bucket} --delete "$(aws s3api '
        f"list-object-versions --bucket {bucket} --output json --query "
        f"'{{Objects: Versions[].{{Key: Key, VersionId: VersionId}}}}')\"\n"
        f'    aws s3api delete-objects --bucket {bucket} --delete "$(aws s3api '
        f"list-object-versions --bucket {bucket} --output json --query "
        f"'{{Objects: DeleteMarkers[].{{Key: Key, VersionId: VersionId}}}}')\"\n"
        f"    aws s3 rb s3://{bucket}\n"
        "  (each delete-objects takes up to 1,000 entries: repeat it while any remain; one "
        "that finds none refuses, with 'Invalid type for parameter Delete.Objects', which "
        "means that kind is done; the S3 console's Empty button does the same)\n"
        "Everything else went with the stack; CloudFormation schedules the KMS key's deletion "
        "after a 30-day waiting period."
    )
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("action", choices=["deploy", "destroy"])
    arguments = parser.parse_args(argv)
    try:
        aws = find_aws()
        if arguments.action == "deploy":
            return deploy(os.environ, aws)
        return destroy(os.environ, aws)
    except DeployError as exc:
        print(f"{arguments.action}: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
