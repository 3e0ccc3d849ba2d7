"""Do the rules stop? A static check on the graph of rules that trigger one another.

Forward chaining stops when no action makes a new match. Here only two things can:

- an ``assert`` adds a fact, which a rule's (positive) pattern on that kind may match;
- a ``retract`` removes a fact, after which a rule's ``none`` pattern on that kind may hold.

So an edge A → B of the trigger graph means: a fact A asserts could match a pattern of B, or a
fact A retracts could be the last one B's ``none`` waits on. Facts of the event (event,
candidate, context, stage) come in once and never again, so a set of rules whose graph has no
cycle fires a bounded number of times per event. A cycle (a rule on itself included) is refused
with its rules named in firing order: a chain through it could go on for ever (``a`` asserts
what ``b`` matches, ``b`` asserts what ``a`` matches, …).

"Could match" is decided on what is known without running the rules: the constants an
``assert`` writes (a ``$config`` value, or a field of a matched fact that its pattern fixes with
``eq`` or ``in``) against the constants a pattern tests. ``assert: {fact: dispatch, escalated:
true}`` does not trigger ``where: {escalated: false}``; a field the assert does not write makes
every test on it fail except ``ne``. What depends on the event (a join ``$a.unit``, a field
copied from the event) is taken to match. The check is therefore sound (a set it accepts
stops) and may refuse a set that would stop for a reason it cannot see — a ``none`` guard, say;
the engine's per-event bound on firings (:mod:`remit.routing.engine`) is the net for that.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import networkx as nx

from remit.routing.rules.model import REF, Assert, Negation, Pattern, Retract, RoutingConfig, Rule

_ANY = None
"""A field whose value cannot be known before the rules run."""

Values = frozenset[Any] | None
"""The values a field of a fact can take: a set of constants, or ``_ANY``."""

_COMPARE: dict[str, Callable[[Any, Any], bool]] = {
    "lt": operator.lt,
    "lte": operator.le,
    "gt": operator.gt,
    "gte": operator.ge,
}


@dataclass(frozen=True)
class _Shape:
    """What is known of a fact before the rules run: its kind, and the values of its fields.
    ``closed``: the fact has exactly these fields (it is asserted by a rule); else it may have
    others, of any value (it is matched, and the engine or the event made it)."""

    kind: str
    fields: Mapping[str, Values]
    closed: bool


def _key(value: Any) -> tuple[bool, Any]:
    """Equality as the engine sees it: ``true`` is not ``1``."""
    return (isinstance(value, bool), value)


def _constant(value: Any, config: RoutingConfig) -> tuple[bool, Any]:
    """(True, the constant) for a constant or ``$config.key``; (False, None) for a reference
    to a matched fact."""
    if isinstance(value, list):
        if any(isinstance(v, str) and REF.match(v) for v in value):
            return False, None
        return True, value
    ref = REF.match(value) if isinstance(value, str) else None
    if ref is None:
        return True, value
    if ref.group(1) == "config":
        try:
            return True, config.value(ref.group(2))
        except KeyError:  # reported by the configuration check
            return False, None
    return False, None


def _pattern_values(pattern: Pattern, config: RoutingConfig) -> dict[str, Values]:
    """The values a field of a fact matched by ``pattern`` can take, where its tests fix them
    (``eq`` a constant, ``in`` constants)."""
    out: dict[str, Values] = {}
    for name, tests in pattern.tests().items():
        for test in tests:
            if test.op not in ("eq", "in"):
                continue
            known, value = _constant(test.value, config)
            if not known:
                continue
            choices = value if isinstance(value, list) else [value]
            found = frozenset(_key(v) for v in choices)
            previous = out.get(name)
            out[name] = found if previous is None else previous & found
    return out


def _asserted(rule: Rule, action: Assert, config: RoutingConfig) -> _Shape:
    matched = {
        item.name: _pattern_values(item, config) for item in rule.when if isinstance(item, Pattern)
    }
    fields: dict[str, Values] = {}
    for name, value in action.assert_.items():
        if name == "fact":
            continue
        known, constant = _constant(value, config)
        if known:
            fields[name] = frozenset([_key(constant)])
            continue
        ref = REF.match(value) if isinstance(value, str) else None
        fields[name] = matched.get(ref.group(1), {}).get(ref.group(2)) if ref else _ANY
    return _Shape(action.assert_["fact"], fields, closed=True)


def _retracted(rule: Rule, action: Retract, config: RoutingConfig) -> _Shape:
    pattern = next(
        item for item in rule.when if isinstance(item, Pattern) and item.name == action.retract
    )
    return _Shape(pattern.fact, _pattern_values(pattern, config), closed=False)


def _passes(candidates: frozenset[Any], op: str, value: Any) -> frozenset[Any]:
    """Those of ``candidates`` (as :func:`_key` made them) that pass ``op value``."""
    if op == "eq":
        return candidates & {_key(value)}
    if op == "in":
        return candidates & {_key(v) for v in (value if isinstance(value, list) else [value])}
    if op == "ne":
        return candidates - {_key(value)}
    kept = set()
    for candidate in candidates:
        try:
            if _COMPARE[op](candidate[1], value):
                kept.add(candidate)
        except TypeError:  # text against a number: the engine's affair, assume it may pass
            kept.add(candidate)
    return frozenset(kept)


def could_match(shape: _Shape, pattern: Pattern, config: RoutingConfig) -> bool:
    """Whether a fact of ``shape`` could pass ``pattern``'s tests."""
    if shape.kind != pattern.fact:
        return False
    for name, tests in pattern.tests().items():
        if name not in shape.fields:
            # a field an asserted fact lacks fails every test but ``ne``
            missing = shape.closed and name not in ("id", "sid", "t")
            if missing and any(test.op != "ne" for test in tests):
                return False
            continue
        values = shape.fields[name]
        if values is _ANY:
            continue
        for test in tests:
            known, value = _constant(test.value, config)
            if not known:  # against another matched fact: could be anything
                continue
            values = _passes(values, test.op, value)
            if not values:
                return False
    return True


