"""Rules that terminate (issue 11): the static check refuses rules that could trigger one another
for ever, naming the cycle in firing order; the engine stops an event after a bound on firings
(REMIT_MAX_RULE_FIRINGS) and refuses that event alone; duplicate rule ids, unknown removals and
deeply nested conditions are refused in plain words with the file and line.

Whatever could hang runs in a subprocess with a timeout, so a regression fails, never hangs."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from remit import InputError, Registry
from remit.routing.engine import (
    DEFAULT_MAX_FIRINGS,
    FiringLimitError,
    RuleEngine,
    max_firings_setting,
)
from remit.routing.facts import PolicyInput
from remit.routing.rules.compile import RuleSet, load_rules
from remit.routing.rules.termination import cycles, trigger_graph
from tests.factories import ROOT, Cli, exits, ok

pytestmark = pytest.mark.usefixtures("wide_terminal", "wide_messages")

DATA = ROOT / "data"
EVENTS = DATA / "events" / "huangpu-2026.jsonl"
HANG = 120  # seconds: far beyond what a bounded run takes (well under one)

# one starting rule and a cycle; ids look like codes so that Chinese output has no English word
PING_PONG = """\
file: rules
id: ping-pong
rules:
  - id: r1
    pri: 200
    when:
      - {as: e, fact: event, where: {repeat: {gte: 3}}}
    then:
      - assert: {fact: ping, n: 1}
  - id: r2
    pri: 201
    when:
      - {as: p, fact: ping}
    then:
      - assert: {fact: pong, n: $p.n}
  - id: r3
    pri: 202
    when:
      - {as: p, fact: pong}
    then:
      - assert: {fact: ping, n: $p.n}
