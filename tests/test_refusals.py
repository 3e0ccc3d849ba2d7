"""What the lists cannot answer for is refused, not decided (issue 13): an owner (权属单位) named
on an event that does not own — not a unit of kind owner, or serving none of the event's areas —
and a group matter (the parent of other matters), named by an event or by a list row. Through the
Python API and the CLI, in English and Chinese: exit code 2, the field, what was expected, and
nothing written."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from remit import InputError, Problem, Registry, Snapshot
from remit.events.model import EventIn
from remit.events.resolve import EventResolver
from remit.registry.entities import Level, Matter, MatterKind, Unit, UnitKind
from remit.routing.router import Router
from tests.factories import (
    FIXTURES,
    MINI,
    Cli,
    event,
    exits,
    failing,
    import_refused,
    init,
    ok,
    sqlite_registry,
    sqlite_registry_url,
)

AS_OF = dt.date(2024, 6, 1)
WHERE = {"source": "events.jsonl", "line": 3}
GRID = "31010100200101"  # 示例一网格, in 示例一居委 (310101002001), in 南京东路街道
WY = Unit(
    "WY", "示例物业", UnitKind.owner, Level.community, "310101002001", aliases=("示例物业公司",)
)


@pytest.fixture(scope="module")
def registry(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Registry]:
    with sqlite_registry(tmp_path_factory.mktemp("refusals") / "registry.db", MINI) as registry:
        yield registry


@pytest.fixture(scope="module")
def snapshot(registry: Registry) -> Snapshot:
    """The mini fixture with a property manager of 示例一居委 (WY) and a group of seven."""
    base = registry.snapshot(AS_OF)
    big = {
        f"BJ99{i:02d}": Matter(f"BJ99{i:02d}", f"部件{i}", MatterKind.component, parent="BJ99")
        for i in range(1, 8)
    }
    big["BJ99"] = Matter("BJ99", "大组", MatterKind.component)
    return dataclasses.replace(
        base,
        units={**base.units, "WY": WY},
        matters={**base.matters, **big},
    )


@pytest.fixture(scope="module")
def resolver(snapshot: Snapshot) -> EventResolver:
    return EventResolver(snapshot)


def raw(**fields: Any) -> EventIn:
    """An event of SJ0501 in the grid unless ``fields`` say otherwise."""
    data = {**event("SJ0501", GRID, "2025-03-01T09:30:00"), **fields}
    return EventIn.model_validate({k: v for k, v in data.items() if v is not None})


def refusal(resolver: EventResolver, **fields: Any) -> Problem:
    with pytest.raises(InputError) as caught:
        resolver.resolve(raw(**fields), WHERE)
    (problem,) = caught.value.problems
    assert (problem.source, problem.line) == ("events.jsonl", 3)
    return problem


# --- the owner must own --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("owner", "areas", "en", "zh"),
    [
        (
            "区城管执法局",
            [],
            "区城市管理行政执法局 (CGJ, serving 310101000000) is a functional department "
            "(line, 条), not an owner (权属单位); the owner named on an event must be a unit of "
            "kind owner whose jurisdiction covers 31010100200101",
            "区城市管理行政执法局（CGJ，管辖 黄浦区）是职能部门（条），不是权属单位；事件载明的"
            "权属单位应为单位类型为“权属单位”、管辖范围覆盖 示例一网格 的单位",
        ),
        (
            "五里桥街道",
            ["南京东路街道"],
            "五里桥街道办事处 (WLQ, serving 310101020000) is a territorial government "
            "(block, 块), not an owner (权属单位); the owner named on an event must be a unit of "
            "kind owner whose jurisdiction covers 31010100200101, 310101002000",
            "五里桥街道办事处（WLQ，管辖 五里桥街道）是属地政府（块），不是权属单位；事件载明的"
            "权属单位应为单位类型为“权属单位”、管辖范围覆盖 示例一网格、南京东路街道 的单位",
        ),
    ],
    ids=["department", "street-office"],
)
def test_a_unit_of_another_kind_is_no_owner(
    resolver: EventResolver, owner: str, areas: list[str], en: str, zh: str
) -> None:
    problem = refusal(resolver, owner=owner, areas=areas)
    assert (problem.key, problem.field) == ("event.owner_not_owner", "owner")
    assert problem.render("en") == f"events.jsonl, line 3, field owner: {en}"
    assert problem.render("zh") == f"events.jsonl, 第 3 行, 字段 owner: {zh}"


def test_an_owner_serving_elsewhere_is_refused_naming_the_areas_it_does_not_cover(
    resolver: EventResolver,
) -> None:
    # the property manager of 示例一居委: its grid yes, the street around it and 五里桥 no
    problem = refusal(resolver, owner="示例物业公司", areas=["南京东路街道", "五里桥街道"])
    assert (problem.key, problem.field) == ("event.owner_elsewhere", "owner")
    assert problem.render("en").endswith(
        "owner 示例物业 (WY) serves 310101002001, which does not cover 310101002000, "
        "310101020000; the owner named on an event must serve the event's area or an area "
        "above it"
    )
    assert problem.render("zh").endswith(
        "权属单位 示例物业（WY）管辖 示例一居委，不覆盖事件区域 南京东路街道、五里桥街道；"
        "事件载明的权属单位的管辖范围应为事件所在区域或其上级区域"
    )


@pytest.mark.parametrize(
    ("owner", "area", "areas", "code"),
    [
        ("WY", GRID, [], "WY"),  # its community's grid
        ("示例物业", "310101002001", [GRID], "WY"),  # its community itself
        ("GAS", GRID, ["五里桥街道", "黄浦区"], "GAS"),  # a city-wide utility: anywhere in the city
        ("上海燃气", "上海市", [], "GAS"),
    ],
)
def test_an_owner_serving_every_area_is_taken(
    resolver: EventResolver, owner: str, area: str, areas: list[str], code: str
) -> None:
    assert resolver.resolve(raw(owner=owner, area=area, areas=areas), WHERE).owner == code


def test_an_unknown_owner_is_reported_once(resolver: EventResolver) -> None:
    assert refusal(resolver, owner="无名公司").key == "ref.unknown_unit"


OWNERS = ["GAS", "WY", "CGJ", "NJDL", "WLQ", "LRJ", None]
PLACES = ["310000000000", "310101000000", "310101002000", "310101020000", "310101002001", GRID]


@settings(max_examples=300, deadline=None)
@given(
    owner=st.sampled_from(OWNERS),
    area=st.sampled_from(PLACES),
    areas=st.lists(st.sampled_from(PLACES), max_size=3),
)
def test_an_event_resolves_exactly_when_its_owner_owns(
    resolver: EventResolver,
    snapshot: Snapshot,
    owner: str | None,
    area: str,
    areas: list[str],
) -> None:
    unit = snapshot.units.get(owner) if owner else None
    owns = unit is None or (
        unit.kind is UnitKind.owner
        and all(unit.jurisdiction in snapshot.ancestors(a) for a in [area, *areas])
    )
    try:
        event_ = resolver.resolve(raw(owner=owner, area=area, areas=areas), WHERE)
    except InputError as exc:
        assert not owns
        assert [p.field for p in exc.problems] == ["owner"]
    else:
        assert owns and event_.owner == owner


# --- group matters -------------------------------------------------------------------------------


def test_an_event_naming_a_group_is_refused_naming_its_leaves(resolver: EventResolver) -> None:
    problem = refusal(resolver, matter="街面秩序")
    assert (problem.key, problem.field) == ("event.group_matter", "matter")
    assert problem.render("en") == (
        "events.jsonl, line 3, field matter: matter SJ05 (街面秩序) is a group of matters, not "
        "a matter to route; name one of its matters instead: SJ0501 无照经营游商, "
        "SJ0502 共享单车乱停放"
    )
    assert problem.render("zh") == (
        "events.jsonl, 第 3 行, 字段 matter: 事项 SJ05（街面秩序）是事项分组，不能派遣；"
        "请改报其下的具体事项：SJ0501 无照经营游商、SJ0502 共享单车乱停放"
    )


def test_a_big_group_names_a_few_leaves_and_counts_the_rest(resolver: EventResolver) -> None:
    problem = refusal(resolver, matter="BJ99")
    assert problem.render("en").endswith(
        "BJ9901 部件1, BJ9902 部件2, BJ9903 部件3, BJ9904 部件4, BJ9905 部件5, … and 2 more"
    )
    assert problem.render("zh").endswith(
        "BJ9901 部件1、BJ9902 部件2、BJ9903 部件3、BJ9904 部件4、BJ9905 部件5、…（另有 2 项）"
    )


def test_a_group_refusal_and_a_bad_owner_are_reported_together(resolver: EventResolver) -> None:
    with pytest.raises(InputError) as caught:
        resolver.resolve(raw(matter="SJ05", owner="CGJ"), WHERE)
    assert [(p.key, p.field) for p in caught.value.problems] == [
        ("event.group_matter", "matter"),
        ("event.owner_not_owner", "owner"),
    ]


def test_the_router_refuses_what_the_resolver_refuses(snapshot: Snapshot) -> None:
    router = Router(snapshot=snapshot)
    good = router.route(event("BJ0101", GRID, "2025-03-01T09:30:00", owner="WY"))
    assert good.status.value in {"routed", "fallback"}
    for bad in (
        event("BJ0101", "五里桥街道", "2025-03-01T09:30:00", owner="WY"),
        event("SJ05", GRID, "2025-03-01T09:30:00"),
    ):
        with pytest.raises(InputError):
            router.route(bad)


# --- the command line, on the routing fixture ------------------------------------------------------

ROUTING = FIXTURES / "routing"
PROPERTY_MANAGER = (
    '  - {code: WY, name: 东一物业, kind: owner, level: community, jurisdiction: "990100001001"}\n'
)


@pytest.fixture(scope="module")
def url(tmp_path_factory: pytest.TempPathFactory) -> str:
    """The routing fixture with a property manager of 东一社区 (WY)."""
    root = tmp_path_factory.mktemp("routing-owner")
    tree = root / "routing"
    shutil.copytree(ROUTING, tree)
    units = tree / "units.yaml"
    units.write_text(units.read_text(encoding="utf-8") + PROPERTY_MANAGER, encoding="utf-8")
    return sqlite_registry_url(root / "registry.db", tree)


ROUTE = ("route", "--reported-at", "2025-09-30T10:00:00")


def test_route_takes_an_owner_that_owns(cli: Cli, url: str) -> None:
    out = ok(cli(*ROUTE, "--matter", "BJ0101", "--area", "东一社区第一网格", "--owner", "东一物业",
                 "--format", "json", db=url))  # fmt: skip
    decision = json.loads(out)
    assert (decision["status"], decision["lead"]["code"]) == ("routed", "WY")


@pytest.mark.parametrize("lang", ["en", "zh"])
@pytest.mark.parametrize(
    ("args", "says"),
    [
        (
            ["--matter", "BJ0101", "--area", "西街街道", "--owner", "东一物业"],
            {
                "en": "command line, field owner: owner 东一物业 (WY) serves 990100001001, which "
                "does not cover 990100002000",
                "zh": "权属单位 东一物业（WY）管辖 东一社区，不覆盖事件区域 西街街道",
            },
        ),
        (
            ["--matter", "BJ0101", "--area", "西街街道", "--owner", "东街街道"],
            {
                "en": "东街街道办事处 (DJ, serving 990100001000) is a territorial government "
                "(block, 块), not an owner (权属单位)",
                "zh": "东街街道办事处（DJ，管辖 东街街道）是属地政府（块），不是权属单位",
            },
        ),
        (
            ["--matter", "街面秩序", "--area", "西街街道"],
            {
                "en": "matter SJ01 (街面秩序) is a group of matters, not a matter to route; name "
                "one of its matters instead: SJ0101 ",
                "zh": "事项 SJ01（街面秩序）是事项分组，不能派遣；请改报其下的具体事项：SJ0101 ",
            },
        ),
    ],
    ids=["owner-elsewhere", "owner-of-another-kind", "group"],
)
def test_route_refuses_with_exit_2(
    cli: Cli, url: str, args: list[str], says: dict[str, str], lang: str
) -> None:
    result = exits(cli(*ROUTE, *args, db=url, lang=lang), 2)
    assert says[lang] in result.stderr, result.stderr
    assert result.stdout == ""


def test_route_batch_rejects_those_lines_and_routes_the_others(
    cli: Cli, url: str, tmp_path: Path
) -> None:
    lines = [
        event("BJ0101", "东一社区第一网格", "2025-09-30T10:00:00", id="R1", owner="WY"),
        event("BJ0101", "西街街道", "2025-09-30T10:00:00", id="R2", owner="WY"),
        event("BJ0101", "东街街道", "2025-09-30T10:00:00", id="R3", owner="区城管执法局"),
        event("SJ01", "东街街道", "2025-09-30T10:00:00", id="R4"),
        event("BJ0101", "东一社区第一网格", "2025-09-30T10:00:00", id="R5", owner="示范燃气",
              areas=["西街街道"]),
    ]  # fmt: skip
    path = tmp_path / "events.jsonl"
    path.write_text("\n".join(json.dumps(x, ensure_ascii=False) for x in lines) + "\n", "utf-8")
    out, bad = tmp_path / "decisions.jsonl", tmp_path / "rejects.jsonl"
    first = ok(cli("route-batch", path, "-o", out, "--rejects", bad, db=url)).splitlines()[0]
    assert (
        first
        == "5 events: 2 routed, 0 referred, 0 fallback, 0 coordinated, 0 conflict, 0 split, 0 unroutable, 0 needs info, 3 rejected"
    )
    decisions = [json.loads(x) for x in out.read_text("utf-8").splitlines()]
    assert [(d["event_id"], d["lead"]["code"]) for d in decisions] == [("R1", "WY"), ("R5", "RQ")]
    rejects = [json.loads(x) for x in bad.read_text("utf-8").splitlines()]
    assert [(r["event_id"], r["where"]["line"]) for r in rejects] == [
        ("R2", 2),
        ("R3", 3),
        ("R4", 4),
    ]
    reasons = [" ".join(r["reasons"]) for r in rejects]
    assert "field owner: owner 东一物业 (WY) serves 990100001001" in reasons[0]
    assert "field owner: 区城市管理行政执法局 (CGJ" in reasons[1]
    assert "field matter: matter SJ01 (街面秩序) is a group of matters" in reasons[2]


# --- a list row on a group matter is refused at import ---------------------------------------------

GROUP_ROW = """file: list
id: QZ-GROUP
name: 分组条目
kind: department
issuer: 区城管执法局
scope: 黄浦区
versions:
  - version: 1
    status: published
    effective_from: 2024-01-01
    duties:
      - matter: SJ0501
        unit: CGJ
      - matter: 街面秩序
        unit: CGJ
