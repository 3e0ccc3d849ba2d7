"""The policy rules running on durable_rules, inside the engine's measured envelope.

- No background threads: the default Host starts timer threads that race with synchronous
  calls, so :class:`QuietHost` never starts them.
- Every action is a closure of one parameter (two would make it asynchronous).
- An exception inside an action would be swallowed by the engine; our actions catch it
  themselves and the evaluation raises :class:`EngineError` for that event.
- Each event gets its own state (sid), deleted after the call: far from the 1,024 live states.
- Negation is only reliable on facts that have settled: the event's facts go in first, then,
  in a second call, the ``stage`` fact that rules with a ``none`` pattern wait for.
- Facts a rule asserts are mirrored in a Python working memory (the engine refuses a fact no
  rule matches), and only kinds some rule matches go into the engine.
- ``delete_state`` frees two pointers of the state (its action context) that only running an
  action sets: on a state where no rule fired it frees uninitialised memory (a segfault, an
  abort, or a corrupted heap). A bookkeeping rule (:data:`SETTLE`) fires once on every event
  fact, so every state has run an action before it is deleted; it is not in the trace.
- The bound on firings per evaluation (:data:`DEFAULT_MAX_FIRINGS`) turns a chain that would
  not stop into a refusal of that one evaluation, never a hang.
- The actions a post makes pending are run here (:meth:`RuleEngine._post`), with the engine's
  own calls, as the Host would run them: one after another until none is pending. The Host's
  way wraps each in objects, clocks and callbacks meant for asynchronous actions, which cost
  more than the engine itself on a small ruleset.

:meth:`RuleEngine.evaluate` runs the routing facts of one event (:class:`PolicyInput`) and reads
the outcome; :meth:`RuleEngine.run` runs any facts — among them exactly one ``event`` fact, the
one the bookkeeping rule fires on — and hands back the final working memory, for a reader of
another shape (the dispute rulings of :mod:`remit.routing.disputes`), inside the same envelope.
"""

from __future__ import annotations

import contextlib
import dataclasses
import itertools
import json
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import durable_rules_engine
from durable.engine import Host, MessageNotHandledException

from remit.errors import InputError, Problem, RemitError, location
from remit.routing.facts import PolicyInput
from remit.routing.outcome import PolicyOutcome, read_memory
from remit.routing.rules.compile import RuleSet, assert_maker, definition
from remit.routing.rules.model import Pattern, Retract, Rule


class EngineError(RemitError):
    """The rule engine failed on one event (an action raised, or the engine did)."""


class FiringLimitError(InputError, EngineError):
    """The rules fired more often on one event than the bound allows: that event is refused
    (exit 2 for ``remit route``, a reject line in ``remit route-batch``), never a hang."""

    def at(self, where: Mapping[str, object]) -> FiringLimitError:
        """The same refusal, located at the event (``source``, ``line``): the engine sees only
        its facts."""
        return FiringLimitError(
            dataclasses.replace(problem, **location(where)) for problem in self.problems
        )


DEFAULT_MAX_FIRINGS = 1000
"""Rule firings allowed per event (docs/routing.md, "Rules that terminate"): the sample's
events need at most a handful; a set of rules that passes the termination check fires at most
a number bounded by its facts, so this is a safety net for what the check cannot see."""

MAX_FIRINGS_ENV = "REMIT_MAX_RULE_FIRINGS"
CHAIN_SHOWN = 12
"""How many of the last rules fired a refused event's message names."""


def max_firings_setting() -> int:
    """The bound on rule firings per event: ``$REMIT_MAX_RULE_FIRINGS``, else the default."""
    given = os.environ.get(MAX_FIRINGS_ENV, "").strip()
    if not given:
        return DEFAULT_MAX_FIRINGS
    try:
        value = int(given)
    except ValueError:
        value = 0
    if value < 1:
        raise InputError.one(
            "rules.bad_max_firings", name=MAX_FIRINGS_ENV, value=given, default=DEFAULT_MAX_FIRINGS
        )
    return value


class QuietHost(Host):  # type: ignore[misc]  # durable_rules has no type hints
    """A durable_rules host without its background timer threads (they race with posts)."""

    def _run(self) -> None:  # the base class starts the timer threads here
        return None


@dataclass
class _Working:
    sid: str
    memory: dict[str, dict[str, Any]] = field(default_factory=dict)
    trace: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    made: int = 0
    stopped: bool = False
    """The bound on firings was reached: actions do nothing more, so chaining ends."""


_names = itertools.count()

SETTLE = "_settle"
"""The bookkeeping rule that makes every state run an action (see the module's notes)."""


Matched = dict[str, dict[str, Any]]
"""The facts a rule matched, by the aliases of its patterns."""

Run = Callable[[Matched], None]
"""A rule's action: one parameter (two would make the engine treat it as asynchronous)."""


def _settle(matched: Matched) -> None:
    return None


