"""The terminal: a rich console that keeps wide tables readable when output goes to a file or a pipe."""

from __future__ import annotations

import os
import sys

from rich.console import Console


def console(stderr: bool = False) -> Console:
    """A console that keeps wide tables readable when output goes to a file or a pipe."""
    stream = sys.stderr if stderr else sys.stdout
    width = None if stream.isatty() else int(os.environ.get("COLUMNS", "160"))
    return Console(file=stream, width=width, soft_wrap=False, highlight=False)
