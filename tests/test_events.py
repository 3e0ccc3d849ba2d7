"""Events: read from JSON, JSON Lines, CSV (UTF-8, BOM, GB18030) and XLSX; resolved against a
snapshot of the mini fixture (names, aliases and labels → codes); every bad event reported at its
line or row and field, in English and Chinese, while the batch goes on."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from openpyxl import Workbook
from pydantic import ValidationError

from remit import InputError, Problem, Registry, Snapshot
from remit.events.model import LOCAL_ZONE, Event, EventIn
from remit.events.read import parse_json_line, read_events
from remit.events.resolve import EventResolver, resolve_event, resolver_for
from tests.factories import MINI, sqlite_registry

AS_OF = dt.date(2024, 6, 1)
WHERE = {"source": "events.jsonl", "line": 7}
SHANGHAI = dt.timedelta(hours=8)


@pytest.fixture(scope="module")
def registry(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Registry]:
    with sqlite_registry(tmp_path_factory.mktemp("events") / "registry.db", MINI) as registry:
        yield registry


@pytest.fixture(scope="module")
def snapshot(registry: Registry) -> Snapshot:
    return registry.snapshot(AS_OF)


@pytest.fixture(scope="module")
def resolver(snapshot: Snapshot) -> EventResolver:
    return EventResolver(snapshot)


def event_in(**fields: Any) -> EventIn:
    """An event of SJ0501 in the grid unless ``fields`` say otherwise."""
    data = {
        "id": "E1",
        "matter": "SJ0501",
        "area": "31010100200101",
        "reported_at": "2025-03-01T09:30:00",
        **fields,
    }
    return EventIn.model_validate(data)


def problems(call: Callable[[], object]) -> list[Problem]:
    with pytest.raises(InputError) as caught:
        call()
    for problem in caught.value.problems:  # every message exists in both languages
        problem.render("en")
        problem.render("zh")
    return caught.value.problems


def read(path: Path) -> list[tuple[dict[str, object], EventIn | list[Problem]]]:
    return list(read_events(path))


def good(item: EventIn | list[Problem]) -> EventIn:
    assert isinstance(item, EventIn), item
    return item


def bad(item: EventIn | list[Problem]) -> list[tuple[object, ...]]:
    """The problems of a bad event: (key, line or row, field), sorted."""
    assert isinstance(item, list), item
    return sorted((p.key, p.line or p.row, p.field) for p in item)


def parsed(path: Path) -> list[EventIn]:
    return [good(item) for _, item in read_events(path)]


def write_csv(path: Path, rows: list[list[str]], encoding: str = "utf-8") -> Path:
    text = "\r\n".join(",".join(cells) for cells in rows) + "\r\n"
    path.write_bytes(text.encode(encoding))
    return path


def write_xlsx(path: Path, rows: list[list[object]]) -> Path:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    for cells in rows:
        sheet.append(cells)
    book.save(path)
    return path


def write_jsonl(path: Path, lines: list[object]) -> Path:
    text = "\n".join(x if isinstance(x, str) else json.dumps(x, ensure_ascii=False) for x in lines)
    path.write_text(text + "\n", encoding="utf-8")
    return path


# --- the model ----------------------------------------------------------------------------------


def test_event_schema() -> None:
    schema = EventIn.model_json_schema()
    assert sorted(schema["required"]) == ["id", "matter", "reported_at"]
    assert schema["anyOf"] == [{"required": ["area"]}, {"required": ["location"]}]
    assert schema["additionalProperties"] is False
    assert schema["properties"]["reported_at"]["format"] == "date-time"


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"id": "  "}, "id"),
        ({"matter": ""}, "matter"),
        ({"areas": ["ok", ""]}, "areas.1"),
        ({"repeat_count": -1}, "repeat_count"),
        ({"reported_at": "20250301"}, "reported_at"),  # not 1970-08-23, as a timestamp
        ({"reported_at": 1740792600}, "reported_at"),
        ({"reported_at": "yesterday"}, "reported_at"),
        ({"attributes": ["severity"]}, "attributes"),
    ],
)
def test_event_in_refuses(fields: dict[str, Any], field: str) -> None:
    with pytest.raises(ValidationError) as caught:
        event_in(**fields)
    assert [".".join(map(str, e["loc"])) for e in caught.value.errors()] == [field]


def test_numbers_are_taken_as_text_for_ids_and_names() -> None:
    raw = event_in(id=20250301001, area=310101002)
    assert (raw.id, raw.area) == ("20250301001", "310101002")


def test_reported_at_without_offset_is_shanghai_time_and_others_are_converted() -> None:
    naive = event_in(reported_at="2025-03-01 09:30").reported_at
    utc = event_in(reported_at="2025-03-01T01:30:00Z").reported_at
    assert naive == utc
    assert naive.utcoffset() == utc.utcoffset() == SHANGHAI
    assert event_in(reported_at="2025-03-01").reported_at.hour == 0


# --- resolution ---------------------------------------------------------------------------------


def test_resolves_codes(resolver: EventResolver) -> None:
    raw = event_in(
        source="12345",
        attributes={"location_type": "road", "severity": 2},
        owner="GAS",
        repeat_count=2,
    )
    assert resolver.resolve(raw, WHERE) == Event(
        id="E1",
        matter="SJ0501",
        area="31010100200101",
        areas=("31010100200101",),
        reported_at=dt.datetime(2025, 3, 1, 9, 30, tzinfo=LOCAL_ZONE),
        source="12345",
        attributes={"location_type": "road", "severity": 2},
        owner="GAS",
        repeat_count=2,
    )


@pytest.mark.parametrize(
    ("fields", "attribute", "code"),
    [
        ({"matter": "无照经营游商"}, "matter", "SJ0501"),
        ({"matter": "游商"}, "matter", "SJ0501"),
        ({"matter": " sj0501 "}, "matter", "SJ0501"),
        ({"area": "南京东路街道"}, "area", "310101002000"),
        ({"area": "310101002"}, "area", "310101002000"),
        ({"area": "示例一网格"}, "area", "31010100200101"),
        ({"area": "黄浦区"}, "area", "310101000000"),
        ({"owner": "GAS"}, "owner", "GAS"),
        ({"owner": "上海燃气"}, "owner", "GAS"),
        ({"owner": "上海燃气有限公司"}, "owner", "GAS"),
    ],
)
def test_resolves_names_and_aliases(
    resolver: EventResolver, fields: dict[str, str], attribute: str, code: str
) -> None:
    assert getattr(resolver.resolve(event_in(**fields), WHERE), attribute) == code


def test_areas_start_with_the_area_and_hold_each_once(resolver: EventResolver) -> None:
    raw = event_in(area="南京东路街道", areas=["五里桥街道", "310101020", "310101002", "黄浦区"])
    event = resolver.resolve(raw, WHERE)
    assert event.area == "310101002000"
    assert event.areas == ("310101002000", "310101020000", "310101000000")


@pytest.mark.parametrize(
    ("matter", "given", "attributes"),
    [
        ("SJ0501", {"地点类型": "道路", "严重程度": "3"}, {"location_type": "road", "severity": 3}),
        (
            "SJ0501",
            {"location_type": "人行道", "severity": 4},
            {"location_type": "pavement", "severity": 4},
        ),
        ("SJ0501", {"location_type": "park", "severity": None}, {"location_type": "park"}),
        ("SJ0502", {"地点类型": "公园"}, {"location_type": "park"}),
        ("BJ0101", {"damaged": True}, {"damaged": True}),
        ("BJ0101", {"damaged": "是"}, {"damaged": True}),
        ("BJ0101", {"damaged": "否"}, {"damaged": False}),
        ("BJ0101", {"damaged": "false"}, {"damaged": False}),
        ("RX0101", {}, {}),
    ],
)
def test_attributes_by_label_resolve_to_names_and_value_codes(
    resolver: EventResolver, matter: str, given: dict[str, Any], attributes: dict[str, Any]
) -> None:
    event = resolver.resolve(event_in(matter=matter, attributes=given), WHERE)
    assert event.attributes == attributes
    for name, value in attributes.items():
        assert type(event.attributes[name]) is type(value)


@pytest.mark.parametrize(
    ("fields", "key", "field", "says"),
    [
        ({"matter": "无照经营"}, "ref.unknown_matter", "matter", "did you mean '无照经营游商'"),
        ({"matter": "SJ9999"}, "ref.unknown_matter", "matter", "catalogue CAT v1"),
        ({"area": "南京东路"}, "ref.unknown_area", "area", "did you mean '南京东路街道'"),
        ({"areas": ["五里桥街道", "nowhere"]}, "ref.unknown_area", "areas[1]", "'nowhere'"),
        ({"owner": "区城管执法大队"}, "ref.unknown_unit", "owner", "unknown unit"),
        (
            {"attributes": {"colour": "red"}},
            "event.unknown_attribute",
            "attributes.colour",
            "declared: location_type (地点类型), severity (严重程度)",
        ),
        (
            {"matter": "BJ0101", "attributes": {"severity": 2}},
            "event.unknown_attribute",
            "attributes.severity",
            "declared: damaged",
        ),
        (
            {"attributes": {"location_type": "river"}},
            "cond.out_of_domain",
            "attributes.location_type",
            "expected one of road, pavement, park",
        ),
        (
            {"attributes": {"严重程度": 9}},
            "cond.out_of_domain",
            "attributes.严重程度",
            "expected a whole number from 1 to 4",
        ),
        (
            {"attributes": {"severity": "high"}},
            "cond.out_of_domain",
            "attributes.severity",
            "expected a whole number from 1 to 4",
        ),
        (
            {"attributes": {"severity": 2.5}},
            "cond.out_of_domain",
            "attributes.severity",
            "expected a whole number from 1 to 4",
        ),
        (
            {"attributes": {"severity": True}},
            "cond.out_of_domain",
            "attributes.severity",
            "expected a whole number from 1 to 4",
        ),
        (
            {"matter": "BJ0101", "attributes": {"damaged": "maybe"}},
            "cond.out_of_domain",
            "attributes.damaged",
            "expected true or false",
        ),
        (
            {"attributes": {"severity": [1, 2]}},
            "event.attribute_value",
            "attributes.severity",
            "takes one value (a whole number from 1 to 4), not [1, 2]",
        ),
        (
            {"attributes": {"location_type": {"in": ["road"]}}},
            "event.attribute_value",
            "attributes.location_type",
            "takes one value (one of road, pavement, park)",
        ),
        (
            {"attributes": {"severity": 2, "严重程度": 3}},
            "event.attribute_twice",
            "attributes.严重程度",
            "given twice, as 'severity' and as '严重程度'",
        ),
    ],
)
def test_bad_event_is_located_at_its_field(
    resolver: EventResolver, fields: dict[str, Any], key: str, field: str, says: str
) -> None:
    (problem,) = problems(lambda: resolver.resolve(event_in(**fields), WHERE))
    assert (problem.key, problem.source, problem.line, problem.field) == (
        key,
        "events.jsonl",
        7,
        field,
    )
    assert says in problem.render("en")


def test_every_problem_of_an_event_is_reported(resolver: EventResolver) -> None:
    raw = event_in(
        matter="nothing",
        area="nowhere",
        owner="nobody",
        attributes={"severity": 3},  # not checked: the matter is unknown
    )
    found = problems(lambda: resolver.resolve(raw, {"source": "events.csv", "row": 3}))
    assert [(p.field, p.row, p.line) for p in found] == [
        ("matter", 3, None),
        ("area", 3, None),
        ("owner", 3, None),
    ]


def test_messages_in_chinese(resolver: EventResolver) -> None:
    raw = event_in(attributes={"colour": "red", "severity": [1]})
    found = problems(lambda: resolver.resolve(raw, WHERE))
    assert [p.render("zh") for p in found] == [
        "events.jsonl, 第 7 行, 字段 attributes.colour: 事项 SJ0501 没有属性 'colour'；"
        "已声明：地点类型、严重程度",
        "events.jsonl, 第 7 行, 字段 attributes.severity: 属性 严重程度 只能取一个值"
        "（1 至 4 的整数），不能是 [1]",
    ]


def test_no_catalogue_in_force(registry: Registry) -> None:
    resolver = EventResolver(registry.snapshot(dt.date(2022, 1, 1)))
    (problem,) = problems(lambda: resolver.resolve(event_in(), WHERE))
    assert (problem.key, problem.field) == ("event.no_catalogue", "matter")


def test_resolve_event_builds_one_resolver_per_snapshot(
    snapshot: Snapshot, resolver: EventResolver
) -> None:
    assert resolver_for(snapshot) is resolver_for(snapshot)
    raw = event_in(matter="游商", attributes={"地点类型": "道路"})
    assert resolve_event(raw, snapshot, WHERE) == resolver.resolve(raw, WHERE)
    with pytest.raises(InputError):
        resolve_event(event_in(matter="nothing"), snapshot, WHERE)


def test_remembered_names_still_report_problems(snapshot: Snapshot) -> None:
    """What a resolver remembers of earlier events does not hide a later event's problems."""
    resolver = EventResolver(snapshot)

    def attributes(**given: object) -> dict[str, object]:
        return dict(
            resolver.resolve(event_in(area="示例一网格", attributes=given), WHERE).attributes
        )

    assert attributes(severity=1) == attributes(严重程度="1") == {"severity": 1}
    (problem,) = problems(lambda: attributes(severity=1, 严重程度=1))
    assert problem.key == "event.attribute_twice"
    (problem,) = problems(lambda: attributes(severity=True))
    assert problem.key == "cond.out_of_domain"  # True == 1, but it is no severity
    (problem,) = problems(lambda: resolver.resolve(event_in(area="示例一网"), WHERE))
    assert problem.key == "ref.unknown_area"


