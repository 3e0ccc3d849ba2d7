"""Loading policy rules and compiling them to durable_rules definitions, inside the engine's
measured limits (docs/routing.md, "The engine's envelope"): a rules file that would exceed them
is refused with a message, never run into a hang or a crash."""

from __future__ import annotations

import hashlib
import itertools
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from remit.errors import InputError, Problem
from remit.files.typed import load_typed_lines
from remit.files.yamlio import LineMap
from remit.hashing import canonical_json
from remit.routing.rules.model import REF, Assert, Negation, Pattern, RoutingConfig, Rule, RulesFile
from remit.routing.rules.termination import cycles

# The engine's limits, with a margin (measured on durable_rules 2.0.28; docs/routing.md).
MAX_RULES = 200  # 256 rules ending on one identical condition segfault
MAX_CONDITIONS_PER_FACT = 400  # > ~511 distinct conditions under one node hang define/post
MAX_PATTERNS_PER_FACT = 48  # one fact matching > 64 conditions at once fails (error 303)
MAX_FIELDS_PER_FACT = 64  # ~252 properties per event at most
INPUT_FACTS = ("event", "candidate", "context", "stage")

_DURABLE_OPS = {"ne": "$neq", "lt": "$lt", "lte": "$lte", "gt": "$gt", "gte": "$gte"}


@dataclass(frozen=True)
class RuleSet:
    """The rules in force and their configuration; ``digest`` identifies them in decisions."""

    rules: tuple[Rule, ...]
    config: RoutingConfig
    sources: tuple[str, ...]
    digest: str = field(default="")
    origins: Mapping[str, tuple[str, int | None]] = field(
        default_factory=dict, compare=False, hash=False
    )
    """rule id → (file, line) of the rule in force: where problems with a rule are reported."""

    @property
    def consumed(self) -> frozenset[str]:
        """Fact kinds some rule matches: only those go into the engine."""
        kinds = set()
        for rule in self.rules:
            for item in rule.when:
                kinds.add(item.none.fact if isinstance(item, Negation) else item.fact)
        return frozenset(kinds)


def default_rules_path() -> Path:
    return Path(str(resources.files("remit.routing.rules").joinpath("default.yaml")))


def load_rules(
    extra: Path | None = None, replace_defaults: bool = False, defaults: Path | None = None
) -> RuleSet:
    """The default rules, then every ``*.yaml`` in ``extra`` (a directory or one file) in name
    order: a rule with an existing id replaces it, ``remove`` drops rules, a ``config`` replaces
    the configuration. With ``replace_defaults`` the defaults are not loaded. ``defaults`` is
    another defaults file than routing's (the dispute rules' own, :mod:`remit.routing.disputes`)."""
    paths = [] if replace_defaults else [defaults or default_rules_path()]
    if extra is not None:
        if extra.is_dir():
            paths += sorted(p for p in extra.iterdir() if p.suffix in {".yaml", ".yml"})
        elif extra.exists():
            paths.append(extra)
        else:
            raise InputError.one("file.not_found", source=str(extra))
    rules: dict[str, Rule] = {}
    origins: dict[str, tuple[str, int | None]] = {}
    config = RoutingConfig()
    problems: list[Problem] = []
    for path in paths:
        parsed, lines = load_typed_lines(path, "rules", RulesFile)
        for index, rule_id in enumerate(parsed.remove):
            if rules.pop(rule_id, None) is None:
                problems.append(_unknown_removal(path, lines, index, rule_id, rules))
            origins.pop(rule_id, None)
        seen: dict[str, int | None] = {}
        for index, rule in enumerate(parsed.rules):
            line = lines.line_of(("rules", index, "id"))
            if rule.id in seen:
                problems.append(
                    Problem.at(
                        {"source": str(path), "line": line, "field": f"rules[{index}].id"},
                        "rules.duplicate_id",
                        rule=rule.id,
                        first=seen[rule.id] if seen[rule.id] is not None else "?",
                    )
                )
                continue
            seen[rule.id] = line
            rules[rule.id] = rule
            origins[rule.id] = (str(path), line)
        if parsed.config is not None:  # the keys a file sets override, the others stay
            given = parsed.config.model_dump(include=parsed.config.model_fields_set)
            config = config.model_validate({**config.model_dump(), **given})
    ordered = tuple(sorted(rules.values(), key=lambda r: (r.pri, r.id)))
    digest = hashlib.sha256(
        canonical_json(
            [
                [r.model_dump(mode="json", by_alias=True) for r in ordered],
                config.model_dump(mode="json"),
            ]
        ).encode()
    ).hexdigest()
    if problems:  # the rules in force are not the ones the files meant
        raise InputError(problems)
    ruleset = RuleSet(ordered, config, tuple(str(p) for p in paths), digest, origins)
    problems = check_limits(ruleset)
    if problems:
        raise InputError(problems)
    return ruleset


