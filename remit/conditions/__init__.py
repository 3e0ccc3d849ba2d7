"""The condition language of duties (typed constraints on an event's attributes), the regions of
a matter's attribute space, and matching an event against a condition."""

from remit.conditions.language import (
    AttributeDomain,
    BoolDomain,
    Condition,
    ConstraintError,
    EnumDomain,
    IntDomain,
    as_bool,
    as_int,
    bool_constraint,
    enum_value,
    normalize,
    parse_condition_text,
    render_condition,
    resolve_attribute,
)
from remit.conditions.matching import allowed, meets

__all__ = [
    "AttributeDomain",
    "BoolDomain",
    "Condition",
    "ConstraintError",
    "EnumDomain",
    "IntDomain",
    "allowed",
    "as_bool",
    "as_int",
    "bool_constraint",
    "enum_value",
    "meets",
    "normalize",
    "parse_condition_text",
    "render_condition",
    "resolve_attribute",
]
