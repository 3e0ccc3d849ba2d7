"""The graph check: every fault of the lists in force on a date, as a :class:`CheckReport`.

>>> from remit import Registry
>>> from remit.checks import run_check
>>> report = run_check(Registry("sqlite:///remit.db").snapshot())      # doctest: +SKIP
>>> [f.kind for f in report.findings if f.severity == "error"]      # doctest: +SKIP
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import networkx as nx

from remit.checks.coverage import (
    STANDARD,
    AreaTree,
    Coverage,
    RawFinding,
    analyse,
    leaf_matters,
    standard_domain,
)
from remit.checks.report import (
    AreaLabel,
    AttributeLabel,
    CheckReport,
    ClusterPair,
    Comparison,
    ConflictCluster,
    MatterLabel,
    UnitLabel,
)
from remit.checks.workload import estimated_hours, history_hours, load_indexes
from remit.conditions import EnumDomain, IntDomain
from remit.conditions.regions import describe
from remit.errors import InputError, Problem
from remit.events.case_files import read_case_paths
from remit.events.cases import Verdict
from remit.events.resolve import resolver_for
from remit.files.names import Unresolved
from remit.findings import KIND_ORDER, CheckConfig, Finding, FindingKind, LoadIndex
from remit.hashing import canonical_json
from remit.i18n import Lang, t
from remit.registry.entities import (
    OWNER_UNIT,
    HitPolicy,
    Level,
    ProvenanceKind,
    Role,
    is_reference,
    reference_label,
    territorial_function,
)
from remit.registry.facade import KnownAt, Registry
from remit.registry.refs import DutyRef
from remit.registry.roles import TerritorialUnits
from remit.registry.snapshot import DutyInForce, Snapshot, StandardInForce
from remit.registry.spaces import MatterIndex


def run_check(
    snapshot: Snapshot,
    config: CheckConfig | None = None,
    *,
    area: str | None = None,
    matter: str | None = None,
    list_id: str | None = None,
    history: Path | None = None,
    subject: str | None = None,
    lang: Lang = "en",
    strict_filters: bool = True,
    disputes: Sequence[Path] = (),
) -> CheckReport:
    """Check ``snapshot``: overlaps, masked leads, gaps, assists without a lead, referral
    cycles (over every cell), rows out of their unit's jurisdiction, stale rows, devolution
    without admission, and overloaded units (catalogue estimates, or the events of
    ``history``); with ``disputes`` (case records ruled by ``remit dispute``), the returns the
    lists could not settle, each a list defect (``disputed``). ``area``, ``matter`` (a group matter counts with its leaves) and ``list_id``
    narrow the report; they must be codes of the snapshot — ``matter`` a key, or what an event
    may name it by (:func:`matter_key`) — unless ``strict_filters`` is false, as for a baseline,
    where a filter naming nothing of the snapshot selects nothing."""
    config = config or CheckConfig()
    if strict_filters:
        matter = _check_filters(snapshot, area, matter, list_id)
    tree = AreaTree(snapshot, within=area)
    matters = leaf_matters(snapshot, within=matter)
    coverage = analyse(snapshot, tree, matters)
    builder = _Builder(snapshot, tree, coverage, config, lang)
    findings = [builder.cell_finding(raw) for raw in coverage.findings]
    matter_set = set(matters)
    related = _related_areas(snapshot, area)
    rows = [
        e
        for e in snapshot.duties
        if e.duty.matter in matter_set and (related is None or e.duty.area in related)
    ]
    findings += builder.row_findings(rows)
    findings += builder.reference_gaps(rows, area)
    findings += builder.joint_leads(rows)
    if disputes:
        findings += builder.disputed(disputes, matter_set, related)
    if history is not None:
        hours, events, days = history_hours(
            snapshot,
            history,
            config,
            within=[area] if area else None,
            matters=matters if matter else None,
        )
        volume_source: str = "history"
    else:
        hours, events = estimated_hours(snapshot, coverage, config)
        volume_source, days = "catalogue", None
    load = load_indexes(snapshot, hours, events, config)
    if area is not None:
        load = [row for row in load if snapshot.units[row.unit].jurisdiction in (related or ())]
    findings += [builder.overload(row) for row in load if row.overloaded]
    if list_id is not None:
        findings = _of_list(snapshot, findings, list_id)
    findings.sort(key=_order)
    clusters = conflict_clusters(findings)
    filters = {k: v for k, v in (("area", area), ("matter", matter), ("list", list_id)) if v}
    report = CheckReport(
        as_of=snapshot.as_of,
        snapshot_hash=snapshot.hash,
        subject=subject or snapshot.as_of.isoformat(),
        filters=filters,
        config=config,
        lang=lang,
        counts={k.value: n for k, n in sorted(Counter(f.kind for f in findings).items())},
        severities={s.value: n for s, n in sorted(Counter(f.severity for f in findings).items())},
        checked={
            "matters": coverage.matters,
            "leaf_areas": coverage.leaf_areas,
            "cells": coverage.cells,
            "duties": len(rows),
        },
        findings=findings,
        load=load,
        volume_source=volume_source,
        history_days=days,
        clusters=clusters,
    )
    _label(report, snapshot)
    return report


def compare(report: CheckReport, baseline: CheckReport, name: str) -> CheckReport:
    """``report`` with a :class:`Comparison` against ``baseline`` (named ``name``).

    Findings are compared by what they are about — cells (kind, matter, leaf area, attribute
    values), duty rows (kind, list, matter, unit, area) or units (overload) — not by id: a
    finding is *introduced* when it holds something the baseline's findings do not, a baseline
    finding is *resolved* when nothing of it remains, and a finding that lost part of what it
    held and gained nothing is *narrowed* (a gap closed in nine streets of ten)."""
    old_atoms = [_atoms(f, baseline) for f in baseline.findings]
    new_atoms = [_atoms(f, report) for f in report.findings]
    before = set().union(*old_atoms)
    now = set().union(*new_atoms)
    shrunk = [atoms for atoms in old_atoms if atoms & now and not atoms <= now]
    comparison = Comparison(
        baseline=name,
        baseline_hash=baseline.snapshot_hash,
        introduced=[
            f.id for f, atoms in zip(report.findings, new_atoms, strict=True) if atoms - before
        ],
        narrowed=[
            f.id
            for f, atoms in zip(report.findings, new_atoms, strict=True)
            if atoms <= before and any(atoms & old for old in shrunk)
        ],
        resolved=[
            f for f, atoms in zip(baseline.findings, old_atoms, strict=True) if not atoms & now
        ],
    )
    updated = report.model_copy(update={"comparison": comparison})
    for code, area in baseline.areas.items():
        updated.areas.setdefault(code, area)
    for code, unit in baseline.units.items():
        updated.units.setdefault(code, unit)
    for code, matter in baseline.matters.items():
        updated.matters.setdefault(code, matter)
    return updated


def _atoms(finding: Finding, report: CheckReport) -> set[tuple[Any, ...]]:
    """What a finding is about, in units that compare across dates and versions."""
    kind = finding.kind.value
    if finding.region is not None and finding.matter is not None:
        label = report.matters.get(finding.matter)
        domains = label.attributes if label else {}
        combos = {combo for box in finding.region for combo in _combinations(box, domains)}
        return {(kind, finding.matter, area, combo) for area in finding.areas for combo in combos}
    if finding.kind is FindingKind.standards_differ:  # per leaf area and standards' leads
        leads = canonical_json(finding.details.get("standards", []))
        return {(kind, finding.matter, area, leads) for area in finding.areas}
    if finding.kind is FindingKind.reference_gap:  # per street without the unit
        return {
            (kind, d.list_id, finding.matter, d.unit, a)
            for d in finding.duties
            for a in finding.areas
        }
    if finding.duties:
        return {(kind, d.list_id, finding.matter, d.unit, d.area) for d in finding.duties}
    return {(kind, unit) for unit in finding.units}


def _combinations(
    box: dict[str, list[Any]], domains: dict[str, AttributeLabel]
) -> set[tuple[Any, ...]]:
    """Every combination of attribute values a box allows."""
    combos: list[tuple[Any, ...]] = [()]
    for name in sorted(domains):
        if name in box:
            values = box[name]
        else:
            d = domains[name]
            values = list(range(d.values[0], d.values[1] + 1)) if d.type == "int" else d.values
        combos = [(*c, (name, v)) for c in combos for v in values]
    return set(combos)


def conflict_clusters(findings: Iterable[Finding]) -> list[ConflictCluster]:
    """Units that contend for the lead, as connected components of the overlap graph (an edge
    for each pair of units leading the same cells, weighted by those cells), busiest first."""
    graph: nx.Graph[str] = nx.Graph()
    for f in findings:
        if f.kind is not FindingKind.overlap:
            continue
        for pair in f.details.get("pairs", []):
            a, b, cells = pair["units"][0], pair["units"][1], pair["cells"]
            if graph.has_edge(a, b):
                graph[a][b]["cells"] += cells
                graph[a][b]["matters"].add(f.matter)
            else:
                graph.add_edge(a, b, cells=cells, matters={f.matter})
    clusters = []
    for component in nx.connected_components(graph):
        sub = graph.subgraph(component)
        pairs = sorted(
            (
                ClusterPair(
                    units=(a, b) if a < b else (b, a),
                    cells=d["cells"],
                    matters=sorted(d["matters"]),
                )
                for a, b, d in sub.edges(data=True)
            ),
            key=lambda p: (-p.cells, p.units),
        )
        clusters.append(
            ConflictCluster(
                units=sorted(component),
                cells=sum(p.cells for p in pairs),
                matters=sorted({m for p in pairs for m in p.matters}),
                pairs=pairs,
            )
        )
    clusters.sort(key=lambda c: (-c.cells, c.units))
    return clusters


# ---------------------------------------------------------------------------------------------


def _check_filters(
    snapshot: Snapshot, area: str | None, matter: str | None, list_id: str | None
) -> str | None:
    """The key of ``matter`` (a key as it is, else :func:`matter_key`); every filter that names
    nothing of the snapshot is a problem, all at once."""
    problems: list[tuple[str, dict[str, object], str]] = []
    if area is not None and area not in snapshot.areas:
        problems.append(("check.unknown_area", {"code": area}, "--area"))
    if matter is not None and matter not in snapshot.matters:
        try:
            matter = _matter_key(snapshot, matter)
        except Unresolved as exc:
            problems.append((exc.key, exc.params, "--matter"))
    if list_id is not None and list_id not in {e.info.id for e in snapshot.lists}:
        problems.append(("check.unknown_list", {"code": list_id}, "--list"))
    if problems:
        raise InputError([Problem(key, params, field=where) for key, params, where in problems])
    return matter


def matter_key(snapshot: Snapshot, text: str) -> str:
    """The key of the matter ``text`` names in the catalogue of ``snapshot``, as an event names
    it: its code, ``space:code`` (``部件:0101``), its name or an alias. A code or name several
    matters share is refused naming the candidates (:class:`InputError`, field ``--matter``)."""
    try:
        return _matter_key(snapshot, text)
    except Unresolved as exc:
        raise InputError.one(exc.key, field="--matter", **exc.params) from None


def _matter_key(snapshot: Snapshot, text: str) -> str:
    return MatterIndex(snapshot.matters.values()).resolve(text, "check.unknown_matter")


def _related_areas(snapshot: Snapshot, area: str | None) -> set[str] | None:
    """``area``, the areas above it and the areas below it (None: no filter)."""
    if area is None:
        return None
    return {code for code in snapshot.areas if area in snapshot.ancestors(code)} | set(
        snapshot.ancestors(area)
    )


def _of_list(snapshot: Snapshot, findings: list[Finding], list_id: str) -> list[Finding]:
    """Findings about rows of ``list_id``; gaps of the matters it has rows for; overloads of
    the units it gives rows to."""
    matters = {e.duty.matter for e in snapshot.duties if e.list_id == list_id}
    units = {e.duty.unit for e in snapshot.duties if e.list_id == list_id}
    kept = []
    for f in findings:
        if (
            any(d.list_id == list_id for d in f.duties)
            or (f.kind is FindingKind.gap and f.matter in matters)
            or (f.kind is FindingKind.overload and set(f.units) & units)
        ):
            kept.append(f)
    return kept


def _order(f: Finding) -> tuple[Any, ...]:
    return (-f.severity.rank, KIND_ORDER.index(f.kind), f.matter or "", f.areas, f.id)


def _finding_id(kind: FindingKind, matter: str | None, *parts: Any) -> str:
    text = canonical_json([kind.value, matter, *parts])
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:12]


def _refs(entries: Iterable[DutyInForce]) -> list[DutyRef]:
    return [DutyRef.of(e) for e in sorted(entries, key=lambda e: (e.list_id, e.version, e.seq))]


class _Builder:
    """Turns raw findings into :class:`Finding` objects: leaf areas, region, names, words."""

    def __init__(
        self,
        snapshot: Snapshot,
        tree: AreaTree,
        coverage: Coverage,
        config: CheckConfig,
        lang: Lang,
    ):
        self.snapshot, self.tree, self.coverage = snapshot, tree, coverage
        self.config, self.lang = config, lang

    def unit_name(self, code: str) -> str:
        if code == OWNER_UNIT:
            return t("check.owner_unit", self.lang)
        if is_reference(code):
            return reference_label(code)
        unit = self.snapshot.units.get(code)
        return unit.name if unit else code

    def names(self, codes: Iterable[str], most: int = 3) -> str:
        """Unit names; past ``most`` of them, the first two and how many more."""
        codes = list(codes)
        sep = "、" if self.lang == "zh" else ", "
        if len(codes) <= most:
            return sep.join(self.unit_name(c) for c in codes)
        shown = sep.join(self.unit_name(c) for c in codes[:2])
        return t("check.and_more", self.lang, names=shown, count=len(codes) - 2)

    def leaf_areas(self, raw: RawFinding) -> list[str]:
        """The leaf areas of a raw finding's groups (or of the streets of them it names)."""
        stop = self.coverage.anchors[raw.matter]
        street_of = self.tree.street_of
        return sorted(
            {
                a
                for anchor, streets in raw.anchors
                for a in self.tree.leaves_below(anchor, stop)
                if streets is None or street_of[a] in streets
            }
        )

    def standard_text(self, standard: StandardInForce) -> str:
        filing = standard.standard.filing
        if not filing:
            return standard.code
        return t(
            "check.standard_one", self.lang, code=standard.code, filing=" ".join(filing.split())
        )

    def cell_finding(self, raw: RawFinding) -> Finding:
        if raw.kind is FindingKind.standards_differ:
            return self.standards_differ(raw)
        space = self.coverage.spaces[raw.matter]
        areas = self.leaf_areas(raw)
        boxes = space.boxes(raw.mask)
        matter = self.snapshot.matters[raw.matter]
        attributes = matter.attributes
        standards = self.coverage.standards.get(raw.matter, ())
        if standards:
            label = t("check.standard", self.lang)
            attributes = {**attributes, STANDARD: standard_domain(standards, label)}
        region_text = describe(boxes, attributes, self.lang)
        duties = list(raw.duties.values())
        units = sorted({e.duty.unit for e in duties})
        details: dict[str, Any] = {"hit_policy": matter.hit_policy.value}
        suffix = ""
        if standards:
            codes = {c for box in boxes for c in box.get(STANDARD, [s.code for s in standards])}
            concerned = [s for s in standards if s.code in codes]
            details["standards"] = [
                {"code": s.code, "filing": s.standard.filing} for s in concerned
            ]
            if len(concerned) < len(standards):
                sep = "；" if self.lang == "zh" else "; "
                suffix = t(
                    "finding.under_standards",
                    self.lang,
                    standards=sep.join(self.standard_text(s) for s in concerned),
                )
        kind = raw.kind
        if kind is FindingKind.overlap:
            # departments first: "区市场监督管理局、南京东路街道办事处 and 9 more"
            ranked = sorted(units, key=lambda u: (self._is_street(u), u))
            key = "finding.overlap_two" if len(units) == 2 else "finding.overlap"
            message = t(key, self.lang, count=len(units), units=self.names(ranked))
            details["pairs"] = [
                {"units": list(pair), "cells": cells} for pair, cells in sorted(raw.pairs.items())
            ]
        elif kind is FindingKind.masked:
            masked = sorted({raw.duties[k].duty.unit for k in raw.roles.get("masked", ())})
            by = sorted({raw.duties[k].duty.unit for k in raw.roles.get("by", ())})
            message = t("finding.masked", self.lang, masked=self.names(masked), by=self.names(by))
            details["masked"] = [
                r.model_dump() for r in _refs(raw.duties[k] for k in raw.roles["masked"])
            ]
        elif kind is FindingKind.gap:
            key = "finding.gap_supervised" if units else "finding.gap"
            message = t(key, self.lang, units=self.names(units))
        elif kind is FindingKind.assist_without_lead:
            message = t("finding.assist_without_lead", self.lang, units=self.names(units))
        else:
            arrow = " → "
            path = arrow.join(self.unit_name(u) for u in (*raw.cycle, raw.cycle[0]))
            message = t("finding.referral_cycle", self.lang, path=path)
            details["cycle"] = list(raw.cycle)
            units = list(raw.cycle)
        message += suffix
        return Finding(
            id=_finding_id(kind, raw.matter, areas, boxes, units),
            kind=kind,
            severity=self.config.severity_of(kind),
            matter=raw.matter,
            areas=areas,
            region=boxes,
            region_text=region_text,
            cells=space.cells(raw.mask) * len(areas),
            units=units,
            duties=_refs(duties),
            message=message,
            details=details,
        )

    def standards_differ(self, raw: RawFinding) -> Finding:
        """The standards of a matter name different leads in the same leaf areas."""
        areas = self.leaf_areas(raw)
        standards = {s.code: s for s in self.coverage.standards[raw.matter]}
        sep = "；" if self.lang == "zh" else "; "
        detail = sep.join(
            t(
                "finding.standards_differ_one",
                self.lang,
                standard=self.standard_text(standards[code]),
                units=self.names(units),
            )
            for code, units in raw.leads.items()
        )
        matter = self.snapshot.matters[raw.matter]
        units = sorted({u for us in raw.leads.values() for u in us})
        leads = {code: list(us) for code, us in raw.leads.items()}
        kind = FindingKind.standards_differ
        return Finding(
            id=_finding_id(kind, raw.matter, areas, leads),
            kind=kind,
            severity=self.config.severity_of(kind),
            matter=raw.matter,
            areas=areas,
            units=units,
            duties=_refs(raw.duties.values()),
            message=t(
                "finding.standards_differ",
                self.lang,
                matter=f"{matter.name}（{matter.code}）"
                if self.lang == "zh"
                else f"{matter.name} ({matter.code})",
                detail=detail,
            ),
            details={
                "hit_policy": matter.hit_policy.value,
                "standards": [
                    {"code": code, "filing": standards[code].standard.filing, "units": list(us)}
                    for code, us in raw.leads.items()
                ],
            },
        )

    def row_findings(self, rows: list[DutyInForce]) -> list[Finding]:
        """Findings about single rows, grouped by kind, list version and matter."""
        groups: dict[tuple[FindingKind, str, int, str], list[DutyInForce]] = defaultdict(list)
        for entry in rows:
            duty = entry.duty
            key = (entry.list_id, entry.version, duty.matter)
            if not is_reference(duty.unit):
                unit = self.snapshot.units[duty.unit]
                if unit.jurisdiction not in self.snapshot.ancestors(duty.area):
                    groups[(FindingKind.out_of_jurisdiction, *key)].append(entry)
                if (
                    duty.role is Role.lead
                    and unit.level is Level.street
                    and duty.provenance is not None
                    and duty.provenance.kind is ProvenanceKind.devolved
                    and not duty.provenance.record
                ):
                    groups[(FindingKind.devolved_without_admission, *key)].append(entry)
            if duty.review_by is not None and duty.review_by < self.snapshot.as_of:
                groups[(FindingKind.stale, *key)].append(entry)
        return [self._row_finding(kind, entries) for (kind, *_), entries in groups.items()]

    def reference_gaps(self, rows: list[DutyInForce], within: str | None) -> list[Finding]:
        """Rows naming a territorial reference (@territorial[:function]) and the streets in
        their scope with no such unit (a development zone with no street office): one finding
        per row, naming the streets (within ``within``, when the report is narrowed to an
        area)."""
        roles = TerritorialUnits(self.snapshot)
        streets = [code for code, a in self.snapshot.areas.items() if a.level is Level.street]
        wanted = None if within is None else _related_areas(self.snapshot, within)
        findings = []
        for entry in rows:
            function = territorial_function(entry.duty.unit)
            if function is None:
                continue
            scope = set(self.snapshot.ancestors(entry.duty.area))
            served = [
                s
                for s in streets
                if (entry.duty.area in self.snapshot.ancestors(s) or s in scope)
                and (wanted is None or s in wanted)
            ]
            missing = sorted(s for s in served if not roles.unit(s, function))
            if missing:
                findings.append(self._reference_gap(entry, missing))
        return findings

    def _reference_gap(self, entry: DutyInForce, missing: list[str]) -> Finding:
        duty = entry.duty
        message = t(
            "finding.reference_gap",
            self.lang,
            label=reference_label(duty.unit),
            areas=self.names_of_areas(missing),
            duty=f"{entry.list_id} v{entry.version} #{entry.seq}",
            reference=duty.unit,
        )
        kind = FindingKind.reference_gap
        return Finding(
            id=_finding_id(kind, duty.matter, entry.list_id, entry.seq, missing),
            kind=kind,
            severity=self.config.severity_of(kind),
            matter=duty.matter,
            areas=missing,
            units=[duty.unit],
            duties=_refs([entry]),
            message=message,
            details={"reference": duty.unit},
        )

    def names_of_areas(self, codes: list[str], most: int = 3) -> str:
        sep = "、" if self.lang == "zh" else ", "
        names = [self.snapshot.areas[c].name for c in codes]
        if len(names) <= most:
            return sep.join(names)
        return t("check.and_more", self.lang, names=sep.join(names[:2]), count=len(names) - 2)

    def joint_leads(self, rows: list[DutyInForce]) -> list[Finding]:
        """Joint matters (hit policy ``joint``) whose 牵头 is ambiguous: lead rows of different
        units in different lists with the same scope, conditions and priority, so that only the
        lists' order says who leads. Rows of one list are ordered by the list itself (the first
        named leads), and a higher priority or a narrower scope is a clear 牵头."""
        groups: dict[tuple[str, str, str, int], list[DutyInForce]] = defaultdict(list)
        for entry in rows:
            duty = entry.duty
            policy = self.snapshot.matters[duty.matter].hit_policy
            if policy is HitPolicy.joint and duty.role is Role.lead:
                key = (duty.matter, duty.area, canonical_json(duty.conditions), duty.priority)
                groups[key].append(entry)
        findings = []
        for (matter, area, _, _), entries in sorted(groups.items()):
            top_list = min(e.list_id for e in entries)
            first = [e for e in entries if e.list_id == top_list]
            others = [e for e in entries if e.list_id != top_list]
            units = {e.duty.unit for e in first}
            claims = sorted({e.duty.unit for e in others} - units)
            if not claims:
                continue
            contenders = sorted({first[0].duty.unit, *claims})
            kind = FindingKind.joint_lead_ambiguous
            findings.append(
                Finding(
                    id=_finding_id(kind, matter, area, contenders),
                    kind=kind,
                    severity=self.config.severity_of(kind),
                    matter=matter,
                    areas=[area],
                    units=contenders,
                    duties=_refs(entries),
                    message=t(
                        "finding.joint_lead_ambiguous",
                        self.lang,
                        units=self.names(contenders),
                        lead=self.unit_name(first[0].duty.unit),
                    ),
                    details={"lead_by_list_order": first[0].duty.unit},
                )
            )
        return findings

    def disputed(
        self, paths: Sequence[Path], matters: set[str], related: set[str] | None
    ) -> list[Finding]:
        """The returns (退单) the lists could not settle — rulings sent to arbitration, with the
        list defect they name — one finding per matter, area, defect and rows cited."""
        resolver = resolver_for(self.snapshot)
        groups: dict[tuple[Any, ...], list[tuple[str, int, Any]]] = defaultdict(list)
        for located in read_case_paths(paths):
            case = located.case
            try:  # the area as a code of this snapshot, if it still resolves
                area: str | None = resolver.resolve(case.event, located.where).area
            except InputError:
                area = None
            for number, turn in enumerate(case.rounds, 1):
                ruling = turn.ruling
                if ruling is None or ruling.verdict is not Verdict.arbitrate:
                    continue
                if ruling.matter not in matters or ruling.defect is None:
                    continue
                if related is not None and area not in related:
                    continue
                rows = tuple(sorted({(d.list_id, d.version, d.row) for d in ruling.duties}))
                key = (ruling.matter, area or case.event.area, ruling.defect.value, rows)
                groups[key].append((case.id or case.event.id, number, ruling))
        findings = []
        kind = FindingKind.disputed
        for (matter, area_key, defect, _), hits in sorted(groups.items()):
            first = hits[0][2]
            duties = list(
                {(d.list_id, d.version, d.row): d for _, _, r in hits for d in r.duties}.values()
            )
            units = sorted({d.unit for d in duties} | {r.returned_by.code for _, _, r in hits})
            cases = sorted({case_id for case_id, _, _ in hits})
            findings.append(
                Finding(
                    id=_finding_id(
                        kind, matter, area_key, defect, [d.model_dump() for d in duties]
                    ),
                    kind=kind,
                    severity=self.config.severity_of(kind),
                    matter=matter,
                    areas=[area_key],
                    units=units,
                    duties=duties,
                    message=t(
                        "finding.disputed",
                        self.lang,
                        count=len(hits),
                        cases="、".join(cases) if self.lang == "zh" else ", ".join(cases),
                        defect=t(f"defect.{defect}", self.lang),
                        centre=first.unit.name,
                    ),
                    details={
                        "defect": defect,
                        "returns": len(hits),
                        "cases": cases,
                        "rounds": [
                            {
                                "case": c,
                                "round": n,
                                "rule": r.rule,
                                "snapshot_date": r.snapshot_date.isoformat(),
                            }
                            for c, n, r in hits
                        ],
                    },
                )
            )
        return findings

    def _row_finding(self, kind: FindingKind, entries: list[DutyInForce]) -> Finding:
        first = entries[0]
        units = sorted({e.duty.unit for e in entries})
        areas = sorted({e.duty.area for e in entries})
        details: dict[str, Any] = {}
        if kind is FindingKind.out_of_jurisdiction:
            pairs = sorted(
                {
                    (e.duty.unit, self.snapshot.units[e.duty.unit].jurisdiction, e.duty.area)
                    for e in entries
                }
            )
            message = t(
                "finding.out_of_jurisdiction",
                self.lang,
                detail="; ".join(
                    t(
                        "finding.out_of_jurisdiction_one",
                        self.lang,
                        unit=self.unit_name(u),
                        area=self._area_name(a),
                        jurisdiction=self._area_name(j),
                    )
                    for u, j, a in pairs
                ),
            )
        elif kind is FindingKind.stale:
            dates = sorted({e.duty.review_by for e in entries if e.duty.review_by})
            message = t(
                "finding.stale",
                self.lang,
                units=self.names(units),
                date=dates[0].isoformat(),
                as_of=self.snapshot.as_of.isoformat(),
            )
            details["review_by"] = dates[0].isoformat()
        else:
            source = first.duty.provenance.source if first.duty.provenance else None
            message = t(
                "finding.devolved_without_admission",
                self.lang,
                units=self.names(units),
                source=source or "?",
            )
            details["source"] = source
        return Finding(
            id=_finding_id(kind, first.duty.matter, first.list_id, areas, units),
            kind=kind,
            severity=self.config.severity_of(kind),
            matter=first.duty.matter,
            areas=areas,
            units=units,
            duties=_refs(entries),
            message=message,
            details=details,
        )

    def _is_street(self, code: str) -> bool:
        unit = self.snapshot.units.get(code)
        return unit is not None and unit.level is Level.street

    def _area_name(self, code: str) -> str:
        area = self.snapshot.areas.get(code)
        return f"{area.name} ({code})" if area else code

    def overload(self, row: LoadIndex) -> Finding:
        unit = self.snapshot.units[row.unit]
        message = t(
            "finding.overload",
            self.lang,
            unit=unit.name,
            index=f"{row.load_index:.2f}",
            hours=f"{row.workload_hours:,.0f}",
            capacity=f"{row.capacity_hours:,.0f}",
            staff=row.staff,
            threshold=f"{self.config.overload_threshold:g}",
        )
        return Finding(
            id=_finding_id(FindingKind.overload, None, row.unit),
            kind=FindingKind.overload,
            severity=self.config.severity_of(FindingKind.overload),
            areas=[unit.jurisdiction],
            units=[row.unit],
            message=message,
            details={
                "load_index": row.load_index,
                "workload_hours": row.workload_hours,
                "capacity_hours": row.capacity_hours,
            },
        )


