"""Metrics in the log lines: a line that carries them is a valid EMF document."""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime

import pytest

from zoom_notifier.local.metrics import EmfError, metric_points
from zoom_notifier.runtime.container import STATE
from zoom_notifier.runtime.logs import clear_context, configure_logging, get_logger
from zoom_notifier.runtime.metrics import METRICS, metric_fields

AT = datetime(2026, 12, 7, 8, 15, 3, tzinfo=UTC)


def _logged(**fields: object) -> dict[str, object]:
    stream = io.StringIO()
    configure_logging("INFO", stream=stream)
    clear_context()
    get_logger().info("meeting announced", **fields)
    line: dict[str, object] = json.loads(stream.getvalue())
    return line


def test_a_line_with_metrics_is_an_emf_document_cloudwatch_extracts(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(STATE, "metrics_namespace", "zoom-notifier/my-stack")

    line = _logged(
        **metric_fields({"Announced": 1, "AnnouncementDelay": 4.5}, template="team", at=AT)
    )

    points = {(point.name, point.dimensions): point for point in metric_points(line)}
    assert set(points) == {
        ("Announced", (("service", "zoom-notifier"),)),
        ("Announced", (("service", "zoom-notifier"), ("template", "team"))),
        ("AnnouncementDelay", (("service", "zoom-notifier"),)),
        ("AnnouncementDelay", (("service", "zoom-notifier"), ("template", "team"))),
    }
    delay = points[("AnnouncementDelay", (("service", "zoom-notifier"),))]
    assert (delay.namespace, delay.value, delay.unit, delay.at) == (
        "zoom-notifier/my-stack",
        4.5,
        "Seconds",
        AT.replace(microsecond=0),
    )
    assert line["message"] == "meeting announced"  # still the line it was


def test_a_metric_without_a_template_is_the_services_alone() -> None:
    line = _logged(**metric_fields({"DispatchTicks": 1, "TemplatesDue": 3}, at=AT))

    assert {(p.name, p.dimensions, p.value) for p in metric_points(line)} == {
        ("DispatchTicks", (("service", "zoom-notifier"),), 1.0),
        ("TemplatesDue", (("service", "zoom-notifier"),), 3.0),
    }


def test_every_metric_has_a_unit_and_an_unknown_name_is_refused() -> None:
    assert set(METRICS.values()) <= {"Count", "Seconds"}
    with pytest.raises(ValueError, match="unknown metrics"):
        metric_fields({"Anounced": 1})


def test_the_recorder_refuses_a_line_that_breaks_the_format() -> None:
    line = {"_aws": {"Timestamp": 1, "CloudWatchMetrics": [
        {"Namespace": "n", "Dimensions": [["service"]], "Metrics": [{"Name": "Announced"}]}]},
        "service": "zoom-notifier", "Announced": "one"}  # fmt: skip

    with pytest.raises(EmfError, match="must be a number"):
        metric_points(line)
