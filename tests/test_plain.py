"""Decisions written as plain data (issue 16): ``Router.route_many(..., plain=True)`` writes most
decisions' JSON lines with orjson, the pydantic model never built. The model stays the schema:
every line must validate as a :class:`RoutingDecision` and be the very text the model writes,
whatever the event carries (times in any offset, Chinese and control characters, numbers and
nested values in ``extra``). ``remit.model.plain`` is the model's field list read off the model,
so there is one."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import BaseModel, Field
from pydantic_core import PydanticSerializationError

from remit import InputError, Registry
from remit.events.read import read_events
from remit.model import plain
from remit.routing.decision import DecisionLine, RoutingDecision
from remit.routing.router import Router
from tests.factories import DETERMINISTIC, ROOT

EVENTS = ROOT / "data" / "events" / "huangpu-2026.jsonl"


class _Inner(BaseModel):
    code: str


class _Shown(BaseModel):
    a: int
    b: list[int] = Field(default_factory=list)
    c: _Inner | None = Field(None, exclude_if=lambda value: value is None)
    d: dict[str, int] = Field(default_factory=dict, exclude_if=lambda value: not value)
    hidden: str = Field("x", exclude=True)
    e: str = "e"


@given(
    st.fixed_dictionaries(
        {"a": st.integers()},
        optional={
            "b": st.lists(st.integers(), max_size=3),
            "c": st.none() | st.builds(_Inner, code=st.text(max_size=3)),
            "d": st.dictionaries(st.text(max_size=2), st.integers(), max_size=2),
            "e": st.text(max_size=3),
        },
    )
)
def test_plain_is_the_models_dump(values: dict[str, Any]) -> None:
    """In the fields' order, defaults filled in, left out what the model leaves out; nested
    values as given."""
    shown = plain(_Shown, values)
    dumped = _Shown(**values).model_dump()
    assert list(shown) == list(dumped)
    assert {
        k: v.model_dump() if isinstance(v, BaseModel) else v for k, v in shown.items()
    } == dumped


def test_plain_refuses_what_it_cannot_write() -> None:
    with pytest.raises(KeyError, match=r"_Shown\.a"):
        plain(_Shown, {})

    class _Aliased(BaseModel):
        a: int = Field(alias="A")

    with pytest.raises(TypeError, match="aliases"):
        plain(_Aliased, {"A": 1})


@pytest.fixture(scope="module")
def routers(sample_db: Path) -> Iterator[tuple[Router, Router]]:
    """Two routers on the sample (which no test here writes): one writes plain lines, one
    builds models."""
    registry = Registry(f"sqlite:///{sample_db}")
    with registry, Router(registry) as a, Router(registry) as b:
        yield a, b


def _events() -> list[dict[str, Any]]:
    return [
        e.model_dump(exclude_none=True) for _, e in read_events(EVENTS) if not isinstance(e, list)
    ]


JSON_SCALARS = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(alphabet=st.characters(exclude_categories=["Cs"]), max_size=8)
)
JSON_VALUES = st.recursive(
    JSON_SCALARS,
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=4), inner, max_size=3)
    ),
    max_leaves=6,
)
OFFSETS = st.sampled_from([0, 8 * 60, -5 * 60, 5 * 60 + 30, 14 * 60])


@settings(**DETERMINISTIC, max_examples=60)
@given(
    picks=st.lists(st.integers(min_value=0, max_value=10_000), min_size=1, max_size=40),
    extra=st.dictionaries(st.text(min_size=1, max_size=6), JSON_VALUES, max_size=3),
    offset=OFFSETS,
    seconds=st.integers(min_value=0, max_value=3600 * 24 * 30),
    micro=st.integers(min_value=0, max_value=999_999),
)
def test_plain_lines_are_the_models_text(
    routers: tuple[Router, Router],
    picks: list[int],
    extra: dict[str, Any],
    offset: int,
    seconds: int,
    micro: int,
) -> None:
    """The sample's events, each carrying ``extra`` and reported in another offset: the plain
    line of each is the model's text, and validates back to the decision ``route`` makes."""
    plain_router, model_router = routers
    sample = _events()
    zone = dt.timezone(dt.timedelta(minutes=offset))
    events = []
    for n, pick in enumerate(picks):
        event = dict(sample[pick % len(sample)], id=f"P{n}", extra=extra)
        moment = dt.datetime(2026, 3, 2, 8, tzinfo=zone) + dt.timedelta(seconds=seconds)
        event["reported_at"] = moment.replace(microsecond=micro).isoformat()
        events.append(event)
    items = [(event, None) for event in events]
    written = 0
    for event, result in zip(events, plain_router.route_many(items, plain=True), strict=True):  # type: ignore[arg-type]
        try:
            expected = model_router.route(event)
        except InputError as exc:  # the sample's bad events: refused alike
            assert isinstance(result, InputError)
            assert [p.render() for p in result.problems] == [p.render() for p in exc.problems]
            continue
        if isinstance(result, DecisionLine):
            written += 1
            assert result.line == expected.model_dump_json()
            assert RoutingDecision.model_validate_json(result.line) == expected
            assert (result.status, result.deadline_approximate) == (
                expected.status,
                expected.deadline_approximate,
            )
        else:  # across areas, or an attribute missing: route's own model
            assert result == expected
    assert written or len(events) < 3


def test_most_of_the_sample_is_written_plain(routers: tuple[Router, Router]) -> None:
    """The plain path is the common one: the sample's events that route() does not take
    (across areas, an attribute missing) are few."""
    plain_router, model_router = routers
    events = _events()
    results = plain_router.route_many([(e, None) for e in events], plain=True)  # type: ignore[misc]
    lines = [r for r in results if isinstance(r, DecisionLine)]
    assert len(lines) >= len(events) // 2
    for event, result in zip(events, results, strict=True):
        if isinstance(result, DecisionLine):
            assert result.line == model_router.route(event).model_dump_json()


def test_what_orjson_cannot_write_is_left_to_the_model(routers: tuple[Router, Router]) -> None:
    """A lone surrogate in ``extra`` (only the Python API can give one): the plain path hands
    back the model, which refuses to write it as ``route``'s refuses."""
    plain_router, model_router = routers
    event = {**_events()[0], "id": "S1", "extra": {"note": "a\ud800b"}}
    with pytest.raises(PydanticSerializationError) as model:
        model_router.route(event).model_dump_json()
    (result,) = plain_router.route_many([(event, None)], plain=True)  # type: ignore[list-item]
    assert isinstance(result, RoutingDecision)
    with pytest.raises(PydanticSerializationError) as lean:
        result.model_dump_json()
    assert str(lean.value) == str(model.value)