def trigger_graph(rules: tuple[Rule, ...], config: RoutingConfig) -> nx.DiGraph[str]:
    """Rule ids, with an edge A → B when an action of A could make B match (module notes)."""
    graph: nx.DiGraph[str] = nx.DiGraph()
    graph.add_nodes_from(rule.id for rule in rules)
    for rule in rules:
        for action in rule.then:
            if isinstance(action, Assert):
                shape = _asserted(rule, action, config)
                targets = [
                    (other, item)
                    for other in rules
                    for item in other.when
                    if isinstance(item, Pattern)
                ]
            else:
                shape = _retracted(rule, action, config)
                targets = [
                    (other, item.none)
                    for other in rules
                    for item in other.when
                    if isinstance(item, Negation)
                ]
            for other, pattern in targets:
                if could_match(shape, pattern, config):
                    graph.add_edge(rule.id, other.id)
    return graph


def cycles(rules: tuple[Rule, ...], config: RoutingConfig) -> list[list[str]]:
    """One cycle of every strongly connected part of the trigger graph that has one, each in
    firing order from the rule that fires first (``rules`` are in firing order): the rules of
    a cycle could fire one another for ever."""
    graph = trigger_graph(rules, config)
    order = {rule.id: index for index, rule in enumerate(rules)}
    found = []
    for part in nx.strongly_connected_components(graph):
        start = min(part, key=order.__getitem__)
        if len(part) == 1 and not graph.has_edge(start, start):
            continue
        found.append(_shortest_cycle(graph.subgraph(part), start, order))
    return sorted(found, key=lambda cycle: order[cycle[0]])


def _shortest_cycle(graph: Any, start: str, order: dict[str, int]) -> list[str]:
    """The shortest path from ``start`` back to it, ties broken by firing order."""
    if graph.has_edge(start, start):
        return [start]
    best: list[str] | None = None
    for succ in sorted(graph.successors(start), key=order.__getitem__):
        path: list[str] = nx.shortest_path(graph, succ, start)
        if best is None or len(path) < len(best):
            best = [start, *path[:-1]]
    assert best is not None  # a strongly connected part of more than one rule
    return best
