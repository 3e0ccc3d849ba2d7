"""Hostile input that validation refuses (issue 11): each case exits 2 with the file, line or
row and the field, says what was expected, and writes nothing — on SQLite and PostgreSQL alike
where a database is involved.

One draft per list; names and aliases that tell units (and areas) apart, in either order; one
column per field of a table; finite numbers; whole numbers within SQL INTEGER; no control,
format or bidirectional characters in names, ids and text; data shown on the terminal as text;
CSV cells a spreadsheet would run as formulas quoted; four eyes comparing folded names.
"""

from __future__ import annotations

import importlib
import json
import pkgutil
import sqlite3
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel

import remit
from remit import Registry
from remit.admission import load_request
from remit.errors import InputError
from remit.files.text import visible
from remit.model import CONFIG, INT_MAX, INT_MIN, Model
from remit.present.console import echo
from remit.registry import fields
from remit.registry.entities import Area, Level, Matter, Unit, UnitKind
from tests.factories import (
    ADMISSION_CONFIG,
    ADMITTED,
    MINI,
    REQUEST_ID,
    REQUESTS_CONFIG,
    Cli,
    admission_gate,
    assert_located,
    csv_bytes,
    edit,
    newest,
    ok,
    problem_key,
    read_csv,
    recorded,
    rewritten,
    row,
    schema_of,
    sqlite_path,
    write,
)

LIST_HEAD = "file: list\nid: QZ-X\nname: 测试清单\nkind: department\nversions:\n"


def state_of(url: str) -> tuple[Any, ...]:
    """What a refused command must leave as it was: the revision, the log, the versions."""
    with Registry(url) as registry:
        return (
            registry.revision(),
            [(e.action, e.list_id, e.version) for e in registry.log()],
            [(s.info.id, [(v.version, v.status) for v in s.versions]) for s in registry.lists()],
        )


def refused(cli: Cli, url: str, *args: object, lang: str = "en") -> str:
    """Run a command that must exit 2, print nothing on stdout and leave the registry at ``url``
    (SQLite or PostgreSQL) as it was; its stderr."""
    before = state_of(url)
    result = cli(*args, db=url, lang=lang)
    assert result.exit_code == 2, (result.stdout, result.stderr)
    assert result.stdout == "" and "Traceback" not in result.stderr
    assert state_of(url) == before
    return result.stderr


def a_unit(code: str, name: str, *lines: str) -> str:
    """A units file (entries, no versions) of one district unit, with ``lines`` of its own."""
    return (
        f"file: units\nunits:\n  - code: {code}\n    name: {name}\n"
        + "".join(f"    {line}\n" for line in lines)
        + '    kind: line\n    level: district\n    jurisdiction: "310101000000"\n'
    )


def a_draft(path: Path, *duties: str) -> Path:
    """The list file ``QZ-X`` of one draft version with ``duties`` (YAML flow mappings)."""
    rows = "".join(f"      - {duty}\n" for duty in duties)
    return write(path, LIST_HEAD + "  - version: 1\n    status: draft\n    duties:\n" + rows)


# --- 1. one draft at most per list ---------------------------------------------------------------


def test_a_list_file_with_two_drafts_is_refused(
    cli: Cli, db_url: str, mini_registry: Registry, tmp_path: Path
) -> None:
    path = write(
        tmp_path / "two-drafts.yaml",
        LIST_HEAD
        + "  - version: 1\n    status: draft\n    duties: [{matter: SJ0501, unit: CGJ}]\n"
        + "  - version: 2\n    status: draft\n    duties: [{matter: SJ0502, unit: CGJ}]\n",
    )
    stderr = refused(cli, db_url, "registry", "import", path)
    assert_located(
        stderr, path, 10, "versions[1].status", "version 2 is a draft, and so is version 1"
    )
    assert "至多有一个草稿" in refused(cli, db_url, "registry", "import", path, lang="zh")


# --- 2. names and aliases tell units and areas apart ---------------------------------------------

