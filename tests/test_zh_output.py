"""`--lang zh` speaks Chinese: every command on the sample district, its text output with the
codes, hashes, paths, dates, numbers and the data's own words taken out, holds no English word.

The commands run in order on one registry (data/responsibility_lists/), as the Makefile's demo
does: init, import, lists, show, diff, log, snapshot, export, route (flags and an event file),
route-batch, replay (as recorded, against a draft, Markdown, bad lines), check (text, Markdown,
against a draft), admit check (every sample request, text and Markdown), admit
submit/list/show, rules list/check, and a few bad inputs. JSON and YAML
outputs are left out: their keys are structure, not words.
"""

from __future__ import annotations

import json
import re
import shutil
import sqlite3
from collections.abc import Iterable, Iterator
from contextlib import closing
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner

from remit import Registry
from remit.cli import main
from remit.routing.rules.compile import load_rules
from tests.factories import FIXTURES, ROOT, SAMPLE

DATA = ROOT / "data"
REQUESTS = DATA / "admission_requests"
EVENTS = DATA / "events" / "huangpu-2026.jsonl"
RULES = DATA / "rules"
TABLE = DATA / "tables" / "hp-qz-scj-2027.csv"
MAPPING = DATA / "tables" / "scj-mapping.yaml"
SCHEMA3 = FIXTURES / "schema3" / "sample.db"  # a registry of table layout 3
ACTOR = "区绿化市容局经办人"
APPROVER, OTHER_APPROVER = (
    "区委编办审核人",
    "区司法局审核人",
)  # as data/admission_requests/config.yaml

# Words the output may hold: keep this short, and say why.
ALLOWED = {
    # names of file formats, written as their standards spell them
    "YAML",
    "CSV",
    "XLSX",
    "JSON",
}

_RULES_HEAD = "file: rules\nid: t\nrules:\n"
BAD_RULES = {  # rule ids that look like codes: the check strips codes, not English words
    "cycle": _RULES_HEAD
    + "  - {id: r1, when: [{as: a, fact: xa}], then: [{assert: {fact: xb}}]}\n"
    + "  - {id: r2, when: [{as: b, fact: xb}], then: [{assert: {fact: xa}}]}\n"
    + "  - {id: r3, when: [{as: c, fact: xc}], then: [{assert: {fact: xc, k: 1}}]}\n",
    "duplicate-and-removal": _RULES_HEAD
    + "  - {id: r1, when: [{as: a, fact: xa}], then: [{assert: {fact: xb}}]}\n"
    + "  - {id: r1, when: [{as: a, fact: xa}], then: [{assert: {fact: xc}}]}\n"
    + "remove: [r9]\n",
    "nesting": _RULES_HEAD
    + "  - id: r1\n    when: [{as: a, fact: xa, where: {k: "
    + "{eq: " * 40
    + "1"
    + "}" * 40
    + "}}]\n    then: [{assert: {fact: xb}}]\n",
    "patterns": _RULES_HEAD
    + "  - id: r1\n    when: [[1], {as: a, fact: xa, where: {k: {in: [[1]]}, j: {eq: {}}}},"
    + " {none: {fact: xb, where: {k: {about: 1}}}}]\n    then: [{assert: {fact: xb}}]\n",
}

LIST_HEAD = """\
file: list
id: HP-QZ-XX
name: 测试清单
kind: department
issuer: 区市场监管局
scope: "310101000000"
versions:
  - version: 1
    status: published
"""
BAD_LISTS = {
    "schema": """\
    effective_from: 2025-13-01
    duties:
      - {matter: SJ0116, unit: 区市场监管局, role: 主力, priority: 高, time_limit: 两天}
""",
    "conditions": """\
    effective_from: 2025-01-01
    duties:
      - {matter: SJ0116, unit: 区市场监管局, when: {location_type: 道路}}
      - {matter: SJ0106, unit: 区市场监管局, when: {location_type: 月球}}
      - {matter: SJ0110, unit: 区市场监管局, when: {severity: {gte: 5}}}
      - {matter: SJ0110, unit: 区市场监管局, when: {severity: {in: [1], lte: 2}}}
      - {matter: SJ0106, unit: 区市场监管局, when: {location_type: {gte: 道路}}}
      - {matter: 无照经营游, unit: 区市场监管, area: 南京东路}
""",
    "group": """\
    effective_from: 2025-01-01
    duties:
      - {matter: 街面秩序, unit: 区市场监管局}
""",
}

