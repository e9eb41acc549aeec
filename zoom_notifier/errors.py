"""The exception tree of zoom-notifier.

A raised exception's class name becomes the Step Functions error name, so the ASL's ``Retry``
and ``Catch`` blocks match on these names: rename a class only together with the state machine.

Two families:

* :class:`TransientError` subclasses: Step Functions retries them with backoff; if they persist,
  the task (and the execution) fails under their name.
* :class:`PermanentError` subclasses: retrying cannot help, so no retrier matches them and the
  task fails at once under their name. The execution then ends FAILED *at that task*, which is
  what lets the console's Redrive rerun exactly the step that failed; an EventBridge rule on
  the execution's status reports it to the failure topic.

Every error is raised; its message starts with the step's name (``CreateMeeting: ...``), so the
failure report names the step from the execution's ``cause`` alone.

Messages never contain secrets (credentials, tokens, the webhook URL, meeting passwords, the
host's ``start_url``): they are shown in Step Functions, Slack and the logs.
"""

from __future__ import annotations

__all__ = [
    "AnnouncementUncertain",
    "AwsUnavailable",
    "ConfigurationError",
    "DayItemBusy",
    "DeadlineExceeded",
    "InvalidExecutionInput",
    "InvalidMeetingRecord",
    "InvalidMeetingTemplate",
    "MeetingClaimLost",
    "MeetingCreationInProgress",
    "MeetingNotFound",
    "NotificationInProgress",
    "PermanentError",
    "SlackChannelUnavailable",
    "SlackRateLimited",
    "SlackUnavailable",
    "SlackWebhookRejected",
    "TemplateNotFound",
    "TransientError",
    "UnexpectedError",
    "ZoomAuthFailed",
    "ZoomDailyLimitReached",
    "ZoomMeetingMisplaced",
    "ZoomNotifierError",
    "ZoomRateLimited",
    "ZoomRequestRejected",
    "ZoomResponseInvalid",
    "ZoomUnavailable",
]


class ZoomNotifierError(Exception):
    """Base of every error this service raises or reports on purpose."""

    @property
    def name(self) -> str:
        """The Step Functions error name: the class name."""
        return type(self).__name__

    @property
    def cause(self) -> str:
        """Human-readable explanation, safe to show anywhere."""
        return str(self)


class TransientError(ZoomNotifierError):
    """A failure that may pass: raised so that Step Functions retries the step."""


class PermanentError(ZoomNotifierError):
    """A failure that a retry cannot fix: raised, and retried by no state."""


# --- transient ---------------------------------------------------------------------------


class ZoomUnavailable(TransientError):
    """Zoom answered 5xx, timed out, or could not be reached."""


class ZoomRateLimited(TransientError):
    """Zoom answered 429; ``retry_after`` holds its ``Retry-After`` seconds when sent."""

    def __init__(self, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class SlackUnavailable(TransientError):
    """Slack answered 5xx, timed out, or could not be reached.

    ``maybe_delivered`` is true when the post may have reached Slack all the same (a timeout
    or a connection lost after sending): the retry must not post blindly.
    """

    def __init__(self, message: str, *, maybe_delivered: bool = False) -> None:
        super().__init__(message)
        self.maybe_delivered = maybe_delivered


class SlackRateLimited(TransientError):
    """Slack answered 429; ``retry_after`` holds its ``Retry-After`` seconds when sent."""

    def __init__(self, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class MeetingCreationInProgress(TransientError):
    """Another execution holds a live claim on this (date, template)."""


class NotificationInProgress(TransientError):
    """Another execution is announcing this (date, template) right now."""


class DeadlineExceeded(TransientError):
    """The step used up its invocation's time (a slow dependency); retried like one."""


class AwsUnavailable(TransientError):
    """An AWS call was throttled, failed server-side, or could not be made."""


class DayItemBusy(TransientError):
    """The day's item changed under each try to record a Zoom event (a burst of events at
    once); the event is answered so that Zoom sends it again."""


# --- permanent ---------------------------------------------------------------------------


class ConfigurationError(PermanentError):
    """A setting or secret is missing or malformed; the message names it."""


class InvalidExecutionInput(PermanentError):
    """The Lambda event does not have the documented shape."""


class TemplateNotFound(PermanentError):
    """The meeting template's bucket or object does not exist."""


class InvalidMeetingTemplate(PermanentError):
    """The meeting template is not valid JSON or breaks a rule; the message names the field."""


class ZoomAuthFailed(PermanentError):
    """Zoom rejected the Server-to-Server OAuth credentials."""


class ZoomRequestRejected(PermanentError):
    """Zoom answered 4xx; ``status``, ``code`` and ``zoom_message`` carry its answer."""

    def __init__(
        self, message: str, *, status: int, code: int | None, zoom_message: str | None
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.zoom_message = zoom_message


class ZoomDailyLimitReached(PermanentError):
    """Zoom's daily limit of meeting creations for the host is reached (a 429 that retrying
    for minutes cannot clear); the message says when it resets."""


class ZoomMeetingMisplaced(PermanentError):
    """Zoom created the meeting at another instant or in another zone than asked (it did not
    take the template's ``timezone``); the meeting is reported, never announced."""


class ZoomResponseInvalid(PermanentError):
    """Zoom answered 2xx with a body we cannot read.

    Permanent on purpose: after a create the meeting may exist, so a blind retry could create a
    second one. An operator checks Zoom before rerunning.
    """


class SlackWebhookRejected(PermanentError):
    """Slack answered 4xx (``invalid_payload``, ``channel_not_found``, ...)."""


class SlackChannelUnavailable(PermanentError):
    """Slack app mode: the channel refused the app (``not_in_channel``, ``channel_not_found``,
    ``is_archived``, a posting restriction). The fix is about the app and the channel, which
    the message names: invite the app, unarchive the channel, or configure another one."""


class AnnouncementUncertain(PermanentError):
    """An earlier announcement attempt was interrupted mid-post: it may be in the channel."""


class MeetingNotFound(PermanentError):
    """No meeting is recorded for the (date, template) being announced."""


class InvalidMeetingRecord(PermanentError):
    """The stored DynamoDB item does not match the documented shape (edited by hand?)."""


class MeetingClaimLost(PermanentError):
    """Our claim expired and another execution took the key while we created a meeting."""


class UnexpectedError(ZoomNotifierError):
    """A bug or an unforeseen library failure, re-raised with a redacted message.

    Not retried: the task fails under this name and the execution is reported like any other.
    """
