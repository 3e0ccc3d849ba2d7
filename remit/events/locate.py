"""Where an event happened, as Open311 clients say it — a point or an address — found among the
areas of one snapshot.

:class:`Locator` holds, for one snapshot, a shapely STRtree over the shapes of the areas in
force that have one (:attr:`remit.Area.geometry`), and an index of every spelling an address
may name an area by: its address aliases (:attr:`remit.Area.addresses`: roads, compounds),
its name and its aliases. :func:`locator_for` builds it once per snapshot (kept by the
snapshot's hash) and hands it out again.

- :meth:`Locator.at` ``(lat, long)``: the area whose shape holds the point; of several (a grid
  inside its community inside its street …), the deepest level, then the smallest shape. A point
  on a border belongs to every shape it touches (shapely's ``intersects``): of two grids sharing
  the border, the smaller one, and of two of one size, the one with the lower code — so the
  same point always lands in the same area.
- :meth:`Locator.address` ``(text)``: the area a spelling found in the text names — the
  longest spelling found (several of that length, say two roads at a crossing: all of them),
  then the deepest area they name; several areas of that level are refused
  (:class:`AmbiguousAddress`, naming them). Spellings are compared as names are
  (:func:`remit.files.names.normalize_name`: width, case and spaces folded); a spelling of one
  character is never looked for.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from remit.files.names import normalize_name
from remit.registry.entities import Area, Level
from remit.registry.snapshot import Snapshot

DEPTH = {level: depth for depth, level in enumerate(Level)}
"""How deep a level is: city 0 … grid 4."""


class AmbiguousAddress(ValueError):
    """An address whose longest spellings name several areas of one level."""

    def __init__(self, spelling: str, candidates: Iterable[Area]):
        self.spelling = spelling
        self.candidates = tuple(sorted(candidates, key=lambda a: a.code))
        names = ", ".join(f"{a.code} {a.name}" for a in self.candidates)
        super().__init__(f"{spelling!r} names several areas: {names}")


@dataclass(frozen=True, slots=True)
class _Spelled:
    spelling: str
    """As :func:`normalize_name` folds it."""
    areas: tuple[Area, ...]
    """The areas of the deepest level it names (several: ambiguous)."""


class Locator:
    """Finds the area of a point or an address among the areas of one snapshot (see the
    module). Build it once per snapshot: :func:`locator_for`."""

    def __init__(self, snapshot: Snapshot):
        from shapely import Point, STRtree

        self._point: Any = Point

        self.snapshot_hash = snapshot.hash
        shaped = sorted(
            (a for a in snapshot.areas.values() if a.geometry is not None), key=lambda a: a.code
        )
        shapes = [a.geometry.shape() for a in shaped if a.geometry is not None]
        self._areas: tuple[Area, ...] = tuple(shaped)
        self._rank: tuple[tuple[int, float, str], ...] = tuple(
            (-DEPTH[a.level], shape.area, a.code) for a, shape in zip(shaped, shapes, strict=True)
        )
        self._tree: Any = STRtree(shapes) if shapes else None
        self._spellings = _spellings(snapshot.areas.values())
        self._lengths = sorted({len(s) for s in self._spellings}, reverse=True)
        """The lengths spellings have, longest first: a text is looked up by its pieces of
        these lengths (a handful), whatever the number of spellings."""

    @property
    def shaped(self) -> int:
        """How many areas in force have a shape."""
        return len(self._areas)

    def at(self, lat: float, long: float) -> Area | None:
        """The area whose shape holds the point (latitude, longitude in WGS 84 degrees): the
        deepest, then the smallest, then the lowest code; None when no shape holds it."""
        if self._tree is None:
            return None
        hits: list[int] = self._tree.query(self._point(long, lat), predicate="intersects").tolist()
        if not hits:
            return None
        best = hits[0] if len(hits) == 1 else min(hits, key=self._rank.__getitem__)
        return self._areas[best]

    def address(self, text: str) -> Area | None:
        """The area the longest spelling found in ``text`` names (an address alias, a name or
        an alias; the deepest area of those it names); None when ``text`` holds none.
        :class:`AmbiguousAddress` when that spelling names several areas of its deepest level."""
        folded = normalize_name(text)
        spellings, lengths = self._spellings, self._lengths
        longest: dict[str, _Spelled] = {}
        length = 0
        for i in range(len(folded) - 1):
            for size in lengths:
                if size < length:
                    break  # longest first: none further is as long as what was found
                spelled = spellings.get(folded[i : i + size])
                if spelled is not None:
                    if size > length:
                        longest, length = {}, size
                    longest[spelled.spelling] = spelled
                    break
        if not longest:
            return None
        named = {a.code: a for spelled in longest.values() for a in spelled.areas}
        deepest = max(DEPTH[a.level] for a in named.values())
        chosen = [a for a in named.values() if DEPTH[a.level] == deepest]
        if len(chosen) > 1:
            raise AmbiguousAddress("、".join(sorted(longest)), chosen)
        return chosen[0]


def _spellings(areas: Iterable[Area]) -> dict[str, _Spelled]:
    """Every spelling (address alias, name, alias; two characters or more) → the areas of the
    deepest level it names."""
    named: dict[str, dict[str, Area]] = {}
    for area in areas:
        for spelling in (*area.addresses, area.name, *area.aliases):
            folded = normalize_name(spelling)
            if len(folded) >= 2:
                named.setdefault(folded, {})[area.code] = area
    found: dict[str, _Spelled] = {}
    for spelling, by_code in named.items():
        deepest = max(DEPTH[a.level] for a in by_code.values())
        chosen = tuple(a for _, a in sorted(by_code.items()) if DEPTH[a.level] == deepest)
        found[spelling] = _Spelled(spelling, chosen)
    return found


_LOCATORS: dict[str, Locator] = {}
_KEEP = 4


def locator_for(snapshot: Snapshot) -> Locator:
    """The locator of ``snapshot``, built once and kept (by the snapshot's hash: snapshots
    that share it have the same areas in force) for the last few snapshots used."""
    locator = _LOCATORS.pop(snapshot.hash, None) or Locator(snapshot)
    _LOCATORS[snapshot.hash] = locator
    while len(_LOCATORS) > _KEEP:
        del _LOCATORS[next(iter(_LOCATORS))]
    return locator
