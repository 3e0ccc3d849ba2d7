"""`remit route`, `remit route-batch` and `remit rules` end to end on the routing fixture
(tests/fixtures/routing). The policies themselves are tested in test_router.py; here: the
command-line forms, the output files and formats, and the errors."""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path
from typing import Any

import openpyxl
import pytest
import yaml
from click.testing import Result

from remit import Registry
from remit.routing import batch
from remit.routing.rules.compile import load_rules
from remit.routing.rules.model import EMERGENCY_MATTERS
from tests.factories import (
    FIXTURES,
    Cli,
    event,
    exits,
    file_digest,
    invoke,
    ok,
    schema_errors,
    sqlite_registry_url,
)

pytestmark = pytest.mark.usefixtures("wide_terminal")

ROUTING = FIXTURES / "routing"
EMERGENCY_CONFIG = "file: rules\nid: emergency-config\nconfig: {emergency_matters: [SJ0107]}\n"


@pytest.fixture(scope="module")
def url(tmp_path_factory: pytest.TempPathFactory) -> str:
    """The routing fixture in a registry that the tests only read."""
    return sqlite_registry_url(tmp_path_factory.mktemp("routing") / "registry.db", ROUTING)


@pytest.fixture(scope="module")
def stamps(url: str) -> dict[str, str]:
    registry = Registry(url)
    try:
        return {
            "before": registry.snapshot(dt.date(2025, 9, 30)).hash,
            "after": registry.snapshot(dt.date(2025, 10, 9)).hash,
            "rules": load_rules().digest,
        }
    finally:
        registry.close()


def refused(result: Result, *says: str) -> str:
    exits(result, 2)
    for text in says:
        assert text in result.stderr, result.stderr
    return result.stderr


# --- a JSON Schema check of the published decision schema (required keys, types, enums) ---------


@pytest.fixture(scope="module")
def decision_schema() -> dict[str, Any]:
    schema = json.loads(invoke("schema", "--kind", "decision", lang=None).stdout)
    assert schema["$defs"]["Status"]["enum"] == [
        "routed",
        "referred",
        "fallback",
        "coordinated",
        "conflict",
        "unroutable",
        "needs_info",
        "split",
    ]
    assert set(schema["required"]) >= {
        "decision_id",
        "event_id",
        "status",
        "matter",
        "area",
        "reported_at",
        "snapshot_hash",
        "snapshot_date",
        "rules_digest",
    }
    return schema


def test_the_schema_check_finds_errors(decision_schema: dict[str, Any]) -> None:
    assert schema_errors({}, decision_schema, decision_schema)
    bad = {"status": "sent", "lead": {"code": "X"}, "gap": "no", "extras": 1}
    errors = "\n".join(schema_errors(bad, decision_schema, decision_schema))
    for text in (
        "'sent' is not one of",
        "$.lead: missing name",
        "'no' is not of type boolean",
        "unexpected extra",
        "missing snapshot_hash",
    ):
        assert text in errors


# --- remit route --------------------------------------------------------------------------------


def test_route_an_event_file_in_english(
    cli: Cli, url: str, tmp_path: Path, stamps: dict[str, str]
) -> None:
    path = tmp_path / "event.json"
    path.write_text(
        json.dumps(
            {
                "id": "12345-0001",
                "matter": "燃气井盖",
                "area": "东一社区第一网格",
                "reported_at": "2025-09-30T10:00:00+08:00",
                "owner": "示范燃气",
                "source": "12345",
            },
            ensure_ascii=False,
        ),
        encoding="utf-8",
    )
    assert ok(cli("route", path, db=url)).splitlines() == [
        "Event 12345-0001 — routed",
        "Lead: 示范燃气有限公司",
        "Supervising: 区建设和管理委员会",
        "Dispatched by: 东街街道城运中心 (street level)",
        "Deadline: 2025-10-01 10:00 (24小时 from 2025-09-30 10:00)",
        "Because: QSDW v1 row 1 (lead) 《城镇燃气管理条例》第三十五条",
        "Because: QZ-QJW v1 row 6 (supervise)",
        "Rules applied: owner-repairs, dispatch-street",
        f"Snapshot {stamps['before'][:12]} of 2025-09-30; rules {stamps['rules'][:12]}",
    ]


