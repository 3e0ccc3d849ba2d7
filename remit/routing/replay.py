"""Replay: stored decisions decided again, on the snapshot they name or on a changed registry.

Two uses (``remit replay``, docs/routing.md):

- **The check of the promise** (the recorded mode, the default): each decision is decided again
  on the registry as it stood at the revision it names (``registry_revision``), on the date it
  names (``snapshot_date``), with the same rules, and must come out identical — the whole
  decision, ids, hashes and explanation included. Nothing a registry records is ever changed,
  so on any registry that is not corrupt every decision replays identically, however much was
  written since. A decision made with other rules (another ``rules_digest``) is reported as
  such and not compared.
- **What a change would do** (the compare modes): the same events decided on a corrected or
  proposed registry — the latest revision or another (``known_at``), with list versions put in
  force (``versions``: a draft too), or with proposed rules (``rules_dir``: then decisions made
  with other rules are compared too) — and their outcome compared with the stored one (status,
  lead, contenders, assists, supervisors, dispatch, commander, gap, deadline, overloaded). Without
  ``rules_dir``, a decision made with other rules is compared with its own decision again as
  recorded under the replay's rules, so that only the registry's change shows.

The file is read as a stream and replayed in chunks, by worker processes as ``route-batch`` routes
(:func:`remit.routing.batch.in_workers`). Each worker keeps a router per registry revision (and
versions put in force), and each router one loaded snapshot per set of versions in force: the
decisions of one (date, revision) share one snapshot, loaded once. A line that is not a decision
is reported by its number, and the replay goes on.

The recorded mode takes a fast path: only the end of the line is parsed (the snapshot it names,
the rules' digest, then the event by pydantic from its JSON), the decision is made again and
written as ``route-batch`` writes it, and the same bytes are the same decision (which also shows
the line is one). Anything else
takes the slow path: the line parsed as a decision, checked, and compared field by field.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
from collections import Counter, OrderedDict
from collections.abc import Callable, Generator, Iterable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Literal

from remit.deadlines import WorkCalendar, WorkingHours
from remit.errors import InputError, Problem
from remit.events.model import EventIn
from remit.events.read import parse_json_model
from remit.files.yamlio import wide_encoding
from remit.findings import CheckConfig, LoadSource
from remit.i18n import Lang, current_lang
from remit.registry import Registry
from remit.registry.facade import KnownAt
from remit.registry.refs import UnitRef
from remit.routing.batch import CLUSTER_WORKERS, chunks, in_workers, json_lines
from remit.routing.decision import RoutingDecision, Status
from remit.routing.engine import EngineError
from remit.routing.overload import KeptLoads
from remit.routing.ranges import (
    ByteRange,
    Kept,
    kept,
    range_count,
    range_lines,
    run_tasks,
    split,
)
from remit.routing.replay_report import (
    OUTCOME_FIELDS,
    BadLine,
    ChangedDecision,
    OtherRules,
    ReplayMode,
    ReplayReport,
    ReplayStatus,
    StatusCount,
    UnitChange,
)
from remit.routing.router import Router
from remit.routing.rules.compile import RuleSet, load_rules

RECORDED: Literal["recorded"] = "recorded"
"""``known_at`` of the recorded mode: each decision on the revision it names."""

ROUTERS = 4
"""Routers (one per revision) a worker keeps; the least recently used goes first."""

STAMPS = 4096
"""Stamps (date, revision, rules) a worker keeps read (a year of dates of a few revisions)."""

NOT_DECISIONS = frozenset({".json", ".csv", ".xlsx", ".xls", ".yaml", ".yml", ".md", ".html"})
"""Suffixes of files that are no decisions file (JSON Lines, as route-batch writes them)."""

_STAMP, _EVENT, _EXTRA = b',"snapshot_hash":', b',"event":', b',"extra":'
"""Where the fields replay needs begin in a decision as route-batch writes it (the event's
extra columns when it has any, the snapshot's stamp, then the event, last)."""

_SERIALIZER = RoutingDecision.__pydantic_serializer__
"""What ``model_dump_json`` calls: its bytes, before they are decoded to text."""


Target = tuple[int, tuple[tuple[str, int], ...]]
"""What a decision is decided on: a registry revision, and list versions put in force."""


@dataclass(frozen=True)
class _Setup:
    url: str
    source: str
    rules_dir: Path | None
    revision: int | None  # None: each decision's own
    versions: tuple[tuple[str, int], ...]
    lang: Lang
    hours: WorkingHours
    loads: LoadSource | None = None
    check_config: CheckConfig | None = None


@dataclass
class _Chunk:
    """What a worker found in one chunk of lines."""

    lines: int = 0
    decisions: int = 0
    identical: int = 0
    rebased: int = 0
    not_compared: int = 0
    statuses: Counter[tuple[str, str]] = field(default_factory=Counter)
    other_rules: dict[str, list[int]] = field(default_factory=dict)  # digest → [count, first]
    changes: list[ChangedDecision] = field(default_factory=list)
    bad_lines: list[BadLine] = field(default_factory=list)

    def add(self, other: _Chunk) -> None:
        """What ``other`` found (the lines after this one's) added to this."""
        for name in ("lines", "decisions", "identical", "rebased", "not_compared"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.statuses.update(other.statuses)
        self.changes += other.changes
        self.bad_lines += other.bad_lines
        for digest, (count, first) in other.other_rules.items():
            self.other_rules.setdefault(digest, [0, first])[0] += count

    def note_rules(self, digest: str, line: int) -> None:
        """A decision made with other rules (``digest``), at ``line``."""
        self.other_rules.setdefault(digest, [0, line])[0] += 1


class _Refused(Exception):
    """An event refused when decided again, with why (rendered)."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def _text(problems: Iterable[Problem], lang: Lang) -> list[str]:
    """Problems of a line, without the file and line (the report says them)."""
    return [replace(p, source=None, line=None).render(lang) for p in problems]


def _outcome(d: RoutingDecision) -> dict[str, Any]:
    """What the compare modes compare (:data:`OUTCOME_FIELDS`), units by code."""
    dispatch = d.dispatch
    return {
        "status": d.status.value,
        "lead": d.lead.code if d.lead else None,
        "contenders": _codes(d.contenders),
        "assists": _codes(d.assists),
        "supervisors": _codes(d.supervisors),
        "dispatch": (dispatch.platform.code, dispatch.level.value, dispatch.escalated)
        if dispatch
        else None,
        "commander": d.commander.code if d.commander else None,
        "coordinator": d.coordinator.code if d.coordinator else None,
        "parts": [
            (
                p.area,
                p.status.value,
                p.lead.code if p.lead else None,
                _codes(p.contenders),
                p.overloaded.unit.code if p.overloaded else None,
            )
            for p in d.parts
        ],
        "gap": d.gap,
        "deadline": d.deadline,
        "overloaded": d.overloaded.unit.code if d.overloaded else None,
    }


def _codes(units: Iterable[UnitRef]) -> list[str]:
    return [u.code for u in units]


def _accountable(d: RoutingDecision | None) -> list[UnitRef]:
    """Who the decision makes accountable: the lead, the contenders of a conflict, or the
    centre that coordinates."""
    if d is None:
        return []
    if d.status is Status.conflict:
        return list(d.contenders)
    if d.status is Status.coordinated:
        return [d.coordinator] if d.coordinator else []
    if d.status is Status.split_areas:  # each area's, once
        found = {u.code: u for p in d.parts for u in (p.lead, *p.contenders) if u is not None}
        return list(found.values())
    return [d.lead] if d.lead else []


class _Replayer:
    """Decides decisions again in one process (a worker, or the caller's)."""

    def __init__(self, setup: _Setup):
        self.setup = setup
        self.lang = setup.lang
        self.registry = Registry(setup.url)
        self.latest = self.registry.revision()
        self.rules: RuleSet = load_rules(setup.rules_dir)
        self.calendar = WorkCalendar(setup.hours)
        self.proposed = setup.rules_dir is not None
        self.recorded = setup.revision is None and not setup.versions
        self._routers: OrderedDict[Target, Router] = OrderedDict()
        # one snapshot's loads for all the routers of this process, whichever revision
        self.loads = KeptLoads(setup.loads) if setup.loads is not None else None
        self._stamps: dict[bytes, tuple[Router, dt.date] | None] = {}

    def close(self) -> None:
        """Free the routers' engines and the registry's connections."""
        while self._routers:
            self._routers.popitem()[1].close()
        self._stamps.clear()
        self.registry.close()

    def router(self, target: Target) -> Router:
        """The router of a revision with versions in force (made once)."""
        found = self._routers.get(target)
        if found is None:
            revision, versions = target
            found = self._routers[target] = Router(
                self.registry,
                rules=self.rules,
                calendar=self.calendar,
                known_at=revision,
                versions=dict(versions),
                loads=self.loads,
                check_config=self.setup.check_config,
            )
            while len(self._routers) > ROUTERS:
                self._routers.popitem(last=False)[1].close()
                self._stamps.clear()  # they may name the router closed
        self._routers.move_to_end(target)
        return found

    def decide(self, event: EventIn, day: dt.date, target: Target) -> RoutingDecision:
        """``event`` decided on ``day`` at ``target``; :class:`_Refused` if it is refused."""
        router = self.router(target)
        try:
            return router.route(event, {"source": self.setup.source}, as_of=day)
        except InputError as exc:
            raise _Refused("; ".join(_text(exc.problems, self.lang))) from None
        except EngineError as exc:
            raise _Refused(str(exc)) from None

    def known(self, revision: object) -> bool:
        return isinstance(revision, int) and 0 <= revision <= self.latest

    # --- the fast path -----------------------------------------------------------------------

    def identical(self, raw: bytes) -> RoutingDecision | None:
        """The decision made again, if it is the same bytes as the line (the recorded mode)."""
        line = raw.strip()
        at, event_at = line.rfind(_STAMP), line.rfind(_EVENT)
        if not 0 < at < event_at or not line.endswith(b"}"):
            return None
        try:
            stamp = self.stamp(line[at + 1 : event_at])
            if stamp is None:
                return None
            router, day = stamp
            event = EventIn.model_validate_json(line[event_at + len(_EVENT) : -1])
            extra_at = line.rfind(_EXTRA, 0, at)
            if extra_at > 0:  # the extra the decision keeps for its event (the bytes decide)
                extra = json.loads(line[extra_at + len(_EXTRA) : at])
                event = event.model_copy(update={"extra": extra})
            new = router.route(event, as_of=day)
        except (ValueError, KeyError, TypeError, RecursionError, InputError, EngineError):
            return None  # the slow path says what is wrong
        # the bytes model_dump_json() would decode: no copy to text and back
        return new if _SERIALIZER.to_json(new) == line else None

    def stamp(self, text: bytes) -> tuple[Router, dt.date] | None:
        """The router and the date of a decision's stamp (``"snapshot_hash":…,"rules_digest":…``),
        or None when it is another rules' or names an unknown revision. The lines of one (date,
        revision) share a stamp: each is read once (while its router is kept)."""
        if text in self._stamps:
            return self._stamps[text]
        stamp = json.loads(b"{" + text + b"}")
        revision = stamp["registry_revision"]
        found = None
        if stamp["rules_digest"] == self.rules.digest and self.known(revision):
            day = dt.date.fromisoformat(stamp["snapshot_date"])
            found = (self.router((revision, ())), day)
        if len(self._stamps) >= STAMPS:
            self._stamps.clear()
        self._stamps[text] = found
        return found

    # --- the slow path -----------------------------------------------------------------------

    def stored(self, number: int, raw: bytes) -> RoutingDecision | list[Problem]:
        """The line as a decision, or what is wrong with it."""
        try:
            parsed = parse_json_model(raw, self.setup.source, number, RoutingDecision, "decision")
        except InputError as exc:  # an undecodable line
            return list(exc.problems)
        if isinstance(parsed, RoutingDecision):
            if not self.known(parsed.registry_revision):
                return [
                    Problem(
                        "revision.unknown",
                        {"revision": parsed.registry_revision, "latest": self.latest},
                        field="registry_revision",
                    )
                ]
            return parsed
        if any(p.key == "schema.missing" and p.field == "decision_id" for p in parsed):
            return [Problem("replay.not_decision")]
        return parsed

    def replay_line(self, number: int, raw: bytes, out: _Chunk) -> None:
        out.lines += 1
        if self.recorded:
            same = self.identical(raw)
            if same is not None:
                out.decisions += 1
                out.identical += 1
                out.statuses[(same.status.value, same.status.value)] += 1
                return
        stored = self.stored(number, raw)
        if isinstance(stored, list):
            out.bad_lines.append(BadLine(line=number, problems=_text(stored, self.lang)))
            return
        own_rules = stored.rules_digest == self.rules.digest
        recorded: Target = (stored.registry_revision, ())
        baseline = stored
        if not own_rules and not self.proposed:
            if self.recorded:  # made with other rules: not compared
                out.decisions += 1
                out.not_compared += 1
                out.note_rules(stored.rules_digest, number)
                return
            try:  # compared with its decision again as recorded, under these rules
                baseline = self.decide(_event(stored), stored.snapshot_date, recorded)
            except _Refused as exc:
                out.bad_lines.append(BadLine(line=number, problems=[exc.reason]))
                return
            out.rebased += 1
        out.decisions += 1
        if not own_rules:
            out.note_rules(stored.rules_digest, number)
        revision = self.setup.revision
        target = recorded if revision is None else (revision, self.setup.versions)
        try:
            new: RoutingDecision | None = self.decide(_event(stored), stored.snapshot_date, target)
            reason = None
        except _Refused as exc:
            new, reason = None, exc.reason
        fields = _differ(baseline, new, whole=self.recorded and own_rules)
        new_status = new.status.value if new is not None else ReplayStatus.rejected.value
        out.statuses[(baseline.status.value, new_status)] += 1
        if not fields:
            out.identical += 1
            return
        matter, area = self.names(stored, target)
        out.changes.append(
            ChangedDecision(
                line=number,
                event_id=stored.event_id,
                decision_id=stored.decision_id,
                matter=stored.matter,
                matter_name=matter,
                area=stored.area,
                area_name=area,
                snapshot_date=stored.snapshot_date,
                old_revision=stored.registry_revision,
                new_revision=new.registry_revision if new is not None else None,
                old_status=ReplayStatus(baseline.status.value),
                new_status=ReplayStatus(new_status),
                old_lead=baseline.lead,
                new_lead=new.lead if new is not None else None,
                old_units=_accountable(baseline),
                new_units=_accountable(new),
                fields=fields,
                reason=reason,
            )
        )

    def names(self, stored: RoutingDecision, target: Target) -> tuple[str, str]:
        """The matter's and the area's names on the snapshot decided on (else as recorded)."""
        for key in (target, (stored.registry_revision, ())):
            snapshot = self.router(key).loaded(stored.snapshot_date).snapshot
            matter, area = snapshot.matters.get(stored.matter), snapshot.areas.get(stored.area)
            if matter is not None and area is not None:
                return matter.name, area.name
        return "", ""


def _event(stored: RoutingDecision) -> EventIn:
    """The event a decision was made on, with the ``extra`` the decision keeps for it."""
    if not stored.extra:
        return stored.event
    return stored.event.model_copy(update={"extra": stored.extra})


def _differ(old: RoutingDecision, new: RoutingDecision | None, whole: bool) -> list[str]:
    """The fields in which ``new`` differs: every field of the decision (``whole``), else those
    of the outcome. A refused event differs in its status."""
    if new is None:
        return ["status"]
    if whole:
        a, b = old.model_dump(mode="json"), new.model_dump(mode="json")
        return [name for name in RoutingDecision.model_fields if a.get(name) != b.get(name)]
    a, b = _outcome(old), _outcome(new)
    return [name for name in OUTCOME_FIELDS if a[name] != b[name]]


_replayer: _Replayer | None = None


def _start(setup: _Setup) -> None:
    """Set this process up to replay (once per worker)."""
    global _replayer
    current_lang.set(setup.lang)
    _replayer = _Replayer(setup)


def _replay_chunk(chunk: list[tuple[int, bytes]]) -> _Chunk:
    assert _replayer is not None
    out = _Chunk()
    for number, raw in chunk:
        _replayer.replay_line(number, raw, out)
    return out


def _replay_range(job: Kept[_Setup], part: tuple[str, ByteRange]) -> _Chunk:
    """The lines of one byte range of the decisions file (``part``: the file as the worker
    opens it, the range) replayed, each chunk by :func:`_replay_chunk`, with this process's
    replayer for ``job`` (made once, then kept)."""
    global _replayer
    path, found = part
    out = _Chunk()
    with job.entered():
        current_lang.set(job.setup.lang)
        _replayer = kept(job, _Replayer)
        for chunk in chunks(range_lines(Path(path), found)):
            out.add(_replay_chunk(chunk))
    return out


def check_decisions_file(path: Path) -> None:
    """Refuse at once a decisions file that is missing, of another kind, or holds no line."""
    source = str(path)
    if not path.is_file():
        raise InputError.one("file.not_found", source=source)
    if path.suffix.lower() in NOT_DECISIONS:
        raise InputError.one(
            "file.unsupported", source=source, suffix=path.suffix, expected=".jsonl, .ndjson"
        )
    with path.open("rb") as handle:
        wide = wide_encoding(handle.read(4096))
    if wide is not None:
        raise InputError.one("file.wide_encoding", source=source, encoding=wide)
    if next(json_lines(path), None) is None:
        raise InputError.one("replay.no_decisions", source=source)


def replay(
    registry: Registry,
    decisions: Path,
    *,
    known_at: KnownAt | Literal["recorded"] = RECORDED,
    versions: Mapping[str, int] | None = None,
    rules_dir: Path | None = None,
    workers: int = 1,
    hours: WorkingHours | None = None,
    loads: LoadSource | None = None,
    check_config: CheckConfig | None = None,
    progress: Callable[[int], None] | None = None,
    cluster: str | None = None,
) -> ReplayReport:
    """Decide the decisions of ``decisions`` (JSON Lines, as route-batch writes them) again and
    report what differs.

    ``known_at`` is the registry revision decided on: ``"recorded"`` (each decision's own: the
    recorded mode, unless ``versions`` are given), a revision number, a time, or None (the
    latest). ``versions`` (list id → version, a draft too) are put in force, as
    :meth:`remit.Registry.snapshot` does; a draft is in the latest revision, so pass
    ``known_at=None`` with it. ``rules_dir`` adds rules to the defaults; given, it proposes them:
    decisions made with other rules are compared too. Refuses (:class:`remit.InputError`) a
    missing or empty file, an unknown revision or list version, and bad rules before it starts.
    ``loads`` and ``check_config`` are the load source the decisions were made with (a
    decision's ``overloaded``: :class:`remit.routing.router.Router`); without them no decision
    decided again is flagged, so one that was differs.
    """
    check_decisions_file(decisions)
    rules = load_rules(rules_dir)
    latest = registry.revision()
    revision = None if known_at == RECORDED else registry.revision(known_at)
    chosen = tuple(sorted((versions or {}).items()))
    for list_id, number in chosen:
        registry.version(list_id, number, known_at=latest if revision is None else revision)
    if chosen and revision is None:
        revision = latest
    lang = current_lang.get()
    setup = _Setup(
        registry.url,
        str(decisions),
        rules_dir,
        revision,
        chosen,
        lang,
        hours or WorkingHours(),
        loads,
        check_config,
    )
    total = _Chunk()
    found: Generator[_Chunk, None, None]
    if workers > 1 or cluster is not None:
        path = decisions.resolve()
        wanted = max(workers, CLUSTER_WORKERS) if cluster is not None else workers
        ranges = split(path, range_count(path.stat().st_size, wanted))
        parts = [(str(path), part) for part in ranges]
        found = run_tasks(_replay_range, Kept.of(setup), parts, workers=workers, cluster=cluster)
    else:
        found = in_workers(_replay_chunk, json_lines(decisions), _start, setup, workers)
    with contextlib.closing(found):
        for chunk in found:
            total.add(chunk)
            if progress is not None:
                progress(chunk.lines)
    other = total.other_rules
    recorded = revision is None
    return ReplayReport(
        source=str(decisions),
        mode=ReplayMode.recorded if recorded else ReplayMode.compare,
        revision=revision,
        latest_revision=latest,
        versions=dict(chosen),
        rules_digest=rules.digest,
        rules_sources=list(rules.sources),
        rules_proposed=rules_dir is not None,
        lang=lang,
        lines=total.lines,
        decisions=total.decisions,
        compared=total.decisions - total.not_compared,
        identical=total.identical,
        changed=len(total.changes),
        rebased=total.rebased,
        not_compared=total.not_compared,
        other_rules=[
            OtherRules(rules_digest=digest, count=count, first_line=first)
            for digest, (count, first) in sorted(other.items(), key=lambda item: item[1][1])
        ],
        by_status=[
            StatusCount(old=ReplayStatus(old), new=ReplayStatus(new), count=count)
            for (old, new), count in sorted(total.statuses.items(), key=_status_order)
        ],
        units=_units(total.changes),
        changes=total.changes,
        bad_lines=total.bad_lines,
    )


def _status_order(item: tuple[tuple[str, str], int]) -> tuple[bool, int, int]:
    """Changes of status first, then in the statuses' order."""
    (old, new), _ = item
    order = list(ReplayStatus)
    return (old == new, order.index(ReplayStatus(old)), order.index(ReplayStatus(new)))


def _units(changes: Iterable[ChangedDecision]) -> list[UnitChange]:
    """Per unit, the cases it gains and loses (most moved first)."""
    found: dict[str, UnitChange] = {}
    for change in changes:
        old = {u.code: u for u in change.old_units}
        new = {u.code: u for u in change.new_units}
        for code in new.keys() - old.keys():
            unit = found.setdefault(code, UnitChange(unit=new[code]))
            unit.gained += 1
        for code in old.keys() - new.keys():
            unit = found.setdefault(code, UnitChange(unit=old[code]))
            unit.lost += 1
    return sorted(found.values(), key=lambda u: (-(u.gained + u.lost), -u.net, u.unit.code))


def count_changed(
    registry: Registry,
    path: Path,
    loads: LoadSource | None = None,
    check_config: CheckConfig | None = None,
) -> tuple[int, int]:
    """(changed, total): how many of the decisions in ``path`` the registry as it stands now
    (its latest revision) decides differently, of how many. A decision made with other rules
    than the defaults is compared with its own decision again as recorded under the defaults,
    so only the registry's change counts (``remit registry publish|withdraw --retroactive
    --decisions FILE``). ``loads`` and ``check_config``: as for :func:`replay`."""
    report = replay(registry, path, known_at=None, loads=loads, check_config=check_config)
    return report.changed, report.decisions


__all__ = ["RECORDED", "ReplayReport", "count_changed", "replay"]
