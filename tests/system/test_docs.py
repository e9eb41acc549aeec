"""The documentation matches the code: the quick start is the two commands CI runs, every error
has a runbook row, and every target, command and link the pages name exists."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

from zoom_notifier import errors
from zoom_notifier.inbound.zoom_event import LIFE_EVENTS, RECORDING_COMPLETED
from zoom_notifier.operator.parser import build_parser

REPOSITORY = Path(__file__).resolve().parents[2]
README = (REPOSITORY / "README.md").read_text()
PAGES = [REPOSITORY / "README.md", *sorted((REPOSITORY / "docs").glob("*.md"))]


def _section(text: str, title: str) -> str:
    start = text.index(f"## {title}\n")
    end = text.find("\n## ", start + 1)
    return text[start : end if end != -1 else None]


def test_the_quick_start_is_two_commands_and_ci_runs_the_test_one() -> None:
    block = re.search(r"```sh\n(.*?)```", _section(README, "Quick start"), re.DOTALL)
    assert block is not None
    commands = [line.split("#")[0].strip() for line in block[1].splitlines() if line.strip()]

    assert commands == ["make demo", "make test"]
    assert "make test" in (REPOSITORY / ".ci" / "run").read_text().splitlines()[-1]


def test_the_runbook_has_a_row_for_every_error() -> None:
    runbook = _section(README, "Operate")
    named = set(re.findall(r"`([A-Za-z.]+)`", runbook))
    bases = {"ZoomNotifierError", "TransientError", "PermanentError"}

    assert set(errors.__all__) - bases <= named


def _make_targets() -> set[str]:
    makefile = (REPOSITORY / "Makefile").read_text()
    return set(re.findall(r"^([a-z][a-z-]*):", makefile, re.MULTILINE))


@pytest.mark.parametrize("page", PAGES, ids=[page.name for page in PAGES])
def test_every_make_target_and_command_a_page_names_exists(page: Path) -> None:
    text = page.read_text()
    # As typed: in a code span, at the start of a line of a code block, or after a path.
    typed = r"(?:`|^\s*|bin/)"
    targets = set(re.findall(typed + r"make ([a-z][a-z-]+)\b", text, re.MULTILINE))
    commands = set(re.findall(typed + r"zoom-notifier ([a-z][a-z-]+)\b", text, re.MULTILINE))

    assert targets <= _make_targets()
    assert [command for command in sorted(commands) if not _is_command(command)] == []


def _is_command(name: str) -> bool:
    with pytest.raises(SystemExit) as exited:
        build_parser().parse_args([name, "--help"])
    return exited.value.code == 0


@pytest.mark.parametrize("page", PAGES, ids=[page.name for page in PAGES])
def test_every_relative_link_points_at_a_file(page: Path) -> None:
    links = re.findall(r"\]\(((?!https?://)[^)#]+)(?:#[^)]*)?\)", page.read_text())

    missing = [link for link in links if not (page.parent / link).exists()]
    assert missing == []


def test_make_help_lists_every_documented_target() -> None:
    completed = subprocess.run(
        ["make", "--no-print-directory", "help"],  # noqa: S607
        cwd=REPOSITORY, capture_output=True, text=True, check=False,
    )  # fmt: skip

    listed = {line.split()[0] for line in completed.stdout.splitlines()}
    documented = set(re.findall(r"`make ([a-z][a-z-]+)\b", README))
    assert documented <= listed


def test_the_readme_names_every_zoom_event_the_service_acts_on() -> None:
    section = _section(README, "Slack app mode")

    for event in [*LIFE_EVENTS, RECORDING_COMPLETED]:
        assert f"`{event}`" in section, event
