"""Facts nobody gave: the attributes a matter's rows decide on that an event does not carry.

A row whose condition names an attribute the event lacks does not match it (docs/routing.md,
"The facts"), so without care an event that leaves out 地点类型 is routed as if it were known to
be none of the places the rows name — a confident answer resting on a fact nobody gave. The
router asks instead: the attributes named by the conditions of the matter's rows in force for the
event's area that the event lacks are its *missing* attributes; for each combination of their
values (the values that can change which rows match: an enum's or a yes/no's values, and for a
whole number the bounds the conditions draw) the event is decided as if it carried them. When
the outcomes differ in who is accountable, the decision is ``needs_info``, naming the attributes
and the outcome for each combination; when they all agree, the attributes did not matter and the
event is decided as it is. A district may give a default per attribute instead
(``attribute_defaults`` in the rules' config), which the decision then records as assumed.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable
from typing import Any

from remit.conditions import BoolDomain, EnumDomain, IntDomain
from remit.registry.snapshot import DutyInForce, Snapshot

MAX_COMBINATIONS = 64
"""The most combinations of missing values decided one by one; past it the decision names the
attributes and lists no outcomes (a matter with that many deciding attributes is rare)."""


def rows_for(event: Any, snapshot: Snapshot) -> list[DutyInForce]:
    """The matter's rows in force whose scope covers the event's area (those its candidates
    come from)."""
    return snapshot.duties_for(event.matter, event.area)


def named_attributes(rows: Iterable[DutyInForce]) -> frozenset[str]:
    """The attributes the rows' conditions name (an event lacking one of them is missing it)."""
    return frozenset(name for entry in rows for name in entry.duty.conditions)


def _int_values(name: str, domain: IntDomain, rows: Iterable[DutyInForce]) -> list[int]:
    """One value of each stretch of ``domain`` the rows' conditions on ``name`` cut it into."""
    cuts = {domain.min}
    for entry in rows:
        test = entry.duty.conditions.get(name)
        if not test:
            continue
        if "range" in test:
            low, high = test["range"]
            cuts |= {low, high + 1}
        for value in [test["eq"]] if "eq" in test else test.get("in", []):
            if isinstance(value, int) and not isinstance(value, bool):
                cuts |= {value, value + 1}
    return sorted(v for v in cuts if domain.min <= v <= domain.max)


def combinations(
    names: list[str], domains: dict[str, Any], rows: list[DutyInForce]
) -> list[dict[str, Any]] | None:
    """Every combination of the values of ``names`` that can change which rows match; None
    when there are more than :data:`MAX_COMBINATIONS`."""
    choices: list[list[Any]] = []
    for name in names:
        domain = domains.get(name)
        if isinstance(domain, EnumDomain):
            choices.append(list(domain.values))
        elif isinstance(domain, BoolDomain):
            choices.append([True, False])
        elif isinstance(domain, IntDomain):
            choices.append(_int_values(name, domain, rows))
        else:  # a condition on an attribute the matter no longer declares: it never matches
            choices.append([])
    deciding = [(name, values) for name, values in zip(names, choices, strict=True) if values]
    count = 1
    for _, values in deciding:
        count *= len(values)
    if count > MAX_COMBINATIONS:
        return None
    keys = [name for name, _ in deciding]
    return [
        dict(zip(keys, values, strict=True))
        for values in itertools.product(*(values for _, values in deciding))
    ]
