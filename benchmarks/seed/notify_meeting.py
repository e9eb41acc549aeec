"""Seed-style NotifyMeeting: DynamoDB read, webhook post, DynamoDB write."""

from __future__ import annotations

import os
from typing import Any

from seed.common import dynamodb, http_json, secret


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    table = os.environ["MEETINGS_TABLE"]
    key = {"date": {"S": event["date"]}, "template": {"S": event["template"]}}
    item = dynamodb.get_item(TableName=table, Key=key, ConsistentRead=True)["Item"]
    http_json(
        secret("SLACK_WEBHOOK_SECRET"),
        {"text": f"{item['topic']['S']}: {item['join_url']['S']}"},
    )
    dynamodb.put_item(TableName=table, Item={**item, "status": {"S": "notified"}})
    return {"outcome": "notified", "date": event["date"]}