def _label(report: CheckReport, snapshot: Snapshot) -> None:
    """Put the names the renderers need into the report: the matters, areas (with their
    street) and units it mentions."""
    matters = {f.matter for f in report.findings if f.matter}
    areas = {a for f in report.findings for a in f.areas}
    units = {u for f in report.findings for u in f.units} | {r.unit for r in report.load}
    units |= {d.unit for f in report.findings for d in f.duties}
    units |= {u for c in report.clusters for u in c.units}
    areas |= {d.area for f in report.findings for d in f.duties}
    for code in sorted(matters):
        m = snapshot.matters[code]
        report.matters[code] = MatterLabel(
            name=m.name,
            hit_policy=m.hit_policy.value,
            attributes={
                name: AttributeLabel(
                    label=d.label,
                    type=d.type,
                    values=list(d.values)
                    if isinstance(d, EnumDomain)
                    else ([d.min, d.max] if isinstance(d, IntDomain) else [True, False]),
                    labels=dict(d.labels) if isinstance(d, EnumDomain) else {},
                )
                for name, d in m.attributes.items()
            },
        )
        standards = snapshot.standards(code)
        if standards:  # the cells' standard axis, as finding regions name it
            report.matters[code].attributes[STANDARD] = AttributeLabel(
                label=t("check.standard", report.lang),
                type="enum",
                values=[s.code for s in standards],
                labels={s.code: s.standard.filing for s in standards if s.standard.filing},
            )
    for code in sorted(areas):
        if code not in snapshot.areas:
            continue
        street = next(
            (a for a in snapshot.ancestors(code) if snapshot.areas[a].level is Level.street), None
        )
        for c in [code] if street in (None, code) else [code, street]:
            a = snapshot.areas[c]
            report.areas[c] = AreaLabel(
                name=a.name, level=a.level.value, parent=a.parent, street=street
            )
    for code in sorted(units):
        if code == OWNER_UNIT:
            report.units[code] = UnitLabel(
                name=t("check.owner_unit", report.lang), kind="owner", level=""
            )
        elif is_reference(code):
            report.units[code] = UnitLabel(name=reference_label(code), kind="block", level="street")
        elif code in snapshot.units:
            u = snapshot.units[code]
            report.units[code] = UnitLabel(name=u.name, kind=u.kind.value, level=u.level.value)


