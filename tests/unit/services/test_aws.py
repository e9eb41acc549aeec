"""Translation of AWS failures into the error tree."""

from __future__ import annotations

import ssl
from typing import Any, cast

import certifi
import pytest
from botocore.exceptions import (
    ClientError,
    EndpointConnectionError,
    NoRegionError,
    ParamValidationError,
    ReadTimeoutError,
)

from zoom_notifier.errors import (
    AwsUnavailable,
    ConfigurationError,
    TemplateNotFound,
    ZoomNotifierError,
)
from zoom_notifier.services.aws import AwsClients, aws_errors


def client_error(code: str, status: int = 400) -> ClientError:
    response: Any = {
        "Error": {"Code": code, "Message": f"{code} happened"},
        "ResponseMetadata": {"HTTPStatusCode": status},
    }
    return ClientError(response, "GetItem")


@pytest.mark.parametrize(
    ("raised", "expected", "text"),
    [
        (client_error("ProvisionedThroughputExceededException"), AwsUnavailable, "throttling"),
        (client_error("ThrottlingException"), AwsUnavailable, "ThrottlingException"),
        (client_error("SomethingNew", 503), AwsUnavailable, "SomethingNew"),
        (client_error("AccessDeniedException", 403), ConfigurationError, "IAM role"),
        (client_error("ValidationException"), ConfigurationError, "ValidationException happened"),
        (client_error("NoSuchKey", 404), TemplateNotFound, "reading x: NoSuchKey"),
        (EndpointConnectionError(endpoint_url="http://x"), AwsUnavailable, "EndpointConnection"),
        (ReadTimeoutError(endpoint_url="http://x"), AwsUnavailable, "ReadTimeoutError"),
        (TimeoutError(), AwsUnavailable, "TimeoutError"),
        (NoRegionError(), ConfigurationError, "region"),
        (ParamValidationError(report="bad bucket"), ConfigurationError, "bad bucket"),
    ],
)
def test_aws_failures_become_named_errors(
    raised: Exception, expected: type[ZoomNotifierError], text: str
) -> None:
    with (
        pytest.raises(expected) as caught,
        aws_errors("reading x", permanent={"NoSuchKey": TemplateNotFound}),
    ):
        raise raised

    assert text in str(caught.value)
    assert str(caught.value).startswith("reading x")


def test_expected_codes_pass_through_untouched() -> None:
    error = client_error("ConditionalCheckFailedException")

    with (
        pytest.raises(ClientError) as caught,
        aws_errors("x", expected=frozenset({"ConditionalCheckFailedException"})),
    ):
        raise error

    assert caught.value is error


async def test_clients_are_created_lazily_once_per_service() -> None:
    async with AwsClients() as aws:
        first = await aws.dynamodb()
        again = await aws.dynamodb()

    assert first is again


def _connector(client: object) -> Any:
    """The connector aiobotocore's HTTP session of ``client`` builds (private: the test pins
    our override of it)."""
    return cast(Any, client)._endpoint.http_session._create_connector(None)


async def test_aws_clients_verify_with_aiohttp_s_default_context(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """No CA bundle is read per client: ``ssl=True`` is aiohttp's verified default context,
    built once when aiohttp is imported."""
    for bundle in ("AWS_CA_BUNDLE", "REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE"):  # botocore's
        monkeypatch.delenv(bundle, raising=False)
    async with AwsClients() as aws:
        connector = _connector(await aws.dynamodb())
        try:
            assert connector._ssl is True
        finally:
            await connector.close()


async def test_a_configured_ca_bundle_keeps_aiobotocore_s_own_context(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("AWS_CA_BUNDLE", certifi.where())
    async with AwsClients() as aws:
        connector = _connector(await aws.dynamodb())
        try:
            assert isinstance(connector._ssl, ssl.SSLContext)
        finally:
            await connector.close()