def _unknown_removal(
    path: Path, lines: LineMap, index: int, rule_id: str, rules: Mapping[str, Rule]
) -> Problem:
    """``remove: [rule_id]`` where no rule loaded before this file has that id."""
    return Problem.at(
        {
            "source": str(path),
            "line": lines.line_of(("remove", index)),
            "field": f"remove[{index}]",
        },
        "rules.unknown_remove",
        rule=rule_id,
        known=", ".join(sorted(rules)) or "-",
    )


def _resolve(value: Any, config: RoutingConfig) -> Any:
    """A constant, ``$config.key`` (its value) or ``$alias.field`` (kept as a reference)."""
    if isinstance(value, str):
        ref = REF.match(value)
        if ref and ref.group(1) == "config":
            return config.value(ref.group(2))
    return value


def _operand(value: Any) -> Any:
    ref = REF.match(value) if isinstance(value, str) else None
    return {ref.group(1): ref.group(2)} if ref else value


def _pattern(pattern: Pattern, config: RoutingConfig, choice: dict[str, Any]) -> dict[str, Any]:
    """A pattern's condition; ``choice`` gives the value each of its ``in`` tests takes."""
    conditions: list[dict[str, Any]] = [{"t": pattern.fact}]
    for name, tests in pattern.tests().items():
        for test in tests:
            value = _resolve(test.value, config)
            if test.op == "in":
                conditions.append({name: _operand(choice[name])})
            elif test.op == "eq":
                conditions.append({name: _operand(value)})
            else:
                conditions.append({_DURABLE_OPS[test.op]: {name: _operand(value)}})
    return conditions[0] if len(conditions) == 1 else {"$and": conditions}


def _choices(pattern: Pattern, config: RoutingConfig) -> list[dict[str, Any]]:
    """Every combination of values of the pattern's ``in`` tests.

    durable_rules mishandles ``$or`` next to a join (it matches facts the join excludes), so an
    ``in`` test is never compiled to ``$or``: a pattern becomes one variant per value, and a
    rule one variant per combination (a negated pattern, one negation per value)."""
    options = []
    for name, tests in pattern.tests().items():
        for test in tests:
            if test.op == "in":
                value = _resolve(test.value, config)
                options.append([(name, v) for v in (value if isinstance(value, list) else [value])])
    return [dict(combination) for combination in itertools.product(*options)]


def expand(rule: Rule, config: RoutingConfig) -> list[list[dict[str, Any]]]:
    """The durable_rules expressions of ``rule``: one per combination of its ``in`` values."""
    per_item: list[list[list[dict[str, Any]]]] = []
    for position, item in enumerate(rule.when):
        if isinstance(item, Negation):
            negations = [
                {f"m_{position}_{k}$not": _pattern(item.none, config, choice)}
                for k, choice in enumerate(_choices(item.none, config))
            ]
            per_item.append([negations])
        else:
            per_item.append(
                [[{item.name: _pattern(item, config, choice)}] for choice in _choices(item, config)]
            )
    return [
        [part for parts in combination for part in parts]
        for combination in itertools.product(*per_item)
    ]


