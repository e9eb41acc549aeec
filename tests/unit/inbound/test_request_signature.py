"""Slack's request signature: Slack's documented example, the window, and the same verdict as
slack_sdk's own verifier wherever that one can answer."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from slack_sdk.signature import SignatureVerifier

from zoom_notifier.inbound.request_signature import (
    TIMESTAMP_TOLERANCE_SECONDS,
    sign,
    signature_problem,
)

# docs.slack.dev/authentication/verifying-requests-from-slack ("Validating a request"): the
# example's secret, timestamp, body and the signature Slack computed for them.
SLACK_SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
SLACK_TIMESTAMP = "1531420618"
SLACK_BODY = (
    b"token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id="
    b"G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-"
    b"collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F3977008"
    b"85554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c"
    b"447fce8b6703c"
)
SLACK_SIGNATURE = "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503"
AT = float(SLACK_TIMESTAMP)


def test_slacks_documented_example_is_signed_as_slack_signs_it() -> None:
    assert sign(SLACK_SECRET, SLACK_TIMESTAMP, SLACK_BODY) == SLACK_SIGNATURE
    assert signature_problem(SLACK_SECRET, SLACK_TIMESTAMP, SLACK_SIGNATURE, SLACK_BODY, AT) is None


@pytest.mark.parametrize(
    ("timestamp", "signature", "body", "now", "problem"),
    [
        (None, SLACK_SIGNATURE, SLACK_BODY, AT, "missing"),
        (SLACK_TIMESTAMP, None, SLACK_BODY, AT, "missing"),
        ("1531420618.5", SLACK_SIGNATURE, SLACK_BODY, AT, "not a number"),
        ("-1531420618", SLACK_SIGNATURE, SLACK_BODY, AT, "not a number"),
        (SLACK_TIMESTAMP, SLACK_SIGNATURE, SLACK_BODY, AT + 301, "window"),  # stale
        (SLACK_TIMESTAMP, SLACK_SIGNATURE, SLACK_BODY, AT - 301, "window"),  # from the future
        (SLACK_TIMESTAMP, SLACK_SIGNATURE.upper(), SLACK_BODY, AT, "not v0="),
        (SLACK_TIMESTAMP, "v1=" + SLACK_SIGNATURE[3:], SLACK_BODY, AT, "not v0="),
        (SLACK_TIMESTAMP, SLACK_SIGNATURE + "é", SLACK_BODY, AT, "not v0="),
        (SLACK_TIMESTAMP, SLACK_SIGNATURE[:-1] + "0", SLACK_BODY, AT, "does not match"),
        (SLACK_TIMESTAMP, SLACK_SIGNATURE, SLACK_BODY + b"&x=1", AT, "does not match"),
        ("1531420619", SLACK_SIGNATURE, SLACK_BODY, AT, "does not match"),  # re-stamped
    ],
    ids=[
        "no-timestamp",
        "no-signature",
        "fractional-timestamp",
        "negative-timestamp",
        "stale",
        "future",
        "upper-case-hex",
        "other-version",
        "not-ascii",
        "one-digit-off",
        "body-changed-after-signing",
        "timestamp-changed-after-signing",
    ],
)
def test_a_request_not_signed_by_slack_just_now_is_refused(
    timestamp: str | None, signature: str | None, body: bytes, now: float, problem: str
) -> None:
    found = signature_problem(SLACK_SECRET, timestamp, signature, body, now)

    assert found is not None
    assert problem in found


def test_the_window_is_five_minutes_both_ways_inclusive() -> None:
    for now in (AT + TIMESTAMP_TOLERANCE_SECONDS, AT - TIMESTAMP_TOLERANCE_SECONDS):
        assert (
            signature_problem(SLACK_SECRET, SLACK_TIMESTAMP, SLACK_SIGNATURE, SLACK_BODY, now)
            is None
        )


class _At:
    def __init__(self, now: float) -> None:
        self._now = now

    def now(self) -> float:
        return self._now


@given(
    body=st.text(max_size=200).map(str.encode),
    timestamp=st.integers(min_value=int(AT) - 400, max_value=int(AT) + 400).map(str),
    tamper=st.booleans(),
)
def test_the_verdict_is_slack_sdks_wherever_its_verifier_answers(
    body: bytes, timestamp: str, tamper: bool
) -> None:
    signature = sign(SLACK_SECRET, timestamp, body)
    if tamper:
        signature = signature[:-1] + ("1" if signature[-1] == "0" else "0")
    theirs = SignatureVerifier(SLACK_SECRET, clock=_At(AT)).is_valid(body, timestamp, signature)  # type: ignore[arg-type]

    ours = signature_problem(SLACK_SECRET, timestamp, signature, body, AT) is None

    assert ours == theirs
