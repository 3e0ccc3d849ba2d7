"""A routing decision as an explanation a dispatcher would accept, in English or Chinese."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable

from remit.deadlines import CITY_ZONE
from remit.i18n import current_lang, t
from remit.routing.decision import Alternative, AreaPart, Overloaded, RoutingDecision


def unknown_years(decision: RoutingDecision) -> str:
    """The years an approximate deadline was counted over (from the report to the deadline,
    Beijing time), one of which the official calendar is not known for: ``2027`` or
    ``2027–2028``."""

    def year(at: dt.datetime) -> int:
        return (at.astimezone(CITY_ZONE) if at.tzinfo else at).year

    first = year(decision.reported_at)
    last = year(decision.deadline) if decision.deadline else first
    return str(first) if last <= first else f"{first}–{last}"


def _overloaded(flag: Overloaded) -> str:
    """A fallback or a referral onto a unit over its load index, said."""
    return t(
        "route.overloaded",
        unit=flag.unit.name,
        index=f"{flag.load_index:.2f}",
        threshold=f"{flag.threshold:.2f}",
    )


def _who(outcome: Alternative | AreaPart, names: Callable[[Iterable[str]], str]) -> str:
    """Who an alternative or an area's part makes accountable: the lead, the contenders, or
    the centre that coordinates."""
    if outcome.lead is not None:
        return outcome.lead.name
    if outcome.contenders:
        return names(u.name for u in outcome.contenders)
    return outcome.coordinator.name if outcome.coordinator is not None else "—"


def decision_lines(decision: RoutingDecision) -> list[str]:
    """A decision as an explanation a dispatcher would accept, in the current language."""
    d = decision
    lines = [t("route.title", event=d.event_id, status=d.status.value)]
    names = ("、" if current_lang.get() == "zh" else ", ").join
    if d.status.value == "routed" and d.lead:
        joint = "joint-lead-and-assist" in d.rules_fired
        lines.append(t("route.lead_joint" if joint else "route.lead", unit=d.lead.name))
    elif d.status.value == "fallback" and d.lead:
        lines.append(
            t("route.lead_fallback" if d.gap else "route.lead_fallback_owner", unit=d.lead.name)
        )
    elif d.status.value == "referred" and d.lead:
        lines.append(t("route.lead_referred", unit=d.lead.name))
    elif d.status.value == "coordinated" and d.coordinator:
        relieved = "relieved-street-to-centre" in d.rules_fired
        key = "route.coordinated_relieved" if relieved else "route.coordinated"
        lines.append(t(key, unit=d.coordinator.name))
    elif d.status.value == "needs_info" and d.needs:
        label = d.needs.labels.get
        lines.append(
            t("route.needs_info", attributes=names(label(a, a) for a in d.needs.attributes))
        )
        for alternative in d.needs.alternatives:
            values = names(
                f"{label(k, k)}={label(f'{k}={v}', str(v))}" for k, v in alternative.values.items()
            )
            who = _who(alternative, names)
            status = t(f"route_status.{alternative.status.value}")
            lines.append(t("route.needs_info_value", values=values, status=status, who=who))
    elif d.status.value == "split":
        centre = d.coordinator.name if d.coordinator else "—"
        lines.append(t("route.split", unit=centre))
        for part in d.parts:
            who = _who(part, names)
            due = part.deadline.strftime("%Y-%m-%d %H:%M") if part.deadline else "—"
            status = t(f"route_status.{part.status.value}")
            lines.append(
                t("route.split_part", area=part.area_name, status=status, who=who, deadline=due)
            )
            if part.assists:
                lines.append(t("route.split_assists", units=names(u.name for u in part.assists)))
            if part.overloaded is not None:
                lines.append("    " + _overloaded(part.overloaded))
    elif d.status.value == "conflict":
        lines.append(t("route.contenders", units=names(u.name for u in d.contenders)))
    else:
        lines.append(t("route.unroutable"))
    if d.overloaded is not None:
        lines.append(_overloaded(d.overloaded))
    for key, task in (("route.provisional", d.provisional), ("route.arbitration", d.arbitration)):
        if task is not None:
            due = task.deadline.strftime("%Y-%m-%d %H:%M")
            lines.append(t(key, unit=task.unit.name, limit=task.time_limit, deadline=due))
    if d.assists:
        lines.append(t("route.assists", units=names(u.name for u in d.assists)))
    if d.supervisors:
        lines.append(t("route.supervisors", units=names(u.name for u in d.supervisors)))
    if d.dispatch:
        line = t(
            "route.dispatch", unit=d.dispatch.platform.name, level=t(f"level.{d.dispatch.level}")
        )
        lines.append(line + (t("route.escalated") if d.dispatch.escalated else ""))
    if d.commander:
        lines.append(t("route.commander", unit=d.commander.name))
    if d.deadline and d.time_limit:
        line = t(
            "route.deadline",
            deadline=d.deadline.strftime("%Y-%m-%d %H:%M"),
            limit=d.time_limit,
            reported=d.reported_at.strftime("%Y-%m-%d %H:%M"),
        )
        lines.append(line + (t("route.deadline_approx") if d.deadline_approximate else ""))
        if d.deadline_approximate:
            lines.append(t("route.deadline_unknown", years=unknown_years(d)))
        if d.shortened:
            lines.append(
                t(
                    "route.deadline_shortened",
                    percent=round(d.shortened.factor * 100),
                    limit=d.shortened.limit,
                    before=d.shortened.deadline.strftime("%Y-%m-%d %H:%M"),
                )
            )
    if d.assumed:
        assumed = names(f"{k}={v}" for k, v in d.assumed.items())
        lines.append(t("route.assumed", values=assumed))
    if d.standard:
        filing = f"（{d.standard.filing}）" if d.standard.filing else ""
        key = "route.standard" if d.standard.given else "route.standard_not_given"
        lines.append(t(key, code=d.standard.code, filing=filing))
        if d.standard.closing:
            lines.append(t("route.standard_closing", closing=d.standard.closing))
    for duty in d.duties:
        basis = f" {'；'.join(duty.legal_basis)}" if duty.legal_basis else ""
        lines.append(
            t(
                "route.basis",
                list=duty.list_id,
                version=duty.version,
                row=duty.row,
                role=t(f"role.{duty.role}"),
                basis=basis,
            )
        )
    for r in d.resolved:
        lines.append(
            t(
                "route.resolved",
                label=r.label,
                unit=r.unit.name,
                list=r.duty.list_id,
                version=r.duty.version,
                row=r.duty.row,
            )
        )
    for lost in d.lost:
        lines.append(t("route.lost", unit=lost.unit.name, reason=t(f"reason.{lost.reason}")))
    if d.rules_fired:
        lines.append(t("route.rules", rules=", ".join(dict.fromkeys(d.rules_fired))))
    lines.append(
        t(
            "route.stamp",
            hash=d.snapshot_hash[:12],
            date=d.snapshot_date.isoformat(),
            rules=d.rules_digest[:12],
        )
    )
    return lines
