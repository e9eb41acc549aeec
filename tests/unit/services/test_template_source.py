"""Which objects are templates: one rule for the dispatcher, check, calendar and validate."""

from __future__ import annotations

import pytest

from zoom_notifier.services.template_source import (
    TemplateSource,
    stray_keys,
    suggested_key,
    template_name,
    template_names,
)

PATTERN = "templates/{template}.json"
KEYS = [
    "templates/default.json",
    "templates/team-paris.json",
    "templates/Team Paris copy.json",
    "templates/sub/deep.json",
    "templates/README.md",
    "templates/.json",
    "elsewhere/team.json",
]


def test_a_template_is_a_key_whose_name_is_a_template_name() -> None:
    assert template_names(PATTERN, KEYS) == ["default", "team-paris"]
    assert template_name(PATTERN, "templates/sub/deep.json") is None


def test_a_key_in_the_templates_place_that_names_none_is_a_stray_to_report() -> None:
    # A README beside the templates is not one; a space or a folder makes a stray.
    assert stray_keys(PATTERN, KEYS) == [
        "templates/Team Paris copy.json",
        "templates/sub/deep.json",
    ]


@pytest.mark.parametrize(
    ("stray", "suggested"),
    [
        ("templates/Team Paris copy.json", "templates/Team-Paris-copy.json"),
        ("templates/sub/deep.json", "templates/sub-deep.json"),
        ("templates/_x y.json", "templates/t_x-y.json"),
    ],
)
def test_each_stray_gets_a_name_the_dispatcher_reads(stray: str, suggested: str) -> None:
    assert suggested_key(PATTERN, stray) == suggested
    assert template_name(PATTERN, suggested) is not None


def test_without_a_placeholder_there_is_one_template_and_no_stray() -> None:
    assert template_names("meeting.json", ["meeting.json", "x.json"]) == ["default"]
    assert stray_keys("meeting.json", ["meeting.json", "a b.json"]) == []


class ListingS3:
    """ListObjectsV2 in pages of two, each object with its ETag."""

    def __init__(self, etags: dict[str, str]) -> None:
        self.etags = etags
        self.calls = 0

    async def list_objects_v2(self, **arguments: object) -> dict[str, object]:
        self.calls += 1
        keys = sorted(self.etags)
        start = int(str(arguments.get("ContinuationToken", 0)))
        page = keys[start : start + 2]
        more = start + 2 < len(keys)
        return {
            "Contents": [{"Key": key, "ETag": self.etags[key]} for key in page],
            "IsTruncated": more,
            **({"NextContinuationToken": str(start + 2)} if more else {}),
        }


async def test_the_listing_gives_each_templates_version_and_reads_every_page() -> None:
    client = ListingS3(
        {
            "templates/team-a.json": '"etag-a"',
            "templates/team-b.json": '"etag-b"',
            "templates/Team C.json": '"etag-c"',
            "templates/README.md": '"etag-readme"',
        }
    )

    listing = await TemplateSource(client, "bucket", PATTERN).listing()  # type: ignore[arg-type]

    assert listing.names == ["team-a", "team-b"]
    assert listing.strays == ["templates/Team C.json"]
    assert listing.versions == {"team-a": '"etag-a"', "team-b": '"etag-b"'}
    assert client.calls == 2