"""


def rules_dir(tmp_path: Path, text: str, name: str = "r.yaml") -> Path:
    folder = tmp_path / "rules"
    folder.mkdir(exist_ok=True)
    (folder / name).write_text(textwrap.dedent(text), encoding="utf-8")
    return folder


def rule(rule_id: str, when: str, then: str, pri: int = 200) -> str:
    return f"  - id: {rule_id}\n    pri: {pri}\n    when: [{when}]\n    then: [{then}]\n"


def ruleset(*rules: str) -> str:
    return "file: rules\nid: t\nrules:\n" + "".join(rules)


def refused(tmp_path: Path, text: str) -> str:
    """The problems of loading the defaults with ``text`` added (which must be refused)."""
    with pytest.raises(InputError) as caught:
        load_rules(rules_dir(tmp_path, text))
    return caught.value.render("en")


# --- the static check ----------------------------------------------------------------------------


def test_the_default_and_sample_rules_stop() -> None:
    for loaded in (load_rules(), load_rules(DATA / "rules")):
        assert cycles(loaded.rules, loaded.config) == []
    # and the graph is not empty: the check sees the chains that are there
    graph = trigger_graph(load_rules().rules, load_rules().config)
    assert graph.has_edge("dispatch-street", "repeat-escalates-to-district")
    assert graph.has_edge("collect-first-leads", "refusal-removes-candidate")
    assert not graph.has_edge("repeat-escalates-to-district", "repeat-escalates-to-district")


def test_a_self_loop_is_refused(cli: Cli, tmp_path: Path) -> None:
    text = ruleset(
        rule("r1", "{as: e, fact: event}", "assert: {fact: token, n: 1}"),
        rule("r2", "{as: k, fact: token}", "assert: {fact: token, n: $k.n}", pri=210),
    )
    folder = rules_dir(tmp_path, text)
    result = exits(cli("rules", "check", "--rules", folder), 2)
    assert (
        f"{folder / 'r.yaml'}, line 8: rule r2 asserts a fact that its own pattern matches"
        in result.stderr
    )
    assert "it could fire forever" in result.stderr and "r1" not in result.stderr


def test_a_chain_that_keeps_asserting_new_facts_is_refused(tmp_path: Path) -> None:
    # each firing makes a fact the same rule matches again, with its own new id
    text = ruleset(
        rule(
            "r1",
            "{as: e, fact: event}, {as: c, fact: candidate, where: {role: lead}}",
            "assert: {fact: candidate, role: $c.role, unit: $c.unit, rank: 9}",
        )
    )
    assert "rule r1 asserts a fact that its own pattern matches" in refused(tmp_path, text)


def test_a_ping_pong_is_refused_before_routing(cli: Cli, tmp_path: Path, sample_url: str) -> None:
    folder = rules_dir(tmp_path, PING_PONG)
    says = "rules r2 → r3 → r2 trigger each other"
    assert says in exits(cli("rules", "check", "--rules", folder), 2).stderr
    route = cli(
        "route", "--matter", "SJ0301", "--area", "310101020000", "--rules", folder, db=sample_url
    )
    assert says in exits(route, 2).stderr and route.stdout == ""
    out = tmp_path / "d.jsonl"
    batch = cli("route-batch", EVENTS, "--rules", folder, "-o", out, db=sample_url)
    assert says in exits(batch, 2).stderr and not out.exists()
    recorded = tmp_path / "recorded.jsonl"
    ok(cli("route-batch", EVENTS, "--rules", DATA / "rules", "-o", recorded, db=sample_url))
    replay = cli("replay", recorded, "--rules", folder, db=sample_url)
    assert says in exits(replay, 2).stderr and replay.stdout == ""


def test_a_three_cycle_is_named_in_firing_order(tmp_path: Path) -> None:
    # written out of order; named from the rule that fires first, along the cycle
    text = ruleset(
        rule("c3", "{as: z, fact: zeta}", "assert: {fact: xi, v: $z.v}", pri=230),
        rule("c1", "{as: x, fact: xi}", "assert: {fact: ypsilon, v: $x.v}", pri=210),
        rule("c2", "{as: y, fact: ypsilon}", "assert: {fact: zeta, v: 1}", pri=220),
        rule("c0", "{as: e, fact: event}", "assert: {fact: xi, v: 0}", pri=200),
    )
    message = refused(tmp_path, text)
    assert "rules c1 → c2 → c3 → c1 trigger each other" in message
    assert "line 8" in message  # c1, the first to fire, is where it is reported
    assert message.count("trigger each other") == 1 and "c0" not in message


def test_every_cycle_is_named_once(tmp_path: Path) -> None:
    text = ruleset(
        rule("a1", "{as: x, fact: xa}", "assert: {fact: xb}", pri=210),
        rule("a2", "{as: x, fact: xb}", "assert: {fact: xa}", pri=211),
        rule("b1", "{as: x, fact: xc}", "assert: {fact: xc, k: 1}", pri=220),
    )
    message = refused(tmp_path, text)
    assert "rules a1 → a2 → a1" in message and "rule b1 asserts" in message
    assert len(message.splitlines()) == 2


@pytest.mark.parametrize(
    "text",
    [
        # a chain through three kinds of fact, then a kind no rule matches
        ruleset(
            rule("k1", "{as: e, fact: event}", "assert: {fact: xa, v: $e.severity}"),
            rule("k2", "{as: a, fact: xa}", "assert: {fact: xb, v: $a.v}"),
            rule("k3", "{as: b, fact: xb}", "assert: {fact: note, v: $b.v}"),
        ),
        # the same kind, but the asserted constant fails the pattern (as the escalation rules do)
        ruleset(
            rule(
                "k1",
                "{as: s, fact: step, where: {done: false}}",
                "assert: {fact: step, done: true}",
            ),
            rule("k0", "{as: e, fact: event}", "assert: {fact: step, done: false}"),
        ),
        # … through $config, and through a field the matched fact's pattern fixes
        ruleset(
            rule(
                "k1",
                "{as: a, fact: alarm, where: {level: {gte: $config.emergency_severity}}}",
                "assert: {fact: alarm, level: 1}",
            ),
            rule(
                "k2",
                "{as: a, fact: item, where: {role: {in: [lead, assist]}}}",
                "assert: {fact: item, role: $a.role, copy: true}",
            ).replace("where: {role:", "where: {copy: false, role:"),
        ),
        # a field the asserted fact lacks fails the test on it
        ruleset(rule("k1", "{as: a, fact: mark, where: {seen: true}}", "assert: {fact: mark}")),
        # a retraction re-opens a `none`, but that rule asserts nothing the first one matches
        ruleset(
            rule(
                "k1",
                "{as: s, fact: stage, where: {name: decide}}, {as: c, fact: candidate}",
                "retract: c",
                pri=5,
            ),
            rule(
                "k2",
                "{as: s, fact: stage, where: {name: decide}}, {none: {fact: candidate}}",
                "assert: {fact: empty}",
            ),
        ),
    ],
    ids=["chain", "constant", "config-and-pattern", "missing-field", "retraction"],
)
def test_rules_that_stop_are_accepted(cli: Cli, tmp_path: Path, text: str) -> None:
    loaded = load_rules(rules_dir(tmp_path, text))
    assert cycles(loaded.rules, loaded.config) == []
    assert "no rules trigger one another" in ok(
        cli("rules", "check", "--rules", tmp_path / "rules")
    )


def test_a_retraction_that_reopens_a_negation_is_an_edge(tmp_path: Path) -> None:
    text = ruleset(
        rule(
            "n1",
            "{as: s, fact: stage, where: {name: decide}}, {none: {fact: token}}",
            "assert: {fact: flag}",
        ),
        rule("n2", "{as: f, fact: flag}, {as: k, fact: token}", "retract: k", pri=210),
        rule("n3", "{as: f, fact: flag}", "assert: {fact: token}", pri=220),
    )
    # n1 → n2 (flag), n2 → n1 (a token retracted), n1 → n3 (flag), n3 → n2 (token)
    assert "rules n1 → n2 → n1 trigger each other" in refused(tmp_path, text)


# --- the bound on firings --------------------------------------------------------------------------


def _unchecked(folder: Path) -> RuleSet:
    """The defaults and ``folder``'s rules, past the termination check (what it cannot see)."""
    import remit.routing.rules.compile as compile_module

    real = compile_module.termination_problems
    compile_module.termination_problems = lambda ruleset, where: []  # type: ignore[assignment]
    try:
        return load_rules(folder)
    finally:
        compile_module.termination_problems = real


