"""Data access: the inbound requests already answered, so a replayed one is refused.

A signed request can be sent again, as it is, within Slack's five-minute window; its
signature is unique to its timestamp and body, so the first answer writes the signature's
hash with a conditional put, and a second put of the same hash fails: the request was seen.
Items expire (DynamoDB TTL) well after the window closes; an item not yet removed by TTL but
past its time no longer counts (TTL deletes within days, not at once).
"""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING

from botocore.exceptions import ClientError

from zoom_notifier.errors import ConfigurationError
from zoom_notifier.services.aws import aws_errors, error_code

if TYPE_CHECKING:
    from types_aiobotocore_dynamodb.client import DynamoDBClient

__all__ = ["SEEN_FOR_SECONDS", "SeenRequests"]

# Longer than the window both ways (a request five minutes ahead of our clock is valid for ten).
SEEN_FOR_SECONDS = 15 * 60


class SeenRequests:
    """The table of requests answered: partition key ``request`` (S), TTL ``expires_at``."""

    def __init__(self, client: DynamoDBClient, table: str) -> None:
        self._client = client
        self._table = table

    async def first_time(self, signature: str, now: float) -> bool:
        """Record the request signed ``signature``; False if it was recorded before."""
        key = hashlib.sha256(signature.encode()).hexdigest()
        moment = int(now)
        try:
            with aws_errors(
                f"recording an inbound request in table {self._table!r}",
                permanent={"ResourceNotFoundException": self._missing},
                expected=frozenset({"ConditionalCheckFailedException"}),
            ):
                await self._client.put_item(
                    TableName=self._table,
                    Item={
                        "request": {"S": key},
                        "expires_at": {"N": str(moment + SEEN_FOR_SECONDS)},
                    },
                    ConditionExpression="attribute_not_exists(#request) OR expires_at < :now",
                    ExpressionAttributeNames={"#request": "request"},
                    ExpressionAttributeValues={":now": {"N": str(moment)}},
                )
        except ClientError as exc:
            if error_code(exc) == "ConditionalCheckFailedException":
                return False
            raise
        return True

    def _missing(self, message: str) -> ConfigurationError:
        return ConfigurationError(f"{message}: check INBOUND_REQUESTS_TABLE={self._table!r}")
