"""Lambda entry points. Each module imports only what its step uses, to keep cold starts short.

Importing a handler creates hundreds of thousands of objects that live as long as the container,
so the garbage collector is paused while it runs (its passes over them were about a tenth of the
import) and, once the handler module is loaded, :func:`imported` moves them to the permanent
generation, where later collections do not walk them again.
"""

from __future__ import annotations

import gc
import os

__all__ = ["imported"]

gc.disable()
# No pydantic plugin is used: without this, pydantic scans every installed distribution's
# entry points on the first model it builds.
os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")


def imported() -> None:
    """Called at the end of each handler module: keep its objects out of future collections."""
    gc.freeze()
    gc.enable()
