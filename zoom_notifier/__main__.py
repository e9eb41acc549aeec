"""``python -m zoom_notifier``: the same as the ``zoom-notifier`` command."""

import sys

from zoom_notifier.operator.cli import main

sys.exit(main())
