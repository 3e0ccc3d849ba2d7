"""Ruling on returns (退单) from the lists: :class:`DisputeDesk`.

For each round of a case the desk routes the case's event again with the :class:`Router` (on
the snapshot of the event's date), puts the decision's gist, the return and the returning
unit's own rows as facts into the dispute rules (``default.yaml`` here, plus a district's
``DIR/disputes/*.yaml``), runs them on durable_rules with the router's engine wrapper
(:meth:`remit.routing.engine.RuleEngine.run`: the same envelope), and reads the ruling off the
final facts: upheld, overruled or arbitrate, with the rows cited (:class:`DutyRef`), the unit
that holds the case now, its deadline, and the centre a second return by the same unit is
escalated to.

>>> from remit import DisputeDesk, Registry, Router
>>> with Router(Registry("sqlite:///remit.db")) as router, DisputeDesk(router) as desk:  # doctest: +SKIP
...     ruled = desk.rule_file(Path("data/disputes/cases.yaml"))
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from importlib import resources
from pathlib import Path
from typing import Any

from remit.deadlines import WorkCalendar
from remit.errors import InputError
from remit.events.case_files import LocatedCase, read_cases
from remit.events.cases import Case, Defect, Round, Ruling, Verdict
from remit.events.model import Event
from remit.files.names import NameIndex, Unresolved, index_of
from remit.registry.entities import Role
from remit.registry.refs import DutyRef, UnitRef
from remit.registry.snapshot import Snapshot
from remit.routing.decide import Refs
from remit.routing.decision import RoutingDecision, Status
from remit.routing.engine import RuleEngine
from remit.routing.facts import PolicyInput, policy_input
from remit.routing.router import Router
from remit.routing.rules.compile import RuleSet, load_rules
from remit.timelimit import parse_time_limit

DISPUTES_DIR = "disputes"
"""The subdirectory of a district's rules directory that holds its dispute rules (the routing
rules are the directory's own files, so the two sets never mix)."""

CLOCKS = ("dispatch", "reassignment")
"""``dispute_clock``: dispatch — the time limit runs from the first dispatch and a return does
not stop it; reassignment — it runs anew from each ruling."""

LEVELS = ("street", "district", "city")
"""The centres a case is escalated through, one level at a time."""

Fact = dict[str, Any]


def dispute_rules_path() -> Path:
    return Path(str(resources.files("remit.routing.disputes").joinpath("default.yaml")))


def load_dispute_rules(rules_dir: Path | None = None) -> RuleSet:
    """The default dispute rules, then ``rules_dir/disputes/*.yaml`` (or ``rules_dir`` itself
    when it is a file or a directory named ``disputes``)."""
    extra: Path | None = None
    if rules_dir is not None:
        if rules_dir.is_dir() and rules_dir.name != DISPUTES_DIR:
            sub = rules_dir / DISPUTES_DIR
            extra = sub if sub.is_dir() else None
        else:
            extra = rules_dir
    ruleset = load_rules(extra, defaults=dispute_rules_path())
    dispute_clock(ruleset)
    return ruleset


def dispute_clock(ruleset: RuleSet) -> str:
    """The rules' ``dispute_clock`` (config ``extra``), checked."""
    value = ruleset.config.extra.get("dispute_clock", "dispatch")
    if value not in CLOCKS:
        raise InputError.one(
            "dispute.bad_clock",
            source=", ".join(ruleset.sources),
            field="config.extra.dispute_clock",
            value=value,
            known=", ".join(CLOCKS),
        )
    return str(value)


