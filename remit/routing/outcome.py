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


_BOOKKEEPING = ("id", "t", "sid")


def _by_rank(facts: Iterable[Fact]) -> tuple[Fact, ...]:
    """Candidates in rank order, without the engine's bookkeeping (ids differ by who made them)."""
    plain = ({k: v for k, v in f.items() if k not in _BOOKKEEPING} for f in facts)
    return tuple(sorted(plain, key=lambda f: (f["rank"], f["unit"])))


def read_memory(memory: Iterable[Fact], rules_fired: Iterable[str]) -> PolicyOutcome:
    """The outcome of the facts left in the working memory after the rules ran."""
    facts = list(memory)
    candidates = [f for f in facts if f["t"] == "candidate"]
    dispatch = [f for f in facts if f["t"] == "dispatch"]
    fallback = sorted(f["unit"] for f in facts if f["t"] == "fallback")
    referral = min(
        ((f["rank"], f["unit"], f["duty"]) for f in facts if f["t"] == "referral"), default=None
    )
    coordination = sorted((f["unit"], f["reason"]) for f in facts if f["t"] == "coordination")
    return PolicyOutcome(
        leads=_by_rank(c for c in candidates if c["role"] == "lead"),
        assists=_by_rank(c for c in candidates if c["role"] == "assist"),
        supervisors=_by_rank(c for c in candidates if c["role"] == "supervise"),
        refusals=_by_rank(c for c in candidates if c["role"] == "not_responsible"),
        lost=tuple(
            sorted({(f["unit"], f["duty"], f["reason"]) for f in facts if f["t"] == "lost"})
        ),
        conflict=any(f["t"] == "conflict" for f in facts),
        fallback=fallback[0] if fallback else None,
        referral=referral[1:] if referral else None,
        coordination=coordination[0] if coordination else None,
        unroutable=any(f["t"] == "unroutable" for f in facts),
        commanders=tuple(sorted({(f["unit"], f["reason"]) for f in facts if f["t"] == "command"})),
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
