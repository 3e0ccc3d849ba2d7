"""`remit replay` and :mod:`remit.routing.replay` on the sample district: every sample decision
decided again identically after every write of the README's tour (the check of the promise),
what the retroactive ones, a draft (``--against``) and changed rules (``--rules``) would change,
decisions made with other rules, bad lines, the report in every format and both languages, the
exit codes, SQLite and PostgreSQL, and bench/replay.py at a tiny size."""

from __future__ import annotations

import datetime as dt
import json
import re
from collections import Counter
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from click.testing import Result

from remit import Registry
from remit.checks import GraphCheck
from remit.routing.batch import route_batch
from remit.routing.decision import RoutingDecision, Status
from remit.routing.replay import _outcome, count_changed, replay
from remit.routing.replay_report import OUTCOME_FIELDS, ReplayReport
from remit.routing.router import Router
from tests.factories import (
    ADMITTED,
    APPROVER,
    REQUESTS_CONFIG,
    ROOT,
    SAMPLE,
    SUBMITTER,
    Cli,
    exits,
    invoke,
    ok,
    schema_errors,
)

pytestmark = pytest.mark.usefixtures("wide_terminal")

DATA = ROOT / "data"
EVENTS = DATA / "events" / "huangpu-2026.jsonl"
RULES = DATA / "rules"
TABLE = DATA / "tables" / "hp-qz-scj-2027.csv"
MAPPING = DATA / "tables" / "scj-mapping.yaml"
DECIDED = 38  # of the 42 sample events, 4 are refused (data/events/README.md)
FUTURE = dt.date(dt.date.today().year + 1, 1, 1).isoformat()


def route_sample(cli: Cli, url: str, path: Path, rules: bool = True) -> Path:
    """The sample events routed as `make demo` routes them (``--rules data/rules/``; with
    ``rules`` False, on the default rules)."""
    args = ("--rules", RULES) if rules else ()
    out = ok(cli("route-batch", EVENTS, *args, "-o", path, db=url))
    assert out.startswith(
        "42 events: 24 routed, 1 referred, 4 fallback, 2 coordinated, 4 conflict, 2 split, 0 unroutable, 1 needs info, 4 rejected"
    )
    return path


def run(cli: Cli, url: str, decisions: Path, *args: object, lang: str = "en") -> Result:
    return cli("replay", decisions, *args, db=url, lang=lang)


def report_of(cli: Cli, url: str, decisions: Path, *args: object, code: int) -> dict[str, Any]:
    """The JSON report of ``remit replay``, which must exit with ``code``."""
    result = exits(run(cli, url, decisions, *args, "--format", "json"), code)
    data: dict[str, Any] = json.loads(result.stdout)
    return data


def changes(report: dict[str, Any]) -> dict[str, tuple[str, str, list[str], list[str]]]:
    """event id → (old status, new status, accountable before, after: unit codes)."""
    return {
        c["event_id"]: (
            c["old_status"],
            c["new_status"],
            [u["code"] for u in c["old_units"]],
            [u["code"] for u in c["new_units"]],
        )
        for c in report["changes"]
    }


# --- the check of the promise, through the README's tour ------------------------------------------

SCJ_RETROACTIVE = {  # HP-QZ-SCJ v2 in force from 2026-01-01: 区市场监管局 no longer leads 游商
    # on roads and pavements, so the street's own lead remains (data/tables/hp-qz-scj-2027.csv)
    "HP-2026-0006": ("conflict", "routed", ["HP-NJDL", "HP-SCJ"], ["HP-NJDL"]),
    "HP-2026-0007": ("conflict", "routed", ["HP-WT", "HP-SCJ"], ["HP-WT"]),
    # across 外滩 and 南京东路: still split, each street's office now alone in its own part
    "HP-2026-0040": ("split", "split", ["HP-NJDL", "HP-SCJ", "HP-WT"], ["HP-NJDL", "HP-WT"]),
}


