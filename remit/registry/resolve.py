"""Name resolution: real lists spell one body three ways, so units, areas and matters are
found by code, by name or by alias, with a "did you mean" hint when nothing matches."""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections.abc import Iterable, Mapping


class Unresolved(Exception):
    """A name did not resolve; ``key`` and ``params`` name the message for the user."""

    def __init__(self, key: str, **params: object):
        super().__init__(key)
        self.key, self.params = key, params


def normalize_name(text: str) -> str:
    """Fold width (（）→()), case and spaces so that spellings of one name compare equal."""
    folded = unicodedata.normalize("NFKC", str(text)).casefold()
    return re.sub(r"\s+", "", folded)


class NameIndex:
    """Finds a code by code, name or alias. Names shared by several entries are ambiguous."""

    def __init__(self, entries: Iterable[tuple[str, str, Iterable[str]]], what: str):
        self.what = what
        self._codes: set[str] = set()
        self._by_name: dict[str, set[str]] = {}
        self._display: dict[str, str] = {}
        for code, name, aliases in entries:
            self._codes.add(code)
            self._display[code] = name
            for spelling in (code, name, *aliases):
                self._by_name.setdefault(normalize_name(spelling), set()).add(code)

    def __contains__(self, code: str) -> bool:
        return code in self._codes

    def resolve(self, text: str, unknown_key: str, **params: object) -> str:
        text = str(text).strip()
        if text in self._codes:
            return text
        found = self._by_name.get(normalize_name(text), set())
        if len(found) == 1:
            return next(iter(found))
        if len(found) > 1:
            raise Unresolved(
                f"ref.ambiguous_{self.what}",
                name=text,
                candidates=", ".join(f"{c} {self._display[c]}" for c in sorted(found)),
            )
        raise Unresolved(unknown_key, name=text, hint=self.hint(text), **params)

    def hint(self, text: str) -> str:
        spellings = {normalize_name(n): n for n in [*self._display.values(), *self._codes]}
        wanted = normalize_name(text)
        close = difflib.get_close_matches(wanted, list(spellings), n=3, cutoff=0.6)
        # a name written with a qualifier, e.g. 油烟污染（餐饮单位） for 油烟污染
        close += [s for s in spellings if len(s) > 1 and s in wanted and s not in close][:3]
        if not close:
            return ""
        return " (did you mean " + ", ".join(repr(spellings[c]) for c in close) + "?)"


def index_of(items: Mapping[str, object], what: str) -> NameIndex:
    """A :class:`NameIndex` over objects with ``code``, ``name`` and ``aliases``."""
    return NameIndex(
        ((code, item.name, item.aliases) for code, item in items.items()),  # type: ignore[attr-defined]
        what,
    )