# --- reading: JSON and JSON Lines ----------------------------------------------------------------


def test_jsonl_with_bad_lines_goes_on(tmp_path: Path) -> None:
    path = write_jsonl(
        tmp_path / "events.jsonl",
        [
            {"id": "1", "matter": "游商", "area": "310101002", "reported_at": "2025-03-01 09:30"},
            "",
            '{"id": "2", "matter": ',
            {"id": "3", "area": "310101002", "reported_at": "2025-03-01", "colour": "red"},
            "[1, 2]",
            {"id": "5", "matter": "BJ0101", "area": "五里桥街道", "reported_at": "2025-03-01"},
        ],
    )
    items = read(path)
    assert [where for where, _ in items] == [
        {"source": str(path), "line": n} for n in (1, 3, 4, 5, 6)
    ]
    assert (good(items[0][1]).id, good(items[4][1]).id) == ("1", "5")
    assert bad(items[1][1]) == [("event.bad_json", 3, None)]
    assert bad(items[2][1]) == [("schema.missing", 4, "matter")]  # colour: kept in extra
    assert bad(items[3][1]) == [("schema.invalid", 5, None)]


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030", "gbk"])
def test_jsonl_encodings(tmp_path: Path, encoding: str) -> None:
    path = tmp_path / "events.ndjson"
    lines = [
        {"id": "1", "matter": "无照经营游商", "area": "南京东路街道", "reported_at": "2025-03-01"},
        {"id": "2", "matter": "燃气井盖", "area": "五里桥街道", "reported_at": "2025-03-01"},
    ]
    text = "\n".join(json.dumps(line, ensure_ascii=False) for line in lines)
    path.write_bytes(text.encode(encoding))
    assert [(e.matter, e.area) for e in parsed(path)] == [
        ("无照经营游商", "南京东路街道"),
        ("燃气井盖", "五里桥街道"),
    ]


