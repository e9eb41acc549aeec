"""``zoom-notifier check`` against the local stack (moto, with the deployment's outputs and
schedule) and the Zoom and Slack models: a ready stack passes, and each way of not being ready
gives its one FAIL line with the fix."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from aioresponses import aioresponses

from tests.support import fakes
from tests.support.mounted import mount_slack_api
from tests.support.world import served_app_stack
from zoom_notifier.local.aws import LocalAws
from zoom_notifier.local.faults import REFUSED
from zoom_notifier.local.slack_api_model import SlackApiModel, slack_error
from zoom_notifier.local.slack_model import SlackModel
from zoom_notifier.local.stack import LocalStack
from zoom_notifier.local.zoom_model import ZoomModel
from zoom_notifier.operator.checks import check_stack, passed
from zoom_notifier.operator.cli import main
from zoom_notifier.services.slack_app import SLACK_API_URL

# A Saturday: the next runs of a weekday schedule are on Monday.
SATURDAY = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)


@pytest.fixture
def ready(stack: LocalStack, zoom: ZoomModel, slack: SlackModel) -> LocalStack:
    """The local stack with real-looking secrets, the default template, Zoom and Slack up."""
    return stack


def run_check(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, list[str], str]:
    code = main(["check", "--stack", "zoom-notifier", *argv])
    captured = capsys.readouterr()
    return code, captured.out.splitlines(), captured.err


def line(lines: list[str], status: str, name: str) -> str:
    (found,) = [text for text in lines if (text[:5].strip(), text[6:19].strip()) == (status, name)]
    return found


def fix_after(lines: list[str], status: str, name: str) -> str:
    return lines[lines.index(line(lines, status, name)) + 1].strip()


def test_a_ready_stack_passes_every_check(
    ready: LocalStack, capsys: pytest.CaptureFixture[str]
) -> None:
    code, lines, err = run_check(capsys)

    assert code == 0, err
    for name in ("stack", "functions", "zoom secret", "slack secret", "zoom token", "template"):
        assert line(lines, "ok", name)
    assert "s3://zoom-notifier-templates/templates/default.json" in line(lines, "ok", "template")
    # A new stack's schedule is off until the check passes (make deploy turns it on).
    assert "DISABLED (the dispatcher runs cron(0/5 * * * ? *) in UTC" in line(
        lines, "warn", "schedule"
    )
    assert lines[-1] == "Every check passed."


def _enable_schedule(stack: LocalStack, expression: str = "cron(0/5 * * * ? *)") -> None:
    """The schedule as a passing make deploy leaves it: ENABLED (with ``expression``: someone
    edited it in the console)."""
    stack.client("scheduler").update_schedule(
        Name="zoom-notifier-dispatch",
        ScheduleExpression=expression,
        ScheduleExpressionTimezone="UTC",
        State="ENABLED",
        FlexibleTimeWindow={"Mode": "OFF"},
        Target={"Arn": stack.state_machine_arn, "RoleArn": stack.role_arn},
    )


def test_each_template_line_gives_its_next_meeting_and_the_schedule_its_next_ticks(
    ready: LocalStack,
) -> None:
    _enable_schedule(ready)
    fakes.put_stack_template(
        ready,
        {**fakes.TEMPLATE, "notifier": {"days": ["MON"], "announce_minutes_before": 30}},
        name="team-monday",
    )

    checks = check_stack("zoom-notifier", now=SATURDAY)

    (schedule,) = [item for item in checks if item.name == "schedule"]
    assert schedule.status == "ok"
    assert schedule.detail == (
        "the dispatcher runs cron(0/5 * * * ? *) in UTC; next: 12:05, 12:10, 12:15"
    )
    default, monday = [item.detail for item in checks if item.name == "template"]
    # Saturday noon UTC: the every-day default is next on Sunday, the Monday one on Monday.
    assert default.endswith("next Sun 2026-11-29 09:30 CET, announced 09:15")
    assert monday.endswith("next Mon 2026-11-30 09:30 CET, announced 09:00")
    assert passed(checks)


def test_a_host_with_more_templates_than_zoom_s_daily_limit_leaves_room_for_is_warned(
    ready: LocalStack, capsys: pytest.CaptureFixture[str]
) -> None:
    for number in range(51):
        fakes.put_stack_template(
            ready, {**fakes.TEMPLATE, "notifier": {"zoom_user_id": "busy@example.com"}},
            name=f"team-{number:02d}",
        )  # fmt: skip

    _, lines, _ = run_check(capsys)

    warning = line(lines, "warn", "zoom host")
    assert "busy@example.com hosts 51 templates" in warning
    assert "100 meeting creations per host per day" in warning
    assert "ZoomDailyLimitReached" in warning
    assert fix_after(lines, "warn", "zoom host").startswith("fix: give some templates")
    # The deployment's own host carries only the default template: no warning for it.
    assert fakes.ZOOM_USER not in "\n".join(lines)


def test_no_stack(local_aws: object, capsys: pytest.CaptureFixture[str]) -> None:
    code, lines, err = run_check(capsys)

    assert code == 1
    assert (
        line(lines, "FAIL", "stack")
        == f"FAIL  stack         no stack zoom-notifier in {fakes.REGION}"
    )
    assert fix_after(lines, "FAIL", "stack").startswith("fix: make deploy ARTIFACT_BUCKET=")
    assert "1 check(s) failed" in err


def _secret(stack: LocalStack, logical_id: str, value: str) -> str:
    arn = stack.arns[logical_id]
    stack.client("secretsmanager").put_secret_value(SecretId=arn, SecretString=value)
    return arn


def test_secrets_that_still_hold_the_placeholder(
    ready: LocalStack, capsys: pytest.CaptureFixture[str]
) -> None:
    zoom_arn = _secret(ready, "ZoomCredentialsSecret", '{"account_id": "REPLACE_ME"}')
    slack_arn = _secret(ready, "SlackWebhookSecret", "REPLACE_ME with the Slack webhook URL")

    code, lines, _ = run_check(capsys)

    assert code == 1
    assert "still holds a placeholder" in line(lines, "FAIL", "zoom secret")
    assert fix_after(lines, "FAIL", "zoom secret").startswith(
        f"fix: aws secretsmanager put-secret-value --secret-id {zoom_arn} --secret-string "
        '\'{"account_id": "...", "client_id": "...", "client_secret": "..."}\''
    )
    assert "still holds a placeholder" in line(lines, "FAIL", "slack secret")
    assert f"--secret-id {slack_arn}" in fix_after(lines, "FAIL", "slack secret")
    # Without credentials there is no token to ask for.
    assert not [text for text in lines if " zoom token " in f" {text} "]


@pytest.mark.parametrize(
    ("zoom_secret", "webhook"),
    [
        ('{"account_id": "...", "client_id": "...", "client_secret": "..."}',
         "https://hooks.slack.com/services/T.../B.../..."),
        ('{"account_id": "…", "client_id": "x", "client_secret": "y"}',
         '{"url": "https://hooks.slack.com/services/..."}'),
    ],
)  # fmt: skip
def test_the_docs_own_examples_pasted_as_they_are_are_placeholders(
    ready: LocalStack, capsys: pytest.CaptureFixture[str], zoom_secret: str, webhook: str
) -> None:
    _secret(ready, "ZoomCredentialsSecret", zoom_secret)
    slack_arn = _secret(ready, "SlackWebhookSecret", webhook)

    code, lines, _ = run_check(capsys)

    assert code == 1
    assert "still holds a placeholder" in line(lines, "FAIL", "zoom secret")
    assert "still holds a placeholder" in line(lines, "FAIL", "slack secret")
    # A form the AWS CLI v1 cannot mistake for a URL to download.
    assert fix_after(lines, "FAIL", "slack secret") == (
        f"fix: aws secretsmanager put-secret-value --secret-id {slack_arn} --secret-string "
        '\'{"url": "https://hooks.slack.com/services/T.../B.../..."}\''
    )


def test_a_webhook_secret_that_is_not_a_slack_webhook(
    ready: LocalStack, capsys: pytest.CaptureFixture[str]
) -> None:
    _secret(ready, "SlackWebhookSecret", "http://example.com/hook")

    code, lines, _ = run_check(capsys)

    assert code == 1
    assert "the secret must be an https:// URL" in line(lines, "FAIL", "slack secret")
    assert "example.com" not in "\n".join(lines)


def test_zoom_refuses_the_credentials(
    ready: LocalStack, capsys: pytest.CaptureFixture[str]
) -> None:
    _secret(
        ready,
        "ZoomCredentialsSecret",
        json.dumps({"account_id": fakes.ACCOUNT_ID, "client_id": fakes.CLIENT_ID,
                    "client_secret": "FAKE-wrong-secret"}),
    )  # fmt: skip

    code, lines, _ = run_check(capsys)

    assert code == 1
    assert "Zoom refused the app credentials (HTTP 400" in line(lines, "FAIL", "zoom token")
    assert "App credentials" in fix_after(lines, "FAIL", "zoom token")
    assert "FAKE-wrong-secret" not in "\n".join(lines)


def test_zoom_that_cannot_be_reached_is_not_a_credentials_problem(
    ready: LocalStack, zoom: ZoomModel, capsys: pytest.CaptureFixture[str]
) -> None:
    zoom.token.set(REFUSED)

    code, lines, _ = run_check(capsys)

    assert code == 1
    assert "Zoom could not be reached or failed" in line(lines, "FAIL", "zoom token")
    assert "network" in fix_after(lines, "FAIL", "zoom token")
    assert "client_secret" not in fix_after(lines, "FAIL", "zoom token")


def test_a_token_without_the_meeting_scopes(
    ready: LocalStack, zoom: ZoomModel, capsys: pytest.CaptureFixture[str]
) -> None:
    zoom.scope = "meeting:read:meeting:admin user:read:admin"

    code, lines, _ = run_check(capsys)

    assert code == 1
    assert line(lines, "FAIL", "zoom token").endswith(
        "a token, but no scope to create meetings, list meetings"
    )
    assert fix_after(lines, "FAIL", "zoom token") == (
        "fix: add the scopes meeting:write:meeting:admin, meeting:read:list_meetings:admin to "
        "the app (marketplace.zoom.us > the app > Scopes)"
    )


def test_classic_scopes_are_accepted(ready: LocalStack, zoom: ZoomModel) -> None:
    zoom.scope = "meeting:write:admin meeting:read:admin"

    checks = check_stack("zoom-notifier")

    assert [item.status for item in checks if item.name == "zoom token"] == ["ok"]


def test_an_empty_bucket_and_a_broken_template(
    ready: LocalStack, capsys: pytest.CaptureFixture[str]
) -> None:
    s3 = ready.client("s3")
    s3.delete_object(Bucket="zoom-notifier-templates", Key="templates/default.json")

    code, lines, _ = run_check(capsys)

    assert code == 1
    assert line(lines, "FAIL", "template").endswith("no template in s3://zoom-notifier-templates/")
    assert fix_after(lines, "FAIL", "template") == (
        "fix: zoom-notifier validate-template examples/templates/default.json, then aws s3 cp "
        "examples/templates/default.json s3://zoom-notifier-templates/templates/default.json"
    )

    fakes.put_stack_template(ready, {"topic": "t", "duration": -1}, name="retro")
    fakes.put_stack_template(ready, fakes.TEMPLATE)
    code, lines, _ = run_check(capsys)

    assert code == 1
    assert "templates/retro.json: field 'duration'" in line(lines, "FAIL", "template")
    # The fix is about retro's own key: uploading to default.json would overwrite another team.
    assert fix_after(lines, "FAIL", "template") == (
        "fix: zoom-notifier validate-template FILE, then aws s3 cp FILE "
        "s3://zoom-notifier-templates/templates/retro.json"
    )
    assert [text[:5].strip() for text in lines if text[6:19].strip() == "template"] == [
        "ok",
        "FAIL",
    ]


def test_a_test_message_is_posted_only_when_asked(
    ready: LocalStack, slack: SlackModel, capsys: pytest.CaptureFixture[str]
) -> None:
    run_check(capsys)
    assert slack.channel == []

    code, lines, _ = run_check(capsys, "--post-test-message")

    assert code == 0
    assert line(lines, "ok", "slack post")
    assert [message["text"] for message in slack.channel] == [
        "zoom-notifier check: this channel will get the daily meeting."
    ]


def test_a_missing_aws_profile_is_one_line(
    local_aws: object, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_PROFILE", "no-such-profile")

    code, lines, err = run_check(capsys)

    assert code == 1
    assert "The config profile (no-such-profile) could not be found" in "\n".join(lines)
    assert "Traceback" not in err


def test_the_local_configuration(
    zoom: ZoomModel, slack: SlackModel, capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch, tmp_path: object,
) -> None:  # fmt: skip
    for name, value in {
        "ZOOM_ACCOUNT_ID": fakes.ACCOUNT_ID,
        "ZOOM_CLIENT_ID": fakes.CLIENT_ID,
        "ZOOM_CLIENT_SECRET": fakes.CLIENT_SECRET,
        "ZOOM_USER_ID": fakes.ZOOM_USER,
        "SLACK_WEBHOOK_URL": fakes.WEBHOOK_URL,
    }.items():
        monkeypatch.setenv(name, value)

    code = main(["check", "--env-file", "/nonexistent/.env", "--post-test-message"])
    out = capsys.readouterr().out

    assert code == 0
    assert "Checking the local configuration" in out
    for name in ("zoom token", "slack webhook", "slack post", "template"):
        assert line(out.splitlines(), "ok", name)
    assert len(slack.channel) == 1


def test_a_deleted_secret(ready: LocalStack, capsys: pytest.CaptureFixture[str]) -> None:
    arn = ready.arns["SlackWebhookSecret"]
    ready.client("secretsmanager").delete_secret(SecretId=arn, ForceDeleteWithoutRecovery=True)

    code, lines, _ = run_check(capsys)

    assert code == 1
    assert line(lines, "FAIL", "slack secret").startswith(
        f"FAIL  slack secret  reading secret {arn}: ResourceNotFoundException"
    )


def test_a_schedule_expression_eventbridge_would_refuse(
    ready: LocalStack, capsys: pytest.CaptureFixture[str]
) -> None:
    _enable_schedule(ready, "cron(0 9 * * MON-FRI *)")

    code, lines, _ = run_check(capsys)

    assert code == 1
    assert line(lines, "FAIL", "schedule").endswith(
        "cron(0 9 * * MON-FRI *): exactly one of day-of-month and day-of-week must be '?'"
    )
    assert fix_after(lines, "FAIL", "schedule").startswith("fix: make deploy (it sets")


def test_a_template_s_own_channel_is_checked_where_notify_meeting_may_read_it(
    ready: LocalStack, capsys: pytest.CaptureFixture[str]
) -> None:
    ready.client("secretsmanager").create_secret(
        Name="zoom-notifier/team-a/webhook", SecretString=fakes.WEBHOOK_URL
    )
    for name, secret in (
        ("team-a", "zoom-notifier/team-a/webhook"),
        ("team-b", "zoom-notifier/team-b/webhook"),  # never created
        ("team-c", "payroll/webhook"),  # outside the prefix
    ):
        fakes.put_stack_template(
            ready,
            {**fakes.TEMPLATE, "notifier": {"slack": {"webhook_secret": secret}}},
            name=name,
        )

    code, lines, _ = run_check(capsys)

    assert code == 1
    channels = [text for text in lines if text[6:19].strip() == "team channel"]
    assert (
        channels[0] == "ok    team channel  zoom-notifier/team-a/webhook: an Incoming Webhook URL"
    )
    assert channels[1].startswith("FAIL  team channel  zoom-notifier/team-b/webhook: ")
    assert channels[2] == (
        "FAIL  team channel  payroll/webhook is not named under TeamSecretsPrefix "
        "'zoom-notifier/': NotifyMeeting may not read it"
    )
    assert fakes.WEBHOOK_URL not in "\n".join(lines)  # a webhook URL is a secret


@pytest.fixture
def app_stack(
    local_aws: LocalAws, zoom: ZoomModel, monkeypatch: pytest.MonkeyPatch
) -> Iterator[LocalStack]:
    """The local stack in Slack app mode, its functions' environment applied, Zoom up, its
    inbound function served on loopback at the stack's SlashCommandUrl."""
    del zoom
    with served_app_stack(local_aws, monkeypatch) as (stack, _):
        yield stack