def test_every_write_of_the_tour_keeps_every_decision(
    cli: Cli, sample_url: str, tmp_path: Path
) -> None:
    """After each command of the README's tour that writes, every sample decision is decided
    again identically on the snapshot it names; --known-at latest shows what the retroactive
    ones change (publishing HP-QZ-SCJ v2 from 2026-01-01 turns the 游商 conflicts of 2026-03-02
    and 2026-06-18 into routed cases, and the split 游商 event's parts), and nothing else."""
    url = sample_url
    decisions = route_sample(cli, url, tmp_path / "decisions.jsonl")
    revisions: list[int] = []

    def after_write(expected: dict[str, Any]) -> None:
        with Registry(url) as registry:
            revisions.append(registry.revision())
        recorded = report_of(cli, url, decisions, "--rules", RULES, code=0)
        assert (recorded["mode"], recorded["revision"]) == ("recorded", None)
        assert recorded["decisions"] == recorded["identical"] == DECIDED
        assert (recorded["changed"], recorded["bad_lines"], recorded["other_rules"]) == (0, [], [])
        latest = report_of(
            cli, url, decisions, "--known-at", "latest", "--rules", RULES, code=1 if expected else 0
        )
        assert (latest["mode"], latest["revision"]) == ("compare", revisions[-1])
        assert changes(latest) == expected
        assert latest["identical"] == DECIDED - len(expected)

    after_write({})
    ok(cli("registry", "import", SAMPLE, db=url))  # the tree again: nothing changes
    after_write({})
    ok(
        cli(
            *("registry", "import", TABLE, "--mapping", MAPPING, "--list", "HP-QZ-SCJ"),
            *("--note", "2027 revision (draft)"),
            db=url,
        )
    )
    after_write({})
    published = ok(
        cli(
            "registry", "publish", "HP-QZ-FGJ", "--effective-from", FUTURE, "--note", "新版", db=url
        )
    )
    assert published.startswith("Published HP-QZ-FGJ version 2")
    after_write({})
    retroactive = ok(
        cli(
            *("registry", "publish", "HP-QZ-SCJ", "--effective-from", "2026-01-01"),
            *("--retroactive", "--note", "补录：自年初起执行", "--decisions", decisions),
            db=url,
        )
    )
    assert f"3 of the {DECIDED} decisions in {decisions} would now be decided differently." in (
        retroactive
    )
    after_write(SCJ_RETROACTIVE)
    ok(cli("registry", "withdraw", "HP-QZ-FGJ", "--version", "2", "--note", "暂缓", db=url))
    after_write(SCJ_RETROACTIVE)
    config = ("--config", REQUESTS_CONFIG)
    ok(cli("admit", "submit", ADMITTED, "--by", SUBMITTER, *config, db=url))
    after_write(SCJ_RETROACTIVE)
    approved = ok(cli("admit", "approve", "HP-ZR-2026-101", "--by", APPROVER, *config, db=url))
    assert approved.startswith("Approved HP-ZR-2026-101")
    after_write(SCJ_RETROACTIVE)
    withdrawn = ok(
        cli(
            *("registry", "withdraw", "HP-QZ-SCJ", "--version", "2", "--retroactive"),
            *("--note", "撤回补录", "--decisions", decisions),
            db=url,
        )
    )
    assert f"0 of the {DECIDED} decisions in {decisions} would now be decided" in withdrawn
    after_write({})
    # every write is a revision; importing the same tree again writes nothing
    assert revisions[1] == revisions[0] and revisions[1:] == sorted(set(revisions[1:]))

    # the registry as it stood at a revision: after the retroactive publish, and at the start
    at_publish = revisions[5]
    compared = report_of(cli, url, decisions, "--known-at", at_publish, "--rules", RULES, code=1)
    assert changes(compared) == SCJ_RETROACTIVE
    assert {c["new_revision"] for c in compared["changes"]} == {at_publish}
    first = report_of(cli, url, decisions, "--known-at", revisions[0], "--rules", RULES, code=0)
    assert (first["mode"], first["identical"]) == ("compare", DECIDED)
    # the per-unit account of the retroactive publish: 区市场监管局 loses all three cases
    units = {u["unit"]["code"]: (u["gained"], u["lost"]) for u in compared["units"]}
    assert units == {"HP-SCJ": (0, 3)}
    assert next((s["old"], s["new"], s["count"]) for s in compared["by_status"]) == (
        "conflict",
        "routed",
        2,
    )


# --- a draft, proposed rules, other rules ---------------------------------------------------------


@pytest.fixture
def decided(sample_registry: Registry, tmp_path: Path) -> Path:
    """The sample decisions, routed through the Python API with data/rules (no load source:
    no decision is flagged overloaded)."""
    path = tmp_path / "decisions.jsonl"
    with path.open("w", encoding="utf-8") as out:
        summary = route_batch(sample_registry.url, EVENTS, out, rules_dir=RULES)
    assert summary.total - summary.rejected == DECIDED
    return path