def test_jsonl_is_read_as_a_stream(tmp_path: Path) -> None:
    """Events before an undecodable line come out before the file is read to its end."""
    path = tmp_path / "events.jsonl"
    good = json.dumps(
        {"id": "1", "matter": "SJ0501", "area": "310101002", "reported_at": "2025-03-01"}
    )
    path.write_bytes(f"{good}\n{good}\n".encode() + b'{"id": "\xff\xff"}\n')
    events = read_events(path)
    assert iter(events) is events
    assert isinstance(next(events)[1], EventIn)
    assert isinstance(next(events)[1], EventIn)
    with pytest.raises(InputError) as caught:
        next(events)
    (problem,) = caught.value.problems
    assert (problem.key, problem.line) == ("file.encoding", 3)


def test_a_line_parsed_alone_is_as_read(tmp_path: Path) -> None:
    lines = [
        '{"id": "1", "matter": "游商", "area": "310101002", "reported_at": "2025-03-01"}',
        '{"id": "2", "matter": "游商", "area": "310101002"}',
        '{"id": "3", ',
    ]
    path = write_jsonl(tmp_path / "events.jsonl", lines)
    alone = [parse_json_line(line, str(path), n) for n, line in enumerate(lines, 1)]
    assert alone == read(path)
    where, item = parse_json_line(lines[0].encode("gb18030"), "x.jsonl", 9)
    assert where == {"source": "x.jsonl", "line": 9}
    assert good(item).matter == "游商"