def _run(
    script: str, *args: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """``script`` in a fresh Python with remit from this tree; a hang fails the test."""
    environment = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]),
        "COLUMNS": "10000",
        "REMIT_MAX_RULE_FIRINGS": "",  # the default
        **(env or {}),
    }
    try:
        return subprocess.run(
            [sys.executable, "-c", textwrap.dedent(script), *args],
            capture_output=True,
            text=True,
            timeout=HANG,
            env=environment,
            cwd=ROOT,
        )
    except subprocess.TimeoutExpired:
        pytest.fail(f"still running after {HANG} s: the bound on rule firings does not hold")


def test_the_engine_stops_a_cycle_it_was_given(tmp_path: Path) -> None:
    folder = rules_dir(tmp_path, PING_PONG)
    script = """
        import sys
        from pathlib import Path
        import remit.routing.rules.compile as c
        c.termination_problems = lambda ruleset, where: []  # what the static check cannot see
        from remit.routing.engine import FiringLimitError, RuleEngine
        from remit.routing.facts import PolicyInput
        engine = RuleEngine(c.load_rules(Path(sys.argv[1])), max_firings=int(sys.argv[2]))
        facts = PolicyInput(event={"id": "E1", "repeat": 5}, context={}, candidates=(), duties={})
        for _ in range(3):  # and the engine is still usable after it
            try:
                engine.evaluate(facts)
            except FiringLimitError as exc:
                print(exc.render("en"))
        quiet = PolicyInput(event={"id": "E2", "repeat": 0}, context={}, candidates=(), duties={})
        print("quiet:", engine.evaluate(quiet).rules_fired)
    """
    done = _run(script, str(folder), "300")
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert len(lines) == 4 and lines[0] == lines[1] == lines[2]
    assert lines[0].startswith("the rules fired 300 times on this event without settling")
    assert (
        "the last 12 fired: r3 → r2 → r3 → r2 → r3 → r2 → r3 → r2 → r3 → r2 → r3 → r2." in lines[0]
    )
    assert "`REMIT_MAX_RULE_FIRINGS`" in lines[0]
    assert lines[3] == "quiet: ()"


