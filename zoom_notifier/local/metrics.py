"""CloudWatch, locally: the metrics the handlers' log lines carry (EMF), and the template's
alarms on them evaluated as CloudWatch would.

:func:`metric_points` reads one log line as CloudWatch Logs does, and refuses a line that
breaks the Embedded Metric Format specification (docs.aws.amazon.com/AmazonCloudWatch/latest/
monitoring/CloudWatch_Embedded_Metric_Format_Specification.html): every target member present,
dimensions as strings, values as numbers, a millisecond timestamp. :class:`MetricRecorder` sits
between the handlers and their log stream and keeps every point. :func:`alarm_states` evaluates
the template's alarms on the service's own namespace (the dead man's switch, the overdue days)
the way CloudWatch documents (docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/
AlarmThatSendsEmail.html#alarm-evaluation): the last ``EvaluationPeriods`` periods of the
statistic, a period without data treated as ``TreatMissingData`` says. Alarms on AWS's own
metrics (``AWS/States``, ``AWS/Lambda``, ``AWS/SQS``) are not modelled: nothing here emits them.
"""

from __future__ import annotations

import io
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Literal, TextIO

__all__ = [
    "AlarmState",
    "EmfError",
    "MetricPoint",
    "MetricRecorder",
    "alarm_states",
    "metric_points",
]

AlarmState = Literal["OK", "ALARM", "INSUFFICIENT_DATA"]


class EmfError(ValueError):
    """A log line that claims to carry metrics and breaks the format."""


@dataclass(frozen=True)
class MetricPoint:
    namespace: str
    name: str
    dimensions: tuple[tuple[str, str], ...]
    value: float
    unit: str
    at: datetime


def metric_points(line: Mapping[str, Any]) -> list[MetricPoint]:
    """The metric points of one JSON log line (none without ``_aws``)."""
    metadata = line.get("_aws")
    if metadata is None:
        return []
    try:
        stamp = metadata["Timestamp"]
        directives = metadata["CloudWatchMetrics"]
    except (KeyError, TypeError):
        raise EmfError("_aws needs Timestamp and CloudWatchMetrics") from None
    if not isinstance(stamp, int) or stamp < 0:
        raise EmfError("Timestamp must be epoch milliseconds")
    at = datetime.fromtimestamp(stamp / 1000, UTC)
    points = []
    for directive in directives:
        namespace = directive.get("Namespace")
        if not isinstance(namespace, str) or not namespace:
            raise EmfError("each directive needs a Namespace")
        for dimension_set in directive.get("Dimensions", []):
            if len(dimension_set) > 30:
                raise EmfError("a dimension set holds at most 30 dimensions")
            dimensions = []
            for key in dimension_set:
                if not isinstance(line.get(key), str):
                    raise EmfError(f"dimension {key!r} must be a string member of the line")
                dimensions.append((key, line[key]))
            for metric in directive["Metrics"]:
                name = metric["Name"]
                value = line.get(name)
                if isinstance(value, bool) or not isinstance(value, int | float):
                    raise EmfError(f"metric {name!r} must be a number member of the line")
                points.append(
                    MetricPoint(
                        namespace,
                        name,
                        tuple(dimensions),
                        float(value),
                        str(metric.get("Unit", "None")),
                        at,
                    )
                )
    return points


class MetricRecorder(io.TextIOBase):
    """A log stream that passes every line on and keeps the metric points it carries."""

    def __init__(self, stream: TextIO | None = None) -> None:
        super().__init__()
        self._stream = stream
        self._partial = ""
        self.points: list[MetricPoint] = []

    def writable(self) -> bool:
        return True

    def write(self, text: str) -> int:
        if self._stream is not None:
            self._stream.write(text)
        self._partial += text
        *complete, self._partial = self._partial.split("\n")
        for raw in complete:
            if '"_aws"' in raw:
                self.points += metric_points(json.loads(raw))
        return len(text)

    def flush(self) -> None:
        if self._stream is not None:
            self._stream.flush()

    def total(self, name: str, **dimensions: str) -> float:
        """The sum of ``name``'s points with exactly these dimensions (besides ``service``)."""
        wanted = {"service": "zoom-notifier", **dimensions}
        return sum(
            point.value
            for point in self.points
            if point.name == name and dict(point.dimensions) == wanted
        )


def alarm_states(
    alarms: Mapping[str, Mapping[str, Any]], points: Iterable[MetricPoint], now: datetime
) -> dict[str, AlarmState]:
    """The state of each single-metric alarm (resolved ``Properties``) at ``now``."""
    recorded = list(points)
    states: dict[str, AlarmState] = {}
    for alarm_id, alarm in alarms.items():
        if "MetricName" not in alarm:
            continue  # metric math on AWS's own metrics: not modelled locally
        states[alarm_id] = _evaluate(alarm, recorded, now)
    return states


def _evaluate(alarm: Mapping[str, Any], points: list[MetricPoint], now: datetime) -> AlarmState:
    period = timedelta(seconds=int(alarm["Period"]))
    wanted = tuple(sorted((d["Name"], d["Value"]) for d in alarm.get("Dimensions", [])))
    matching = [
        point
        for point in points
        if point.namespace == alarm["Namespace"]
        and point.name == alarm["MetricName"]
        and tuple(sorted(point.dimensions)) == wanted
    ]
    breaches = []
    for index in range(int(alarm["EvaluationPeriods"])):
        end = now - index * period
        values = [point.value for point in matching if end - period < point.at <= end]
        if not values:
            treat = alarm.get("TreatMissingData", "missing")
            if treat in {"missing", "ignore"}:
                return "INSUFFICIENT_DATA"
            breaches.append(treat == "breaching")
            continue
        breaches.append(_breaches(alarm, _statistic(alarm["Statistic"], values)))
    return "ALARM" if all(breaches) else "OK"


def _statistic(name: str, values: list[float]) -> float:
    if name == "Sum":
        return sum(values)
    if name == "Maximum":
        return max(values)
    if name == "Minimum":
        return min(values)
    if name == "SampleCount":
        return float(len(values))
    return sum(values) / len(values)


def _breaches(alarm: Mapping[str, Any], value: float) -> bool:
    threshold = float(alarm["Threshold"])
    return {
        "GreaterThanOrEqualToThreshold": value >= threshold,
        "GreaterThanThreshold": value > threshold,
        "LessThanThreshold": value < threshold,
        "LessThanOrEqualToThreshold": value <= threshold,
    }[alarm["ComparisonOperator"]]
