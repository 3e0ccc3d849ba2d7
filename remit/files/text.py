"""The characters text from input may hold, and how text is shown on a terminal.

Two kinds of text come in. A **line** — a name, code, alias, id, the person acting — is one
line of visible text: it may hold no control character (C0, DEL, C1), no format character
(zero-width spaces and joiners, bidirectional marks and overrides, the byte order mark), no line
or paragraph separator and no lone surrogate. A **text** — a note, a description, a
justification — may run over several lines: tabs and line breaks (LF, CR) are allowed, other
control characters, bidirectional controls (U+061C, U+200E, U+200F, U+202A–U+202E,
U+2066–U+2069) and lone surrogates are not.

Why: PostgreSQL cannot store NUL in text while SQLite can, so the two databases would disagree;
an escape sequence in an event id clears or rewrites the screen it is shown on; a bidirectional
override shows a name in another order than it compares; an invisible character makes two
names that look the same compare different (the name index folds width, case and spaces, not
invisible characters). Files, requests and events are refused with the field and the character
named (:data:`Line`, :data:`Text`: pydantic types); who acts and the note of a write are
checked when the registry writes (:func:`refuse`).

:func:`visible` is how the terminal shows text it is handed (``remit.present.console``): what a
text may not hold, and carriage returns, written as escapes (``\\x1b``, ``\\u202e``), so a
registry filled before these rules, or a file that is being refused, cannot drive the terminal.
"""

from __future__ import annotations

import unicodedata
from typing import Annotated

from pydantic import AfterValidator

from remit.errors import InputError, MessageError

BIDI_CONTROLS = frozenset(
    "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
)
"""Unicode's Bidi_Control characters: marks, embeddings, overrides and isolates."""

_LINE_BREAKS = frozenset("\t\n\r")


def _refused(char: str, lines: bool) -> bool:
    if lines and char in _LINE_BREAKS:
        return False
    category = unicodedata.category(char)
    if category in ("Cc", "Cs") or char in BIDI_CONTROLS:
        return True
    return not lines and category in ("Cf", "Zl", "Zp")


def refused_character(text: str, *, lines: bool = False) -> tuple[int, str] | None:
    """The first character ``text`` may not hold, with its position (1 = the first), or None.
    ``lines``: a text of several lines (tabs and line breaks allowed), else one line."""
    if text.isprintable():  # the usual case, in C: no control, format or separator character
        return None
    for position, char in enumerate(text, 1):
        if _refused(char, lines):
            return position, char
    return None


def code_point(char: str) -> str:
    """``U+001B``: how messages name a character that cannot be shown."""
    return f"U+{ord(char):04X}"


def _checked(lines: bool) -> AfterValidator:
    key = "text.refused_text" if lines else "text.refused_line"

    def check(text: str) -> str:
        found = refused_character(text, lines=lines)
        if found is not None:
            raise MessageError(key, position=found[0], char=code_point(found[1]))
        return text

    return AfterValidator(check)


ONE_LINE = _checked(lines=False)
"""The check of :data:`Line`, to follow a string's own constraints, which pydantic applies best
before any validator: ``Annotated[str, Field(min_length=1), ONE_LINE]``."""

Line = Annotated[str, ONE_LINE]
"""One line of visible text: a name, code, alias, id (see the module's rules)."""

Text = Annotated[str, _checked(lines=True)]
"""Text that may run over several lines: a note, a description (see the module's rules)."""


def refuse(value: str | None, field: str, *, lines: bool = False) -> None:
    """Raise :class:`InputError` naming ``field`` when ``value`` holds a character it may not:
    for what is given outside a file (who acts, the note of a write)."""
    found = refused_character(value, lines=lines) if value else None
    if found is not None:
        raise InputError.one(
            "text.refused_text" if lines else "text.refused_line",
            field=field,
            position=found[0],
            char=code_point(found[1]),
        )


def visible(text: str) -> str:
    """``text`` as a terminal may be handed it: every character a text may not hold, and
    carriage returns, written as an escape (``\\x1b``, ``\\u202e``); line breaks and tabs
    stay."""
    if text.isprintable():
        return text
    return "".join(
        (f"\\x{ord(c):02x}" if ord(c) < 0x100 else f"\\u{ord(c):04x}")
        if c == "\r" or _refused(c, lines=True)
        else c
        for c in text
    )