def test_the_engine_bound_in_process(tmp_path: Path) -> None:
    """A short bound: fast even if it regressed to a long run, so no subprocess."""
    engine = RuleEngine(_unchecked(rules_dir(tmp_path, PING_PONG)), max_firings=5)
    try:
        with pytest.raises(FiringLimitError) as caught:
            engine.evaluate(
                PolicyInput(event={"id": "E1", "repeat": 3}, context={}, candidates=(), duties={})
            )
        assert "the last 5 fired: r1 → r2 → r3 → r2 → r3." in caught.value.render("en")
        assert "最后触发的 5 条：r1 → r2 → r3 → r2 → r3。" in caught.value.render("zh")
    finally:
        engine.close()


def test_the_bound_is_set_by_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("REMIT_MAX_RULE_FIRINGS", raising=False)
    assert max_firings_setting() == DEFAULT_MAX_FIRINGS == 1000
    monkeypatch.setenv("REMIT_MAX_RULE_FIRINGS", " 50 ")
    assert max_firings_setting() == 50
    engine = RuleEngine(load_rules())
    assert engine.max_firings == 50
    engine.close()
    for bad in ("0", "-3", "many", "1e3"):
        monkeypatch.setenv("REMIT_MAX_RULE_FIRINGS", bad)
        with pytest.raises(InputError, match="it must be a whole number of 1 or more"):
            max_firings_setting()


