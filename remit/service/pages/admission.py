"""The admission pages (事项准入): ``/ui/admission``, the recorded requests with their gates'
verdicts; ``/ui/admission/{request_id}``, one request whole — the gates' verdicts and evidence,
the effect report — with the approver's forms to approve or reject it.

They call what the JSON API calls (:mod:`remit.service.api.admission`): the same gate with the
same settings, the same checks on who may decide (the role, the settings' approvers, four eyes
by login); a refusal is shown on the page with its status, never a 500."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, Form, Request, UploadFile
from fastapi.responses import RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from remit.admission import AdmissionGate, GateRefused, load_request
from remit.errors import InputError
from remit.i18n import current_lang, t
from remit.identity import Role, User
from remit.present.pages_admission import (
    EFFECT_COLUMNS,
    effect_view,
    request_view,
)
from remit.service.api.admission import _decider, _gate, _recorded
from remit.service.pages.common import NAVIGATION, PAGE_ROUTERS, PageEntry, page, page_for, title
from remit.service.problems import HTTPProblem, input_status
from remit.service.state import Services, services
from remit.service.uploads import uploads

router = APIRouter(include_in_schema=False)
PAGE_ROUTERS.append(router)

READERS = (Role.approver, Role.policy_officer)
"""Who may open the admission pages (an admin holds every role)."""
NAVIGATION.append(PageEntry("/ui/admission", "page.admission.title", READERS))

Reader = Annotated[User, Depends(page_for(*READERS))]
Approver = Annotated[User, Depends(page_for(Role.approver))]
Found = Annotated[Services, Depends(services)]

STATUSES = ("submitted", "approved", "rejected")


Officer = Annotated[User, Depends(page_for(Role.policy_officer))]


@router.get("/ui/admission")
def requests(request: Request, user: Reader, found: Found, status: str = "") -> Response:
    """The recorded requests, oldest first (``?status=`` one of :data:`STATUSES`)."""
    return _requests(request, user, found, status)


def _requests(
    request: Request,
    user: User,
    found: Services,
    status: str = "",
    *,
    code: int = 200,
    problems: list[str] | None = None,
) -> Response:
    gate = _gate(found)
    chosen = status if status in STATUSES else None
    lang = current_lang.get()
    given, required = gate.approvals(), gate.config.approvals_required
    rows = [
        request_view(e, gate.overdue(e), lang, given.get(e.id, []), required)
        for e in gate.requests(chosen)
    ]
    return page(
        request,
        "admission_list.html.j2",
        title("page.admission.title"),
        user,
        rows=rows,
        chosen=chosen or "",
        statuses=[(s, t(f"status.{s}")) for s in STATUSES],
        may_submit=user.has(Role.policy_officer),
        problems=problems or [],
        status=code,
    )


@router.post("/ui/admission")
async def submit(
    request: Request,
    user: Officer,
    found: Found,
    file: Annotated[UploadFile, File()],
) -> Response:
    """A request file (``file: admission``, as ``remit admit submit`` takes it) uploaded by a
    policy officer: every gate runs and it is recorded, submitted by the caller's login; then
    its page. A file that does not validate, or an id recorded before: said on the page (400),
    nothing recorded."""
    content = await file.read()
    name = file.filename or "request.yaml"
    return await run_in_threadpool(_submit, request, user, found, name, content)


def _submit(request: Request, user: User, found: Services, name: str, content: bytes) -> Response:
    try:
        with uploads() as spool:
            path = spool.add("request.yaml", content, shown_as=name)
            admission = load_request(path)
            _gate(found).submit(admission, user.login, lang=current_lang.get())
    except InputError as exc:
        lines = [p.render(current_lang.get()) for p in exc.problems]
        return _requests(request, user, found, code=400, problems=lines)
    return RedirectResponse(f"/ui/admission/{admission.id}?done=submitted", status_code=303)


def _detail(
    request: Request,
    user: User,
    gate: AdmissionGate,
    request_id: str,
    *,
    status: int = 200,
    refusal: list[str] | None = None,
    done: str = "",
    note: str = "",
    reason: str = "",
) -> Response:
    entry = _recorded(gate, request_id)
    lang = current_lang.get()
    given = gate.approvals(entry.id)[entry.id]
    view = request_view(entry, gate.overdue(entry), lang, given, gate.config.approvals_required)
    return page(
        request,
        "admission_request.html.j2",
        title("page.admission.request_title", id=entry.id),
        user,
        status=status,
        entry=view,
        effect=effect_view(entry.report, lang),
        effect_columns=EFFECT_COLUMNS,
        may_decide=user.has(Role.approver) and entry.status == "submitted",
        refusal=refusal or [],
        done=done if done in ("approved", "rejected", "approval", "submitted") else "",
        note=note,
        reason=reason,
    )


@router.get("/ui/admission/{request_id}")
def one_request(
    request: Request, request_id: str, user: Reader, found: Found, done: str = ""
) -> Response:
    """One request whole; 404 for an id never submitted."""
    return _detail(request, user, _gate(found), request_id, done=done)


def _refused(exc: Exception) -> tuple[int, list[str]]:
    """A refusal from the gate or the service's checks: its status and what it says."""
    if isinstance(exc, InputError):
        return input_status(exc), [p.render(current_lang.get()) for p in exc.problems]
    if isinstance(exc, HTTPProblem):
        return exc.status, [t(exc.key, **exc.params)]
    assert isinstance(exc, GateRefused)
    failing = [
        f"{t('gate.' + g.gate.value)}: {g.message}"
        for g in exc.report.gates
        if g.status.value != "pass"
    ]
    outcome = t(f"outcome.{exc.report.outcome.value}")
    return 422, [t("page.admission.gates_refuse", outcome=outcome), *failing]


def _decide(
    request: Request,
    user: User,
    found: Services,
    request_id: str,
    act: str,
    text: str,
) -> Response:
    gate = _gate(found)
    _recorded(gate, request_id)  # 404 before anything else
    try:
        decider = _decider(found, user)
        if act == "approve":
            decider.approve(request_id, user.login, text or None, lang=current_lang.get())
        else:
            decider.reject(request_id, user.login, text)
    except (InputError, HTTPProblem, GateRefused) as exc:
        code, messages = _refused(exc)
        if isinstance(exc, HTTPProblem) and exc.key == "http.unknown_admission":
            raise
        kept: dict[str, Any] = {"note": text} if act == "approve" else {"reason": text}
        return _detail(
            request, user, _gate(found), request_id, status=code, refusal=messages, **kept
        )
    done = "rejected"
    if act == "approve":  # decided, or an approval of several the settings require
        done = "approved" if gate.show(request_id).status == "approved" else "approval"
    return RedirectResponse(f"/ui/admission/{request_id}?done={done}", status_code=303)


@router.post("/ui/admission/{request_id}/approve")
def approve(
    request: Request,
    request_id: str,
    user: Approver,
    found: Found,
    note: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    """Approve, with an optional note: the gates run again; admitted, it is enacted."""
    return _decide(request, user, found, request_id, "approve", note.strip())


@router.post("/ui/admission/{request_id}/reject")
def reject(
    request: Request,
    request_id: str,
    user: Approver,
    found: Found,
    reason: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    """Reject, with the reason (required: refused on the page without one)."""
    return _decide(request, user, found, request_id, "reject", reason.strip())
