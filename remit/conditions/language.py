"""The condition language of duties: typed constraints on an event's attributes.

A matter declares its attributes and their finite domains (:class:`EnumDomain`,
:class:`IntDomain`, :class:`BoolDomain`). A duty's condition is a conjunction of one constraint
per attribute. In files it is written as a mapping::

    when:
      location_type: road            # equals
      surface: {in: [pavement, road]}
      severity: {gte: 3}             # also lte, gt, lt, between: [a, b] (alias range)
      is_night: true

and in tables as text: ``location_type = road; severity >= 3`` (``地点类型=道路 且 严重程度≥3``).

Both normalise to a :data:`Condition`: ``{attr: {"in": [...]}}``, ``{attr: {"range": [lo, hi]}}``
or ``{attr: {"eq": bool}}``, sorted, with constraints that allow the whole domain dropped, so
that equal meanings have equal forms (and equal content hashes), and overlap and gap between
conditions are decidable.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any, Literal

from pydantic import Field, model_validator

from remit.errors import MessageError, Problem
from remit.i18n import Lang, t
from remit.model import Int, Value

Condition = dict[str, dict[str, Any]]
"""Canonical condition: attribute → ``{"in": [...]}`` | ``{"range": [lo, hi]}`` | ``{"eq": b}``."""


# ---------------------------------------------------------------------------------------------
# text that is made before the language is known (the parameters of a problem), shown in the
# language asked for when the problem is rendered (see "in_lang" in remit.i18n)


class Phrase(str):
    """A message: its English text as a ``str`` (and in ``==``), either language by
    :meth:`in_lang`. ``Phrase("cond.expected.int", min=1, max=4)`` is "a whole number from 1
    to 4", and "1 至 4 的整数" in Chinese."""

    key: str
    params: dict[str, object]

    def __new__(cls, key: str, /, **params: object) -> Phrase:
        self = super().__new__(cls, t(key, "en", **params))
        self.key, self.params = key, params
        return self

    def in_lang(self, lang: Lang) -> str:
        return t(self.key, lang, **self.params)

    def __reduce__(self) -> tuple[Any, ...]:
        return (_phrase, (self.key, self.params))


def _phrase(key: str, params: dict[str, object]) -> Phrase:
    return Phrase(key, **params)


class Named(str):
    """A code with a display name (an attribute, an enum value): the code as a ``str`` and in
    English, the label in Chinese when it has one."""

    label: str | None

    def __new__(cls, code: str, label: str | None = None) -> Named:
        self = super().__new__(cls, code)
        self.label = label
        return self

    def in_lang(self, lang: Lang) -> str:
        return self.label if lang == "zh" and self.label else str(self)

    def __reduce__(self) -> tuple[Any, ...]:
        return (Named, (str(self), self.label))


class Listing(str):
    """Items joined as a list: with ", " as a ``str`` and in English, with "、" in Chinese, each
    item (a :class:`Named` or a :class:`Phrase`, or any value) in the language asked for."""

    items: tuple[object, ...]

    def __new__(cls, items: Iterable[object]) -> Listing:
        items = tuple(items)
        self = super().__new__(cls, ", ".join(map(str, items)))
        self.items = items
        return self

    def in_lang(self, lang: Lang) -> str:
        return t("list.separator", lang).join(
            item.in_lang(lang) if isinstance(item, Phrase | Named | Listing) else str(item)
            for item in self.items
        )

    def __reduce__(self) -> tuple[Any, ...]:
        return (Listing, (self.items,))


class _Domain(Value):
    label: str | None = Field(None, description="display name, e.g. 地点类型")


class EnumDomain(_Domain):
    """A finite set of named values, e.g. ``location_type ∈ {road, park}``."""

    type: Literal["enum"] = "enum"
    values: list[str] = Field(min_length=1, description="the allowed values")
    labels: dict[str, str] = Field(default_factory=dict, description="value → display name")

    @model_validator(mode="after")
    def _check(self) -> EnumDomain:
        if len(set(self.values)) != len(self.values):
            raise MessageError("cond.enum_unique")
        unknown = set(self.labels) - set(self.values)
        if unknown:
            raise MessageError("cond.labels_undeclared", values=sorted(unknown))
        return self

    def describe(self) -> Phrase:
        values = Listing(Named(v, self.labels.get(v)) for v in self.values)
        return Phrase("cond.expected.enum", values=values)


