"""The case book (:class:`CaseBook`): every routed event kept as a case, in the registry's
database, with its lifecycle — dispatched, accepted, returned (退单, ruled at once by the
:class:`~remit.routing.disputes.desk.DisputeDesk`), reassigned, resolved, closed — and 督办.

>>> from remit import Registry, Router
>>> from remit.casework import CaseBook
>>> registry = Registry("sqlite:///remit.db")                       # doctest: +SKIP
>>> book = CaseBook(registry)                                       # doctest: +SKIP
>>> decision = Router(registry).route(event)                        # doctest: +SKIP
>>> case, created = book.record(event, decision, actor="12345")     # doctest: +SKIP
>>> book.accept(case.id, actor="张三", unit=case.unit)              # doctest: +SKIP

Recording is idempotent: an event is known by its source and its id there, and the same event
recorded twice (also by two processes at once) is one case. Every change is checked against
the version of the case it was decided on: of two changes at once, one wins and the other is
refused, never lost (docs/cases.md).
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from pydantic import ValidationError
from sqlalchemy import Connection, Row, and_, func, not_, or_, select

from remit.casework.records import (
    DONE,
    MOVES,
    RECORDED,
    ActList,
    CaseAction,
    CaseRecord,
    CaseStatus,
    CaseStep,
    StatusList,
    Supervision,
    Term,
)
from remit.casework.store import (
    add_case,
    add_cases,
    case_steps,
    cases,
    changing,
    ensure_tables,
    utc_aware,
    utc_naive,
)
from remit.conditions import Listing, Named
from remit.deadlines import CITY_ZONE, WorkCalendar
from remit.errors import InputError
from remit.events.cases import Case, CaseDispatch, Reason, Round, Verdict
from remit.events.model import EventIn
from remit.files.names import NameIndex, Unresolved, index_of
from remit.files.text import refuse
from remit.files.typed import schema_problems
from remit.registry import Registry, WrittenJSON
from remit.registry.entities import CATALOGUE_KIND
from remit.registry.refs import UnitRef
from remit.registry.state import RegistryState
from remit.routing.decision import RoutingDecision, Status
from remit.routing.disputes.desk import DisputeDesk
from remit.routing.router import Router
from remit.timelimit import parse_time_limit

Clock = Callable[[], dt.datetime]
Records = list[CaseRecord]  # (the book's own list() shadows the builtin in its methods)


def _utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(microsecond=0)


class CaseBook:
    """The cases of ``registry``'s database.

    ``rules_dir``: the district's rules directory (routing rules, and dispute rules in its
    ``disputes/``), as ``remit dispute --rules``. ``calendar``: working hours and counting
    (default: the city's defaults), with the registry's calendar file for the years the
    calendar package lacks. ``clock``: what "now" is (default: the system clock, UTC).
    The desk that rules returns is made on first use and made again once the registry has
    changed. A book may be shared by threads (the desk's rule engine is used by one at a time).
    """

    def __init__(
        self,
        registry: Registry,
        *,
        rules_dir: Path | None = None,
        calendar: WorkCalendar | None = None,
        clock: Clock | None = None,
    ):
        self.registry = registry
        self.rules_dir = rules_dir
        self.calendar = calendar or WorkCalendar()
        self.clock: Clock = clock or _utcnow
        self._desk: DisputeDesk | None = None
        self._desk_revision = -1
        self._lock = threading.Lock()
        registry.revision()  # refuses a database that holds no registry, naming it
        ensure_tables(registry.engine)

    def dispose(self) -> None:
        """Free the dispute desk's rule engine (made again if the book is used later).
        (:meth:`close` closes a case.)"""
        with self._lock:
            if self._desk is not None:
                self._desk.router.close()
                self._desk.close()
                self._desk = None

    def __enter__(self) -> CaseBook:
        return self

    def __exit__(self, *_: object) -> None:
        self.dispose()

    # --- recording ----------------------------------------------------------------------------

    def record(
        self,
        event: EventIn | Mapping[str, Any],
        decision: RoutingDecision,
        actor: str,
        *,
        dispatched_at: dt.datetime | None = None,
    ) -> tuple[CaseRecord, bool]:
        """Keep a routed event as a case: received, then dispatched to the unit that holds it
        (the lead; conflict, coordinated, split: the coordinating centre), with its deadline
        from the dispatch (``dispatched_at``, default now). Returns the case and whether it was
        created now: an event recorded before (same source, same id) gives the case it became.
        A decision that is ``needs_info`` or ``unroutable`` is refused (:class:`InputError`
        saying why): nobody holds such an event yet."""
        prepared = self._prepare(event, decision, actor, dispatched_at)
        if isinstance(prepared, CaseRecord):  # not recordable, recorded before: that case
            return prepared, False
        given, values, steps = prepared
        source = values["source"]
        case_id = add_case(self.registry.engine, values, [_step_row(step) for step in steps])
        if case_id is None:  # recorded before (or by another process just now): that case
            found = self.by_external(source, given.id)
            if found is None:  # pragma: no cover - a case is never deleted
                raise InputError.one("db.busy", detail="case numbers")
            return found, False
        values.update(id=case_id, number=int(case_id.rsplit("-", 1)[1]))
        return _made(values, given, decision, steps), True

    def record_many(
        self, routed: Sequence[tuple[EventIn, RoutingDecision]], actor: str
    ) -> list[bool | InputError]:
        """Keep many routed events as cases at once (a batch from a bus): for each, True when
        its case was created now, False when it was recorded before, or the refusal
        :meth:`record` would raise. On PostgreSQL the batch's new cases are numbered and
        written in one transaction (a few statements for the whole batch); elsewhere one by
        one."""
        out: list[bool | InputError] = []
        batch: list[tuple[int, dict[str, Any], list[dict[str, Any]]]] = []
        for event, decision in routed:
            try:
                prepared = self._prepare(event, decision, actor, None)
            except InputError as exc:
                out.append(exc)
                continue
            if isinstance(prepared, CaseRecord):
                out.append(False)
                continue
            _, values, steps = prepared
            out.append(False)
            batch.append((len(out) - 1, values, [_step_row(step) for step in steps]))
        created = add_cases(self.registry.engine, [(v, st) for _, v, st in batch])
        for (index, _, _), made in zip(batch, created, strict=True):
            out[index] = made
        return out

    def _prepare(
        self,
        event: EventIn | Mapping[str, Any],
        decision: RoutingDecision,
        actor: str,
        dispatched_at: dt.datetime | None,
    ) -> CaseRecord | tuple[EventIn, dict[str, Any], list[CaseStep]]:
        """What recording ``event`` writes: the event, the case's values (but its id and
        number) and its first steps; or the case it became, for a decision nobody holds that
        was recorded before; or the refusal (:class:`InputError`)."""
        given = _event(event)
        refuse(actor, "actor")
        if decision.event_id != given.id:
            raise InputError.one(
                "case.decision_mismatch", decision_event=decision.event_id, event=given.id
            )
        source = given.source or ""
        if decision.status not in RECORDED:
            found = self.by_external(source, given.id)  # recorded before: that case
            if found is not None:
                return found
            if decision.status is Status.needs_info:
                labels = decision.needs.labels if decision.needs is not None else {}
                missing = decision.needs.attributes if decision.needs is not None else []
                attributes = Listing(Named(a, labels.get(a)) for a in missing)
                raise InputError.one("case.needs_info", event=given.id, attributes=attributes)
            raise InputError.one("case.not_recorded", event=given.id, status=decision.status)
        holder = _holder(decision)
        if holder is None:
            raise InputError.one("case.no_holder", event=given.id, status=decision.status)
        now = self.clock()
        if dispatched_at is not None and dispatched_at.tzinfo is None:  # as reported_at: Beijing
            dispatched_at = dispatched_at.replace(tzinfo=CITY_ZONE)
        start = max(dispatched_at or now, decision.reported_at)
        limit = decision.shortened.limit if decision.shortened is not None else decision.time_limit
        # the registry as the decision knew it (read once: a state already read is not asked for
        # again, where the registry as it is now would be)
        state = self.registry.state(decision.registry_revision)
        deadline = self._deadline(start, limit, state)
        year = decision.reported_at.astimezone(CITY_ZONE).year
        street = self._street(decision, state)
        matter_name = self._matter_name(decision, state)
        values: dict[str, Any] = dict(
            year=year,
            source=source,
            external_id=given.id,
            status=CaseStatus.dispatched.value,
            unit=holder[0],
            unit_name=holder[1],
            street=street[0] if street else None,
            street_name=street[1] if street else None,
            matter=decision.matter,
            matter_name=matter_name,
            reported_at=utc_naive(decision.reported_at),
            dispatched_at=utc_naive(start),
            time_limit=limit,
            deadline=utc_naive(deadline) if deadline else None,
            supervised_by=None,
            supervised_at=None,
            supervised_note=None,
            event=_event_data(given),
            decision=WrittenJSON(decision.model_dump_json()),
            decision_id=decision.decision_id,
            version=1,
            created_at=utc_naive(now),
            updated_at=utc_naive(now),
        )
        steps = [
            CaseStep(
                at=now,
                actor=actor,
                action=CaseAction.receive,
                to_status=CaseStatus.received,
                details={"decision": decision.decision_id, "status": decision.status},
            ),
            CaseStep(
                at=now,
                actor=actor,
                action=CaseAction.dispatch,
                from_status=CaseStatus.received,
                to_status=CaseStatus.dispatched,
                unit=holder[0],
                details=_due(deadline, limit, start),
            ),
        ]
        return given, values, steps

    # --- reading ------------------------------------------------------------------------------

    def get(self, case_id: str) -> CaseRecord | None:
        """The case ``case_id`` (C-2026-000123), or None."""
        found = self._select(cases.c.id == str(case_id).strip())
        return found[0] if found else None

    def by_external(self, source: str | None, external_id: str) -> CaseRecord | None:
        """The case of the event ``external_id`` of ``source`` (None or '': no source)."""
        found = self._select(
            and_(cases.c.source == (source or ""), cases.c.external_id == str(external_id))
        )
        return found[0] if found else None

    def by_decision(self, decision_id: str) -> CaseRecord | None:
        """The case recorded with the decision ``decision_id`` (the decision it was routed
        by), or None."""
        found = self._select(cases.c.decision_id == str(decision_id).strip(), limit=1)
        return found[0] if found else None

    def list(
        self,
        unit: str | None = None,
        status: CaseStatus | str | None = None,
        overdue: bool | None = None,
        street: str | None = None,
        supervised: bool | None = None,
        limit: int = 100,
        offset: int = 0,
    ) -> Records:
        """Cases, oldest first: held by ``unit`` (code, name or alias), of ``status``, overdue
        now or not, on ``street`` (code, name or alias), under 督办 or not."""
        where = self._filters(unit, status, overdue, street, supervised)
        return self._select(where, limit=max(0, limit), offset=max(0, offset))

    def count(
        self,
        unit: str | None = None,
        status: CaseStatus | str | None = None,
        overdue: bool | None = None,
        street: str | None = None,
        supervised: bool | None = None,
    ) -> int:
        """How many cases :meth:`list` would give without its limit."""
        where = self._filters(unit, status, overdue, street, supervised)
        with self.registry.engine.connect() as c:
            query = select(func.count()).select_from(cases)
            if where is not None:
                query = query.where(where)
            return int(c.execute(query).scalar_one())

    def find(
        self,
        *,
        ids: Iterable[str] | None = None,
        matter: str | None = None,
        unit: str | None = None,
        statuses: Iterable[CaseStatus] | None = None,
        reported_from: dt.datetime | None = None,
        reported_to: dt.datetime | None = None,
        limit: int = 1000,
    ) -> Records:
        """Cases, newest report first: with one of ``ids``, of ``matter`` (its key), held by
        ``unit`` (its code), in one of
        ``statuses``, reported in [``reported_from``, ``reported_to``] (aware times): what an
        Open311 ``GET requests`` asks for. At most ``limit``."""
        clauses: list[Any] = []
        if ids is not None:
            clauses.append(cases.c.id.in_([str(i).strip() for i in ids]))
        if matter is not None:
            clauses.append(cases.c.matter == matter)
        if unit is not None:
            clauses.append(cases.c.unit == unit)
        if statuses is not None:
            clauses.append(cases.c.status.in_([_status(s).value for s in statuses]))
        if reported_from is not None:
            clauses.append(cases.c.reported_at >= utc_naive(reported_from))
        if reported_to is not None:
            clauses.append(cases.c.reported_at <= utc_naive(reported_to))
        where = and_(*clauses) if clauses else None
        return self._select(where, limit=max(0, limit), newest_first=True)

    # --- the lifecycle ------------------------------------------------------------------------

    def accept(
        self, case_id: str, actor: str, unit: str, *, version: int | None = None
    ) -> CaseRecord:
        """The unit that holds the case takes it on (签收)."""
        record = self._checked(case_id, CaseAction.accept, actor, unit, version)
        step = self._step(record, actor, CaseAction.accept, CaseStatus.accepted, record.unit)
        return self._write(record, [step], status=CaseStatus.accepted)

    def return_(
        self,
        case_id: str,
        actor: str,
        unit: str,
        reason: Reason | str,
        note: str = "",
        evidence: str = "",
        *,
        version: int | None = None,
    ) -> CaseRecord:
        """The unit that holds the case returns it (退单) with ``reason`` (a code or its
        Chinese label) and ``evidence``; the dispute desk rules on it at once from the lists:
        upheld — reassigned to the unit the lists name; overruled — dispatched back to the
        returning unit; arbitrate — ``ruled``, with the centre that arbitrates. The deadline
        after an upheld or overruled return follows the dispute rules' ``dispute_clock``
        (dispatch: the first dispatch's; reassignment: anew from the ruling); during an
        arbitration it is the centre's."""
        record = self._checked(case_id, CaseAction.return_, actor, unit, version)
        refuse(note, "note", lines=True)
        now = self.clock()
        try:
            round_ = Round.model_validate(
                {"unit": record.unit, "at": now, "reason": reason, "evidence": evidence}
            )
        except ValidationError as exc:
            raise InputError(schema_problems(exc, f"case {record.id}", "case")) from None
        case = Case(  # as the dispute model has it (CaseRecord.as_case), with this return
            id=record.id,
            event=record.decision.event,
            dispatch=CaseDispatch(unit=record.first_unit, at=record.dispatched_at),
            rounds=[*record.rounds, round_],
        )
        with self._lock:
            desk = self._dispute_desk()
            ruled = desk.rule(case)
            clock = desk.clock
        ruling = ruled.rounds[-1].ruling
        assert ruling is not None
        if ruling.verdict is Verdict.arbitrate:
            status, deadline = CaseStatus.ruled, ruling.deadline
        else:
            status = (
                CaseStatus.reassigned if ruling.verdict is Verdict.upheld else CaseStatus.dispatched
            )
            deadline = (
                ruling.deadline
                if clock == "reassignment"
                else self._deadline(record.dispatched_at, record.time_limit)
            )
        holder = ruling.unit if ruling.unit.code else None
        new_unit = holder.code if holder is not None else record.unit
        steps = [
            self._step(
                record,
                actor,
                CaseAction.return_,
                CaseStatus.returned,
                record.unit,
                note,
                {"round": round_.model_dump(mode="json", exclude_none=True)},
                at=now,
            ),
            CaseStep(
                at=now,
                actor=actor,
                action=CaseAction.rule,
                from_status=CaseStatus.returned,
                to_status=status,
                unit=new_unit,
                details={
                    "ruling": ruling.model_dump(mode="json", exclude_none=True),
                    **_due(deadline, ruling.time_limit, now),
                },
            ),
        ]
        return self._write(
            record,
            steps,
            status=status,
            unit=new_unit,
            unit_name=holder.name if holder is not None else record.unit_name,
            deadline=deadline,
        )

    def reassign(
        self,
        case_id: str,
        actor: str,
        unit: str,
        to: str,
        note: str = "",
        *,
        version: int | None = None,
    ) -> CaseRecord:
        """The centre that holds the case (arbitrating a return, or coordinating a conflict,
        a gap or an event across areas) sends it to the unit ``to`` (code, name or alias).
        The deadline follows the dispute clock (dispatch: the first dispatch's; reassignment:
        the case's time limit anew from now)."""
        record = self._checked(case_id, CaseAction.reassign, actor, unit, version)
        if not record.centre_holds():
            raise InputError.one(
                "case.not_centre", id=record.id, holder=record.unit_name, code=record.unit
            )
        refuse(note, "note", lines=True)
        target = self._unit(to, "to")
        if target == record.unit:
            raise InputError.one("case.same_unit", id=record.id, unit=record.unit_name)
        now = self.clock()
        with self._lock:
            clock = self._dispute_desk().clock
        start = now if clock == "reassignment" else record.dispatched_at
        deadline = self._deadline(start, record.time_limit)
        step = self._step(
            record,
            actor,
            CaseAction.reassign,
            CaseStatus.reassigned,
            target,
            note,
            {"by": record.unit, **_due(deadline, record.time_limit, start)},
            at=now,
        )
        return self._write(
            record,
            [step],
            status=CaseStatus.reassigned,
            unit=target,
            unit_name=self._unit_name(target),
            deadline=deadline,
        )

    def resolve(
        self, case_id: str, actor: str, unit: str, note: str = "", *, version: int | None = None
    ) -> CaseRecord:
        """The unit that holds the case (and accepted it) has handled it (办结)."""
        record = self._checked(case_id, CaseAction.resolve, actor, unit, version)
        refuse(note, "note", lines=True)
        step = self._step(record, actor, CaseAction.resolve, CaseStatus.resolved, record.unit, note)
        return self._write(record, [step], status=CaseStatus.resolved)

    def close(
        self, case_id: str, actor: str, note: str = "", *, version: int | None = None
    ) -> CaseRecord:
        """The centre closes a resolved case (结案)."""
        record = self._checked(case_id, CaseAction.close, actor, None, version)
        refuse(note, "note", lines=True)
        step = self._step(record, actor, CaseAction.close, CaseStatus.closed, None, note)
        return self._write(record, [step], status=CaseStatus.closed)

    def supervise(
        self, case_id: str, actor: str, note: str = "", *, version: int | None = None
    ) -> CaseRecord:
        """督办: flag an open case as watched from above (who, when, why); its status stays."""
        record = self._checked(case_id, CaseAction.supervise, actor, None, version)
        refuse(note, "note", lines=True)
        now = self.clock()
        step = self._step(
            record, actor, CaseAction.supervise, record.status, record.unit, note, at=now
        )
        return self._write(
            record, [step], supervised=Supervision(by=actor, at=now, note=note or "")
        )

    # --- the parts ----------------------------------------------------------------------------

    def _checked(
        self,
        case_id: str,
        action: CaseAction,
        actor: str,
        unit: str | None,
        version: int | None,
    ) -> CaseRecord:
        """The case, once the act is allowed on it: it exists, the caller read its current
        version (if it says which), its status allows the act, and ``unit`` holds it."""
        refuse(actor, "actor")
        record = self.get(case_id)
        if record is None:
            raise InputError.one("case.unknown", id=case_id)
        if version is not None and version != record.version:
            raise _changed(record, version)
        allowed = MOVES[action]
        if record.status not in allowed:
            raise InputError.one(
                "case.illegal",
                id=record.id,
                status=Term("case_status", record.status),
                act=Term("case_action", action),
                allowed=StatusList(allowed),
                acts=_acts(record.status),
            )
        if unit is not None:
            code = self._acting_unit(record, unit)
            if code != record.unit:
                raise InputError.one(
                    "case.not_holder",
                    id=record.id,
                    holder=record.unit_name,
                    code=record.unit,
                    unit=unit,
                    act=Term("case_action", action),
                )
        return record

    def _acting_unit(self, record: CaseRecord, unit: str) -> str:
        text = str(unit).strip()
        if text in (record.unit, record.unit_name):
            return record.unit
        return self._unit(text, "unit")

    def _units(self) -> NameIndex:
        state = self.registry.state()
        units = {**state.units, **state.units_on(dt.datetime.now(CITY_ZONE).date())}
        return index_of(units, "unit")

    def _unit(self, text: str, field: str) -> str:
        try:
            return self._units().resolve(str(text), "ref.unknown_unit")
        except Unresolved as exc:
            raise InputError.one(exc.key, **exc.params, field=field) from None

    def _unit_name(self, code: str) -> str:
        state = self.registry.state()
        found = state.units_on(dt.datetime.now(CITY_ZONE).date()).get(code) or state.units.get(code)
        return found.name if found is not None else code

    def _street(
        self, decision: RoutingDecision, state: RegistryState | None = None
    ) -> tuple[str, str] | None:
        """The street (街道/镇) of the decision's area: its code and name."""
        areas = (state or self.registry.state()).areas_on(decision.snapshot_date)
        area = areas.get(decision.area)
        for _ in range(len(areas)):
            if area is None:
                return None
            if area.level.value == "street":
                return area.code, area.name
            area = areas.get(area.parent) if area.parent else None
        return None

    def _matter_name(self, decision: RoutingDecision, state: RegistryState | None = None) -> str:
        catalogue = (state or self.registry.state()).reference(
            CATALOGUE_KIND, decision.snapshot_date
        )
        matters = catalogue.matters if catalogue is not None else ()
        found = next((m for m in matters if m.code == decision.matter), None)
        return found.name if found is not None else ""

    def _deadline(
        self, start: dt.datetime, limit: str | None, state: RegistryState | None = None
    ) -> dt.datetime | None:
        """The deadline of ``limit`` from ``start`` on the official calendar (the registry's
        calendar file for the years the calendar package lacks)."""
        if not limit:
            return None
        calendar = self.calendar.using((state or self.registry.state()).calendar)
        return calendar.deadline(start, parse_time_limit(limit)).at.astimezone(dt.UTC)

    def _dispute_desk(self) -> DisputeDesk:
        """The desk on the registry as it is now (made again once it has changed)."""
        revision = self.registry.revision()
        if self._desk is None or revision != self._desk_revision:
            if self._desk is not None:
                self._desk.router.close()
                self._desk.close()
            router = Router(self.registry, rules_dir=self.rules_dir, calendar=self.calendar)
            self._desk = DisputeDesk(router, rules_dir=self.rules_dir)
            self._desk_revision = revision
        return self._desk

    def _step(
        self,
        record: CaseRecord,
        actor: str,
        action: CaseAction,
        to: CaseStatus,
        unit: str | None,
        note: str = "",
        details: dict[str, Any] | None = None,
        *,
        at: dt.datetime | None = None,
    ) -> CaseStep:
        return CaseStep(
            at=at or self.clock(),
            actor=actor,
            action=action,
            from_status=record.status,
            to_status=to,
            unit=unit,
            note=note or "",
            details=details or {},
        )

    def _write(
        self,
        record: CaseRecord,
        steps: Sequence[CaseStep],
        *,
        status: CaseStatus | None = None,
        unit: str | None = None,
        unit_name: str | None = None,
        deadline: dt.datetime | str | None = "keep",
        supervised: Supervision | None = None,
    ) -> CaseRecord:
        """The change, if the case is still as it was read (its version): else refused."""
        values: dict[str, Any] = {
            "version": record.version + 1,
            "updated_at": utc_naive(steps[-1].at),
        }
        if status is not None:
            values["status"] = status.value
        if unit is not None:
            values["unit"] = unit
            values["unit_name"] = unit_name or unit
        if not isinstance(deadline, str):
            values["deadline"] = utc_naive(deadline) if deadline is not None else None
        if supervised is not None:
            values["supervised_by"] = supervised.by
            values["supervised_at"] = utc_naive(supervised.at)
            values["supervised_note"] = supervised.note
        with changing(self.registry.engine) as c:
            done = c.execute(
                cases.update()
                .where(and_(cases.c.id == record.id, cases.c.version == record.version))
                .values(**values)
            )
            if done.rowcount != 1:
                c.rollback()
                now = self.get(record.id)
                raise _changed(now or record, record.version)
            _add_steps(c, record.id, len(record.steps), steps)
        changed = self.get(record.id)
        assert changed is not None
        return changed

    def _filters(
        self,
        unit: str | None,
        status: CaseStatus | str | None,
        overdue: bool | None,
        street: str | None,
        supervised: bool | None,
    ) -> Any:
        clauses: list[Any] = []
        if unit is not None:
            clauses.append(cases.c.unit == self._unit(unit, "unit"))
        if status is not None:
            clauses.append(cases.c.status == _status(status).value)
        if street is not None:
            clauses.append(cases.c.street == self._area(street))
        if supervised is not None:
            flagged = cases.c.supervised_at.is_not(None)
            clauses.append(flagged if supervised else not_(flagged))
        if overdue is not None:
            late = and_(
                cases.c.deadline.is_not(None),
                cases.c.deadline < utc_naive(self.clock()),
                cases.c.status.not_in([s.value for s in DONE]),
            )
            clauses.append(late if overdue else or_(not_(late), cases.c.deadline.is_(None)))
        return and_(*clauses) if clauses else None

    def _area(self, text: str) -> str:
        state = self.registry.state()
        areas = {**state.areas, **state.areas_on(dt.datetime.now(CITY_ZONE).date())}
        try:
            return index_of(areas, "area").resolve(str(text), "ref.unknown_area")
        except Unresolved as exc:
            raise InputError.one(exc.key, **exc.params, field="street") from None

    def _select(
        self,
        where: Any,
        *,
        limit: int | None = None,
        offset: int = 0,
        newest_first: bool = False,
    ) -> Records:
        order = (
            (cases.c.reported_at.desc(), cases.c.year.desc(), cases.c.number.desc())
            if newest_first
            else (cases.c.year, cases.c.number)
        )
        query = select(cases).order_by(*order)
        if where is not None:
            query = query.where(where)
        if limit is not None:
            query = query.limit(limit).offset(offset)
        with self.registry.engine.connect() as c:
            rows = c.execute(query).all()
            ids = [row.id for row in rows]
            steps: dict[str, list[CaseStep]] = {i: [] for i in ids}
            for chunk in range(0, len(ids), 500):
                part = ids[chunk : chunk + 500]
                for s in c.execute(
                    select(case_steps)
                    .where(case_steps.c.case_id.in_(part))
                    .order_by(case_steps.c.case_id, case_steps.c.seq)
                ):
                    steps[s.case_id].append(_step_of(s))
        return [_record_of(row, steps[row.id]) for row in rows]

    @staticmethod
    def _id_by_external(c: Connection, source: str, external_id: str) -> str | None:
        found = c.execute(
            select(cases.c.id).where(
                and_(cases.c.source == source, cases.c.external_id == external_id)
            )
        ).scalar_one_or_none()
        return str(found) if found is not None else None


def _event(event: EventIn | Mapping[str, Any]) -> EventIn:
    if isinstance(event, EventIn):
        return event
    try:
        return EventIn.model_validate(event)
    except ValidationError as exc:
        source = f"event {event.get('id', '?')}" if isinstance(event, Mapping) else "event"
        raise InputError(schema_problems(exc, source, "event")) from None


def _event_data(event: EventIn) -> dict[str, Any]:
    """The event as given, as JSON data: its code space too (which a decision, in codes,
    does not keep)."""
    data: dict[str, Any] = event.model_dump(mode="json")
    if event.space is not None:
        data["space"] = event.space
    return data


def _holder(decision: RoutingDecision) -> tuple[str, str] | None:
    """Who a case is dispatched to: the lead; a conflict's arbitrating centre; the centre that
    coordinates an event nobody leads or one across areas; else the dispatching centre."""
    unit: UnitRef | None
    if decision.status is Status.conflict and decision.arbitration is not None:
        unit = decision.arbitration.unit
    elif decision.status in (Status.coordinated, Status.split_areas, Status.conflict):
        unit = decision.coordinator or (decision.dispatch.platform if decision.dispatch else None)
    else:
        unit = decision.lead
    if unit is None or not unit.code:
        return None
    return unit.code, unit.name


def _due(deadline: dt.datetime | None, limit: str | None, start: dt.datetime) -> dict[str, Any]:
    """What a step that sets the deadline keeps of it."""
    return {
        "deadline": deadline.astimezone(dt.UTC).isoformat() if deadline else None,
        "time_limit": limit,
        "from": start.astimezone(dt.UTC).isoformat(),
    }


def _add_steps(c: Connection, case_id: str, first: int, steps: Sequence[CaseStep]) -> None:
    c.execute(
        case_steps.insert(),
        [
            {**_step_row(step), "case_id": case_id, "seq": first + i + 1}
            for i, step in enumerate(steps)
        ],
    )


def _step_row(step: CaseStep) -> dict[str, Any]:
    """A step as a ``case_steps`` row (but its case id and seq)."""
    return {
        "at": utc_naive(step.at),
        "actor": step.actor,
        "action": step.action.value,
        "from_status": step.from_status.value if step.from_status else None,
        "to_status": step.to_status.value,
        "unit": step.unit,
        "note": step.note,
        "details": step.details,
    }


def _step_of(row: Row[Any]) -> CaseStep:
    return CaseStep(
        at=utc_aware(row.at),
        actor=row.actor,
        action=CaseAction(row.action),
        from_status=CaseStatus(row.from_status) if row.from_status else None,
        to_status=CaseStatus(row.to_status),
        unit=row.unit,
        note=row.note,
        details=row.details or {},
    )


def _record_of(
    row: Row[Any],
    steps: list[CaseStep],
    event: EventIn | None = None,
    decision: RoutingDecision | None = None,
) -> CaseRecord:
    supervised = (
        Supervision(
            by=row.supervised_by or "",
            at=utc_aware(row.supervised_at),
            note=row.supervised_note or "",
        )
        if row.supervised_at is not None
        else None
    )
    return CaseRecord(
        id=row.id,
        external_id=row.external_id,
        source=row.source,
        event=event if event is not None else EventIn.model_validate(row.event),
        decision=decision if decision is not None else RoutingDecision.model_validate(row.decision),
        unit=row.unit,
        unit_name=row.unit_name,
        status=CaseStatus(row.status),
        street=row.street,
        street_name=row.street_name,
        matter_name=row.matter_name or "",
        dispatched_at=utc_aware(row.dispatched_at),
        time_limit=row.time_limit,
        deadline=utc_aware(row.deadline) if row.deadline is not None else None,
        supervised=supervised,
        steps=steps,
        version=row.version,
        created_at=utc_aware(row.created_at),
        updated_at=utc_aware(row.updated_at),
    )


def _made(
    values: dict[str, Any], event: EventIn, decision: RoutingDecision, steps: list[CaseStep]
) -> CaseRecord:
    """The case just written, from what was written (not read back: its event and decision
    are the objects at hand)."""
    made = _record_of(
        SimpleNamespace(**{**values, "event": None, "decision": None}),  # type: ignore[arg-type]
        steps,
        event,
        decision,
    )
    return made


def _changed(record: CaseRecord, read: int) -> InputError:
    """The refusal of a change decided on version ``read`` of a case that has moved on."""
    last = record.steps[-1] if record.steps else None
    return InputError.one(
        "case.changed",
        id=record.id,
        read=read,
        now=record.version,
        actor=last.actor if last else "?",
        action=Term("case_action", last.action if last else "?"),
    )


def _acts(status: CaseStatus) -> ActList:
    return ActList([a for a, allowed in MOVES.items() if status in allowed])


def _status(value: CaseStatus | str) -> CaseStatus:
    try:
        return CaseStatus(str(value).strip())
    except ValueError:
        raise InputError.one(
            "case.unknown_status", given=str(value), known=StatusList(list(CaseStatus))
        ) from None