CLASHES = {
    # a new unit named as a unit in force is also called (the order the issue found accepted)
    "name = an alias in force": (
        a_unit("ZZ", "区城管执法局"),
        4,
        "units[0].name",
        "name '区城管执法局' of unit ZZ already names unit CGJ",
    ),
    # … and the reverse order, refused before too
    "alias = a name in force": (
        a_unit("ZZ", "某执法队", "aliases: [区绿化和市容管理局]"),
        5,
        "units[0].aliases[0]",
        "alias '区绿化和市容管理局' of unit ZZ already names unit LRJ",
    ),
    # compared as the name index compares: width, case and spaces folded
    "full width and case": (
        a_unit("ZZ", "某队", "aliases: [ｃｇｊ]"),
        5,
        "units[0].aliases[0]",
        "alias 'ｃｇｊ' of unit ZZ already names unit CGJ",
    ),
    "spaces": (
        a_unit("ZZ", "区城管 执法局"),
        4,
        "units[0].name",
        "name '区城管 执法局' of unit ZZ already names unit CGJ",
    ),
    "two new units of one name": (
        a_unit("ZZ", "某某局") + a_unit("ZY", "某某局").removeprefix("file: units\nunits:\n"),
        9,
        "units[1].name",
        "name '某某局' of unit ZY already names unit ZZ",
    ),
    "an area named as another is also called": (
        'file: areas\nareas:\n  - {code: "310101099000", name: "310101020", level: street,'
        ' parent: "310101000000"}\n',
        3,
        "areas[0].name",
        "name '310101020' of area 310101099000 already names area 310101020000",
    ),
}


def test_a_name_or_alias_of_another_unit_or_area_is_refused(
    cli: Cli, db_url: str, mini_registry: Registry, tmp_path: Path
) -> None:
    for case, (text, line, field, says) in CLASHES.items():
        path = write(tmp_path / "clash.yaml", text)
        stderr = refused(cli, db_url, "registry", "import", path, "--effective-from", "2027-01-01")
        assert f"{path}, line {line}, field {field}: {says} (its code" in stderr, case
    # nothing written: the tree still imports as it is, changing nothing
    assert "0 version changes" in ok(cli("registry", "import", MINI, db=db_url))


# --- 3. one column per field of a table ----------------------------------------------------------


def test_a_table_with_a_mapped_column_twice_is_refused(
    cli: Cli, db_url: str, mini_registry: Registry, tmp_path: Path
) -> None:
    header = row(matter="事项编码", unit="责任单位")
    header.insert(3, "责任单位")  # the table: two 责任单位 columns, one silently dropped
    cells = row(matter="SJ0501", unit="CGJ")
    cells.insert(3, "区绿化市容局")
    path = write(tmp_path / "table.csv", csv_bytes([header, cells]))
    stderr = refused(cli, db_url, "registry", "import", path, "--list", "QZ-CGJ")
    assert_located(
        stderr,
        path,
        None,
        None,
        "the header has the column '责任单位' more than once",
        "C (3), D (4)",
    )
    assert "row 1" in stderr


def test_two_fields_mapped_to_one_column_are_refused(
    cli: Cli, reg: Registry, sqlite_url: str, tmp_path: Path
) -> None:
    mapping = write(
        tmp_path / "mapping.yaml",
        "file: mapping\ncolumns:\n  matter: 事项\n  unit: 主办单位\n  lead: ' 主办单位'\n",
    )
    table = write(tmp_path / "table.csv", csv_bytes([["事项", "主办单位"], ["SJ0501", "CGJ"]]))
    stderr = refused(
        cli, sqlite_url, "registry", "import", table, "--list", "QZ-CGJ", "--mapping", mapping
    )
    assert_located(
        stderr, mapping, None, "columns.lead", "fields unit, lead all name the column '主办单位'"
    )


# --- 4. finite numbers ---------------------------------------------------------------------------


def test_an_infinite_volume_or_setting_of_the_admission_gate_is_refused(
    cli: Cli, sample_url: str, tmp_path: Path
) -> None:
    changes = [  # the request: the gate reasoned about "inf staff"
        (ADMITTED, "expected_yearly_volume: 400 ", 12, "expected_yearly_volume"),
        (REQUESTS_CONFIG, "capacity_threshold: 1.0", 8, "capacity_threshold"),
    ]
    for original, old, line, field in changes:
        changed = rewritten(original, tmp_path / original.name, old, f"{field}: .inf ")
        request, config = (
            (changed, REQUESTS_CONFIG) if original == ADMITTED else (ADMITTED, changed)
        )
        stderr = refused(cli, sample_url, "admit", "check", "--config", config, request)
        assert_located(stderr, changed, line, field, "Input should be a finite number")


