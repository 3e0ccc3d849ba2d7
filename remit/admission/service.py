"""The admission gate's Python API: check, submit, list, show, approve, reject.

>>> from remit import Registry
>>> from remit.engine.admission import AdmissionGate, load_request
>>> gate = AdmissionGate(Registry("sqlite:///remit.db"), config)              # doctest: +SKIP
>>> report = gate.check(load_request("data/admission_requests/admitted.yaml"))  # doctest: +SKIP
>>> report.outcome                                                              # doctest: +SKIP
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from remit.admission import store
from remit.admission.enact import Enactment
from remit.admission.gates import evaluate
from remit.admission.report import AdmissionReport, Outcome
from remit.admission.request import AdmissionConfig, AdmissionRequest
from remit.deadlines import WorkCalendar
from remit.errors import InputError
from remit.files.typed import load_typed
from remit.i18n import Lang
from remit.registry.entities import Duty
from remit.registry.facade import Registry, default_actor
from remit.registry.formats import DutySpec
from remit.registry.plan import plan_version
from remit.registry.state import ImportPlan
from remit.registry.store import load_state, write_plan


def load_request(path: str | Path) -> AdmissionRequest:
    """A request file (`file: admission`), validated; problems name the file, line and field."""
    return load_typed(Path(path), "admission", AdmissionRequest)


def load_config(path: str | Path) -> AdmissionConfig:
    """A gate configuration file (`file: admission-config`)."""
    return load_typed(Path(path), "admission-config", AdmissionConfig)


class GateRefused(Exception):
    """Approval refused: the gates, run again, do not admit the request."""

    def __init__(self, report: AdmissionReport):
        super().__init__(report.outcome.value)
        self.report = report


class AdmissionGate:
    """The gate over one registry, with its configuration."""

    def __init__(
        self,
        registry: Registry,
        config: AdmissionConfig | None = None,
        calendar: WorkCalendar | None = None,
    ):
        self.registry = registry
        self.config = config or AdmissionConfig()
        self.calendar = calendar or WorkCalendar()

    def _rows(self, list_id: str, version: int) -> tuple[Duty, ...]:
        return self.registry.version(list_id, version).duties

    def check(
        self, request: AdmissionRequest, history: Path | None = None, lang: Lang = "en"
    ) -> AdmissionReport:
        """Run every gate over ``request`` on the lists in force on its effective date."""
        snapshot = self.registry.snapshot(request.effective_from)
        report, _ = evaluate(
            request, snapshot, self.registry.state(), self._rows, self.config, history, lang
        )
        return report

    def submit(
        self,
        request: AdmissionRequest,
        by: str | None = None,
        history: Path | None = None,
        lang: Lang = "en",
    ) -> AdmissionReport:
        """Record ``request`` with the gates' findings (whatever they say) and log it."""
        self.registry.state()  # a clear error when there is no registry
        if store.get(self.registry.engine, request.id) is not None:
            raise InputError.one("admission.duplicate", field="id", id=request.id)
        report = self.check(request, history, lang)
        store.record_submission(self.registry.engine, request, report, default_actor(by))
        return report

    def requests(self, status: str | None = None) -> list[store.AdmissionEntry]:
        """The recorded requests, oldest first, optionally of one status."""
        self.registry.state()  # a clear error when there is no registry
        return store.entries(self.registry.engine, status)

    def show(self, request_id: str) -> store.AdmissionEntry:
        self.registry.state()  # a clear error when there is no registry
        found = store.get(self.registry.engine, request_id)
        if found is None:
            known = ", ".join(e.id for e in store.entries(self.registry.engine)) or "none"
            raise InputError.one("admission.unknown", id=request_id, known=known)
        return found

    def overdue(self, entry: store.AdmissionEntry, today: dt.date | None = None) -> bool:
        """Undecided for more than the configured number of working days?"""
        if entry.status != "submitted":
            return False
        # days as the city counts them (Asia/Shanghai), not as UTC does
        today = today or dt.datetime.now(self.calendar.zone).date()
        day, count = entry.submitted_at.astimezone(self.calendar.zone).date(), 0
        while day < today:
            day += dt.timedelta(days=1)
            count += self.calendar.is_workday(day)
        return count > self.config.decision_working_days

    def _decidable(self, entry: store.AdmissionEntry, actor: str) -> None:
        if entry.status != "submitted":
            raise InputError.one("admission.decided", id=entry.id, status=entry.status)
        if actor == entry.submitted_by:
            raise InputError.one("admission.four_eyes", id=entry.id, actor=actor)
        if actor not in self.config.approvers:
            raise InputError.one(
                "admission.not_approver",
                actor=actor,
                approvers=", ".join(self.config.approvers) or "-",
            )

    def approve(
        self,
        request_id: str,
        by: str | None = None,
        note: str | None = None,
        history: Path | None = None,
        lang: Lang = "en",
    ) -> AdmissionReport:
        """Four eyes, then every gate again on the lists as they are now; if they admit the
        request, its versions are written and the request approved, in one transaction.
        Raises :class:`GateRefused` (the request stays submitted) when they do not."""
        actor = default_actor(by)
        entry = self.show(request_id)
        self._decidable(entry, actor)
        request = entry.request
        snapshot = self.registry.snapshot(request.effective_from)
        state = self.registry.state()
        report, enactment = evaluate(
            request, snapshot, state, self._rows, self.config, history, lang
        )
        if report.outcome is not Outcome.admit:
            store.record_refusal(self.registry.engine, report, actor, note)
            raise GateRefused(report)
        self._write(request, enactment, report, actor, note)
        return report

    def _write(
        self,
        request: AdmissionRequest,
        enactment: Enactment,
        report: AdmissionReport,
        actor: str,
        note: str | None,
    ) -> None:
        state = load_state(self.registry.engine)
        combined = ImportPlan(files=[f"admission {request.id}"])
        for version in enactment.versions:
            specs = [
                (
                    DutySpec.model_validate(d.content()),
                    lambda f, i=i, v=version: {
                        "source": f"{v.list_id} v{v.number}",
                        "row": i,
                        "field": f,
                    },
                )
                for i, d in enumerate(version.duties, 1)
            ]
            part = plan_version(
                version.list_id,
                specs,
                state,
                f"admission {request.id}",
                actor,
                f"admission {request.id}" + (f": {note}" if note else ""),
                effective_from=request.effective_from,
            )
            combined.changes.extend(part.changes)
        write_plan(
            self.registry.engine,
            combined,
            actor,
            report.snapshot_hash,
            also=lambda s: store.decide(
                s, request.id, "approved", report, actor, note, enactment.summary()
            ),
        )

    def reject(
        self, request_id: str, by: str | None = None, reason: str = ""
    ) -> store.AdmissionEntry:
        """Reject a submitted request, with the reason, by someone other than its submitter."""
        actor = default_actor(by)
        entry = self.show(request_id)
        self._decidable(entry, actor)
        if not reason.strip():
            raise InputError.one("admission.no_reason", field="--reason")
        store.reject(self.registry.engine, request_id, entry.report, actor, reason)
        return self.show(request_id)
