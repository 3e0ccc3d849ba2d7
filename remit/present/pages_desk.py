"""The dispatch desk's page (``/ui/desk``) as plain data: the matters a typed text suggests,
the areas as a tree for a picker, a matter's attributes as form fields, a decision as the desk
shows it (who holds it, why, by when, on which rows), the areas' shapes as GeoJSON."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from remit.casework.records import RECORDED
from remit.conditions import BoolDomain, EnumDomain, IntDomain
from remit.deadlines import CITY_ZONE
from remit.files.names import normalize_name
from remit.i18n import t
from remit.present.decision import decision_lines
from remit.registry.entities import Area, Level, Matter
from remit.routing.decision import RoutingDecision

SUGGESTIONS = 12
"""The most matters one suggestion answers."""

_DEPTH = {level: depth for depth, level in enumerate(Level)}


# --- matters --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Suggestion:
    """A matter a typed text names: its code and name, its group's name, and how it matched
    (``code``, ``name``, ``alias``, ``keyword``) with the spelling that matched."""

    code: str
    name: str
    group: str | None
    matched: str
    spelling: str

    def json(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "name": self.name,
            "group": self.group,
            "matched": self.matched,
            "spelling": self.spelling,
            "label": f"{self.code} {self.name}",
        }


def services(matters: Mapping[str, Matter]) -> list[Matter]:
    """The matters an event may name: all but the groups (a group is others' parent)."""
    groups = {m.parent for m in matters.values() if m.parent}
    return [m for m in matters.values() if m.code not in groups]


def suggest(
    matters: Mapping[str, Matter], query: str, limit: int = SUGGESTIONS
) -> list[Suggestion]:
    """The matters ``query`` names, best first: an exact code, name or alias; then a code,
    name or alias that starts with it; then one that holds it; then a matter whose description
    holds it (a keyword). Spellings are compared as names are (width, case, spaces folded)."""
    wanted = normalize_name(query)
    if not wanted:
        return []
    found: list[tuple[tuple[int, int, str], Suggestion]] = []
    for matter in services(matters):
        best: tuple[int, str, str] | None = None
        spellings = [("code", matter.code), ("name", matter.name)]
        spellings += [("alias", a) for a in matter.aliases]
        for kind, spelling in spellings:
            folded = normalize_name(spelling)
            if folded == wanted:
                rank = 0
            elif folded.startswith(wanted):
                rank = 1
            elif wanted in folded:
                rank = 2
            else:
                continue
            if best is None or rank < best[0]:
                best = (rank, kind, spelling)
        if best is None and matter.description and wanted in normalize_name(matter.description):
            best = (3, "keyword", query.strip())
        if best is None:
            continue
        rank, kind, spelling = best
        parent = matters.get(matter.parent) if matter.parent else None
        order = (rank, len(matter.name), matter.code)
        found.append(
            (
                order,
                Suggestion(
                    matter.code, matter.name, parent.name if parent else None, kind, spelling
                ),
            )
        )
    found.sort(key=lambda item: item[0])
    return [s for _, s in found[:limit]]


def matter_text(matters: Mapping[str, Matter], text: str) -> str:
    """What the matter field says, as the router reads it: a suggestion picked shows as
    ``SJ0505 无照经营游商`` — its code, when the first word is one; else the text as typed."""
    text = text.strip()
    first = text.split(maxsplit=1)[0] if text else ""
    if first and first != text and first in matters:
        return first
    return text


def matter_label(matters: Mapping[str, Matter], code: str) -> str:
    matter = matters.get(code)
    return f"{code} {matter.name}" if matter is not None else code


# --- areas ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class AreaOption:
    code: str
    label: str
    depth: int
    """0 the district (or the top), 1 a street, 2 a community, 3 a grid"""


@dataclass(frozen=True)
class AreaGroup:
    """A street and what is under it (an ``<optgroup>``); ``label`` empty: the district."""

    label: str
    options: list[AreaOption] = field(default_factory=list)


@dataclass(frozen=True)
class AreaNode:
    """An area in the picker's tree: district → street → community → grid."""

    code: str
    name: str
    level: str
    children: list[AreaNode] = field(default_factory=list)


def area_tree(areas: Mapping[str, Area]) -> list[AreaNode]:
    """The areas as a tree from the district(s) down (children by code)."""
    children: dict[str | None, list[Area]] = {}
    for area in areas.values():
        children.setdefault(area.parent, []).append(area)

    def node(area: Area) -> AreaNode:
        kids = sorted(children.get(area.code, []), key=lambda a: a.code)
        return AreaNode(area.code, area.name, area.level.value, [node(k) for k in kids])

    tops = sorted((a for a in areas.values() if a.level is Level.district), key=lambda a: a.code)
    return [node(top) for top in tops]


def area_groups(areas: Mapping[str, Area]) -> list[AreaGroup]:
    """The areas below the city as the picker shows them: the district(s) first, then one
    group per street (the street, its communities, their grids, indented by depth)."""
    children: dict[str | None, list[Area]] = {}
    for area in areas.values():
        children.setdefault(area.parent, []).append(area)
    for kids in children.values():
        kids.sort(key=lambda a: a.code)
    tops = [a for a in areas.values() if a.level is Level.district]
    tops.sort(key=lambda a: a.code)
    groups = [AreaGroup("", [AreaOption(a.code, a.name, 0) for a in tops])]

    def below(area: Area, depth: int, into: list[AreaOption]) -> None:
        for kid in children.get(area.code, []):
            into.append(AreaOption(kid.code, "\u3000" * depth + kid.name, depth))
            below(kid, depth + 1, into)

    for top in tops:
        for street in children.get(top.code, []):
            options = [AreaOption(street.code, street.name, 1)]
            below(street, 1, options)
            groups.append(AreaGroup(street.name, options))
    return groups


def shapes(areas: Mapping[str, Area]) -> dict[str, Any]:
    """The areas that have a shape, as a GeoJSON FeatureCollection (deepest drawn last)."""
    shaped = [a for a in areas.values() if a.geometry is not None]
    shaped.sort(key=lambda a: (_DEPTH[a.level], a.code))
    return {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "properties": {"code": a.code, "name": a.name, "level": a.level.value},
                "geometry": a.geometry.model_dump(mode="json") if a.geometry else None,
            }
            for a in shaped
        ],
    }