def test_in_slack_app_mode_the_bot_token_is_checked_instead_of_the_webhook(
    app_stack: LocalStack, capsys: pytest.CaptureFixture[str]
) -> None:
    code, lines, _ = run_check(capsys)

    assert line(lines, "ok", "slack app").endswith(
        f"a bot token; posts to channel {fakes.SLACK_APP_CHANNEL} (invite the app there)"
    )
    assert not [text for text in lines if "slack secret" in text]  # the webhook is not needed
    assert fakes.SLACK_BOT_TOKEN not in "\n".join(lines)
    assert fakes.SLACK_SIGNING_SECRET not in "\n".join(lines)
    assert line(lines, "ok", "slash command").endswith(
        "/slack/commands answers signed commands (the Request URL of /standup in the app's "
        "manifest)"
    )
    assert code == 0

    arn = app_stack.physical_ids["SlackBotTokenSecret"]
    app_stack.client("secretsmanager").put_secret_value(SecretId=arn, SecretString="REPLACE_ME")
    code, lines, _ = run_check(capsys)

    assert code == 1
    assert "still holds a placeholder" in line(lines, "FAIL", "slack app")
    assert fix_after(lines, "FAIL", "slack app").startswith(
        f"fix: aws secretsmanager put-secret-value --secret-id {arn}"
    )


