"""Policy rules as data: the rules file format (``file: rules``), validated with pydantic.

A rule matches facts and acts on them::

    - id: refusal-removes-candidate
      title: {en: A not-responsible row removes that unit's candidacy, zh: 不负责条目排除该单位}
      pri: 20                      # lower fires first
      when:
        - {as: r, fact: candidate, where: {role: not_responsible}}
        - {as: c, fact: candidate, where: {role: {in: [lead, assist]}, unit: $r.unit}}
      then:
        - assert: {fact: lost, unit: $c.unit, duty: $c.duty, reason: not_responsible, by: $r.duty}
        - retract: c

``where`` tests a field against a value, with ``eq`` (the default), ``ne``, ``lt``, ``lte``,
``gt``, ``gte`` or ``in``; a value may be a constant, ``$alias.field`` (a field of a fact matched
earlier in the same rule) or ``$config.key`` (a threshold from the rules' ``config``). A ``none``
pattern holds when no fact matches it. ``assert`` adds a fact (its id is made for it), ``retract``
removes a matched one.
"""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

from pydantic import Discriminator, Field, Tag, field_validator, model_validator

from remit.errors import MessageError
from remit.i18n import Lang, has, t
from remit.model import Value
from remit.timelimit import TimeLimit, parse_time_limit

FACT_NAME = r"^[a-z][a-z0-9_]*$"
REF = re.compile(r"^\$([a-z][a-z0-9_]*)\.([A-Za-z_][A-Za-z0-9_]*)$")
OPS = ("eq", "ne", "lt", "lte", "gt", "gte", "in")
Scalar = str | int | float | bool


class Test(Value):
    """One test of a field: ``op`` against ``value`` (a constant or a ``$`` reference)."""

    op: Literal["eq", "ne", "lt", "lte", "gt", "gte", "in"] = "eq"
    value: Scalar | list[Scalar]


MAX_NESTING = 32
"""How deep a rule's condition (``where``) or assertion may nest mappings and lists. A right
one nests 3 deep at most (``where: {role: {in: [lead]}}``); the bound stops a deeply nested
file before anything walks it, with a plain message."""


def nesting(value: Any) -> int:
    """How many mappings and lists ``value`` nests (a scalar: 0), without recursion."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict | list):
            deepest = max(deepest, depth)
            children = item.values() if isinstance(item, dict) else item
            stack.extend((child, depth + 1) for child in children)
    return deepest


def _check_nesting(value: Any) -> None:
    depth = nesting(value)
    if depth > MAX_NESTING:
        raise MessageError("rules.too_deep", depth=depth, limit=MAX_NESTING)


def _is_scalar(value: Any) -> bool:
    return isinstance(value, str | int | float | bool)


def _tests(where: dict[str, Any]) -> dict[str, list[Test]]:
    """``{role: lead, priority: {gt: 3, lte: 9}}`` → field → tests."""
    out: dict[str, list[Test]] = {}
    for name, spec in where.items():
        if isinstance(spec, dict):
            unknown = set(spec) - set(OPS)
            if unknown:
                raise MessageError(
                    "rules.unknown_op",
                    field=name,
                    unknown=", ".join(map(str, sorted(unknown, key=str))),
                    known=", ".join(OPS),
                )
            specs = list(spec.items())
        else:
            specs = [("eq", spec)]
        for op, value in specs:
            if not (_is_scalar(value) or (isinstance(value, list) and all(map(_is_scalar, value)))):
                got = (
                    _kind(value)
                    if not isinstance(value, list)
                    else next(_kind(v) for v in value if not _is_scalar(v))
                )
                raise MessageError("rules.test_value", field=name, op=op, got=got)
        out[name] = [Test(op=op, value=value) for op, value in specs]
    return out


class _Kind(str):
    """What a value is, in a word of the file format, in the reader's language."""

    def in_lang(self, lang: Lang) -> str:
        key = f"rules.kind.{self}"
        return t(key, lang) if has(key) else str(self)


def _kind(value: Any) -> _Kind:
    if isinstance(value, dict):
        return _Kind("mapping")
    if isinstance(value, list):
        return _Kind("list")
    return _Kind("null" if value is None else type(value).__name__)


class Pattern(Value):
    """Facts of kind ``fact`` whose fields pass ``where``; ``as`` names the match."""

    alias: str | None = Field(None, alias="as", pattern=FACT_NAME)
    fact: str = Field(pattern=FACT_NAME)
    where: dict[str, Any] = Field(default_factory=dict)

    @model_validator(mode="before")
    @classmethod
    def _a_mapping(cls, value: Any) -> Any:
        if not isinstance(value, dict | Pattern):
            raise MessageError("rules.when_item", got=_kind(value))
        return value

    @field_validator("where", mode="before")
    @classmethod
    def _not_too_deep(cls, value: Any) -> Any:
        _check_nesting(value)
        return value

    @field_validator("where")
    @classmethod
    def _check_where(cls, value: dict[str, Any]) -> dict[str, Any]:
        _tests(value)
        return value

    def tests(self) -> dict[str, list[Test]]:
        return _tests(self.where)

    @property
    def name(self) -> str:
        """The match's name (``as``): a pattern of a rule always has one (checked on load)."""
        assert self.alias is not None
        return self.alias


class Negation(Value):
    """Holds when no fact matches ``none``."""

    none: Pattern


class Assert(Value):
    assert_: dict[str, Any] = Field(alias="assert")

    @field_validator("assert_", mode="before")
    @classmethod
    def _not_too_deep(cls, value: Any) -> Any:
        _check_nesting(value)
        return value

    @field_validator("assert_")
    @classmethod
    def _needs_fact(cls, value: dict[str, Any]) -> dict[str, Any]:
        if not isinstance(value.get("fact"), str) or not re.match(FACT_NAME, value["fact"]):
            raise ValueError("assert needs 'fact: <kind>' (lower-case letters, digits, _)")
        if "id" in value or "sid" in value or "t" in value:
            raise ValueError("'id', 'sid' and 't' are set by the engine")
        return value