NOT_FINITE = {
    "a unit's budget": (a_unit("ZZ", "某局", "budget: .inf"), 5, "units[0].budget"),
    "a matter's estimate": (
        "file: catalogue\nid: CAT\nname: 测试事项目录\nversions:\n  - version: 2\n"
        "    status: draft\n    matters:\n      - {code: SJ09, name: 某事项, kind: event,"
        " estimate: {yearly_volume: .nan}}\n",
        8,
        "versions[0].matters[0].estimate.yearly_volume",
    ),
    "a time limit": (
        "{matter: SJ0501, unit: CGJ, time_limit: {value: .inf, unit: days}}",
        9,
        "versions[0].duties[0].time_limit.value",
    ),
}


def test_numbers_that_are_not_finite_are_refused(
    cli: Cli, db_url: str, mini_registry: Registry, tmp_path: Path
) -> None:
    for text, line, field in NOT_FINITE.values():
        bad = tmp_path / "bad.yaml"  # a whole file, or a row of a list's draft
        path = write(bad, text) if text.startswith("file:") else a_draft(bad, text)
        stderr = refused(cli, db_url, "registry", "import", path, "--effective-from", "2027-01-01")
        assert_located(stderr, path, line, field, "Input should be a finite number")


# --- 5. whole numbers within SQL INTEGER ---------------------------------------------------------


def test_whole_numbers_beyond_integer_are_refused_and_its_bounds_stored(
    cli: Cli, db_url: str, mini_registry: Registry, tmp_path: Path
) -> None:
    for priority in (2**70, INT_MAX + 1, INT_MIN - 1):  # 2**32 was stored by SQLite only
        path = a_draft(
            tmp_path / "big.yaml", f"{{matter: SJ0501, unit: CGJ, priority: {priority}}}"
        )
        stderr = refused(cli, db_url, "registry", "import", path)
        bound = f"less than or equal to {INT_MAX}" if priority > 0 else "greater than"
        assert_located(stderr, path, 9, "versions[0].duties[0].priority", bound)
    path = a_draft(
        tmp_path / "bounds.yaml",
        f"{{matter: SJ0501, unit: CGJ, priority: {INT_MAX}}}",
        f"{{matter: SJ0502, unit: CGJ, priority: {INT_MIN}}}",
    )
    ok(cli("registry", "import", path, db=db_url))
    with Registry(db_url) as registry:
        assert {d.priority for d in newest(registry, "QZ-X").duties} == {INT_MAX, INT_MIN}
    units = write(tmp_path / "units.yaml", a_unit("ZZ", "某局", f"capacity: {INT_MAX + 1}"))
    stderr = refused(cli, db_url, "registry", "import", units, "--effective-from", "2027-01-01")
    assert_located(stderr, units, 5, "units[0].capacity", f"less than or equal to {INT_MAX}")


def test_a_number_worked_out_beyond_integer_is_refused_when_written() -> None:
    unit = Unit("ZZ", "某局", UnitKind.line, Level.district, "310101000000", capacity=INT_MAX + 1)
    with pytest.raises(InputError) as refusal:
        fields.encode(unit)
    assert problem_key(refusal) == "db.int_range"
    assert "Unit.capacity would be 2147483648" in str(refusal.value)


def test_staff_an_approval_would_give_beyond_integer_is_refused(
    cli: Cli, sample_url: str, tmp_path: Path
) -> None:
    request = rewritten(ADMITTED, tmp_path / "staff.yaml", "staff: 1,", f"staff: {INT_MAX},")
    config = REQUESTS_CONFIG
    ok(cli("admit", "submit", "--config", config, request, "--by", "经办人", db=sample_url))
    stderr = refused(
        cli,
        sample_url,
        "admit",
        "approve",
        REQUEST_ID,
        "--config",
        config,
        "--by",
        "区委编办审核人",
    )
    assert "Unit.capacity would be" in stderr and "beyond what the registry stores" in stderr


# --- 6. no control, format or bidirectional characters -------------------------------------------

REFUSED_IN_A_NAME = {
    "NUL": "\x00",
    "escape": "\x1b[2J",
    "C1 next line": "\x85",
    "bidi override": "\u202e",
    "zero-width space": "\u200b",
    "line separator": "\u2028",
    "tab": "\t",
}