# free text of the sample files, shown as written: names, aliases, notes, titles …
FREE_TEXT = {"name", "aliases", "note", "title", "description", "author", "article", "label"}
FREE_TEXT |= {"justification", "reason", "legal_basis", "text"}
# codes of the sample files
CODE_KEYS = {"code", "id", "parent", "matter", "unit", "units", "area", "areas", "department"}
CODE_KEYS |= {"record", "issuer", "scope", "refer_to", "list", "target_list", "jurisdiction"}
CODE_KEYS |= {"powers", "requires_powers", "emergency_matters", "source"}


def _strings(value: Any, key: str | None, wanted: set[str]) -> Iterator[str]:
    if isinstance(value, dict):
        for k, v in value.items():
            if k == "labels" and isinstance(v, dict):
                yield from (str(x) for x in v.values())
            yield from _strings(v, str(k), wanted)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item, key, wanted)
    elif isinstance(value, str) and key in wanted:
        yield value


def _documents() -> Iterator[Any]:
    for path in sorted(DATA.rglob("*.yaml")):
        yield yaml.safe_load(path.read_text(encoding="utf-8"))
    for line in EVENTS.read_text(encoding="utf-8").splitlines():
        if line.strip():
            yield json.loads(line)


def _vocabulary(url: str) -> tuple[set[str], set[str]]:
    """(codes, free text) of the sample: its files, the registry built from them, the rules."""
    codes: set[str] = set()
    text: set[str] = set()
    for document in _documents():
        codes |= set(_strings(document, None, CODE_KEYS))
        text |= set(_strings(document, None, FREE_TEXT))
    with Registry(url) as registry:
        state = registry.state()
        codes |= set(state.areas) | set(state.units) | set(state.lists)
        for versions in state.versions.values():
            for version in versions:
                codes |= {m.code for m in version.matters}
    codes |= {rule.id for rule in load_rules(RULES).rules}
    return codes, text


def _strip(output: str, codes: set[str], text: set[str], paths: Iterable[str]) -> str:
    # where a problem is: the field as the input spells it (a key path, a column and its field);
    # first, since a column's header may be sample text too (a mapping's note: 立案条件)
    output = re.sub(r"字段 [^\s:：,，]+( \([a-z_.\[\]0-9]+\))?", " ", output)
    for item in sorted(text, key=len, reverse=True):
        output = output.replace(item, " ")
    for path in sorted(paths, key=len, reverse=True):
        output = output.replace(path, " ")
    output = re.sub(r"(sqlite|postgresql\S*)://\S+", " ", output)  # database URLs
    output = re.sub(r"\.schema\d+-backup-\d{8}T\d{6}Z(-\d+)?", " ", output)  # a backup's name
    output = re.sub(r"[\w./-]*\.(yaml|yml|csv|xlsx|jsonl|json|md|html|db)\b", " ", output)  # files
    output = re.sub(r"<br>", " ", output)  # a line break in a cell of a Markdown table
    output = re.sub(r"\bcli-\d{8}T\d{6}-[0-9a-f]{6}\b", " ", output)  # an event given by flags
    # a value quoted as it is typed: what the input said ('moon', 'location_type') or may say
    # ('lead'), an argument of the usage ('LIST-ID'); and YAML to type ({in: [...]})
    output = re.sub(r"'[^'\s]+'", " ", output)
    output = re.sub(r"\{[^{}\n]*\}", " ", output)
    output = output.replace("YYYY-MM-DD", " ")  # how to write a date (ISO 8601)
    output = re.sub(r"`[^`]*`", " ", output)  # a command to type, as `remit init --force`
    output = re.sub(r"(?<!\w)--?[a-z][a-z-]*", " ", output)  # an option, as --list
    for code in sorted(codes, key=len, reverse=True):
        output = re.sub(rf"(?<![\w-]){re.escape(code)}(?![\w-])", " ", output)
    output = re.sub(r"\b[0-9a-f]{8,64}\b", " ", output)  # hashes
    output = re.sub(r"\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2})?([+-]\d{2}:\d{2})?)?", " ", output)
    return re.sub(r"\d[\d,.]*", " ", output)  # numbers (and v2, p10 keep their one letter)


