"""The outcome cache: the policies' outcome is reused for events whose facts are equal, or — for
the default policies — equal up to the names of the units and duties in them.

Sound because a snapshot is immutable and the policies see nothing but the facts. Keyed on the
facts as they are (:attr:`PolicyInput.key`), it hits when the same matter is reported again in
the same street with the same attributes. In a city most such pairs are rare (215 streets ×
300 matters × attributes …), but the *shape* of the facts repeats: the default policies
(remit/rules/default.yaml, and the reference resolver of the same policies) never look at what a
unit code, a duty reference or a platform code says — they test it for being empty, compare it
with another one for equality, and copy it into what they conclude. Their outcome commutes with
renaming those codes: renaming them to placeholders in order of first appearance (``§0``, ``§1``
…; equal codes get equal placeholders, ``""`` stays empty) gives one key for every event of that
shape, and the cached outcome, its placeholders put back, is the one the policies reach on the
event's own facts. ``read_memory`` breaks ties by unit code in three places (the fallback unit,
the dispatching platform, the order of facts with the same rank); under the default policies
each of those has at most one candidate, and the orders that depend on codes (lost candidates,
commanders, facts in rank order) are sorted again after the codes are put back.

Any other rules (``--rules``) may test a code against a constant: their outcomes are cached on
the facts as they are.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from remit.routing.facts import PolicyInput
from remit.routing.outcome import Fact, PolicyOutcome
from remit.routing.rules.compile import RuleSet, load_rules
from remit.routing.rules.model import REF, Assert, Negation, Pattern

MARK = "§"
"""Placeholders start with it; an event whose codes do (no real code does) is cached as is."""


INPUT_CODES = frozenset(
    {
        ("candidate", "unit"),
        ("candidate", "duty"),
        ("candidate", "refer_to"),
        ("event", "owner"),
        ("context", "territorial"),
        ("context", "street_platform"),
        ("context", "district_platform"),
        ("context", "city_platform"),
    }
)
"""The fields of the input facts that hold codes (renamed in a shape)."""


def renaming_safe(ruleset: RuleSet) -> bool:
    """Can no outcome of ``ruleset`` depend on what a code says? A conservative check: every
    test of a field that may hold a code (an input code, or a field an ``assert`` copies one
    into) is ``eq`` or ``ne`` against ``""`` or against another such field, and nothing but a
    code goes into such a field of a fact some rule matches."""
    codes = set(INPUT_CODES)

    def ref_of(value: Any, kinds: dict[str, str]) -> tuple[str, str] | None:
        ref = REF.match(value) if isinstance(value, str) else None
        if ref is None or ref.group(1) == "config":
            return None
        return kinds[ref.group(1)], ref.group(2)

    def constant(value: Any) -> Any:
        ref = REF.match(value) if isinstance(value, str) else None
        return ruleset.config.value(ref.group(2)) if ref and ref.group(1) == "config" else value

    kinds_of = {
        rule.id: {item.name: item.fact for item in rule.when if isinstance(item, Pattern)}
        for rule in ruleset.rules
    }
    grown = True
    while grown:  # the fields asserts copy codes into, and the fields those are copied into …
        grown = False
        for rule in ruleset.rules:
            for action in rule.then:
                if isinstance(action, Assert):
                    kind = action.assert_["fact"]
                    for name, value in action.assert_.items():
                        source = ref_of(value, kinds_of[rule.id])
                        if source in codes and (kind, name) not in codes:
                            codes.add((kind, name))
                            grown = True
    consumed = ruleset.consumed
    for rule in ruleset.rules:
        kinds = kinds_of[rule.id]
        for item in rule.when:
            pattern = item.none if isinstance(item, Negation) else item
            for name, tests in pattern.tests().items():
                is_code = (pattern.fact, name) in codes
                for test in tests:
                    for value in test.value if isinstance(test.value, list) else [test.value]:
                        other = ref_of(value, kinds)
                        if other is not None:
                            if (is_code or other in codes) and (
                                test.op not in {"eq", "ne"} or is_code != (other in codes)
                            ):
                                return False
                        elif is_code and (test.op not in {"eq", "ne"} or constant(value) != ""):
                            return False
        for action in rule.then:
            if isinstance(action, Assert) and action.assert_["fact"] in consumed:
                kind = action.assert_["fact"]
                for name, value in action.assert_.items():
                    if (kind, name) in codes and ref_of(value, kinds) not in codes:
                        return False
    return True


def by_shape(ruleset: RuleSet) -> bool:
    """May outcomes of ``ruleset`` be cached by shape? For the default policies, whose outcomes
    were checked not to break ties by code (one fallback unit and one dispatch fact at most,
    one candidate per rank), and only while they pass :func:`renaming_safe`."""
    return ruleset.rules == load_rules().rules and renaming_safe(ruleset)


def _placeholder(i: int) -> str:
    return f"{MARK}{i}"


_PLACEHOLDERS = [_placeholder(i) for i in range(256)]
_CANDIDATE_FIELDS = (
    "id",
    "duty",
    "unit",
    "role",
    "priority",
    "rank",
    "policy",
    "owner_row",
    "reference",
    "refer_to",
)
_CONTEXT_CODES = frozenset(field for kind, field in INPUT_CODES if kind == "context")


def _shape(facts: PolicyInput) -> tuple[tuple[Any, ...], list[str]] | None:
    """The key of ``facts`` with their codes (:data:`INPUT_CODES`) renamed, and the codes in
    placeholder order. Fields are taken in the order the facts have them (policy_input builds
    them alike): equal keys still mean equal facts up to renaming."""
    names: dict[str, str] = {}
    codes: list[str] = []

    def rename(code: str) -> str:
        if not code:
            return code
        found = names.get(code)
        if found is None:
            n = len(codes)
            found = names[code] = _PLACEHOLDERS[n] if n < len(_PLACEHOLDERS) else _placeholder(n)
            codes.append(code)
        return found

    event, context = facts.event, facts.context
    key = (
        tuple({**event, "owner": rename(event["owner"])}.items()),
        tuple((k, rename(v) if k in _CONTEXT_CODES else v) for k, v in context.items()),
        tuple(
            (
                c["id"],
                rename(c["duty"]),
                rename(c["unit"]),
                c["role"],
                c["priority"],
                c["rank"],
                c["policy"],
                c["owner_row"],
                c["reference"],  # a role reference ("@territorial"), not a code
                rename(c["refer_to"]),
            )
            if tuple(c) == _CANDIDATE_FIELDS  # as policy_input makes them: values say it all
            else tuple(
                {
                    **c,
                    "unit": rename(c["unit"]),
                    "duty": rename(c["duty"]),
                    "refer_to": rename(c.get("refer_to", "")),
                }.items()
            )
            for c in facts.candidates
        ),
    )
    if any(code.startswith(MARK) for code in codes):
        return None
    return key, codes


def _rename_outcome(outcome: PolicyOutcome, name: Any) -> PolicyOutcome:
    """``outcome`` with each unit code and duty reference ``c`` replaced by ``name(c)``, in the
    orders :func:`remit.engine.outcome.read_memory` gives."""

    def facts(items: tuple[Fact, ...]) -> tuple[Fact, ...]:
        if not items:
            return items
        renamed = [{**f, "unit": name(f["unit"]), "duty": name(f["duty"])} for f in items]
        if len(renamed) > 1:
            renamed.sort(key=lambda f: (f["rank"], f["unit"]))
        return tuple(renamed)

    lost, commanders = outcome.lost, outcome.commanders
    return PolicyOutcome(
        leads=facts(outcome.leads),
        assists=facts(outcome.assists),
        supervisors=facts(outcome.supervisors),
        refusals=facts(outcome.refusals),
        lost=tuple(sorted((name(u), name(d), reason) for u, d, reason in lost)) if lost else lost,
        conflict=outcome.conflict,
        fallback=name(outcome.fallback) if outcome.fallback is not None else None,
        referral=(
            (name(outcome.referral[0]), name(outcome.referral[1])) if outcome.referral else None
        ),
        coordination=(
            (name(outcome.coordination[0]), outcome.coordination[1])
            if outcome.coordination
            else None
        ),
        unroutable=outcome.unroutable,
        commanders=(
            tuple(sorted((name(u), reason) for u, reason in commanders))
            if commanders
            else commanders
        ),
        dispatch=((name(outcome.dispatch[0]), *outcome.dispatch[1:]) if outcome.dispatch else None),
        rules_fired=outcome.rules_fired,
    )


Shape = tuple[tuple[Any, ...], list[str]]
"""Facts' key up to renaming codes, and the codes in placeholder order (:func:`_shape`)."""