def _config_problems(ruleset: RuleSet, where: dict[str, str]) -> list[Problem]:
    """``$config.key`` references to keys the configuration does not have."""
    problems: list[Problem] = []
    known = ", ".join(
        [k for k in RoutingConfig.model_fields if k != "extra"] + sorted(ruleset.config.extra)
    )
    for rule in ruleset.rules:
        values: list[Any] = []
        for item in rule.when:
            pattern = item.none if isinstance(item, Negation) else item
            for tests in pattern.tests().values():
                for test in tests:
                    values += test.value if isinstance(test.value, list) else [test.value]
        for action in rule.then:
            if isinstance(action, Assert):
                values += list(action.assert_.values())
        for value in values:
            ref = REF.match(value) if isinstance(value, str) else None
            if ref and ref.group(1) == "config":
                try:
                    ruleset.config.value(ref.group(2))
                except KeyError:
                    problems.append(
                        Problem.at(
                            where,
                            "rules.unknown_config",
                            rule=rule.id,
                            key=ref.group(2),
                            known=known,
                        )
                    )
    return problems


def check_limits(ruleset: RuleSet) -> list[Problem]:
    """Problems that would take the engine outside its measured envelope."""
    where = {"source": ", ".join(ruleset.sources)}
    problems = _config_problems(ruleset, where)
    if problems:  # the rules cannot be compiled
        return problems
    compiled = sum(len(expand(rule, ruleset.config)) for rule in ruleset.rules)
    if compiled > MAX_RULES:
        problems.append(Problem.at(where, "rules.too_many", count=compiled, limit=MAX_RULES))
    conditions: dict[str, set[str]] = {}
    patterns: Counter[str] = Counter()
    for rule in ruleset.rules:
        for item in rule.when:
            pattern = item.none if isinstance(item, Negation) else item
            patterns[pattern.fact] += 1
            for name, tests in pattern.tests().items():
                for test in tests:
                    conditions.setdefault(pattern.fact, set()).add(
                        canonical_json([name, test.op, test.value])
                    )
        for action in rule.then:
            if isinstance(action, Assert) and len(action.assert_) + 2 > MAX_FIELDS_PER_FACT:
                problems.append(
                    Problem.at(
                        where,
                        "rules.too_many_fields",
                        rule=rule.id,
                        count=len(action.assert_),
                        limit=MAX_FIELDS_PER_FACT,
                    )
                )
    for fact, found in conditions.items():
        if len(found) > MAX_CONDITIONS_PER_FACT:
            problems.append(
                Problem.at(
                    where,
                    "rules.too_many_conditions",
                    fact=fact,
                    count=len(found),
                    limit=MAX_CONDITIONS_PER_FACT,
                )
            )
    for fact, count in patterns.items():
        if count > MAX_PATTERNS_PER_FACT:
            problems.append(
                Problem.at(
                    where,
                    "rules.too_many_patterns",
                    fact=fact,
                    count=count,
                    limit=MAX_PATTERNS_PER_FACT,
                )
            )
    problems += termination_problems(ruleset, where)
    for rule in ruleset.rules:
        negated = any(isinstance(item, Negation) for item in rule.when)
        staged = any(isinstance(item, Pattern) and item.fact == "stage" for item in rule.when)
        if negated and not staged:
            problems.append(Problem.at(where, "rules.unstaged_negation", rule=rule.id))
        for action in rule.then:
            if (
                isinstance(action, Assert)
                and action.assert_["fact"] in INPUT_FACTS
                and action.assert_["fact"] != "candidate"
            ):
                problems.append(
                    Problem.at(where, "rules.input_fact", rule=rule.id, fact=action.assert_["fact"])
                )
    return problems


def termination_problems(ruleset: RuleSet, where: dict[str, str]) -> list[Problem]:
    """Rules that could fire one another for ever (:mod:`remit.routing.rules.termination`):
    each cycle named in firing order, at the file and line of its first rule."""
    problems = []
    for cycle in cycles(ruleset.rules, ruleset.config):
        source, line = ruleset.origins.get(cycle[0], (where["source"], None))
        at = {"source": source, "line": line}
        if len(cycle) == 1:
            problems.append(Problem.at(at, "rules.cycle_self", rule=cycle[0]))
        else:
            problems.append(Problem.at(at, "rules.cycle", cycle=" → ".join([*cycle, cycle[0]])))
    return problems


Action = Callable[[Any], None]


EVENT_INDEX = "ev"
"""The field that says which event of a batch a fact belongs to (:func:`anchors`)."""


