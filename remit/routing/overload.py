"""Overload: a fallback or a referral onto a unit over its load index, flagged in the decision.

The load index is the graph check's (``remit check``, docs/check.md "Workload and the load
index"): the unit's projected yearly workload on the lists in force ÷ its capacity. Routing and
checks are peers, so the router does not compute it: whoever builds a router hands in a
:class:`remit.findings.LoadSource` (the CLI hands ``remit.checks.GraphCheck()``), as the
admission gate is handed its :class:`remit.findings.ListCheck`.

The loads of a snapshot are asked for once (by its hash), and only when a decision is a
fallback or a referral: routed events never pay for them.
"""

from __future__ import annotations

from remit.findings import CheckConfig, LoadIndex, LoadSource
from remit.registry.refs import UnitRef
from remit.registry.snapshot import Snapshot
from remit.routing.decision import Overloaded


class KeptLoads:
    """``source``'s loads kept per snapshot (by hash) and settings: what the routers of one
    process share — replay keeps a router per registry revision, and revisions that change
    nothing in force on a date share its snapshot."""

    def __init__(self, source: LoadSource):
        self.source = source
        self._kept: dict[tuple[str, str], list[LoadIndex]] = {}

    def load(self, snapshot: Snapshot, config: CheckConfig) -> list[LoadIndex]:
        key = (snapshot.hash, config.model_dump_json())
        found = self._kept.get(key)
        if found is None:
            found = self._kept[key] = self.source.load(snapshot, config)
        return found


class LoadFlags:
    """The load indexes of ``source`` under ``config`` (default: the check's defaults), per
    snapshot, asked for when first needed and kept: a snapshot is immutable, and a batch
    routes a year of events on a few snapshots."""

    def __init__(self, source: LoadSource, config: CheckConfig | None = None):
        self.source = source
        self.config = config or CheckConfig()
        self._by_hash: dict[str, dict[str, LoadIndex]] = {}

    def loads(self, snapshot: Snapshot) -> dict[str, LoadIndex]:
        """Unit code → its load index on ``snapshot`` (units with a capacity only)."""
        found = self._by_hash.get(snapshot.hash)
        if found is None:
            rows = self.source.load(snapshot, self.config)
            found = self._by_hash[snapshot.hash] = {row.unit: row for row in rows}
        return found

    def flag(self, snapshot: Snapshot, unit: UnitRef) -> Overloaded | None:
        """``unit`` with its load index when the check finds it overloaded on ``snapshot``,
        else None (a unit without a capacity has no index: never flagged)."""
        row = self.loads(snapshot).get(unit.code)
        if row is None or not row.overloaded:
            return None
        return Overloaded(
            unit=unit, load_index=row.load_index, threshold=self.config.overload_threshold
        )
