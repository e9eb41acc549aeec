"""Where meeting templates come from: one S3 bucket, one object per named template."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from zoom_notifier.domain.template import (
    MAX_TEMPLATE_BYTES,
    MeetingTemplate,
    TemplateListing,
    parse_template,
)
from zoom_notifier.errors import InvalidMeetingTemplate, TemplateNotFound
from zoom_notifier.services.aws import aws_errors

if TYPE_CHECKING:
    from types_aiobotocore_s3.client import S3Client

__all__ = [
    "TEMPLATE_PLACEHOLDER",
    "TemplateSource",
    "stray_keys",
    "suggested_key",
    "template_name",
    "template_names",
    "template_object_key",
]

TEMPLATE_PLACEHOLDER = "{template}"
_TEMPLATE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}")  # models.TemplateName


def template_object_key(key_pattern: str, template: str) -> str:
    """The S3 key of a named template: ``{template}`` in ``TEMPLATE_KEY`` is replaced by it."""
    if TEMPLATE_PLACEHOLDER in key_pattern:
        return key_pattern.replace(TEMPLATE_PLACEHOLDER, template)
    if template != "default":
        raise TemplateNotFound(
            f"template {template!r} was asked for, but TEMPLATE_KEY has no {{template}} "
            "placeholder, so only the 'default' template exists"
        )
    return key_pattern


def template_name(key_pattern: str, object_key: str) -> str | None:
    """The name of the template ``TEMPLATE_KEY`` reads at ``object_key``, if any
    (``templates/{template}.json`` and ``templates/team-a.json``: ``team-a``)."""
    if TEMPLATE_PLACEHOLDER not in key_pattern:
        return "default" if object_key == key_pattern else None
    prefix, _, suffix = key_pattern.partition(TEMPLATE_PLACEHOLDER)
    if not (object_key.startswith(prefix) and object_key.endswith(suffix)):
        return None
    name = object_key[len(prefix) : len(object_key) - len(suffix)]
    return name if _TEMPLATE_NAME.fullmatch(name) else None


def template_names(key_pattern: str, object_keys: list[str]) -> list[str]:
    """The template names among ``object_keys`` (see :func:`template_name`); without a
    ``{template}`` placeholder, only ``default`` exists."""
    if TEMPLATE_PLACEHOLDER not in key_pattern:
        return ["default"]
    names = {template_name(key_pattern, key) for key in object_keys}
    return sorted(name for name in names if name is not None)


def stray_keys(key_pattern: str, object_keys: list[str]) -> list[str]:
    """The keys where templates live (``TEMPLATE_KEY``'s prefix and suffix) that name no
    template (a space, a sub-folder, a character a name cannot hold): no dispatcher starts
    them, so ``check`` and the dispatcher report them instead of the team's day passing in
    silence. Other objects (a README beside the templates) are not templates and not reported."""
    if TEMPLATE_PLACEHOLDER not in key_pattern:
        return []
    prefix, _, suffix = key_pattern.partition(TEMPLATE_PLACEHOLDER)
    return sorted(
        key
        for key in object_keys
        if key.startswith(prefix)
        and key.endswith(suffix)
        and len(key) > len(prefix) + len(suffix)
        and template_name(key_pattern, key) is None
    )


def suggested_key(key_pattern: str, stray: str) -> str:
    """Where a stray template could go: its name with each character a name cannot hold
    replaced (``templates/Team Paris copy.json``: ``templates/Team-Paris-copy.json``)."""
    prefix, _, suffix = key_pattern.partition(TEMPLATE_PLACEHOLDER)
    name = stray[len(prefix) : len(stray) - len(suffix)]
    safe = re.sub(r"[^A-Za-z0-9_.-]+", "-", name).strip("-.")[:64] or "template"
    if not safe[0].isalnum():
        safe = "t" + safe[:63]
    return f"{prefix}{safe}{suffix}"


class TemplateSource:
    """Meeting templates stored in one S3 bucket."""

    def __init__(self, client: S3Client, bucket: str, key_pattern: str) -> None:
        self._client = client
        self._bucket = bucket
        self._key_pattern = key_pattern

    async def names(self) -> list[str]:
        """Every template in the bucket (see :func:`template_names`)."""
        return (await self.listing()).names

    async def listing(self) -> TemplateListing:
        """Every template in the bucket, and the keys that name none (:func:`stray_keys`)."""
        if TEMPLATE_PLACEHOLDER not in self._key_pattern:
            return TemplateListing(["default"], [])
        prefix = self._key_pattern.partition(TEMPLATE_PLACEHOLDER)[0]
        etags: dict[str, str] = {}
        token: dict[str, str] = {}
        # One request per 1000 keys (ListObjectsV2's most), each with its objects' ETags.
        with aws_errors(f"listing s3://{self._bucket}/{prefix}"):
            while True:
                page = await self._client.list_objects_v2(
                    Bucket=self._bucket,
                    Prefix=prefix,
                    **token,  # type: ignore[arg-type]
                )
                etags |= {entry["Key"]: entry.get("ETag", "") for entry in page.get("Contents", [])}
                if not page.get("IsTruncated"):
                    break
                token = {"ContinuationToken": page["NextContinuationToken"]}
        keys = list(etags)
        names = template_names(self._key_pattern, keys)
        return TemplateListing(
            names,
            stray_keys(self._key_pattern, keys),
            # An ETag changes whenever the object is written with other content (an MD5 of
            # it, or for a multipart or KMS-encrypted object another value that changes too:
            # docs.aws.amazon.com/AmazonS3/latest/API/API_Object.html, "ETag").
            {
                name: etags[key]
                for name in names
                if etags.get(key := template_object_key(self._key_pattern, name))
            },
        )

    async def load(self, template: str) -> MeetingTemplate:
        """Fetch and validate the named template."""
        object_key = template_object_key(self._key_pattern, template)
        location = f"s3://{self._bucket}/{object_key}"

        def not_found(message: str) -> TemplateNotFound:
            return TemplateNotFound(f"meeting template {location} not found ({message})")

        def empty(message: str) -> InvalidMeetingTemplate:
            # A ranged GET of an empty object answers 416 InvalidRange
            # (docs.aws.amazon.com/AmazonS3/latest/API/ErrorResponses.html).
            return InvalidMeetingTemplate(
                f"meeting template {location} is empty ({message}); put the template's JSON in it"
            )

        with aws_errors(
            f"reading {location}",
            permanent={
                "NoSuchBucket": not_found,
                "NoSuchKey": not_found,
                "404": not_found,
                "InvalidRange": empty,
                "416": empty,
            },
        ):
            response = await self._client.get_object(
                Bucket=self._bucket, Key=object_key, Range=f"bytes=0-{MAX_TEMPLATE_BYTES}"
            )
            async with response["Body"] as body:
                raw = await body.read()
        return parse_template(raw, location)