def test_a_bad_bound_is_refused_by_route(
    cli: Cli, sample_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("REMIT_MAX_RULE_FIRINGS", "lots")
    result = exits(cli("route", "--matter", "SJ0301", "--area", "310101020000", db=sample_url), 2)
    assert "`REMIT_MAX_RULE_FIRINGS` is 'lots': it must be a whole number" in result.stderr


def _sample_events_firing_three() -> list[str]:
    """The sample's events on which three rules fire (the most any of them needs)."""
    return [
        "HP-2026-0019",
        "HP-2026-0022",
        "HP-2026-0023",
        "HP-2026-0024",
        "HP-2027-0035",  # refused, then referred
        "HP-2027-0036",  # refused, then coordinated by the centre
    ]


def test_the_bound_refuses_one_event_in_route_and_route_batch(
    cli: Cli,
    any_sample_registry: Registry,
    db_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The default rules on the sample stop after 3 firings at most: a bound of 2 refuses the
    events that need 3 (exit 2 for route; a reject line for route-batch, the others decided)."""
    monkeypatch.setenv("REMIT_MAX_RULE_FIRINGS", "2")
    route = cli(
        "route", "--matter", "BJ0120", "--area", "310101002000",
        "--reported-at", "2026-05-03T20:35:00", "--rules", DATA / "rules", db=db_url,
    )  # fmt: skip
    stderr = exits(route, 2).stderr
    assert "command line: the rules fired 2 times on this event without settling" in stderr
    # in the order they fired (a decision lists them in the rules' order)
    assert "the last 2 fired: owner-unknown → dispatch-street." in stderr
    assert route.stdout == ""
    out, rejects = tmp_path / "d.jsonl", tmp_path / "r.jsonl"
    batch = cli(
        "route-batch", EVENTS, "--rules", DATA / "rules", "-o", out, "--rejects", rejects,
        db=db_url,
    )  # fmt: skip
    assert ok(batch).startswith("42 events: ") and "10 rejected" in batch.stdout
    refused = [json.loads(line) for line in rejects.read_text(encoding="utf-8").splitlines()]
    bound = [r for r in refused if "without settling" in r["reasons"][0]]
    assert [r["event_id"] for r in bound] == _sample_events_firing_three()
    assert all(r["reasons"][0].startswith(f"{EVENTS}, line {r['where']['line']}: ") for r in bound)
    decided = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert len(decided) == 32 and max(len(d["rules_fired"]) for d in decided) == 2


def test_the_sample_needs_three_firings_at_most(
    cli: Cli, sample_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The measure behind the default bound (docs/routing.md): 1000 is over 300 times it."""
    monkeypatch.delenv("REMIT_MAX_RULE_FIRINGS", raising=False)
    out = tmp_path / "d.jsonl"
    ok(cli("route-batch", EVENTS, "--rules", DATA / "rules", "-o", out, db=sample_url))
    decided = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    fired = {d["event_id"]: len(d["rules_fired"]) for d in decided}
    assert max(fired.values()) == 3
    assert sorted(e for e, n in fired.items() if n == 3) == _sample_events_firing_three()


def test_a_cycle_past_the_check_is_refused_per_event(
    tmp_path: Path, db_url: str, any_sample_registry: Registry
) -> None:
    """The CLI with the static check switched off: the events that loop are refused, one by
    one, the others decided; ``remit route`` on one that loops exits 2 naming the chain."""
    folder = rules_dir(tmp_path, PING_PONG)
    script = """
        import sys
        import remit.routing.rules.compile as c
        c.termination_problems = lambda ruleset, where: []
        from remit.cli import main
        sys.argv = ["remit", *sys.argv[1:]]
        main()
    """
    out, rejects = tmp_path / "d.jsonl", tmp_path / "r.jsonl"
    batch = _run(
        script, "route-batch", str(EVENTS), "--rules", str(folder), "-o", str(out),
        "--rejects", str(rejects), "--db", db_url, "--lang", "en",
    )  # fmt: skip
    assert batch.returncode == 0, batch.stderr
    assert "42 events: " in batch.stdout and "7 rejected" in batch.stdout
    refused = [json.loads(line) for line in rejects.read_text(encoding="utf-8").splitlines()]
    looping = [r["event_id"] for r in refused if "without settling" in r["reasons"][0]]
    assert looping == ["HP-2026-0028", "HP-2026-0029", "HP-2026-0037"]  # the repeat complaints
    assert len(out.read_text(encoding="utf-8").splitlines()) == 35
    route = _run(
        script, "route", "--matter", "SJ0301", "--area", "310101020000", "--repeat", "3",
        "--reported-at", "2026-09-07T23:10:00", "--rules", str(folder), "--db", db_url,
        "--lang", "zh",
    )  # fmt: skip
    assert route.returncode == 2, route.stderr
    assert f"规则在该事件上已触发 {DEFAULT_MAX_FIRINGS} 次仍未结束" in route.stderr
    assert "r2 → r3 → r2" in route.stderr and route.stdout == ""


# --- duplicate ids, unknown removals -----------------------------------------------------------


def test_a_duplicate_rule_id_is_refused(cli: Cli, tmp_path: Path, sample_url: str) -> None:
    text = ruleset(
        rule("twin", "{as: e, fact: event}", "assert: {fact: note, n: 1}"),
        rule("twin", "{as: e, fact: event}", "assert: {fact: note, n: 2}"),
    )
    folder = rules_dir(tmp_path, text)
    result = exits(cli("rules", "check", "--rules", folder), 2)
    assert (
        f"{folder / 'r.yaml'}, line 8, field rules[1].id: rule id twin is used twice in this file "
        "(first at line 4); give each rule its own id"
    ) in result.stderr
    route = cli("route", "--matter", "SJ0301", "--area", "310101020000", "--rules", folder,
                db=sample_url)  # fmt: skip
    assert "used twice" in exits(route, 2).stderr
    zh = exits(cli("rules", "check", "--rules", folder, lang="zh"), 2).stderr
    assert "规则编号 twin 在本文件中重复（首次出现在第 4 行）" in zh


def test_a_rule_of_another_file_with_the_same_id_replaces_it(tmp_path: Path) -> None:
    replaced = rule(
        "dispatch-street", "{as: e, fact: event, where: {spans: 0}}", "assert: {fact: note}"
    )
    loaded = load_rules(rules_dir(tmp_path, ruleset(replaced)))
    (found,) = [r for r in loaded.rules if r.id == "dispatch-street"]
    assert found.pri == 200 and len(loaded.rules) == len(load_rules().rules)


def test_an_unknown_removal_is_refused(cli: Cli, tmp_path: Path) -> None:
    folder = rules_dir(
        tmp_path, "file: rules\nid: t\nremove:\n  - owner-repairs\n  - no-such-rule\n"
    )
    result = exits(cli("rules", "check", "--rules", folder), 2)
    assert (
        f"{folder / 'r.yaml'}, line 5, field remove[1]: `remove` names rule no-such-rule, which no "
        "rule loaded before this file has; known: centre-coordinates, collect-first-leads, "
    ) in result.stderr
    assert "Fix the id (`remit rules list` shows them) or drop it from `remove`" in result.stderr
    # removing what exists, or what an earlier file added, is fine
    (folder / "r.yaml").write_text("file: rules\nid: t\nremove: [owner-repairs]\n")
    (folder / "s.yaml").write_text(
        ruleset(rule("extra", "{as: e, fact: event}", "assert: {fact: note}"))
        + "remove: [unroutable]\n"
    )
    (folder / "t.yaml").write_text("file: rules\nid: u\nremove: [extra]\n")
    ids = {r.id for r in load_rules(folder).rules}
    assert {"owner-repairs", "unroutable", "extra"}.isdisjoint(ids) and "owner-unknown" in ids
    # removing it twice: the second file names a rule that is gone
    (folder / "u.yaml").write_text("file: rules\nid: v\nremove: [extra]\n")
    assert "u.yaml, line 3, field remove[0]: `remove` names rule extra" in refused(
        tmp_path, (folder / "r.yaml").read_text()
    )


# --- deep nesting, plain messages --------------------------------------------------------------


def _deep(depth: int) -> str:
    condition = "{eq: " * depth + "x" + "}" * depth
    return ruleset(rule("deep", f"{{as: e, fact: event, where: {{severity: {condition}}}}}",
                        "assert: {fact: note}"))  # fmt: skip


@pytest.mark.parametrize("depth", [40, 900])
def test_a_deeply_nested_condition_is_refused_plainly(cli: Cli, tmp_path: Path, depth: int) -> None:
    folder = rules_dir(tmp_path, _deep(depth))
    result = exits(cli("rules", "check", "--rules", folder), 2)
    assert result.stderr.splitlines()[1] == (
        f"{folder / 'r.yaml'}, line 6, field rules[0].when[0].where: nested {depth + 1} levels "
        "deep; at most 32 levels of mappings and lists (a condition needs 3: "
        "`where: {role: {in: [lead, assist]}}`)"
    )
    assert len(result.stderr.splitlines()) == 2
    zh = exits(cli("rules", "check", "--rules", folder, lang="zh"), 2).stderr
    assert f"嵌套 {depth + 1} 层；映射和列表最多嵌套 32 层" in zh


@pytest.mark.parametrize(
    ("when", "says"),
    [
        ("{as: e, fact: event, where: {severity: {in: [[1]]}}}",
         "field rules[0].when[0].where: the value of test `in` on `severity` is a constant "
         "(text, number, `true` or `false`), a list of constants, or `$name.field`; got a list"),
        ("{as: e, fact: event, where: {severity: {eq: {gt: 1}}}}",
         "the value of test `eq` on `severity` is a constant (text, number, `true` or `false`), "
         "a list of constants, or `$name.field`; got a mapping"),
        ("{as: e, fact: event, where: {severity: null}}", "got a null (an empty value)"),
        ("[[{as: e}]]", "field rules[0].when[0]: each item of `when` is a mapping"),
        ("{as: e, fact: event, where: {severity: {about: 3}}}",
         "`severity`: unknown operator(s) `about`; expected one of `eq, ne, lt, lte, gt, gte, in`"),
        ("{none: {fact: event, where: {a: {b: 1}}}}",
         "field rules[0].when[0].none.where: `a`: unknown operator(s) `b`"),
        ("{as: e, fact: 3}", "field rules[0].when[0].fact: "),
    ],
    ids=["list-of-lists", "mapping", "null", "list", "operator", "negation", "fact"],
)  # fmt: skip
def test_a_bad_pattern_is_one_plain_problem(cli: Cli, tmp_path: Path, when: str, says: str) -> None:
    folder = rules_dir(tmp_path, ruleset(rule("r1", when, "assert: {fact: note}")))
    stderr = exits(cli("rules", "check", "--rules", folder), 2).stderr
    assert says in stderr
    assert stderr.startswith("1 problem(s) found")
    for internal in ("Pattern", "Negation", ".str", "union[", "function-", "valid dictionary"):
        assert internal not in stderr