def test_route_from_options_in_chinese(cli: Cli, url: str, stamps: dict[str, str]) -> None:
    args = ["--matter", "马路摊点", "--area", "东街街道", "--attr", "地点类型=道路"]
    out = ok(cli("route", *args, "--reported-at", "2025-09-30T10:00:00", db=url, lang="zh"))
    assert out.splitlines() == [
        "事件 cli-20250930T100000-3f421c — 职能重叠",
        "职能重叠：区城市管理行政执法局、区市场监督管理局 均为现行清单中的主办单位；提交属地城运中心协调",
        "先行处置：东街街道办事处，2小时内（2025-09-30 12:00 前），待城运中心裁定",
        "协调裁定：东街街道城运中心 须在 1工作日 内（2025-10-09 17:00 前）明确主办单位",
        "协办：区建设和管理委员会",
        "派遣平台：东街街道城运中心（街镇级）",
        "处置时限：2025-10-09 17:00（自 2025-09-30 10:00 起 1工作日）",
        "依据：QZ-CGJ 第 1 版第 1 条（主办） 《城市管理综合行政执法条例》第十二条",
        "依据：QZ-SCJ 第 1 版第 1 条（主办） 《无证无照经营查处办法》第二条",
        "依据：QZ-QJW 第 1 版第 1 条（协办）",
        "适用规则：two-leads-conflict, dispatch-street",
        f"快照 {stamps['before'][:12]}（2025-09-30）；规则 {stamps['rules'][:12]}",
    ]


@pytest.mark.parametrize(
    ("args", "lines"),
    [
        (
            ["--matter", "BJ0101", "--area", "西街街道", "--repeat", "3"],
            [
                "Lead: 西街街道办事处, the territorial street unit (属地管理兜底): the owner (权属单位) "
                "must repair it, but the event names no owner",
                "Not chosen: 权属单位 — an owner row, but the event names no owner (权属单位)",
                "Dispatched by: 区城市运行管理中心 (district level) — escalated one level for a "
                "repeat complaint",
            ],
        ),
        (
            ["--matter", "SJ0106", "--area", "990100001", "--attr", "severity=4"],
            ["Lead: 区建设和管理委员会", "Command: 区城市运行管理中心 (emergency)"],
        ),
        (
            ["--matter", "SJ0104", "--area", "东一社区"],
            ["Not chosen: 东街街道办事处 — a not-responsible row (不负责) excludes it"],
        ),
        (
            ["--matter", "SJ0102", "--area", "东街街道"],
            ["Not chosen: 区城市管理行政执法局 — masked by a higher-priority lead"],
        ),
        (
            ["--matter", "SJ0105", "--area", "示范区"],
            [
                "Coordinated by 区城市运行管理中心: nobody leads and the area has no street unit "
                "to take it — a gap to report; the centre finds the unit",
                "Dispatched by: 区城市运行管理中心 (district level)",
            ],
        ),
        (
            ["--matter", "飞线充电", "--area", "东街街道", "--as-of", "2025-10-01"],
            ["Lead: 东街街道办事处", "Supervising: 区城市管理行政执法局"],
        ),
        (
            ["--matter", "燃气泄漏", "--area", "东街街道", "--rules", "{emergency}"],
            ["Lead: 示范燃气有限公司", "Command: 区城市运行管理中心 (emergency)"],
        ),
    ],
    ids=["fallback-escalated", "severity", "refusal", "masked", "coordinated", "as-of", "rules"],
)
def test_route_explains_each_outcome(
    cli: Cli, url: str, tmp_path: Path, args: list[str], lines: list[str]
) -> None:
    (tmp_path / "emergency.yaml").write_text(EMERGENCY_CONFIG, encoding="utf-8")
    args = [a.replace("{emergency}", str(tmp_path / "emergency.yaml")) for a in args]
    out = ok(cli("route", *args, "--reported-at", "2025-09-30 10:00:00", db=url)).splitlines()
    for line in lines:
        assert line in out


