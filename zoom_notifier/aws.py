"""AWS clients for one invocation, and the translation of AWS failures into our error tree.

aioboto3 clients hold aiohttp sessions bound to the running event loop, so they live exactly as
long as one :class:`AwsClients` context (one invocation) and are never cached across invocations.
Each client is created on first use, so a handler pays only for the services it calls.
``AWS_ENDPOINT_URL`` (read by botocore itself) points every client at a local emulator.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from contextlib import AsyncExitStack, contextmanager
from types import TracebackType
from typing import TYPE_CHECKING, Any, Self

import aioboto3
import aiohttp
from aiobotocore.config import AioConfig
from aiobotocore.session import AioSession
from botocore.exceptions import (
    BotoCoreError,
    ClientError,
    HTTPClientError,
    NoCredentialsError,
    NoRegionError,
    PartialCredentialsError,
)
from botocore.exceptions import (
    ConnectionError as BotoConnectionError,
)
from botocore.loaders import create_loader

from zoom_notifier.container import STATE
from zoom_notifier.errors import AwsUnavailable, ConfigurationError, PermanentError

if TYPE_CHECKING:
    from types_aiobotocore_dynamodb.client import DynamoDBClient
    from types_aiobotocore_s3.client import S3Client
    from types_aiobotocore_secretsmanager.client import SecretsManagerClient

__all__ = ["AwsClients", "aws_errors", "error_code"]

# Small timeouts and botocore's standard retry mode: a slow AWS call fails fast as
# AwsUnavailable and Step Functions retries the step, instead of the Lambda timing out.
_CLIENT_CONFIG = AioConfig(
    connect_timeout=3,
    read_timeout=10,
    retries={"max_attempts": 3, "mode": "standard"},
)

_TRANSIENT_CODES = frozenset(
    {
        "InternalError",
        "InternalFailure",
        "InternalServerError",
        "InternalServiceError",
        "LimitExceededException",
        "ProvisionedThroughputExceededException",
        "RequestLimitExceeded",
        "RequestTimeout",
        "ServiceUnavailable",
        "SlowDown",
        "ThrottledException",
        "Throttling",
        "ThrottlingException",
    }
)


def _new_session() -> aioboto3.Session:
    """A session per invocation, sharing one botocore data loader per container.

    The loader only caches parsed service models (plain data, bound to no event loop); sharing
    it saves about 0.1 s of JSON parsing on every warm invocation.
    """
    if STATE.botocore_loader is None:
        STATE.botocore_loader = create_loader()
    core = AioSession()
    core.register_component("data_loader", STATE.botocore_loader)
    return aioboto3.Session(botocore_session=core)


class AwsClients:
    """Lazily created AWS clients, all closed when the ``async with`` block ends."""

    def __init__(self, session: aioboto3.Session | None = None) -> None:
        self._session = session
        self._stack = AsyncExitStack()
        self._clients: dict[str, Any] = {}

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self._stack.aclose()
        self._clients.clear()

    async def _client(self, service: str) -> Any:
        if service not in self._clients:
            if self._session is None:
                self._session = _new_session()
            self._clients[service] = await self._stack.enter_async_context(
                self._session.client(service, config=_CLIENT_CONFIG)  # type: ignore[call-overload]
            )
        return self._clients[service]

    async def s3(self) -> S3Client:
        client: S3Client = await self._client("s3")
        return client

    async def dynamodb(self) -> DynamoDBClient:
        client: DynamoDBClient = await self._client("dynamodb")
        return client

    async def secretsmanager(self) -> SecretsManagerClient:
        client: SecretsManagerClient = await self._client("secretsmanager")
        return client


def error_code(exc: ClientError) -> str:
    """The AWS error code of a botocore ``ClientError``."""
    return str(exc.response.get("Error", {}).get("Code", "Unknown"))


def _status(exc: ClientError) -> int:
    return int(exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0))


@contextmanager
def aws_errors(
    action: str,
    permanent: Mapping[str, Callable[[str], PermanentError]] | None = None,
    expected: frozenset[str] = frozenset(),
) -> Iterator[None]:
    """Translate AWS failures raised inside the block.

    ``permanent`` maps AWS error codes to our permanent errors, built from a message naming the
    code. Throttling, 5xx and network failures become :class:`AwsUnavailable` (retried by Step
    Functions); access denials and other refusals become :class:`ConfigurationError`, since
    they point at the deployment (role, table schema, resource names), not at the moment.
    Codes in ``expected`` (a conditional write's refusal, say) are re-raised untouched.
    """
    try:
        yield
    except ClientError as exc:
        code = error_code(exc)
        if code in expected:
            raise
        if permanent and code in permanent:
            raise permanent[code](f"{action}: {code}") from None
        if code in _TRANSIENT_CODES or _status(exc) >= 500:
            raise AwsUnavailable(f"{action}: {code} (AWS is throttling or failing)") from None
        message = str(exc.response.get("Error", {}).get("Message", ""))
        if "AccessDenied" in code:
            raise ConfigurationError(
                f"{action}: access denied ({code}); check the function's IAM role"
            ) from None
        raise ConfigurationError(f"{action}: AWS refused the request: {code}: {message}") from None
    except (BotoConnectionError, HTTPClientError, aiohttp.ClientError, TimeoutError) as exc:
        raise AwsUnavailable(f"{action}: {type(exc).__name__} while calling AWS") from None
    except (NoCredentialsError, NoRegionError, PartialCredentialsError) as exc:
        raise ConfigurationError(f"{action}: {exc}") from None
    except BotoCoreError as exc:
        raise ConfigurationError(f"{action}: {type(exc).__name__}: {exc}") from None