def accountable(d: RoutingDecision) -> set[str]:
    if d.status is Status.conflict:
        return {u.code for u in d.contenders}
    return {d.lead.code} if d.lead else set()


def test_against_a_draft_is_what_the_router_decides_with_it(
    sample_registry: Registry, decided: Path, cli: Cli
) -> None:
    """--against HP-QZ-FGJ@2 (a draft): the changes and the units' gains and losses are those
    of routing the same events with Router(versions=…) on the dates they name."""
    report = replay(
        sample_registry, decided, known_at=None, versions={"HP-QZ-FGJ": 2}, rules_dir=RULES
    )
    router = Router(sample_registry, rules_dir=RULES, versions={"HP-QZ-FGJ": 2})
    gained: Counter[str] = Counter()
    lost: Counter[str] = Counter()
    moved = {}
    for line in decided.read_text(encoding="utf-8").splitlines():
        old = RoutingDecision.model_validate_json(line)
        new = router.route(old.event, as_of=old.snapshot_date)
        if {k: v for k, v in _outcome(old).items()} != _outcome(new):
            moved[old.event_id] = (old.status.value, new.status.value)
        gained.update(accountable(new) - accountable(old))
        lost.update(accountable(old) - accountable(new))
    assert moved == {"HP-2026-0009": ("conflict", "routed"), "HP-2025-0010": ("routed", "fallback")}
    assert {c.event_id: (c.old_status.value, c.new_status.value) for c in report.changes} == moved
    assert {u.unit.code: (u.gained, u.lost) for u in report.units} == {
        code: (gained[code], lost[code]) for code in gained.keys() | lost.keys()
    }
    assert {u.unit.code: u.net for u in report.units} == {"HP-FGJ": -2, "HP-WLQ": 1}
    assert (report.mode.value, report.revision, report.versions) == ("compare", 1, {"HP-QZ-FGJ": 2})
    assert report.changed == 2 and report.identical == DECIDED - 2 and not report.clean
    change = next(c for c in report.changes if c.event_id == "HP-2026-0009")
    assert (change.matter_name, change.area_name) == ("群租", "五里桥街道")
    assert change.new_lead is not None and change.new_lead.name == "五里桥街道办事处"
    assert change.fields == ["status", "lead", "contenders", "supervisors"]

    # the command line hands the router the check's loads: the decisions were made without, so
    # the fallback onto 瑞金二路 (load index 1.26) now differs in its flag alone, and nobody
    # gains or loses a case by it
    loaded = replay(
        sample_registry,
        decided,
        known_at=None,
        versions={"HP-QZ-FGJ": 2},
        rules_dir=RULES,
        loads=GraphCheck(),
    )
    flagged = [c for c in loaded.changes if c.event_id not in moved]
    assert [(c.event_id, c.old_status, c.new_status, c.fields) for c in flagged] == [
        ("HP-2026-0014", "fallback", "fallback", ["overloaded"]),
        ("HP-2026-0039", "split", "split", ["parts"]),  # its 瑞金二路 part falls back
    ]
    assert loaded.units == report.units
    by_cli = report_of(
        cli, sample_registry.url, decided, "--against", "HP-QZ-FGJ@2", "--rules", RULES, code=1
    )
    assert by_cli == json.loads(loaded.model_dump_json())


def test_proposed_rules_are_compared(
    sample_registry: Registry, decided: Path, tmp_path: Path
) -> None:
    """--rules DIR with a rule changed (repeat complaints escalate from 5 reports, not 3): the
    three repeat complaints of the sample are no longer dispatched one level up, nor their
    deadlines brought forward; nothing else."""
    proposed = tmp_path / "rules"
    proposed.mkdir()
    text = (RULES / "huangpu.yaml").read_text(encoding="utf-8")
    assert "repeat_threshold: 3" in text
    (proposed / "huangpu.yaml").write_text(
        text.replace("repeat_threshold: 3", "repeat_threshold: 5"), encoding="utf-8"
    )
    report = replay(sample_registry, decided, rules_dir=proposed)
    assert report.mode.value == "recorded" and report.rules_proposed
    assert [(o.count, o.first_line) for o in report.other_rules] == [(DECIDED, 1)]
    assert {c.event_id: c.fields for c in report.changes} == {
        "HP-2026-0028": ["dispatch", "deadline"],
        "HP-2026-0029": ["dispatch", "deadline"],
        "HP-2026-0037": ["dispatch", "deadline"],
    }
    assert all(c.old_status == c.new_status == "routed" for c in report.changes)
    assert report.units == []  # nobody gains or loses a case: only who dispatches changes
    assert (report.not_compared, report.rebased) == (0, 0)


