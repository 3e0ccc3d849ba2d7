"""Every kind of bad input, through the CLI: exit code 2, a message naming the file, the line,
the field and what was expected, and a registry left byte-for-byte as it was."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

from remit import Registry
from tests.factories import MINI, Cli, assert_located, edit, failing, init, problem_line

DEPT = "lists/dept-cgj.yaml"
STREET = "lists/street-njdl.yaml"


@dataclass(frozen=True)
class Case:
    """A mutation of the mini tree and where its single problem must be reported."""

    file: str
    old: str
    new: str
    line: int
    field: str | None
    expected: tuple[str, ...]


CASES: dict[str, Case] = {
    "yaml_syntax": Case(
        STREET,
        "        unit: 南京东路街道\n",
        "        unit: 南京东路街道: 办事处\n",
        13,
        None,
        ("YAML syntax error", "mapping values are not allowed"),
    ),
    "duplicate_key": Case(
        STREET,
        "        provenance: {kind: devolved, source: QZ-FGJ}\n",
        "        unit: WLQ\n",
        18,
        "versions[0].duties[1].unit",
        ("key 'unit' is defined twice", "also at line 17"),
    ),
    "unknown_key": Case(
        STREET,
        "        priority: 10\n",
        "        colour: red\n",
        14,
        "versions[0].duties[0].colour",
        ("unknown field", "remit schema --kind list"),
    ),
    "wrong_type": Case(
        STREET,
        "        priority: 10\n",
        "        priority: high\n",
        14,
        "versions[0].duties[0].priority",
        ("valid integer", "'high'"),
    ),
    "bad_enum": Case(
        STREET,
        "        priority: 10\n",
        "        role: boss\n",
        14,
        "versions[0].duties[0].role",
        ("'lead', 'assist', 'supervise' or 'not_responsible'", "'boss'"),
    ),
    "bad_date": Case(
        STREET,
        "        review_by: 2025-12-31\n",
        "        review_by: 2025-13-45\n",
        19,
        "versions[0].duties[1].review_by",
        ("valid date",),
    ),
    "bad_time_limit": Case(
        STREET,
        "        priority: 10\n",
        "        time_limit: 两小时\n",
        14,
        "versions[0].duties[0].time_limit",
        ("cannot read time limit '两小时'", "expected e.g. 2小时"),
    ),
    "missing_required": Case(
        STREET,
        "        unit: NJDL\n",
        "        note: 没有写单位\n",
        16,
        "versions[0].duties[1].unit",
        ("required field is missing",),
    ),
    "missing_unit_kind": Case(
        "units.yaml",
        "    kind: owner\n",
        "    capacity: 5\n",
        39,
        "units[5].kind",
        ("required field is missing",),
    ),
    "unknown_unit": Case(
        STREET,
        "        unit: NJDL\n",
        "        unit: 不存在的单位\n",
        17,
        "versions[0].duties[1].unit",
        ("unknown unit '不存在的单位'", "expected a unit code, name or alias"),
    ),
    "unknown_unit_with_hint": Case(
        STREET,
        "        unit: 南京东路街道\n",
        "        unit: 区房屋管理\n",
        13,
        "versions[0].duties[0].unit",
        ("unknown unit '区房屋管理'", "did you mean '区房屋管理局'?"),
    ),
    "unknown_matter": Case(
        STREET,
        "      - matter: RX0101\n",
        "      - matter: RX9999\n",
        16,
        "versions[0].duties[1].matter",
        ("unknown matter 'RX9999' in catalogue CAT v1", "expected a matter code or name"),
    ),
    "group_matter": Case(
        STREET,
        "      - matter: RX0101\n",
        "      - matter: 街面秩序\n",
        16,
        "versions[0].duties[1].matter",
        (
            "matter SJ05 (街面秩序) is a group of matters",
            "SJ0501 无照经营游商, SJ0502 共享单车乱停放",
        ),
    ),
    "unknown_area": Case(
        STREET,
        "        priority: 10\n",
        "        area: 火星\n",
        14,
        "versions[0].duties[0].area",
        ("unknown area '火星'", "expected an area code or name"),
    ),
    "unknown_jurisdiction": Case(
        "units.yaml",
        '    jurisdiction: "310000000000"\n',
        '    jurisdiction: "320000000000"\n',
        44,
        "units[5].jurisdiction",
        ("unknown area '320000000000'", "expected an area code or name"),
    ),
    "undeclared_attribute": Case(
        STREET,
        "        when: {location_type: {in: [pavement]}}\n",
        "        when: {severity: 2}\n",
        15,
        "versions[0].duties[0].when.severity",
        ("attribute 'severity', which matter SJ0502 does not declare", "declared: location_type"),
    ),
    "enum_out_of_domain": Case(
        STREET,
        "        when: {location_type: {in: [pavement]}}\n",
        "        when: {location_type: sky}\n",
        15,
        "versions[0].duties[0].when.location_type",
        ("value 'sky' of location_type is outside its domain", "one of road, pavement, park"),
    ),
    "int_out_of_domain": Case(
        DEPT,
        "        when: {location_type: road}\n",
        "        when:\n          severity: 9\n",
        17,
        "versions[0].duties[0].when.severity",
        ("value 9 of severity is outside its domain", "a whole number from 1 to 4"),
    ),
    "empty_enum_set": Case(
        STREET,
        "        when: {location_type: {in: [pavement]}}\n",
        "        when: {location_type: {in: []}}\n",
        15,
        "versions[0].duties[0].when.location_type",
        ("condition on location_type can never hold (empty set)",),
    ),
    "empty_int_range": Case(
        DEPT,
        "        when: {location_type: road}\n",
        "        when: {severity: {gte: 4, lte: 2}}\n",
        16,
        "versions[0].duties[0].when.severity",
        ("condition on severity can never hold (empty range)",),
    ),
    "same_effective_from": Case(
        DEPT,
        "    effective_from: 2025-07-01\n",
        "    effective_from: 2024-01-01\n",
        27,
        "versions[1].effective_from",
        ("version 2 takes effect on 2024-01-01, not after version 1 (2024-01-01)", "overlap"),
    ),
    "v2_before_v1": Case(
        DEPT,
        "    effective_from: 2025-07-01\n",
        "    effective_from: 2023-07-01\n",
        27,
        "versions[1].effective_from",
        ("version 2 takes effect on 2023-07-01, not after version 1 (2024-01-01)",),
    ),
    "v1_ends_after_v2_starts": Case(
        DEPT,
        "    note: 首版\n",
        "    effective_to: 2025-12-31\n",
        12,
        "versions[0].effective_to",
        ("version 1 ends on 2025-12-31, after version 2 takes effect on 2025-07-01",),
    ),
    "end_before_start": Case(
        DEPT,
        "    note: 首版\n",
        "    effective_to: 2023-12-31\n",
        12,
        "versions[0].effective_to",
        ("effective_to 2023-12-31 is before effective_from 2024-01-01",),
    ),
    "published_without_date": Case(
        DEPT,
        "    effective_from: 2025-07-01\n",
        "    # no date\n",
        25,
        "versions[1]",
        ("version 2 is published but has no effective_from date",),
    ),
    "draft_before_published": Case(
        DEPT,
        "    status: published\n    effective_from: 2024-01-01\n",
        "    status: draft\n    effective_from: 2024-01-01\n",
        8,
        "versions[0]",
        ("version 1 is a draft, but version 2 after it is published", "only the newest"),
    ),
    "version_gap": Case(
        DEPT,
        "  - version: 2\n",
        "  - version: 3\n",
        25,
        "versions[1].version",
        ("version numbers must be 1, 2, 3 … in order; found 1, 3",),
    ),
    "version_not_from_one": Case(
        STREET,
        "  - version: 1\n",
        "  - version: 2\n",
        8,
        "versions[0].version",
        ("version numbers must be 1, 2, 3 … in order; found 2",),
    ),
    "version_twice": Case(
        DEPT,
        "  - version: 2\n",
        "  - version: 1\n",
        25,
        "versions[1].version",
        ("version 1 is defined twice", f"{DEPT}:8"),
    ),
    "duplicate_duty": Case(
        STREET,
        "      - matter: RX0101\n        unit: NJDL\n"
        "        provenance: {kind: devolved, source: QZ-FGJ}\n        review_by: 2025-12-31\n",
        "      - matter: 共享单车乱停放\n        unit: NJDL\n        priority: 10\n"
        "        when: {location_type: pavement}\n",
        16,
        "versions[0].duties[1]",
        ("duty 'SJ0502/NJDL/lead' is defined twice", f"{STREET}:12"),
    ),
    "alias_clash": Case(
        "units.yaml",
        "    aliases: [区绿化市容局, 黄浦区绿化市容局]\n",
        "    aliases: [区绿化市容局, 区房屋管理局]\n",
        5,
        "units[0].aliases[1]",
        ("alias '区房屋管理局' of unit LRJ already names unit FGJ",),
    ),
    "unknown_parent_area": Case(
        "areas.yaml",
        'parent: "310101002001"}',
        'parent: "310101002999"}',
        8,
        "areas[5].parent",
        ("parent area '310101002999' is not defined",),
    ),
    "area_self_parent": Case(
        "areas.yaml",
        'parent: "310101002001"}',
        'parent: "31010100200101"}',
        8,
        "areas[5].parent",
        ("area 31010100200101 is its own ancestor",),
    ),
}


@pytest.mark.parametrize("name", list(CASES))
def test_bad_file_in_tree(name: str, cli: Cli, sqlite_url: str, mini_tree: Path) -> None:
    case = CASES[name]
    target = mini_tree / case.file
    edit(target, case.old, case.new)
    init(sqlite_url)
    stderr = failing(cli, sqlite_url, "registry", "import", mini_tree)
    assert stderr.startswith("1 problem(s) found; nothing was written.\n"), stderr
    assert_located(stderr, target, case.line, case.field, *case.expected)
    with Registry(sqlite_url) as registry:
        assert registry.lists() == []


@pytest.mark.parametrize("name", ["unknown_unit", "version_gap"])
def test_bad_file_on_both_databases(name: str, cli: Cli, db_url: str, mini_tree: Path) -> None:
    case = CASES[name]
    target = mini_tree / case.file
    edit(target, case.old, case.new)
    init(db_url)
    result = cli("registry", "import", mini_tree, db=db_url)
    assert result.exit_code == 2
    assert_located(result.stderr, target, case.line, case.field, *case.expected)
    with Registry(db_url) as registry:
        assert registry.lists() == []
        assert registry.log() == []


def test_message_in_chinese(cli: Cli, sqlite_url: str, mini_tree: Path) -> None:
    case = CASES["unknown_unit"]
    target = mini_tree / case.file
    edit(target, case.old, case.new)
    init(sqlite_url)
    stderr = failing(cli, sqlite_url, "registry", "import", mini_tree, lang="zh")
    assert stderr.startswith("发现 1 个问题；未写入任何内容。\n")
    text = problem_line(stderr, target)
    assert "第 17 行" in text
    assert "字段 versions[0].duties[1].unit" in text
    assert "未知单位 '不存在的单位'；应为单位编码、名称或别名" in text


# --- whole files ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("content", "line", "field", "expected"),
    [
        pytest.param(
            b"",
            None,
            None,
            ("the file is empty", "expected a YAML mapping with a 'file:' key"),
            id="empty",
        ),
        pytest.param(
            "# 只有注释\n".encode(),
            None,
            None,
            ("the file is empty", "expected a YAML mapping with a 'file:' key"),
            id="comments_only",
        ),
        pytest.param(
            b"\xff\xfe\x80\x81file: list\n",
            None,
            None,
            ("cannot decode the file", "expected UTF-8 (with or without BOM) or GB18030/GBK"),
            id="bad_encoding",
        ),
        pytest.param(
            b"areas:\n  - {code: A, name: a, level: city}\n",
            1,
            "file",
            (
                "no 'file:' key",
                "a registry file starts with file: areas | units | catalogue | list",
            ),
            id="no_file_key",
        ),
        pytest.param(
            b"# kind\nfile: widgets\n",
            2,
            "file",
            ("unknown file kind 'widgets'", "expected one of areas, units, catalogue, list"),
            id="unknown_kind",
        ),
        pytest.param(
            b"- file: areas\n",
            1,
            None,
            ("expected a YAML mapping with a 'file:' key", "found list"),
            id="not_a_mapping",
        ),
        pytest.param(
            b"file: mapping\ncolumns: {matter: A, unit: B}\n",
            1,
            "file",
            ("a mapping file is not imported by itself", "--mapping"),
            id="mapping_alone",
        ),
        pytest.param(
            b"file: areas\nareas: []\n",
            2,
            "areas",
            ("List should have at least 1 item",),
            id="empty_areas",
        ),
        pytest.param(
            b"file: units\nunits:\n  - code: X Y\n    name: a\n    kind: line\n"
            b"    level: city\n    jurisdiction: A\n",
            3,
            "units[0].code",
            ("String should match pattern",),
            id="bad_code",
        ),
    ],
)
def test_bad_whole_file(
    content: bytes,
    line: int | None,
    field: str | None,
    expected: tuple[str, ...],
    cli: Cli,
    sqlite_url: str,
    tmp_path: Path,
) -> None:
    path = tmp_path / "bad.yaml"
    path.write_bytes(content)
    init(sqlite_url)
    stderr = failing(cli, sqlite_url, "registry", "import", path)
    assert_located(stderr, path, line, field, *expected)


def test_gb18030_file_is_read(cli: Cli, sqlite_url: str, tmp_path: Path) -> None:
    """The counterpart of the bad-encoding case: GBK text is decoded, not rejected."""
    path = tmp_path / "areas.yaml"
    path.write_bytes(
        "file: areas\nareas:\n  - {code: A1, name: 上海市, level: city}\n".encode("gbk")
    )
    init(sqlite_url)
    result = cli("registry", "import", path, db=sqlite_url)
    assert result.exit_code == 0, result.stderr
    with Registry(sqlite_url) as registry:
        assert registry.state().areas["A1"].name == "上海市"


def test_nonexistent_path(cli: Cli, sqlite_url: str, tmp_path: Path) -> None:
    init(sqlite_url)
    missing = tmp_path / "nope" / "lists.yaml"
    stderr = failing(cli, sqlite_url, "registry", "import", missing)
    assert_located(stderr, missing, None, None, "no such file or directory")


def test_directory_without_yaml(cli: Cli, sqlite_url: str, tmp_path: Path) -> None:
    init(sqlite_url)
    empty = tmp_path / "empty"
    empty.mkdir()
    (empty / "notes.txt").write_text("not yaml", encoding="utf-8")
    stderr = failing(cli, sqlite_url, "registry", "import", empty)
    assert_located(stderr, empty, None, None, "no YAML files found")


def test_area_parent_cycle(cli: Cli, sqlite_url: str, mini_tree: Path) -> None:
    """Only the areas on the cycle are reported, each at its parent field."""
    areas = mini_tree / "areas.yaml"
    edit(areas, "name: 上海市, level: city}", 'name: 上海市, level: city, parent: "310101000000"}')
    init(sqlite_url)
    stderr = failing(cli, sqlite_url, "registry", "import", mini_tree)
    assert stderr.startswith("2 problem(s) found")
    lines = [line for line in stderr.splitlines() if line.startswith(str(areas))]
    assert lines == [
        f"{areas}, line 3, field areas[0].parent: area 310000000000 is its own ancestor",
        f"{areas}, line 4, field areas[1].parent: area 310101000000 is its own ancestor",
    ]


# --- against what the registry already holds -------------------------------------------------


def test_changing_a_published_version_is_refused(
    cli: Cli, sqlite_url: str, mini_tree: Path
) -> None:
    init(sqlite_url, MINI)
    street = mini_tree / STREET
    edit(street, "        priority: 10\n", "        priority: 11\n")
    stderr = failing(cli, sqlite_url, "registry", "import", mini_tree)
    assert_located(
        stderr,
        street,
        8,
        "versions[0]",
        "version 1 of JD-NJDL is already published with other content",
        "published versions are immutable: add version 2 instead",
    )


def test_changing_a_published_date_is_refused(cli: Cli, sqlite_url: str, mini_tree: Path) -> None:
    init(sqlite_url, MINI)
    street = mini_tree / STREET
    edit(street, "    effective_from: 2024-01-01\n", "    effective_from: 2024-02-01\n")
    stderr = failing(cli, sqlite_url, "registry", "import", street)
    assert_located(stderr, street, 8, "versions[0]", "already published", "immutable")


def test_immutable_in_chinese_names_the_status(cli: Cli, sqlite_url: str, mini_tree: Path) -> None:
    init(sqlite_url, MINI)
    street = mini_tree / STREET
    edit(street, "        priority: 10\n", "        priority: 11\n")
    stderr = failing(cli, sqlite_url, "registry", "import", street, lang="zh")
    assert "字段 versions[0]: JD-NJDL 第 1 版已发布且内容不同" in stderr
    assert "已发布版本不可修改：请新增第 2 版" in stderr
    assert "published" not in stderr


def test_bad_row_of_a_published_version_is_not_also_reported_as_a_change(
    cli: Cli, sqlite_url: str, mini_tree: Path
) -> None:
    """A row that fails validation makes the version's content incomplete; that is not a
    second problem ("already published with other content")."""
    init(sqlite_url, MINI)
    street = mini_tree / STREET
    edit(street, "        unit: NJDL\n", "        unit: 不存在的单位\n")
    stderr = failing(cli, sqlite_url, "registry", "import", street)
    assert stderr.startswith("1 problem(s) found")
    assert_located(stderr, street, 17, "versions[0].duties[1].unit", "unknown unit")


def test_second_catalogue_is_refused(cli: Cli, sqlite_url: str, tmp_path: Path) -> None:
    init(sqlite_url, MINI)
    path = tmp_path / "cat2.yaml"
    path.write_text(
        "file: catalogue\nid: CAT2\nname: 另一套目录\nversions:\n  - version: 1\n"
        "    matters:\n      - {code: A, name: a, kind: event}\n",
        encoding="utf-8",
    )
    stderr = failing(cli, sqlite_url, "registry", "import", path)
    assert_located(
        stderr,
        path,
        2,
        "id",
        "the registry's catalogue is CAT",
        "add a version of CAT instead of a new catalogue CAT2",
    )


def test_alias_clash_with_registry(cli: Cli, sqlite_url: str, tmp_path: Path) -> None:
    init(sqlite_url, MINI)
    path = tmp_path / "units.yaml"
    path.write_text(
        "file: units\nunits:\n  - code: ZZ\n    name: 某执法队\n    aliases: [执法队, 区城管执法局]\n"
        '    kind: line\n    level: district\n    jurisdiction: "310101000000"\n',
        encoding="utf-8",
    )
    stderr = failing(cli, sqlite_url, "registry", "import", path)
    assert_located(
        stderr,
        path,
        5,
        "units[0].aliases[1]",
        "alias '区城管执法局' of unit ZZ already names unit CGJ",
    )


def test_kind_of_a_list_cannot_change(cli: Cli, sqlite_url: str, mini_tree: Path) -> None:
    init(sqlite_url, MINI)
    street = mini_tree / STREET
    edit(street, "kind: street_basic\n", "kind: street_assist\n")
    stderr = failing(cli, sqlite_url, "registry", "import", street)
    assert_located(stderr, street, 4, "kind", "list JD-NJDL is a street_basic list in the registry")


def draft_file(tmp_path: Path) -> Path:
    """JD-NJDL as in the mini tree plus a draft version 2."""
    path = tmp_path / "street-draft.yaml"
    path.write_text(
        (MINI / STREET).read_text(encoding="utf-8")
        + "  - version: 2\n    duties:\n      - matter: RX0101\n        unit: NJDL\n",
        encoding="utf-8",
    )
    return path


@pytest.mark.parametrize(
    ("date", "message"),
    [
        ("2024-01-01", "version 2 takes effect on 2024-01-01, not after version 1 (2024-01-01)"),
        ("2023-06-01", "version 2 takes effect on 2023-06-01, not after version 1 (2024-01-01)"),
    ],
)
def test_publishing_a_draft_before_the_last_published_is_refused(
    date: str, message: str, cli: Cli, db_url: str, tmp_path: Path
) -> None:
    init(db_url, MINI, draft_file(tmp_path))
    result = cli("registry", "publish", "JD-NJDL", "--effective-from", date, db=db_url)
    assert result.exit_code == 2
    assert f"JD-NJDL, field effective_from: {message}" in result.stderr
    with Registry(db_url) as registry:
        (summary,) = [s for s in registry.lists() if s.info.id == "JD-NJDL"]
        assert [v.status.value for v in summary.versions] == ["published", "draft"]


def test_publishing_a_draft_before_the_last_published_leaves_sqlite_unchanged(
    cli: Cli, sqlite_url: str, tmp_path: Path
) -> None:
    init(sqlite_url, MINI, draft_file(tmp_path))
    stderr = failing(
        cli, sqlite_url, "registry", "publish", "JD-NJDL", "--effective-from", "2024-01-01"
    )
    assert "version dates overlap" in stderr


# --- several files at once --------------------------------------------------------------------


def test_one_bad_file_in_a_directory_writes_nothing(cli: Cli, db_url: str, mini_tree: Path) -> None:
    edit(mini_tree / STREET, "        unit: NJDL\n", "        unit: 不存在的单位\n")
    init(db_url)
    result = cli("registry", "import", mini_tree, db=db_url)
    assert result.exit_code == 2
    assert "nothing was written" in result.stderr
    with Registry(db_url) as registry:
        state = registry.state()
        assert (state.areas, state.units, state.lists, state.versions) == ({}, {}, {}, {})
        assert registry.log() == []
    # the same tree, fixed, imports whole
    edit(mini_tree / STREET, "        unit: 不存在的单位\n", "        unit: NJDL\n")
    assert cli("registry", "import", mini_tree, db=db_url).exit_code == 0
    with Registry(db_url) as registry:
        assert {s.info.id for s in registry.lists()} == {
            "CAT",
            "AREAS",
            "UNITS",
            "QZ-CGJ",
            "JD-NJDL",
        }


def test_problems_of_several_files_are_reported_together(
    cli: Cli, sqlite_url: str, mini_tree: Path
) -> None:
    dept, street = mini_tree / DEPT, mini_tree / STREET
    edit(dept, "    effective_from: 2025-07-01\n", "    effective_from: 2023-07-01\n")
    edit(street, "        unit: NJDL\n", "        unit: 不存在的单位\n")
    init(sqlite_url)
    stderr = failing(cli, sqlite_url, "registry", "import", mini_tree)
    assert stderr.startswith("2 problem(s) found")
    assert_located(stderr, dept, 27, "versions[1].effective_from", "not after version 1")
    assert_located(stderr, street, 17, "versions[0].duties[1].unit", "unknown unit")


def test_file_level_problems_of_several_files_are_reported_together(
    cli: Cli, sqlite_url: str, mini_tree: Path
) -> None:
    (mini_tree / "broken.yaml").write_bytes(b"file: areas\nareas: [\n")
    (mini_tree / "latin1.yaml").write_bytes(b"\xff\xfe\x80")
    edit(mini_tree / STREET, "        priority: 10\n", "        priority: high\n")
    init(sqlite_url)
    stderr = failing(cli, sqlite_url, "registry", "import", mini_tree)
    assert stderr.startswith("3 problem(s) found")
    assert_located(stderr, mini_tree / "broken.yaml", 3, None, "YAML syntax error")
    assert_located(stderr, mini_tree / "latin1.yaml", None, None, "cannot decode")
    assert_located(stderr, mini_tree / STREET, 14, "versions[0].duties[0].priority", "integer")


def test_same_list_id_in_two_files(cli: Cli, sqlite_url: str, mini_tree: Path) -> None:
    copy = mini_tree / "lists" / "z-copy.yaml"
    copy.write_text((mini_tree / STREET).read_text(encoding="utf-8"), encoding="utf-8")
    init(sqlite_url)
    stderr = failing(cli, sqlite_url, "registry", "import", mini_tree)
    assert_located(
        stderr, copy, 2, "id", "list 'JD-NJDL' is defined twice", str(mini_tree / STREET)
    )


def test_two_catalogues_in_one_import(cli: Cli, sqlite_url: str, mini_tree: Path) -> None:
    other = mini_tree / "z-catalogue.yaml"
    other.write_text(
        (mini_tree / "catalogue.yaml").read_text(encoding="utf-8").replace("id: CAT", "id: CAT2"),
        encoding="utf-8",
    )
    init(sqlite_url)
    stderr = failing(cli, sqlite_url, "registry", "import", mini_tree)
    assert_located(stderr, other, 2, "id", "a registry holds one catalogue")


# --- the registry itself ----------------------------------------------------------------------


def test_show_without_a_registry(cli: Cli, tmp_path: Path) -> None:
    path = tmp_path / "absent.db"
    result = cli("registry", "show", "X", db=f"sqlite:///{path}")
    assert result.exit_code == 2
    assert f"no registry at sqlite:///{path}; create one with `remit init`" in result.stderr
    assert not path.exists()


def test_import_without_a_registry(cli: Cli, tmp_path: Path) -> None:
    path = tmp_path / "absent.db"
    result = cli("registry", "import", MINI, db=str(path))
    assert result.exit_code == 2
    assert "no registry at" in result.stderr and "remit init" in result.stderr
    assert not path.exists()


def test_unknown_list_and_version(cli: Cli, sqlite_url: str) -> None:
    init(sqlite_url, MINI)
    stderr = failing(cli, sqlite_url, "registry", "show", "NOPE")
    assert "unknown list 'NOPE'; known lists: AREAS, CAT, JD-NJDL, QZ-CGJ, UNITS" in stderr
    stderr = failing(cli, sqlite_url, "registry", "show", "QZ-CGJ", "--version", "9")
    assert "list QZ-CGJ has no version 9; versions: 1, 2" in stderr
    stderr = failing(cli, sqlite_url, "registry", "show", "QZ-CGJ", "--as-of", "2020-01-01")
    assert "no version of list QZ-CGJ is in force on 2020-01-01" in stderr


def test_bad_date_argument(cli: Cli, sqlite_url: str) -> None:
    init(sqlite_url, MINI)
    result = cli("registry", "snapshot", "--as-of", "01/02/2025", db=sqlite_url)
    assert result.exit_code == 2
    assert "'01/02/2025' is not a date; expected YYYY-MM-DD" in result.stderr
