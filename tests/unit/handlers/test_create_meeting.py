"""CreateMeeting through its Lambda entry point: real moto, Zoom mocked at the HTTP level."""

from __future__ import annotations

import asyncio
import json
import threading
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from aioresponses import aioresponses

from tests.support import fakes
from zoom_notifier.domain.models import ExecutionInput
from zoom_notifier.errors import (
    DeadlineExceeded,
    InvalidMeetingTemplate,
    MeetingCreationInProgress,
    ZoomRateLimited,
    ZoomUnavailable,
)
from zoom_notifier.handlers.create_meeting import create_meeting, handler
from zoom_notifier.local.faults import TIMEOUT_BEFORE, Fault, answer
from zoom_notifier.local.zoom_model import ZoomModel
from zoom_notifier.runtime.config import CreateSettings, load_settings
from zoom_notifier.runtime.connections import open_connections
from zoom_notifier.runtime.deadline import SAFETY_MARGIN_SECONDS
from zoom_notifier.runtime.lambda_runtime import Invocation

DAY = "2026-11-27"


def invoke(event: Any) -> dict[str, Any]:
    """What Step Functions records of one invocation: its result, or the name and cause of the
    permanent error it raised (no retrier matches those: the task fails at once)."""
    return fakes.recorded(handler, event)


@pytest.mark.usefixtures("env")
def test_creates_the_meeting_records_it_and_returns_created(
    http: aioresponses, zoom: ZoomModel, aws_resources: fakes.AwsResources
) -> None:

    result = invoke({"date": DAY, "execution_arn": fakes.EXECUTION_ARN})

    assert result == {
        "outcome": "created",
        "date": DAY,
        "template": "default",
        "meeting_id": fakes.MEETING_ID,
        "join_url": fakes.JOIN_URL,
        "topic": "Daily stand-up 2026-11-27",
        "start_time": "2026-11-27T08:30:00Z",
    }
    item = aws_resources.item(DAY)
    assert item is not None
    assert item["status"] == "created"
    assert int(item["meeting_id"]) == fakes.MEETING_ID
    assert item["execution"] == fakes.EXECUTION_ARN
    assert "claim_owner" not in item
    (create,) = fakes.calls(http, "POST", fakes.CREATE_URL)
    assert zoom.create_requests == [create.kwargs["json"]]
    assert create.kwargs["json"] == {
        "topic": "Daily stand-up 2026-11-27",
        "type": 2,
        "start_time": "2026-11-27T09:30:00",
        "duration": 15,
        "timezone": "Europe/Paris",
        "password": fakes.PASSWORD,
        "agenda": "Stand-up of 2026-11-27",
        "settings": {"join_before_host": True, "waiting_room": False},
    }
    assert create.kwargs["headers"]["Authorization"] == f"Bearer {fakes.ACCESS_TOKEN}"
    (token,) = fakes.calls(http, "POST", fakes.TOKEN_URL)
    assert token.kwargs["params"] == {
        "grant_type": "account_credentials",
        "account_id": fakes.ACCOUNT_ID,
    }
    assert token.kwargs["auth"].login == fakes.CLIENT_ID


@pytest.mark.usefixtures("env")
def test_second_create_for_the_same_date_returns_existing_without_a_new_meeting(
    zoom: ZoomModel,
) -> None:

    first = invoke({"date": DAY})
    second = invoke({"date": DAY})

    assert first["outcome"] == "created"
    assert second["outcome"] == "existing"
    assert second["meeting_id"] == first["meeting_id"]
    assert zoom.create_calls == 1


@pytest.mark.usefixtures("env")
@pytest.mark.parametrize(
    "gone",
    [
        # Zoom's documented answer for a deleted meeting, and the 400 some accounts get.
        None,
        answer(400, {"code": 3001, "message": "Meeting does not exist."}),
    ],
)
def test_a_recorded_meeting_deleted_at_zoom_is_created_again_and_replaced(
    zoom: ZoomModel, aws_resources: fakes.AwsResources, gone: Fault | None
) -> None:
    invoke({"date": DAY})
    zoom.delete(fakes.MEETING_ID)
    if gone is not None:
        zoom.lookup.set(gone)

    result = invoke({"date": DAY})

    (replacement,) = zoom.meetings
    assert result["outcome"] == "created"
    assert result["meeting_id"] == replacement != fakes.MEETING_ID
    item = aws_resources.item(DAY)
    assert item is not None
    assert (item["status"], int(item["meeting_id"])) == ("created", replacement)
    assert zoom.create_calls == 2


