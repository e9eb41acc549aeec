"""NotifyMeeting's decisions over in-memory collaborators: once per day, in the template's own
channel, and in Slack app mode an interrupted post adopted, never repeated.
"""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime
from typing import Any

import pytest

from tests.support import fakes
from tests.support.memory import (
    MemoryStore,
    MemoryTemplates,
    ModelApp,
    ModelSlack,
)
from tests.support.steps import (
    DAY,
    KEY,
    NOW,
    OWNER,
    clock,
    create,
    create_on,
    notify,
    with_notifier,
)
from zoom_notifier.domain.models import (
    MeetingKey,
    NotifyInput,
    SkippedResult,
)
from zoom_notifier.errors import (
    AnnouncementUncertain,
    ConfigurationError,
    MeetingCreationInProgress,
    MeetingNotFound,
    SlackChannelUnavailable,
    SlackUnavailable,
    SlackWebhookRejected,
    ZoomNotifierError,
)
from zoom_notifier.local.faults import (
    REFUSED,
    TIMEOUT_AFTER,
    TIMEOUT_BEFORE,
    Fault,
    Reply,
    answer,
    answer_after,
)
from zoom_notifier.local.metrics import metric_points
from zoom_notifier.local.slack_api_model import SlackApiModel, slack_error
from zoom_notifier.local.slack_model import SlackModel
from zoom_notifier.local.zoom_model import ZoomModel
from zoom_notifier.runtime.logs import configure_logging
from zoom_notifier.workflow import notify as notify_step


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


# --- a template's own channel and its skip posts -------------------------------------------

TEAM_SECRET = "zoom-notifier/team-a/webhook"


