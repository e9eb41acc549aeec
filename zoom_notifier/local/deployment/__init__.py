"""The deployment's own files, shipped with the package so that an installed ``zoom-notifier``
can run the demo from any directory.

In the repository these are links to the files users deploy (``infrastructure/template.yaml``,
``state_machine.asl.json``, ``examples/templates/default.json``), so there is one copy of each;
a built wheel carries their contents.
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

__all__ = ["EXAMPLE_TEMPLATE_PATH", "STATE_MACHINE_PATH", "TEAM_TEMPLATE_PATHS", "TEMPLATE_PATH"]

_HERE = Path(str(files(__name__)))
TEMPLATE_PATH = _HERE / "template.yaml"
STATE_MACHINE_PATH = _HERE / "state_machine.asl.json"
EXAMPLE_TEMPLATE_PATH = _HERE / "default-template.json"
# The two-team example (README, demo scenario two-teams), by template name.
TEAM_TEMPLATE_PATHS = {name: _HERE / f"{name}.json" for name in ("team-paris", "team-new-york")}
