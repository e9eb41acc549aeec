"""JSON log lines: Powertools' key names, bound context, the summary line, redaction."""

from __future__ import annotations

import io
import json
import logging
from typing import Any

import pytest

from tests.support import fakes
from zoom_notifier.handlers import create_meeting
from zoom_notifier.runtime.logs import (
    REDACTED,
    bind,
    clear_context,
    configure_logging,
    get_logger,
    redact,
    register_secret,
)


def lines(text: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in text.splitlines() if line.strip()]


@pytest.fixture
def stream() -> io.StringIO:
    buffer = io.StringIO()
    configure_logging("DEBUG", stream=buffer)
    clear_context()
    return buffer


def test_a_line_is_one_json_object_with_powertools_keys(stream: io.StringIO) -> None:
    bind(date="2026-11-27", meeting_id=None)

    get_logger().info("hello", extra_key=1)

    (line,) = lines(stream.getvalue())
    assert line["message"] == "hello"
    assert line["level"] == "INFO"
    assert line["service"] == "zoom-notifier"
    assert line["timestamp"].endswith("Z")
    assert line["location"].startswith("test_logs.test_a_line_is_one_json_object")
    assert line["date"] == "2026-11-27"
    assert "meeting_id" not in line
    assert line["extra_key"] == 1


def test_level_filters_lines() -> None:
    buffer = io.StringIO()
    configure_logging("WARNING", stream=buffer)

    get_logger().info("hidden")
    get_logger().warning("shown")

    assert [line["message"] for line in lines(buffer.getvalue())] == ["shown"]


def test_registered_secrets_and_sensitive_keys_are_redacted_everywhere(
    stream: io.StringIO,
) -> None:
    register_secret("FAKE-secret-value", None, "ab")

    try:
        raise ValueError("failed with FAKE-secret-value inside")  # noqa: TRY301
    except ValueError:
        get_logger().exception(
            "boom FAKE-secret-value", nested={"x": ["FAKE-secret-value"]}, password="p4ss"
        )

    text = stream.getvalue()
    assert "FAKE-secret-value" not in text
    (line,) = lines(text)
    assert line["message"] == f"boom {REDACTED}"
    assert line["nested"] == {"x": [REDACTED]}
    assert line["password"] == REDACTED
    assert f"failed with {REDACTED} inside" in line["exception"]
    # Values too short to be secrets are not registered (they would redact ordinary words).
    assert redact("ab") == "ab"


def test_standard_library_loggers_render_the_same_json(stream: io.StringIO) -> None:
    register_secret("FAKE-lib-secret")

    logging.getLogger("some.library").warning("talking about FAKE-lib-secret")

    (line,) = lines(stream.getvalue())
    assert line["message"] == f"talking about {REDACTED}"
    assert line["level"] == "WARNING"


@pytest.mark.usefixtures("env", "zoom")
def test_an_invocation_logs_context_and_one_summary_line(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("_X_AMZN_TRACE_ID", "Root=1-fake-trace;Parent=abc;Sampled=1")

    create_meeting.handler(
        {"date": "2026-11-27", "execution_arn": fakes.EXECUTION_ARN}, fakes.FakeContext()
    )
    first = lines(capsys.readouterr().out)
    create_meeting.handler({"date": "2026-11-30"}, fakes.FakeContext())
    second = lines(capsys.readouterr().out)

    summaries = [line for line in first if line["message"] == "invocation finished"]
    assert len(summaries) == 1
    (summary,) = summaries
    assert summary["outcome"] == "created"
    assert isinstance(summary["duration_ms"], float)
    assert summary["cold_start"] is True
    assert summary["function_name"] == "zoom-notifier-test"
    assert summary["function_request_id"] == fakes.FakeContext.aws_request_id
    assert summary["xray_trace_id"].startswith("Root=1-fake-trace")
    assert summary["execution_arn"] == fakes.EXECUTION_ARN
    assert (summary["date"], summary["template"]) == ("2026-11-27", "default")
    assert summary["meeting_id"] == fakes.MEETING_ID
    (later,) = [line for line in second if line["message"] == "invocation finished"]
    assert later["cold_start"] is False
    # Context of the first invocation does not leak into the second.
    assert "execution_arn" not in later
    assert later["date"] == "2026-11-30"
