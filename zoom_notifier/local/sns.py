"""What SNS hands to a subscriber: the notification, and the event Lambda receives.

One builder for the local run and every test. The shapes follow AWS's documentation: the JSON
an SQS subscription receives (docs.aws.amazon.com/sns/latest/dg/sns-message-and-json-formats.html)
and the event of a Lambda subscription (docs.aws.amazon.com/lambda/latest/dg/with-sns.html).
"""

from __future__ import annotations

import uuid
from typing import Any

__all__ = ["TOPIC_ARN", "lambda_event", "notification"]

TOPIC_ARN = "arn:aws:sns:us-east-1:123456789012:zoom-notifier-failures"


def notification(
    message: str, *, subject: str | None = None, topic_arn: str = TOPIC_ARN
) -> dict[str, Any]:
    """A notification as SNS delivers it to a queue."""
    return {
        "Type": "Notification",
        "MessageId": str(uuid.uuid4()),
        "TopicArn": topic_arn,
        "Subject": subject,
        "Message": message,
        "Timestamp": "2026-11-27T08:31:00.000Z",
    }


def lambda_event(*notifications: dict[str, Any]) -> dict[str, Any]:
    """The event SNS hands to a subscribed Lambda function, one record per notification."""
    return {
        "Records": [
            {
                "EventSource": "aws:sns",
                "EventVersion": "1.0",
                "EventSubscriptionArn": f"{sent.get('TopicArn', TOPIC_ARN)}:subscription",
                "Sns": {
                    "Type": sent.get("Type", "Notification"),
                    "MessageId": sent.get("MessageId"),
                    "TopicArn": sent.get("TopicArn"),
                    "Subject": sent.get("Subject"),
                    "Message": sent["Message"],
                    "Timestamp": sent.get("Timestamp"),
                },
            }
            for sent in notifications
        ]
    }