def test_decisions_made_with_other_rules_are_reported(
    cli: Cli, sample_url: str, tmp_path: Path
) -> None:
    """A file of decisions made with data/rules and with the default rules. Replayed without
    --rules, those made with data/rules are reported by their digest and not compared. With
    --rules data/rules, the others are compared with these rules as proposed ones (and said to
    be). In a compare mode without --rules, each is compared with its decision again as recorded
    under the replay's rules, so only the registry's change shows."""
    local = route_sample(cli, sample_url, tmp_path / "local.jsonl")
    default = route_sample(cli, sample_url, tmp_path / "default.jsonl", rules=False)
    mixed = tmp_path / "mixed.jsonl"
    mixed.write_bytes(local.read_bytes() + default.read_bytes())
    with Registry(sample_url) as registry:
        default_digest = json.loads(default.read_text().splitlines()[0])["rules_digest"]
        local_digest = json.loads(local.read_text().splitlines()[0])["rules_digest"]
        assert default_digest != local_digest

        # made by the command line, with the check's loads (HP-2026-0014 is flagged overloaded)
        loads = GraphCheck()
        alone = replay(registry, mixed, loads=loads)
        assert (alone.decisions, alone.identical, alone.changed) == (2 * DECIDED, DECIDED, 0)
        assert alone.not_compared == DECIDED and not alone.clean
        assert [(o.rules_digest, o.count, o.first_line) for o in alone.other_rules] == [
            (local_digest, DECIDED, 1)
        ]

        proposed = replay(registry, mixed, rules_dir=RULES, loads=loads)
        assert (proposed.not_compared, proposed.rules_proposed) == (0, True)
        assert [(o.rules_digest, o.count) for o in proposed.other_rules] == [
            (default_digest, DECIDED)
        ]
        # data/rules names the default emergency matters and adds 架空线缆损坏, which no sample
        # event is: compared, every decision is the same
        assert proposed.changes == [] and proposed.decisions == 2 * DECIDED

        compared = replay(registry, mixed, known_at=None, loads=loads)
        assert (compared.rebased, compared.identical, compared.changed) == (DECIDED, 2 * DECIDED, 0)
        assert compared.clean
    text = exits(run(cli, sample_url, mixed), 1).stdout
    assert "38 decisions were made with other rules and are not compared" in text
    assert f"│ {local_digest[:12]} │        38 │          1 │" in text
    assert text.rstrip().endswith(
        "0 of 76 decisions are decided differently, 38 not compared (made with other rules); "
        "0 lines not replayed."
    )
    proposing = exits(run(cli, sample_url, mixed, "--rules", RULES), 0).stdout
    assert "38 decisions were made with other rules: compared with these, as proposed" in proposing


# --- the recorded mode compares the whole decision -------------------------------------------------


def test_a_tampered_decision_is_found_and_a_rewritten_one_is_not(
    sample_registry: Registry, decided: Path, tmp_path: Path
) -> None:
    """The recorded mode compares whole decisions: a line written another way (spaces, key
    order) is the same decision; a decision whose snapshot hash or lead was edited is not."""
    lines = decided.read_text(encoding="utf-8").splitlines()
    data = [json.loads(line) for line in lines]
    data[0]["snapshot_hash"] = "0" * 64
    routed = next(i for i, d in enumerate(data) if d["status"] == "routed" and i > 0)
    data[routed]["lead"] = {**data[routed]["lead"], "code": "HP-WT"}
    rewritten = [
        json.dumps(dict(reversed(d.items())), indent=None, ensure_ascii=True) for d in data
    ]
    path = tmp_path / "edited.jsonl"
    path.write_text("\n".join(rewritten) + "\n", encoding="utf-8")
    report = replay(sample_registry, path, rules_dir=RULES)
    assert report.identical == DECIDED - 2
    assert {c.line: c.fields for c in report.changes} == {
        1: ["snapshot_hash"],
        routed + 1: ["lead"],
    }
    edited = next(c for c in report.changes if c.line == routed + 1)
    assert edited.old_units[0].code == "HP-WT" and edited.new_units[0].code != "HP-WT"


