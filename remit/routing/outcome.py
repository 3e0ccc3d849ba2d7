"""What the policies concluded for one event, read off the final facts (the working memory)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

Fact = dict[str, Any]


@dataclass(frozen=True)
class PolicyOutcome:
    leads: tuple[Fact, ...]
    assists: tuple[Fact, ...]
    supervisors: tuple[Fact, ...]
    refusals: tuple[Fact, ...]
    lost: tuple[tuple[str, str, str], ...]
    """(unit, duty, reason) of each candidate that lost, sorted."""
    conflict: bool
    fallback: str | None
    referral: tuple[str, str] | None
    """(unit, duty): where the first not-responsible row naming one refers the event."""
    coordination: tuple[str, str] | None
    """(unit, reason): the centre that coordinates an event nobody leads and no street takes."""
    unroutable: bool
    commanders: tuple[tuple[str, str], ...]
    """(unit, reason), sorted."""
    dispatch: tuple[str, str, bool] | None
    """(unit, level, escalated)."""
    rules_fired: tuple[str, ...]


_BOOKKEEPING = ("id", "t", "sid", "ev")

_ROLES = ("lead", "assist", "supervise", "not_responsible")


def _plain(fact: Fact) -> Fact:
    """``fact`` without the engine's bookkeeping (its fields otherwise in their order)."""
    plain = fact.copy()
    for key in _BOOKKEEPING:
        plain.pop(key, None)
    return plain


def _by_rank(facts: list[Fact]) -> tuple[Fact, ...]:
    """Candidates in rank order, without the engine's bookkeeping (ids differ by who made them)."""
    if not facts:
        return ()
    plain = [_plain(f) for f in facts]
    if len(plain) > 1:
        plain.sort(key=lambda f: (f["rank"], f["unit"]))
    return tuple(plain)


def read_memory(memory: Iterable[Fact], rules_fired: Iterable[str]) -> PolicyOutcome:
    """The outcome of the facts left in the working memory after the rules ran."""
    by_kind: dict[str, list[Fact]] = {}
    for fact in memory:  # one pass: the kinds, then each kind's facts in memory order
        found = by_kind.get(fact["t"])
        if found is None:
            by_kind[fact["t"]] = [fact]
        else:
            found.append(fact)
    by_role: dict[str, list[Fact]] = {role: [] for role in _ROLES}
    for candidate in by_kind.get("candidate", ()):
        role = by_role.get(candidate["role"])
        if role is not None:
            role.append(candidate)
    dispatch = by_kind.get("dispatch", ())
    fallback = sorted(f["unit"] for f in by_kind.get("fallback", ()))
    referral = min(
        ((f["rank"], f["unit"], f["duty"]) for f in by_kind.get("referral", ())), default=None
    )
    coordination = sorted((f["unit"], f["reason"]) for f in by_kind.get("coordination", ()))
    lost = by_kind.get("lost", ())
    command = by_kind.get("command", ())
    return PolicyOutcome(
        leads=_by_rank(by_role["lead"]),
        assists=_by_rank(by_role["assist"]),
        supervisors=_by_rank(by_role["supervise"]),
        refusals=_by_rank(by_role["not_responsible"]),
        lost=tuple(sorted({(f["unit"], f["duty"], f["reason"]) for f in lost})) if lost else (),
        conflict="conflict" in by_kind,
        fallback=fallback[0] if fallback else None,
        referral=referral[1:] if referral else None,
        coordination=coordination[0] if coordination else None,
        unroutable="unroutable" in by_kind,
        commanders=tuple(sorted({(f["unit"], f["reason"]) for f in command})) if command else (),
        dispatch=(
            max(
                ((d["unit"], d["level"], bool(d["escalated"])) for d in dispatch),
                key=lambda d: (d[2], d[1] != "street", d[0]),
            )
            if dispatch
            else None
        ),
        rules_fired=tuple(rules_fired),
    )
