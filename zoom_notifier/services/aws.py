"""The AWS clients, and the translation of AWS failures into our error tree.

aioboto3 clients hold aiohttp sessions bound to the event loop that created them, so they live
as long as one :class:`AwsClients` context: the container's loop holds one for its life
(:mod:`zoom_notifier.runtime.connections`). Each client is created on first use, so a handler
pays only for the services it calls. ``AWS_ENDPOINT_URL`` (read by botocore itself) points every
client at a local emulator.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Mapping
from contextlib import AsyncExitStack, contextmanager
from datetime import UTC, datetime
from types import TracebackType
from typing import TYPE_CHECKING, Any, Self

import aioboto3
import aiohttp
from aiobotocore.config import AioConfig
from aiobotocore.httpsession import AIOHTTPSession
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
from botocore.utils import parse_timestamp

from zoom_notifier.errors import AwsUnavailable, ConfigurationError, PermanentError
from zoom_notifier.runtime.container import STATE

if TYPE_CHECKING:
    from types_aiobotocore_dynamodb.client import DynamoDBClient
    from types_aiobotocore_s3.client import S3Client
    from types_aiobotocore_secretsmanager.client import SecretsManagerClient
    from types_aiobotocore_sns.client import SNSClient
    from types_aiobotocore_stepfunctions.client import SFNClient

__all__ = [
    "AWS_CONNECTIONS",
    "AWS_OPERATIONS",
    "AWS_SERVICES",
    "AwsClients",
    "aws_errors",
    "error_code",
]

# Every AWS operation the handlers call. The Lambda artifact ships botocore's models of these
# services alone, cut down to these operations (infrastructure/package.py): a client of another
# service is refused here, and the tests compare every call they see the handlers make with
# this table, so a new call cannot reach Lambda without its model.
AWS_OPERATIONS = {
    "dynamodb": ("BatchGetItem", "DeleteItem", "GetItem", "PutItem", "Query", "UpdateItem"),
    "lambda": ("Invoke",),
    "s3": ("GetObject", "ListObjectsV2"),
    "secretsmanager": ("GetSecretValue",),
    "sns": ("Publish",),
    "stepfunctions": ("DescribeExecution", "ListExecutions", "StartExecution"),
}
AWS_SERVICES = tuple(sorted(AWS_OPERATIONS))


class _SharedSslSession(AIOHTTPSession):
    """aiobotocore's HTTP session, verifying with aiohttp's default SSL context.

    aiobotocore builds a context per client from botocore's CA bundle (about 30 ms and 1 MiB
    each, three times on a cold start), while aiohttp has built its verified default context
    (the system's trust store, which holds the Amazon roots, on Lambda too) when it was
    imported. A proxy or a custom ``verify`` (``AWS_CA_BUNDLE``) keeps aiobotocore's own path.
    """

    # Overrides aiobotocore's own method and reads its attributes (the typed stubs do not list
    # them): aiobotocore is locked in uv.lock, and every AWS call of the tests goes through here.
    def _create_connector(self, proxy_url: str | None) -> aiohttp.TCPConnector:
        if proxy_url or self._verify is not True:  # type: ignore[attr-defined]
            return super()._create_connector(proxy_url)  # type: ignore[misc, no-any-return]
        return aiohttp.TCPConnector(
            limit=self._max_pool_connections,  # type: ignore[attr-defined]
            ssl=True,
            **self._connector_args,  # type: ignore[attr-defined]
        )


# Small timeouts and botocore's standard retry mode: a slow AWS call fails fast as
# AwsUnavailable and Step Functions retries the step, instead of the Lambda timing out.
# botocore's pool holds 10 connections by default; the dispatcher reads and starts this
# many at once (workflow/template_reads.py, workflow/dispatch.py).
AWS_CONNECTIONS = 32
_CLIENT_CONFIG = AioConfig(
    connect_timeout=3,
    read_timeout=10,
    retries={"max_attempts": 3, "mode": "standard"},
    max_pool_connections=AWS_CONNECTIONS,
    http_session_cls=_SharedSslSession,
)


class _ClientsOnlySession(aioboto3.Session):
    """aioboto3's session without boto3's customizations of resources and S3 transfers: only
    plain clients are used, and the S3 one would import the transfer manager (about 30 ms)."""

    def _register_default_handlers(self) -> None:
        return None


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
    """A session sharing one botocore data loader per container.

    The loader only caches parsed service models (plain data, bound to no event loop): a new
    loop after :func:`~zoom_notifier.runtime.container.reset_container`, or the one-off
    connections of a test, parse nothing again.
    """
    if STATE.botocore_loader is None:
        STATE.botocore_loader = create_loader()
    core = AioSession()
    core.register_component("data_loader", STATE.botocore_loader)
    core.get_component("response_parser_factory").set_parser_defaults(timestamp_parser=_timestamp)
    return _ClientsOnlySession(botocore_session=core)


def _timestamp(value: str | float) -> datetime:
    """botocore's timestamp parser, without dateutil for the two forms the handlers receive:
    epoch seconds (JSON protocols: Step Functions' dates) and ISO 8601 (S3's listing, one
    ``LastModified`` per object: dateutil took 1.5 s of a tick listing 10 000 templates).
    Anything else is botocore's own parser's."""
    if isinstance(value, int | float):
        return datetime.fromtimestamp(value, UTC)
    try:
        parsed = datetime.fromisoformat(value)
    except (TypeError, ValueError):
        return parse_timestamp(value)
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)


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
        if service not in AWS_SERVICES:
            raise ValueError(f"{service} is not in AWS_SERVICES (add it: the artifact ships those)")
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

    async def stepfunctions(self) -> SFNClient:
        client: SFNClient = await self._client("stepfunctions")
        return client

    async def sns(self) -> SNSClient:
        client: SNSClient = await self._client("sns")
        return client

    async def lambda_(self) -> Any:
        """Lambda (no typed stubs are installed for it: the one call is ``invoke``)."""
        return await self._client("lambda")


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
    except (NoCredentialsError, PartialCredentialsError) as exc:
        # In Lambda the role gives credentials; anywhere else, a profile or the environment.
        hint = (
            "check the function's role"
            if os.environ.get("AWS_LAMBDA_FUNCTION_NAME")
            else "run `aws configure`, or set AWS_PROFILE to a profile that exists "
            "(`aws configure list-profiles`)"
        )
        raise ConfigurationError(f"{action}: no AWS credentials ({exc}); {hint}") from None
    except NoRegionError as exc:
        raise ConfigurationError(
            f"{action}: {exc}; set AWS_REGION (or AWS_DEFAULT_REGION), or pass --region"
        ) from None
    except BotoCoreError as exc:
        raise ConfigurationError(f"{action}: {type(exc).__name__}: {exc}") from None
