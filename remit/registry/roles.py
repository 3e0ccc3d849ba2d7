"""Role references resolved on a snapshot: which unit ``@territorial`` and
``@territorial:<function>`` name in a street. One definition, used by routing (per event) and by
the graph check and its workload (per area)."""

from __future__ import annotations

from collections.abc import Iterable

from remit.registry.entities import Level, UnitKind
from remit.registry.snapshot import Snapshot


class TerritorialUnits:
    """Per snapshot: each street's office (its ``block`` unit at street level) and the units of
    each function serving a street — the first by code where there are several."""

    def __init__(self, snapshot: Snapshot):
        self.snapshot = snapshot
        self.offices: dict[str, str] = {}
        """street area → the code of its street office"""
        self.by_function: dict[tuple[str, str], str] = {}
        """(street area, function) → the code of the unit"""
        for unit in sorted(snapshot.units.values(), key=lambda u: u.code):
            if unit.kind is UnitKind.block and unit.level is Level.street:
                self.offices.setdefault(unit.jurisdiction, unit.code)
            if unit.function:
                self.by_function.setdefault((unit.jurisdiction, unit.function), unit.code)

    def unit(self, street: str, function: str) -> str:
        """The unit a territorial reference names in ``street``: its office when ``function``
        is "", else the unit of that function; "" when the street has none."""
        if not function:
            return self.offices.get(street, "")
        return self.by_function.get((street, function), "")

    def street_of(self, area: str) -> str | None:
        """The street ``area`` is in (itself, when a street); None above street level."""
        for code in self.snapshot.ancestors(area):
            found = self.snapshot.areas.get(code)
            if found is not None and found.level is Level.street:
                return code
        return None

    def streets(self, areas: Iterable[str]) -> list[str]:
        """The streets of ``areas``, each once, in order."""
        found: list[str] = []
        for area in areas:
            street = self.street_of(area)
            if street is not None and street not in found:
                found.append(street)
        return found