@pytest.mark.parametrize(
    "args",
    [
        ["--matter", "占道经营", "--area", "东街街道", "--attr", "location_type=road"],
        ["--matter", "占道经营", "--area", "东街街道", "--attr", "location_type=park"],
        ["--matter", "BJ0101", "--area", "西街街道", "--repeat", "3"],
        ["--matter", "BJ0101", "--area", "东街街道", "--owner", "RQ"],
        ["--matter", "SJ0104", "--area", "东街街道"],
        ["--matter", "SJ0105", "--area", "示范区"],
        ["--matter", "SJ0106", "--area", "东街街道", "--attr", "严重程度=4"],
        ["--matter", "SJ0103", "--area", "东街街道", "--attr", "severity=1"],
    ],
    ids=["conflict", "routed", "fallback", "owner", "refusal", "unroutable", "severity", "collect"],
)
def test_route_json_follows_the_decision_schema(
    cli: Cli, url: str, args: list[str], decision_schema: dict[str, Any], stamps: dict[str, str]
) -> None:
    out = ok(
        cli("route", *args, "--reported-at", "2025-09-30T10:00:00", "--format", "json", db=url)
    )
    decision = json.loads(out)
    assert schema_errors(decision, decision_schema, decision_schema) == []
    assert (decision["snapshot_hash"], decision["rules_digest"]) == (
        stamps["before"],
        stamps["rules"],
    )
    assert decision["snapshot_date"] == "2025-09-30"
    assert decision["reported_at"] == "2025-09-30T10:00:00+08:00"
    # the open strings of the schema take documented values only
    if decision["dispatch"]:
        assert decision["dispatch"]["level"] in {"street", "district", "city"}
    assert {c["reason"] for c in decision["lost"]} <= {
        "not_responsible",
        "masked",
        "duplicate",
        "no_owner",
    }
    assert {d["role"] for d in decision["duties"]} <= {
        "lead",
        "assist",
        "supervise",
        "not_responsible",
    }


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["--matter", "XX9999", "--area", "东街街道"], ["unknown matter 'XX9999'"]),
        (["--matter", "SJ0101", "--area", "北街街道"], ["unknown area '北街街道'"]),
        (
            ["--matter", "SJ0101", "--area", "东街街道", "--attr", "location_type=river"],
            ["field attributes.location_type", "'river'", "one of road, pavement, park"],
        ),
        (["--matter", "SJ0101", "--area", "东街街道", "--attr", "colour"], ["expected NAME=VALUE"]),
        (["--matter", "SJ0101"], ["give an event file, or --matter and --area"]),
        (["--matter", "SJ0101", "--area", "东街街道", "--owner", "无名公司"], ["field owner"]),
    ],
    ids=["matter", "area", "attribute", "attr-form", "no-area", "owner"],
)
def test_route_refuses_bad_events(cli: Cli, url: str, args: list[str], says: list[str]) -> None:
    refused(cli("route", *args, db=url), *says)


def test_route_refuses_a_bad_event_file(cli: Cli, url: str, tmp_path: Path) -> None:
    path = tmp_path / "event.json"
    path.write_text('{"id": "E1", "matter": "SJ0101", "area": "东街街道"}', encoding="utf-8")
    refused(cli("route", path, db=url), str(path), "reported_at")
    refused(cli("route", tmp_path / "missing.json", db=url), "missing.json")


# --- remit route-batch ----------------------------------------------------------------------------


def jsonl(*items: Any) -> bytes:
    out = b""
    for item in items:
        out += item if isinstance(item, bytes) else json.dumps(item, ensure_ascii=False).encode()
        out += b"\n"
    return out


