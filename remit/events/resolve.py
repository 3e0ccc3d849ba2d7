"""Resolving events against one snapshot: matter, areas and owner by code, name or alias; attributes checked against the matter's domains."""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping
from typing import Any

from remit.conditions import (
    ConstraintError,
    EnumDomain,
    IntDomain,
    Listing,
    Named,
    Phrase,
    as_bool,
    as_int,
    attribute_name,
    enum_value,
    resolve_attribute,
)
from remit.errors import Collector, InputError
from remit.events.locate import AmbiguousAddress, locator_for
from remit.events.model import AttributeValue, Event, EventIn, Location
from remit.files.names import NameIndex, Unresolved, index_of
from remit.registry.entities import Matter, MatterKind, UnitKind
from remit.registry.groups import leaves_listing, matter_children
from remit.registry.snapshot import Snapshot
from remit.registry.spaces import SPACE_SPELLINGS, MatterIndex, space_of

_MEMO_LIMIT = 100_000
"""Spellings and values a resolver remembers before it starts afresh (a batch repeats a few
hundred; the limit only bounds memory against a stream of distinct ones)."""


_MEMOABLE = frozenset({str, int, float, bool, type(None)})


def _plain(text: str) -> str:
    """A text compared as written: NFKC (full-width ，and ､ as their plain forms), no spaces."""
    return "".join(unicodedata.normalize("NFKC", text).split())


def _remember(memo: dict[Any, Any], key: object, value: object) -> None:
    if len(memo) >= _MEMO_LIMIT:
        memo.clear()
    memo[key] = value


class _Names:
    """A :class:`NameIndex` that remembers the spellings it resolved."""

    def __init__(self, index: NameIndex, **params: object):
        self.index, self.params = index, params
        self.unknown_key = f"ref.unknown_{index.what}"
        self.known: dict[tuple[str, MatterKind | None], str] = {}

    def code(
        self,
        text: str,
        field: str,
        where: Mapping[str, object],
        collector: Collector,
        space: MatterKind | None = None,
    ) -> str | None:
        code = self.known.get((text, space))
        if code is not None:
            return code
        try:
            if space is not None and isinstance(self.index, MatterIndex):
                code = self.index.resolve(text, self.unknown_key, space=space, **self.params)
            else:
                code = self.index.resolve(text, self.unknown_key, **self.params)
        except Unresolved as exc:
            collector.add(exc.key, **exc.params, **where, field=field)
            return None
        _remember(self.known, (text, space), code)
        return code


