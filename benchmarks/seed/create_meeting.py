"""Seed-style CreateMeeting: S3 get, Secrets Manager, Zoom token and create, DynamoDB writes."""

from __future__ import annotations

import base64
import json
import os
import time
from typing import Any

from seed.common import dynamodb, http_json, s3, secret


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    day = event["date"]
    template = json.loads(
        s3.get_object(Bucket=os.environ["TEMPLATE_BUCKET"], Key="templates/default.json")[
            "Body"
        ].read()
    )
    table = os.environ["MEETINGS_TABLE"]
    key = {"date": {"S": day}, "template": {"S": "default"}}
    dynamodb.put_item(
        TableName=table,
        Item={**key, "status": {"S": "creating"}, "expires_at": {"N": str(int(time.time()))}},
    )
    credentials = json.loads(secret("ZOOM_CREDENTIALS_SECRET"))
    basic = base64.b64encode(
        f"{credentials['client_id']}:{credentials['client_secret']}".encode()
    ).decode()
    token = http_json(
        f"{os.environ['ZOOM_OAUTH_URL']}?grant_type=account_credentials"
        f"&account_id={credentials['account_id']}",
        headers={"Authorization": f"Basic {basic}"},
    )["access_token"]
    body = {**template, "topic": template["topic"].replace("{date}", day),
            "start_time": f"{day}T{template['start_time']}:00"}  # fmt: skip
    meeting = http_json(
        f"{os.environ['ZOOM_API_URL']}/users/{os.environ['ZOOM_USER_ID']}/meetings",
        body,
        headers={"Authorization": f"Bearer {token}"},
    )
    dynamodb.put_item(
        TableName=table,
        Item={
            **key,
            "status": {"S": "created"},
            "meeting_id": {"N": str(meeting["id"])},
            "join_url": {"S": meeting["join_url"]},
            "topic": {"S": meeting["topic"]},
            "expires_at": {"N": str(int(time.time()))},
        },
    )
    return {"outcome": "created", "date": day, "meeting_id": meeting["id"]}
