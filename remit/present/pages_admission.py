"""What the admission pages (``/ui/admission``) and the 推诿 page (``/ui/disputes``) show, as
plain data for their templates: a recorded request as ``remit admit show --format json`` gives
it (:func:`remit.present.admission.entry_json`), its gates' verdicts with their evidence, the
effect report; the dispute report's tables as ``remit dispute report`` prints them."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

from remit.admission.report import AdmissionEntry, AdmissionReport, Approval
from remit.deadlines import local_time
from remit.i18n import Lang, t
from remit.present.admission import EFFECT_HEADERS, effect_rows, entry_json, header
from remit.present.dispute import header_lines as dispute_header
from remit.present.dispute import sections as dispute_sections
from remit.routing.disputes.report import DisputeReport

STATUS_CLASS = {"pass": "ok", "fail": "bad", "needs_info": "warn"}
"""A gate's verdict → the badge's style (the text says it too)."""


@dataclass(frozen=True)
class GateView:
    """One gate's verdict: which gate, pass / fail / needs info, its mode, the rule, the
    verdict and the evidence it rests on."""

    gate: str
    name: str
    status: str
    status_text: str
    style: str
    mode: str
    rule: str
    message: str
    evidence: list[str]


@dataclass(frozen=True)
class RequestView:
    """A recorded admission request, as its pages show it."""

    id: str
    matter: str
    department: str
    receiving: str
    effective_from: str
    status: str
    status_text: str
    overdue: bool
    outcome: str
    outcome_text: str
    submitted: str
    submitted_by: str
    decided: str
    decided_by: str
    decision_note: str
    gates: list[GateView]
    approvals: list[tuple[str, str, str]]
    """The approvals given that did not decide it yet: by, when, the note."""
    required: int
    """How many approvals decide a request (the settings' ``approvals_required``)."""
    more: int
    """How many more approvals it needs (0 once decided)."""
    data: dict[str, Any] = field(repr=False)
    """The request as the JSON API answers it (``entry_json``)."""


def _when(at: dt.datetime | None) -> str:
    return local_time(at, seconds=False) if at is not None else ""


def gate_views(report: AdmissionReport, lang: Lang) -> list[GateView]:
    return [
        GateView(
            gate=g.gate.value,
            name=t(f"gate.{g.gate.value}", lang),
            status=g.status.value,
            status_text=t(f"gate_status.{g.status.value}", lang),
            style=STATUS_CLASS.get(g.status.value, "warn"),
            mode=t(f"mode.{g.mode.value}", lang),
            rule=g.rule,
            message=g.message,
            evidence=list(g.evidence),
        )
        for g in report.gates
    ]


def request_view(
    entry: AdmissionEntry,
    overdue: bool,
    lang: Lang,
    approvals: Sequence[Approval] = (),
    required: int = 1,
) -> RequestView:
    """``entry`` (with whether it is overdue, the approvals given that did not decide it and
    how many the settings require) for the pages."""
    data = entry_json(entry, overdue, approvals, required)
    report = entry.report
    receiving = [e.name for e in report.effect] or list(report.receiving)
    return RequestView(
        id=entry.id,
        matter=f"{report.matter or entry.matter} {report.matter_name or ''}".strip(),
        department=report.department_name or entry.department,
        receiving="、".join(receiving) if lang == "zh" else ", ".join(receiving),
        effective_from=report.effective_from.isoformat(),
        status=entry.status,
        status_text=t(f"status.{entry.status}", lang),
        overdue=overdue,
        outcome=report.outcome.value,
        outcome_text=t(f"outcome.{report.outcome.value}", lang),
        submitted=_when(entry.submitted_at),
        submitted_by=entry.submitted_by,
        decided=_when(entry.decided_at),
        decided_by=entry.decided_by or "",
        decision_note=entry.decision_note or "",
        gates=gate_views(report, lang),
        approvals=[(a.by, _when(a.at), a.note or "") for a in approvals],
        required=required,
        more=max(0, required - len(approvals)) if entry.status == "submitted" else 0,
        data=data,
    )


@dataclass(frozen=True)
class EffectView:
    """What admitting the request changes: the report's stamp, each receiving street's load
    before and after, the list versions approval would write."""

    stamp: str
    events: str
    rows: list[list[str]]
    versions: list[str]
    new_findings: list[str]


def effect_view(report: AdmissionReport, lang: Lang) -> EffectView:
    return EffectView(
        stamp=header(report, lang)[2],
        events=t("admit.effect", lang, events=f"{report.events_moved:,.0f}"),
        rows=effect_rows(report),
        versions=[t("admit.version", lang, **v) for v in report.enactment],
        new_findings=[f"{f.id} {f.message}".strip() for f in report.new_findings],
    )


EFFECT_COLUMNS = EFFECT_HEADERS
"""The effect table's columns: the text report's (present/admission.py)."""
"""The effect table's column titles (message keys); all but the first are numbers."""


@dataclass(frozen=True)
class DisputeView:
    """The 推诿 report for its page: the heading lines and each table (title, column titles,
    rows, which columns are numbers)."""

    lines: list[str]
    sections: list[tuple[str, list[str], list[list[str]], list[bool], list[str]]]
    """Each table: title, column titles, rows, which columns are numbers, and each row's
    link (the list row it is about, on the lists' pages; "" for none)."""
    returns: int
    none: str


def dispute_view(report: DisputeReport, lang: Lang) -> DisputeView:
    row_links = [
        f"/ui/lists/{quote(r.duty.list_id, safe='')}/versions/{r.duty.version}#row-{r.duty.row}"
        for r in report.rows
    ]
    sections = []
    for n, (title, headers, rows, numeric) in enumerate(dispute_sections(report, lang)):
        if rows:
            links = row_links if n == 1 else [""] * len(rows)  # the second table: the rows
            sections.append((title, headers, rows, numeric, links))
    return DisputeView(
        lines=dispute_header(report, lang),
        sections=sections,
        returns=report.returns,
        none=t("dispute.report.none", lang),
    )


__all__ = [
    "EFFECT_COLUMNS",
    "DisputeView",
    "EffectView",
    "GateView",
    "RequestView",
    "dispute_view",
    "effect_view",
    "gate_views",
    "request_view",
]
