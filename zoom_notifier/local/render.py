"""Text for people: a Slack message as it appears in the channel, and an execution's path."""

from __future__ import annotations

import html
import re
from typing import Any

from zoom_notifier.domain.messages import local_start
from zoom_notifier.local.executions import ExecutionReport, StateVisit

__all__ = ["execution_lines", "meeting_lines", "slack_lines"]

_EMOJI = {
    ":calendar:": "📅",
    ":link:": "🔗",
    ":key:": "🔑",
    ":red_circle:": "🔴",
    ":white_check_mark:": "✅",
    ":wastebasket:": "🗑️",
    ":movie_camera:": "🎥",
    ":rotating_light:": "🚨",
    ":warning:": "⚠️",
}
_LABELLED_LINK = re.compile(r"<([^|<>]+)\|([^<>]+)>")
_BARE_LINK = re.compile(r"<([^|<>]+)>")
_BOLD = re.compile(r"\*([^*\n]+)\*")
_CODE = re.compile(r"`([^`\n]+)`")


def _mrkdwn(text: str) -> str:
    text = _LABELLED_LINK.sub(lambda m: f"{m[2]} ({m[1]})", text)
    text = _BARE_LINK.sub(lambda m: m[1], text)
    text = _BOLD.sub(r"\1", text)
    text = _CODE.sub(r"\1", text)
    for code, emoji in _EMOJI.items():
        text = text.replace(code, emoji)
    return html.unescape(text)


def slack_lines(payload: dict[str, Any]) -> list[str]:
    """The message as a person reads it in Slack (links shown with their target)."""
    lines: list[str] = []
    for block in payload.get("blocks", []):
        if block.get("type") in {"section", "header"}:
            text = block["text"]
            rendered = _mrkdwn(text["text"]) if text["type"] == "mrkdwn" else text["text"]
            lines.extend(rendered.splitlines())
        elif block.get("type") == "context":
            lines.extend(
                _mrkdwn(element["text"]) if element.get("type") == "mrkdwn" else element["text"]
                for element in block.get("elements", [])
                if "text" in element
            )
        elif block.get("type") == "actions":
            lines.extend(
                f"[ {element['text']['text']} ] → {element['url']}"
                for element in block.get("elements", [])
                if element.get("type") == "button"
            )
    return lines or _mrkdwn(str(payload.get("text", ""))).splitlines()


def _describe(visit: StateVisit) -> str:
    retries = ""
    if visit.errors:
        names = ", ".join(sorted(set(visit.errors)))
        retries = f"{len(visit.errors)} failed attempt(s) ({names})"
    result = visit.result if isinstance(visit.result, dict) else {}
    if visit.kind == "Task" and visit.result is None:
        return f"{retries}, then failed here" if retries else "failed here"
    details = []
    if result.get("outcome") in {"created", "existing"}:
        details.append(f"{result['outcome']} meeting {result.get('meeting_id')}")
    elif result.get("outcome") == "skipped":
        details.append(f"skipped: {result.get('reason')}")
    elif "outcome" in result:
        details.append(str(result["outcome"]))
    if retries:
        details.append(f"after {retries}")
    return ", ".join(details)


def execution_lines(report: ExecutionReport) -> list[str]:
    """Each state entered, with its outcome and duration, then the final status."""
    lines = []
    for visit in report.visits:
        mark = "✓" if visit.succeeded else "✗"
        detail = _describe(visit)
        if visit.kind == "Fail":
            detail = f"{report.error}"
        lines.append(f"  {mark} {visit.name:<22} {visit.duration_ms:>7.0f} ms  {detail}".rstrip())
    lines.append(f"  = {report.status}" + (f": {report.error}" if report.error else ""))
    return lines


def meeting_lines(items: list[dict[str, Any]]) -> list[str]:
    """Each recorded meeting: its id, date, status, topic, local start and join link."""
    lines = []
    for item in items:
        if item.get("meeting_id"):
            start = local_start(item.get("start_time"), item.get("timezone"))
            lines.append(
                f"\nMeeting {item['meeting_id']} for {item['date']} ({item['status']}): "
                f"{item.get('topic')}, {start}\n  join: {item.get('join_url')}"
            )
    return lines
