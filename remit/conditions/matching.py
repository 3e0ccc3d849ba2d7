"""Does an event's attribute values meet a condition? The one place conditions are evaluated."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from remit.conditions.language import Condition


def meets(conditions: Condition, attributes: Mapping[str, Any]) -> bool:
    """Do the event's attributes meet a duty's conditions? A missing attribute does not."""
    for name, constraint in conditions.items():
        if name not in attributes:
            return False
        value = attributes[name]
        if "in" in constraint:
            if value not in constraint["in"]:
                return False
        elif "range" in constraint:
            lo, hi = constraint["range"]
            if not lo <= value <= hi:
                return False
        elif value != constraint["eq"]:
            return False
    return True


def allowed(constraint: dict[str, Any], value: Any) -> bool:
    """Does the canonical ``constraint`` (``in`` / ``range`` / ``eq``) allow ``value``?"""
    if "in" in constraint:
        return value in constraint["in"]
    if "range" in constraint:
        lo, hi = constraint["range"]
        return bool(lo <= value <= hi)
    return bool(value == constraint["eq"])
