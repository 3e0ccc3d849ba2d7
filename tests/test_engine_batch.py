"""Events sharing one engine state (issue 16): ``RuleEngine.evaluate_many`` joins every pattern
of a rule on the event, so each event's outcome is the one it has alone, whatever the batch size
and order; a refusal (the firing bound, an action's error) stays that event's own; rules that
cannot be joined are evaluated one event at a time. The differential run
(tests/test_differential.py) compares ``Router.route_many`` with ``Router.route`` on generated
registries; here the engine itself, on the sample's events."""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from remit import InputError, Registry
from remit.events.read import read_events
from remit.routing.engine import BATCH, EngineError, FiringLimitError, RuleEngine
from remit.routing.facts import PolicyInput
from remit.routing.outcome import PolicyOutcome
from remit.routing.router import Router
from remit.routing.rules.compile import RuleSet, anchors, load_rules
from tests.factories import DETERMINISTIC, ROOT, SAMPLE
from tests.test_rule_termination import PING_PONG, _unchecked, rules_dir

EVENTS = ROOT / "data" / "events" / "huangpu-2026.jsonl"


@pytest.fixture(scope="module")
def sample_facts(tmp_path_factory: pytest.TempPathFactory) -> list[PolicyInput]:
    """The facts of every sample event that has one area (the router's own way of making
    them), each event also with the attribute values its rows name, so that more rules fire."""
    url = f"sqlite:///{tmp_path_factory.mktemp('engine') / 'r.db'}"
    registry = Registry.create(url)
    registry.import_files([SAMPLE], by="fixture")
    router = Router(registry, cache=False)
    facts: list[PolicyInput] = []
    for where, event in read_events(EVENTS):
        if isinstance(event, list):
            continue
        try:
            resolved, loaded = router.resolve_event(event, where)
        except InputError:
            continue
        for severity in (0, 4):
            for repeat in (0, 3):
                variant = dataclasses.replace(
                    resolved,
                    attributes={**resolved.attributes, "severity": severity},
                    repeat_count=repeat,
                )
                facts.append(router._facts(variant, loaded))
    registry.close()
    assert len(facts) >= 100
    return facts


def _alone(ruleset: RuleSet, facts: list[PolicyInput]) -> list[PolicyOutcome | str]:
    engine = RuleEngine(ruleset, batch=1)
    try:
        return [_plain(engine.evaluate_many([one])[0]) for one in facts]
    finally:
        engine.close()


def _plain(result: PolicyOutcome | EngineError) -> PolicyOutcome | str:
    """An outcome with its rules in a fixed order (the order of firing across the events of one
    state is the engine's), or the error's text."""
    if isinstance(result, EngineError):
        return f"{type(result).__name__}: {result}"
    return PolicyOutcome(**{**result.__dict__, "rules_fired": tuple(sorted(result.rules_fired))})


@pytest.fixture(scope="module")
def alone(sample_facts: list[PolicyInput]) -> list[PolicyOutcome | str]:
    return _alone(load_rules(), sample_facts)


def test_the_default_rules_can_share_a_state() -> None:
    assert anchors(load_rules()) is not None
    engine = RuleEngine(load_rules())
    assert engine.batch == BATCH > 1
    engine.close()


@settings(max_examples=25, **DETERMINISTIC)
@given(data=st.data())
def test_batch_size_and_order_never_change_an_outcome(
    data: Any, sample_facts: list[PolicyInput], alone: list[PolicyOutcome | str]
) -> None:
    order = data.draw(st.permutations(range(len(sample_facts))))
    size = data.draw(st.integers(1, 80))
    engine = RuleEngine(load_rules(), batch=size)
    try:
        results = engine.evaluate_many([sample_facts[i] for i in order])
    finally:
        engine.close()
    for index, result in zip(order, results, strict=True):
        assert _plain(result) == alone[index], (size, index)
    assert len({str(a) for a in alone}) > 20  # many different outcomes were compared