def parse_against(text: str) -> dt.date | tuple[str, int]:
    """``--against``: a date (``2025-01-01``) or a list version (``HP-QZ-FGJ@2``)."""
    list_id, sep, number = text.rpartition("@")
    if sep:
        if list_id and number.isdigit():
            return list_id, int(number)
    else:
        try:
            return dt.date.fromisoformat(text)
        except ValueError:
            pass
    raise InputError.one("check.bad_against", field="--against", value=text)


def check_registry(
    registry: Registry,
    as_of: dt.date | None = None,
    *,
    against: str | None = None,
    config: CheckConfig | None = None,
    area: str | None = None,
    matter: str | None = None,
    list_id: str | None = None,
    history: Path | None = None,
    lang: Lang = "en",
    known_at: KnownAt = None,
    disputes: Sequence[Path] = (),
) -> CheckReport:
    """Check the lists of ``registry`` in force on ``as_of`` (default today); ``disputes``:
    case record files whose returns the lists could not settle are findings too.

    ``against`` compares: with a date, the report on ``as_of`` against the report on that date;
    with ``LIST@VERSION``, the report with that version standing in for the list's version in
    force (what publishing it would do) against the report of ``as_of`` as it is."""
    as_of = as_of or dt.date.today()
    target = parse_against(against) if against is not None else None
    versions = {target[0]: target[1]} if isinstance(target, tuple) else None
    snapshot = registry.snapshot(as_of, versions=versions, known_at=known_at)
    if matter is not None:
        # a matter that names nothing: run_check names it, with the other filters that do not
        with contextlib.suppress(Unresolved):
            matter = _matter_key(snapshot, matter)
    options: dict[str, Any] = {
        "config": config,
        "area": area,
        "matter": matter,
        "list_id": list_id,
        "history": history,
        "lang": lang,
        "disputes": tuple(disputes),
    }
    if against is None or target is None:
        return run_check(snapshot, **options)
    if isinstance(target, dt.date):
        report = run_check(snapshot, **options)
        baseline = run_check(
            registry.snapshot(target, known_at=known_at), strict_filters=False, **options
        )
    else:
        report = run_check(snapshot, subject=f"{against} @ {as_of.isoformat()}", **options)
        baseline = run_check(
            registry.snapshot(as_of, known_at=known_at), strict_filters=False, **options
        )
        return compare(report, baseline, as_of.isoformat())
    return compare(report, baseline, against)


class GraphCheck:
    """The graph check as the admission gate asks it (:class:`remit.findings.ListCheck`), and
    the router (:class:`remit.findings.LoadSource`)."""

    def load(self, snapshot: Snapshot, config: CheckConfig) -> list[LoadIndex]:
        """The load table of ``run_check(snapshot, config)`` (catalogue estimates), without
        building the findings: the cell analysis and the workload only."""
        coverage = analyse(snapshot, AreaTree(snapshot), leaf_matters(snapshot))
        hours, events = estimated_hours(snapshot, coverage, config)
        return load_indexes(snapshot, hours, events, config)

    def introduced(
        self, before: Snapshot, after: Snapshot, config: CheckConfig, matter: str, lang: Lang
    ) -> tuple[list[Finding], set[str]]:
        baseline = run_check(before, config, matter=matter, lang=lang)
        report = run_check(after, config, matter=matter, lang=lang)
        compared = compare(report, baseline, before.as_of.isoformat())
        assert compared.comparison is not None
        return report.findings, set(compared.comparison.introduced)
