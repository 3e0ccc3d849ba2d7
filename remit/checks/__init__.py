"""The graph check (``remit check``): overlaps, gaps and the other faults of the lists."""

from remit.checks.check import check_registry, compare, conflict_clusters, run_check
from remit.checks.findings import (
    CheckConfig,
    CheckReport,
    Finding,
    FindingKind,
    LoadIndex,
    Severity,
)

__all__ = [
    "CheckConfig",
    "CheckReport",
    "Finding",
    "FindingKind",
    "LoadIndex",
    "Severity",
    "check_registry",
    "compare",
    "conflict_clusters",
    "run_check",
]
