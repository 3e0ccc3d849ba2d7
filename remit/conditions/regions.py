"""Regions of a matter's attribute space, as bit masks, and how to say them readably.

A cell of the check is a leaf area × one combination of the matter's attribute values. Within
one leaf area, the cells a duty covers are the combinations its condition allows: a *box* (one
allowed value set per attribute). The check works on unions and intersections of boxes, so it
represents a region as a Python integer with one bit per combination.

Values that no duty of the matter tells apart (severity 1 and 2 when every condition says
``severity ≥ 3`` or nothing) are merged into one *piece*, weighted by how many values it holds:
the number of bits stays small however wide an integer domain is, and cell counts stay exact.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from remit.conditions import AttributeDomain, BoolDomain, Condition, EnumDomain, IntDomain
from remit.conditions.matching import allowed
from remit.i18n import Lang, t

Box = dict[str, list[Any]]
"""attribute → the values allowed (an attribute left out allows all of them)."""


def domain_values(domain: AttributeDomain) -> list[Any]:
    if isinstance(domain, EnumDomain):
        return list(domain.values)
    if isinstance(domain, IntDomain):
        return list(range(domain.min, domain.max + 1))
    return [True, False]


@dataclass(frozen=True)
class _Attribute:
    name: str
    pieces: tuple[tuple[Any, ...], ...]
    piece_of: dict[Any, int]
    stride: int


class AttributeSpace:
    """The combinations of one matter's attribute values, in pieces that ``conditions`` (every
    condition that will be asked about) cannot tell apart."""

    def __init__(self, attributes: dict[str, AttributeDomain], conditions: Iterable[Condition]):
        self.domains = dict(sorted(attributes.items()))
        constraints: dict[str, list[dict[str, Any]]] = {name: [] for name in self.domains}
        seen: set[str] = set()
        for condition in conditions:
            for name, constraint in condition.items():
                key = f"{name}:{sorted(constraint.items())!r}"
                if name in constraints and key not in seen:
                    seen.add(key)
                    constraints[name].append(constraint)
        attrs: list[_Attribute] = []
        stride = 1
        for name in reversed(list(self.domains)):
            groups: dict[tuple[bool, ...], list[Any]] = {}
            for value in domain_values(self.domains[name]):
                signature = tuple(allowed(c, value) for c in constraints[name])
                groups.setdefault(signature, []).append(value)
            pieces = tuple(tuple(values) for values in groups.values())
            piece_of = {value: i for i, values in enumerate(pieces) for value in values}
            attrs.append(_Attribute(name, pieces, piece_of, stride))
            stride *= len(pieces)
        self.attributes = tuple(reversed(attrs))
        self.size = stride
        self.full = (1 << stride) - 1
        self._unweighted = all(len(p) == 1 for a in self.attributes for p in a.pieces)
        self._piece_masks = [self._masks_of(a) for a in self.attributes]
        self._masks: dict[str, int] = {}
        self._cells: dict[int, int] = {}

    def _masks_of(self, attr: _Attribute) -> list[int]:
        """For each piece of ``attr``, the combinations that have it."""
        span = attr.stride * len(attr.pieces)
        block = (1 << attr.stride) - 1
        masks = []
        for i in range(len(attr.pieces)):
            mask = 0
            for start in range(0, self.size, span):
                mask |= block << (start + i * attr.stride)
            masks.append(mask)
        return masks

    def mask(self, condition: Condition) -> int:
        """The combinations ``condition`` allows."""
        key = repr(sorted((k, sorted(v.items())) for k, v in condition.items()))
        found = self._masks.get(key)
        if found is not None:
            return found
        result = self.full
        for attr, masks in zip(self.attributes, self._piece_masks, strict=True):
            constraint = condition.get(attr.name)
            if constraint is None:
                continue
            ok = 0
            for i, values in enumerate(attr.pieces):
                if allowed(constraint, values[0]):
                    ok |= masks[i]
            result &= ok
        self._masks[key] = result
        return result

    def cells(self, mask: int) -> int:
        """How many value combinations ``mask`` holds (pieces count by their size)."""
        if self._unweighted:
            return mask.bit_count()
        found = self._cells.get(mask)
        if found is not None:
            return found
        key, total = mask, 0
        while mask:
            low = mask & -mask
            index = low.bit_length() - 1
            weight = 1
            for attr in self.attributes:
                weight *= len(attr.pieces[(index // attr.stride) % len(attr.pieces)])
            total += weight
            mask ^= low
        self._cells[key] = total
        return total

    def boxes(self, mask: int) -> list[Box]:
        """``mask`` as a union of disjoint boxes, splitting on one attribute at a time and
        merging the values that lead to the same rest."""
        return self._split(mask, 0)

    def _split(self, mask: int, depth: int) -> list[Box]:
        if mask == 0:
            return []
        if depth == len(self.attributes):
            return [{}]
        attr = self.attributes[depth]
        block = (1 << attr.stride) - 1
        if mask == (1 << (attr.stride * len(attr.pieces))) - 1:
            return [{}]
        rests: dict[int, list[int]] = {}
        for i in range(len(attr.pieces)):
            rest = (mask >> (i * attr.stride)) & block
            if rest:
                rests.setdefault(rest, []).append(i)
        out: list[Box] = []
        for rest, pieces in rests.items():
            values = [v for i in pieces for v in attr.pieces[i]]
            whole = len(pieces) == len(attr.pieces)
            for box in self._split(rest, depth + 1):
                out.append(box if whole else {attr.name: values, **box})
        return out


def describe(boxes: Sequence[Box], domains: dict[str, AttributeDomain], lang: Lang) -> str:
    """A region as policy staff read it: ``location_type = park, severity ≥ 3``."""
    if not boxes:
        return t("region.empty", lang)
    parts = [_box_text(box, domains, lang) for box in boxes]
    return t("region.or", lang).join(parts)


def _box_text(box: Box, domains: dict[str, AttributeDomain], lang: Lang) -> str:
    clauses = []
    for name in sorted(box):
        domain = domains.get(name)
        if domain is None:
            clauses.append(f"{name} ∈ {{{', '.join(map(str, box[name]))}}}")
            continue
        clauses.append(_clause(name, box[name], domain, lang))
    if not clauses:
        return t("region.all", lang)
    return t("region.and", lang).join(clauses)


def _clause(name: str, values: list[Any], domain: AttributeDomain, lang: Lang) -> str:
    # an axis that is no event attribute (the case standard, @standard) goes by its label
    label = domain.label if domain.label and (lang == "zh" or name.startswith("@")) else name
    universe = domain_values(domain)
    if isinstance(domain, BoolDomain):
        return f"{label} = {_bool(values[0], lang)}"
    if isinstance(domain, IntDomain):
        lo, hi = min(values), max(values)
        if hi - lo + 1 == len(values):
            if lo == hi:
                return f"{label} = {lo}"
            if hi == domain.max:
                return f"{label} ≥ {lo}"
            if lo == domain.min:
                return f"{label} ≤ {hi}"
            return f"{lo} ≤ {label} ≤ {hi}"
        return f"{label} ∈ {{{', '.join(str(v) for v in sorted(values))}}}"

    def name_of(value: Any) -> str:
        return domain.labels.get(value, value) if lang == "zh" else str(value)

    chosen = set(values)
    if len(values) == 1:
        return f"{label} = {name_of(values[0])}"
    others = [v for v in universe if v not in chosen]
    if len(others) < len(values):
        return f"{label} ∉ {{{', '.join(name_of(v) for v in others)}}}"
    return f"{label} ∈ {{{', '.join(name_of(v) for v in universe if v in chosen)}}}"


def _bool(value: bool, lang: Lang) -> str:
    if lang == "zh":
        return "是" if value else "否"
    return "true" if value else "false"


def box_condition(box: Box, attributes: Mapping[str, AttributeDomain]) -> Condition:
    """A box of a matter's attribute space as a canonical condition (as ``normalize`` writes
    it: enum values in domain order, whole-number runs as ranges, booleans as ``eq``)."""
    condition: Condition = {}
    for name in sorted(box):
        values, domain = box[name], attributes[name]
        if isinstance(domain, BoolDomain):
            condition[name] = {"eq": values[0]}
        elif isinstance(domain, IntDomain):
            lo, hi = min(values), max(values)
            condition[name] = (
                {"range": [lo, hi]} if hi - lo + 1 == len(values) else {"in": sorted(values)}
            )
        else:
            assert isinstance(domain, EnumDomain)
            condition[name] = {"in": [v for v in domain.values if v in values]}
    return condition
