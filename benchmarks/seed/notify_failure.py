"""Seed-style notify_failure: one webhook post per SNS record."""

from __future__ import annotations

import json
from typing import Any

from seed.common import http_json, secret


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    url = secret("SLACK_WEBHOOK_SECRET")
    for record in event["Records"]:
        detail = json.loads(record["Sns"]["Message"]).get("detail", {})
        http_json(url, {"text": f"zoom-notifier failed: {detail.get('error')}"})
    return {"posted": len(event["Records"])}
