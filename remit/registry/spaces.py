"""Code spaces of the catalogue: 部件 (component), 事件 (event), 热线 (hotline, 12345).

A standard numbers its matters within a space: GB/T 30428.2 部件 0101 (上水井盖) and CJ/T 214
事件 0101 are different matters, and a name (施工公示牌) may be a component and an event. The
registry keeps each matter under one *key* (``Matter.code``, unique in a catalogue version, as
stored); the code a matter has in its space is the key as written, or, when two spaces share
it, the key ``<space>.<code>`` (``event.0101``). Further codes of a matter in other spaces — a
12345 category that is the same matter (a crosswalk) — are its aliases qualified by space
(``hotline:010203``). No column holds a space: the matter's kind is its space.

Wherever a matter is named, ``<space>:<code>`` (``部件:0101``, ``component:0101``, ``12345:010203``,
``：`` too) names it in one space; a bare code or name that several spaces share is refused,
naming the candidates as ``space:code name``, unless a space is given (``--space``, an event's
``space``).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace

from remit.files.names import NameIndex, Unresolved, normalize_name
from remit.registry.entities import Matter, MatterKind

SPACE_SPELLINGS: dict[str, MatterKind] = {
    "component": MatterKind.component,
    "部件": MatterKind.component,
    "event": MatterKind.event,
    "事件": MatterKind.event,
    "hotline": MatterKind.hotline,
    "热线": MatterKind.hotline,
    "12345": MatterKind.hotline,
}
"""The spellings of each space (compared as names are: width and case folded)."""

_BY_SPELLING = {normalize_name(k): v for k, v in SPACE_SPELLINGS.items()}


def space_of(text: str) -> MatterKind | None:
    """The space ``text`` spells (``部件``, ``component``, ``12345`` …), or None."""
    return _BY_SPELLING.get(normalize_name(text))


def split_qualified(text: str) -> tuple[MatterKind | None, str]:
    """``部件:0101`` as (component, ``0101``); a text without a known space before a colon is
    returned as it is, with no space."""
    text = str(text).strip()
    for sep in (":", "："):
        head, found, tail = text.partition(sep)
        if found and tail.strip():
            space = space_of(head)
            if space is not None:
                return space, tail.strip()
    return None, text


def qualified(kind: MatterKind, code: str) -> str:
    """How a code is written in its space: ``event:0101``."""
    return f"{kind.value}:{code}"


def shared_key(kind: MatterKind, code: str) -> str:
    """The key a matter is stored under when another space has the same code: ``event.0101``."""
    return f"{kind.value}.{code}"


def code_in_space(matter: Matter) -> str:
    """The code of ``matter`` in its own space: its key, less a ``<space>.`` prefix."""
    prefix = f"{matter.kind.value}."
    return matter.code.removeprefix(prefix) if matter.code.startswith(prefix) else matter.code


def space_codes(matter: Matter) -> list[tuple[MatterKind, str]]:
    """Every (space, code) a matter has: its own, and its aliases qualified by a space."""
    out = [(matter.kind, code_in_space(matter))]
    for alias in matter.aliases:
        space, code = split_qualified(alias)
        if space is not None:
            out.append((space, code))
    return out


def assign_keys(matters: list[Matter], previous: Iterable[Matter]) -> list[Matter]:
    """The keys of one catalogue version's matters, given as (kind, code as written): a code
    one space alone has keeps its spelling; a code several spaces share is stored as
    ``<space>.<code>``, except where the previous version had it as a plain key in the same
    space (a matter keeps its key, so the duties that name it stay valid). Parents are
    looked up in the matter's own space."""
    kinds_of: dict[str, set[MatterKind]] = {}
    for m in matters:
        kinds_of.setdefault(m.code, set()).add(m.kind)
    kept = {(m.kind, m.code) for m in previous}

    def key(kind: MatterKind, code: str) -> str:
        if len(kinds_of.get(code, ())) <= 1 or (kind, code) in kept:
            return code
        return shared_key(kind, code)

    out = []
    for m in matters:
        parent = m.parent
        if parent is not None and m.kind in kinds_of.get(parent, ()):
            parent = key(m.kind, parent)
        new_key = key(m.kind, m.code)
        if new_key != m.code or parent != m.parent:
            m = replace(m, code=new_key, parent=parent)
        out.append(m)
    return out


class MatterIndex(NameIndex):
    """A :class:`NameIndex` of matters that knows their spaces: ``space:code`` names a code in
    one space, and a code or name several spaces share is ambiguous unless a space is given."""

    def __init__(self, matters: Iterable[Matter]):
        items = list(matters)
        super().__init__(((m.code, m.name, m.aliases) for m in items), "matter")
        self._kind = {m.code: m.kind for m in items}
        self._qualified = {m.code: qualified(m.kind, code_in_space(m)) for m in items}
        self._own: dict[str, set[tuple[MatterKind, str]]] = {}
        self._crosswalk: dict[str, set[tuple[MatterKind, str]]] = {}
        for m in items:
            own, *others = space_codes(m)
            self._own.setdefault(normalize_name(own[1]), set()).add((own[0], m.code))
            for space, code in others:
                self._crosswalk.setdefault(normalize_name(code), set()).add((space, m.code))

    def _candidates(self, found: Iterable[str]) -> str:
        return ", ".join(sorted(f"{self._qualified[c]} {self._display[c]}" for c in found))

    def resolve(self, text: str, unknown_key: str, **params: object) -> str:
        """The key ``text`` names; ``space`` (a :class:`MatterKind`) restricts it to a space."""
        space = params.pop("space", None)
        assert space is None or isinstance(space, MatterKind)
        text = str(text).strip()
        given, code = split_qualified(text)
        if given is not None and space is not None and given is not space:
            raise Unresolved("ref.space_mismatch", name=text, space=space.value)
        wanted = given or space
        folded = normalize_name(code)
        # a matter's own code in its space first, then a stored key (event.0101), then the
        # codes and names of other spaces (crosswalk aliases), names and aliases
        found = {key for s, key in self._own.get(folded, ()) if wanted in (None, s)}
        key = text if given is None else code  # a stored key, also as space:key (event:event.0101)
        if not found and key in self._codes and wanted in (None, self._kind[key]):
            return key
        if not found:
            found = {key for s, key in self._crosswalk.get(folded, ()) if wanted in (None, s)}
            found |= {k for k in self._by_name.get(folded, ()) if wanted in (None, self._kind[k])}
        if len(found) == 1:
            return next(iter(found))
        if len(found) > 1:
            several = len({self._kind[k] for k in found}) > 1
            key = "ref.ambiguous_space" if several else "ref.ambiguous_matter"
            raise Unresolved(key, name=text, candidates=self._candidates(found))
        raise Unresolved(unknown_key, name=text, hint=self.hint(code), **params)