class DisputeDesk:
    """Rules on the returns of cases, with ``router`` (its registry, rules and calendar) and
    the dispute rules (``rules``, or the defaults plus ``rules_dir``'s ``disputes/``)."""

    def __init__(
        self,
        router: Router,
        *,
        rules: RuleSet | None = None,
        rules_dir: Path | None = None,
        max_firings: int | None = None,
    ):
        self.router = router
        self.ruleset = rules or load_dispute_rules(rules_dir)
        self.clock = dispute_clock(self.ruleset)
        self._order = {rule.id: i for i, rule in enumerate(self.ruleset.rules)}
        self._titles = {rule.id: dict(rule.title) for rule in self.ruleset.rules}
        self._engine = RuleEngine(self.ruleset, max_firings)
        self._units: dict[str, NameIndex] = {}

    def close(self) -> None:
        self._engine.close()

    def __enter__(self) -> DisputeDesk:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    # --- the public ways in ------------------------------------------------------------------

    def rule_file(self, path: Path) -> list[Case]:
        """Every case of a case file, ruled (rounds ruled before keep their ruling)."""
        return [self.rule_located(located) for located in read_cases(path)]

    def rule_cases(self, cases: Iterable[LocatedCase]) -> list[Case]:
        return [self.rule_located(located) for located in cases]

    def rule(self, case: Case | Mapping[str, Any]) -> Case:
        """One case (a :class:`Case` or its data), ruled."""
        parsed = case if isinstance(case, Case) else Case.model_validate(case)
        where: dict[str, object] = {"source": f"case {parsed.case_id}"}
        return self.rule_located(LocatedCase(where, parsed, lambda _: None))

    # --- ruling --------------------------------------------------------------------------------

    def rule_located(self, located: LocatedCase) -> Case:
        case = located.case
        where = {"source": located.where["source"], "line": located.line_of(("event",))}
        if where["line"] is None:
            where["line"] = located.where.get("line")
        decision = self.router.route(case.event, dict(where))
        resolved, loaded = self.router.resolve_event(case.event, dict(where))
        snapshot = loaded.snapshot
        refs: Refs = loaded.refs
        calendar = self.router.calendar.using(snapshot.calendar)
        facts = policy_input(
            resolved,
            snapshot,
            loaded.topology,
            self.router.ruleset.config,
            lambda limit: calendar.deadline(resolved.reported_at, limit).at,
        )
        if case.dispatch.unit is not None:  # a unit the registry does not know is refused
            self._unit(snapshot, case.dispatch.unit, located, ("dispatch", "unit"))
        returned: list[str] = []
        rounds: list[Round] = []
        for index, round_ in enumerate(case.rounds):
            unit = self._unit(snapshot, round_.unit, located, ("rounds", index, "unit"))
            if round_.ruling is None:
                ruling = self._rule_round(
                    case, round_, index, unit, unit in returned, decision, resolved, facts, refs,
                    calendar,
                )  # fmt: skip
                round_ = round_.model_copy(update={"ruling": ruling})
            returned.append(unit)
            rounds.append(round_)
        dispatch = case.dispatch.model_copy(
            update={
                "unit": case.dispatch.unit or _first_holder(decision) or None,
                "at": case.dispatched_at(),
            }
        )
        return case.model_copy(update={"rounds": rounds, "dispatch": dispatch})

    def _unit(
        self,
        snapshot: Snapshot,
        text: str,
        located: LocatedCase,
        field: tuple[str | int, ...],
    ) -> str:
        index = self._units.get(snapshot.hash)
        if index is None:
            index = self._units[snapshot.hash] = index_of(snapshot.units, "unit")
        try:
            return index.resolve(text, "ref.unknown_unit")
        except Unresolved as exc:
            raise InputError.one(exc.key, **exc.params, **located.at(*field)) from None

    def _rule_round(
        self,
        case: Case,
        round_: Round,
        index: int,
        unit: str,
        repeat: bool,
        decision: RoutingDecision,
        resolved: Event,
        facts: PolicyInput,
        refs: Refs,
        calendar: WorkCalendar,
    ) -> Ruling:
        owner = resolved.owner or ""
        rows = [c for c in facts.candidates if _row_unit(c, owner) == unit]
        lead = decision.lead.code if decision.lead is not None else ""
        # an event across areas with different leads (split): each area's lead holds its part
        leads = {lead} - {""} | {p.lead.code for p in decision.parts if p.lead is not None}
        contenders = {c.code for c in decision.contenders} | {
            c.code for p in decision.parts for c in p.contenders
        }
        event: Fact = {
            "t": "event",
            "id": "event",
            "status": decision.status.value,
            "has_lead": bool(leads),
            "gap": decision.gap,
            "owner": owner,
            "owner_row": any(c["owner_row"] for c in facts.candidates),
        }
        dispute: Fact = {
            "t": "dispute",
            "id": "dispute",
            "unit": unit,
            "reason": round_.reason.value,
            "round": index + 1,
            "repeat": repeat,
            "is_lead": unit in leads,
            "contender": unit in contenders,
            "territorial": facts.context.get("territorial", "") == unit,
            "is_owner": bool(owner) and owner == unit,
            "lead_rows": sum(1 for c in rows if c["role"] == Role.lead.value),
            "refused": any(c["role"] == Role.not_responsible.value for c in rows),
        }
        memory, _trace = self._engine.run([dispute, event])
        found = sorted(
            (f for f in memory if f["t"] == "ruling"),
            key=lambda f: (self._order.get(_rule_of(f), len(self._order)), f["id"]),
        )
        escalate = any(f["t"] == "escalation" for f in memory)
        fact: Fact = (
            found[0]
            if found
            else {"id": "#", "verdict": "arbitrate", "to": "centre", "defect": "unsettled"}
        )
        rule = _rule_of(fact)
        verdict = Verdict(fact["verdict"])
        escalated_to = self._escalation(decision, facts.context, refs) if escalate else None
        target = str(fact.get("to", "centre"))
        defect = Defect(fact["defect"]) if fact.get("defect") else None
        holder: UnitRef | None
        if target == "returning":
            holder = refs.unit(unit)
        elif target == "lead":
            holder = decision.lead or decision.coordinator
            if decision.lead is None and decision.gap:
                defect = Defect.gap  # upheld to the coordinating centre: still a list gap
        else:
            holder = None
        if holder is None:  # the centre: the arbitrating one, one level up when escalated
            verdict = Verdict.arbitrate  # nobody the lists name: the centre rules
            holder = escalated_to or _centre(decision, facts.context, refs)
            defect = defect or Defect.unsettled
        cite = str(fact.get("cite", "none"))
        duties = self._cited(cite, unit, holder.code, decision, facts, refs, owner)
        if verdict is Verdict.arbitrate:
            limit = self.ruleset.config.arbitration_time_limit
            deadline: dt.datetime | None = calendar.deadline(round_.at, parse_time_limit(limit)).at
        else:
            limit = decision.time_limit or ""
            start = case.dispatched_at() if self.clock == "dispatch" else round_.at
            deadline = calendar.deadline(start, parse_time_limit(limit)).at if limit else None
        return Ruling(
            verdict=verdict,
            rule=rule,
            principle=self._titles.get(rule, {}),
            returned_by=refs.unit(unit),
            unit=holder,
            duties=duties,
            area=resolved.area if cite == "area" else None,
            defect=defect if verdict is Verdict.arbitrate or defect is Defect.gap else None,
            time_limit=limit or None,
            deadline=deadline,
            clock="dispatch" if self.clock == "dispatch" else "reassignment",
            escalated_to=escalated_to,
            matter=resolved.matter,
            matter_name=refs.snapshot.matters[resolved.matter].name,
            decision_status=decision.status.value,
            ruled_at=round_.at,
            snapshot_hash=decision.snapshot_hash,
            snapshot_date=decision.snapshot_date,
            registry_revision=decision.registry_revision,
            rules_digest=self.ruleset.digest,
            routing_rules_digest=decision.rules_digest,
        )

    def _cited(
        self,
        cite: str,
        unit: str,
        holder: str,
        decision: RoutingDecision,
        facts: PolicyInput,
        refs: Refs,
        owner: str,
    ) -> list[DutyRef]:
        """The rows a ruling cites: the new lead's lead rows and the returning unit's refusals
        (upheld), the returning unit's own rows (overruled), the contenders' lead rows
        (a conflict), the owner rows no owner was named for (owner unclear)."""

        def rows(units: set[str], roles: set[str]) -> list[DutyRef]:
            return [
                refs.duty(facts.duties[c["duty"]])
                for c in facts.candidates
                if _row_unit(c, owner) in units and c["role"] in roles
            ]

        if cite == "lead_rows":
            found = rows({holder}, {"lead"}) + rows({unit}, {"not_responsible"})
            if decision.status is Status.referred:
                found += [d for d in decision.duties if d.role == Role.not_responsible]
        elif cite in ("own_rows", "area"):
            found = rows({unit}, {"lead"}) + [
                d
                for p in decision.parts
                if p.lead is not None and p.lead.code == unit
                for d in p.duties
                if d.role == Role.lead
            ]
        elif cite == "contenders":
            found = rows({c.code for c in decision.contenders}, {"lead"})
        elif cite == "owner_rows":  # the @owner rows nobody could apply: the rows to revise
            found = [
                refs.duty(facts.duties[c["duty"]]) for c in facts.candidates if c.get("owner_row")
            ]
        else:
            found = []
        unique: list[DutyRef] = []
        for duty in found:
            if duty not in unique:
                unique.append(duty)
        return unique

    def _escalation(
        self, decision: RoutingDecision, context: Mapping[str, str], refs: Refs
    ) -> UnitRef | None:
        """The centre one level above the one that dispatched the case (street centre →
        district → city), skipping a level with no centre; the top centre keeps it."""
        level = decision.dispatch.level.value if decision.dispatch is not None else "street"
        start = LEVELS.index(level) + 1 if level in LEVELS else 1
        for above in LEVELS[start:]:
            code = context.get(f"{above}_platform", "")
            if code:
                return refs.unit(code)
        if decision.dispatch is not None:
            return decision.dispatch.platform
        return None


