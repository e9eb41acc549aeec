"""``zoom-notifier team-link TEAM [--rotate]``: a team's page address, its key issued (or
replaced) in the stack's ``TeamLinkSecret``.

The key is random (:func:`~zoom_notifier.services.team_links.new_key`), one per team; the
other teams' keys are kept as they are. A rotated key replaces the old one at once in the
secret; the inbound function reads the secret anew within five minutes, so the old address
stops working within five minutes.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from zoom_notifier.errors import ConfigurationError
from zoom_notifier.services.team_links import new_key, parse_team_keys, team_address

__all__ = ["TeamLink", "team_link"]


@dataclass(frozen=True)
class TeamLink:
    """A team's addresses, and whether its key is new."""

    page: str
    join: str
    feed: str
    issued: bool


def team_link(stack: str, team: str, *, rotate: bool, region: str | None = None) -> TeamLink:
    """The addresses of ``team``'s page in ``stack``, issuing its key when it has none (or
    when ``rotate``); :class:`~zoom_notifier.operator.checks.CheckFailed` names what is wrong."""
    from zoom_notifier.operator.checks import CheckFailed, read_stack  # noqa: PLC0415

    view = read_stack(stack, region)
    if team not in view.templates:
        known = ", ".join(sorted(view.templates)) or "none"
        raise CheckFailed(
            f"no template {team!r} in the stack's bucket (its templates: {known})",
            "upload the team's template first (aws s3 cp ...), or name one of these",
        )
    pages_url = view.deployment.output("TeamPagesUrl")
    arn = view.deployment.output("TeamLinkSecretArn")
    secrets = view.session.client("secretsmanager")
    raw = secrets.get_secret_value(SecretId=arn)["SecretString"]
    try:
        keys = parse_team_keys(raw, "the stack's TeamLinkSecret")
    except ConfigurationError as exc:  # the secret was edited by hand
        raise CheckFailed(
            str(exc),
            f"aws secretsmanager put-secret-value --secret-id {arn} --secret-string '{{}}'"
            " (then issue each team's key again)",
        ) from None
    issued = rotate or team not in keys
    if issued:
        keys[team] = new_key()
        secrets.put_secret_value(SecretId=arn, SecretString=json.dumps(keys, sort_keys=True))
    key = keys[team]
    return TeamLink(
        page=team_address(pages_url, team, key),
        join=team_address(pages_url, team, key, "/join"),
        feed=team_address(pages_url, team, key, ".ics"),
        issued=issued,
    )