def test_bad_lines_are_reported_by_line_and_the_rest_replayed(
    sample_registry: Registry, decided: Path, tmp_path: Path
) -> None:
    lines = decided.read_text(encoding="utf-8").splitlines()
    other_revision = json.loads(lines[1])
    other_revision["registry_revision"] = 99
    event = EVENTS.read_text(encoding="utf-8").splitlines()[0]
    path = tmp_path / "bad.jsonl"
    path.write_text(
        "\n".join(
            [
                lines[0],  # 1
                "not json at all",  # 2
                event,  # 3: an event, not a decision
                "",  # 4: blank, skipped
                json.dumps(other_revision),  # 5
                lines[2][: len(lines[2]) // 2],  # 6: cut short
                json.dumps({**json.loads(lines[3]), "status": "lost"}),  # 7
                *lines[4:],  # 8 …
            ]
        )
        + "\n",
        encoding="utf-8",
    )
    report = replay(sample_registry, path, rules_dir=RULES)
    bad = {b.line: b.problems for b in report.bad_lines}
    assert sorted(bad) == [2, 3, 5, 6, 7]
    assert bad[2] == ["not valid JSON: Expecting value (column 1)"]
    assert bad[3] == [
        "not a routing decision (it has no `decision_id`); expected a line as `remit route-batch` writes them"
    ]
    assert bad[5] == [
        "field registry_revision: there is no revision 99: the registry's last revision is 1"
    ]
    assert bad[7][0].startswith("field status: Input should be 'routed', 'referred'")
    assert report.lines == len(lines) + 2  # the blank line is not counted
    assert report.decisions == report.identical == len(lines) - 3
    assert not report.clean

    zh = replay_in(sample_registry, path, "zh")
    assert {b.line for b in zh.bad_lines} == set(bad)
    assert zh.bad_lines[0].problems == ["不是有效的 JSON：此处应为一个值（第 1 列）"]
    assert zh.bad_lines[1].problems == [
        "不是分派决定（缺少 `decision_id`）；应为 `remit route-batch` 写出的一行"
    ]


def replay_in(registry: Registry, path: Path, lang: str) -> ReplayReport:
    from remit.i18n import current_lang

    token = current_lang.set("zh" if lang == "zh" else "en")
    try:
        return replay(registry, path, rules_dir=RULES)
    finally:
        current_lang.reset(token)


# --- the report: formats, languages, exit codes ---------------------------------------------------


def test_the_report_in_every_format(cli: Cli, sample_url: str, tmp_path: Path) -> None:
    decisions = route_sample(cli, sample_url, tmp_path / "d.jsonl")
    against = ("--against", "HP-QZ-FGJ@2", "--rules", RULES)

    text = exits(run(cli, sample_url, decisions, *against), 1).stdout
    assert text.startswith("Replay of routing decisions\nDecisions: ")
    assert "Decided again on registry revision 1 (the last: 1), with HP-QZ-FGJ@2 in force" in text
    assert "38 lines: 38 decisions, 36 decided the same, 2 differently" in text
    assert re.search(r"│ conflict +│ routed +│ +1 │", text)
    assert re.search(r"│ HP-FGJ 区房屋管理局 +│ +0 │ +2 │ +-2 │", text)
    assert re.search(
        r"│ +9 │ HP-2026-0009 │ 2026-02-10 │ SJ0601 群租 │ 五里桥街道 │ conflict ", text
    )
    zh = exits(run(cli, sample_url, decisions, *against, lang="zh"), 1).stdout
    assert zh.startswith("分派决定重放\n决定文件：")
    assert "在登记库版本号 1（最新为 1）上以 HP-QZ-FGJ@2 为现行版本" in zh
    assert re.search(r"│ 职能重叠 +│ 已派遣 +│ +1 │", zh)
    assert "状态、主办单位、重叠单位、监管单位" in zh
    assert zh.rstrip().endswith(
        "38 项决定中，2 项结果不同，0 项未作比较（以其他规则作出）；0 行无法重放。"
    )

    md = tmp_path / "replay.md"
    result = exits(run(cli, sample_url, decisions, *against, "-o", md), 1)
    assert result.stdout == f"Report written to {md}\n"
    assert "2 of 38 decisions are decided differently" in result.stderr
    markdown = md.read_text(encoding="utf-8")
    assert markdown.startswith("# Replay of routing decisions\n")
    assert "## Decisions that change\n\n| Line | Event | Date |" in markdown
    assert (
        "| 10 | HP-2025-0010 | 2025-03-10 | SJ0601 群租 | 五里桥街道 | routed | territorial fallback |"
        in markdown
    )

    txt = tmp_path / "replay.txt"
    exits(run(cli, sample_url, decisions, *against, "-o", txt), 1)
    assert txt.read_text(encoding="utf-8").startswith("Replay of routing decisions\n")

    for lang, sheet in (("en", "Summary"), ("zh", "概况")):
        xlsx = tmp_path / f"replay-{lang}.xlsx"
        exits(run(cli, sample_url, decisions, *against, "-o", xlsx, lang=lang), 1)
        book = openpyxl.load_workbook(xlsx)
        assert book.sheetnames[0] == sheet and len(book.sheetnames) == 4
        changed = book.worksheets[3]
        rows = list(changed.iter_rows(values_only=True))
        assert len(rows) == 3 and rows[1][:2] == (9, "HP-2026-0009")
        assert rows[1][4:6] == ("SJ0601", "群租") and rows[1][14] == "HP-WLQ"
        assert changed.freeze_panes == "A2" and changed.auto_filter.ref

    data = report_of(cli, sample_url, decisions, *against, code=1)
    schema = json.loads(invoke("schema", "--kind", "replay-report", lang=None).stdout)
    assert schema_errors(data, schema, schema) == []
    assert ReplayReport.model_validate(data).changed == 2

    clean = exits(run(cli, sample_url, decisions, "--rules", RULES), 0).stdout
    assert clean.rstrip().endswith("All 38 decisions are decided again exactly as recorded.")
    same = exits(run(cli, sample_url, decisions, "--known-at", "latest", "--rules", RULES), 0)
    assert same.stdout.rstrip().endswith("None of the 38 decisions would be decided differently.")


def test_exit_codes_and_bad_input(cli: Cli, sample_url: str, tmp_path: Path) -> None:
    decisions = route_sample(cli, sample_url, tmp_path / "d.jsonl")
    exits(run(cli, sample_url, decisions, "--rules", RULES), 0)
    exits(run(cli, sample_url, decisions), 1)  # made with other rules: not compared
    empty = tmp_path / "empty.jsonl"
    empty.write_text("\n\n", encoding="utf-8")
    csv = tmp_path / "d.csv"
    csv.write_text("a,b\n", encoding="utf-8")
    for args, says in [
        ((tmp_path / "nowhere.jsonl",), "no such file or directory"),
        ((empty,), "the file holds no decisions"),
        ((csv,), "unsupported file type '.csv'"),
        ((decisions, "--against", "HP-QZ-FGJ"), "'HP-QZ-FGJ' is not a list version"),
        ((decisions, "--against", "HP-QZ-FGJ@7"), "HP-QZ-FGJ has no version 7"),
        ((decisions, "--against", "HP-NOPE@1"), "HP-NOPE"),
        ((decisions, "--known-at", "99"), "there is no revision 99"),
        ((decisions, "--rules", tmp_path / "no-rules"), "no-rules"),
        ((decisions, "--format", "xlsx"), "--format xlsx needs -o FILE"),
        ((decisions, "-o", tmp_path / "r.pdf"), ".pdf"),
        ((decisions, "-o", tmp_path / "nodir" / "r.md"), "does not exist"),
    ]:
        result = exits(run(cli, sample_url, *args), 2)
        assert says in result.stderr + result.stdout, (args, result.stderr)
    assert not (tmp_path / "r.pdf").exists()
    zh = exits(run(cli, sample_url, decisions, "--against", "x", lang="zh"), 2)
    assert "'x' 不是清单版本" in zh.stderr


# --- both databases, workers, count_changed ---------------------------------------------------------


def test_replay_on_both_databases_with_workers(
    any_sample_registry: Registry, tmp_path: Path
) -> None:
    """The core replay on SQLite and PostgreSQL, in one process and in two workers."""
    registry = any_sample_registry
    path = tmp_path / "decisions.jsonl"
    with path.open("w", encoding="utf-8") as out:
        route_batch(registry.url, EVENTS, out, rules_dir=RULES, workers=2)
    for workers in (1, 2):
        recorded = replay(registry, path, rules_dir=RULES, workers=workers)
        assert (recorded.decisions, recorded.identical, recorded.clean) == (DECIDED, DECIDED, True)
        against = replay(
            registry,
            path,
            known_at=None,
            versions={"HP-QZ-FGJ": 2},
            rules_dir=RULES,
            workers=workers,
        )
        assert [c.event_id for c in against.changes] == ["HP-2026-0009", "HP-2025-0010"]
    registry.import_table(TABLE, "HP-QZ-SCJ", MAPPING, by="test")
    assert count_changed(registry, path) == (0, DECIDED)
    registry.publish("HP-QZ-SCJ", dt.date(2026, 1, 1), note="补录", by="test", retroactive=True)
    assert count_changed(registry, path) == (3, DECIDED)
    assert replay(registry, path, rules_dir=RULES, workers=2).clean  # as recorded: unchanged


def test_the_outcome_and_the_fields_have_words(decided: Path) -> None:
    """What a compare mode compares is OUTCOME_FIELDS, and every field a recorded replay may
    name has a message in both languages."""
    from remit.i18n import has

    first = decided.read_text(encoding="utf-8").splitlines()[0]
    assert tuple(_outcome(RoutingDecision.model_validate_json(first))) == OUTCOME_FIELDS
    assert [f for f in RoutingDecision.model_fields if not has(f"replay.field.{f}")] == []


def test_a_bad_decisions_file_is_refused_before_a_publication(
    cli: Cli, sample_url: str, tmp_path: Path
) -> None:
    ok(cli("registry", "import", TABLE, "--mapping", MAPPING, "--list", "HP-QZ-SCJ", db=sample_url))
    result = cli(
        *("registry", "publish", "HP-QZ-SCJ", "--effective-from", "2026-01-01", "--retroactive"),
        *("--note", "补录", "--decisions", tmp_path / "nowhere.jsonl"),
        db=sample_url,
    )
    assert "no such file or directory" in exits(result, 2).stderr
    with Registry(sample_url) as registry:
        assert registry.version("HP-QZ-SCJ", 2).status.value == "draft"


def test_route_batch_known_at_routes_on_the_registry_as_it_stood(
    cli: Cli, sample_url: str, tmp_path: Path
) -> None:
    """route-batch --known-at R after a retroactive correction writes, line for line, the
    decisions it wrote at R; without it, the corrected registry's (and the lines say which
    revision they were decided at)."""
    before = route_sample(cli, sample_url, tmp_path / "before.jsonl")
    with Registry(sample_url) as registry:
        known = registry.revision()
    ok(cli("registry", "import", TABLE, "--mapping", MAPPING, "--list", "HP-QZ-SCJ", db=sample_url))
    ok(
        cli(
            "registry", "publish", "HP-QZ-SCJ", "--effective-from", "2026-01-01",
            "--retroactive", "--note", "更正", db=sample_url,
        )
    )  # fmt: skip
    then = tmp_path / "then.jsonl"
    ok(cli("route-batch", EVENTS, "--rules", RULES, "-o", then, "--known-at", known, db=sample_url))
    assert then.read_bytes() == before.read_bytes()
    now = tmp_path / "now.jsonl"
    out = ok(cli("route-batch", EVENTS, "--rules", RULES, "-o", now, db=sample_url))
    assert out.startswith(
        "42 events: 26 routed, 1 referred, 4 fallback, 2 coordinated, 2 conflict, 2 split, 0 unroutable"
    )
    lines = [json.loads(line) for line in now.read_text("utf-8").splitlines()]
    assert {d["registry_revision"] for d in lines} == {known + 2}
    changed = {
        d["event"]["id"]
        for d, old in zip(lines, before.read_text("utf-8").splitlines(), strict=True)
        if d["status"] != json.loads(old)["status"]
    }
    assert changed == set(SCJ_RETROACTIVE) - {"HP-2026-0040"}  # split before and after
    refused = exits(
        cli("route-batch", EVENTS, "-o", tmp_path / "x.jsonl", "--known-at", "99", db=sample_url), 2
    )
    assert "99" in refused.output and not (tmp_path / "x.jsonl").exists()
