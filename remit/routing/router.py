"""The router: an event in, a :class:`RoutingDecision` out, decided by the policy rules on the
registry snapshot in force when the event was reported (or on ``as_of``).

>>> from remit import Registry, Router
>>> router = Router(Registry("sqlite:///remit.db"))                     # doctest: +SKIP
>>> router.route({"id": "E1", "matter": "SJ0501", "area": "310101002000",
...               "reported_at": "2026-03-02T10:00:00", "attributes": {"location_type": "road"}})  # doctest: +SKIP
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, Literal, overload

from remit.conditions.matching import meets
from remit.deadlines import WorkCalendar
from remit.errors import InputError, location
from remit.events.model import AttributeValue, Event, EventIn
from remit.events.read import parse_event
from remit.events.resolve import EventResolver
from remit.findings import CheckConfig, LoadSource
from remit.registry import Registry, Snapshot
from remit.registry.entities import AREAS_KIND, UNITS_KIND
from remit.registry.facade import KnownAt
from remit.registry.snapshot import in_force_versions, state_hash
from remit.routing.cache import Lookup, OutcomeCache, by_shape
from remit.routing.decide import (
    Refs,
    across_areas,
    alternative,
    decision_fields,
    decision_json,
    needs_info,
)
from remit.routing.decision import Alternative, DecisionLine, NeedsInfo, RoutingDecision
from remit.routing.engine import BATCH, EngineError, FiringLimitError, RuleEngine
from remit.routing.facts import PolicyInput, Topology, policy_input
from remit.routing.missing import combinations, named_attributes, rows_for
from remit.routing.outcome import PolicyOutcome
from remit.routing.overload import LoadFlags
from remit.routing.reference import resolve
from remit.routing.rules.compile import RuleSet, load_rules

ENGINES = ("rules", "reference")

SLICE = 32
"""Events :meth:`Router.route_many` plans and asks the policies about together (one engine
state's worth: :data:`remit.routing.engine.BATCH`)."""


class _Loaded:
    """A snapshot with what routing derives from it once: topology and event resolution."""

    def __init__(self, snapshot: Snapshot):
        self.snapshot = snapshot
        self.topology = Topology(snapshot)
        self.resolver = EventResolver(snapshot)
        self.refs = Refs(snapshot)
        self._named: dict[tuple[str, str], frozenset[str]] = {}
        by_matter: dict[str, set[str]] = {}
        for entry in snapshot.duties:
            if entry.duty.conditions:
                by_matter.setdefault(entry.duty.matter, set()).update(entry.duty.conditions)
        self._named_anywhere = {matter: frozenset(names) for matter, names in by_matter.items()}
        """matter → the attributes the conditions of any of its rows name, in any area."""

    def named(self, matter: str, area: str) -> frozenset[str]:
        """The attributes the conditions of ``matter``'s rows covering ``area`` name, worked
        out once per the area the rows hang on (:meth:`Snapshot.anchor`): a batch repeats
        them, and a year's events name far more areas than rows do (memory stays bounded)."""
        anchor = self.snapshot.anchor(matter, area)
        if anchor is None:
            return frozenset()
        key = (matter, anchor)
        found = self._named.get(key)
        if found is None:
            found = self._named[key] = named_attributes(self.snapshot.duties_for(matter, anchor))
        return found

    def missing(self, event: Event) -> list[str]:
        """The attributes :meth:`named` for ``event``'s matter and area that it does not carry,
        sorted. Most events carry every attribute any row of their matter names: for those
        no row needs to be looked at."""
        if self._named_anywhere.get(event.matter, frozenset()) <= event.attributes.keys():
            return []
        named = self.named(event.matter, event.area)
        return sorted(named - set(event.attributes)) if named else []


@dataclasses.dataclass(frozen=True, slots=True)
class _Planned:
    """An event of :meth:`Router.route_many` whose facts are made, waiting for its outcome."""

    event: Event
    loaded: _Loaded
    day: dt.date
    where: dict[str, object]
    facts: PolicyInput


class Router:
    """Routes events on the registry's snapshots.

    ``rules`` (or ``rules_dir``, added to the defaults) are the policies; ``engine`` is
    ``"rules"`` (durable_rules) or ``"reference"`` (the plain-Python oracle of the default
    policies); ``cache`` keeps outcomes keyed on the facts, which is sound because snapshots are
    immutable; ``as_of`` routes every event on that date's snapshot instead of its own;
    ``known_at`` routes on the registry as it stood at that revision (default: the last);
    ``versions`` (list id → version) puts those versions, drafts too, in force instead (a
    proposed change, as :meth:`remit.Registry.snapshot` does). ``loads`` (the graph check's
    load indexes: ``remit.checks.GraphCheck()``) flags a fallback or a referral onto a unit
    over its load index under ``check_config`` (default: the check's defaults) in the decision's
    ``overloaded``, asked for once per snapshot and only for such decisions
    (:mod:`remit.routing.overload`); without it no decision is flagged. ``batch``: events that
    share one engine state in :meth:`route_many` (1: each alone; the decisions are the same).
    """

    def __init__(
        self,
        registry: Registry | None = None,
        *,
        snapshot: Snapshot | None = None,
        rules: RuleSet | None = None,
        rules_dir: Path | None = None,
        engine: str = "rules",
        cache: bool = True,
        calendar: WorkCalendar | None = None,
        as_of: dt.date | None = None,
        known_at: KnownAt = None,
        versions: Mapping[str, int] | None = None,
        strict_calendar: bool = False,
        loads: LoadSource | None = None,
        check_config: CheckConfig | None = None,
        batch: int = BATCH,
    ):
        if registry is None and snapshot is None:
            raise ValueError("a Router needs a registry or a snapshot")
        if check_config is not None and loads is None:
            raise ValueError("check_config says how loads are counted: give loads too")
        if engine not in ENGINES:
            raise ValueError(f"engine must be one of {', '.join(ENGINES)}, not {engine!r}")
        self.registry = registry
        self.ruleset = rules or load_rules(rules_dir)
        if engine == "reference" and self.ruleset.rules != load_rules().rules:
            # the reference knows the default policies only: it would ignore these rules and
            # stamp its decisions with their digest
            raise ValueError(
                "the reference engine runs the default rules only (their config may differ)"
            )
        self._order = {rule.id: i for i, rule in enumerate(self.ruleset.rules)}
        self.calendar = calendar or WorkCalendar()
        self.strict_calendar = strict_calendar
        """Refuse an event whose deadline would be approximate (``--calendar strict``)."""
        self.as_of = as_of
        self._engine = RuleEngine(self.ruleset, batch=batch) if engine == "rules" else None
        # by the facts' shape (codes renamed) for the default policies only: see engine/cache.py
        self._cache = OutcomeCache(by_shape=by_shape(self.ruleset)) if cache else None
        self._state = registry.state(known_at) if registry is not None else None
        self.versions = dict(versions or {})
        if registry is not None and self._state is not None:
            for list_id, number in self.versions.items():  # refused now, not at the first event
                registry.snapshot(dt.date.today(), {list_id: number}, self._state.revision)
        self._by_hash: dict[str, _Loaded] = {}
        self._hash_of: dict[tuple[tuple[str, int, str], ...], str] = {}
        self._by_day: dict[dt.date, _Loaded] = {}
        self._fixed = _Loaded(snapshot) if snapshot is not None else None
        self.overload = LoadFlags(loads, check_config) if loads is not None else None
        """The check's load indexes, per snapshot, for the decisions' ``overloaded``."""

    @property
    def snapshots_loaded(self) -> int:
        """How many snapshots this router has loaded so far (they are kept)."""
        return len(self._by_hash) + (self._fixed is not None)

    def close(self) -> None:
        """Free the rule engine's memory; the router routes no more."""
        if self._engine is not None:
            self._engine.close()

    def __enter__(self) -> Router:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def loaded(self, day: dt.date) -> _Loaded:
        """The snapshot in force on ``day`` (dates with the same versions in force share one)."""
        if self._fixed is not None:
            return self._fixed
        found = self._by_day.get(day)
        if found is None:
            assert self.registry is not None and self._state is not None
            # the hash is a function of the versions in force (the state is fixed): hash each
            # set of versions once, not each day (a year of events has 365 days, 2 snapshots)
            catalogue, lists = in_force_versions(self._state, day)
            references = [self._state.reference(kind, day) for kind in (AREAS_KIND, UNITS_KIND)]
            versions = tuple(
                (e.info.id, e.version.version, e.version.content_hash)
                for e in (*([catalogue] if catalogue else []), *lists)
            ) + tuple((v.list_id, v.version, v.content_hash) for v in references if v)
            key = self._hash_of.get(versions)
            if key is None:
                key = self._hash_of[versions] = state_hash(self._state, day)
            found = self._by_hash.get(key)
            if found is None:
                snapshot = self.registry.snapshot(day, self.versions, self._state.revision)
                found = self._by_hash[key] = _Loaded(snapshot)
            self._by_day[day] = found
        return found

    def _local_day(self, moment: dt.datetime) -> dt.date:
        """The date of ``moment`` where the events happen (a naive time is already local)."""
        return moment.astimezone(self.calendar.zone).date() if moment.tzinfo else moment.date()

    def outcome(self, facts: PolicyInput) -> PolicyOutcome:
        """The policies' outcome on ``facts`` (from the cache when the same facts were seen)."""
        if self._cache is not None:
            cached = self._cache.get(facts)
            if cached is not None:
                return cached
        result = self._settled(
            self._engine.evaluate(facts)
            if self._engine is not None
            else resolve(facts, self.ruleset.config)
        )
        if self._cache is not None:
            self._cache.put(facts, result)
        return result

    def _settled(self, result: PolicyOutcome) -> PolicyOutcome:
        """``result`` with each rule fired once, in the rules' order: how often and in which
        order the engine fired them (a negation waits for the stage fact) is not part of the
        decision."""
        order = self._order
        fired = tuple(sorted(set(result.rules_fired), key=lambda r: (order.get(r, len(order)), r)))
        if fired != result.rules_fired:  # often already so: no copy
            result = dataclasses.replace(result, rules_fired=fired)
        return result

    def _evaluated(
        self, inputs: Sequence[PolicyInput], looked: Sequence[Lookup] | None
    ) -> list[PolicyOutcome | EngineError]:
        """The policies' outcome on each of ``inputs``, in order, or the engine's error on
        that one; ``looked``: what the cache said of each (None without a cache). Facts the
        cache knows, or equal to facts earlier in ``inputs``, are not evaluated again; the
        others go to the engine together (:meth:`RuleEngine.evaluate_many`: several events
        share an engine state), which decides each as it would alone."""
        out: list[PolicyOutcome | EngineError | None] = [None] * len(inputs)
        pending: list[int] = []  # the first of each equal facts the cache does not know
        same: dict[Any, list[int]] = {}
        for index in range(len(inputs)):
            if looked is not None:
                if looked[index].outcome is not None:
                    out[index] = looked[index].outcome
                    continue
                equal = same.setdefault(looked[index].key, [])
                equal.append(index)
                if len(equal) > 1:  # waits for the first one's outcome
                    continue
            pending.append(index)
        evaluate = [inputs[index] for index in pending]
        if self._engine is not None:
            results = self._engine.evaluate_many(evaluate)
        else:
            results = [resolve(facts, self.ruleset.config) for facts in evaluate]
        for index, result in zip(pending, results, strict=True):
            if not isinstance(result, EngineError):
                result = self._settled(result)
            out[index] = result
            if looked is None or self._cache is None:
                continue
            if not isinstance(result, EngineError):
                self._cache.store(looked[index], result)
            for other in same[looked[index].key][1:]:  # the cache renames it to their codes
                out[other] = (
                    result
                    if isinstance(result, EngineError)
                    else self._cache.lookup(inputs[other]).outcome
                )
        return out  # type: ignore[return-value]

    def resolve_event(
        self,
        event: EventIn | Mapping[str, Any],
        where: dict[str, object] | None = None,
        as_of: dt.date | None = None,
    ) -> tuple[Event, _Loaded]:
        if isinstance(event, EventIn):
            raw = event
        else:  # a mapping: refused as a file's event is, not with pydantic's error
            raw = parse_event(event, str((where or {}).get("source", "event")))
        day = as_of or self.as_of or self._local_day(raw.reported_at)
        loaded = self.loaded(day)
        return loaded.resolver.resolve(raw, where or {"source": f"event {raw.id}"}), loaded

    def route(
        self,
        event: EventIn | Mapping[str, Any],
        where: dict[str, object] | None = None,
        as_of: dt.date | None = None,
    ) -> RoutingDecision:
        """Route one event: on the snapshot of ``as_of`` if given (as ``remit replay`` decides
        a decision again on the date it names), else of the router's ``as_of``, else of the day
        it was reported. Bad events raise :class:`remit.InputError`; engine failures raise
        :class:`remit.engine.ruleengine.EngineError`. An event whose accountable unit hinges on
        an attribute it does not carry is ``needs_info`` (:mod:`remit.routing.missing`). An event
        across several areas is decided on each (:func:`remit.routing.decide.across_areas`): the
        same decision everywhere is that decision; different ones are ``split``."""
        resolved, loaded = self.resolve_event(event, where, as_of)
        day = as_of or self.as_of or self._local_day(resolved.reported_at)
        where = where or {"source": f"event {resolved.id}"}
        if len(resolved.areas) == 1:
            return self._route_area(resolved, loaded, day, where)
        # every area counts: each decided on its own (its rows, its street), in code order so
        # the order the areas were listed in never matters; the streets of the whole event
        # still say who dispatches it
        spans = len(loaded.topology.streets(resolved.areas)) or 1
        parts = [
            self._route_area(
                dataclasses.replace(resolved, area=area, areas=(area,)), loaded, day, where, spans
            )
            for area in sorted(resolved.areas)
        ]
        context = loaded.topology.context(min(resolved.areas))
        centre = context["district_platform"] or context["city_platform"] or None
        return across_areas(resolved, parts, loaded.snapshot, loaded.refs, self._order, centre)

    @overload
    def route_many(
        self,
        items: Sequence[tuple[EventIn, dict[str, object] | None]],
        plain: Literal[False] = False,
    ) -> list[RoutingDecision | InputError | EngineError]: ...

    @overload
    def route_many(
        self, items: Sequence[tuple[EventIn, dict[str, object] | None]], plain: bool
    ) -> list[RoutingDecision | DecisionLine | InputError | EngineError]: ...

    def route_many(
        self, items: Sequence[tuple[EventIn, dict[str, object] | None]], plain: bool = False
    ) -> Sequence[RoutingDecision | DecisionLine | InputError | EngineError]:
        """:meth:`route` for each (event, where) of ``items``, in order: its decision, or the
        error :meth:`route` would raise for it (:class:`remit.InputError` for a bad event,
        :class:`EngineError` when the engine failed on it). The decisions are :meth:`route`'s
        own; the policies' outcomes of the events the cache does not know are asked for
        together (:meth:`_evaluated`), which is what makes a batch faster than one event at a time. An
        event across several areas, or one missing an attribute its rows name, is routed by
        :meth:`route` as it comes. The events are taken :data:`SLICE` at a time: beyond a few
        dozen, what one slice holds no longer fits the processor's caches, and each event
        costs more (measured: 107 µs at 32, 159 µs at 2,000).

        ``plain``: a decision is given as its JSON line (:class:`DecisionLine`, the same text
        as the model's), the model never built — what a batch writes, faster — except for the
        events :meth:`route` decides (across areas, missing an attribute): their models."""
        out: list[RoutingDecision | DecisionLine | InputError | EngineError] = []
        for start in range(0, len(items), SLICE):
            out += self._route_slice(items[start : start + SLICE], plain)
        return out

    def _route_slice(
        self, items: Sequence[tuple[EventIn, dict[str, object] | None]], plain: bool
    ) -> list[RoutingDecision | DecisionLine | InputError | EngineError]:
        # an event whose outcome the cache has is decided at once (its data still in the
        # processor's caches); the others wait for the engine, together
        out: list[RoutingDecision | DecisionLine | InputError | EngineError | None] = []
        waiting: list[tuple[int, _Planned, Lookup | None]] = []
        cache = self._cache
        for event, given in items:
            try:
                resolved, loaded = self.resolve_event(event, given)
                if len(resolved.areas) != 1 or loaded.missing(resolved):
                    out.append(self.route(event, given))
                    continue
                facts = self._facts(resolved, loaded)
                where = given or {"source": f"event {resolved.id}"}
                day = self.as_of or self._local_day(resolved.reported_at)
                plan = _Planned(resolved, loaded, day, where, facts)
                looked = cache.lookup(facts) if cache is not None else None
                if looked is None or looked.outcome is None:
                    waiting.append((len(out), plan, looked))
                    out.append(None)
                    continue
                out.append(self._planned(plan, looked.outcome, plain))
            except (InputError, EngineError) as exc:
                out.append(exc)
        if waiting:
            looks = [looked for _, _, looked in waiting]
            outcomes = self._evaluated(
                [plan.facts for _, plan, _ in waiting],
                None if cache is None else looks,  # type: ignore[arg-type]
            )
            for (index, plan, _), outcome in zip(waiting, outcomes, strict=True):
                try:
                    out[index] = self._planned(plan, outcome, plain)
                except (InputError, EngineError) as exc:
                    out[index] = exc
        return out  # type: ignore[return-value]

    def _planned(
        self, plan: _Planned, outcome: PolicyOutcome | EngineError, plain: bool
    ) -> RoutingDecision | DecisionLine:
        """The decision of ``plan`` on its policies' ``outcome`` (an engine error is raised,
        located at the event as :meth:`route` locates it); ``plain``: as its line."""
        if isinstance(outcome, FiringLimitError):
            raise outcome.at(plan.where)
        if isinstance(outcome, EngineError):
            raise outcome
        fields = self._fields(
            plan.event, plan.loaded, plan.day, plan.where, None, plan.facts, outcome, plain
        )
        if plain:
            line = decision_json(fields)
            if line is not None:
                return DecisionLine(fields["status"], line, fields["deadline_approximate"])
            # a value orjson cannot write: the model writes it, or refuses it, as route's would
            fields = self._fields(
                plan.event, plan.loaded, plan.day, plan.where, None, plan.facts, outcome
            )
        return RoutingDecision(**fields)

    def _route_area(
        self,
        resolved: Event,
        loaded: _Loaded,
        day: dt.date,
        where: dict[str, object],
        spans: int | None = None,
    ) -> RoutingDecision:
        """The decision for ``resolved`` in its first area (``spans``: the streets of the whole
        event, when it is one area of several)."""
        missing = loaded.missing(resolved)
        assumed: dict[str, AttributeValue] = {}
        defaults = self.ruleset.config.attribute_defaults
        if missing and defaults:
            given = {name: defaults[name] for name in missing if name in defaults}
            if given:
                matter = loaded.snapshot.matters[resolved.matter]
                where_default = {"source": "rules config attribute_defaults"}
                assumed = loaded.resolver.attribute_values(matter, given, where_default)
                attributes = dict(sorted({**resolved.attributes, **assumed}.items()))
                resolved = dataclasses.replace(resolved, attributes=attributes)
                missing = [name for name in missing if name not in assumed]
        decision = RoutingDecision(**self._fields(resolved, loaded, day, where, spans))
        if assumed:
            decision = decision.model_copy(update={"assumed": dict(assumed)})
        if not missing:
            return decision
        matter = loaded.snapshot.matters[resolved.matter]
        rows = rows_for(resolved, loaded.snapshot)
        combos = combinations(missing, matter.attributes, rows)
        alternatives: list[Alternative] = []
        if combos is not None:
            gists = set()
            # the policies' outcome for each, no whole decision built; values that give the
            # same facts share one outcome, as the cache's do. The facts depend on the
            # attributes only through the rows they meet and the severity: values alike in
            # both are not made into facts again
            outcomes: dict[tuple[Any, ...], PolicyOutcome] = {}
            for combo in combos:
                attributes = dict(sorted({**resolved.attributes, **combo}.items()))
                severity = attributes.get("severity", 0)
                alike = (
                    tuple(meets(entry.duty.conditions, attributes) for entry in rows),
                    type(severity),
                    severity,
                )
                other = outcomes.get(alike)
                if other is None:
                    variant = dataclasses.replace(resolved, attributes=attributes)
                    facts = self._facts(variant, loaded, spans)
                    other = outcomes[alike] = self._outcome_of(facts, where)
                found = alternative(dict(combo), other, loaded.refs)
                alternatives.append(found)
                gists.add(
                    (
                        found.status,
                        found.lead.code if found.lead else None,
                        frozenset(u.code for u in found.contenders),
                        found.coordinator.code if found.coordinator else None,
                    )
                )
            if len(gists) <= 1:  # whatever the values, the same unit: they did not matter
                return decision
        labels: dict[str, str] = {}
        for name in missing:
            domain = matter.attributes.get(name)
            if domain is not None and domain.label:
                labels[name] = domain.label
            for value, label in getattr(domain, "labels", {}).items():
                labels[f"{name}={value}"] = label
        needs = NeedsInfo(attributes=missing, alternatives=alternatives, labels=labels)
        return needs_info(decision, needs)

    def _calendar(self, loaded: _Loaded) -> WorkCalendar:
        """The router's calendar with the snapshot's calendar file (the years the calendar
        package lacks)."""
        return self.calendar.using(loaded.snapshot.calendar)

    def _facts(self, resolved: Event, loaded: _Loaded, spans: int | None = None) -> PolicyInput:
        calendar = self._calendar(loaded)
        return policy_input(
            resolved,
            loaded.snapshot,
            loaded.topology,
            self.ruleset.config,
            lambda limit: calendar.deadline(resolved.reported_at, limit).at,
            spans,
        )

    def _outcome_of(self, facts: PolicyInput, where: dict[str, object]) -> PolicyOutcome:
        try:
            return self.outcome(facts)
        except FiringLimitError as exc:  # the engine does not know which event it was
            raise exc.at(where) from None

    def _fields(
        self,
        resolved: Event,
        loaded: _Loaded,
        day: dt.date,
        where: dict[str, object],
        spans: int | None = None,
        facts: PolicyInput | None = None,
        outcome: PolicyOutcome | None = None,
        plain: bool = False,
    ) -> dict[str, Any]:
        """The decision's fields for ``resolved`` (:func:`decision_fields`; ``facts`` and
        their ``outcome`` when already known: :meth:`route_many`)."""
        calendar = self._calendar(loaded)
        if facts is None:
            facts = self._facts(resolved, loaded, spans)
        if outcome is None:
            outcome = self._outcome_of(facts, where)
        fields = decision_fields(
            resolved,
            loaded.snapshot,
            facts,
            outcome,
            calendar,
            self.ruleset.digest,
            day,
            refs=loaded.refs,
            config=self.ruleset.config,
            overload=self.overload,
            plain=plain,
        )
        if self.strict_calendar and fields["deadline_approximate"]:
            reported = resolved.reported_at
            year = (reported.astimezone(calendar.zone) if reported.tzinfo else reported).year
            raise InputError.one(
                "route.calendar_unknown",
                **location(where),
                event=resolved.id,
                year=year,
            )
        return fields