def test_json_list_and_single_object(tmp_path: Path) -> None:
    one = {"id": "1", "matter": "SJ0501", "area": "310101002", "reported_at": "2025-03-01T08:00"}
    listed = tmp_path / "events.json"
    listed.write_text(json.dumps([one, {**one, "repeat_count": -1}, "x"]), encoding="utf-8")
    items = read(listed)
    assert [where for where, _ in items] == [{"source": str(listed), "row": n} for n in (1, 2, 3)]
    assert good(items[0][1]).id == "1"
    assert bad(items[1][1]) == [("schema.invalid", 2, "repeat_count")]
    assert bad(items[2][1]) == [("schema.invalid", 3, None)]
    single = tmp_path / "one.json"
    single.write_text(json.dumps(one), encoding="utf-8")
    ((where, event),) = read(single)
    assert where == {"source": str(single), "row": 1}
    assert good(event).id == "1"


# --- reading: tables ---------------------------------------------------------------------------

CHINESE_HEADER = ["编号", "事项", "区域", "涉及区域", "上报时间", "来源", "权属单位", "重复次数"]
ROWS = [
    ["A1", "游商", "南京东路街道", "五里桥街道、310101020", "2025-03-01 09:30", "12345", "", "2"],
    ["A2", "燃气井盖", "310101002", "", "2025-03-02T10:00:00+08:00", "grid", "上海燃气", ""],
]


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030", "gbk"])
def test_csv_encodings_and_chinese_headers(tmp_path: Path, encoding: str) -> None:
    path = write_csv(
        tmp_path / "events.csv",
        [
            [*CHINESE_HEADER, "attr.地点类型", "attr.severity"],
            [*ROWS[0], "道路", "3"],
            [*ROWS[1], "", ""],
        ],
        encoding,
    )
    first, second = parsed(path)
    assert first.model_dump(exclude_defaults=True) == {
        "id": "A1",
        "matter": "游商",
        "area": "南京东路街道",
        "areas": ["五里桥街道", "310101020"],
        "reported_at": dt.datetime(2025, 3, 1, 9, 30, tzinfo=LOCAL_ZONE),
        "source": "12345",
        "attributes": {"地点类型": "道路", "severity": "3"},
        "repeat_count": 2,
    }
    assert (second.owner, second.attributes, second.areas) == ("上海燃气", {}, [])


