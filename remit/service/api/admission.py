"""The admission gate (事项准入) over HTTP: submit a request, list and show the recorded ones,
approve or reject them — ``remit admit …``, with the caller's login as the actor.

Who may decide. The ``approver`` role is who approves or rejects (an admin holds it too); the
gate's settings (``remit serve --admission-config``, file ``admission-config``) may narrow it:
when they name ``approvers``, an approver must be one of them, by login or by name (the names
the command line's ``--by`` gives). Without settings, or with none named, the role alone
decides. Four eyes compares logins: whoever submitted a request (its ``submitted_by``, the
login that submitted it) cannot decide it, whatever roles they hold (403: the problem
``admission.four_eyes``, :data:`remit.service.problems.STATUS_OF`)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query
from fastapi.responses import Response
from pydantic import Field

from remit.admission import (
    AdmissionConfig,
    AdmissionGate,
    AdmissionReport,
    AdmissionRequest,
    GateRefused,
    GateStatus,
    load_config,
)
from remit.checks import GraphCheck
from remit.errors import InputError, Problem
from remit.files.names import same_name
from remit.files.text import Text
from remit.i18n import current_lang, t
from remit.identity import Role, User
from remit.model import Model
from remit.present.admission import entry_json
from remit.service.api.common import JSON, json_response
from remit.service.auth import current_user, require
from remit.service.problems import HTTPProblem, problem_body, problem_item, problem_response
from remit.service.state import Services, services

router = APIRouter(tags=["admission"])

Found = Annotated[Services, Depends(services)]


def gate_config(found: Services) -> AdmissionConfig:
    """The gate's settings the service was given (``--admission-config``), else the
    built-in defaults."""
    path = found.settings.admission_config
    return load_config(path) if path is not None else AdmissionConfig()


def _gate(found: Services, config: AdmissionConfig | None = None) -> AdmissionGate:
    return AdmissionGate(found.registry, config or gate_config(found), check=GraphCheck())


def _entry(gate: AdmissionGate, entry: Any, approvals: Any = None) -> dict[str, Any]:
    """A recorded request as ``remit admit show --format json`` gives it, with the approvals
    given that did not decide it yet (``approvals``: :meth:`AdmissionGate.approvals`, read
    once for many requests)."""
    given = (approvals if approvals is not None else gate.approvals(entry.id)).get(entry.id, [])
    return entry_json(entry, gate.overdue(entry), given, gate.config.approvals_required)


@router.post(
    "/admission",
    status_code=201,
    response_model=AdmissionReport,
    summary="Submit an admission request: the gates run and it is recorded",
)
def submit(
    request: AdmissionRequest,
    found: Found,
    user: Annotated[User, Depends(require(Role.policy_officer))],
) -> Response:
    """The request (the ``admission`` file's content as JSON, ``"file": "admission"``) is
    checked by every gate and recorded whatever they find, submitted by the caller's login
    (``remit admit submit``). 201 with the gates' report; a request id recorded before: 400."""
    report = _gate(found).submit(request, user.login, lang=current_lang.get())
    return Response(report.model_dump_json(), status_code=201, media_type=JSON)


@router.get("/admission", summary="The recorded admission requests, oldest first")
def requests(
    found: Found,
    _user: Annotated[User, Depends(current_user)],
    status: Annotated[
        Literal["submitted", "approved", "rejected"] | None, Query(description="only these")
    ] = None,
) -> Response:
    """Every recorded request with its status, decision, and whether it is overdue (undecided
    past the settings' working days) — ``remit admit list``."""
    gate = _gate(found)
    given = gate.approvals()
    return json_response([_entry(gate, e, given) for e in gate.requests(status)])


@router.get("/admission/{request_id}", summary="One recorded admission request")
def show(request_id: str, found: Found, _user: Annotated[User, Depends(current_user)]) -> Response:
    """The request, its status and decision, and the gates' last report (``remit admit
    show``); 404 for an id never submitted."""
    gate = _gate(found)
    return json_response(_entry(gate, _recorded(gate, request_id)))


def _recorded(gate: AdmissionGate, request_id: str) -> Any:
    try:
        return gate.show(request_id)
    except InputError as exc:
        if any(p.key == "admission.unknown" for p in exc.problems):
            known = exc.problems[0].params.get("known", "-")
            raise HTTPProblem(404, "http.unknown_admission", id=request_id, known=known) from None
        raise


class ApproveRequest(Model):
    note: Text | None = Field(None, description="a note for the record")


class RejectRequest(Model):
    reason: Text = Field(min_length=1, description="why (kept in the record and the audit log)")


def _decider(found: Services, user: User) -> AdmissionGate:
    """The gate for ``user``'s decision: an approver among the settings' ``approvers`` (by
    login or name) when they name any; the gate then knows the decider by login."""
    config = gate_config(found)
    if config.approvers and not any(
        same_name(user.login, name) or same_name(user.name, name) for name in config.approvers
    ):
        raise HTTPProblem(
            403,
            "http.not_listed_approver",
            login=user.login,
            approvers=", ".join(config.approvers),
        )
    return _gate(found, config.model_copy(update={"approvers": [user.login]}))


Approver = Annotated[User, Depends(require(Role.approver))]


@router.post(
    "/admission/{request_id}/approve",
    response_model=AdmissionReport,
    summary="Approve a request: the gates run again; admitted, it is enacted",
    responses={
        202: {
            "description": "approved, but more approvals are required: the request (still "
            "submitted) with the approvals given"
        },
        422: {"description": "the gates, run again, do not admit it (the report)"},
    },
)
def approve(
    request_id: str, found: Found, user: Approver, body: ApproveRequest | None = None
) -> Response:
    """Every gate runs again on the lists as they are now; if they admit the request, its
    list versions are written and the request approved, in one transaction, under the caller's
    login (``remit admit approve``). Refused: the submitter (403, four eyes), an approver the
    settings do not name (403), a request decided already (409), an unknown id (404); gates
    that no longer admit it: 422 with their report (``report``) and the failing gates
    (``problems``); the request stays submitted. When the settings require more approvals
    (``approvals_required``) and this is not the last: 202 with the request, still submitted,
    and its ``approvals``; an approver who approved it already is refused (403,
    ``admission.approved_already``) until others have."""
    gate = _decider(found, user)
    _recorded(gate, request_id)
    note = body.note if body else None
    try:
        report = gate.approve(request_id, user.login, note, lang=current_lang.get())
    except GateRefused as refused:
        return _refused(request_id, refused.report)
    entry = gate.show(request_id)
    if entry.status == "submitted":  # not the last approval the settings require
        return json_response(_entry(gate, entry), status=202)
    return Response(report.model_dump_json(), media_type=JSON)


def _refused(request_id: str, report: AdmissionReport) -> Response:
    outcome = t(f"outcome.{report.outcome.value}")
    failing = [
        Problem(
            "http.gate_failed",
            {"gate": g.gate.value, "status": g.status.value, "message": g.message},
            source=request_id,
            field=g.gate.value,
        )
        for g in report.gates
        if g.status is not GateStatus.passed
    ]
    body = problem_body(
        422,
        t("http.title.422"),
        t("http.admission_refused", id=request_id, outcome=outcome),
        report=report.model_dump(mode="json"),
    )
    if failing:
        body["problems"] = [problem_item(p) for p in failing]
    return problem_response(422, body)


@router.post(
    "/admission/{request_id}/reject", summary="Reject a submitted request, with the reason"
)
def reject(request_id: str, body: RejectRequest, found: Found, user: Approver) -> Response:
    """``remit admit reject``, under the caller's login; the same refusals as approving (403
    four eyes or not a named approver, 404, 409 decided already)."""
    gate = _decider(found, user)
    _recorded(gate, request_id)
    entry = gate.reject(request_id, user.login, body.reason)
    return json_response(_entry(gate, entry))