class IntDomain(_Domain):
    """Whole numbers from ``min`` to ``max`` inclusive, e.g. severity 1..4."""

    type: Literal["int"] = "int"
    min: Int
    max: Int

    @model_validator(mode="after")
    def _check(self) -> IntDomain:
        if self.min > self.max:
            raise MessageError("cond.min_max", min=self.min, max=self.max)
        return self

    def describe(self) -> Phrase:
        return Phrase("cond.expected.int", min=self.min, max=self.max)


class BoolDomain(_Domain):
    """Yes or no."""

    type: Literal["bool"] = "bool"

    def describe(self) -> Phrase:
        return Phrase("cond.expected.bool")


AttributeDomain = Annotated[EnumDomain | IntDomain | BoolDomain, Field(discriminator="type")]

_TRUE = {"true", "yes", "y", "1", "是", "真"}
_FALSE = {"false", "no", "n", "0", "否", "假"}
_RANGE_KEYS = {"gte", "lte", "gt", "lt", "between", "range"}


def _problem(field: str, key: str, **params: object) -> Problem:
    return Problem(key, params, field=field)


def normalize(
    raw: Mapping[str, Any] | None,
    attributes: Mapping[str, AttributeDomain],
    matter: str,
    field: str = "when",
) -> tuple[Condition, list[Problem]]:
    """Validate ``raw`` against the matter's ``attributes`` and return its canonical form.

    Attributes and enum values may be given by name or by label. Problems name the field
    (``when.severity``) and what was expected.
    """
    problems: list[Problem] = []
    result: Condition = {}
    for given_name, spec in (raw or {}).items():
        name = resolve_attribute(str(given_name), attributes)
        where = f"{field}.{given_name}"
        if name is None:
            problems.append(
                _problem(
                    where,
                    "cond.unknown_attribute",
                    attr=given_name,
                    matter=matter,
                    declared=declared_attributes(attributes),
                )
            )
            continue
        domain = attributes[name]
        try:
            constraint = _constraint(name, spec, domain)
        except ConstraintError as exc:
            problems.append(_problem(where, exc.key, **exc.labelled(name, domain).params))
            continue
        if constraint is not None:
            result[name] = constraint
    return dict(sorted(result.items())), problems


class ConstraintError(Exception):
    def __init__(self, key: str, **params: object):
        self.key, self.params = key, params

    def labelled(self, name: str, domain: AttributeDomain) -> ConstraintError:
        """The error with its attribute shown by the domain's label (in Chinese)."""
        if "attr" in self.params:
            self.params["attr"] = attribute_name(name, domain)
        return self


def attribute_name(name: str, domain: AttributeDomain | None) -> Named:
    """An attribute as messages show it: its name, or in Chinese its label."""
    return Named(name, domain.label if domain is not None else None)


def declared_attributes(attributes: Mapping[str, AttributeDomain]) -> str:
    """The attributes a matter declares, for a problem: by name, or in Chinese by label."""
    if not attributes:
        return Phrase("cond.no_attributes")
    return Listing(attribute_name(name, domain) for name, domain in attributes.items())


def resolve_attribute(name: str, attributes: Mapping[str, AttributeDomain]) -> str | None:
    if name in attributes:
        return name
    for attr, domain in attributes.items():
        if domain.label == name:
            return attr
    return None


def _constraint(attr: str, spec: Any, domain: AttributeDomain) -> dict[str, Any] | None:
    if isinstance(domain, EnumDomain):
        return _enum_constraint(attr, spec, domain)
    if isinstance(domain, IntDomain):
        return _int_constraint(attr, spec, domain)
    return bool_constraint(attr, spec)


def enum_value(attr: str, value: Any, domain: EnumDomain) -> str:
    text = str(value)
    if text in domain.values:
        return text
    for key, label in domain.labels.items():
        if label == text:
            return key
    raise ConstraintError("cond.out_of_domain", attr=attr, value=value, expected=domain.describe())


def _chosen(
    attr: str,
    spec: Any,
    universe: list[Any],
    value_of: Callable[[Any], Any],
    usage: tuple[str, str],
) -> set[Any]:
    """The values a set constraint allows: a value, a list, ``{in: [...]}`` or ``{not_in: [...]}``."""
    if isinstance(spec, Mapping):
        if set(spec) - {"in", "not_in"} or len(spec) != 1:
            raise ConstraintError("cond.type", attr=attr, type=usage[0], detail=usage[1])
        ((op, values),) = spec.items()
        values = values if isinstance(values, list | tuple) else [values]
        chosen = {value_of(v) for v in values}
        return set(universe) - chosen if op == "not_in" else chosen
    if isinstance(spec, list | tuple):
        return {value_of(v) for v in spec}
    return {value_of(spec)}