def test_english_headers_attributes_json_and_row_numbers(tmp_path: Path) -> None:
    header = ["ID", "matter", "area", "areas", "reported_at", "attributes"]
    path = write_csv(
        tmp_path / "events.csv",
        [
            header,
            [
                "B1",
                "BJ0101",
                "310101002",
                "310101020 ; 黄浦区 | 五里桥街道 / 示例一网格",
                "2025-03-01",
                '"{""damaged"": true}"',
            ],
            ["", "", "", "", "", ""],
            ["B2", "SJ0501", "310101002", "", "2025-03-01", '"{""location_type"": ""park""}"'],
        ],
    )
    items = read(path)
    assert [where["row"] for where, _ in items] == [2, 4]
    first, second = (good(item) for _, item in items)
    assert first.areas == ["310101020", "黄浦区", "五里桥街道", "示例一网格"]
    assert (first.attributes, second.attributes) == ({"damaged": True}, {"location_type": "park"})


def test_xlsx(tmp_path: Path, resolver: EventResolver) -> None:
    path = write_xlsx(
        tmp_path / "events.xlsx",
        [
            [
                "编号",
                "事项",
                "区域",
                "上报时间",
                "重复次数",
                "attributes.严重程度",
                "attr.location_type",
            ],
            [20250301001, "SJ0501", 310101002, dt.datetime(2025, 3, 1, 9, 30), 1, 2, "人行道"],
            [],
            ["C2", "游商", "示例一网格", dt.datetime(2025, 3, 2), None, None, None],
        ],
    )
    items = read(path)
    assert [where for where, _ in items] == [{"source": str(path), "row": n} for n in (2, 4)]
    events = [resolver.resolve(good(item), where) for where, item in items]
    assert events[0] == Event(
        id="20250301001",
        matter="SJ0501",
        area="310101002000",
        areas=("310101002000",),
        reported_at=dt.datetime(2025, 3, 1, 9, 30, tzinfo=LOCAL_ZONE),
        source=None,
        attributes={"location_type": "pavement", "severity": 2},
        owner=None,
        repeat_count=1,
    )
    assert events[1].reported_at == dt.datetime(2025, 3, 2, tzinfo=LOCAL_ZONE)
    assert events[1].attributes == {}


