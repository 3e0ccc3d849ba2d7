"""The admission gate's Python API: check, submit, list, show, approve, reject.

The gate reads and writes the registry through its facade only, and asks the graph check for
loads and new findings through :class:`remit.findings.ListCheck` — whoever builds a gate hands
the check in:

>>> from remit import GraphCheck, Registry
>>> from remit.admission import AdmissionGate, load_request
>>> gate = AdmissionGate(Registry("sqlite:///remit.db"), config, check=GraphCheck())  # doctest: +SKIP
>>> report = gate.check(load_request("data/admission_requests/admitted.yaml"))  # doctest: +SKIP
>>> report.outcome                                                              # doctest: +SKIP
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from remit.admission import store
from remit.admission.enact import Enactment
from remit.admission.gates import evaluate
from remit.admission.report import AdmissionEntry, AdmissionReport, Approval, Outcome
from remit.admission.request import AdmissionConfig, AdmissionRequest
from remit.deadlines import WorkCalendar
from remit.errors import InputError
from remit.files.names import same_name
from remit.files.typed import load_typed
from remit.findings import ListCheck
from remit.i18n import Lang, t
from remit.registry.entities import Duty
from remit.registry.facade import Registry, decided, default_actor


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
        *,
        check: ListCheck,
    ):
        self.registry = registry
        self.config = config or AdmissionConfig()
        self.calendar = calendar or WorkCalendar()
        self.check_lists = check

    def _rows(self, list_id: str, version: int) -> tuple[Duty, ...]:
        return self.registry.version(list_id, version).duties

    def check(
        self, request: AdmissionRequest, history: Path | None = None, lang: Lang = "en"
    ) -> AdmissionReport:
        """Run every gate over ``request`` on the lists in force on its effective date."""
        return self._evaluate(request, history, lang)[0]

    def _evaluate(
        self, request: AdmissionRequest, history: Path | None, lang: Lang
    ) -> tuple[AdmissionReport, Enactment]:
        snapshot = self.registry.snapshot(request.effective_from)
        return evaluate(
            request,
            snapshot,
            self.registry.state(),
            self._rows,
            self.config,
            self.check_lists,
            history,
            lang,
        )

    def submit(
        self,
        request: AdmissionRequest,
        by: str | None = None,
        history: Path | None = None,
        lang: Lang = "en",
    ) -> AdmissionReport:
        """Record ``request`` with the gates' findings (whatever they say) and log it."""
        if store.get(self.registry, request.id) is not None:
            raise InputError.one("admission.duplicate", field="id", id=request.id)
        report = self.check(request, history, lang)
        store.record_submission(self.registry, request, report, default_actor(by))
        return report

    def requests(self, status: str | None = None) -> list[AdmissionEntry]:
        """The recorded requests, oldest first, optionally of one status."""
        return store.entries(self.registry, status)

    def show(self, request_id: str) -> AdmissionEntry:
        found = store.get(self.registry, request_id)
        if found is None:
            known = ", ".join(e.id for e in store.entries(self.registry)) or "none"
            raise InputError.one("admission.unknown", id=request_id, known=known)
        return found

    def overdue(self, entry: AdmissionEntry, today: dt.date | None = None) -> bool:
        """Undecided for more than the configured number of working days?"""
        if entry.status != "submitted":
            return False
        # days as the city counts them (Asia/Shanghai), not as UTC does
        today = today or dt.datetime.now(self.calendar.zone).date()
        day, count = entry.submitted_at.astimezone(self.calendar.zone).date(), 0
        calendar = self.calendar.using(self.registry.state().calendar)  # the calendar file too
        while day < today:
            day += dt.timedelta(days=1)
            count += calendar.is_workday(day)
        return count > self.config.decision_working_days

    def _decidable(self, entry: AdmissionEntry, actor: str) -> None:
        if entry.status != "submitted":
            raise decided(entry.id, entry.status, entry.decided_by, entry.decided_at)
        # people's names compared as the registry compares names: width, case and spaces folded
        if same_name(actor, entry.submitted_by):
            raise InputError.one("admission.four_eyes", id=entry.id, submitter=entry.submitted_by)
        if not any(same_name(actor, approver) for approver in self.config.approvers):
            raise InputError.one(
                "admission.not_approver",
                actor=actor,
                approvers=", ".join(self.config.approvers) or "-",
            )

    def approvals(self, request_id: str | None = None) -> dict[str, list[Approval]]:
        """request id → the approvals given that did not decide it yet (when the settings
        require more than one), oldest first; of one request when ``request_id`` is given."""
        found = store.approvals(self.registry)
        if request_id is not None:
            found = {request_id: found.get(request_id, [])}
        return {
            rid: [Approval(e.actor, e.at, e.note) for e in entries]
            for rid, entries in found.items()
        }

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
        Raises :class:`GateRefused` (the request stays submitted) when they do not.

        When the settings require more than one approval (``approvals_required``), each but
        the last is logged (:meth:`approvals`) and the request stays submitted; an approver
        who approved it already is refused (``admission.approved_already``) until others have
        given the approvals still required. The last approval decides and enacts."""
        actor = default_actor(by)
        entry = self.show(request_id)
        self._decidable(entry, actor)
        given = {a.by for a in self.approvals(request_id)[request_id]}
        approved = any(same_name(actor, other) for other in given)
        count = len(given) + (not approved)
        if approved and count < self.config.approvals_required:
            # four eyes: one approver's approval counts once, however often given
            raise InputError.one(
                "admission.approved_already",
                id=request_id,
                by=actor,
                more=self.config.approvals_required - count,
            )
        request = entry.request
        report, enactment = self._evaluate(request, history, lang)
        if report.outcome is not Outcome.admit:
            # gates run on lists another approver changed meanwhile refuse for that reason:
            # say that the request was decided instead (and log no refusal)
            self._decidable(self.show(request_id), actor)
            store.record_refusal(self.registry, report, actor, note)
            raise GateRefused(report)
        if count < self.config.approvals_required:
            # not the last approval required: logged; the request stays submitted
            store.record_approval(self.registry, report, actor, note)
            return report
        record, audit = store.decision(
            self.registry, request.id, "approved", report, actor, note, enactment.summary()
        )
        self.registry.enact(
            record,
            [(v.list_id, v.duties) for v in enactment.versions],
            request.effective_from,
            audit,
            note=t("admission.version_note", lang, id=request.id)
            + (t("admission.version_note_why", lang, note=note) if note else ""),
            units=enactment.units,
        )
        return report

    def reject(self, request_id: str, by: str | None = None, reason: str = "") -> AdmissionEntry:
        """Reject a submitted request, with the reason, by someone other than its submitter."""
        actor = default_actor(by)
        entry = self.show(request_id)
        self._decidable(entry, actor)
        if not reason.strip():
            raise InputError.one("admission.no_reason", field="--reason")
        store.reject(self.registry, request_id, entry.report, actor, reason)
        return self.show(request_id)
