"""The terminal: a rich console that keeps wide tables readable when output goes to a file or a pipe,
and shows what the data says without letting the data drive the terminal.

Names, ids and notes come from files, events and the registry. On the terminal they are text,
never instructions: markup (``[bold]``) and emoji codes (``:warning:``) in them print as they
are written, and control characters — an escape sequence in an event id, a bidirectional
override in a name — print as escapes (``\\x1b[2J``, ``\\u202e``; :func:`remit.files.text.visible`),
through rich (:func:`console`) and through :func:`echo` alike. JSON and YAML written to standard
output are data, and are written as they are (JSON escapes control characters itself).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterable
from typing import Any

import click
from rich.console import Console, ConsoleOptions, RenderableType
from rich.segment import Segment
from rich.text import Text

from remit.files.text import visible


class _Terminal(Console):
    """A console whose text is shown by :func:`visible`: a string as it is made into rich text
    (so that a table measures its cells as shown), and every text segment as it is rendered
    (rich text made elsewhere; rich's own control segments, such as a progress bar's cursor
    moves, are left alone)."""

    def render_str(self, text: str, **options: Any) -> Text:
        return super().render_str(visible(text), **options)

    def render(
        self, renderable: RenderableType, options: ConsoleOptions | None = None
    ) -> Iterable[Segment]:
        for segment in super().render(renderable, options):
            if segment.control is None and not segment.text.isprintable():
                yield Segment(visible(segment.text), segment.style)
            else:
                yield segment


def console(stderr: bool = False) -> Console:
    """A console that keeps wide tables readable when output goes to a file or a pipe, and
    reads no markup or emoji codes in what it prints."""
    stream = sys.stderr if stderr else sys.stdout
    width = None if stream.isatty() else int(os.environ.get("COLUMNS", "160"))
    return _Terminal(
        file=stream, width=width, soft_wrap=False, highlight=False, markup=False, emoji=False
    )


def echo(text: str = "", *, nl: bool = True, err: bool = False) -> None:
    """A line (or text) for a person, on standard output or error, as :func:`visible` shows it."""
    click.echo(visible(text), nl=nl, err=err)
