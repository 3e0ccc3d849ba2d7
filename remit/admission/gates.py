"""The seven gates of 事项准入, run over a request on the snapshot of its effective date.

Each gate says pass, fail or needs-info, with the rule it applies and the evidence; its mode
(dryrun, warn, deny) decides what a failure does. The request is admitted when no deny-mode
gate fails or lacks information.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from remit.admission.enact import Enactment, Resolved, RowsOf, plan
from remit.admission.report import AdmissionReport, GateResult, GateStatus, Outcome, StreetEffect
from remit.admission.request import AdmissionConfig, AdmissionRequest, GateName
from remit.conditions import Condition, normalize
from remit.events.history import scan_history
from remit.events.model import Event
from remit.files.names import Unresolved, index_of
from remit.findings import CheckConfig, Finding, FindingKind, ListCheck
from remit.i18n import Lang, t
from remit.registry.entities import Area, Level, ListKind, Matter, Role, Unit, UnitKind, utcnow
from remit.registry.snapshot import Snapshot
from remit.registry.spaces import MatterIndex
from remit.registry.state import RegistryState

BLOCKING_KINDS = frozenset({FindingKind.overlap, FindingKind.gap, FindingKind.referral_cycle})
"""New findings of these kinds fail the no-overlap gate; other new findings are listed."""


@dataclass
class _Context:
    request: AdmissionRequest
    config: AdmissionConfig
    snapshot: Snapshot
    check: ListCheck
    lang: Lang
    resolved: Resolved | None = None
    volume: float | None = None
    volume_source: str = "request"
    per_street: dict[str, float] | None = None
    hours_per_case: float = 0.0

    def t(self, key: str, **params: object) -> str:
        return t(key, self.lang, **params)

    def name(self, unit: str) -> str:
        found = self.snapshot.units.get(unit)
        return found.name if found else unit

    def result(
        self, gate: GateName, status: GateStatus, message: str, evidence: list[str]
    ) -> GateResult:
        return GateResult(
            gate=gate,
            status=status,
            mode=self.config.mode(gate),
            rule=self.t(f"gate.{gate.value}.rule"),
            message=message,
            evidence=evidence,
        )


def evaluate(
    request: AdmissionRequest,
    snapshot: Snapshot,
    state: RegistryState,
    rows_of: RowsOf,
    config: AdmissionConfig,
    check: ListCheck,
    history: Path | None = None,
    lang: Lang = "en",
) -> tuple[AdmissionReport, Enactment]:
    """Run every gate over ``request`` on ``snapshot`` (the lists in force on its date), asking
    ``check`` (the graph check) for loads and new findings; returns the report and the
    enactment it checked (what approval writes)."""
    ctx = _Context(request, config, snapshot, check, lang)
    results = [_well_formed(ctx)]
    enactment = Enactment()
    if ctx.resolved is not None:
        enactment = plan(request, ctx.resolved, snapshot, state, rows_of, lang)
        if enactment.problems:
            results[0] = ctx.result(
                GateName.well_formed,
                GateStatus.failed,
                ctx.t("gate.well_formed.unenactable"),
                enactment.problems,
            )
    effect: list[StreetEffect] = []
    new_findings: list[Finding] = []
    if ctx.resolved is None or enactment.problems:
        results += [
            ctx.result(g, GateStatus.needs_info, ctx.t("gate.not_evaluated"), [])
            for g in GateName
            if g is not GateName.well_formed
        ]
    else:
        _volumes(ctx, history)
        results.append(_legal_basis(ctx))
        results.append(_not_reclaimed(ctx))
        results.append(_resources(ctx))
        capacity, effect = _capacity(ctx)
        results.append(capacity)
        overlap, new_findings = _no_overlap(ctx, enactment)
        results.append(overlap)
        results.append(_powers(ctx))
    if any(r.blocks and r.status is GateStatus.failed for r in results):
        outcome = Outcome.reject
    elif any(r.blocks for r in results):
        outcome = Outcome.needs_info
    else:
        outcome = Outcome.admit
    resolved = ctx.resolved
    matter = snapshot.matters.get(resolved.matter) if resolved else None
    department = snapshot.units.get(resolved.department) if resolved else None
    report = AdmissionReport(
        request_id=request.id,
        matter=resolved.matter if resolved else request.matter,
        matter_name=matter.name if matter else None,
        department=resolved.department if resolved else request.department,
        department_name=department.name if department else None,
        receiving=list(resolved.units) if resolved else [],
        effective_from=request.effective_from,
        snapshot_hash=snapshot.hash,
        checked_at=utcnow(),
        lang=lang,
        outcome=outcome,
        gates=results,
        warnings=[
            r.gate for r in results if r.mode.value == "warn" and r.status is not GateStatus.passed
        ],
        recorded=[
            r.gate
            for r in results
            if r.mode.value == "dryrun" and r.status is not GateStatus.passed
        ],
        effect=effect,
        events_moved=round(sum(e.events_per_year for e in effect), 1),
        volume_source=ctx.volume_source,
        new_findings=new_findings,
        enactment=enactment.summary(),
    )
    return report, enactment


# --- 7. well-formed (runs first: the others need its codes) --------------------------------------


def _well_formed(ctx: _Context) -> GateResult:
    snap, request = ctx.snapshot, ctx.request
    problems: list[str] = []

    def code(
        index_items: Mapping[str, Area | Unit | Matter], what: str, text: str, **params: object
    ) -> str | None:
        try:
            index = (
                MatterIndex(m for m in index_items.values() if isinstance(m, Matter))
                if what == "matter"
                else index_of(index_items, what)
            )
            return index.resolve(text, f"ref.unknown_{what}", **params)
        except Unresolved as exc:
            problems.append(t(exc.key, ctx.lang, **exc.params))
            return None

    label = snap.catalogue.version.label if snap.catalogue else "-"
    matter = code(snap.matters, "matter", request.matter, catalogue=label)
    if matter is not None and any(m.parent == matter for m in snap.matters.values()):
        problems.append(ctx.t("gate.well_formed.group_matter", matter=matter))
        matter = None
    department = code(snap.units, "unit", request.department)
    if department is not None and snap.units[department].level is Level.street:
        problems.append(ctx.t("gate.well_formed.department_street", unit=ctx.name(department)))
    units: list[str] = []
    if request.receiving.area is not None:
        area = code(snap.areas, "area", request.receiving.area)
        if area is not None:
            units = sorted(
                u.code
                for u in snap.units.values()
                if u.level is Level.street
                and u.kind is UnitKind.block
                and area in snap.ancestors(u.jurisdiction)
            )
            if not units:
                problems.append(ctx.t("gate.well_formed.no_streets", area=snap.areas[area].name))
    for text in request.receiving.units:
        unit = code(snap.units, "unit", text)
        if unit is None:
            continue
        found = snap.units[unit]
        if found.level is not Level.street or found.kind is not UnitKind.block:
            problems.append(
                ctx.t(
                    "gate.well_formed.not_street",
                    unit=found.name,
                    level=ctx.t(f"level.{found.level.value}"),
                )
            )
        elif unit not in units:
            units.append(unit)
    conditions: Condition = {}
    if matter is not None and request.when:
        conditions, cond_problems = normalize(request.when, snap.matters[matter].attributes, matter)
        problems += [p.render(ctx.lang) for p in cond_problems]
    if problems or matter is None or department is None or not units:
        return ctx.result(
            GateName.well_formed, GateStatus.failed, ctx.t("gate.well_formed.fail"), problems
        )
    ctx.resolved = Resolved(
        matter=matter,
        department=department,
        units=tuple(units),
        conditions=conditions,
        time_limit=request.time_limit or snap.matters[matter].default_time_limit,
    )
    evidence = [
        ctx.t("gate.well_formed.matter", matter=matter, name=snap.matters[matter].name),
        ctx.t(
            "gate.well_formed.units", count=len(units), names="、".join(ctx.name(u) for u in units)
        ),
    ]
    return ctx.result(
        GateName.well_formed, GateStatus.passed, ctx.t("gate.well_formed.pass"), evidence
    )


def _volumes(ctx: _Context, history: Path | None) -> None:
    """Events a year per receiving street: from the history, the request or the catalogue."""
    assert ctx.resolved is not None
    matter = ctx.snapshot.matters[ctx.resolved.matter]
    estimate = matter.estimate
    ctx.hours_per_case = (
        ctx.request.hours_per_case
        or (estimate.hours_per_case if estimate else None)
        or ctx.config.norms.hours_per_case
    )
    if history is not None:
        ctx.per_street = _history_volumes(ctx, history)
        ctx.volume_source = "history"
        ctx.volume = max(ctx.per_street.values(), default=0.0)
    elif ctx.request.expected_yearly_volume is not None:
        ctx.volume, ctx.volume_source = ctx.request.expected_yearly_volume, "request"
    elif estimate is not None:
        ctx.volume, ctx.volume_source = estimate.yearly_volume, "catalogue"
    else:
        ctx.volume, ctx.volume_source = None, "none"


def _history_volumes(ctx: _Context, path: Path) -> dict[str, float]:
    """Events of the matter per receiving street in the history, scaled to a year."""
    resolved = ctx.resolved
    assert resolved is not None
    counts: Counter[str] = Counter()
    areas = {ctx.snapshot.units[u].jurisdiction: u for u in resolved.units}

    def count(event: Event) -> None:
        if event.matter != resolved.matter:
            return
        for area in ctx.snapshot.ancestors(event.area):
            if area in areas:
                counts[areas[area]] += 1
                return

    scale = 365.0 / scan_history(ctx.snapshot, path, count)
    return {u: counts[u] * scale for u in resolved.units}


def _street_volume(ctx: _Context, unit: str) -> float:
    if ctx.per_street is not None:
        return ctx.per_street.get(unit, 0.0)
    return ctx.volume or 0.0


# --- 1. legal basis ------------------------------------------------------------------------------


def _legal_basis(ctx: _Context) -> GateResult:
    bases = ctx.request.legal_basis
    accepted = set(ctx.config.accepted_legal_kinds)
    evidence = [
        ctx.t("gate.legal_basis.item", text=b.text, kind=t(f"legal.{b.kind.value}", ctx.lang))
        for b in bases
    ]
    if not bases:
        status, key = GateStatus.needs_info, "gate.legal_basis.missing"
    elif any(b.kind in accepted for b in bases):
        status, key = GateStatus.passed, "gate.legal_basis.pass"
    else:
        status, key = GateStatus.failed, "gate.legal_basis.fail"
    kinds = "、".join(t(f"legal.{k.value}", ctx.lang) for k in ctx.config.accepted_legal_kinds)
    return ctx.result(GateName.legal_basis, status, ctx.t(key, kinds=kinds), evidence)


# --- 2. not reclaimed ----------------------------------------------------------------------------


def _not_reclaimed(ctx: _Context) -> GateResult:
    assert ctx.resolved is not None
    kinds = {e.info.id: e.info.kind for e in ctx.snapshot.lists}
    taken = [
        e
        for e in ctx.snapshot.duties
        if kinds.get(e.list_id) == ListKind.street_reclaimed
        and e.duty.matter == ctx.resolved.matter
        and e.duty.unit in ctx.resolved.units
        and e.duty.role is Role.not_responsible
    ]
    evidence = [
        ctx.t(
            "gate.not_reclaimed.row",
            unit=ctx.name(e.duty.unit),
            list=e.list_id,
            version=e.version,
            row=e.seq,
        )
        for e in taken
    ]
    if taken:
        return ctx.result(
            GateName.not_reclaimed,
            GateStatus.failed,
            ctx.t("gate.not_reclaimed.fail", count=len(taken)),
            evidence,
        )
    return ctx.result(
        GateName.not_reclaimed, GateStatus.passed, ctx.t("gate.not_reclaimed.pass"), []
    )


# --- 3. resources follow -------------------------------------------------------------------------


def _resources(ctx: _Context) -> GateResult:
    assert ctx.resolved is not None
    norms, res = ctx.config.norms, ctx.request.resources
    missing = []
    if ctx.volume is None:
        missing.append(ctx.t("gate.resources.no_volume"))
    if res.staff is None:
        missing.append(ctx.t("gate.resources.no_staff"))
    if res.yearly_budget is None:
        missing.append(ctx.t("gate.resources.no_budget"))
    if missing:
        return ctx.result(
            GateName.resources, GateStatus.needs_info, ctx.t("gate.resources.missing"), missing
        )
    assert res.staff is not None and res.yearly_budget is not None
    evidence, short = [], False
    for unit in ctx.resolved.units:
        volume = _street_volume(ctx, unit)
        staff = volume * ctx.hours_per_case / norms.hours_per_staff_year
        budget = volume * norms.cost_per_case
        ok = res.staff >= staff and res.yearly_budget >= budget
        short = short or not ok
        evidence.append(
            ctx.t(
                "gate.resources.street",
                unit=ctx.name(unit),
                volume=f"{volume:,.0f}",
                staff=f"{staff:.2f}",
                given_staff=f"{res.staff:g}",
                budget=f"{budget:,.0f}",
                given_budget=f"{res.yearly_budget:,.0f}",
                verdict=ctx.t("gate.ok" if ok else "gate.short"),
            )
        )
    status = GateStatus.failed if short else GateStatus.passed
    key = "gate.resources.fail" if short else "gate.resources.pass"
    return ctx.result(
        GateName.resources,
        status,
        ctx.t(
            key,
            hours=f"{ctx.hours_per_case:g}",
            year=f"{norms.hours_per_staff_year:g}",
            cost=f"{norms.cost_per_case:g}",
        ),
        evidence,
    )


# --- 4. capacity ---------------------------------------------------------------------------------


def _check_config(config: AdmissionConfig) -> CheckConfig:
    return CheckConfig(
        hours_per_staff_year=config.norms.hours_per_staff_year,
        default_hours_per_case=config.norms.hours_per_case,
        overload_threshold=config.capacity_threshold,
    )


def _capacity(ctx: _Context) -> tuple[GateResult, list[StreetEffect]]:
    assert ctx.resolved is not None
    norms, threshold = ctx.config.norms, ctx.config.capacity_threshold
    load = {row.unit: row for row in ctx.check.load(ctx.snapshot, _check_config(ctx.config))}
    transferred = ctx.request.resources.staff or 0.0
    effect, evidence = [], []
    over = unknown = False
    if ctx.volume is None and ctx.per_street is None:
        return ctx.result(
            GateName.capacity,
            GateStatus.needs_info,
            ctx.t("gate.capacity.no_volume"),
            [ctx.t("gate.resources.no_volume")],
        ), []
    for unit in ctx.resolved.units:
        volume = _street_volume(ctx, unit)
        row = load.get(unit)
        if row is None:
            unknown = True
            evidence.append(ctx.t("gate.capacity.no_capacity", unit=ctx.name(unit)))
            effect.append(
                StreetEffect(
                    unit=unit,
                    name=ctx.name(unit),
                    events_per_year=round(volume, 1),
                    staff_before=None,
                    staff_after=None,
                    load_before=None,
                    load_after=None,
                )
            )
            continue
        staff_after = row.staff + transferred
        after = (row.workload_hours + volume * ctx.hours_per_case) / (
            staff_after * norms.hours_per_staff_year
        )
        over = over or after > threshold
        effect.append(
            StreetEffect(
                unit=unit,
                name=ctx.name(unit),
                events_per_year=round(volume, 1),
                staff_before=row.staff,
                staff_after=staff_after,
                load_before=row.load_index,
                load_after=round(after, 3),
            )
        )
        evidence.append(
            ctx.t(
                "gate.capacity.street",
                unit=ctx.name(unit),
                before=f"{row.load_index:.2f}",
                after=f"{after:.2f}",
                verdict=ctx.t("gate.over" if after > threshold else "gate.ok"),
            )
        )
    if over:
        status, key = GateStatus.failed, "gate.capacity.fail"
    elif unknown:
        status, key = GateStatus.needs_info, "gate.capacity.unknown"
    else:
        status, key = GateStatus.passed, "gate.capacity.pass"
    return ctx.result(
        GateName.capacity, status, ctx.t(key, threshold=f"{threshold:g}"), evidence
    ), effect


# --- 5. no overlap -------------------------------------------------------------------------------


def _no_overlap(ctx: _Context, enactment: Enactment) -> tuple[GateResult, list[Finding]]:
    assert ctx.resolved is not None
    after, new_ids = ctx.check.introduced(
        ctx.snapshot,
        enactment.snapshot(ctx.snapshot),
        _check_config(ctx.config),
        ctx.resolved.matter,
        ctx.lang,
    )
    receiving = set(ctx.resolved.units)
    new = [
        f
        for f in after
        if f.kind is not FindingKind.overload
        # new cells, or cells where a receiving unit now contends (it led nothing there before)
        and (f.id in new_ids or (f.kind in BLOCKING_KINDS and receiving & set(f.units)))
    ]
    evidence = [f"{t('kind.' + f.kind.value, ctx.lang)}: {f.message}" for f in new]
    blocking = [f for f in new if f.kind in BLOCKING_KINDS]
    if blocking:
        return ctx.result(
            GateName.no_overlap,
            GateStatus.failed,
            ctx.t("gate.no_overlap.fail", count=len(blocking)),
            evidence,
        ), new
    return ctx.result(
        GateName.no_overlap, GateStatus.passed, ctx.t("gate.no_overlap.pass"), evidence
    ), new


# --- 6. powers -----------------------------------------------------------------------------------


def _powers(ctx: _Context) -> GateResult:
    assert ctx.resolved is not None
    required = set(ctx.snapshot.matters[ctx.resolved.matter].requires_powers)
    given = set(ctx.request.resources.powers)
    evidence, lacking = [], False
    for unit in ctx.resolved.units:
        missing = sorted(required - set(ctx.snapshot.units[unit].powers) - given)
        lacking = lacking or bool(missing)
        if missing:
            evidence.append(
                ctx.t("gate.powers.missing", unit=ctx.name(unit), powers=", ".join(missing))
            )
    if not required:
        return ctx.result(GateName.powers, GateStatus.passed, ctx.t("gate.powers.none"), [])
    key = "gate.powers.fail" if lacking else "gate.powers.pass"
    return ctx.result(
        GateName.powers,
        GateStatus.failed if lacking else GateStatus.passed,
        ctx.t(key, powers=", ".join(sorted(required))),
        evidence,
    )
