"""Secret values: replaced whole however many are kept; an invocation's forgotten at its end."""

from __future__ import annotations

import threading

from hypothesis import given
from hypothesis import strategies as st

from zoom_notifier.runtime.logs import redact, register_invocation_secret, register_secret
from zoom_notifier.runtime.redaction import (
    REDACTED,
    SecretValues,
    current_invocation_secrets,
    invocation_secrets,
)

# Lower-case letters and digits: no value can be read inside "[REDACTED]" itself.
_VALUES = st.text("abcdefghijklmnopqrstuvwxyz0123456789", min_size=4, max_size=12)
_FILLER = st.text("ABC XYZ-:/=?&", max_size=8)


@given(values=st.lists(_VALUES, min_size=1, max_size=60, unique=True), data=st.data())
def test_no_value_survives_however_many_are_kept(values: list[str], data: st.DataObject) -> None:
    secrets = SecretValues()
    secrets.add(values)
    shown = data.draw(st.lists(st.sampled_from(values), max_size=6))
    fillers = data.draw(st.lists(_FILLER, min_size=len(shown) + 1, max_size=len(shown) + 1))
    text = fillers[0] + "".join(
        value + filler for value, filler in zip(shown, fillers[1:], strict=True)
    )

    redacted = secrets.redact(text)

    assert not any(value in redacted for value in values)
    assert redacted.count(REDACTED) >= len(shown) > 0 or not shown


def test_a_value_containing_another_is_replaced_whole_in_both_modes() -> None:
    few, many = SecretValues(), SecretValues()
    few.add(["abcd", "abcdefgh"])
    many.add(["abcd", "abcdefgh", *(f"filler{number:04d}" for number in range(100))])

    for secrets in (few, many):
        assert secrets.redact("x abcdefgh y abcd") == f"x {REDACTED} y {REDACTED}"


def test_values_added_past_the_threshold_are_found_too() -> None:
    secrets = SecretValues()
    for number in range(200):
        secrets.add([f"pass{number:04d}"])

    assert secrets.redact("pwd=pass0000&pass0199!") == f"pwd={REDACTED}&{REDACTED}!"
    assert secrets.redact("pass") == "pass"
    assert len(secrets) == 200


def test_short_or_empty_values_are_not_kept() -> None:
    secrets = SecretValues()
    secrets.add(["abc", "", None])

    assert len(secrets) == 0
    assert secrets.redact("abc") == "abc"


def test_an_invocations_values_are_forgotten_at_its_end_and_credentials_are_kept() -> None:
    with invocation_secrets():
        register_invocation_secret("FAKE-passcode-1")
        register_secret("FAKE-credential-1")
        assert redact("FAKE-passcode-1 FAKE-credential-1") == f"{REDACTED} {REDACTED}"

    assert redact("FAKE-passcode-1") == "FAKE-passcode-1"
    assert redact("FAKE-credential-1") == REDACTED
    assert current_invocation_secrets() is None


def test_one_threads_invocation_ending_does_not_forget_anothers() -> None:
    # The local stack runs invocations at once in threads, each under its own scope.
    registered, ended, seen = threading.Event(), threading.Event(), []

    def long_invocation() -> None:
        with invocation_secrets():
            register_invocation_secret("FAKE-long-passcode")
            registered.set()
            ended.wait(5)
            seen.append(redact("FAKE-long-passcode"))

    def short_invocation() -> None:
        registered.wait(5)
        with invocation_secrets():
            register_invocation_secret("FAKE-short-passcode")
        ended.set()

    threads = [threading.Thread(target=long_invocation), threading.Thread(target=short_invocation)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)

    assert seen == [REDACTED]


def test_outside_an_invocation_a_value_is_kept_for_the_process() -> None:
    register_invocation_secret("FAKE-command-passcode")

    assert redact("FAKE-command-passcode") == REDACTED
