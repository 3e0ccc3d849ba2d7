"""A plain-Python reference of the default policies, with no rule engine inside.

It is the test oracle of the router: on the same facts it must reach the same outcome as the
default rules (remit/rules/default.yaml) running on durable_rules. It is written independently
of the rules, policy by policy, in the order the rules' priorities give.
"""

from __future__ import annotations

from typing import Any

from remit.routing.facts import PolicyInput
from remit.routing.outcome import PolicyOutcome, read_memory
from remit.routing.rules.model import RoutingConfig

Fact = dict[str, Any]


def resolve(facts: PolicyInput, config: RoutingConfig) -> PolicyOutcome:
    event, context = facts.event, facts.context
    memory: list[Fact] = [{"t": "candidate", **c} for c in facts.candidates]
    fired: list[str] = []
    lost: list[Fact] = []

    def lose(candidate: Fact, reason: str, rule: str) -> None:
        memory.remove(candidate)
        lost.append(
            {"t": "lost", "unit": candidate["unit"], "duty": candidate["duty"], "reason": reason}
        )
        fired.append(rule)

    # 权属单位: the owner named on the event takes an owner row
    for candidate in [c for c in memory if c["owner_row"]]:
        if event["owner"]:
            memory.remove(candidate)
            memory.append({**candidate, "unit": event["owner"], "owner_row": False})
            fired.append("owner-repairs")
        else:
            lose(candidate, "no_owner", "owner-unknown")

    # 属地: a territorial row whose street has no such unit does not apply
    for candidate in [c for c in memory if c["unit"] == ""]:
        lose(candidate, "no_territorial_unit", "territorial-unresolved")
        lost[-1]["unit"] = candidate["reference"]

    # 不负责: a not-responsible row removes the unit's other rows
    refused = {c["unit"] for c in memory if c["role"] == "not_responsible"}
    for candidate in [c for c in memory if c["role"] != "not_responsible" and c["unit"] in refused]:
        lose(candidate, "not_responsible", "refusal-removes-candidate")

    def leads() -> list[Fact]:
        return sorted((c for c in memory if c.get("role") == "lead"), key=lambda c: c["rank"])

    policy = facts.candidates[0]["policy"] if facts.candidates else "unique"
    if policy == "priority" and leads():
        top = max(c["priority"] for c in leads())
        for candidate in [c for c in leads() if c["priority"] < top]:
            lose(candidate, "masked", "priority-masks-lower")
    seen: set[str] = set()
    for candidate in leads():
        if candidate["unit"] in seen:
            lose(candidate, "duplicate", "same-unit-once")
        seen.add(candidate["unit"])
    if policy in {"collect", "joint"}:
        for candidate in leads()[1:]:
            memory.remove(candidate)
            memory.append({**candidate, "role": "assist"})
            fired.append("collect-first-leads" if policy == "collect" else "joint-lead-and-assist")
    if policy in {"unique", "priority"} and len(leads()) > 1:
        memory.append({"t": "conflict"})
        fired.append("two-leads-conflict")
    if not leads():
        # 转交: the first not-responsible row (in rank order) that names where the matter goes
        referring = sorted(
            (c for c in memory if c["role"] == "not_responsible" and c.get("refer_to")),
            key=lambda c: c["rank"],
        )
        territorial = context["territorial"]
        # a street whose own list says it is not responsible is never the fallback (no 兜底)
        relieved = bool(territorial) and any(
            c["role"] == "not_responsible" and c["unit"] == territorial for c in memory
        )
        centre = context["district_platform"]
        if referring:
            for candidate in referring:
                memory.append(
                    {
                        "t": "referral",
                        "unit": candidate["refer_to"],
                        "duty": candidate["duty"],
                        "rank": candidate["rank"],
                    }
                )
            fired.append("refusal-refers")
        elif territorial and not relieved:
            memory.append({"t": "fallback", "unit": territorial})
            fired.append("territorial-fallback")
        elif centre:
            reason = "territorial_relieved" if territorial else "no_territorial_unit"
            memory.append({"t": "coordination", "unit": centre, "reason": reason})
            fired.append("relieved-street-to-centre" if territorial else "centre-coordinates")
        else:
            memory.append({"t": "unroutable"})
            fired.append("unroutable-relieved" if territorial else "unroutable")

    # emergencies: the district centre commands
    if context["district_platform"]:
        if event["severity"] >= config.emergency_severity:
            memory.append(
                {"t": "command", "unit": context["district_platform"], "reason": "severity"}
            )
            fired.append("emergency-by-severity")
        if event["emergency_matter"]:
            memory.append(
                {"t": "command", "unit": context["district_platform"], "reason": "emergency_matter"}
            )
            fired.append("emergency-by-matter")
        if event["flagged"]:
            memory.append(
                {"t": "command", "unit": context["district_platform"], "reason": "flagged"}
            )
            fired.append("emergency-by-flag")
    elif event["emergency"] and context["city_platform"]:  # every emergency has a commander
        memory.append(
            {"t": "command", "unit": context["city_platform"], "reason": "no_district_centre"}
        )
        fired.append("emergency-city-commands")

    # the dispatching platform, escalated one level for a repeat complaint
    dispatch: tuple[str, str] | None = None
    inside_one_street = event["level_rank"] >= 2 and event["spans"] <= 1
    if inside_one_street and context["street_platform"]:
        dispatch = (context["street_platform"], "street")
        fired.append("dispatch-street")
    elif event["level_rank"] == 0:
        if context["city_platform"]:
            dispatch = (context["city_platform"], "city")
            fired.append("dispatch-city-level")
    elif context["district_platform"]:
        dispatch = (context["district_platform"], "district")
        if inside_one_street:
            fired.append("dispatch-district-no-street-centre")
        elif event["level_rank"] == 1:
            fired.append("dispatch-district-above-street")
        else:
            fired.append("dispatch-district-across-streets")
    # one level up from the level the event belongs to (not from whoever dispatches it): an
    # event of a street without its own centre goes to the district, never straight to the city
    escalated = False
    if dispatch is not None and event["repeat"] >= config.repeat_threshold:
        home = "street" if inside_one_street else dispatch[1]
        if home == "street" and context["district_platform"]:
            dispatch, escalated = (context["district_platform"], "district"), True
            fired.append("repeat-escalates-to-district")
        elif home == "district" and context["city_platform"]:
            dispatch, escalated = (context["city_platform"], "city"), True
            fired.append("repeat-escalates-to-city")
    if dispatch is not None:
        memory.append(
            {"t": "dispatch", "unit": dispatch[0], "level": dispatch[1], "escalated": escalated}
        )
    return read_memory([*memory, *lost], fired)