def ev(
    id: str, matter: str, area: str, reported: str = "2025-09-30T10:00:00", **more: Any
) -> dict[str, Any]:
    return event(matter, area, reported, id=id, **more)


BATCH = jsonl(
    ev("B01", "SJ0101", "东街街道", attributes={"location_type": "road"}),
    ev("B02", "SJ0101", "东街街道", attributes={"地点类型": "人行道"}),
    ev("B03", "XX9999", "东街街道"),  # unknown matter
    ev("B04", "SJ0105", "西街街道"),
    ev("B05", "SJ0106", "东街街道", attributes={"severity": 9}),  # outside the domain
    b'{"id": "B06", "matter": ',  # bad JSON
    ev("B07", "SJ0108", "东街街道", "2025-09-30T16:00:00"),  # QZ-CGJ v1
    b'{"id": "B08\xff", "matter": "SJ0105"}',  # neither UTF-8 nor GB18030
    b"",  # a blank line is not an event
    ev("B09", "SJ0108", "东街街道", "2025-10-09T09:00:00"),  # QZ-CGJ v2
    ev("B10", "SJ0105", "示范区"),
    ev("B11", "BJ0101", "西街街道", owner="示范燃气", repeat_count=4),
    ev("B12", "SJ0101", "东街街道", attributes={"location_type": "road"}),
)
GOOD = ["B01", "B02", "B04", "B07", "B09", "B10", "B11", "B12"]


def summary(result: Result) -> tuple[str, str]:
    """The two lines route-batch prints; the counts of the first add up to its total."""
    first, second = ok(result).splitlines()
    total, *counts = (int(n) for n in re.findall(r"\d+", first))
    assert len(counts) == 9 and sum(counts) == total, first
    return first, second


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


@pytest.mark.parametrize("workers", ["1", "2"])
def test_route_batch_jsonl(
    cli: Cli, url: str, tmp_path: Path, workers: str, stamps: dict[str, str]
) -> None:
    events = tmp_path / "events.jsonl"
    events.write_bytes(BATCH)
    out, bad = tmp_path / "decisions.jsonl", tmp_path / "rejects.jsonl"
    first, second = summary(
        cli("route-batch", events, "-o", out, "--rejects", bad, "--workers", workers, db=url)
    )
    assert (
        first
        == "12 events: 4 routed, 0 referred, 1 fallback, 1 coordinated, 2 conflict, 0 split, 0 unroutable, 0 needs info, 4 rejected"
    )
    assert second == f"Decisions: {out}; rejects: {bad}"
    decisions = read_jsonl(out)
    assert [d["event_id"] for d in decisions] == GOOD
    assert [d["status"] for d in decisions] == [
        "conflict",
        "routed",
        "fallback",
        "routed",
        "routed",
        "coordinated",
        "routed",
        "conflict",
    ]
    # the list changed on 2025-10-01, in the middle of the batch
    v1, v2 = decisions[3], decisions[4]
    assert (v1["lead"]["code"], v1["snapshot_hash"]) == ("CGJ", stamps["before"])
    assert (v2["lead"]["code"], v2["snapshot_hash"]) == ("DJ", stamps["after"])
    assert v1["duties"][0]["version"] == 1 and v2["duties"][0]["version"] == 2
    assert decisions[6]["dispatch"]["platform"]["code"] == "QCYZX"  # escalated one level
    rejects = read_jsonl(bad)
    assert [(r["where"]["line"], r["event_id"]) for r in rejects] == [
        (3, "B03"),
        (5, "B05"),
        (6, None),
        (8, None),
    ]
    assert all(r["where"]["source"] == str(events) for r in rejects)
    reasons = [" ".join(r["reasons"]) for r in rejects]
    assert "field matter: unknown matter 'XX9999'" in reasons[0]
    assert "field attributes.severity" in reasons[1] and "from 1 to 4" in reasons[1]
    assert "line 6: not valid JSON" in reasons[2]
    assert "line 8: cannot decode" in reasons[3]