# --- attributes -----------------------------------------------------------------------------


@dataclass(frozen=True)
class AttributeField:
    """One attribute of a matter as a form field (``attr.<name>``): its label, its choices
    (value, label) for an enumeration or yes/no, its bounds for a whole number, the value
    given, and whether the router asks for it."""

    name: str
    label: str
    kind: str
    choices: list[tuple[str, str]]
    low: int | None
    high: int | None
    value: str
    missing: bool

    @property
    def field(self) -> str:
        return f"attr.{self.name}"

    @property
    def id(self) -> str:
        return f"attr-{self.name}"


def attribute_fields(
    matter: Matter | None, given: Mapping[str, str], missing: Sequence[str] = ()
) -> list[AttributeField]:
    """The matter's attributes as fields, those the router asks for first."""
    if matter is None:
        return []
    out: list[AttributeField] = []
    for name, domain in matter.attributes.items():
        label = domain.label or name
        value = given.get(name, "")
        if isinstance(domain, EnumDomain):
            choices = [(v, domain.labels.get(v, v)) for v in domain.values]
            out.append(
                AttributeField(name, label, "enum", choices, None, None, value, name in missing)
            )
        elif isinstance(domain, BoolDomain):
            choices = [("true", t("page.desk.yes")), ("false", t("page.desk.no"))]
            out.append(
                AttributeField(name, label, "bool", choices, None, None, value, name in missing)
            )
        else:
            assert isinstance(domain, IntDomain)
            out.append(
                AttributeField(
                    name, label, "int", [], domain.min, domain.max, value, name in missing
                )
            )
    out.sort(key=lambda f: not f.missing)
    return out


# --- a decision -----------------------------------------------------------------------------


@dataclass(frozen=True)
class RowCited:
    """A duty row a decision rests on, with the link to it on its list version's page."""

    list_id: str
    version: int
    row: int
    unit: str
    role: str
    legal_basis: list[str]

    @property
    def link(self) -> str:
        return f"/ui/lists/{self.list_id}/versions/{self.version}#row-{self.row}"


@dataclass(frozen=True)
class DecisionView:
    """A decision as the desk shows it."""

    decision_id: str
    status: str
    status_label: str
    decided: bool
    """someone holds it: it may be recorded as a case"""
    holders: list[tuple[str, str]]
    """(what, who): lead, coordinator, contenders, assists …"""
    deadline: str | None
    time_limit: str | None
    lines: list[str]
    rows: list[RowCited]
    basis: list[str]
    missing: list[str]
    """needs_info: the attributes asked for, by label"""


RECORDABLE = RECORDED
"""The decisions the case book records (someone holds the event)."""


def local(moment: dt.datetime | None) -> str | None:
    if moment is None:
        return None
    at = moment.astimezone(CITY_ZONE) if moment.tzinfo else moment
    return at.strftime("%Y-%m-%d %H:%M")


def decision_view(
    decision: RoutingDecision, unit_names: Mapping[str, str] | None = None
) -> DecisionView:
    """``decision`` as the desk shows it; ``unit_names``: unit code → name, for the rows."""
    d = decision
    named = unit_names or {}
    names = "、".join
    holders: list[tuple[str, str]] = []
    if d.lead is not None:
        holders.append((t("page.desk.lead"), d.lead.name))
    if d.contenders:
        holders.append((t("page.desk.contenders"), names(u.name for u in d.contenders)))
    if d.arbitration is not None:
        holders.append((t("page.desk.arbitration"), d.arbitration.unit.name))
    if d.provisional is not None:
        holders.append((t("page.desk.provisional"), d.provisional.unit.name))
    if d.coordinator is not None:
        holders.append((t("page.desk.coordinator"), d.coordinator.name))
    if d.assists:
        holders.append((t("page.desk.assists"), names(u.name for u in d.assists)))
    if d.commander is not None:
        holders.append((t("page.desk.commander"), d.commander.name))
    if d.dispatch is not None:
        holders.append((t("page.desk.dispatch"), d.dispatch.platform.name))
    rows = [
        RowCited(
            r.list_id,
            r.version,
            r.row,
            named.get(r.unit, r.unit),
            t(f"role.{r.role}"),
            list(r.legal_basis),
        )
        for r in d.duties
    ]
    basis = list(dict.fromkeys(b for r in d.duties for b in r.legal_basis))
    missing: list[str] = []
    if d.needs is not None:
        missing = [d.needs.labels.get(a, a) for a in d.needs.attributes]
    return DecisionView(
        decision_id=d.decision_id,
        status=d.status.value,
        status_label=t(f"route_status.{d.status.value}"),
        decided=d.status in RECORDABLE,
        holders=holders,
        deadline=local(d.deadline),
        time_limit=d.time_limit,
        lines=decision_lines(d),
        rows=rows,
        basis=basis,
        missing=missing,
    )


def now_local() -> str:
    """Now in Asia/Shanghai, as a ``datetime-local`` field writes it."""
    return dt.datetime.now(CITY_ZONE).strftime("%Y-%m-%dT%H:%M")


def joined(values: Iterable[str]) -> str:
    return "、".join(values)
