"""CloudWatch metrics in the Embedded Metric Format (EMF), carried by log lines we already write.

A JSON log line with an ``_aws`` member tells CloudWatch Logs to extract the named members of
the same line as metric values (docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/
CloudWatch_Embedded_Metric_Format_Specification.html): no PutMetricData call, no extra line,
no time on the hot path beyond building one small dict.

Written here rather than with the ``aws-embedded-metrics`` package: that library writes lines
of its own through its own sink (configured from its own environment variables), where the
specification is one member on a line structlog writes anyway; the whole of what we need is
the function below.

Dimensions are the line's own ``service`` and ``template`` keys: every metric exists once for
the service (what the alarms watch) and, where the line names a template, once per template
(what the dashboard shows). Each (metric, dimensions) pair is a CloudWatch custom metric, billed
monthly: docs/deploy.md says what that costs per template.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any, Literal

from zoom_notifier.runtime.container import STATE

__all__ = ["DEFAULT_NAMESPACE", "METRICS", "metric_fields"]

DEFAULT_NAMESPACE = "zoom-notifier"

Unit = Literal["Count", "Seconds"]

# Every metric the service emits, and its unit. Alarms, the dashboard and the local stack's
# recorder use these names; docs/deploy.md lists them.
METRICS: Mapping[str, Unit] = {
    # Per template and day, one of: the announcement went out, the day is off, or it failed.
    "Announced": "Count",
    "Skipped": "Count",
    "Failed": "Count",
    # A day whose announcement time passed by the grace period without an announcement.
    "Overdue": "Count",
    # From the day's announcement time to the post.
    "AnnouncementDelay": "Seconds",
    # Each dispatcher tick that ran to the end (the dead man's switch), and what it found due.
    "DispatchTicks": "Count",
    "TemplatesDue": "Count",
    # Runs a tick left for its retry when its time ran out, and days it could not check.
    "StartsDeferred": "Count",
    "OverdueUnchecked": "Count",
}


def metric_fields(
    values: Mapping[str, float], *, template: str | None = None, at: datetime | None = None
) -> dict[str, Any]:
    """The members to add to a log line so that it records ``values`` as metrics.

    ``template`` is also the line's ``template`` key (the per-template dimension); ``at`` is the
    metric's time (default: now). Unknown metric names are a programming error.
    """
    unknown = set(values) - set(METRICS)
    if unknown:
        raise ValueError(f"unknown metrics: {sorted(unknown)}")
    dimensions = [["service"]] + ([["service", "template"]] if template is not None else [])
    moment = at or datetime.now(UTC)
    fields: dict[str, Any] = {
        "_aws": {
            "Timestamp": int(moment.timestamp() * 1000),
            "CloudWatchMetrics": [
                {
                    "Namespace": STATE.metrics_namespace,
                    "Dimensions": dimensions,
                    "Metrics": [{"Name": name, "Unit": METRICS[name]} for name in values],
                }
            ],
        },
        **values,
    }
    if template is not None:
        fields["template"] = template
    return fields
