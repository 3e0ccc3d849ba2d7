"""The graph check (``remit check``): overlaps, gaps and the other faults of the lists."""

from remit.checks.report import CheckReport
from remit.checks.run import (
    GraphCheck,
    check_registry,
    compare,
    conflict_clusters,
    matter_key,
    run_check,
)
from remit.findings import CheckConfig, Finding, FindingKind, LoadIndex, Severity

__all__ = [
    "CheckConfig",
    "CheckReport",
    "Finding",
    "FindingKind",
    "GraphCheck",
    "LoadIndex",
    "Severity",
    "check_registry",
    "compare",
    "conflict_clusters",
    "matter_key",
    "run_check",
]