@pytest.mark.usefixtures("env")
@pytest.mark.parametrize(
    ("event", "expected_date"),
    [
        # 23:30 UTC is already the next day in Paris (MEETING_TIMEZONE).
        ({"scheduled_time": "2026-11-27T23:30:00Z"}, "2026-11-28"),
        ({"scheduled_time": "2026-11-27T08:00:00+00:00"}, "2026-11-27"),
        ({"date": "2026-12-01", "scheduled_time": "2026-11-27T08:00:00Z"}, "2026-12-01"),
    ],
)
def test_the_meeting_date_comes_from_the_input_in_the_meeting_timezone(
    zoom: ZoomModel, event: dict[str, str], expected_date: str
) -> None:
    result = invoke(event)

    assert result["date"] == expected_date
    (create,) = zoom.create_requests
    assert create["start_time"] == f"{expected_date}T09:30:00"


@pytest.mark.usefixtures("env")
@pytest.mark.usefixtures("zoom")
def test_without_a_date_the_meeting_is_today_in_the_meeting_timezone() -> None:

    before = datetime.now(ZoneInfo("Europe/Paris")).date().isoformat()

    result = invoke({})

    after = datetime.now(ZoneInfo("Europe/Paris")).date().isoformat()
    assert result["date"] in {before, after}


@pytest.mark.usefixtures("env")
def test_a_named_template_is_read_from_its_own_object(
    zoom: ZoomModel, aws_resources: fakes.AwsResources
) -> None:
    aws_resources.put_template({"topic": "Retro {date}", "start_time": "16:00"}, name="retro")

    result = invoke({"date": DAY, "template": "retro"})

    assert result["template"] == "retro"
    (create,) = zoom.create_requests
    assert create["topic"] == "Retro 2026-11-27"
    assert aws_resources.item(DAY, "retro") is not None


@pytest.mark.usefixtures("env")
@pytest.mark.parametrize(
    ("template", "expected"),
    [
        ({"topic": "x" * 201}, "field 'topic': must have at most 200 characters"),
        ({"topic": "ok", "duration": 0}, "field 'duration'"),
        ({"topic": "ok", "password": "bad pass!"}, "field 'password'"),
        ({"topic": "ok", "password": "12345678901"}, "field 'password'"),
        ({"topic": "ok", "timezone": "Mars/Olympus"}, "'Mars/Olympus' is not an IANA time zone"),
        ({"topic": "ok", "start_time": "9.30"}, "field 'start_time'"),
        ({"topic": "ok", "agenda": "a" * 2001}, "field 'agenda'"),
        ({"topic": "ok", "type": 7}, "field 'type'"),
        ({"duration": 30}, "field 'topic': is required"),
        (["not", "an", "object"], "must be a JSON object, not a list"),
        (b'{"topic": "ok",\n  "duration": 30,,}', "not valid JSON: Expecting property name"),
        (b"\xff\xfe", "is not UTF-8 text"),
        # 196 chars + "{date}" resolves to 206 characters.
        (
            {"topic": "t" * 194 + "{date}", "start_time": "09:30"},
            "resolved for 2026-11-27: field 'topic'",
        ),
    ],
)
def test_an_invalid_template_fails_permanently_naming_the_problem_without_calling_zoom(
    zoom: ZoomModel,
    aws_resources: fakes.AwsResources,
    template: Any,
    expected: str,
    capsys: pytest.CaptureFixture[str],
) -> None:
    aws_resources.put_template(template)

    with pytest.raises(InvalidMeetingTemplate) as raised:
        handler({"date": DAY}, fakes.FakeContext())

    cause = str(raised.value)
    assert cause.startswith("CreateMeeting: ")  # the failure report names the step from it
    assert expected in cause
    if "resolved" not in expected:
        assert "s3://zoom-notifier-templates/templates/default.json" in cause
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    (failed,) = [line for line in lines if line["message"] == "step failed permanently"]
    assert (failed["date"], failed["template"], failed["error"]) == (
        DAY,
        "default",
        "InvalidMeetingTemplate",
    )
    assert zoom.create_calls == 0
    assert aws_resources.item(DAY) is None


