"""Every ``zoom-notifier`` command the README and docs/*.md show in a code block works as
written: offline ones as they are, ``--stack`` ones against the local stack (moto, with the
Zoom and Slack models). Only what needs a person's own accounts is left out, by name."""

from __future__ import annotations

import glob
import re
import shlex
from pathlib import Path

import pytest

from zoom_notifier.operator.cli import main
from zoom_notifier.operator.parser import build_parser

REPOSITORY = Path(__file__).resolve().parents[2]
PAGES = [REPOSITORY / "README.md", *sorted((REPOSITORY / "docs").glob("*.md"))]
_COMMAND = re.compile(r"^\s*(?:\.venv/bin/)?zoom-notifier (.+?)\s*(?:#.*)?$")
# Commands that act on a person's real Zoom and Slack (`run`, `check` of the local .env), or
# on a real execution (`rerun`, `repost`): the system tests cover them with stand-ins.
_NEEDS_AN_ACCOUNT = ("run", "check", "rerun", "repost")


def _shell_lines(text: str) -> list[str]:
    """The lines of the page's shell code blocks (```, ```sh, ```bash; not ```text)."""
    lines, fence = [], None
    for line in text.splitlines():
        if line.startswith("```"):
            fence = None if fence is not None else line[3:].strip()
            continue
        if fence in {"", "sh", "bash"}:
            lines.append(line)
    return lines


_SPAN = re.compile(r"`(?:\.venv/bin/)?zoom-notifier ([^`]+)`")
# A word that stands for a value the reader fills in.
_PLACEHOLDER = re.compile(r"<|\.\.\.|\bFILE\b|\bARN\b|\bSTACK\b|\bDATE\b|\[|\bN\b|\bT\b|\bS\b")


def _argv(command: str) -> list[str]:
    """The arguments as a shell gives them: words split, file patterns expanded."""
    argv = []
    for word in shlex.split(command):
        matches = sorted(glob.glob(word, root_dir=REPOSITORY)) if "*" in word else []
        argv += matches or [word]
    return argv


def _parses(command: str) -> bool:
    try:
        build_parser().parse_args(_argv(command))
    except SystemExit as exited:
        return exited.code == 0
    return True


def _documented() -> list[tuple[str, str]]:
    """The commands of the shell blocks, and those in the prose's code spans that are whole
    commands (a span such as `zoom-notifier check --stack` names the command, it is no
    example to run)."""
    found: dict[str, str] = {}
    for page in PAGES:
        text = page.read_text()
        commands = [m[1] for line in _shell_lines(text) if (m := _COMMAND.match(line))]
        commands += [span for span in _SPAN.findall(text) if _parses(span)]
        for command in commands:
            if not _PLACEHOLDER.search(command):
                found.setdefault(command.strip(), page.name)
    return [(page, command) for command, page in found.items()]


DOCUMENTED = _documented()


def test_the_docs_show_commands_to_check() -> None:
    assert len(DOCUMENTED) >= 4


@pytest.mark.parametrize(("page", "command"), DOCUMENTED, ids=[c for _, c in DOCUMENTED])
def test_a_documented_command_works_as_written(
    page: str,
    command: str,
    request: pytest.FixtureRequest,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    argv = _argv(command)
    if "--stack" in argv:
        # The local stack is named as the docs name it (zoom-notifier), and answers for it.
        for fixture in ("stack", "zoom", "slack"):
            request.getfixturevalue(fixture)
    elif argv[0] in _NEEDS_AN_ACCOUNT:
        pytest.skip(f"{argv[0]} without --stack needs your own Zoom and Slack accounts")
    monkeypatch.chdir(REPOSITORY)

    try:
        code = main(argv)
    except SystemExit as exited:  # --help
        code = int(exited.code or 0)

    captured = capsys.readouterr()
    # status's 1 is its answer ("something needs a person"), not a failure to run.
    allowed = {0, 1} if argv[0] == "status" else {0}
    assert code in allowed, f"{page}: zoom-notifier {command}\n{captured.out}\n{captured.err}"
    assert "unexpected" not in captured.err
