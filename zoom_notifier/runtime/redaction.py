"""Secret values, and replacing them in text at a cost that does not grow with their number.

Two kinds are kept. Credentials (Secrets Manager values, Zoom's access token, the settings'
secrets) are cached for the container's life, and so are kept as long. What one invocation
reads (a template's passcode, the meeting's password and start link) is kept until that
invocation ends (:func:`invocation_secrets`): a warm container that created a thousand days'
meetings does not scan every log line for a thousand passwords, and a dispatcher that read
ten thousand templates does so only in that tick.

Matching: a few values are searched one by one (``str.__contains__`` is fast); past
:data:`_SCAN_ABOVE`, the text is scanned once, each position looked up by its first
:data:`MIN_SECRET_LENGTH` characters in an index of the values, so a line costs the same with a
hundred values as with ten thousand. A matcher compiled from all the values (a regular
expression, a trie) would cost a compilation on each new value, and Python's regular
expressions try an alternation's branches one by one. Longest values first, so that a value
that contains another is replaced whole.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar

__all__ = [
    "MIN_SECRET_LENGTH",
    "REDACTED",
    "SecretValues",
    "current_invocation_secrets",
    "invocation_secrets",
]

REDACTED = "[REDACTED]"
# Shorter values would redact ordinary words; real secrets are longer.
MIN_SECRET_LENGTH = 4
# Up to this many values, searching for each is faster than scanning the text.
_SCAN_ABOVE = 24


class SecretValues:
    """A set of secret values and their replacement in text (thread-safe to add to)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._values: set[str] = set()
        self._longest_first: tuple[str, ...] = ()
        self._by_prefix: dict[str, tuple[str, ...]] = {}

    def __len__(self) -> int:
        return len(self._values)

    def __contains__(self, value: object) -> bool:
        return value in self._values

    def add(self, values: Iterable[str | None]) -> None:
        """Remember each value long enough to be a secret (others are ignored)."""
        new = {
            value
            for value in values
            if value and len(value) >= MIN_SECRET_LENGTH and value not in self._values
        }
        if not new:
            return
        with self._lock:
            self._values |= new
            if len(self._values) <= _SCAN_ABOVE:
                self._longest_first = _longest_first(self._values)
                return
            if self._longest_first or not self._by_prefix:
                # Past the threshold: index everything once, then only what is added.
                self._by_prefix = self._index(self._values)
                self._longest_first = ()
                return
            for value in new:
                prefix = value[:MIN_SECRET_LENGTH]
                # One assignment: a reader sees the old tuple or the new one.
                self._by_prefix[prefix] = _longest_first({*self._by_prefix.get(prefix, ()), value})

    @staticmethod
    def _index(values: set[str]) -> dict[str, tuple[str, ...]]:
        groups: dict[str, set[str]] = {}
        for value in values:
            groups.setdefault(value[:MIN_SECRET_LENGTH], set()).add(value)
        return {prefix: _longest_first(group) for prefix, group in groups.items()}

    def redact(self, text: str) -> str:
        """``text`` with every value replaced by :data:`REDACTED`."""
        longest_first, by_prefix = self._longest_first, self._by_prefix
        if longest_first:
            for value in longest_first:
                if value in text:
                    text = text.replace(value, REDACTED)
            return text
        if not by_prefix or len(text) < MIN_SECRET_LENGTH:
            return text
        return "".join(_scan(text, by_prefix))


def _longest_first(values: Iterable[str]) -> tuple[str, ...]:
    return tuple(sorted(values, key=len, reverse=True))


def _scan(text: str, by_prefix: dict[str, tuple[str, ...]]) -> Iterator[str]:
    """The pieces of ``text`` with each value found (leftmost, longest) replaced."""
    kept = position = 0
    end = len(text) - MIN_SECRET_LENGTH
    while position <= end:
        candidates = by_prefix.get(text[position : position + MIN_SECRET_LENGTH])
        found = None
        if candidates is not None:
            found = next((value for value in candidates if text.startswith(value, position)), None)
        if found is None:
            position += 1
            continue
        yield text[kept:position]
        yield REDACTED
        position += len(found)
        kept = position
    yield text[kept:]


_invocation: ContextVar[SecretValues | None] = ContextVar("invocation_secrets", default=None)


def current_invocation_secrets() -> SecretValues | None:
    """The values of the invocation running in this context, if one is."""
    return _invocation.get()


@contextmanager
def invocation_secrets() -> Iterator[SecretValues]:
    """Within the block, the values one invocation registers are kept apart and forgotten at
    its end. A context variable, not the container's state: the local stack runs several
    invocations at once in threads, and one's end must not forget another's values."""
    values = SecretValues()
    token = _invocation.set(values)
    try:
        yield values
    finally:
        _invocation.reset(token)