@dataclass(frozen=True, slots=True)
class Lookup:
    """What :meth:`OutcomeCache.lookup` found for some facts: the outcome (None: not cached),
    and the key they are cached by (with the codes renamed when by shape), for
    :meth:`OutcomeCache.store` to store their outcome under without working it out again."""

    outcome: PolicyOutcome | None
    key: tuple[Any, ...]
    codes: list[str] | None


class OutcomeCache:
    """Outcomes by the facts' key; with ``by_shape`` (the default policies only), by their key
    up to renaming codes, as the module explains."""

    def __init__(self, by_shape: bool):
        self.by_shape = by_shape
        self._outcomes: dict[tuple[Any, ...], PolicyOutcome] = {}
        self._last: tuple[PolicyInput, Lookup] | None = None
        """The last facts looked up (:meth:`get` then :meth:`put` rename them once)."""

    def __len__(self) -> int:
        return len(self._outcomes)

    def lookup(self, facts: PolicyInput) -> Lookup:
        """The outcome cached for ``facts`` (renamed to their codes), and their key."""
        shape: Shape | None = _shape(facts) if self.by_shape else None
        key = shape[0] if shape else facts.key
        found = self._outcomes.get(key)
        if shape is None:
            return Lookup(found, key, None)
        codes = shape[1]
        if found is not None:
            back = dict(zip(_PLACEHOLDERS, codes, strict=False)) if len(codes) <= 256 else None
            if back is None:
                back = {_placeholder(i): code for i, code in enumerate(codes)}
            found = _rename_outcome(found, lambda c: back.get(c, c))
        return Lookup(found, key, codes)

    def store(self, looked: Lookup, outcome: PolicyOutcome) -> None:
        """Cache ``outcome`` for the facts ``looked`` was the lookup of."""
        if looked.codes is None:
            self._outcomes[looked.key] = outcome
            return
        placeholders = {code: _placeholder(i) for i, code in enumerate(looked.codes)}
        self._outcomes[looked.key] = _rename_outcome(outcome, lambda c: placeholders.get(c, c))

    def get(self, facts: PolicyInput) -> PolicyOutcome | None:
        looked = self.lookup(facts)
        self._last = (facts, looked)
        return looked.outcome

    def put(self, facts: PolicyInput, outcome: PolicyOutcome) -> None:
        last = self._last
        self.store(
            last[1] if last is not None and last[0] is facts else self.lookup(facts), outcome
        )
        self._last = None