def test_a_function_that_cannot_start_fails_the_check_with_the_fix(
    ready: LocalStack, capsys: pytest.CaptureFixture[str]
) -> None:
    # A MeetingTimezone one letter off: CloudFormation deployed it; every tick would fail.
    lambda_client = ready.client("lambda")
    name = "zoom-notifier-dispatch"
    variables = lambda_client.get_function_configuration(FunctionName=name)["Environment"]
    lambda_client.update_function_configuration(
        FunctionName=name,
        Environment={"Variables": variables["Variables"] | {"MEETING_TIMEZONE": "Europe/Pariss"}},
    )

    code, lines, _ = run_check(capsys)

    assert code == 1
    failed = line(lines, "FAIL", "functions")
    assert "zoom-notifier-dispatch cannot start" in failed
    assert "MEETING_TIMEZONE: unknown IANA time zone 'Europe/Pariss'" in failed
    assert "make deploy PARAMETERS=" in fix_after(lines, "FAIL", "functions")


def test_an_object_the_dispatcher_never_starts_fails_the_check_with_the_rename(
    ready: LocalStack, capsys: pytest.CaptureFixture[str]
) -> None:
    fakes.put_stack_template(ready, fakes.TEMPLATE, name="Team Paris copy")
    fakes.put_stack_template(ready, fakes.TEMPLATE, name="sub/deep")

    code, lines, _ = run_check(capsys)

    assert code == 1
    failed = [text for text in lines if text.startswith("FAIL  template")]
    assert [text.split()[2] for text in failed] == [
        "s3://zoom-notifier-templates/templates/Team",
        "s3://zoom-notifier-templates/templates/sub/deep.json",
    ]
    assert "is never started: a template's name is letters, digits" in failed[0]
    fixes = [lines[lines.index(text) + 1].strip() for text in failed]
    assert fixes == [
        "fix: aws s3 mv 's3://zoom-notifier-templates/templates/Team Paris copy.json' "
        "s3://zoom-notifier-templates/templates/Team-Paris-copy.json",
        "fix: aws s3 mv 's3://zoom-notifier-templates/templates/sub/deep.json' "
        "s3://zoom-notifier-templates/templates/sub-deep.json",
    ]
    assert "default.json" in line(lines, "ok", "template")  # the real one still passes


