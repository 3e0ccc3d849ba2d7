"""Case records: every routed event as a case with its lifecycle, deadline and actors.

:class:`CaseBook` keeps them in the registry's database (:mod:`.store`); a case is a
:class:`CaseRecord` (:mod:`.records`). docs/cases.md describes the lifecycle.
"""

from remit.casework.book import CaseBook
from remit.casework.records import (
    CaseAction,
    CaseRecord,
    CaseStatus,
    CaseStep,
    Supervision,
    record_json,
    record_json_text,
)
from remit.casework.store import ensure_tables

__all__ = [
    "CaseAction",
    "CaseBook",
    "CaseRecord",
    "CaseStatus",
    "CaseStep",
    "Supervision",
    "ensure_tables",
    "record_json",
    "record_json_text",
]