class EventResolver:
    """Resolves events against one snapshot. Its name indexes are built once and remember what
    they resolved: make one resolver per snapshot and batch, not one per event."""

    def __init__(self, snapshot: Snapshot):
        self.snapshot = snapshot
        catalogue = snapshot.catalogue
        self._matters = (
            _Names(MatterIndex(snapshot.matters.values()), catalogue=catalogue.version.label)
            if catalogue is not None
            else None
        )
        self._areas = _Names(index_of(snapshot.areas, "area"))
        self._units = _Names(index_of(snapshot.units, "unit"))
        self._groups = matter_children(snapshot.matters.values())
        self._attributes: dict[tuple[str, str, type, object], tuple[str, AttributeValue | None]]
        self._attributes = {}

    def resolve(self, raw: EventIn, where: Mapping[str, object]) -> Event:
        """The resolved event, or :class:`InputError` with every problem of it, located by
        ``where`` (``{"source": …, "line": n}`` or ``{"source": …, "row": n}``) and the field."""
        collector = Collector()
        matter = self._matter(raw.matter, raw.space, where, collector)
        if raw.area is not None:
            area = self._areas.code(raw.area, "area", where, collector)
        elif raw.location is not None:
            area = self._located(raw.location, where, collector)
        else:  # EventIn refuses this; an event made without validation may still be so
            area = None
            collector.add("event.area_or_location", **where)
        areas = [area] if area is not None else []
        for i, text in enumerate(raw.areas):
            code = self._areas.code(text, f"areas[{i}]", where, collector)
            if code is not None and code not in areas:
                areas.append(code)
        attributes = (
            self._attribute_values(matter, raw.attributes, where, collector)
            if matter is not None
            else {}
        )
        owner = (
            self._units.code(raw.owner, "owner", where, collector)
            if raw.owner is not None
            else None
        )
        if owner is not None and areas:  # checked on the areas that resolved
            self._check_owner(owner, areas, where, collector)
        standard = (
            self._standard(matter, raw.standard, where, collector)
            if matter is not None and raw.standard is not None
            else None
        )
        if matter is None or area is None or collector.problems:  # None: a problem was reported
            raise InputError(collector.problems)
        return Event(
            id=raw.id,
            matter=matter.code,
            area=area,
            areas=tuple(areas),
            reported_at=raw.reported_at,
            source=raw.source,
            attributes=attributes,
            owner=owner,
            repeat_count=raw.repeat_count,
            extra=dict(raw.extra),
            standard=standard,
            emergency=raw.emergency,
            location=raw.location,
        )

    def _located(
        self, location: Location, where: Mapping[str, object], collector: Collector
    ) -> str | None:
        """The code of the area ``location`` is in: the point's, else the address's (see
        :mod:`remit.events.locate`); None, with a problem at ``location``, when neither is
        found or the address is ambiguous."""
        locator = locator_for(self.snapshot)
        if location.lat is not None and location.long is not None:
            found = locator.at(location.lat, location.long)
            if found is not None:
                return found.code
        if location.address is not None:
            try:
                found = locator.address(location.address)
            except AmbiguousAddress as exc:
                collector.add(
                    "event.location_ambiguous",
                    address=location.address,
                    spelling=exc.spelling,
                    areas=Listing(
                        Named(f"{a.code} {a.name}", f"{a.name}（{a.code}）") for a in exc.candidates
                    ),
                    **where,
                    field="location.address",
                )
                return None
            if found is not None:
                return found.code
        if location.lat is not None:
            collector.add(
                "event.location_outside",
                lat=location.lat,
                long=location.long,
                shaped=locator.shaped,
                **where,
                field="location",
            )
        if location.address is not None:
            collector.add(
                "event.location_no_address", address=location.address, **where, field="location"
            )
        return None

    def _standard(
        self, matter: Matter, text: str, where: Mapping[str, object], collector: Collector
    ) -> str | None:
        """The code of the case standard ``text`` names (its code, or its filing condition as
        written, spaces and the width of characters aside) among the matter's in force."""
        standards = self.snapshot.standards(matter.code)
        if not standards:
            collector.add("event.no_standards", matter=matter.code, **where, field="standard")
            return None
        wanted = _plain(text)
        for found in standards:
            if found.code == text or (
                found.standard.filing is not None and _plain(found.standard.filing) == wanted
            ):
                return found.code
        listed = "; ".join(
            f"{s.code}: {s.standard.filing}" if s.standard.filing else s.code
            for s in standards[:10]
        )
        more = len(standards) - 10
        collector.add(
            "event.unknown_standard",
            standard=text,
            matter=matter.code,
            known=listed + (f" … (+{more})" if more > 0 else ""),
            **where,
            field="standard",
        )
        return None

    def _matter(
        self, text: str, space_text: str | None, where: Mapping[str, object], collector: Collector
    ) -> Matter | None:
        if self._matters is None:
            collector.add("event.no_catalogue", date=self.snapshot.as_of, **where, field="matter")
            return None
        space = space_of(space_text) if space_text is not None else None
        if space_text is not None and space is None:
            known = ", ".join(SPACE_SPELLINGS)
            collector.add(
                "event.unknown_space", space=space_text, known=known, **where, field="space"
            )
            return None
        code = self._matters.code(text, "matter", where, collector, space)
        if code is None:
            return None
        if code in self._groups:
            self._refuse_group(code, where, collector)
            return None
        return self.snapshot.matters[code]

    def _refuse_group(self, code: str, where: Mapping[str, object], collector: Collector) -> None:
        """A group matter (the parent of others) is no matter to route: the reporter picks one
        of its leaves, a few of which the refusal names."""
        matters = self.snapshot.matters
        leaves = leaves_listing(code, self._groups, matters)
        collector.add(
            "event.group_matter",
            matter=code,
            name=matters[code].name,
            leaves=leaves,
            **where,
            field="matter",
        )

    def _check_owner(
        self, owner: str, areas: list[str], where: Mapping[str, object], collector: Collector
    ) -> None:
        """The owner (权属单位) named on an event must be a unit of kind owner whose jurisdiction
        covers every area of the event (the area itself or one above it)."""
        unit = self.snapshot.units[owner]
        label = self._area_label
        if unit.kind is not UnitKind.owner:
            collector.add(
                "event.owner_not_owner",
                unit=unit.name,
                code=unit.code,
                kind=Phrase(f"event.unit_kind.{unit.kind.value}"),
                jurisdiction=label(unit.jurisdiction),
                areas=Listing(label(a) for a in areas),
                **where,
                field="owner",
            )
            return
        outside = [a for a in areas if unit.jurisdiction not in self.snapshot.ancestors(a)]
        if outside:
            collector.add(
                "event.owner_elsewhere",
                unit=unit.name,
                code=unit.code,
                jurisdiction=label(unit.jurisdiction),
                areas=Listing(label(a) for a in outside),
                **where,
                field="owner",
            )

    def _area_label(self, code: str) -> Named:
        """An area as messages show it: its code, in Chinese its name."""
        area = self.snapshot.areas.get(code)
        return Named(code, area.name if area is not None else None)

    def attribute_values(
        self, matter: Matter, given: Mapping[str, Any], where: Mapping[str, object]
    ) -> dict[str, AttributeValue]:
        """``given`` (names or labels → values or labels) by name, each checked against the
        matter's domain; :class:`InputError` naming ``where`` when one is not."""
        collector = Collector()
        found = self._attribute_values(matter, given, where, collector)
        collector.raise_if_any()
        return found

    def _attribute_values(
        self,
        matter: Matter,
        given: Mapping[str, Any],
        where: Mapping[str, object],
        collector: Collector,
    ) -> dict[str, AttributeValue]:
        """The attributes by name, values checked against their domains; null is no value."""
        out: dict[str, AttributeValue] = {}
        given_as: dict[str, str] = {}
        for given_name, value in given.items():
            kind = type(value)
            key = (matter.code, given_name, kind, value) if kind in _MEMOABLE else None
            found = self._attributes.get(key) if key is not None else None
            if found is None:
                try:
                    found = _attribute(matter, given_name, value)
                except ConstraintError as exc:
                    collector.add(exc.key, **exc.params, **where, field=f"attributes.{given_name}")
                    continue
                if key is not None:
                    _remember(self._attributes, key, found)
            name, resolved = found
            if name in given_as:
                collector.add(
                    "event.attribute_twice",
                    attr=attribute_name(name, matter.attributes.get(name)),
                    first=given_as[name],
                    second=given_name,
                    **where,
                    field=f"attributes.{given_name}",
                )
                continue
            given_as[name] = given_name
            if resolved is not None:
                out[name] = resolved
        return dict(sorted(out.items()))