@pytest.mark.usefixtures("app_stack")
def test_in_slack_app_mode_the_test_message_goes_through_the_app(
    http: aioresponses, capsys: pytest.CaptureFixture[str]
) -> None:
    workspace = SlackApiModel(token=fakes.SLACK_BOT_TOKEN, channels={fakes.SLACK_APP_CHANNEL: []})
    mount_slack_api(workspace, http, base_url=SLACK_API_URL)

    code, lines, _ = run_check(capsys, "--post-test-message")

    assert code == 0, lines
    assert line(lines, "ok", "slack post")
    (posted,) = workspace.channels[fakes.SLACK_APP_CHANNEL]
    assert posted["text"] == "zoom-notifier check: this channel will get the daily meeting."

    workspace.scripts["chat.postMessage"].set(slack_error("not_in_channel"))
    code, lines, _ = run_check(capsys, "--post-test-message")

    assert code == 1
    assert f"Invite the app to channel {fakes.SLACK_APP_CHANNEL}" in line(
        lines, "FAIL", "slack post"
    )


def test_a_slack_that_cannot_be_reached_is_not_told_to_make_a_new_webhook(
    ready: LocalStack, slack: SlackModel, capsys: pytest.CaptureFixture[str]
) -> None:
    slack.script.set(REFUSED)

    code, lines, _ = run_check(capsys, "--post-test-message")

    assert code == 1
    assert "Slack could not be reached" in line(lines, "FAIL", "slack post")
    assert "network" in fix_after(lines, "FAIL", "slack post")
    assert "webhook" not in fix_after(lines, "FAIL", "slack post").lower()