def test_bad_rows_are_located_and_the_table_goes_on(tmp_path: Path) -> None:
    path = write_csv(
        tmp_path / "events.csv",
        [
            ["id", "matter", "area", "reported_at", "repeat_count", "attributes"],
            ["", "SJ0501", "310101002", "2025-03-01", "", ""],
            ["D2", "SJ0501", "310101002", "2025-03-01", "many", '"{""severity"": 2"'],
            ["D3", "SJ0501", "310101002", "2025-03-01", "", "[1]"],
            ["D4", "SJ0501", "310101002", "2025-03-01", "", ""],
        ],
    )
    items = read(path)
    found = [bad(item) for _, item in items[:3]]
    assert found == [
        [("schema.missing", 2, "id")],
        [("event.bad_json", 3, "attributes"), ("schema.invalid", 3, "repeat_count")],
        [("schema.invalid", 4, "attributes")],
    ]
    assert good(items[3][1]).id == "D4"


def test_events_resolve_with_their_row(tmp_path: Path, resolver: EventResolver) -> None:
    path = write_csv(
        tmp_path / "events.csv",
        [
            ["编号", "事项", "区域", "上报时间", "attr.严重程度"],
            ["E1", "游商", "南京东路街道", "2025-03-01", "2"],
            ["E2", "游商", "南京东路", "2025-03-01", "7"],
        ],
    )
    (where1, first), (where2, second) = read(path)
    assert resolver.resolve(good(first), where1).attributes == {"severity": 2}
    found = problems(lambda: resolver.resolve(good(second), where2))
    assert [(p.key, p.source, p.row, p.field) for p in found] == [
        ("ref.unknown_area", str(path), 3, "area"),
        ("cond.out_of_domain", str(path), 3, "attributes.严重程度"),
    ]


# --- file-level problems ------------------------------------------------------------------------


def file_problem(path: Path) -> Problem:
    (problem,) = problems(lambda: read(path))
    assert problem.source == str(path)
    return problem


@pytest.mark.parametrize("name", ["events.json", "events.jsonl", "events.csv", "events.xlsx"])
def test_missing_and_empty_files(tmp_path: Path, name: str) -> None:
    path = tmp_path / name
    assert file_problem(path).key == "file.not_found"
    path.write_bytes(b"")
    assert file_problem(path).key == "event.empty"


@pytest.mark.parametrize("name", ["events.json", "events.jsonl"])
def test_blank_json_files_are_empty(tmp_path: Path, name: str) -> None:
    path = tmp_path / name
    path.write_text("\n  \n\n", encoding="utf-8")
    assert file_problem(path).key == "event.empty"


def test_unsupported_suffix(tmp_path: Path) -> None:
    path = tmp_path / "events.txt"
    path.write_text("x", encoding="utf-8")
    problem = file_problem(path)
    assert problem.key == "file.unsupported"
    assert ".jsonl" in problem.render("en") and ".xlsx" in problem.render("en")


def test_bad_json_file(tmp_path: Path) -> None:
    path = tmp_path / "events.json"
    path.write_text('[\n  {"id": "1"},\n  {"id": }\n]', encoding="utf-8")
    problem = file_problem(path)
    assert (problem.key, problem.line) == ("event.bad_json", 3)
    path.write_text("42", encoding="utf-8")
    assert file_problem(path).key == "event.json_shape"


def test_bad_encoding(tmp_path: Path) -> None:
    path = tmp_path / "events.csv"
    path.write_bytes("编号,事项\n".encode() + b"\xff\xfe\xff\n")
    assert file_problem(path).key == "file.encoding"


def test_unreadable_workbook(tmp_path: Path) -> None:
    path = tmp_path / "events.xlsx"
    path.write_bytes(b"not a zip file")
    assert file_problem(path).key == "file.bad_xlsx"


@pytest.mark.parametrize(
    ("header", "key", "says"),
    [
        (["id", "matter", "area"], "event.missing_column", "no column reported_at"),
        (["编号", "事项", "上报时间"], "event.missing_column", "no column area"),
        (["id", "matter", "area", "reported_at", "attr."], "event.unknown_column", "'attr.'"),
        (
            ["id", "编号", "matter", "area", "reported_at"],
            "event.duplicate_column",
            "'id' and '编号'",
        ),
        (
            ["id", "matter", "area", "reported_at", "attr.severity", "attributes.severity"],
            "event.duplicate_column",
            "attributes.severity",
        ),
        (
            ["id", "matter", "area", "reported_at", "attributes", "attr.severity"],
            "event.mixed_attribute_columns",
            "not both",
        ),
    ],
)
@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_bad_header(tmp_path: Path, header: list[str], key: str, says: str, suffix: str) -> None:
    rows: list[list[Any]] = [[], header, ["1"] * len(header)]
    path = tmp_path / f"events{suffix}"
    if suffix == ".csv":
        write_csv(path, [[""], *rows[1:]])
    else:
        write_xlsx(path, rows)
    problem = file_problem(path)
    assert (problem.key, problem.row) == (key, 2)
    assert says in problem.render("en")