def test_route_batch_workers_give_identical_files(
    cli: Cli, url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(batch, "CHUNK", 3)  # several chunks, shared by the two processes
    events = tmp_path / "events.jsonl"
    events.write_bytes(BATCH * 3)
    digests = []
    for workers in ("1", "2"):
        out, bad = tmp_path / f"d{workers}.jsonl", tmp_path / f"r{workers}.jsonl"
        first, _ = summary(
            cli("route-batch", events, "-o", out, "--rejects", bad, "--workers", workers, db=url)
        )
        assert first.startswith("36 events:") and first.endswith("12 rejected")
        digests.append((file_digest(out), file_digest(bad)))
    assert digests[0] == digests[1]
    assert [d["event_id"] for d in read_jsonl(tmp_path / "d2.jsonl")] == GOOD * 3


CSV_ROWS = [
    "编号,事项,区域,上报时间,属性.地点类型,权属单位,重复次数",
    "C1,占道经营,东街街道,2025-09-30 10:00,人行道,,",
    "C2,燃气井盖,西街街道,2025-09-30 10:00,,示范燃气,3",
    "C3,占道经营,东街街道,2025-09-30 10:00,河道,,",
    "C4,无此事项,东街街道,2025-09-30 10:00,,,",
    "C5,飞线充电,东一社区第一网格,2025-10-09 10:00,,,",
]


def test_route_batch_csv_in_gb18030(cli: Cli, url: str, tmp_path: Path) -> None:
    events = tmp_path / "工单.csv"
    events.write_bytes("\r\n".join(CSV_ROWS).encode("gb18030"))
    with pytest.raises(UnicodeDecodeError):
        events.read_bytes().decode("utf-8")
    out, bad = tmp_path / "decisions.jsonl", tmp_path / "rejects.jsonl"
    first, _ = summary(cli("route-batch", events, "-o", out, "--rejects", bad, db=url, lang="zh"))
    assert (
        first
        == "共 5 件：已派遣 3，转交 0，属地兜底 0，城运中心协调 0，职能重叠 0，跨区域分办 0，无法派遣 0，待补充信息 0，退回 2"
    )
    decisions = read_jsonl(out)
    assert [(d["event_id"], d["lead"]["code"]) for d in decisions] == [
        ("C1", "SCJ"),
        ("C2", "RQ"),
        ("C5", "DJ"),
    ]
    assert decisions[1]["dispatch"] == {
        "platform": {"code": "QCYZX", "name": "区城市运行管理中心"},
        "level": "district",
        "escalated": True,
    }
    rejects = read_jsonl(bad)
    assert [(r["where"], r["event_id"]) for r in rejects] == [
        ({"source": str(events), "row": 4}, "C3"),
        ({"source": str(events), "row": 5}, "C4"),
    ]
    assert (
        "字段 attributes.地点类型" in rejects[0]["reasons"][0]
        and "'河道'" in rejects[0]["reasons"][0]
    )
    assert "'无此事项'" in rejects[1]["reasons"][0]


def test_route_batch_xlsx(cli: Cli, url: str, tmp_path: Path) -> None:
    events = tmp_path / "events.xlsx"
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["id", "matter", "area", "reported_at", "attr.severity", "repeat_count"])
    sheet.append([20250930001, "SJ0106", "东街街道", dt.datetime(2025, 9, 30, 10, 0), 4, None])
    sheet.append(["X2", "SJ0106", "990100002000", "2025-09-30 10:00", 5, None])
    sheet.append(["X3", "路面塌陷", "西街街道", dt.datetime(2025, 9, 30, 14, 0), 1, 3])
    sheet.append(["X4", "SJ0106", "西街街道", "2025-09-30 10:00", None, "x"])
    workbook.save(events)
    out, bad = tmp_path / "decisions.jsonl", tmp_path / "rejects.jsonl"
    first, _ = summary(cli("route-batch", events, "-o", out, "--rejects", bad, db=url))
    assert (
        first
        == "4 events: 2 routed, 0 referred, 0 fallback, 0 coordinated, 0 conflict, 0 split, 0 unroutable, 0 needs info, 2 rejected"
    )
    decisions = read_jsonl(out)
    assert [d["event_id"] for d in decisions] == ["20250930001", "X3"]
    assert decisions[0]["commander"]["code"] == "QCYZX" and decisions[0]["time_limit"] == "2小时"
    # 1工作日 after 09-30 is 10-09 17:00; escalated, half of it: 3.5工作时, 10-09 09:30
    assert decisions[1]["deadline"] == "2025-10-09T09:30:00+08:00"
    assert decisions[1]["shortened"]["deadline"] == "2025-10-09T17:00:00+08:00"
    assert decisions[1]["dispatch"]["platform"]["code"] == "QCYZX"
    rejects = read_jsonl(bad)
    # row 5 is refused as it is read (no matter): the reject still names the event it gives
    assert [(r["where"]["row"], r["event_id"]) for r in rejects] == [(3, "X2"), (5, "X4")]
    assert "field attributes.severity" in rejects[0]["reasons"][0]
    assert "repeat_count" in rejects[1]["reasons"][0]


