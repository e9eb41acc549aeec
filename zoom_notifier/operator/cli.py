"""The ``zoom-notifier`` entry point: parse the command line, run the command, and turn every
error into one line on stderr (``--verbose`` adds the traceback).

The exit code is 0 on success, 1 when the work failed, 2 for a usage problem: a bad argument,
setting or template.
"""

from __future__ import annotations

import os
import sys
import traceback
from collections.abc import Sequence

from zoom_notifier.errors import (
    ConfigurationError,
    InvalidExecutionInput,
    InvalidMeetingTemplate,
    ZoomNotifierError,
)
from zoom_notifier.operator.commands import EXIT_FAILED, EXIT_USAGE, CommandError
from zoom_notifier.operator.parser import build_parser
from zoom_notifier.runtime.logs import redact

__all__ = ["main"]


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        code: int = args.function(args)
    except (CommandError, ZoomNotifierError) as exc:
        if args.verbose:
            traceback.print_exc()
        code = exc.code if isinstance(exc, CommandError) else _exit_code(exc)
        print(f"zoom-notifier {args.command}: {redact(str(exc))}", file=sys.stderr)
    except BrokenPipeError:
        # The reader went away (`... | head`): nothing more can be written to it.
        _silence_stdout()
        print(f"zoom-notifier {args.command}: output closed early (broken pipe)", file=sys.stderr)
        code = EXIT_USAGE
    except Exception as exc:
        if args.verbose:
            traceback.print_exc()
        print(
            f"zoom-notifier {args.command}: unexpected {type(exc).__name__}: {redact(str(exc))} "
            "(--verbose shows the traceback)",
            file=sys.stderr,
        )
        code = EXIT_FAILED
    try:
        sys.stdout.flush()
    except BrokenPipeError:
        _silence_stdout()
        print(f"zoom-notifier {args.command}: output closed early (broken pipe)", file=sys.stderr)
        code = EXIT_USAGE
    return code


def _silence_stdout() -> None:
    """Point stdout at /dev/null, so that the interpreter's own flush at exit does not fail."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    os.close(devnull)


def _exit_code(exc: ZoomNotifierError) -> int:
    """Bad settings, arguments or templates are usage problems; anything else is a failed job."""
    usage = ConfigurationError | InvalidExecutionInput | InvalidMeetingTemplate
    return EXIT_USAGE if isinstance(exc, usage) else EXIT_FAILED
