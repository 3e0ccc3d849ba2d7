"""References to what a decision or a finding cites: a unit, and a duty row of a list version.

One model of each, shared by routing decisions, check findings and admission reports, so a
row is cited the same way everywhere: the list, the version and the row number, with what the
row says (unit, role, area, conditions, time limit, legal basis).
"""

from __future__ import annotations

from pydantic import Field

from remit.conditions import Condition
from remit.model import Value
from remit.registry.entities import Role
from remit.registry.snapshot import DutyInForce


class UnitRef(Value):
    """A unit by code, with its name."""

    code: str
    name: str


class DutyRef(Value):
    """A duty row: the list version it is in, its row number there (1-based), and what it says."""

    list_id: str
    version: int
    row: int
    unit: str
    role: Role
    area: str
    priority: int = 0
    when: Condition = Field(default_factory=dict)
    time_limit: str | None = None
    legal_basis: list[str] = Field(default_factory=list)

    @classmethod
    def of(cls, entry: DutyInForce) -> DutyRef:
        d = entry.duty
        return cls(
            list_id=entry.list_id,
            version=entry.version,
            row=entry.seq,
            unit=d.unit,
            role=d.role,
            area=d.area,
            priority=d.priority,
            when=d.conditions,
            time_limit=d.time_limit.text if d.time_limit else None,
            legal_basis=[b.text for b in d.legal_basis],
        )