BROKEN = (
    PING_PONG
    + """\
  - id: broken
    pri: 5
    when:
      - {as: e, fact: event, where: {severity: 9}}
    then:
      - assert: {fact: note, n: $e.nowhere}
"""
)
"""test_rule_termination's cycle, and a rule whose action fails (a field the event lacks)."""


def _rules(tmp_path: Path, text: str) -> RuleSet:
    """The defaults and ``text``, past the termination check (a cycle it would refuse)."""
    return _unchecked(rules_dir(tmp_path, text))


def test_a_refusal_stays_with_its_event(tmp_path: Path, sample_facts: list[PolicyInput]) -> None:
    """An event whose rules would not stop, and one whose action fails, are refused as they
    would be alone; the events beside them in the same state are decided as alone."""
    ruleset = _rules(tmp_path, BROKEN)
    quiet = sample_facts[:20:4]  # severity 0, repeat 0
    loud = dataclasses.replace(sample_facts[0], event={**sample_facts[0].event, "repeat": 3})
    broken = dataclasses.replace(sample_facts[4], event={**sample_facts[4].event, "severity": 9})
    batch = [quiet[0], loud, quiet[1], broken, quiet[2], loud, quiet[3]]
    expected = _alone(ruleset, batch)
    engine = RuleEngine(ruleset, max_firings=5, batch=32)
    try:
        results = engine.evaluate_many(batch)
    finally:
        engine.close()
    assert [_plain(r) for r in results] == _alone_bounded(ruleset, batch)
    assert isinstance(results[1], FiringLimitError) and isinstance(results[5], FiringLimitError)
    assert "fired 5 times on this event" in results[1].render("en")
    assert isinstance(results[3], EngineError) and "$e.nowhere" in str(results[3])
    for index in (0, 2, 4, 6):
        assert isinstance(results[index], PolicyOutcome)
        assert _plain(results[index]) == expected[index]


def _alone_bounded(ruleset: RuleSet, facts: list[PolicyInput]) -> list[PolicyOutcome | str]:
    engine = RuleEngine(ruleset, max_firings=5, batch=1)
    try:
        return [_plain(engine.evaluate_many([one])[0]) for one in facts]
    finally:
        engine.close()


LONE_NEGATION = """\
file: rules
id: lone
rules:
  - id: nobody-at-all
    pri: 90
    when:
      - {as: s, fact: stage, where: {name: decide}}
      - none: {fact: candidate, where: {role: lead}}
    then:
      - assert: {fact: note, n: 1}
"""


def test_rules_that_cannot_be_joined_run_one_event_at_a_time(
    tmp_path: Path, sample_facts: list[PolicyInput], alone: list[PolicyOutcome | str]
) -> None:
    """A rule with no pattern on one event's facts (here only the stage and a negation) would
    fire once for a whole state: such rules make the engine take events one by one."""
    ruleset = _rules(tmp_path, LONE_NEGATION)
    assert anchors(ruleset) is None
    engine = RuleEngine(ruleset, batch=32)
    try:
        assert engine.batch == 1
        results = engine.evaluate_many(sample_facts)
    finally:
        engine.close()
    expected = _alone(ruleset, sample_facts)
    assert [_plain(r) for r in results] == expected
    noted = sum("nobody-at-all" in r.rules_fired for r in results if isinstance(r, PolicyOutcome))
    assert 0 < noted < len(results)  # it fired on the events with no lead, once each


def test_an_anchor_stands_for_its_areas(sample_registry: Registry) -> None:
    """``Snapshot.anchor``: the duties covering an area are those covering its anchor (what
    routing keeps per anchor, not per area), and an area no row of the matter covers has none."""
    snapshot = sample_registry.snapshot(dt.date(2026, 3, 2))
    anchored = uncovered = 0
    for matter in snapshot.matters:
        for area in snapshot.areas:
            anchor = snapshot.anchor(matter, area)
            rows = snapshot.duties_for(matter, area)
            if anchor is None:
                assert rows == []
                uncovered += 1
            else:
                assert anchor in snapshot.ancestors(area)
                assert rows == snapshot.duties_for(matter, anchor) != []
                anchored += anchor != area
    assert anchored and uncovered  # both kinds were met