def _usage(kind: Literal["enum", "int", "bool"]) -> tuple[str, str]:
    """The type of an attribute and how a constraint on it is written, for ``cond.type``."""
    return Phrase(f"cond.kind.{kind}"), Phrase(f"cond.usage.{kind}")


def _enum_constraint(attr: str, spec: Any, domain: EnumDomain) -> dict[str, Any] | None:
    chosen = _chosen(
        attr, spec, domain.values, lambda v: enum_value(attr, v, domain), _usage("enum")
    )
    if not chosen:
        raise ConstraintError("cond.empty", attr=attr, what="set")
    if chosen == set(domain.values):
        return None
    return {"in": [v for v in domain.values if v in chosen]}


def _whole(value: Any) -> int | None:
    """``value`` as a whole number: 4, "4", 4.0 and "4.0" alike (one rule for every way a file
    writes a number); 4.5, "4.5", "four" and infinities are no whole number (None)."""
    text = str(value).strip()
    try:
        return int(text)
    except ValueError:
        pass
    try:
        number = Decimal(text)
    except InvalidOperation:
        return None
    if not number.is_finite() or number != number.to_integral_value():
        return None
    return int(number)


def as_int(attr: str, value: Any, domain: IntDomain) -> int:
    if isinstance(value, bool):
        raise ConstraintError(
            "cond.out_of_domain", attr=attr, value=value, expected=domain.describe()
        )
    number = _whole(value)
    if number is None or not domain.min <= number <= domain.max:
        raise ConstraintError(
            "cond.out_of_domain", attr=attr, value=value, expected=domain.describe()
        )
    return number


def _int_constraint(attr: str, spec: Any, domain: IntDomain) -> dict[str, Any] | None:
    if isinstance(spec, Mapping) and set(spec) <= _RANGE_KEYS and spec:
        lo, hi = domain.min, domain.max
        for op, value in spec.items():
            if op in {"between", "range"}:
                if not isinstance(value, list | tuple) or len(value) != 2:
                    raise ConstraintError(
                        "cond.type",
                        attr=attr,
                        type=Phrase("cond.kind.int"),
                        detail=Phrase("cond.usage.between"),
                    )
                lo = max(lo, _bounded_int(attr, value[0], domain))
                hi = min(hi, _bounded_int(attr, value[1], domain))
                continue
            number = _bounded_int(attr, value, domain)
            if op == "gte":
                lo = max(lo, number)
            elif op == "gt":
                lo = max(lo, number + 1)
            elif op == "lte":
                hi = min(hi, number)
            else:
                hi = min(hi, number - 1)
        if lo > hi:
            raise ConstraintError("cond.empty", attr=attr, what="range")
        return _int_set(set(range(lo, hi + 1)), domain)
    universe = list(range(domain.min, domain.max + 1))
    chosen = _chosen(attr, spec, universe, lambda v: as_int(attr, v, domain), _usage("int"))
    return _int_set(chosen, domain, attr)


def _bounded_int(attr: str, value: Any, domain: IntDomain) -> int:
    """A bound of a range may lie outside the domain (severity > 0, between [3, 9]): the part of
    the range inside the domain counts. It must be a number."""
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise ConstraintError(
            "cond.out_of_domain", attr=attr, value=value, expected=domain.describe()
        )
    try:
        return int(str(value).strip())
    except ValueError:
        raise ConstraintError(
            "cond.out_of_domain", attr=attr, value=value, expected=domain.describe()
        ) from None


def _int_set(chosen: set[int], domain: IntDomain, attr: str = "") -> dict[str, Any] | None:
    if not chosen:
        raise ConstraintError("cond.empty", attr=attr, what="set")
    if len(chosen) == domain.max - domain.min + 1:
        return None
    lo, hi = min(chosen), max(chosen)
    if hi - lo + 1 == len(chosen):
        return {"range": [lo, hi]}
    return {"in": sorted(chosen)}