def test_a_name_with_a_control_character_is_refused_on_both_databases(
    cli: Cli, db_url: str, mini_registry: Registry, tmp_path: Path
) -> None:
    for char in REFUSED_IN_A_NAME.values():
        escaped = char.encode("unicode_escape").decode("ascii")
        path = write(tmp_path / "units.yaml", a_unit("ZZ", f'"区{escaped}某局"'))
        stderr = refused(cli, db_url, "registry", "import", path, "--effective-from", "2027-01-01")
        says = f"character 2 (U+{ord(char[0]):04X}) is not allowed here"
        assert_located(stderr, path, 4, "units[0].name", says)


def test_text_may_hold_tabs_and_line_breaks_but_no_other_control_character(
    cli: Cli, db_url: str, mini_registry: Registry, tmp_path: Path
) -> None:
    def a_note(note: str) -> Path:
        return a_draft(tmp_path / "note.yaml", f'{{matter: SJ0501, unit: CGJ, note: "{note}"}}')

    for note in ("a\\x00b", "a\\x1b[31mb", "a\\u202eb"):
        stderr = refused(cli, db_url, "registry", "import", a_note(note))
        assert "versions[0].duties[0].note: character 2" in stderr
        assert "is not allowed in text" in stderr
    ok(cli("registry", "import", a_note("第一行\\n第二行\\t说明"), db=db_url))
    with Registry(db_url) as registry:
        assert newest(registry, "QZ-X").duties[0].note == "第一行\n第二行\t说明"


def test_who_acts_and_the_note_of_a_write_are_checked(
    cli: Cli, db_url: str, mini_registry: Registry, tmp_path: Path
) -> None:
    path = a_draft(tmp_path / "list.yaml", "{matter: SJ0501, unit: CGJ}")
    stderr = refused(cli, db_url, "registry", "import", path, "--by", "审核人\x1b[2J")
    assert "field by: character 4 (U+001B) is not allowed here" in stderr
    before = state_of(db_url)
    with pytest.raises(InputError) as refusal:
        mini_registry.import_files([path], by="审核人", note="说明\x00")
    assert problem_key(refusal) == "text.refused_text"
    assert refusal.value.problems[0].field == "note"
    assert state_of(db_url) == before


# --- 7. the terminal shows data as text ----------------------------------------------------------

HOSTILE = "区城市管理行政执法局\x1b[2J[bold]x[/bold]:warning:\u202ez"
SHOWN = "区城市管理行政执法局\\x1b[2J[bold]x[/bold]:warning:\\u202ez"


def test_names_are_shown_as_written_not_as_terminal_codes_or_markup(
    cli: Cli, reg: Registry, sqlite_url: str, wide_terminal: None
) -> None:
    # a registry holding what validation now refuses (filled before, or by hand)
    with closing(sqlite3.connect(sqlite_path(sqlite_url))) as db:
        db.execute("UPDATE unit SET name = ? WHERE code = 'CGJ'", (HOSTILE,))
        db.commit()
    route = (
        "route",
        "--matter",
        "SJ0501",
        "--area",
        "南京东路街道",
        "--attr",
        "location_type=road",
    )
    for args in [("registry", "show", "QZ-CGJ"), (*route, "--reported-at", "2026-03-02T10:00")]:
        out = ok(cli(*args, db=sqlite_url))  # a table (rich), lines (rich)
        assert SHOWN in out
        assert "\x1b" not in out and "\u202e" not in out and "⚠" not in out


def test_markup_in_a_name_prints_as_written(
    cli: Cli, reg: Registry, sqlite_url: str, tmp_path: Path, wide_terminal: None
) -> None:
    path = a_draft(tmp_path / "list.yaml", "{matter: SJ0501, unit: CGJ}")
    edit(path, "测试清单", '"[red]测试清单[/red] :warning:"')
    ok(cli("registry", "import", path, db=sqlite_url))
    assert "[red]测试清单[/red] :warning:" in ok(cli("registry", "lists", db=sqlite_url))


def test_echo_escapes_what_a_terminal_would_run(capsys: pytest.CaptureFixture[str]) -> None:
    echo("E1\x1b[2J\r\u202e 第一行\n\t第二行")
    assert capsys.readouterr().out == "E1\\x1b[2J\\x0d\\u202e 第一行\n\t第二行\n"
    assert visible("已可见的文字 [b]") == "已可见的文字 [b]"


# --- 8. CSV cells a spreadsheet would run as formulas are quoted ---------------------------------

