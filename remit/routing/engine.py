"""The policy rules running on durable_rules, inside the engine's measured envelope.

- No background threads: the default Host starts timer threads that race with synchronous
  calls, so :class:`QuietHost` never starts them.
- Every action is a closure of one parameter (two would make it asynchronous).
- An exception inside an action would be swallowed by the engine; our actions catch it
  themselves and the evaluation raises :class:`EngineError` for that event.
- Events share a state (sid), :data:`BATCH` at a time, deleted after the call: far from the
  1,024 live states. Every fact carries its event's index (``ev``) and every pattern of a rule
  is joined on its first pattern's event (``compile.join_expression``), so a rule matches the
  facts of one event only and each event's outcome is the one it has alone (the differential
  and property tests hold it to that). A state per event costs about 1.5× as much: the engine's
  per-call work (encoding, the bookkeeping action, freeing the state) is shared. Rules that
  cannot be joined (a rule with no pattern on one event's facts) are evaluated one event at a
  time.
- Negation is only reliable on facts that have settled: the event's facts go in first, then,
  in a second call, the ``stage`` fact that rules with a ``none`` pattern wait for.
- Facts a rule asserts are mirrored in a Python working memory (the engine refuses a fact no
  rule matches), and only kinds some rule matches go into the engine.
- ``delete_state`` frees two pointers of the state (its action context) that only running an
  action sets: on a state where no rule fired it frees uninitialised memory (a segfault, an
  abort, or a corrupted heap). A bookkeeping rule (:data:`SETTLE`) fires once per state, on a
  fact of its own posted first, so every state has run an action before it is deleted; it is
  not in the trace.
- The bound on firings per evaluation (:data:`DEFAULT_MAX_FIRINGS`) turns a chain that would
  not stop into a refusal of that one evaluation, never a hang.
- The actions a post makes pending are run here (:meth:`RuleEngine._post`), with the engine's
  own calls, as the Host would run them: one after another until none is pending. The Host's
  way wraps each in objects, clocks and callbacks meant for asynchronous actions, which cost
  more than the engine itself on a small ruleset. Facts go to the engine encoded by orjson.

:meth:`RuleEngine.evaluate_many` runs the routing facts of many events (:class:`PolicyInput`)
and reads each one's outcome (:meth:`RuleEngine.evaluate`, of one); :meth:`RuleEngine.run` runs any facts — among them exactly one ``event`` fact, the
one the bookkeeping rule fires on — and hands back the final working memory, for a reader of
another shape (the dispute rulings of :mod:`remit.routing.disputes`), inside the same envelope.
"""

from __future__ import annotations

import dataclasses
import itertools
import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import durable_rules_engine
import orjson
from durable.engine import Host, MessageNotHandledException

from remit.errors import InputError, Problem, RemitError, location
from remit.routing.facts import PolicyInput
from remit.routing.outcome import PolicyOutcome, read_memory
from remit.routing.rules.compile import EVENT_INDEX, RuleSet, anchors, assert_maker, definition
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
    prefix: str = ""
    """What the ids of this event's facts start with in a state several events share."""
    ev: int = 0
    """The event's index in its state (:data:`EVENT_INDEX`)."""
    memory: dict[str, dict[str, Any]] = field(default_factory=dict)
    trace: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    made: int = 0
    stopped: bool = False
    """The bound on firings was reached: actions do nothing more, so chaining ends."""


_names = itertools.count()

SETTLE = "_settle"
"""The bookkeeping rule that makes every state run an action (see the module's notes): it
fires once per state, on a fact of its own kind posted with the first facts."""

BATCH = 32
"""Events evaluated in one engine state (:meth:`RuleEngine.evaluate_many`): measured on the
synthetic city, 25–50 events per state cost least per event; hundreds cost more again."""


Matched = dict[str, dict[str, Any]]
"""The facts a rule matched, by the aliases of its patterns."""

Run = Callable[[Matched], None]
"""A rule's action: one parameter (two would make the engine treat it as asynchronous)."""


def _settle(matched: Matched) -> None:
    return None