def test_route_batch_without_rejects_file(cli: Cli, url: str, tmp_path: Path) -> None:
    events = tmp_path / "events.jsonl"
    events.write_bytes(BATCH)
    out = tmp_path / "decisions.jsonl"
    first, second = summary(cli("route-batch", events, "-o", out, db=url))
    assert first.endswith("4 rejected") and second == f"Decisions: {out}; rejects: -"
    assert [d["event_id"] for d in read_jsonl(out)] == GOOD
    assert sorted(p.name for p in tmp_path.iterdir()) == ["decisions.jsonl", "events.jsonl"]


def test_route_batch_refuses_bad_setups(cli: Cli, url: str, tmp_path: Path) -> None:
    events = tmp_path / "events.jsonl"
    events.write_bytes(BATCH)
    out = tmp_path / "decisions.jsonl"
    missing = f"sqlite:///{tmp_path / 'none.db'}"
    refused(cli("route-batch", events, "-o", out, db=missing), "no registry at", "remit init")
    refused(cli("route-batch", events, "-o", out, db="nosuchdb://x"), "cannot use database URL")
    refused(cli("route", "--matter", "SJ0101", "--area", "东街街道", db=missing), "no registry at")
    refused(cli("route-batch", tmp_path / "none.jsonl", "-o", out, db=url), "none.jsonl")
    refused(
        cli("route-batch", events, "-o", tmp_path / "no" / "dir.jsonl", db=url),
        str(tmp_path / "no" / "dir.jsonl"),
    )
    (tmp_path / "bad-rules").mkdir()
    (tmp_path / "bad-rules" / "r.yaml").write_text("file: rules\nid: x\nrules: [{id: Bad}]\n")
    refused(
        cli("route-batch", events, "-o", out, "--rules", tmp_path / "bad-rules", db=url), "r.yaml"
    )
    assert not out.exists() and not (tmp_path / "none.db").exists()


@pytest.mark.parametrize(
    ("output", "rejects", "says"),
    [
        ("decisions.xlsx", None, ["decisions.xlsx: this command does not write .xlsx files"]),
        ("decisions.json", None, ["does not write .json files; it writes jsonl (.jsonl, .ndjson)"]),
        ("decisions.txt", None, ["does not write .txt files"]),
        ("decisions.jsonl", "rejects.csv", ["rejects.csv: this command does not write .csv"]),
        ("decisions.pdf", "rejects.xlsx", ["decisions.pdf: ", "rejects.xlsx: "]),  # both at once
    ],
)
def test_route_batch_writes_json_lines_only(
    cli: Cli, url: str, tmp_path: Path, output: str, rejects: str | None, says: list[str]
) -> None:
    events = tmp_path / "events.jsonl"
    events.write_bytes(BATCH)
    args = ["-o", tmp_path / output] + (["--rejects", tmp_path / rejects] if rejects else [])
    refused(cli("route-batch", events, *args, db=url), *says)
    assert [p.name for p in tmp_path.iterdir()] == ["events.jsonl"]  # nothing written