def _attribute(matter: Matter, given_name: str, value: object) -> tuple[str, AttributeValue | None]:
    """The attribute's name and its value (None for null), read as conditions read theirs
    (names or labels; value codes or labels, 是/否, numbers as text)."""
    name = resolve_attribute(given_name, matter.attributes)
    if name is None:
        raise ConstraintError(
            "event.unknown_attribute",
            attr=given_name,
            matter=matter.code,
            declared=_declared(matter),
        )
    if value is None:
        return name, None
    domain = matter.attributes[name]
    try:
        if isinstance(value, Mapping | list | tuple):
            raise ConstraintError(
                "event.attribute_value", attr=name, value=value, expected=domain.describe()
            )
        if isinstance(domain, EnumDomain):
            return name, enum_value(name, value, domain)
        if isinstance(domain, IntDomain):
            return name, as_int(name, value, domain)
        return name, as_bool(name, value)
    except ConstraintError as exc:
        raise exc.labelled(name, domain) from None


def _declared(matter: Matter) -> str:
    """The matter's attributes: ``name (label)``, or in Chinese the label."""
    if not matter.attributes:
        return "—"
    return Listing(
        Named(f"{name} ({domain.label})", domain.label) if domain.label else Named(name)
        for name, domain in matter.attributes.items()
    )


_RESOLVERS: dict[int, EventResolver] = {}


_KEEP = 4


def resolver_for(snapshot: Snapshot) -> EventResolver:
    """The resolver of ``snapshot``, built once and kept for the last few snapshots used. (A kept
    resolver holds its snapshot, so the snapshot's id is not reused while it is kept.)"""
    resolver = _RESOLVERS.pop(id(snapshot), None) or EventResolver(snapshot)
    _RESOLVERS[id(snapshot)] = resolver
    while len(_RESOLVERS) > _KEEP:
        del _RESOLVERS[next(iter(_RESOLVERS))]
    return resolver


def resolve_event(raw: EventIn, snapshot: Snapshot, where: Mapping[str, object]) -> Event:
    """``raw`` resolved against ``snapshot`` (see :meth:`EventResolver.resolve`)."""
    return resolver_for(snapshot).resolve(raw, where)
