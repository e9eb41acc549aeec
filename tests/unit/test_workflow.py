"""The three steps as plain logic, over in-memory collaborators: no moto, no HTTP.

The handler tests prove the wiring to the real clients; these prove the decisions.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from tests.support import fakes
from tests.support.memory import (
    MemoryReporter,
    MemoryStateMachine,
    MemoryStore,
    MemoryTemplates,
    ModelApp,
    ModelSlack,
    ModelZoom,
)
from zoom_notifier import workflow
from zoom_notifier.domain.models import (
    CreateResult,
    DispatchInput,
    ExecutionInput,
    MeetingKey,
    NotifyInput,
    SkippedResult,
    SnsEvent,
)
from zoom_notifier.errors import (
    AnnouncementUncertain,
    InvalidMeetingTemplate,
    MeetingCreationInProgress,
    MeetingNotFound,
    SlackUnavailable,
    SlackWebhookRejected,
    ZoomDailyLimitReached,
    ZoomMeetingMisplaced,
    ZoomRequestRejected,
    ZoomResponseInvalid,
    ZoomUnavailable,
)
from zoom_notifier.local.faults import (
    GARBAGE_AFTER,
    REFUSED,
    TIMEOUT_AFTER,
    TIMEOUT_BEFORE,
    Fault,
    answer,
    answer_after,
)
from zoom_notifier.local.slack_api_model import SlackApiModel
from zoom_notifier.local.slack_model import SlackModel
from zoom_notifier.local.sns import lambda_event, notification
from zoom_notifier.local.zoom_model import ZoomModel

DAY = "2026-11-27"
KEY = MeetingKey(date=DAY, template="default")
NOW = datetime(2026, 11, 27, 7, 0, tzinfo=UTC)
OWNER = "arn:execution-a"


def clock() -> datetime:
    return NOW


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


async def create(
    templates: MemoryTemplates, store: MemoryStore, zoom: ZoomModel, owner: str = OWNER
) -> CreateResult:
    result = await create_on(DAY, templates, store, zoom, owner)
    assert isinstance(result, CreateResult), result
    return result


async def create_on(
    day: str, templates: MemoryTemplates, store: MemoryStore, zoom: ZoomModel, owner: str = OWNER
) -> CreateResult | SkippedResult:
    return await workflow.create_meeting(
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
    result = await workflow.notify_meeting(
        NotifyInput(date=DAY), store=store, slack=ModelSlack(slack), owner=owner, now=clock
    )
    return result.outcome


# --- create_meeting ------------------------------------------------------------------------


def _with_notifier(**notifier: Any) -> MemoryTemplates:
    return MemoryTemplates(
        {"default": json.dumps({**fakes.TEMPLATE, "notifier": notifier}).encode()}
    )


FRENCH_WEEKDAYS = _with_notifier(
    days=["MON", "TUE", "WED", "THU", "FRI"],
    holidays={"country": "FR", "extra": ["2026-12-24"], "working": ["2026-12-26"]},
)


@pytest.mark.parametrize(
    ("day", "reason"),
    [
        ("2026-12-25", "Christmas Day (FR)"),
        ("2026-12-24", "closed (FR)"),
        ("2026-11-28", "not a meeting day (SAT)"),
    ],
)
async def test_a_day_off_creates_nothing_and_never_calls_zoom(
    store: MemoryStore, zoom: ZoomModel, day: str, reason: str
) -> None:
    first = await create_on(day, FRENCH_WEEKDAYS, store, zoom)
    again = await create_on(day, FRENCH_WEEKDAYS, store, zoom)

    expected = SkippedResult(date=day, template="default", reason=reason)
    assert first == again == expected
    assert (zoom.create_calls, zoom.tokens) == (0, set())  # not even a token
    assert await store.get(MeetingKey(date=day, template="default")) is None


async def test_a_working_date_is_a_meeting_day_whatever_the_weekday(
    store: MemoryStore, zoom: ZoomModel
) -> None:
    result = await create_on("2026-12-26", FRENCH_WEEKDAYS, store, zoom)

    assert result.outcome == "created"


async def test_a_day_already_created_stays_created_when_the_calendar_changes(
    templates: MemoryTemplates, store: MemoryStore, zoom: ZoomModel
) -> None:
    await create(templates, store, zoom)
    closed = _with_notifier(holidays={"country": "FR", "extra": [DAY]})

    result = await create_on(DAY, closed, store, zoom)

    assert result.outcome == "existing"


async def test_the_template_s_host_is_the_meeting_s_host(
    store: MemoryStore, zoom: ZoomModel
) -> None:
    result = await create_on(DAY, _with_notifier(zoom_user_id="team-b@example.com"), store, zoom)

    assert isinstance(result, CreateResult)
    assert zoom.meetings[result.meeting_id]["host_email"] == "team-b@example.com"
    assert "notifier" not in zoom.create_requests[0]


async def test_create_makes_the_meeting_and_records_it(
    templates: MemoryTemplates, store: MemoryStore, zoom: ZoomModel
) -> None:
    result = await create(templates, store, zoom)

    assert (result.outcome, result.meeting_id) == ("created", fakes.MEETING_ID)
    assert result.start_time == "2026-11-27T08:30:00Z"
    (request,) = zoom.create_requests
    assert (request["topic"], request["start_time"]) == (f"Daily stand-up {DAY}", f"{DAY}T09:30:00")
    record = await store.get(KEY)
    assert record is not None
    assert (record.status, record.meeting_id, record.execution) == (
        "created",
        fakes.MEETING_ID,
        OWNER,
    )


async def test_a_first_create_claims_with_its_marker_and_looks_for_no_earlier_meeting(
    templates: MemoryTemplates,
    store: MemoryStore,
    zoom: ZoomModel,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    zoom.listing.set(forever=answer(500, ""))  # List Meetings must not be needed
    seen: list[int | None] = []
    create_meeting = ModelZoom.create_meeting

    async def observed(self: ModelZoom, user_id: str, body: dict[str, Any]) -> Any:
        record = await store.get(KEY)
        seen.append(None if record is None else record.attempt_started_at)
        return await create_meeting(self, user_id, body)

    monkeypatch.setattr(ModelZoom, "create_meeting", observed)
    result = await create(templates, store, zoom)

    assert result.outcome == "created"
    assert seen == [int(NOW.timestamp())]  # the marker was on the item when Zoom was called


async def test_a_second_create_reuses_the_recorded_meeting(
    templates: MemoryTemplates, store: MemoryStore, zoom: ZoomModel
) -> None:
    await create(templates, store, zoom)

    again = await create(templates, store, zoom, owner="arn:execution-b")

    assert (again.outcome, again.meeting_id) == ("existing", fakes.MEETING_ID)
    assert zoom.create_calls == 1


async def test_a_meeting_deleted_at_zoom_is_created_again(
    templates: MemoryTemplates, store: MemoryStore, zoom: ZoomModel
) -> None:
    await create(templates, store, zoom)
    zoom.delete(fakes.MEETING_ID)

    again = await create(templates, store, zoom, owner="arn:execution-b")

    (replacement,) = zoom.meetings
    assert (again.outcome, again.meeting_id) == ("created", replacement)
    record = await store.get(KEY)
    assert record is not None
    assert record.meeting_id == replacement


async def test_an_invalid_template_fails_before_any_claim_or_zoom_call(
    store: MemoryStore, zoom: ZoomModel
) -> None:
    broken = MemoryTemplates({"default": b'{"topic": "t", "duration": 0}'})

    with pytest.raises(InvalidMeetingTemplate, match="duration"):
        await create(broken, store, zoom)

    assert store.items == {}
    assert zoom.create_calls == 0


async def test_a_zoom_rejection_releases_the_day(
    templates: MemoryTemplates, store: MemoryStore, zoom: ZoomModel
) -> None:
    zoom.create.set(answer(400, {"code": 300, "message": "Invalid start_time."}))

    with pytest.raises(ZoomRequestRejected, match="300"):
        await create(templates, store, zoom)

    assert store.items == {}


@pytest.mark.parametrize("fault", [TIMEOUT_BEFORE, answer(503, "")])
async def test_a_transient_zoom_failure_keeps_the_claim_and_marks_the_attempt(
    templates: MemoryTemplates, store: MemoryStore, zoom: ZoomModel, fault: Fault
) -> None:
    zoom.create.set(fault)

    with pytest.raises(ZoomUnavailable):
        await create(templates, store, zoom)

    record = await store.get(KEY)
    assert record is not None
    assert (record.status, record.claim_owner) == ("creating", OWNER)
    assert record.attempt_started_at == int(NOW.timestamp())
    # The retry of the same execution finds no meeting that attempt made, and creates one.
    assert (await create(templates, store, zoom)).outcome == "created"
    assert len(zoom.meetings) == 1


@pytest.mark.parametrize(
    ("fault", "error"), [(TIMEOUT_AFTER, ZoomUnavailable), (GARBAGE_AFTER, ZoomResponseInvalid)]
)
async def test_a_meeting_created_behind_an_unreadable_answer_is_adopted_not_duplicated(
    templates: MemoryTemplates,
    store: MemoryStore,
    zoom: ZoomModel,
    fault: Fault,
    error: type[Exception],
) -> None:
    zoom.create.set(fault)
    with pytest.raises(error):
        await create(templates, store, zoom)

    result = await create(templates, store, zoom)

    assert (result.outcome, result.meeting_id) == ("created", fakes.MEETING_ID)
    assert zoom.create_calls == 1
    assert len(zoom.meetings) == 1


async def test_a_live_claim_of_another_execution_waits_without_calling_zoom(
    templates: MemoryTemplates, store: MemoryStore, zoom: ZoomModel
) -> None:
    await store.claim(KEY, "arn:execution-b", NOW)

    with pytest.raises(MeetingCreationInProgress, match="execution-b"):
        await create(templates, store, zoom)

    assert zoom.create_calls == 0


async def test_an_expired_claim_of_a_dead_execution_is_taken_over(
    templates: MemoryTemplates, store: MemoryStore, zoom: ZoomModel
) -> None:
    await store.claim(KEY, "arn:execution-b", NOW - timedelta(hours=1))

    assert (await create(templates, store, zoom)).outcome == "created"


async def test_a_meeting_zoom_put_in_another_zone_is_reported_and_never_recorded(
    templates: MemoryTemplates, store: MemoryStore, zoom: ZoomModel
) -> None:
    zoom.known_timezones = frozenset({"UTC"})  # Zoom falls back to the account's zone

    with pytest.raises(ZoomMeetingMisplaced, match=f"Delete meeting {fakes.MEETING_ID}"):
        await create(templates, store, zoom)

    assert store.items == {}  # released: a rerun after the fix creates the right meeting


async def test_the_daily_limit_releases_the_day(
    templates: MemoryTemplates, store: MemoryStore, zoom: ZoomModel
) -> None:
    zoom.create.set(
        answer(429, {"code": 429, "message": "You have exceeded the daily rate limit (100)"})
    )

    with pytest.raises(ZoomDailyLimitReached):
        await create(templates, store, zoom)

    assert store.items == {}


# --- notify_meeting ------------------------------------------------------------------------


@pytest.fixture
async def created(templates: MemoryTemplates, store: MemoryStore, zoom: ZoomModel) -> None:
    await create(templates, store, zoom)


@pytest.mark.usefixtures("created")
async def test_notify_posts_once_and_marks_the_meeting_notified(
    store: MemoryStore, slack: SlackModel
) -> None:
    assert await notify(store, slack) == "notified"
    assert await notify(store, slack, owner="arn:execution-b") == "already_notified"

    (announcement,) = slack.announcements
    assert fakes.JOIN_URL in json.dumps(announcement)
    record = await store.get(KEY)
    assert record is not None
    assert (record.status, record.notified_at) == ("notified", NOW.isoformat())


async def test_notify_without_a_recorded_meeting_is_meeting_not_found(
    store: MemoryStore, slack: SlackModel
) -> None:
    with pytest.raises(MeetingNotFound):
        await notify(store, slack)


async def test_notify_while_the_meeting_is_being_created_waits(
    store: MemoryStore, slack: SlackModel
) -> None:
    await store.claim(KEY, OWNER, NOW)

    with pytest.raises(MeetingCreationInProgress):
        await notify(store, slack)

    assert slack.attempts == 0


@pytest.mark.usefixtures("created")
async def test_a_rejected_post_releases_the_announcement_for_a_rerun(
    store: MemoryStore, slack: SlackModel
) -> None:
    slack.script.set(answer(410, "channel_is_archived"))

    with pytest.raises(SlackWebhookRejected):
        await notify(store, slack)
    record = await store.get(KEY)
    assert record is not None
    assert (record.status, record.notify_owner, record.notify_attempt_started_at) == (
        "created",
        None,
        None,
    )

    assert await notify(store, slack, owner="arn:execution-b") == "notified"


@pytest.mark.usefixtures("created")
@pytest.mark.parametrize("fault", [REFUSED, answer(503, "")])
async def test_a_post_that_surely_did_not_leave_is_retried(
    store: MemoryStore, slack: SlackModel, fault: Fault
) -> None:
    slack.script.set(fault)

    with pytest.raises(SlackUnavailable):
        await notify(store, slack)

    assert await notify(store, slack) == "notified"
    assert len(slack.announcements) == 1


@pytest.mark.usefixtures("created")
async def test_a_post_that_may_have_arrived_is_never_repeated(
    store: MemoryStore, slack: SlackModel
) -> None:
    slack.script.set(TIMEOUT_AFTER)
    with pytest.raises(SlackUnavailable):
        await notify(store, slack)

    with pytest.raises(AnnouncementUncertain, match="`zoom-notifier repost` announces it"):
        await notify(store, slack)

    assert slack.attempts == 1
    assert len(slack.announcements) == 1  # Slack had it: the timeout came after


# --- notify_failure ------------------------------------------------------------------------


def _failure_event(*errors: str) -> SnsEvent:
    messages = [
        json.dumps(
            {
                "execution_arn": fakes.EXECUTION_ARN,
                "state": "CreateMeeting",
                "error": error,
                "cause": "because",
                "date": DAY,
                "template": "default",
            }
        )
        for error in errors
    ]
    return SnsEvent.model_validate(lambda_event(*(notification(m) for m in messages)))


async def report(slack: SlackModel, *errors: str) -> int:
    """Run notify_failure on one SNS event holding a failure message per error."""
    result = await workflow.notify_failure(
        _failure_event(*errors), slack=ModelSlack(slack), timezone="Europe/Paris"
    )
    return result.posted


async def test_notify_failure_posts_every_message(slack: SlackModel) -> None:
    assert await report(slack, "ZoomUnavailable", "InvalidMeetingTemplate") == 2

    assert len(slack.failure_reports) == 2


async def test_notify_failure_tries_every_message_then_raises_the_first_error(
    slack: SlackModel,
) -> None:
    slack.script.set(answer(404, "channel_not_found"))

    with pytest.raises(SlackWebhookRejected, match="channel_not_found"):
        await report(slack, "ZoomUnavailable", "InvalidMeetingTemplate")

    assert slack.attempts == 2
    assert len(slack.failure_reports) == 1


# --- dispatch --------------------------------------------------------------------------------

TWO_TEAMS = MemoryTemplates(
    {
        "team-paris": json.dumps({**fakes.TEMPLATE, "timezone": "Europe/Paris"}).encode(),
        "team-ny": json.dumps(
            {**fakes.TEMPLATE, "timezone": "America/New_York", "start_time": "09:00"}
        ).encode(),
        "broken": b"{",
    }
)


async def dispatch_at(
    tick: str, machine: MemoryStateMachine, reporter: MemoryReporter, *, now: str | None = None
) -> Any:
    moment = datetime.fromisoformat(now or tick)
    return await workflow.dispatch(
        DispatchInput(scheduled_time=datetime.fromisoformat(tick)),
        catalog=TWO_TEAMS,
        starter=machine,
        reporter=reporter,
        every_minutes=5,
        timezone="Europe/Paris",
        now=lambda: moment,
    )


async def test_a_day_of_ticks_starts_each_template_once_at_its_own_local_time() -> None:
    machine, reporter = MemoryStateMachine(), MemoryReporter()
    tick = datetime(2026, 11, 27, 0, 0, tzinfo=UTC)
    started: dict[str, str] = {}
    for _ in range(24 * 12):
        tick += timedelta(minutes=5)
        result = await dispatch_at(tick.isoformat(), machine, reporter)
        started |= dict.fromkeys(result.started, tick.strftime("%H:%M"))

    # 09:30 Paris (UTC+1) less 15 minutes; 09:00 New York (UTC-5) less 15 minutes; the
    # broken template at the first tick of each day (in MEETING_TIMEZONE), so that its
    # failure is reported once a day.
    assert started == {
        "2026-11-27_broken": "00:05",
        "2026-11-27_team-paris": "08:15",
        "2026-11-27_team-ny": "13:45",
        "2026-11-28_broken": "23:00",
    }
    assert machine.executions["2026-11-27_team-ny"] == {"date": "2026-11-27", "template": "team-ny"}
    assert reporter.reports == []  # every tick ran on time


async def test_a_late_tick_reports_what_it_started_and_a_repeated_one_starts_nothing() -> None:
    machine, reporter = MemoryStateMachine(), MemoryReporter()

    late = await dispatch_at(
        "2026-11-27T08:15:00+00:00", machine, reporter, now="2026-11-27T09:00:00+00:00"
    )
    again = await dispatch_at(
        "2026-11-27T08:15:00+00:00", machine, reporter, now="2026-11-27T09:01:00+00:00"
    )

    assert late.started == ["2026-11-27_team-paris", "2026-11-27_broken"]
    assert late.late_by_seconds == 45 * 60
    assert again.started == []
    assert again.already_started == late.started
    ((subject, text),) = reporter.reports
    assert subject == "zoom-notifier: meetings started late"
    assert "ran 45 minutes late" in text
    assert "2026-11-27_team-paris" in text


# --- a template's own channel and its skip posts -------------------------------------------

TEAM_SECRET = "zoom-notifier/team-a/webhook"


async def notify_via(
    store: MemoryStore, default: SlackModel, own: SlackModel, day: str = DAY
) -> str:
    async def destinations(secret_id: str) -> ModelSlack:
        assert secret_id == TEAM_SECRET
        return ModelSlack(own)

    result = await workflow.notify_meeting(
        NotifyInput(date=day),
        store=store,
        slack=ModelSlack(default),
        owner=OWNER,
        now=clock,
        destinations=destinations,
    )
    return result.outcome


async def test_a_template_with_its_own_webhook_is_announced_there_only(
    store: MemoryStore, zoom: ZoomModel, slack: SlackModel
) -> None:
    own = fakes.slack_model()
    templates = _with_notifier(slack={"webhook_secret": TEAM_SECRET})

    await create_on(DAY, templates, store, zoom)

    assert await notify_via(store, slack, own) == "notified"
    assert (len(own.announcements), len(slack.announcements)) == (1, 0)
    assert await notify_via(store, slack, own) == "already_notified"
    assert len(own.announcements) == 1


async def test_a_day_off_with_announce_skipped_is_posted_once_in_the_template_s_channel(
    store: MemoryStore, zoom: ZoomModel, slack: SlackModel
) -> None:
    own = fakes.slack_model()
    templates = _with_notifier(
        holidays={"country": "FR"},
        announce_skipped=True,
        slack={"webhook_secret": TEAM_SECRET},
    )

    first = await create_on("2026-12-25", templates, store, zoom)
    again = await create_on("2026-12-25", templates, store, zoom)
    posted = await notify_via(store, slack, own, "2026-12-25")
    reposted = await notify_via(store, slack, own, "2026-12-25")

    expected = SkippedResult(
        date="2026-12-25", template="default", reason="Christmas Day (FR)", announce=True
    )
    assert first == again == expected
    assert (posted, reposted) == ("notified", "already_notified")
    assert (zoom.create_calls, zoom.tokens) == (0, set())
    (post,) = own.channel
    assert post["text"] == "No Daily stand-up today: Christmas Day (FR)"
    assert slack.channel == []
    record = await store.get(MeetingKey(date="2026-12-25", template="default"))
    assert record is not None
    assert (record.status, record.meeting_id) == ("notified", None)


# --- Slack app mode: an interrupted post is looked up and adopted, never repeated -------------

APP_CHANNEL = "C0FAKE00001"


@pytest.fixture
def workspace() -> SlackApiModel:
    return SlackApiModel(channels={APP_CHANNEL: []}, clock=NOW.timestamp)


async def notify_app(store: MemoryStore, workspace: SlackApiModel, owner: str = OWNER) -> str:
    result = await workflow.notify_meeting(
        NotifyInput(date=DAY),
        store=store,
        slack=ModelSlack(fakes.slack_model()),  # the webhook: never used in app mode
        owner=owner,
        now=clock,
        app=ModelApp(workspace),
        app_channel=APP_CHANNEL,
    )
    return result.outcome


def announcements(workspace: SlackApiModel) -> list[dict[str, Any]]:
    return [m for m in workspace.messages(APP_CHANNEL) if "metadata" in m]


async def test_app_mode_posts_with_metadata_and_records_the_message(
    templates: MemoryTemplates, store: MemoryStore, zoom: ZoomModel, workspace: SlackApiModel
) -> None:
    await create(templates, store, zoom)

    assert await notify_app(store, workspace) == "notified"

    (message,) = announcements(workspace)
    assert message["metadata"] == {
        "event_type": workflow.ANNOUNCEMENT_EVENT,
        "event_payload": {"date": DAY, "template": "default", "meeting_id": fakes.MEETING_ID},
    }
    record = await store.get(KEY)
    assert record is not None
    assert (record.slack_channel, record.slack_ts) == (APP_CHANNEL, message["ts"])
    assert await notify_app(store, workspace) == "already_notified"


@pytest.mark.parametrize(
    ("fault", "posted_by_the_first_attempt"),
    [(TIMEOUT_AFTER, True), (answer_after(502, ""), True), (TIMEOUT_BEFORE, False)],
    ids=["timeout after posting", "502 after posting", "timeout before posting"],
)
async def test_app_mode_adopts_a_post_whose_outcome_was_unknown_and_never_repeats_it(
    templates: MemoryTemplates,
    store: MemoryStore,
    zoom: ZoomModel,
    workspace: SlackApiModel,
    fault: Fault,
    posted_by_the_first_attempt: bool,
) -> None:
    await create(templates, store, zoom)
    workspace.scripts["chat.postMessage"].set(fault)

    with pytest.raises(SlackUnavailable):
        await notify_app(store, workspace)
    assert len(announcements(workspace)) == int(posted_by_the_first_attempt)
    retried = await notify_app(store, workspace)  # Step Functions' retry: no AnnouncementUncertain

    assert retried == "notified"
    (message,) = announcements(workspace)
    record = await store.get(KEY)
    assert record is not None
    assert (record.status, record.slack_ts) == ("notified", message["ts"])


async def test_app_mode_adopts_after_a_crash_between_the_post_and_its_record(
    templates: MemoryTemplates,
    store: MemoryStore,
    zoom: ZoomModel,
    workspace: SlackApiModel,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    await create(templates, store, zoom)
    original = MemoryStore.mark_notified

    async def killed(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("Lambda killed")

    monkeypatch.setattr(MemoryStore, "mark_notified", killed)
    with pytest.raises(RuntimeError):
        await notify_app(store, workspace)
    monkeypatch.setattr(MemoryStore, "mark_notified", original)
    await store.expire_notify_lease(KEY)  # the dead invocation's lease runs out

    assert await notify_app(store, workspace, owner="arn:execution-b") == "notified"
    assert len(announcements(workspace)) == 1


async def test_app_mode_schedules_the_reminder_in_the_thread_once_even_after_a_lost_answer(
    store: MemoryStore, zoom: ZoomModel, workspace: SlackApiModel
) -> None:
    await create_on(DAY, _with_notifier(reminder_minutes=5), store, zoom)
    workspace.scripts["chat.scheduleMessage"].set(TIMEOUT_AFTER)  # scheduled, answer lost

    with pytest.raises(SlackUnavailable):
        await notify_app(store, workspace)
    assert await notify_app(store, workspace) == "notified"

    (message,) = announcements(workspace)
    (reminder,) = workspace.scheduled
    # 09:30 Paris is 08:30 UTC: the reminder at 08:25, a reply in the announcement's thread.
    assert reminder["post_at"] == int(datetime(2026, 11, 27, 8, 25, tzinfo=UTC).timestamp())
    assert reminder["thread_ts"] == message["ts"]
    assert reminder["text"] == f"Starting in 5 minutes: Daily stand-up {DAY}"
    record = await store.get(KEY)
    assert record is not None
    assert record.reminder_id == reminder["id"]