def test_route_batch_json_lines_names(cli: Cli, url: str, tmp_path: Path) -> None:
    events = tmp_path / "events.jsonl"
    events.write_bytes(BATCH)
    out, bad = tmp_path / "decisions.ndjson", tmp_path / "rejects"  # no suffix: JSON Lines
    summary(cli("route-batch", events, "-o", out, "--rejects", bad, db=url))
    assert [d["event_id"] for d in read_jsonl(out)] == GOOD
    assert len(read_jsonl(bad)) == 4


# --- --reported-at, and events given by options ---------------------------------------------------

CONFLICT = ["--matter", "马路摊点", "--area", "东街街道", "--attr", "地点类型=道路"]


@pytest.mark.parametrize(
    "reported_at",
    ["2025-09-30T10:00:00+08:00", "2025-09-30T02:00:00Z", "2025-09-30 10:00", "2025-09-30T10:00"],
)
def test_reported_at_is_read_as_event_files_read_it(cli: Cli, url: str, reported_at: str) -> None:
    args = [*CONFLICT, "--format", "json", "--reported-at"]
    plain = json.loads(ok(cli("route", *args, "2025-09-30T10:00:00", db=url)))
    decision = json.loads(ok(cli("route", *args, reported_at, db=url)))
    assert decision["reported_at"] == "2025-09-30T10:00:00+08:00"
    assert decision == plain  # the same time, however written: the same event and decision


def test_reported_at_in_another_zone_is_converted(cli: Cli, url: str) -> None:
    # 2025-09-30 23:30 in Berlin is 2025-10-01 05:30 in Shanghai: the day after the list change
    args = [*CONFLICT, "--format", "json", "--reported-at", "2025-09-30T23:30:00+02:00"]
    decision = json.loads(ok(cli("route", *args, db=url)))
    assert decision["reported_at"] == "2025-10-01T05:30:00+08:00"
    assert decision["snapshot_date"] == "2025-10-01"


@pytest.mark.parametrize(
    ("value", "detail"),
    [
        ("2025-02-30 10:00", "Input should be a valid datetime or date, day value is outside"),
        ("20250930", "a bare number is not a time"),
        ("yesterday", "Input should be a valid datetime"),
    ],
)
def test_a_bad_reported_at_is_refused(cli: Cli, url: str, value: str, detail: str) -> None:
    result = cli("route", *CONFLICT, "--reported-at", value, db=url)
    stderr = refused(result, "--reported-at", f"{value!r} is not a time ({detail}")
    assert "expected ISO 8601 with or without an offset" in stderr
    zh = refused(cli("route", *CONFLICT, "--reported-at", value, db=url, lang="zh"))
    assert f"{value!r} 不是有效的时间" in zh and "不带偏移时按北京时间" in zh


def test_an_event_from_options_has_a_meaningful_id(cli: Cli, url: str) -> None:
    at = ["--reported-at", "2025-09-30T10:00:00"]
    first = json.loads(ok(cli("route", *CONFLICT, *at, "--format", "json", db=url)))
    assert re.fullmatch(r"cli-20250930T100000-[0-9a-f]{6}", first["event_id"])
    again = json.loads(ok(cli("route", *CONFLICT, *at, "--format", "json", db=url)))
    assert (again["event_id"], again["decision_id"]) == (first["event_id"], first["decision_id"])
    # another event reported at the same time: another id, another decision id
    other = ["--matter", "BJ0101", "--area", "西街街道"]
    second = json.loads(ok(cli("route", *other, *at, "--format", "json", db=url)))
    assert second["event_id"].startswith("cli-20250930T100000-")
    assert second["event_id"] != first["event_id"]
    assert second["decision_id"] != first["decision_id"]
    zh = ok(cli("route", *CONFLICT, *at, db=url, lang="zh")).splitlines()[0]
    assert zh == f"事件 {first['event_id']} — 职能重叠"


