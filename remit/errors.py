"""Problems with user input, located precisely (file, line or row, field) and rendered in en/zh."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from remit.i18n import Lang, t


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the input: where it is and what was expected there.

    ``key`` and ``params`` name a message in :mod:`remit.i18n`, so the same problem can be
    shown in English or Chinese.
    """

    key: str
    params: dict[str, object] = field(default_factory=dict)
    source: str | None = None
    line: int | None = None
    row: int | None = None
    field: str | None = None

    @classmethod
    def at(cls, where: Mapping[str, object], key: str, /, **params: object) -> Problem:
        """The problem ``key`` located by ``where`` (``source``, ``line``, ``row``, ``field``)."""
        return cls(key, dict(params), **location(where))

    def render(self, lang: Lang | None = None) -> str:
        where = [self.source] if self.source else []
        if self.line is not None:
            where.append(t("loc.line", lang, n=self.line))
        if self.row is not None:
            where.append(t("loc.row", lang, n=self.row))
        if self.field:
            where.append(t("loc.field", lang, name=self.field))
        text = t(self.key, lang, **self.params)
        return f"{', '.join(where)}: {text}" if where else text


_WHERE = ("source", "line", "row", "field")


def location(where: Mapping[str, object]) -> dict[str, Any]:
    """The location keywords of a :class:`Problem` found in ``where``: ``source`` and
    ``field`` as text, ``line`` and ``row`` as numbers (absent or None: not known)."""
    found: dict[str, Any] = {}
    for key in _WHERE:
        value = where.get(key)
        if value is not None:
            if key in ("line", "row"):
                found[key] = value if isinstance(value, int) else int(str(value))
            else:
                found[key] = str(value)
    return found


class MessageError(ValueError):
    """A ``ValueError`` that names its message (``key``, ``params``), for the validators of a
    file's schema: the problem then shows in the user's language (see
    ``remit.files.typed.schema_problems``). ``str()`` is the English."""

    def __init__(self, key: str, /, **params: object):
        self.key, self.params = key, params
        super().__init__(t(key, "en", **params))


class RemitError(Exception):
    """Base of the errors remit raises on purpose."""


class InputError(RemitError):
    """The input (a file, a table, an argument) is wrong. Nothing has been written."""

    exit_code = 2

    def __init__(self, problems: Iterable[Problem]):
        # one bad cell of a row naming several units is one problem, not one per unit
        unique: dict[str, Problem] = {}
        for problem in problems:
            unique.setdefault(repr(problem), problem)
        self.problems: list[Problem] = list(unique.values())
        super().__init__()

    def __str__(self) -> str:
        # rendered when shown, not when raised: a caller that catches the refusal and counts
        # it (a benchmark, a batch's worker before it writes the reject) does not pay for the
        # "did you mean" hints it never shows
        return self.render("en")

    def __reduce__(self) -> tuple[Any, ...]:  # pickled with its problems (a worker's refusal)
        return (self.__class__, (self.problems,))

    @classmethod
    def one(cls, key: str, /, **kwargs: object) -> InputError:
        """An error with a single problem; location keywords go to :class:`Problem`."""
        where = {k: kwargs.pop(k) for k in _WHERE if k in kwargs}
        return cls([Problem.at(where, key, **kwargs)])

    def render(self, lang: Lang | None = None, limit: int = 50) -> str:
        lines = [p.render(lang) for p in self.problems[:limit]]
        if len(self.problems) > limit:
            lines.append(t("error.more", lang, count=len(self.problems) - limit))
        return "\n".join(lines)


class Collector:
    """Gathers problems during validation so the user sees all of them at once."""

    def __init__(self) -> None:
        self.problems: list[Problem] = []

    def add(self, key: str, /, **kwargs: object) -> None:
        where = {k: kwargs.pop(k) for k in _WHERE if k in kwargs}
        self.problems.append(Problem.at(where, key, **kwargs))

    def extend(self, problems: Iterable[Problem]) -> None:
        self.problems.extend(problems)

    def raise_if_any(self) -> None:
        if self.problems:
            raise InputError(self.problems)