def english_words(output: str, codes: set[str], text: set[str], paths: Iterable[str]) -> set[str]:
    words = set(re.findall(r"[A-Za-z]{2,}", _strip(output, codes, text, paths)))
    return words - ALLOWED


@pytest.fixture(scope="module")
def outputs(
    tmp_path_factory: pytest.TempPathFactory,
) -> tuple[dict[str, str], set[str], set[str], list[str]]:
    """What each command printed (stdout and stderr) with --lang zh, in the order they ran."""
    tmp = tmp_path_factory.mktemp("zh")
    url = f"sqlite:///{tmp / 'sample.db'}"
    runner = CliRunner()
    env = {"REMIT_USER": ACTOR, "COLUMNS": "3000", "REMIT_LANG": "", "REMIT_ADMISSION_CONFIG": ""}
    seen: dict[str, str] = {}

    def run(name: str, *args: object, db: bool = True, codes: tuple[int, ...] = (0,)) -> None:
        argv = [str(a) for a in args] + (["--db", url] if db else []) + ["--lang", "zh"]
        result = runner.invoke(main, argv, env=env, catch_exceptions=False)
        assert result.exit_code in codes, (name, result.output, result.stderr)
        seen[name] = result.stdout + "\n" + result.stderr

    event = tmp / "event.json"
    first = json.loads(EVENTS.read_text(encoding="utf-8").splitlines()[1])
    event.write_text(json.dumps(first, ensure_ascii=False), encoding="utf-8")
    bad_table = tmp / "bad.csv"
    bad_table.write_text(
        "序号,事项名称,立案条件,主办单位,协办单位,处置时限,法律依据,备注\n"
        "1,无照经营游商,地点类型 道路,区市场监管局,,两天,,\n",
        encoding="utf-8",
    )

    run("init", "init")
    run("registry import", "registry", "import", SAMPLE)
    run("registry lists", "registry", "lists")
    run("registry show (a list)", "registry", "show", "HP-QZ-FGJ")
    run("registry show (a street list)", "registry", "show", "HP-JZ-JB", "--version", "2")
    run("registry show (the catalogue)", "registry", "show", "HP-SXML")
    run("registry diff", "registry", "diff", "HP-JZ-JB", "1", "2")
    run("registry diff (a draft)", "registry", "diff", "HP-QZ-FGJ", "1", "2")
    run(
        "registry import (a table)",
        *("registry", "import", TABLE, "--mapping", MAPPING, "--list", "HP-QZ-SCJ"),
        *("--note", "二〇二七年修订（草稿）"),
    )
    run("registry diff (the table)", "registry", "diff", "HP-QZ-SCJ", "1", "2")
    run("registry snapshot", "registry", "snapshot")
    run(
        "registry export", "registry", "export", "HP-QZ-FGJ", "--format", "csv", "-o", tmp / "f.csv"
    )
    run(
        "route (flags)",
        *("route", "--matter", "无照经营游商", "--area", "南京东路街道", "--attr", "地点类型=道路"),
        *("--reported-at", "2026-03-02T10:00:00"),
    )
    run(
        "route (a gap)",
        *("route", "--matter", "SJ0106", "--area", "310101018001", "--attr", "location_type=park"),
        *("--reported-at", "2026-04-07T10:00:00"),
    )
    run("route (an event file)", "route", event, "--rules", RULES)
    run(
        "route-batch",
        *("route-batch", EVENTS, "--rules", RULES, "-o", tmp / "d.jsonl"),
        *("--rejects", tmp / "r.jsonl"),
    )
    run("replay", "replay", tmp / "d.jsonl", "--rules", RULES)
    disputes = DATA / "disputes" / "cases.yaml"
    run("dispute", "dispute", disputes, "--rules", RULES, "-o", tmp / "cases.jsonl")
    run("dispute report", "dispute", "report", tmp / "cases.jsonl")
    run("dispute report (md)", "dispute", "report", tmp / "cases.jsonl", "--format", "md")
    bad_cases = tmp / "bad-cases.yaml"
    bad_cases.write_text(
        "- event: {id: E1, matter: 上水井盖, area: 南京东路街道, reported_at: 2026-03-02T09:15:00}\n"
        "  rounds:\n    - {unit: 区不存在局, at: 2026-03-02T08:00:00, reason: 不想办}\n",
        encoding="utf-8",
    )
    run("dispute (bad input)", "dispute", bad_cases, codes=(2,))
    run(
        "replay (against a draft)",
        *("replay", tmp / "d.jsonl", "--rules", RULES, "--against", "HP-QZ-FGJ@2"),
        codes=(1,),
    )
    run(
        "replay (md, other rules)",
        *("replay", tmp / "d.jsonl", "--known-at", "latest", "--format", "md"),
        codes=(0, 1),
    )
    bad_lines = tmp / "bad-d.jsonl"
    decided = (tmp / "d.jsonl").read_text(encoding="utf-8").splitlines()
    bad_lines.write_text(
        "\n".join([decided[0], "{不是 JSON", EVENTS.read_text(encoding="utf-8").splitlines()[0]]),
        encoding="utf-8",
    )
    run("replay (bad lines)", "replay", bad_lines, "--rules", RULES, codes=(1,))
    run("replay (bad list version)", "replay", bad_lines, "--against", "HP-QZ-FGJ", codes=(2,))
    run("check", "check", codes=(0, 1))
    run("check (md)", "check", "--format", "md", codes=(0, 1))
    run("check (against a draft)", "check", "--against", "HP-QZ-FGJ@2", codes=(0, 1))
    run(
        "check (filtered)",
        *("check", "--matter", "SJ0601", "--list", "HP-QZ-FGJ", "--format", "md"),
        codes=(0, 1),
    )
    config = REQUESTS / "config.yaml"
    for request in sorted(REQUESTS.glob("*.yaml")):
        if request.name == "config.yaml":
            continue
        for fmt in ("text", "md"):
            run(
                f"admit check {request.name} ({fmt})",
                *("admit", "check", "--config", config, request, "--format", fmt),
                codes=(0, 1),
            )
    run("admit submit", "admit", "submit", "--config", config, REQUESTS / "admitted.yaml")
    run(
        "admit submit (rejected)",
        *("admit", "submit", "--config", config, REQUESTS / "reject-capacity.yaml"),
        codes=(0, 1),
    )
    run(
        "admit approve",
        *("admit", "approve", "HP-ZR-2026-101", "--config", config, "--by", APPROVER),
        *("--note", "同意试点"),
    )
    run(
        "admit reject",
        *("admit", "reject", "HP-ZR-2026-105", "--config", config, "--by", OTHER_APPROVER),
        *("--reason", "负荷超标"),
    )
    run("admit list", "admit", "list", "--config", config)
    run("admit show", "admit", "show", "HP-ZR-2026-101", "--config", config)
    run("admit show (rejected)", "admit", "show", "HP-ZR-2026-105", "--config", config)
    run("registry publish", "registry", "publish", "HP-QZ-FGJ", "--effective-from", "2027-01-01")
    run("registry withdraw", "registry", "withdraw", "HP-QZ-FGJ", "--version", "2")
    run("registry log", "registry", "log")
    run("registry verify", "registry", "verify")
    run("registry migrate (up to date)", "registry", "migrate")
    tampered = tmp / "tampered.db"
    shutil.copyfile(tmp / "sample.db", tampered)
    with closing(sqlite3.connect(tampered)) as c, c:
        c.execute("UPDATE duty SET note = '改过' WHERE pk = 1")
        c.execute("UPDATE area SET name = '改过' WHERE pk = 1")
        c.execute("DELETE FROM audit_log WHERE pk = 3")
        c.execute("UPDATE audit_log SET note = '改过' WHERE pk = 5")
    run("registry verify (tampered)", "registry", "verify", "--db", tampered, db=False, codes=(1,))
    layout3 = tmp / "layout3.db"
    shutil.copyfile(SCHEMA3, layout3)
    run("registry lists (layout 3)", "registry", "lists", "--db", layout3, db=False, codes=(2,))
    run("registry migrate", "registry", "migrate", "--db", layout3, "--by", "迁移人", db=False)
    run("rules list", "rules", "list", "--rules", RULES, db=False)
    run("rules check", "rules", "check", "--rules", RULES, db=False)

    # bad input
    run("unknown matter", "route", "--matter", "无照经营游", "--area", "南京东路街道", codes=(2,))
    run("group matter", "route", "--matter", "街面秩序", "--area", "南京东路街道", codes=(2,))
    run(
        "an owner of another kind",
        *("route", "--matter", "BJ0120", "--area", "外滩街道", "--owner", "南京东路街道"),
        codes=(2,),
    )
    run(
        "an owner serving elsewhere",
        *("route", "--matter", "BJ0120", "--area", "外滩街道", "--owner", "申浦物业"),
        codes=(2,),
    )
    run(
        "bad attribute value",
        *("route", "--matter", "SJ0106", "--area", "南京东路街道", "--attr", "地点类型=月球"),
        codes=(2,),
    )
    run(
        "bad condition and time limit in a table",
        *("registry", "import", bad_table, "--mapping", MAPPING, "--list", "HP-QZ-SCJ"),
        codes=(2,),
    )
    for name, content in BAD_LISTS.items():
        (tmp / f"{name}.yaml").write_text(LIST_HEAD + content, encoding="utf-8")
        run(f"bad list file: {name}", "registry", "import", tmp / f"{name}.yaml", codes=(2,))
    run("missing file", "registry", "import", tmp / "nowhere.yaml", codes=(2,))
    run("missing event file", "route", tmp / "nowhere.json", codes=(2,))
    run("unknown rule", "rules", "show", "no-such-rule", db=False, codes=(2,))
    for name, content in BAD_RULES.items():
        (tmp / name).mkdir()
        (tmp / name / "r.yaml").write_text(content, encoding="utf-8")
        run(f"bad rules: {name}", "rules", "check", "--rules", tmp / name, db=False, codes=(2,))
    env["REMIT_MAX_RULE_FIRINGS"] = "2"
    run(
        "rules fired too often",
        *("route", "--matter", "BJ0120", "--area", "南京东路街道", "--rules", RULES),
        *("--reported-at", "2026-05-03T20:35:00"),
        codes=(2,),
    )
    env["REMIT_MAX_RULE_FIRINGS"] = "很多"
    run("bad firing bound", "route", "--matter", "SJ0106", "--area", "南京东路街道", codes=(2,))
    del env["REMIT_MAX_RULE_FIRINGS"]
    run("bad date", "check", "--as-of", "2025-13-01", codes=(2,))
    run(
        "bad working hours",
        *("route", "--matter", "SJ0106", "--area", "南京东路街道", "--working-hours", "9-12"),
        codes=(2,),
    )
    run("missing argument", "registry", "diff", "HP-JZ-JB", codes=(2,))

    codes, text = _vocabulary(url)
    text.add("'地点类型 道路'")  # the bad condition of the table, echoed back
    paths = [str(tmp), str(ROOT), str(Path.cwd())]
    return seen, codes, text, paths