def _pattern_or_negation(value: Any) -> str:
    return (
        "function-negation"
        if isinstance(value, Negation) or (isinstance(value, dict) and "none" in value)
        else "function-pattern"
    )


# One item of ``when``: a mapping with ``none`` is a negation, any other item a pattern, so a
# mistake is reported once, against what the item was meant to be, and not once per kind. The
# tags start with "function-" so that the field named in a problem leaves them out, as it leaves
# out pydantic's names for validators (remit.files.typed.schema_problems).
WhenItem = Annotated[
    Annotated[Pattern, Tag("function-pattern")] | Annotated[Negation, Tag("function-negation")],
    Discriminator(_pattern_or_negation),
]


class Retract(Value):
    retract: str = Field(pattern=FACT_NAME)


class Rule(Value):
    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$")
    title: dict[Literal["en", "zh"], str] = Field(default_factory=dict)
    pri: int = Field(50, ge=0, le=1000, description="lower fires first")
    when: list[WhenItem] = Field(min_length=1)
    then: list[Assert | Retract] = Field(min_length=1)

    @model_validator(mode="after")
    def _check_references(self) -> Rule:
        bound: set[str] = set()
        for item in self.when:
            pattern = item.none if isinstance(item, Negation) else item
            for tests in pattern.tests().values():
                for test in tests:
                    for value in test.value if isinstance(test.value, list) else [test.value]:
                        ref = REF.match(value) if isinstance(value, str) else None
                        if ref and ref.group(1) != "config" and ref.group(1) not in bound:
                            raise ValueError(
                                f"${ref.group(1)}.{ref.group(2)} refers to a fact not matched "
                                f"before it in this rule (matched so far: {sorted(bound) or 'none'})"
                            )
            if isinstance(item, Pattern):
                if item.alias is None:
                    raise ValueError(f"pattern on {item.fact!r} needs 'as: <name>'")
                if item.alias in bound or item.alias == "config":
                    raise ValueError(f"name {item.alias!r} is used twice")
                bound.add(item.alias)
        for action in self.then:
            if isinstance(action, Retract) and action.retract not in bound:
                raise ValueError(f"retract {action.retract!r}: no fact of that name is matched")
            if isinstance(action, Assert):
                for value in action.assert_.values():
                    ref = REF.match(value) if isinstance(value, str) else None
                    if ref and ref.group(1) != "config" and ref.group(1) not in bound:
                        raise ValueError(f"assert uses ${ref.group(1)}, which is not matched")
        return self


EMERGENCY_MATTERS = (
    "燃气泄漏",
    "燃气管道破裂",
    "路面塌陷",
    "房屋倒塌",
    "火灾",
    "群发性事件",
)
"""The matters the default policies treat as emergencies whatever their severity: gas leaks and
burst gas mains, collapses, fires and mass incidents (the 突发事件 of the 数字城管 standards and
12345's 燃气 category). Flooding (道路积水) is an emergency from its severity."""


class RoutingConfig(Value):
    """Thresholds of the default policies; ``$config.<key>`` in rules reads them."""

    emergency_severity: int = Field(
        4, ge=1, description="severity at or above which the district centre commands"
    )
    emergency_matters: list[str] = Field(
        default_factory=lambda: list(EMERGENCY_MATTERS),
        description="matters that are always emergencies, by code, name or alias (a name "
        "matches whatever code the city's catalogue gives the matter)",
    )
    repeat_threshold: int = Field(
        3, ge=1, description="repeat complaints at or above this escalate one level"
    )
    escalation_deadline_factor: float = Field(
        0.5,
        gt=0,
        le=1,
        description="an escalated event's time to its deadline is this share of the time "
        "limit's (1: escalation leaves the deadline as it is)",
    )
    provisional_handler: Literal["territorial", "centre"] = Field(
        "territorial",
        description="who handles a conflict (two leads) provisionally (先行处置) while the centre "
        "rules: the event's street unit (unless its own list says it is not responsible), or "
        "the district centre",
    )
    provisional_time_limit: str = Field(
        "2小时", description="the provisional handler's time limit, as tables write one"
    )
    arbitration_time_limit: str = Field(
        "1工作日",
        description="the time the arbitrating centre has to name the lead of a conflict",
    )

    @field_validator("provisional_time_limit", "arbitration_time_limit")
    @classmethod
    def _a_time_limit(cls, value: str) -> str:
        return parse_time_limit(value).text  # a limit that cannot be read is refused here

    def time_limit(self, key: str) -> TimeLimit:
        """One of the time limits of the configuration, read."""
        return parse_time_limit(getattr(self, key))

    attribute_defaults: dict[str, Scalar] = Field(
        default_factory=dict,
        description="attribute → the value an event that does not carry it is decided on "
        "(recorded as assumed); without one, an event whose accountable unit hinges on the "
        "attribute is needs_info",
    )
    extra: dict[str, Scalar] = Field(
        default_factory=dict, description="further values for $config in rules"
    )

    def value(self, key: str) -> Any:
        if key in self.extra:
            return self.extra[key]
        if key in type(self).model_fields and key != "extra":
            return getattr(self, key)
        raise KeyError(key)


class RulesFile(Value):
    """A rules file. Files in a --rules directory add rules, or replace rules with the same id."""

    file: Literal["rules"]
    id: str = Field(min_length=1)
    config: RoutingConfig | None = None
    rules: list[Rule] = Field(default_factory=list)
    remove: list[str] = Field(default_factory=list, description="ids of rules to drop")