def test_header_only_table_has_no_events(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "events.csv", [["id", "matter", "area", "reported_at"]])
    assert read(path) == []


# --- properties ---------------------------------------------------------------------------------


MATTERS = {
    # matter code → its spellings (code, name, alias) and its attributes
    "SJ0501": (["SJ0501", "无照经营游商", "游商"], ["location_type", "severity"]),
    "SJ0502": (["SJ0502", "共享单车乱停放"], ["location_type"]),
    "BJ0101": (["BJ0101", "燃气井盖"], ["damaged"]),
    "RX0101": (["RX0101", "群租"], []),
}
AREAS = {
    "310101002000": ["310101002000", "南京东路街道", "310101002"],
    "310101020000": ["310101020000", "五里桥街道", "310101020"],
    "310101002001": ["310101002001", "示例一居委"],
    "31010100200101": ["31010100200101", "示例一网格"],
    "310101000000": ["310101000000", "黄浦区"],
}
OWNERS = ["GAS", "上海燃气", "上海燃气有限公司"]  # city-wide: owns wherever an event is
SPELLINGS: dict[str, st.SearchStrategy[tuple[str, object]]] = {
    "location_type": st.tuples(
        st.sampled_from(["location_type", "地点类型"]),
        st.sampled_from(["road", "pavement", "park", "道路", "人行道", "公园"]),
    ),
    "severity": st.tuples(
        st.sampled_from(["severity", "严重程度"]),
        st.integers(1, 4) | st.integers(1, 4).map(str),
    ),
    "damaged": st.tuples(
        st.just("damaged"), st.booleans() | st.sampled_from(["是", "否", "true", "no"])
    ),
}


@st.composite
def raw_events(draw: st.DrawFn) -> EventIn:
    matter = draw(st.sampled_from(sorted(MATTERS)))
    names, declared = MATTERS[matter]
    chosen = draw(st.lists(st.sampled_from(declared), unique=True)) if declared else []
    attributes = dict(draw(SPELLINGS[name]) for name in chosen)
    spell_area = st.sampled_from(sorted(AREAS)).flatmap(lambda code: st.sampled_from(AREAS[code]))
    # one line of visible text (remit.files.text): no control, format or separator character
    visible = st.characters(blacklist_categories=("Cc", "Cf", "Cs", "Zl", "Zp"))
    text = st.text(visible, min_size=1).filter(str.strip)
    zones = st.none() | st.integers(-14 * 60, 14 * 60).map(
        lambda m: dt.timezone(dt.timedelta(minutes=m))
    )
    return EventIn(
        id=draw(text),
        matter=draw(st.sampled_from(names)),
        area=draw(spell_area),
        areas=draw(st.lists(spell_area, max_size=3)),
        reported_at=draw(
            st.datetimes(dt.datetime(2000, 1, 1), dt.datetime(2099, 12, 31), timezones=zones)
        ),
        source=draw(st.none() | text),
        attributes=attributes,
        owner=draw(st.none() | st.sampled_from(OWNERS)),
        repeat_count=draw(st.integers(0, 10_000)),
    )


@settings(max_examples=300, deadline=None)
@given(raw=raw_events())
def test_valid_events_resolve_and_survive_a_json_round_trip(
    resolver: EventResolver, raw: EventIn
) -> None:
    event = resolver.resolve(raw, WHERE)
    assert event.matter in MATTERS and event.area in AREAS
    assert event.areas[0] == event.area and len(set(event.areas)) == len(event.areas)
    assert event.reported_at.utcoffset() == SHANGHAI
    again = resolver.resolve(EventIn.model_validate_json(json.dumps(event.content())), WHERE)
    assert again == event
    assert resolver.resolve(EventIn.model_validate_json(raw.model_dump_json()), WHERE) == event