def _rule_of(fact: Fact) -> str:
    return str(fact["id"]).split("#", 1)[0]


def _row_unit(candidate: Fact, owner: str) -> str:
    """The unit a candidate row names for this event (an @owner row: the event's owner)."""
    return owner if candidate.get("owner_row") else str(candidate["unit"])


def _first_holder(decision: RoutingDecision) -> str:
    """Who a case is dispatched to when the case does not say: the lead, else the provisional
    handler of a conflict, else the coordinating or dispatching centre (by name, as a dispatcher
    writes it: it resolves back to the unit)."""
    for unit in (
        decision.lead,
        decision.provisional.unit if decision.provisional else None,
        decision.coordinator,
        decision.dispatch.platform if decision.dispatch else None,
    ):
        if unit is not None:
            return unit.name
    return ""


def _centre(decision: RoutingDecision, context: Mapping[str, str], refs: Refs) -> UnitRef:
    """The centre that arbitrates: a conflict's arbitrator, else the dispatching centre, else the
    district's, else the city's."""
    if decision.arbitration is not None:
        return decision.arbitration.unit
    if decision.dispatch is not None:
        return decision.dispatch.platform
    for level in ("district", "city"):
        code = context.get(f"{level}_platform", "")
        if code:
            return refs.unit(code)
    return UnitRef(code="", name="")