def test_every_command_says_it_in_chinese(
    outputs: tuple[dict[str, str], set[str], set[str], list[str]],
) -> None:
    seen, codes, text, paths = outputs
    english = {
        name: sorted(words)
        for name, output in seen.items()
        if (words := english_words(output, codes, text, paths))
    }
    assert english == {}, "\n".join(f"{name}: {' '.join(words)}" for name, words in english.items())


def test_the_commands_said_something(
    outputs: tuple[dict[str, str], set[str], set[str], list[str]],
) -> None:
    seen, _, _, _ = outputs
    assert len(seen) > 40
    assert all(re.search(r"[\u4e00-\u9fff]", output) for output in seen.values())


@pytest.mark.parametrize(
    "leak",
    [
        "（did you mean '无照经营游商'？）",
        "应为 one of road, pavement",
        "地点类型 = residential_compound",
        "│ component │ unique │",
        "│ import_create │ status=published, rows=3 │",
        "┃ pri ┃ id ┃ title ┃",
    ],
)
def test_the_check_finds_english(
    leak: str, outputs: tuple[dict[str, str], set[str], set[str], list[str]]
) -> None:
    _, codes, text, paths = outputs
    assert english_words(leak, codes, text, paths)


def test_times_are_beijing_time(
    outputs: tuple[dict[str, str], set[str], set[str], list[str]],
) -> None:
    """The registry stores UTC; the log and the admission records show Beijing time, marked."""
    seen, _, _, _ = outputs
    for name in ("registry log", "admit list", "admit show", "admit show (rejected)"):
        times = re.findall(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}(?::\d{2})?\S*", seen[name])
        assert times and all(time.endswith("+08:00") for time in times), (name, times)