def test_in_slack_app_mode_the_signing_secret_and_the_slash_command_url_are_checked(
    app_stack: LocalStack, capsys: pytest.CaptureFixture[str]
) -> None:
    arn = app_stack.physical_ids["SlackSigningSecret"]
    secrets = app_stack.client("secretsmanager")
    code, lines, _ = run_check(capsys)  # the function read the secret, and keeps it a while
    assert code == 0

    # A well-formed secret that is not the one the function holds: the signed request is
    # refused, and the check says so instead of passing on the secret's shape alone.
    secrets.put_secret_value(SecretId=arn, SecretString="0123456789abcdef0123456789abcdef")
    code, lines, _ = run_check(capsys)

    assert code == 1
    assert "refused a command signed with the stored secret (401)" in line(
        lines, "FAIL", "slash command"
    )
    assert "0123456789abcdef" not in "\n".join(lines)

    secrets.put_secret_value(SecretId=arn, SecretString="REPLACE_ME")
    code, lines, _ = run_check(capsys)

    assert code == 1
    assert "still holds a placeholder, not the app's signing secret" in line(
        lines, "FAIL", "slash command"
    )
    assert fix_after(lines, "FAIL", "slash command").startswith(
        f"fix: aws secretsmanager put-secret-value --secret-id {arn}"
    )


def test_in_slack_app_mode_zoom_s_events_are_checked_with_a_signed_url_validation(
    app_stack: LocalStack, capsys: pytest.CaptureFixture[str]
) -> None:
    arn = app_stack.physical_ids["ZoomWebhookSecret"]
    secrets = app_stack.client("secretsmanager")

    code, lines, _ = run_check(capsys)

    assert code == 0
    assert line(lines, "ok", "zoom events").endswith(
        "/zoom/events answers Zoom's URL validation (the app's event notification endpoint URL)"
    )
    assert fakes.ZOOM_SECRET_TOKEN not in "\n".join(lines)

    # Not set up: optional, so a warning with the command that sets it up, and the check passes.
    secrets.put_secret_value(SecretId=arn, SecretString="REPLACE_ME with the secret token")
    code, lines, _ = run_check(capsys)

    assert code == 0
    assert "not set up" in line(lines, "warn", "zoom events")
    assert fix_after(lines, "warn", "zoom events").startswith(
        f"fix: aws secretsmanager put-secret-value --secret-id {arn}"
    )