def anchor(rule: Rule) -> str | None:
    """The alias of the pattern the others of ``rule`` are joined on when several events share
    one engine state: its first positive pattern on a fact of one event (every kind but
    ``stage``, of which a batch has one). None when there is none, or a negation comes before
    it (a join may only name an alias matched before it)."""
    for item in rule.when:
        if isinstance(item, Negation):
            return None
        if item.fact != "stage":
            return item.name
    return None


def anchors(ruleset: RuleSet) -> dict[str, str] | None:
    """Each rule's :func:`anchor` by rule id, or None when some rule has none: then events
    cannot share a state (each is evaluated alone)."""
    found = {rule.id: anchor(rule) for rule in ruleset.rules}
    if any(alias is None for alias in found.values()):
        return None
    return {rule_id: alias for rule_id, alias in found.items() if alias is not None}


def _joined(pattern: dict[str, Any], alias: str) -> dict[str, Any]:
    """``pattern`` (one fact's condition) that also asks for the event of ``alias``'s fact."""
    join = {EVENT_INDEX: {alias: EVENT_INDEX}}
    if "$and" in pattern:
        return {"$and": [*pattern["$and"], join]}
    return {"$and": [pattern, join]}


def join_expression(expression: list[dict[str, Any]], alias: str) -> list[dict[str, Any]]:
    """A rule's expression with every pattern but ``alias``'s own and the ``stage`` patterns
    joined on ``alias``'s event (:data:`EVENT_INDEX`), negations too: a rule then matches facts
    of one event only, however many events the state holds."""
    out = []
    for part in expression:
        ((name, pattern),) = part.items()
        if name == alias or pattern == {"t": "stage"} or _kind(pattern) == "stage":
            out.append(part)
        else:
            out.append({name: _joined(pattern, alias)})
    return out


def _kind(pattern: dict[str, Any]) -> Any:
    first = pattern["$and"][0] if "$and" in pattern else pattern
    return first.get("t")


def definition(
    ruleset: RuleSet, make_action: Callable[[Rule], Action], joined: bool = False
) -> dict[str, Any]:
    """The durable_rules definition of ``ruleset``: one entry per rule, its action made by
    ``make_action`` (a one-parameter function: two parameters would make it asynchronous).
    ``joined``: every pattern joined on the rule's :func:`anchor` (all rules must have one)."""
    out: dict[str, Any] = {}
    for index, rule in enumerate(ruleset.rules):
        action = make_action(rule)
        alias = anchor(rule) if joined else None
        if joined and alias is None:
            raise ValueError(f"rule {rule.id} has no pattern to join the others on")
        for variant, expression in enumerate(expand(rule, ruleset.config)):
            out[f"r{index:03d}v{variant}_{rule.id}"] = {
                "all": join_expression(expression, alias) if alias else expression,
                "pri": rule.pri,
                "run": action,
            }
    return out


def assert_maker(
    action: Assert, config: RoutingConfig
) -> Callable[[dict[str, dict[str, Any]]], dict[str, Any]]:
    """:func:`assert_values` for one ``action``, its constants and ``$config`` values worked
    out once: the engine calls it on every firing."""
    plan: list[tuple[str, Any, str | None, str]] = []
    for name, value in action.assert_.items():
        if name == "fact":
            continue
        value = _resolve(value, config)
        ref = REF.match(value) if isinstance(value, str) else None
        if ref is None:
            plan.append((name, value, None, ""))
        else:
            plan.append((name, None, ref.group(1), ref.group(2)))

    def make(bound: dict[str, dict[str, Any]]) -> dict[str, Any]:
        fact: dict[str, Any] = {}
        for name, constant, alias, key in plan:
            if alias is None:
                fact[name] = constant
                continue
            matched = bound[alias]
            if key not in matched:  # a typo must not assert a fact with a silent null
                kind = matched.get("t", "matched")
                raise ValueError(f"${alias}.{key}: the {kind} fact has no such field")
            fact[name] = matched[key]
        return fact

    return make


def assert_values(
    action: Assert, bound: dict[str, dict[str, Any]], config: RoutingConfig
) -> dict[str, Any]:
    """The fields of a fact an ``assert`` makes, references filled from the matched facts."""
    return assert_maker(action, config)(bound)