FORMULAS = ['=HYPERLINK("http://x","点此")', "=cmd|' /C calc'!A0", "+1", "@SUM(1)", "'-已加引号"]


def test_csv_export_quotes_formulas_and_imports_back_as_it_was(
    cli: Cli, reg: Registry, sqlite_url: str, tmp_path: Path
) -> None:
    duties = [
        f"{{matter: {m}, unit: CGJ, note: {json.dumps(note, ensure_ascii=False)}}}"
        for m, note in zip(
            ["SJ0501", "SJ0502", "BJ0101", "RX0101", "SJ0502"], FORMULAS, strict=True
        )
    ]
    path = a_draft(tmp_path / "formulas.yaml", *duties, "{matter: SJ0501, unit: LRJ, priority: -5}")
    ok(cli("registry", "import", path, db=sqlite_url))
    exported = tmp_path / "out.csv"
    ok(cli("registry", "export", "QZ-X", "--format", "csv", "-o", exported, db=sqlite_url))
    header, *rows = read_csv(exported)
    notes = [r[header.index("备注")] for r in rows]
    assert notes[:5] == ["'" + note for note in FORMULAS]
    assert rows[5][header.index("优先级")] == "'-5"
    before = newest(reg, "QZ-X").content_hash
    ok(cli("registry", "import", exported, "--list", "QZ-X", db=sqlite_url))
    assert newest(reg, "QZ-X").content_hash == before


# --- 9. four eyes compares folded names ----------------------------------------------------------


def test_four_eyes_compares_names_folded(sample_registry: Registry) -> None:
    config = ADMISSION_CONFIG.model_copy(update={"approvers": ["AB", "Cd"]})
    gate = admission_gate(sample_registry, config)
    gate.submit(load_request(ADMITTED), by="AB")
    before = recorded(sample_registry)
    for same in ("ＡＢ", "ab", " A B "):
        with pytest.raises(InputError) as refusal:
            gate.approve(REQUEST_ID, by=same)
        assert problem_key(refusal) == "admission.four_eyes"
        assert str(refusal.value).startswith("AB submitted request")
    assert recorded(sample_registry) == before
    gate.approve(REQUEST_ID, by="ＣＤ")  # an approver, however typed
    assert gate.show(REQUEST_ID).status == "approved"


# --- every model, every input format -------------------------------------------------------------

INPUT_KINDS = ["areas", "units", "catalogue", "list", "mapping", "event", "admission"]
INPUT_KINDS += ["admission-config", "check-config"]  # (rules files are checked by their own tests)


def _integers(schema: dict[str, Any], root: dict[str, Any], at: str) -> Iterator[tuple[str, Any]]:
    if "$ref" in schema:
        yield from _integers(root["$defs"][schema["$ref"].rsplit("/", 1)[1]], root, at)
    for option in schema.get("anyOf", []):
        yield from _integers(option, root, at)
    if schema.get("type") == "integer":
        yield at, (schema.get("minimum"), schema.get("maximum"))
    for key, value in schema.get("properties", {}).items():
        yield from _integers(value, root, f"{at}.{key}")
    for key in ("items", "additionalProperties"):
        if isinstance(schema.get(key), dict):
            yield from _integers(schema[key], root, f"{at}[]")


@pytest.mark.parametrize("kind", INPUT_KINDS)
def test_every_whole_number_a_file_gives_is_within_integer(kind: str) -> None:
    schema = schema_of(kind)
    for at, (low, high) in _integers(schema, schema, kind):
        assert low is not None and high is not None and INT_MIN <= low <= high <= INT_MAX, at


def test_every_model_refuses_numbers_that_are_not_finite() -> None:
    for module in pkgutil.walk_packages(remit.__path__, "remit."):
        importlib.import_module(module.name)
    models: list[type[BaseModel]] = []
    pending: list[type[BaseModel]] = [BaseModel]
    while pending:
        for sub in pending.pop().__subclasses__():
            pending.append(sub)
            if sub.__module__.startswith("remit."):
                models.append(sub)
    assert len(models) > 40
    for model in models:
        assert issubclass(model, Model), model
        assert model.model_config.get("allow_inf_nan") is False, model
    for entity in (Area, Unit, Matter):  # dataclasses that are file entries
        assert entity.__pydantic_config__ == CONFIG  # type: ignore[attr-defined]