class RuleEngine:
    """Evaluates a :class:`RuleSet` on the facts of one event at a time."""

    def __init__(self, ruleset: RuleSet, max_firings: int | None = None):
        self.ruleset = ruleset
        self.max_firings = max_firings_setting() if max_firings is None else max_firings
        self.name = f"remit_{ruleset.digest[:12]}_{next(_names)}"
        self._consumed = ruleset.consumed
        self._staged = "stage" in self._consumed
        self._current: _Working | None = None
        self._sids = itertools.count(1)
        self._closed = False
        self.host = QuietHost()
        rules = definition(ruleset, self._action)
        rules[SETTLE] = {"all": [{"e": {"t": "event"}}], "pri": 0, "run": _settle}
        self._runs: dict[str, Run] = {name: rule["run"] for name, rule in rules.items()}
        """Each rule's action by the name the engine gives it in a pending action."""
        self.host.set_rulesets({self.name: rules})
        self._rules = self.host.get_ruleset(self.name)

    def _action(self, rule: Rule) -> Run:
        aliases = [item.name for item in rule.when if isinstance(item, Pattern)]
        config = self.ruleset.config
        steps = [
            (action.retract, None)
            if isinstance(action, Retract)
            else (action.assert_["fact"], assert_maker(action, config))
            for action in rule.then
        ]

        def run(matched: Matched) -> None:
            working = self._current
            assert working is not None
            if working.stopped:
                return
            if len(working.trace) >= self.max_firings:
                # no new fact, no new match: the engine drains what is pending and returns
                working.stopped = True
                return
            try:
                working.trace.append(rule.id)
                bound = {alias: matched[alias] for alias in aliases}
                for name, make in steps:
                    if make is None:  # retract the fact matched as ``name``
                        fact = bound[name]
                        working.memory.pop(fact["id"], None)
                        self._rules.retract_fact(dict(fact))
                    else:  # assert a fact of kind ``name``
                        self._assert(working, rule, name, make(bound))
            except Exception as exc:  # the engine would swallow it
                working.errors.append(f"{rule.id}: {type(exc).__name__}: {exc}")

        return run

    def _assert(self, working: _Working, rule: Rule, kind: str, values: dict[str, Any]) -> None:
        working.made += 1
        fact = {"t": kind, "id": f"{rule.id}#{working.made}", **values}
        working.memory[fact["id"]] = fact
        if kind in self._consumed:
            # a fact no rule can match is refused by the engine: it stays in the working memory
            with contextlib.suppress(MessageNotHandledException):
                self._rules.assert_fact({**fact, "sid": working.sid})

    def _post(self, facts: list[dict[str, Any]]) -> None:
        """Assert ``facts`` and run the actions they make pending, and those that these make
        pending, until none is: what ``Host.assert_facts`` does for actions of one parameter
        (see the module's notes), each action's state update and completion included."""
        rules = self._rules
        try:
            state_handle = rules.assert_facts(facts)
        except MessageNotHandledException:  # no rule matched: nothing follows
            return
        handle = rules._handle
        started = durable_rules_engine.start_action_for_state(handle, state_handle)
        if not started:
            return
        state_json, pending = started[0], started[1]
        try:
            while pending:
                name, matched = next(iter(json.loads(pending).items()))
                self._runs[name](matched)
                durable_rules_engine.update_state(handle, state_json)
                pending = durable_rules_engine.complete_and_start_action(handle, state_handle)
        except BaseException:
            durable_rules_engine.abandon_action(handle, state_handle)
            raise

    def close(self) -> None:
        """Free the engine's ruleset (the durable_rules host never does: ~0.3 MB each)."""
        if self._closed:
            return
        self._closed = True
        durable_rules_engine.delete_ruleset(self.host.get_ruleset(self.name)._handle)

    def evaluate(self, facts: PolicyInput) -> PolicyOutcome:
        sid = str(next(self._sids))
        # candidates first: a rule with a negation (no lead …) must not see a partial picture;
        # each fact as posted (with its state's sid) is the one the working memory holds
        initial = [
            *({"t": "candidate", **candidate, "sid": sid} for candidate in facts.candidates),
            {"t": "context", "id": "context", **facts.context, "sid": sid},
            {"t": "event", **facts.event, "sid": sid},
        ]
        memory, trace = self.run(initial, sid)
        return read_memory(memory, trace)

    def run(
        self, initial: list[dict[str, Any]], sid: str | None = None
    ) -> tuple[list[dict[str, Any]], list[str]]:
        """The working memory after the rules ran on ``initial`` (facts with ``t`` and ``id``;
        one of them of kind ``event``, which the bookkeeping rule fires on), and the rules
        fired in order. The state is the evaluation's own (one state per evaluation, deleted
        after it); ``stage`` is asserted in a second call when a rule waits for it. ``sid``:
        the state the facts already name (each carries it as ``sid``); by default a new one,
        given to copies of the facts."""
        if self._closed:
            raise EngineError("the rule engine was closed")
        if sid is None:
            sid = str(next(self._sids))
            initial = [{**fact, "sid": sid} for fact in initial]
        working = _Working(sid=sid)
        for fact in initial:
            working.memory[fact["id"]] = fact
        self._current = working
        consumed = self._consumed
        try:
            # a kind no rule matches would make the engine refuse the whole post (and then no
            # action has run before delete_state: see the module's notes); events always match
            self._post([f for f in initial if f["t"] == "event" or f["t"] in consumed])
            if self._staged:
                self._post([{"t": "stage", "id": "stage", "name": "decide", "sid": sid}])
        except Exception as exc:
            raise EngineError(f"rule engine failed: {type(exc).__name__}: {exc}") from exc
        finally:
            self._current = None
            self._rules.delete_state(sid)
        if working.stopped:
            raise FiringLimitError(
                [
                    Problem(
                        "rules.firing_limit",
                        {
                            "limit": self.max_firings,
                            "shown": min(CHAIN_SHOWN, len(working.trace)),
                            "chain": " → ".join(working.trace[-CHAIN_SHOWN:]),
                            "name": MAX_FIRINGS_ENV,
                        },
                    )
                ]
            )
        if working.errors:
            raise EngineError("; ".join(working.errors))
        return list(working.memory.values()), working.trace
