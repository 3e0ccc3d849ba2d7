"""The condition language: normalisation to one canonical form, its problems, and the table
text form (render → parse → normalise round-trips)."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from remit.conditions import (
    BoolDomain,
    EnumDomain,
    IntDomain,
    normalize,
    parse_condition_text,
    render_condition,
)
from tests.factories import domain_values

Domain = EnumDomain | IntDomain | BoolDomain

ATTRS: dict[str, Domain] = {
    "location_type": EnumDomain(
        values=["road", "pavement", "park"],
        label="地点类型",
        labels={"road": "道路", "pavement": "人行道", "park": "公园"},
    ),
    "severity": IntDomain(min=1, max=4, label="严重程度"),
    "damaged": BoolDomain(label="是否损坏"),
}


def ok(raw: dict[str, Any] | None) -> dict[str, Any]:
    condition, problems = normalize(raw, ATTRS, "SJ0501")
    assert problems == []
    return condition


# --- normalisation ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "canonical"),
    [
        (None, {}),
        ({}, {}),
        ({"location_type": "road"}, {"location_type": {"in": ["road"]}}),
        ({"location_type": ["park", "road"]}, {"location_type": {"in": ["road", "park"]}}),
        ({"location_type": {"in": ["park", "road"]}}, {"location_type": {"in": ["road", "park"]}}),
        ({"location_type": {"not_in": ["road"]}}, {"location_type": {"in": ["pavement", "park"]}}),
        ({"location_type": {"in": "park"}}, {"location_type": {"in": ["park"]}}),
        ({"severity": 3}, {"severity": {"range": [3, 3]}}),
        ({"severity": " 3 "}, {"severity": {"range": [3, 3]}}),
        ({"severity": {"gte": 3}}, {"severity": {"range": [3, 4]}}),
        ({"severity": {"gt": 1, "lt": 4}}, {"severity": {"range": [2, 3]}}),
        ({"severity": {"between": [2, 3]}}, {"severity": {"range": [2, 3]}}),
        ({"severity": {"range": [2, 3]}}, {"severity": {"range": [2, 3]}}),
        ({"severity": [1, 2]}, {"severity": {"range": [1, 2]}}),
        ({"severity": {"in": [4, 1]}}, {"severity": {"in": [1, 4]}}),
        ({"severity": {"not_in": [2, 3]}}, {"severity": {"in": [1, 4]}}),
        ({"severity": {"not_in": [1]}}, {"severity": {"range": [2, 4]}}),
        ({"damaged": True}, {"damaged": {"eq": True}}),
        ({"damaged": "否"}, {"damaged": {"eq": False}}),
        ({"damaged": "Yes"}, {"damaged": {"eq": True}}),
        ({"damaged": {"eq": False}}, {"damaged": {"eq": False}}),
        (
            {"severity": {"gte": 2}, "location_type": "park"},
            {"location_type": {"in": ["park"]}, "severity": {"range": [2, 4]}},
        ),
    ],
)
def test_normalize(raw: dict[str, Any] | None, canonical: dict[str, Any]) -> None:
    result = ok(raw)
    assert result == canonical
    assert list(result) == sorted(result)
    assert ok(result) == result


@pytest.mark.parametrize(
    "raw",
    [
        {"location_type": ["road", "pavement", "park"]},
        {"location_type": {"not_in": []}},
        {"severity": {"gte": 1}},
        {"severity": {"gt": 0}},
        {"severity": {"lte": 9}},
        {"severity": {"between": [1, 4]}},
        {"severity": [1, 2, 3, 4]},
        {"severity": {"gte": -5, "lte": 4}},
    ],
)
def test_whole_domain_constraints_are_dropped(raw: dict[str, Any]) -> None:
    assert ok(raw) == {}


def test_labels_resolve() -> None:
    by_label = ok({"地点类型": "人行道", "严重程度": {"gte": 3}, "是否损坏": "是"})
    by_name = ok({"location_type": "pavement", "severity": {"gte": 3}, "damaged": True})
    assert (
        by_label
        == by_name
        == {
            "damaged": {"eq": True},
            "location_type": {"in": ["pavement"]},
            "severity": {"range": [3, 4]},
        }
    )
    assert ok({"location_type": {"in": ["道路", "park"]}}) == {
        "location_type": {"in": ["road", "park"]}
    }


@pytest.mark.parametrize(
    ("raw", "key", "field", "params"),
    [
        (
            {"colour": "red"},
            "cond.unknown_attribute",
            "when.colour",
            {"declared": "location_type, severity, damaged", "matter": "SJ0501"},
        ),
        (
            {"location_type": "sky"},
            "cond.out_of_domain",
            "when.location_type",
            {"value": "sky", "expected": "one of road, pavement, park"},
        ),
        (
            {"location_type": {"in": ["road", "sky"]}},
            "cond.out_of_domain",
            "when.location_type",
            {"value": "sky"},
        ),
        (
            {"severity": 5},
            "cond.out_of_domain",
            "when.severity",
            {"value": 5, "expected": "a whole number from 1 to 4"},
        ),
        ({"severity": True}, "cond.out_of_domain", "when.severity", {"value": True}),
        ({"severity": 2.5}, "cond.out_of_domain", "when.severity", {"value": 2.5}),
        ({"severity": {"gte": "x"}}, "cond.out_of_domain", "when.severity", {"value": "x"}),
        ({"severity": {"between": [5, 9]}}, "cond.empty", "when.severity", {"what": "range"}),
        ({"damaged": "maybe"}, "cond.out_of_domain", "when.damaged", {"expected": "true or false"}),
        ({"location_type": {"in": []}}, "cond.empty", "when.location_type", {"what": "set"}),
        (
            {"location_type": {"not_in": ["road", "pavement", "park"]}},
            "cond.empty",
            "when.location_type",
            {"what": "set"},
        ),
        ({"severity": {"gte": 4, "lte": 2}}, "cond.empty", "when.severity", {"what": "range"}),
        ({"severity": {"lt": 1}}, "cond.empty", "when.severity", {"what": "range"}),
        ({"severity": {"in": []}}, "cond.empty", "when.severity", {"what": "set"}),
        ({"location_type": {"gte": "road"}}, "cond.type", "when.location_type", {"type": "enum"}),
        ({"severity": {"between": [1]}}, "cond.type", "when.severity", {"type": "int"}),
        ({"severity": {"in": [1], "lte": 2}}, "cond.type", "when.severity", {"type": "int"}),
    ],
)
def test_problems(raw: dict[str, Any], key: str, field: str, params: dict[str, Any]) -> None:
    condition, problems = normalize(raw, ATTRS, "SJ0501")
    assert condition == {}
    (problem,) = problems
    assert (problem.key, problem.field) == (key, field)
    assert params.items() <= problem.params.items()
    assert problem.render("en") and problem.render("zh") != problem.render("en")


def test_every_problem_is_reported_and_the_rest_kept() -> None:
    condition, problems = normalize(
        {"colour": "red", "severity": 9, "location_type": "park"}, ATTRS, "M", field="cond"
    )
    assert condition == {"location_type": {"in": ["park"]}}
    assert [p.field for p in problems] == ["cond.colour", "cond.severity"]


def test_no_attributes_declared() -> None:
    _, (problem,) = normalize({"x": 1}, {}, "RX0101")
    assert problem.params["declared"] == "none"


# --- text form --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "raw"),
    [
        ("", {}),
        ("  ", {}),
        ("无", {}),
        ("-", {}),
        ("location_type = road", {"location_type": "road"}),
        ("location_type == road", {"location_type": "road"}),
        ("location_type: road", {"location_type": "road"}),
        ("地点类型：道路", {"地点类型": "道路"}),
        ("location_type = road|park", {"location_type": {"in": ["road", "park"]}}),
        ("location_type = road, park", {"location_type": {"in": ["road", "park"]}}),
        ("地点类型=道路、公园", {"地点类型": {"in": ["道路", "公园"]}}),
        ("location_type in road, park", {"location_type": {"in": ["road", "park"]}}),
        ("location_type IN (road)", {"location_type": {"in": ["road"]}}),
        ("location_type in[road,park]", {"location_type": {"in": ["road", "park"]}}),
        ("location_type not in road", {"location_type": {"not_in": ["road"]}}),
        ("location_type != road", {"location_type": {"not_in": ["road"]}}),
        ("location_type ≠ road/park", {"location_type": {"not_in": ["road", "park"]}}),
        ("severity >= 3", {"severity": {"gte": "3"}}),
        ("严重程度≥3", {"严重程度": {"gte": "3"}}),
        ("severity <= 2", {"severity": {"lte": "2"}}),
        ("severity ≤ 2", {"severity": {"lte": "2"}}),
        ("severity > 1", {"severity": {"gt": "1"}}),
        ("severity < 4", {"severity": {"lt": "4"}}),
        ("severity = 2..3", {"severity": {"between": ["2", "3"]}}),
        ("severity = 2~3", {"severity": {"between": ["2", "3"]}}),
        ("严重程度 = 2至3", {"严重程度": {"between": ["2", "3"]}}),
        (
            "location_type = road; severity >= 3",
            {"location_type": "road", "severity": {"gte": "3"}},
        ),
        ("地点类型=道路 且 严重程度≥3", {"地点类型": "道路", "严重程度": {"gte": "3"}}),
        ("地点类型=道路；是否损坏=是", {"地点类型": "道路", "是否损坏": "是"}),
        ("a = 1 and b = 2", {"a": "1", "b": "2"}),
        # attribute names that contain the word operator "in"
        ("building_type = residential", {"building_type": "residential"}),
        ("is_raining = true", {"is_raining": "true"}),
        ("kind in a, b", {"kind": {"in": ["a", "b"]}}),
        ("pin >= 3", {"pin": {"gte": "3"}}),
        ("main_road not in x", {"main_road": {"not_in": ["x"]}}),
    ],
)
def test_parse_condition_text(text: str, raw: dict[str, Any]) -> None:
    assert parse_condition_text(text) == raw


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("road", "has no operator"),
        ("location_type road", "has no operator"),
        ("a = 1; a = 2", "appears twice"),
    ],
)
def test_parse_condition_text_rejects(text: str, reason: str) -> None:
    with pytest.raises(ValueError, match=reason):
        parse_condition_text(text)


def test_table_text_normalises_like_the_file_form() -> None:
    text = "地点类型 = 道路|公园 且 严重程度 >= 3; damaged = 否"
    assert ok(parse_condition_text(text)) == ok(
        {"location_type": {"in": ["road", "park"]}, "severity": {"gte": 3}, "damaged": False}
    )


@pytest.mark.parametrize(
    ("condition", "text"),
    [
        ({}, ""),
        ({"location_type": {"in": ["road"]}}, "location_type = road"),
        ({"location_type": {"in": ["road", "park"]}}, "location_type = road|park"),
        ({"severity": {"range": [2, 2]}}, "severity = 2"),
        ({"severity": {"range": [2, 4]}}, "severity = 2..4"),
        ({"severity": {"in": [1, 3]}}, "severity = 1|3"),
        ({"damaged": {"eq": False}}, "damaged = false"),
        (
            {"damaged": {"eq": True}, "severity": {"range": [3, 4]}},
            "damaged = true; severity = 3..4",
        ),
    ],
)
def test_render_condition(condition: dict[str, Any], text: str) -> None:
    assert render_condition(condition) == text
    assert ok(parse_condition_text(text)) == condition


# --- properties -------------------------------------------------------------------------------

NAMES = st.from_regex(r"[a-z][a-z0-9_]{0,10}", fullmatch=True).filter(lambda s: s != "and")
VALUES = st.from_regex(r"[A-Za-z][A-Za-z0-9_]{0,8}", fullmatch=True).filter(lambda s: s != "and")
LABELS = st.from_regex(r"[\u4e00-\u9fa5]{1,4}", fullmatch=True).filter(
    lambda s: "且" not in s and s not in {"是", "真", "否", "假"}
)


@st.composite
def enum_domains(draw: st.DrawFn) -> EnumDomain:
    values = draw(st.lists(VALUES, min_size=1, max_size=6, unique=True))
    labelled = draw(st.lists(st.sampled_from(values), unique=True))
    labels = draw(st.lists(LABELS, min_size=len(labelled), max_size=len(labelled), unique=True))
    return EnumDomain(values=values, labels=dict(zip(labelled, labels, strict=True)))


@st.composite
def int_domains(draw: st.DrawFn) -> IntDomain:
    low = draw(st.integers(-5, 5))
    return IntDomain(min=low, max=low + draw(st.integers(0, 8)))


@st.composite
def domain_sets(draw: st.DrawFn) -> dict[str, Domain]:
    names = draw(st.lists(NAMES, min_size=1, max_size=4, unique=True))
    labels = draw(st.lists(LABELS, min_size=len(names), max_size=len(names), unique=True))
    domains: dict[str, Domain] = {}
    for name, label in zip(names, labels, strict=True):
        domain = draw(st.one_of(enum_domains(), int_domains(), st.just(BoolDomain())))
        if draw(st.booleans()):
            domain = domain.model_copy(update={"label": label})
        domains[name] = domain
    return domains


def universe(domain: Domain) -> set[Any]:
    return set(domain_values(domain))


def allowed(constraint: dict[str, Any] | None, domain: Domain) -> set[Any]:
    """What a canonical constraint (or its absence) lets through."""
    if constraint is None:
        return universe(domain)
    if "in" in constraint:
        return set(constraint["in"])
    if "range" in constraint:
        low, high = constraint["range"]
        return set(range(low, high + 1))
    return {constraint["eq"]}


@st.composite
def spellings(draw: st.DrawFn, domain: Domain) -> tuple[Any, set[Any]]:
    """One file spelling of a satisfiable constraint on ``domain``, and what it allows."""
    if isinstance(domain, BoolDomain):
        value = draw(st.booleans())
        texts = ["true", "yes", "是", "TRUE"] if value else ["false", "no", "否", "N"]
        return draw(st.sampled_from([value, {"eq": value}, *texts])), {value}
    if isinstance(domain, EnumDomain):
        chosen = draw(st.lists(st.sampled_from(domain.values), min_size=1, unique=True))

        def spell(v: str) -> str:
            return domain.labels[v] if v in domain.labels and draw(st.booleans()) else v

        rest = [v for v in domain.values if v not in chosen]
        forms: list[Any] = [[spell(v) for v in chosen], {"in": [spell(v) for v in chosen]}]
        forms.append({"not_in": [spell(v) for v in rest]})
        if len(chosen) == 1:
            forms.append(spell(chosen[0]))
        return draw(st.sampled_from(forms)), set(chosen)
    low, high = sorted(draw(st.lists(st.integers(domain.min, domain.max), min_size=2, max_size=2)))
    span = set(range(low, high + 1))
    forms = [
        {"between": [low, high]},
        {"range": [low, high]},
        {"gte": low, "lte": high},
        {"gt": low - 1, "lt": high + 1},
        {"in": sorted(span)},
        list(span),
        {"not_in": sorted(universe(domain) - span)},
    ]
    if low == domain.min:
        forms.append({"lte": high})
    if high == domain.max:
        forms.append({"gte": str(low)})
    if low == high:
        forms += [low, str(low)]
    picked = draw(st.lists(st.sampled_from(sorted(span)), min_size=1, unique=True))
    forms.append({"in": picked})
    form = draw(st.sampled_from(forms))
    return form, set(picked) if form == {"in": picked} else span


@st.composite
def raw_conditions(
    draw: st.DrawFn,
) -> tuple[dict[str, Domain], dict[str, Any], dict[str, set[Any]]]:
    """Random domains, a raw condition over some of them, and the meaning it must have."""
    domains = draw(domain_sets())
    raw: dict[str, Any] = {}
    meaning = {name: universe(domain) for name, domain in domains.items()}
    for name, domain in domains.items():
        if not draw(st.booleans()):
            continue
        spec, values = draw(spellings(domain))
        key = domain.label if domain.label and draw(st.booleans()) else name
        raw[key] = spec
        meaning[name] = values
    return domains, raw, meaning


@settings(max_examples=300, deadline=None)
@given(raw_conditions())
def test_normalize_keeps_the_meaning(
    case: tuple[dict[str, Domain], dict[str, Any], dict[str, set[Any]]],
) -> None:
    domains, raw, meaning = case
    condition, problems = normalize(raw, domains, "M")
    assert problems == []
    assert list(condition) == sorted(condition)
    for name, domain in domains.items():
        assert allowed(condition.get(name), domain) == meaning[name]
        # a constraint that allows the whole domain is dropped
        assert (name in condition) == (meaning[name] != universe(domain))


@settings(max_examples=300, deadline=None)
@given(raw_conditions())
def test_normalize_is_idempotent(
    case: tuple[dict[str, Domain], dict[str, Any], dict[str, set[Any]]],
) -> None:
    domains, raw, _ = case
    condition, _ = normalize(raw, domains, "M")
    again, problems = normalize(condition, domains, "M")
    assert problems == []
    assert again == condition


@settings(max_examples=300, deadline=None)
@given(raw_conditions())
def test_text_form_round_trips(
    case: tuple[dict[str, Domain], dict[str, Any], dict[str, set[Any]]],
) -> None:
    domains, raw, _ = case
    condition, _ = normalize(raw, domains, "M")
    text = render_condition(condition)
    back, problems = normalize(parse_condition_text(text), domains, "M")
    assert problems == []
    assert back == condition


@settings(max_examples=200, deadline=None)
@given(domain_sets())
def test_full_domain_in_any_spelling_is_dropped(domains: dict[str, Domain]) -> None:
    raw: dict[str, Any] = {}
    for name, domain in domains.items():
        if isinstance(domain, EnumDomain):
            raw[name] = {"in": list(reversed(domain.values))}
        elif isinstance(domain, IntDomain):
            raw[name] = {"between": [domain.min, domain.max]}
    condition, problems = normalize(raw, domains, "M")
    assert problems == []
    assert condition == {}


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        ([True], {"is_night": {"eq": True}}),
        ({"in": ["否"]}, {"is_night": {"eq": False}}),
        ({"not_in": [False]}, {"is_night": {"eq": True}}),
        ({"in": [True, False]}, {}),  # both values: no constraint
    ],
)
def test_a_boolean_may_be_given_as_a_set_like_the_other_types(
    spec: object, expected: dict[str, object]
) -> None:
    condition, problems = normalize({"is_night": spec}, {"is_night": BoolDomain()}, "SJ0510")
    assert (condition, problems) == (expected, [])


def test_an_empty_boolean_set_is_refused() -> None:
    _, problems = normalize({"is_night": []}, {"is_night": BoolDomain()}, "SJ0510")
    assert [(p.key, p.field) for p in problems] == [("cond.empty", "when.is_night")]
