"""What the three seed-style handlers share: boto3 clients at import, JSON over urllib."""

from __future__ import annotations

import json
import os
import urllib.request
from typing import Any

import boto3

s3 = boto3.client("s3")
dynamodb = boto3.client("dynamodb")
secretsmanager = boto3.client("secretsmanager")


def http_json(
    url: str, body: Any = None, headers: dict[str, str] | None = None, method: str = "POST"
) -> Any:
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(  # noqa: S310 - the bench's loopback stand-ins
        url,
        data=data,
        method=method,
        headers={"Content-Type": "application/json", **(headers or {})},
    )
    with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
        text = response.read().decode()
    try:
        return json.loads(text)
    except ValueError:
        return text


def secret(name: str) -> str:
    return str(secretsmanager.get_secret_value(SecretId=os.environ[name])["SecretString"])