class RuleEngine:
    """Evaluates a :class:`RuleSet` on the facts of one event at a time."""

    def __init__(self, ruleset: RuleSet, max_firings: int | None = None, batch: int = BATCH):
        self.ruleset = ruleset
        self.max_firings = max_firings_setting() if max_firings is None else max_firings
        self.name = f"remit_{ruleset.digest[:12]}_{next(_names)}"
        self._consumed = ruleset.consumed
        self._staged = "stage" in self._consumed
        self._anchors = anchors(ruleset)
        self.batch = batch if self._anchors is not None else 1
        """Events per engine state: 1 when some rule has no pattern to join the others on."""
        self._current: list[_Working] = []
        self._sids = itertools.count(1)
        self._closed = False
        self.host = QuietHost()
        rules = definition(ruleset, self._action, joined=self._anchors is not None)
        rules[SETTLE] = {"all": [{"s": {"t": SETTLE}}], "pri": 0, "run": _settle}
        self._runs: dict[str, Run] = {name: rule["run"] for name, rule in rules.items()}
        """Each rule's action by the name the engine gives it in a pending action."""
        self.host.set_rulesets({self.name: rules})
        self._rules = self.host.get_ruleset(self.name)
        self._handle: int = self._rules._handle

    def _action(self, rule: Rule) -> Run:
        aliases = [item.name for item in rule.when if isinstance(item, Pattern)]
        config = self.ruleset.config
        steps = [
            (action.retract, None)
            if isinstance(action, Retract)
            else (action.assert_["fact"], assert_maker(action, config))
            for action in rule.then
        ]

        alias = self._anchors.get(rule.id) if self._anchors is not None else None

        def run(matched: Matched) -> None:
            current = self._current
            working = current[matched[alias][EVENT_INDEX]] if alias else current[0]
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
                        if self._call(durable_rules_engine.retract_fact, fact) is None:
                            raise MessageNotHandledException(fact)
                    else:  # assert a fact of kind ``name``
                        self._assert(working, rule, name, make(bound))
            except Exception as exc:  # the engine would swallow it
                working.errors.append(f"{rule.id}: {type(exc).__name__}: {exc}")

        return run

    def _assert(self, working: _Working, rule: Rule, kind: str, values: dict[str, Any]) -> None:
        working.made += 1
        fact = {"t": kind, "id": f"{working.prefix}{rule.id}#{working.made}", **values}
        if self._anchors is not None:
            fact[EVENT_INDEX] = working.ev
        working.memory[fact["id"]] = fact
        if kind in self._consumed:
            # a fact no rule can match is refused by the engine: it stays in the working memory
            # (the engine's copy carries the state; the working memory's need not)
            self._call(durable_rules_engine.assert_fact, {**fact, "sid": working.sid})

    def _call(self, entry: Callable[[int, str], tuple[int, int]], payload: Any) -> int | None:
        """One of the engine's C entry points on ``payload`` encoded with orjson (what
        durable's ruleset methods do with the json module, 3× slower): the state's handle, or
        None when no rule matched (the engine refuses a fact no rule can see) or the fact was
        seen already, as ``durable.engine.Ruleset._handle_result`` reads the codes."""
        code, handle = entry(self._handle, orjson.dumps(payload).decode())
        if code in (1, 2):
            return None
        return 0 if code == 3 else handle

    def _post(self, facts: list[dict[str, Any]]) -> None:
        """Assert ``facts`` and run the actions they make pending, and those that these make
        pending, until none is: what ``Host.assert_facts`` does for actions of one parameter
        (see the module's notes), each action's state update and completion included."""
        handle = self._handle
        state_handle = self._call(durable_rules_engine.assert_facts, facts)
        if state_handle is None:  # no rule matched: nothing follows
            return
        started = durable_rules_engine.start_action_for_state(handle, state_handle)
        if not started:
            return
        state_json, pending = started[0], started[1]
        runs, loads = self._runs, orjson.loads
        try:
            while pending:
                name, matched = next(iter(loads(pending).items()))
                runs[name](matched)
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
        """The outcome of one event's facts; raises :class:`EngineError` (a
        :class:`FiringLimitError` when the rules fired too often)."""
        (result,) = self.evaluate_many([facts])
        if isinstance(result, EngineError):
            raise result
        return result

    def evaluate_many(self, inputs: Sequence[PolicyInput]) -> list[PolicyOutcome | EngineError]:
        """The outcome of each event's facts, in order, or the :class:`EngineError` that event
        met (the others are decided all the same). Events share an engine state :attr:`batch`
        at a time, every pattern joined on the event (``compile.join_expression``): a rule
        matches one event's facts only, so an event's outcome is the one it has alone."""
        if self._closed:
            raise EngineError("the rule engine was closed")
        out: list[PolicyOutcome | EngineError] = []
        for start in range(0, len(inputs), self.batch):
            out += self._evaluate_batch(inputs[start : start + self.batch])
        return out

    def _evaluate_batch(self, inputs: Sequence[PolicyInput]) -> list[PolicyOutcome | EngineError]:
        sid = str(next(self._sids))
        joined = self._anchors is not None
        consumed = self._consumed
        workings: list[_Working] = []
        posted: list[dict[str, Any]] = [{"t": SETTLE, "id": SETTLE, "sid": sid}]
        for ev, facts in enumerate(inputs):
            # a batch of one keeps the facts' own ids
            prefix = f"{ev}:" if len(inputs) > 1 else ""
            working = _Working(sid=sid, prefix=prefix, ev=ev)
            extra: dict[str, Any] = {"sid": sid, EVENT_INDEX: ev} if joined else {"sid": sid}
            # candidates first: a rule with a negation (no lead …) must not see a partial
            # picture; each fact as posted is the one the working memory holds
            for fact in (
                *({"t": "candidate", **candidate} for candidate in facts.candidates),
                {"t": "context", "id": "context", **facts.context},
                {"t": "event", **facts.event},
            ):
                fact.update(extra)
                if prefix:
                    fact["id"] = prefix + fact["id"]
                working.memory[fact["id"]] = fact
                if fact["t"] in consumed:
                    posted.append(fact)
            workings.append(working)
        failure = self._in_state(sid, posted, workings)
        if failure is not None:
            if len(inputs) > 1:  # which event? each alone says
                return [result for one in inputs for result in self._evaluate_batch([one])]
            return [EngineError(f"rule engine failed: {type(failure).__name__}: {failure}")]
        return [self._result(working) for working in workings]

    def _in_state(
        self, sid: str, posted: list[dict[str, Any]], workings: list[_Working]
    ) -> Exception | None:
        """Run the rules in state ``sid`` on ``posted`` (the bookkeeping fact and the events'
        facts), then on the ``stage`` fact when a rule waits for it, the actions working on
        ``workings`` (by the facts' event index); the state is deleted after. What the engine
        raised, if it did."""
        self._current = workings
        try:
            self._post(posted)
            if self._staged:
                self._post([{"t": "stage", "id": "stage", "name": "decide", "sid": sid}])
        except Exception as exc:
            return exc
        finally:
            self._current = []
            self._rules.delete_state(sid)
        return None

    def _result(self, working: _Working) -> PolicyOutcome | EngineError:
        if working.stopped:
            return self._firing_limit(working)
        if working.errors:
            return EngineError("; ".join(working.errors))
        return read_memory(working.memory.values(), working.trace)

    def _firing_limit(self, working: _Working) -> FiringLimitError:
        return FiringLimitError(
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

    def run(
        self, initial: list[dict[str, Any]], sid: str | None = None
    ) -> tuple[list[dict[str, Any]], list[str]]:
        """The working memory after the rules ran on ``initial`` (facts with ``t`` and ``id``,
        of one event), and the rules fired in order. The state is the evaluation's own (one
        state per evaluation, deleted after it); ``stage`` is asserted in a second call when a
        rule waits for it. ``sid``: the state the facts already name (each carries it as
        ``sid``); by default a new one, given to copies of the facts."""
        if self._closed:
            raise EngineError("the rule engine was closed")
        if sid is None:
            sid = str(next(self._sids))
            initial = [{**fact, "sid": sid} for fact in initial]
        if self._anchors is not None:
            initial = [{**fact, EVENT_INDEX: 0} for fact in initial]
        working = _Working(sid=sid)
        for fact in initial:
            working.memory[fact["id"]] = fact
        # a kind no rule matches would make the engine refuse the whole post; the bookkeeping
        # fact always matches (see the module's notes)
        posted = [
            {"t": SETTLE, "id": SETTLE, "sid": sid},
            *(f for f in initial if f["t"] in self._consumed),
        ]
        failure = self._in_state(sid, posted, [working])
        if failure is not None:
            raise EngineError(
                f"rule engine failed: {type(failure).__name__}: {failure}"
            ) from failure
        if working.stopped:
            raise self._firing_limit(working)
        if working.errors:
            raise EngineError("; ".join(working.errors))
        return list(working.memory.values()), working.trace