"""


@pytest.mark.parametrize(
    ("lang", "says"),
    [
        (
            "en",
            "line 14, field versions[0].duties[1].matter: matter SJ05 (街面秩序) is a group of "
            "matters, not a matter: a row cannot name a group, since the check and the router "
            "look only at the leaf matters and would never see it; list its leaf matters "
            "instead, or say the row covers the whole group (whole_group: true, one row per "
            "leaf): SJ0501 无照经营游商, SJ0502 共享单车乱停放",
        ),
        (
            "zh",
            "第 14 行, 字段 versions[0].duties[1].matter: 事项 SJ05（街面秩序）是事项分组，不是具体"
            "事项；条目不能写在分组上：检查和派遣都只看具体事项，分组上的条目两者都看不到。请逐一列出"
            "其下的具体事项，或写明该条目覆盖整个分组（`whole_group: true`，按每个具体事项各成一条）："
            "SJ0501 无照经营游商、SJ0502 共享单车乱停放",
        ),
    ],
)
def test_a_row_on_a_group_is_refused_and_nothing_is_written(
    cli: Cli, sqlite_url: str, tmp_path: Path, lang: str, says: str
) -> None:
    init(sqlite_url, MINI)
    path = tmp_path / "group.yaml"
    path.write_text(GROUP_ROW, encoding="utf-8")
    stderr = failing(cli, sqlite_url, "registry", "import", path, lang=lang)  # file unchanged
    assert f"{path}, {says}" in stderr.splitlines(), stderr
    if lang == "en":
        assert import_refused(cli, sqlite_url, path) == [f"{path}, {says}"]