def bool_constraint(attr: str, spec: Any) -> dict[str, Any] | None:
    """``true``, ``{eq: true}``, ``是`` …; also a set like the other types: ``[true]``,
    ``{in: [true, false]}`` (both values: no constraint), ``{not_in: [false]}``."""
    if isinstance(spec, Mapping) and set(spec) == {"eq"}:
        spec = spec["eq"]
    if isinstance(spec, list | tuple) or (
        isinstance(spec, Mapping) and set(spec) <= {"in", "not_in"}
    ):
        chosen = _chosen(attr, spec, [True, False], lambda v: as_bool(attr, v), _usage("bool"))
        if not chosen:
            raise ConstraintError("cond.empty", attr=attr, what="set")
        return None if len(chosen) == 2 else {"eq": chosen.pop()}
    return {"eq": as_bool(attr, spec)}


def as_bool(attr: str, spec: Any) -> bool:
    if isinstance(spec, bool):
        return spec
    text = str(spec).strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise ConstraintError(
        "cond.out_of_domain", attr=attr, value=spec, expected=Phrase("cond.expected.bool")
    )


# ---------------------------------------------------------------------------------------------
# text form, as written in tables

_CLAUSE_SPLIT = re.compile(r"\s*(?:;|；|\band\b|并且|且)\s*")
_VALUE_SPLIT = re.compile(r"\s*[,，、|/]\s*")
# the word operators stand apart from the attribute name: "building_type = x" is no "in"
_CLAUSE = re.compile(
    r"^(?P<attr>[^=<>≥≤≠!]+?)"
    r"(?:\s+(?P<word>not\s+in|in)(?:\s+|(?=[(\[{（]))|\s*(?P<op>==|=|!=|≠|>=|≥|<=|≤|>|<|：|:)\s*)"
    r"(?P<value>.+)$",
    re.IGNORECASE,
)
_RANGE_TEXT = re.compile(r"^(-?\d+)\s*(?:\.\.|~|～|至|到)\s*(-?\d+)$")


class ConditionTextError(ValueError):
    """A condition in the table form that cannot be read; ``detail`` says why, in either
    language (``str()`` of the error is the English)."""

    def __init__(self, key: str, /, **params: object):
        self.detail = Phrase(key, **params)
        super().__init__(str(self.detail))


def parse_condition_text(text: str) -> dict[str, Any]:
    """Parse the table form into the file form (a mapping); raises :class:`ConditionTextError`
    (a ``ValueError``) with a reason.

    ``"location_type = road|park; severity >= 3"`` →
    ``{"location_type": {"in": ["road", "park"]}, "severity": {"gte": 3}}``.
    Empty text means no condition.
    """
    raw: dict[str, Any] = {}
    text = (text or "").strip()
    if not text or text in {"-", "—", "无", "/"}:
        return raw
    for clause in filter(None, _CLAUSE_SPLIT.split(text)):
        match = _CLAUSE.match(clause.strip())
        if not match:
            raise ConditionTextError("cond.no_operator", clause=clause)
        attr, op, value = (
            match.group("attr").strip(),
            (match.group("word") or match.group("op")).lower(),
            match.group("value"),
        )
        value = value.strip().strip("{}[]（）()").strip()
        if attr in raw:
            raise ConditionTextError("cond.attribute_twice", attr=attr)
        values = [v for v in _VALUE_SPLIT.split(value) if v]
        range_match = _RANGE_TEXT.match(value)
        if op in {">=", "≥"}:
            raw[attr] = {"gte": value}
        elif op in {"<=", "≤"}:
            raw[attr] = {"lte": value}
        elif op == ">":
            raw[attr] = {"gt": value}
        elif op == "<":
            raw[attr] = {"lt": value}
        elif op in {"!=", "≠"} or op.startswith("not"):
            raw[attr] = {"not_in": values}
        elif range_match:
            raw[attr] = {"between": [range_match.group(1), range_match.group(2)]}
        elif len(values) > 1 or op == "in":
            raw[attr] = {"in": values}
        else:
            raw[attr] = value
    return raw


def render_condition(condition: Condition) -> str:
    """The table form of a canonical condition; :func:`parse_condition_text` reads it back."""
    clauses = []
    for attr, constraint in condition.items():
        if "eq" in constraint:
            clauses.append(f"{attr} = {'true' if constraint['eq'] else 'false'}")
        elif "range" in constraint:
            lo, hi = constraint["range"]
            clauses.append(f"{attr} = {lo}" if lo == hi else f"{attr} = {lo}..{hi}")
        else:
            clauses.append(f"{attr} = {'|'.join(str(v) for v in constraint['in'])}")
    return "; ".join(clauses)