@pytest.mark.usefixtures("env", "zoom")
def test_invalid_json_is_reported_with_line_and_column(
    aws_resources: fakes.AwsResources,
) -> None:
    aws_resources.put_template(b'{\n  "topic": "x"\n  "type": 2\n}')

    result = invoke({"date": DAY})

    assert "at line 3 column 3" in result["cause"]


@pytest.mark.usefixtures("env")
@pytest.mark.usefixtures("zoom")
def test_a_missing_template_object_is_template_not_found() -> None:

    result = invoke({"date": DAY, "template": "weekly"})

    assert result["error"] == "TemplateNotFound"
    assert "s3://zoom-notifier-templates/templates/weekly.json" in result["cause"]


@pytest.mark.usefixtures("env")
@pytest.mark.usefixtures("zoom")
def test_a_missing_bucket_is_template_not_found(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TEMPLATE_BUCKET", "no-such-bucket")

    result = invoke({"date": DAY})

    assert result["error"] == "TemplateNotFound"
    assert "NoSuchBucket" in result["cause"]


@pytest.mark.usefixtures("env")
@pytest.mark.usefixtures("zoom")
def test_a_named_template_without_a_placeholder_in_template_key_is_not_found(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("TEMPLATE_KEY", "templates/default.json")

    result = invoke({"date": DAY, "template": "retro"})

    assert result["error"] == "TemplateNotFound"
    assert "no {template} placeholder" in result["cause"]


@pytest.mark.usefixtures("env")
@pytest.mark.parametrize(
    ("code", "message", "status"),
    [(300, "Invalid start_time.", 400), (1001, "User does not exist.", 404)],
)
def test_a_zoom_rejection_fails_permanently_with_zoom_code_and_frees_the_day(
    zoom: ZoomModel, aws_resources: fakes.AwsResources, code: int, message: str, status: int
) -> None:
    zoom.create.set(answer(status, {"code": code, "message": message}))

    result = invoke({"date": DAY})

    assert result["outcome"] == "failed"
    assert result["error"] == "ZoomRequestRejected"
    assert f"code {code}" not in result["cause"]  # rendered as "HTTP 400, 300: message"
    assert str(code) in result["cause"]
    assert message in result["cause"]
    # The claim is released: a rerun after the fix need not wait for it to expire.
    assert aws_resources.item(DAY) is None


@pytest.mark.usefixtures("env")
@pytest.mark.parametrize(
    ("fault", "text"),
    [
        (answer(429, {}, {"Retry-After": "7"}), "7s"),
        (answer(429, {"code": 429, "message": "Too many"}, {"X-RateLimit-Type": "QPS"}), "429"),
    ],
)
def test_a_per_second_429_is_retried_with_the_day_released_and_no_lookup(
    http: aioresponses,
    zoom: ZoomModel,
    aws_resources: fakes.AwsResources,
    fault: Fault,
    text: str,
) -> None:
    zoom.create.set(fault)

    with pytest.raises(Exception) as raised:  # noqa: PT011 - the class name is the assertion
        invoke({"date": DAY, "execution_arn": fakes.EXECUTION_ARN})

    assert type(raised.value).__name__ == "ZoomRateLimited"
    assert text in str(raised.value)
    # Zoom's rate limiter turned the request away: nothing was created, the day is free.
    assert aws_resources.item(DAY) is None
    assert invoke({"date": DAY, "execution_arn": fakes.EXECUTION_ARN})["outcome"] == "created"
    assert fakes.calls(http, "GET", fakes.LIST_URL) == []  # the retry looked nothing up


@pytest.mark.usefixtures("env")
@pytest.mark.parametrize(
    ("fault", "error", "text"),
    [
        (answer(500, "oops"), "ZoomUnavailable", "HTTP 500"),
        (answer(503, ""), "ZoomUnavailable", "HTTP 503"),
        (TIMEOUT_BEFORE, "ZoomUnavailable", "in time"),
    ],
)
def test_transient_zoom_failures_are_raised_under_their_step_functions_name(
    http: aioresponses,
    zoom: ZoomModel,
    aws_resources: fakes.AwsResources,
    fault: Fault,
    error: str,
    text: str,
) -> None:
    zoom.create.set(fault)

    with pytest.raises(Exception) as raised:  # noqa: PT011 - the class name is the assertion
        invoke({"date": DAY, "execution_arn": fakes.EXECUTION_ARN})

    assert type(raised.value).__name__ == error
    assert text in str(raised.value)
    # The claim stays with this execution, whose retry takes it straight back.
    item = aws_resources.item(DAY)
    assert item is not None
    assert (item["status"], item["claim_owner"]) == ("creating", fakes.EXECUTION_ARN)
    assert item["attempt_started_at"]  # the attempt's outcome is unknown: it is remembered
    # The retry looks for a meeting that attempt made: there is none.
    assert invoke({"date": DAY, "execution_arn": fakes.EXECUTION_ARN})["outcome"] == "created"
    assert len(fakes.calls(http, "GET", fakes.LIST_URL)) == 1


@pytest.mark.usefixtures("env")
def test_zoom_rate_limit_keeps_retry_after(zoom: ZoomModel) -> None:
    zoom.create.set(answer(429, {}, {"Retry-After": "12"}))

    with pytest.raises(ZoomRateLimited) as raised:
        invoke({"date": DAY})

    assert raised.value.retry_after == 12.0


@pytest.mark.usefixtures("env")
@pytest.mark.parametrize(
    "fault",
    [
        answer(201, "<html>gateway</html>"),
        answer(201, {"id": "not-a-number", "join_url": "https://zoom.us/j/1"}),
        answer(201, {"id": 1}),
        answer(200, fakes.zoom_meeting()),
    ],
)
def test_a_malformed_success_is_permanent_and_keeps_the_claim(
    zoom: ZoomModel, aws_resources: fakes.AwsResources, fault: Fault
) -> None:
    zoom.create.set(fault)

    result = invoke({"date": DAY})

    assert result["outcome"] == "failed"
    assert result["error"] == "ZoomResponseInvalid"
    assert "check Zoom before rerunning" in result["cause"] or "unexpected HTTP" in result["cause"]
    item = aws_resources.item(DAY)
    assert item is not None
    assert item["status"] == "creating"


@pytest.mark.usefixtures("env")
def test_a_rejected_token_is_renewed_once_and_the_call_retried(
    http: aioresponses, zoom: ZoomModel
) -> None:
    zoom.create.set(answer(401, {"code": 124, "message": "Invalid access token."}))

    result = invoke({"date": DAY})

    assert result["outcome"] == "created"
    assert len(fakes.calls(http, "POST", fakes.TOKEN_URL)) == 2
    assert zoom.create_calls == 2


@pytest.mark.usefixtures("env")
def test_a_token_rejected_twice_is_zoom_auth_failed(zoom: ZoomModel) -> None:
    zoom.create.set(forever=answer(401, {"code": 124, "message": "Invalid access token."}))

    result = invoke({"date": DAY})

    assert result["error"] == "ZoomAuthFailed"
    assert "124" in result["cause"]
    assert zoom.create_calls == 2


@pytest.mark.usefixtures("env")
@pytest.mark.parametrize(
    "fault",
    [
        None,  # the model refuses credentials that are not its app's
        answer(401, {"reason": "Bad credentials", "error": "invalid_client"}),
        answer(200, {"token_type": "bearer"}),
    ],
)
def test_refused_credentials_are_zoom_auth_failed(zoom: ZoomModel, fault: Fault | None) -> None:
    if fault is None:
        zoom.client_secret = "FAKE-another-secret"
    else:
        zoom.token.set(fault)

    result = invoke({"date": DAY})

    assert result["error"] == "ZoomAuthFailed"
    assert zoom.create_calls == 0


@pytest.mark.usefixtures("env")
@pytest.mark.parametrize(
    ("fault", "error"),
    [
        (answer(503, "down"), "ZoomUnavailable"),
        (answer(429, {}), "ZoomRateLimited"),
        (TIMEOUT_BEFORE, "ZoomUnavailable"),
    ],
)
def test_token_endpoint_outages_are_transient(zoom: ZoomModel, fault: Fault, error: str) -> None:
    zoom.token.set(fault)

    with pytest.raises(Exception) as raised:  # noqa: PT011
        invoke({"date": DAY})

    assert type(raised.value).__name__ == error


@pytest.mark.usefixtures("env")
def test_two_creates_in_one_warm_process_fetch_one_token(
    http: aioresponses, zoom: ZoomModel
) -> None:
    invoke({"date": "2026-11-27"})
    invoke({"date": "2026-11-30"})

    assert len(fakes.calls(http, "POST", fakes.TOKEN_URL)) == 1
    assert zoom.create_calls == 2


@pytest.mark.usefixtures("env")
def test_an_expired_token_is_refreshed(http: aioresponses, zoom: ZoomModel) -> None:
    zoom.access_token = None  # a new value for every token
    zoom.expires_in = 0

    invoke({"date": "2026-11-27"})
    zoom.expires_in = 3599
    invoke({"date": "2026-11-30"})

    creates = fakes.calls(http, "POST", fakes.CREATE_URL)
    used = [c.kwargs["headers"]["Authorization"].removeprefix("Bearer ") for c in creates]
    assert len(set(used)) == 2
    assert set(used) == zoom.tokens


@pytest.mark.usefixtures("env")
@pytest.mark.usefixtures("zoom")
def test_the_handler_works_three_times_in_one_warm_process() -> None:
    outcomes = [
        invoke({"date": day})["outcome"] for day in ("2026-11-27", "2026-11-30", "2026-12-01")
    ]

    assert outcomes == ["created", "created", "created"]


@pytest.mark.usefixtures("env")
async def test_five_concurrent_creates_make_one_meeting(
    zoom: ZoomModel, aws_resources: fakes.AwsResources
) -> None:
    settings = load_settings(CreateSettings)

    async def one(n: int) -> str:
        event = {"date": DAY, "execution_arn": f"{fakes.EXECUTION_ARN}-{n}"}
        for _ in range(50):
            try:
                async with open_connections() as io:
                    request = ExecutionInput.model_validate(event)
                    result = await create_meeting(request, settings, Invocation(f"req-{n}"), io)
            except MeetingCreationInProgress:
                await asyncio.sleep(0.05)
            else:
                return result.outcome
        raise AssertionError("never finished")

    outcomes = await asyncio.gather(*(one(n) for n in range(5)))

    assert sorted(outcomes) == ["created", "existing", "existing", "existing", "existing"]
    assert zoom.create_calls == 1
    assert len(aws_resources.items()) == 1


@pytest.mark.usefixtures("env")
def test_a_live_claim_of_another_execution_is_retryable_and_an_expired_one_is_taken(
    zoom: ZoomModel, aws_resources: fakes.AwsResources
) -> None:
    aws_resources.put_claim(DAY, expires_in=60)
    with pytest.raises(MeetingCreationInProgress, match="arn:other-execution"):
        invoke({"date": DAY})
    assert zoom.create_calls == 0

    aws_resources.put_claim(DAY, expires_in=-1)
    assert invoke({"date": DAY})["outcome"] == "created"


@pytest.mark.usefixtures("env")
@pytest.mark.parametrize(
    ("event", "expected"),
    [
        (["a", "list"], "the event must be a JSON object, not a list"),
        ("2026-11-27", "not a string"),
        ({"date": "2026-02-30"}, "'2026-02-30' is not a real calendar date"),
        ({"date": "27/11/2026"}, "field 'date'"),
        ({"scheduled_time": "2026-11-27T09:00:00"}, "field 'scheduled_time'"),
        ({"scheduled_time": "tomorrow"}, "field 'scheduled_time'"),
        ({"date": DAY, "template": "../../etc/passwd"}, "field 'template'"),
    ],
)
def test_a_malformed_event_fails_with_invalid_execution_input(
    http: aioresponses, event: Any, expected: str
) -> None:
    result = invoke(event)

    assert result["error"] == "InvalidExecutionInput"
    assert expected in result["cause"]
    assert http.requests == {}


def test_missing_settings_fail_with_configuration_error_naming_them(
    aws_resources: fakes.AwsResources, monkeypatch: pytest.MonkeyPatch
) -> None:
    del aws_resources
    monkeypatch.setenv("SLACK_WEBHOOK_SECRET", fakes.SLACK_SECRET_ID)
    monkeypatch.setenv("ZOOM_CREDENTIALS_SECRET", fakes.ZOOM_SECRET_ID)

    result = invoke({"date": DAY})

    assert result["error"] == "ConfigurationError"
    for name in ("MEETINGS_TABLE", "TEMPLATE_BUCKET", "TEMPLATE_KEY", "ZOOM_USER_ID"):
        assert name in result["cause"]


@pytest.mark.usefixtures("env")
@pytest.mark.parametrize(
    ("secret", "expected"),
    [
        ("not json", "is not JSON"),
        ('["a"]', "must be a JSON object"),
        (json.dumps({"account_id": "a", "client_id": "b"}), "lacks string field(s): client_secret"),
    ],
)
def test_a_malformed_zoom_secret_is_a_configuration_error(
    http: aioresponses, aws_resources: fakes.AwsResources, secret: str, expected: str
) -> None:
    aws_resources.secretsmanager.put_secret_value(
        SecretId=fakes.ZOOM_SECRET_ID, SecretString=secret
    )

    result = invoke({"date": DAY})

    assert result["error"] == "ConfigurationError"
    assert "ZOOM_CREDENTIALS_SECRET" in result["cause"]
    assert expected in result["cause"]
    assert http.requests == {}


@pytest.mark.usefixtures("env", "zoom")
@pytest.mark.parametrize(
    ("variable", "value", "expected"),
    [
        ("ZOOM_CREDENTIALS_SECRET", "no/such/secret", "ResourceNotFoundException"),
        ("MEETINGS_TABLE", "no-such-table", "ResourceNotFoundException"),
    ],
)
def test_a_setting_naming_a_missing_resource_is_a_configuration_error(
    monkeypatch: pytest.MonkeyPatch, variable: str, value: str, expected: str
) -> None:
    monkeypatch.setenv(variable, value)

    result = invoke({"date": DAY})

    assert result["error"] == "ConfigurationError"
    assert f"{variable}={value!r}" in result["cause"]
    assert expected in result["cause"]


@dataclass
class ShortLivedContext(fakes.FakeContext):
    """A context whose function has little time left (Lambda's remaining-time clock)."""

    remaining_ms: int = 0

    def get_remaining_time_in_millis(self) -> int:
        return self.remaining_ms


@pytest.mark.usefixtures("env")
def test_a_step_that_runs_out_of_time_ends_as_deadline_exceeded_before_lambdas_timeout(
    zoom: ZoomModel, aws_resources: fakes.AwsResources
) -> None:
    release = threading.Event()
    zoom.create.set(("hold", release))  # Zoom is slow
    # Seconds enough for the reads before the call on a loaded machine (else the call is not
    # made at all: "too little time left"), and Zoom answers only after the budget is spent.
    threading.Timer(5.5, release.set).start()
    context = ShortLivedContext(remaining_ms=int((SAFETY_MARGIN_SECONDS + 4) * 1000))

    with pytest.raises(DeadlineExceeded, match="CreateMeeting: the step ran out of time"):
        handler({"date": DAY}, context)

    # The attempt stays marked: the retry adopts the meeting Zoom made meanwhile.
    item = aws_resources.item(DAY)
    assert item is not None
    assert item["attempt_started_at"]
    assert invoke({"date": DAY})["outcome"] == "created"
    assert zoom.create_calls == 1


@pytest.mark.usefixtures("env")
def test_with_too_little_time_left_zoom_is_not_called_at_all(zoom: ZoomModel) -> None:
    context = ShortLivedContext(remaining_ms=int(SAFETY_MARGIN_SECONDS * 1000) + 200)

    # Either the call is not started (too little time) or the step stops before it: both
    # are transient and retried, and nothing ambiguous happened at Zoom.
    with pytest.raises((ZoomUnavailable, DeadlineExceeded)):
        handler({"date": DAY}, context)

    assert zoom.create_calls == 0


def test_fix_the_secret_then_redrive_at_once_reads_the_new_secret(
    zoom: ZoomModel, aws_resources: fakes.AwsResources, env: dict[str, str]
) -> None:
    # The app's secret was rotated in Zoom; the stored one is stale: Zoom refuses it.
    zoom.client_secret = "FAKE-rotated-secret-9a1b"
    assert invoke({"date": DAY})["error"] == "ZoomAuthFailed"

    # The operator puts the new secret and redrives a minute later, in the same warm container
    # (whose cache would keep the old value for 300 s): the new value is read.
    aws_resources.secretsmanager.put_secret_value(
        SecretId=fakes.ZOOM_SECRET_ID,
        SecretString=json.dumps(
            {"account_id": fakes.ACCOUNT_ID, "client_id": fakes.CLIENT_ID,
             "client_secret": "FAKE-rotated-secret-9a1b"}
        ),
    )  # fmt: skip
    result = invoke({"date": DAY})

    assert result["outcome"] == "created"
    assert zoom.create_calls == 1