def test_problems_of_an_event_from_options_say_where_in_the_language(cli: Cli, url: str) -> None:
    args = ["--matter", "NOPE", "--area", "东街街道", "--reported-at", "2025-09-30T10:00:00"]
    en = refused(cli("route", *args, db=url), "command line, field matter: ")
    assert "NOPE" in en
    zh = refused(cli("route", *args, db=url, lang="zh"), "命令行参数, 字段 matter: ")
    assert "command line" not in zh
    bad_attr = ["--matter", "马路摊点", "--area", "东街街道", "--attr", "颜色=红"]
    refused(
        cli("route", *bad_attr, "--reported-at", "2025-09-30T10:00:00", db=url, lang="zh"),
        "命令行参数, 字段 attributes.颜色: ",
    )


# --- remit rules --------------------------------------------------------------------------------


def test_rules_list(cli: Cli) -> None:
    rows = [line for line in ok(cli("rules", "list")).splitlines() if line.startswith("│")]
    ids = [cells.split("│")[2].strip() for cells in rows]
    ids = [rule_id for rule_id in ids if rule_id]  # a long title wraps onto more lines
    assert ids == [rule.id for rule in load_rules().rules]
    assert rows[0].split("│")[1].strip() == "10" and ids[0] == "owner-repairs"
    assert ids[-2:] == ["repeat-escalates-to-city", "repeat-escalates-to-district"]
    zh = ok(cli("rules", "list", lang="zh"))
    assert "唯一策略：两个主办单位即为职能重叠，提交属地城运中心协调" in zh


def test_rules_show(cli: Cli, tmp_path: Path) -> None:
    everything = yaml.safe_load(ok(cli("rules", "show")))
    assert everything["config"] == {
        "emergency_severity": 4,
        "emergency_matters": list(EMERGENCY_MATTERS),
        "repeat_threshold": 3,
        "escalation_deadline_factor": 0.5,
        "provisional_handler": "territorial",
        "provisional_time_limit": "2小时",
        "arbitration_time_limit": "1工作日",
        "attribute_defaults": {},
        "extra": {},
    }
    assert [r["id"] for r in everything["rules"]] == [r.id for r in load_rules().rules]
    one = yaml.safe_load(ok(cli("rules", "show", "territorial-fallback")))
    (rule,) = one["rules"]
    assert rule["pri"] == 70 and rule["when"][3] == {
        "none": {"fact": "candidate", "where": {"role": "lead"}}
    }
    (tmp_path / "e.yaml").write_text(EMERGENCY_CONFIG, encoding="utf-8")
    configured = yaml.safe_load(
        ok(cli("rules", "show", "emergency-by-matter", "--rules", tmp_path))
    )
    assert configured["config"]["emergency_matters"] == ["SJ0107"]
    result = cli("rules", "show", "no-such-rule")
    assert result.exit_code == 2 and "no rule 'no-such-rule'; rules: owner-repairs" in result.stderr


def test_rules_check(cli: Cli, tmp_path: Path) -> None:
    default = str(load_rules().sources[0])
    assert ok(cli("rules", "check")) == (
        f"26 rules (29 compiled into the engine) from {default}: within the engine's limits, "
        "and no rules trigger one another in a cycle\n"
    )
    (tmp_path / "e.yaml").write_text(EMERGENCY_CONFIG, encoding="utf-8")
    zh = ok(cli("rules", "check", "--rules", tmp_path / "e.yaml", lang="zh"))
    assert (
        zh
        == f"共 26 条规则（编译为 29 条引擎规则），来源 {default}, {tmp_path / 'e.yaml'}：未超出引擎限制，"
        "且规则间没有相互触发的循环\n"
    )
    refused(cli("rules", "check", "--rules", tmp_path / "missing"), "missing")