async def notify_via(
    store: MemoryStore, default: SlackModel, own: SlackModel, day: str = DAY
) -> str:
    async def destinations(secret_id: str) -> ModelSlack:
        assert secret_id == TEAM_SECRET
        return ModelSlack(own)

    result = await notify_step.notify_meeting(
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
    templates = with_notifier(slack={"webhook_secret": TEAM_SECRET})

    await create_on(DAY, templates, store, zoom)

    assert await notify_via(store, slack, own) == "notified"
    assert (len(own.announcements), len(slack.announcements)) == (1, 0)
    assert await notify_via(store, slack, own) == "already_notified"
    assert len(own.announcements) == 1


async def test_a_day_off_with_announce_skipped_is_posted_once_in_the_template_s_channel(
    store: MemoryStore, zoom: ZoomModel, slack: SlackModel
) -> None:
    own = fakes.slack_model()
    templates = with_notifier(
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
    result = await notify_step.notify_meeting(
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
        "event_type": notify_step.ANNOUNCEMENT_EVENT,
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
    await create_on(DAY, with_notifier(reminder_minutes=5), store, zoom)
    workspace.scripts["chat.scheduleMessage"].set(TIMEOUT_AFTER)  # scheduled, answer lost

    with pytest.raises(SlackUnavailable) as failed:
        await notify_app(store, workspace)
    assert "the announcement is posted" in str(failed.value)
    # The retry finds the announcement recorded, and the reminder this try scheduled.
    assert await notify_app(store, workspace) == "already_notified"

    (message,) = announcements(workspace)
    (reminder,) = workspace.scheduled
    # 09:30 Paris is 08:30 UTC: the reminder at 08:25, a reply in the announcement's thread.
    assert reminder["post_at"] == int(datetime(2026, 11, 27, 8, 25, tzinfo=UTC).timestamp())
    assert reminder["thread_ts"] == message["ts"]
    assert reminder["text"] == f"Starting in 5 minutes: Daily stand-up {DAY}"
    record = await store.get(KEY)
    assert record is not None
    assert record.reminder_id == reminder["id"]


async def test_app_mode_s_reminder_escapes_the_topic_so_it_pings_nobody(
    store: MemoryStore, zoom: ZoomModel, workspace: SlackApiModel
) -> None:
    templates = MemoryTemplates(
        {"default": json.dumps(
            {**fakes.TEMPLATE, "topic": "<!here> stand-up & <@U0FAKE> @channel",
             "notifier": {"reminder_minutes": 5}}
        ).encode()}
    )  # fmt: skip
    await create_on(DAY, templates, store, zoom)

    assert await notify_app(store, workspace) == "notified"

    (reminder,) = workspace.scheduled
    assert "<" not in reminder["text"]
    assert "@channel" not in reminder["text"]
    assert reminder["text"].startswith("Starting in 5 minutes: &lt;!here&gt; stand-up &amp; ")


@pytest.mark.parametrize(
    "fault",
    [REFUSED, answer(429, {"ok": False, "error": "ratelimited"}, {"Retry-After": "1"}),
     slack_error("restricted_too_many"), slack_error("time_too_far")],
    ids=["connection refused", "429", "restricted_too_many", "time_too_far"],
)  # fmt: skip
async def test_app_mode_a_reminder_that_fails_never_undoes_the_announcement(
    store: MemoryStore, zoom: ZoomModel, workspace: SlackApiModel, fault: Fault
) -> None:
    await create_on(DAY, with_notifier(reminder_minutes=5), store, zoom)
    workspace.scripts["chat.scheduleMessage"].set(fault)

    with pytest.raises(ZoomNotifierError) as failed:
        await notify_app(store, workspace)
    record = await store.get(KEY)
    assert record is not None
    (message,) = announcements(workspace)
    assert (record.status, record.slack_ts, record.reminder_id) == ("notified", message["ts"], None)
    assert "the announcement is posted" in str(failed.value)

    # The retry (or the redrive, once the cause is fixed) schedules the reminder alone.
    assert await notify_app(store, workspace) == "already_notified"
    assert len(announcements(workspace)) == 1
    (reminder,) = workspace.scheduled
    record = await store.get(KEY)
    assert record is not None
    assert record.reminder_id == reminder["id"]


@pytest.mark.parametrize(
    "refusal",
    [slack_error("not_in_channel"), slack_error("internal_error"),
     slack_error("missing_scope", needed="channels:history"), answer(503, "")],
    ids=["not_in_channel", "internal_error", "missing_scope", "503"],
)  # fmt: skip
async def test_app_mode_a_failed_lookup_after_an_interrupted_post_keeps_its_marker(
    templates: MemoryTemplates,
    store: MemoryStore,
    zoom: ZoomModel,
    workspace: SlackApiModel,
    refusal: Fault,
) -> None:
    await create(templates, store, zoom)
    workspace.scripts["chat.postMessage"].set(TIMEOUT_AFTER)  # posted, the answer lost
    with pytest.raises(SlackUnavailable):
        await notify_app(store, workspace)
    workspace.scripts["conversations.history"].set(refusal)

    with pytest.raises(ZoomNotifierError):
        await notify_app(store, workspace)
    record = await store.get(KEY)
    assert record is not None
    assert record.notify_attempt_started_at is not None  # never forgotten by a failure
    assert record.notify_owner is None  # the lease ended: the redrive need not wait

    # Once the lookup works again (the app invited, the scope added), it adopts the post.
    assert await notify_app(store, workspace) == "notified"
    assert len(announcements(workspace)) == 1


@pytest.mark.parametrize(
    "error", ["internal_error", "fatal_error", "service_unavailable", "request_timeout"]
)
async def test_app_mode_an_error_that_may_have_posted_is_looked_up_not_reposted(
    templates: MemoryTemplates, store: MemoryStore, zoom: ZoomModel, workspace: SlackApiModel,
    error: str,
) -> None:  # fmt: skip
    await create(templates, store, zoom)
    # Slack made the post and then answered the error (what "may have succeeded" allows).
    real_post = workspace._post

    def post_then_fail(channel: str, arguments: Any) -> Any:
        real_post(channel, arguments)
        return Reply(200, {"ok": False, "error": error})

    workspace._post = post_then_fail  # type: ignore[method-assign]
    with pytest.raises(SlackUnavailable):
        await notify_app(store, workspace)
    workspace._post = real_post  # type: ignore[method-assign]

    assert await notify_app(store, workspace) == "notified"
    assert len(announcements(workspace)) == 1


async def test_app_mode_a_certain_refusal_clears_the_marker_so_the_redrive_posts(
    templates: MemoryTemplates, store: MemoryStore, zoom: ZoomModel, workspace: SlackApiModel
) -> None:
    await create(templates, store, zoom)
    workspace.scripts["chat.postMessage"].set(slack_error("not_in_channel"))

    with pytest.raises(SlackChannelUnavailable, match="Invite the app"):
        await notify_app(store, workspace)
    record = await store.get(KEY)
    assert record is not None
    assert record.notify_attempt_started_at is None

    assert await notify_app(store, workspace) == "notified"  # once /invite'd
    assert len(announcements(workspace)) == 1


async def test_an_announcement_counts_once_with_its_delay_from_the_time_it_was_due(
    templates: MemoryTemplates, store: MemoryStore, zoom: ZoomModel, slack: SlackModel
) -> None:
    await create(templates, store, zoom)
    record = await store.get(KEY)
    assert record is not None
    # 09:30 in Paris, announced 15 minutes before: due at 08:15 UTC.
    assert record.announce_at == int(datetime(2026, 11, 27, 8, 15, tzinfo=UTC).timestamp())
    stream = io.StringIO()
    configure_logging("INFO", stream=stream)
    posted_at = datetime(2026, 11, 27, 8, 15, 42, tzinfo=UTC)

    await notify_step.notify_meeting(
        NotifyInput(date=DAY), store=store, slack=ModelSlack(slack), owner=OWNER,
        now=lambda: posted_at,
    )  # fmt: skip

    points = [p for line in stream.getvalue().splitlines() for p in metric_points(json.loads(line))]
    by_template = {p.name: p.value for p in points if ("template", "default") in p.dimensions}
    assert by_template == {"Announced": 1.0, "AnnouncementDelay": 42.0}


@pytest.mark.parametrize("error", ["invalid_auth", "token_revoked", "missing_scope"])
async def test_app_mode_a_refused_token_ends_the_lease_so_an_immediate_redrive_posts(
    templates: MemoryTemplates,
    store: MemoryStore,
    zoom: ZoomModel,
    workspace: SlackApiModel,
    error: str,
) -> None:
    await create(templates, store, zoom)
    workspace.scripts["chat.postMessage"].set(slack_error(error, needed="chat:write"))

    with pytest.raises(ConfigurationError):
        await notify_app(store, workspace)
    record = await store.get(KEY)
    assert record is not None
    assert record.notify_owner is None  # no lease left for its minute
    assert record.notify_attempt_started_at is None  # Slack refused: nothing was posted

    # The token is fixed; the redrive (another owner) posts at once, once.
    assert await notify_app(store, workspace, owner="arn:execution-a/redrive-1") == "notified"
    assert len(announcements(workspace)) == 1
