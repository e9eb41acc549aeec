"""The Lambda artifact built by infrastructure/package.py (``make test`` builds the x86_64 one
before the tests run, so this test needs no network)."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import botocore
import botocore.session
import pytest

REPOSITORY = Path(__file__).resolve().parents[2]
ARTIFACT = REPOSITORY / "dist" / "test" / "zoom-notifier-x86_64.zip"
TOOLS = REPOSITORY / ".tools" / "bin"
sys.path.insert(0, str(REPOSITORY / "infrastructure"))

from package import find_python, handler_modules, strip_tool, template_target  # noqa: E402

from tests.support import fakes  # noqa: E402
from zoom_notifier.domain.meeting_days import HOLIDAY_LANGUAGE  # noqa: E402
from zoom_notifier.local.loopback import SlackServer, ZoomServer  # noqa: E402
from zoom_notifier.services.aws import AWS_SERVICES  # noqa: E402


@pytest.fixture(scope="module")
def unzipped(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if not ARTIFACT.exists():
        pytest.fail(f"{ARTIFACT} is missing: `make test` builds it before running the tests")
    target = tmp_path_factory.mktemp("artifact")
    with zipfile.ZipFile(ARTIFACT) as archive:
        archive.extractall(target)
    return target


def _import_handlers(unzipped: Path) -> list[str]:
    """Import every deployed handler in a clean Python of the Lambda runtime, from the unzipped
    artifact alone; the lines printed: where zoom_notifier came from, the test-only modules
    loaded, then every zoom_notifier module loaded."""
    version, _ = template_target()
    python = find_python(version)
    script = (
        "import sys; sys.path.insert(0, sys.argv[1]); "
        + "; ".join(f"import {module}" for module in handler_modules())
        + "; print(zoom_notifier.__file__)"
        + "; print(sorted(m for m in sys.modules if m.split('.')[0] in {'moto', 'yaml', 'pytest'}))"
        + "; print(' '.join(sorted(m for m in sys.modules if m.split('.')[0] == 'zoom_notifier')))"
    )
    # -I: isolated (no user site, no PYTHON* variables); -S: not even this machine's site dir.
    completed = subprocess.run(  # noqa: S603 - an interpreter found by package.find_python
        [python, "-I", "-S", "-c", script, str(unzipped)],
        capture_output=True,
        text=True,
        check=False,
        cwd=unzipped,
    )
    assert completed.returncode == 0, completed.stderr
    return completed.stdout.splitlines()


def test_the_handlers_import_in_a_clean_python_of_the_lambda_runtime(unzipped: Path) -> None:
    location, test_only, _ = _import_handlers(unzipped)

    assert location.startswith(str(unzipped))
    assert test_only == "[]"


# Modules a handler imports only when it uses them (Slack app mode, with slack_sdk).
LAZY_MODULES = {
    "zoom_notifier.services.slack_app",
    # The inbound function's job (a change of an announced meeting): never on the answer's path.
    "zoom_notifier.handlers.change_jobs",
    "zoom_notifier.services.change_clients",
    "zoom_notifier.services.command_responses",
    # Zoom's event notifications and their edit job: never on a slash command's path.
    "zoom_notifier.handlers.zoom_events",
    "zoom_notifier.inbound.zoom_door",
    "zoom_notifier.workflow.meeting_events",
    # Each team's page and feed (and its key, read by the announcement and /standup).
    "zoom_notifier.handlers.team_pages",
    "zoom_notifier.domain.team_page",
    "zoom_notifier.domain.team_feed",
    "zoom_notifier.inbound.team_door",
    "zoom_notifier.services.team_links",
}


def test_the_artifact_ships_exactly_the_modules_the_handlers_import(unzipped: Path) -> None:
    *_, imported = _import_handlers(unzipped)
    shipped = {
        ".".join(path.relative_to(unzipped).with_suffix("").parts).removesuffix(".__init__")
        for path in (unzipped / "zoom_notifier").rglob("*.py")
    }
    others = {
        path.relative_to(unzipped).as_posix()
        for path in (unzipped / "zoom_notifier").rglob("*")
        if path.is_file() and path.suffix not in {".py", ".pyc"}
    }

    loaded = set(imported.split())
    assert shipped == loaded | LAZY_MODULES
    assert not loaded & LAZY_MODULES  # a webhook deployment's cold start never pays for them
    assert others == set()
    assert "zoom_notifier.operator.cli" not in shipped
    assert not [name for name in shipped if name.startswith("zoom_notifier.local")]


def test_the_artifact_holds_compiled_code_and_no_tests_caches_or_local_stand_ins(
    unzipped: Path,
) -> None:
    version, _ = template_target()
    tag = f"cpython-{version.replace('.', '')}"
    names = [path.relative_to(unzipped).as_posix() for path in unzipped.rglob("*")]

    assert f"zoom_notifier/handlers/__pycache__/create_meeting.{tag}.pyc" in names
    assert not [name for name in names if name.startswith("zoom_notifier/local")]
    assert not [name for name in names if "/tests/" in f"/{name}/"]
    assert not [name for name in names if name.startswith("tests/")]
    assert not [name for name in names if ".cpython-311" in name]
    assert not [name for name in names if name.startswith(("moto/", "pytest/", "yaml/"))]
    assert ARTIFACT.stat().st_size < 50 * 1024 * 1024


def test_two_builds_of_one_commit_are_byte_identical(tmp_path: Path) -> None:
    """Same code and lock file, same zip: an unchanged deploy uploads nothing new and leaves the
    functions alone (deploy.py names the upload by the zip's hash)."""
    # uv installs by hard-linking its cache: a build that wrote into an installed file would
    # change this environment too (it once cut the development botocore's S3 model).
    import botocore  # noqa: PLC0415

    shared = Path(botocore.__file__).parent / "data" / "s3" / "2006-03-01" / "service-2.json.gz"
    before = hashlib.sha256(shared.read_bytes()).hexdigest()
    hashes = []
    for build in ("first", "second"):
        output = tmp_path / build / "artifact.zip"
        completed = subprocess.run(  # noqa: S603 - our own build script
            [sys.executable, str(REPOSITORY / "infrastructure" / "package.py"),
             "--arch", "x86_64", "--output", str(output)],
            capture_output=True, text=True, check=False,
            # The wheels are in uv's cache since `make test` built the test artifact.
            env=os.environ | {"UV_OFFLINE": "1", "PATH": f"{TOOLS}:{os.environ['PATH']}"},
        )  # fmt: skip
        assert completed.returncode == 0, completed.stderr
        hashes.append(hashlib.sha256(output.read_bytes()).hexdigest())

    assert hashes[0] == hashes[1]
    assert hashlib.sha256(shared.read_bytes()).hexdigest() == before


def test_the_artifact_ships_the_models_of_the_aws_services_the_handlers_call_and_no_other(
    unzipped: Path,
) -> None:
    botocore = sorted(
        path.name for path in (unzipped / "botocore" / "data").iterdir() if path.is_dir()
    )
    boto3 = {path.name for path in (unzipped / "boto3" / "data").iterdir() if path.is_dir()}

    assert botocore == sorted(AWS_SERVICES)
    assert boto3 <= set(AWS_SERVICES)
    assert not list(unzipped.glob("botocore/data/*/*/examples-1.json"))


def test_the_artifact_s_holiday_names_are_english_only(unzipped: Path) -> None:
    locales = sorted(path.name for path in (unzipped / "holidays" / "locale").iterdir())

    assert locales == [HOLIDAY_LANGUAGE]


def test_the_artifact_s_endpoints_keep_every_region_for_the_services_called(
    unzipped: Path,
) -> None:
    shipped = json.loads((unzipped / "botocore" / "data" / "endpoints.json").read_text())
    installed = json.loads((Path(botocore.__file__).parent / "data" / "endpoints.json").read_text())

    assert [p["partition"] for p in shipped["partitions"]] == [
        p["partition"] for p in installed["partitions"]
    ]
    session = botocore.session.get_session()
    prefixes = {session.get_service_model(name).endpoint_prefix for name in AWS_SERVICES}
    for ours, theirs in zip(shipped["partitions"], installed["partitions"], strict=True):
        assert ours["regions"] == theirs["regions"]
        assert set(ours["services"]) <= prefixes
        for name in ours["services"]:
            assert ours["services"][name] == theirs["services"][name]
    assert set(shipped["partitions"][0]["services"]) == prefixes  # "states", not "stepfunctions"


def test_dependencies_ship_compiled_only_and_the_service_with_its_sources(unzipped: Path) -> None:
    sources = {path.relative_to(unzipped).parts[0] for path in unzipped.rglob("*.py")}

    assert sources == {"zoom_notifier"}
    assert (unzipped / "aiohttp" / "client.pyc").exists()


_INVOKE = """
import json, sys, time
sys.path.insert(0, sys.argv[1])
from zoom_notifier.handlers import create_meeting, dispatch, notify_meeting

class Context:
    function_name = "artifact"
    aws_request_id = "artifact-request"
    memory_limit_in_mb = 256
    invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:artifact"
    def get_remaining_time_in_millis(self):
        return 30_000

def outcome(handler, event):
    try:
        return handler(event, Context())["outcome"]
    except Exception as exc:
        return type(exc).__name__

print(json.dumps([
    outcome(create_meeting.handler, {"date": "2026-11-27"}),
    outcome(create_meeting.handler, {"date": "2026-11-27"}),
    outcome(create_meeting.handler, {"date": "2026-11-27", "template": "missing"}),
    outcome(notify_meeting.handler, {"date": "2026-11-27", "template": "default"}),
    outcome(notify_meeting.handler, {"date": "2026-11-27", "template": "default"}),
]))
# A tick a day late: lists and reads the templates, starts the day, reports the lateness.
print(json.dumps(dispatch.handler({"scheduled_time": "2026-11-27T08:15:00Z"}, Context())))
"""


def test_the_artifact_s_handlers_run_on_its_cut_down_aws_models(
    unzipped: Path, aws_resources: fakes.AwsResources, moto_endpoint: str
) -> None:
    """Every operation the handlers call, success and error answers, through the artifact's own
    botocore models (cut down to those operations), in the Lambda runtime's Python."""
    version, _ = template_target()
    with ZoomServer(fakes.zoom_model()) as zoom, SlackServer(fakes.slack_model()) as slack:
        environment = {
            **fakes.deployed_environment(),
            "PATH": os.environ["PATH"],
            "AWS_ENDPOINT_URL": moto_endpoint,
            "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing",
            "AWS_DEFAULT_REGION": fakes.REGION,
            "ZOOM_API_URL": zoom.api_url,
            "ZOOM_OAUTH_URL": zoom.oauth_url,
            "ALLOW_LOOPBACK_URLS": "true",
        }
        # The loopback webhook, in a secret of its own (the shared one names hooks.slack.com).
        environment["SLACK_WEBHOOK_SECRET"] = "artifact/slack"
        aws_resources.secretsmanager.create_secret(
            Name="artifact/slack", SecretString=slack.webhook_url
        )
        completed = subprocess.run(  # noqa: S603 - the runtime's Python, our script
            [find_python(version), "-I", "-S", "-c", _INVOKE, str(unzipped)],
            capture_output=True, text=True, check=False, env=environment, timeout=120,
        )  # fmt: skip

    assert completed.returncode == 0, completed.stderr[-3000:]
    lines = completed.stdout.splitlines()  # the handlers' log lines, then what they returned
    outcomes = next(line for line in lines if line.startswith("["))
    dispatched = lines[-1]
    assert json.loads(outcomes) == [
        "created", "existing", "TemplateNotFound", "notified", "already_notified",
    ]  # fmt: skip
    result = json.loads(dispatched)
    assert result["started"] == ["2026-11-27_default"]
    assert result["late_by_seconds"] > 600  # and so it published to the failure topic


def test_app_mode_s_client_loads_from_the_artifact(unzipped: Path) -> None:
    """slack_sdk ships compiled only, like every dependency: its async client must load so."""
    version, _ = template_target()
    script = (
        "import sys, asyncio; sys.path.insert(0, sys.argv[1]); import aiohttp\n"
        "from zoom_notifier.services.slack_app import SlackApp\n"
        "async def main():\n"
        "    async with aiohttp.ClientSession() as session:\n"
        "        SlackApp(session, 'xoxb-FAKE-token')\n"
        "asyncio.run(main())\n"
        "print(sys.modules['slack_sdk'].__file__)\n"
    )
    completed = subprocess.run(  # noqa: S603 - an interpreter found by package.find_python
        [find_python(version), "-I", "-S", "-c", script, str(unzipped)],
        capture_output=True, text=True, check=False, cwd=unzipped,
    )  # fmt: skip

    assert completed.returncode == 0, completed.stderr
    assert completed.stdout.strip().startswith(str(unzipped))


def test_each_architecture_is_stripped_with_binutils_for_that_machine(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("aarch64-linux-gnu-strip", "strip"):
        tool = tmp_path / name
        tool.write_text("#!/bin/sh\n")
        tool.chmod(0o755)
    monkeypatch.setenv("PATH", str(tmp_path))

    assert strip_tool("arm64") == str(tmp_path / "aarch64-linux-gnu-strip")
    # No binutils for x86-64 by its own name: the host's strip (an x86-64 host's reads it).
    assert strip_tool("x86_64") == str(tmp_path / "strip")
