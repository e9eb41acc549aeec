"""Telling the team something went wrong outside an execution (a late dispatch): the failure
topic, whose subscriber ``notify_failure`` posts every message to Slack."""

from __future__ import annotations

from typing import TYPE_CHECKING

from zoom_notifier.services.aws import aws_errors

if TYPE_CHECKING:
    from types_aiobotocore_sns.client import SNSClient

__all__ = ["FailureTopic"]

# SNS subjects: at most 100 printable ASCII characters (docs.aws.amazon.com/sns/latest/api/
# API_Publish.html, "Subject").
_SUBJECT_LIMIT = 100


class FailureTopic:
    """The deployment's failure topic."""

    def __init__(self, client: SNSClient, arn: str) -> None:
        self._client = client
        self._arn = arn

    async def report(self, subject: str, text: str) -> None:
        with aws_errors(f"publishing to {self._arn}"):
            await self._client.publish(
                TopicArn=self._arn, Subject=subject[:_SUBJECT_LIMIT], Message=text
            )
