"""The package as a user installs it: the built wheel, with its ``local`` extra, in a fresh
virtual environment, running the demo from a directory that is not the repository.

Offline: the build backend and every locked dependency are in uv's cache since ``make setup``
(``uv sync`` fetched them), so this test reaches no network.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

REPOSITORY = Path(__file__).resolve().parents[2]


def _uv() -> str:
    found = shutil.which("uv") or str(REPOSITORY / ".tools" / "bin" / "uv")
    assert Path(found).exists(), "uv not found: `make setup` installs it into .tools/"
    return found


def _run(command: list[str], cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    completed = subprocess.run(  # noqa: S603 - our own build and install commands
        command, cwd=cwd, env=env, capture_output=True, text=True, check=False, timeout=300
    )
    assert completed.returncode == 0, f"{command}\n{completed.stdout}\n{completed.stderr}"
    return completed


def test_the_installed_wheel_runs_the_demo_from_any_directory(tmp_path: Path) -> None:
    uv = _uv()
    venv = tmp_path / "venv"
    elsewhere = tmp_path / "somewhere-else"
    elsewhere.mkdir()
    env = {
        name: value
        for name, value in os.environ.items()
        if name not in {"VIRTUAL_ENV", "UV_PROJECT_ENVIRONMENT", "PYTHONPATH"}
        and not name.startswith("AWS_")
    }
    env |= {"UV_PYTHON_DOWNLOADS": "never", "UV_PROJECT_ENVIRONMENT": str(venv)}

    _run([uv, "build", "--offline", "--wheel", "--quiet", "--out-dir", str(tmp_path)],
         REPOSITORY, env)  # fmt: skip
    (wheel,) = tmp_path.glob("zoom_notifier-*.whl")
    # The locked versions of the runtime dependencies and of the `local` extra, nothing else.
    _run([uv, "sync", "--locked", "--offline", "--quiet", "--no-dev", "--extra", "local",
          "--no-install-project", "--python", sys.executable], REPOSITORY, env)  # fmt: skip
    python = venv / "bin" / "python"
    _run([uv, "pip", "install", "--offline", "--quiet", "--no-deps", "--python", str(python),
          str(wheel)], elsewhere, env)  # fmt: skip

    located = _run([str(python), "-c", "import zoom_notifier; print(zoom_notifier.__file__)"],
                   elsewhere, env)  # fmt: skip
    demo = _run([str(venv / "bin" / "zoom-notifier"), "demo", "--date", "2026-11-27"],
                elsewhere, env)  # fmt: skip

    assert located.stdout.startswith(str(venv))
    assert "= SUCCEEDED" in demo.stdout
    assert "Scenario default ended as it should." in demo.stdout
