"""Command line: `python -m tradeloop [serve] [flags]` runs the server."""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence

from tradeloop.config import load_settings


def main(argv: Sequence[str] | None = None) -> int:
    """Parse the command line and run the chosen command; serve is the default."""
    args = list(sys.argv[1:] if argv is None else argv)
    if args[:1] == ["serve"]:
        args = args[1:]
    settings = load_settings(args, os.environ)
    from tradeloop.server import run  # imported late so --help stays fast and light

    run(settings)
    return 0


if __name__ == "__main__":
    sys.exit(main())
