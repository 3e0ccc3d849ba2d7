"""Locations (issue 14): an area's shape and address aliases in the registry, the locator
(remit/events/locate.py) that finds the area of a point or an address, events that carry a
location instead of an area, `remit route --at/--address`, and the benchmark at a tiny size."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from remit import InputError, Registry, Snapshot
from remit.events.locate import AmbiguousAddress, Locator, locator_for
from remit.events.model import EventIn
from remit.registry.entities import Area, Level
from remit.registry.geometry import Polygon
from remit.routing.decision import RoutingDecision
from remit.routing.router import Router
from tests.factories import ROOT, SAMPLE, Cli, exits, ok

pytestmark = pytest.mark.usefixtures("wide_terminal")

LOCATED = ROOT / "data" / "events" / "located.jsonl"
DAY = dt.date(2026, 3, 2)
GRID_1, GRID_2 = "31010100200101", "31010100200102"  # 贵州居民区's grids (south, north)
SHANXI = "310101002002"  # 山西居民区, a community without grids
NJDL, WAITAN = "310101002000", "310101013000"
HUAIHAI, RUIJIN = "310101022000", "310101023000"
FUYOU, DISTRICT = "310101018001", "310101000000"


@pytest.fixture(scope="module")
def snapshot(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Snapshot]:
    url = f"sqlite:///{tmp_path_factory.mktemp('locate') / 'sample.db'}"
    with Registry.create(url) as registry:
        registry.import_files([SAMPLE], by="setup")
        yield registry.snapshot(DAY)


@pytest.fixture(scope="module")
def locator(snapshot: Snapshot) -> Locator:
    return locator_for(snapshot)


# --- a point ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("lat", "long", "area"),
    [
        (31.23, 121.479, GRID_1),  # a grid, inside its community, its street, the district
        (31.24, 121.479, GRID_2),
        (31.24, 121.486, SHANXI),  # a community without grids
        (31.235, 121.465, HUAIHAI),  # a street without communities
        (31.20, 121.50, "310101015000"),
    ],
)
def test_a_point_lands_in_the_deepest_area_holding_it(
    locator: Locator, lat: float, long: float, area: str
) -> None:
    found = locator.at(lat, long)
    assert found is not None and found.code == area


def test_a_point_on_a_border_is_decided_the_same_way_every_time(locator: Locator) -> None:
    # the border of two grids of one size: the lower code
    found = locator.at(31.235, 121.479)
    assert found is not None and found.code == GRID_1
    # the border of 山西居民区 (a community of 南京东路) and 外滩街道 (a street): the deeper
    found = locator.at(31.24, 121.49)
    assert found is not None and found.code == SHANXI
    # the district's outer edge still belongs to it (the street there, the deepest)
    found = locator.at(31.245, 121.465)
    assert found is not None and found.code == HUAIHAI


@pytest.mark.parametrize(("lat", "long"), [(31.30, 121.60), (31.2451, 121.465), (-31.23, 121.48)])
def test_a_point_outside_every_shape_is_none(locator: Locator, lat: float, long: float) -> None:
    assert locator.at(lat, long) is None


def test_the_locator_is_built_once_per_snapshot_hash(snapshot: Snapshot) -> None:
    assert locator_for(snapshot) is locator_for(snapshot)
    assert locator_for(snapshot).shaped == 21  # every area of the sample but the city


def test_a_snapshot_without_shapes_locates_no_point() -> None:
    area = Area("1", "某区", Level.district, addresses=("某路",))
    bare = Snapshot(DAY, "no-shapes", {"1": area}, {}, None, {}, (), ())
    assert Locator(bare).at(31.2, 121.4) is None
    assert Locator(bare).address("某路1号") == area


# --- an address ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "area"),
    [
        ("黄浦区瑞金二路409号", RUIJIN),  # an address alias, longer than the district's name
        (
            "福佑路豫园旅游商城东侧",
            FUYOU,
        ),  # 福佑路 (a community's) is longer than 豫园 (a street's)
        ("淮海中路街道办事处门口", HUAIHAI),  # the street's name is longer than the shared road
        ("瑞金 二路 1 号", RUIJIN),  # spaces and width folded, as names are
        ("上海市黄浦区某处", DISTRICT),  # only the district named: the district
        ("宁波路88号", GRID_1),  # a grid's address alias
    ],
)
def test_an_address_lands_in_the_area_its_longest_spelling_names(
    locator: Locator, text: str, area: str
) -> None:
    found = locator.address(text)
    assert found is not None and found.code == area


def test_an_address_named_by_two_areas_of_one_level_is_refused(locator: Locator) -> None:
    with pytest.raises(AmbiguousAddress) as caught:
        locator.address("淮海中路100号")
    assert caught.value.spelling == "淮海中路"
    assert [a.code for a in caught.value.candidates] == [HUAIHAI, RUIJIN]
    # two roads of one length at a crossing, in two streets: ambiguous too
    with pytest.raises(AmbiguousAddress) as crossing:
        locator.address("东门路与打浦路口")
    assert [a.code for a in crossing.value.candidates] == ["310101017000", "310101021000"]


@pytest.mark.parametrize("text", ["某某大厦", "", "路", "北京西路"])
def test_an_address_naming_nothing_known_is_none(locator: Locator, text: str) -> None:
    assert locator.address(text) is None


# --- any grid of squares: a point inside one lands in it ------------------------------------------


def square(west: float, south: float, size: float) -> dict[str, Any]:
    ring = [
        [west, south],
        [west + size, south],
        [west + size, south + size],
        [west, south + size],
        [west, south],
    ]
    return {"type": "Polygon", "coordinates": [ring]}


def city_of_grids(west: float, south: float, columns: int, rows: int, size: float) -> Snapshot:
    district = Area(
        "D",
        "区",
        Level.district,
        geometry=Polygon.model_validate(square(west, south, size * max(columns, rows))),
    )
    areas = {"D": district}
    for i in range(columns):
        for j in range(rows):
            code = f"G{i:03d}{j:03d}"
            shape = Polygon.model_validate(square(west + i * size, south + j * size, size))
            areas[code] = Area(code, code, Level.grid, "D", geometry=shape)
    return Snapshot(
        DAY, f"grid-{west}-{south}-{columns}-{rows}-{size}", areas, {}, None, {}, (), ()
    )


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    west=st.floats(-170, 170),
    south=st.floats(-80, 80),
    columns=st.integers(1, 12),
    rows=st.integers(1, 12),
    size=st.sampled_from([0.001, 0.01, 0.1]),
    data=st.data(),
)
def test_a_point_inside_a_random_grid_square_lands_in_it(
    west: float, south: float, columns: int, rows: int, size: float, data: st.DataObject
) -> None:
    snapshot = city_of_grids(west, south, columns, rows, size)
    i, j = data.draw(st.integers(0, columns - 1)), data.draw(st.integers(0, rows - 1))
    x, y = data.draw(st.floats(0.05, 0.95)), data.draw(st.floats(0.05, 0.95))
    found = locator_for(snapshot).at(south + (j + y) * size, west + (i + x) * size)
    assert found is not None and found.code == f"G{i:03d}{j:03d}"


# --- the registry: shapes and address aliases are an area's, versioned, hashed when given ----------


def sample_copy(tmp_path: Path, change: Any = None) -> Path:
    """A copy of the sample registry, its areas changed by ``change(areas)``."""
    import shutil

    copy = tmp_path / "sample"
    shutil.copytree(SAMPLE, copy)
    if change is not None:
        data = yaml.safe_load((copy / "areas.yaml").read_text(encoding="utf-8"))
        change(data["areas"])
        (copy / "areas.yaml").write_text(yaml.safe_dump(data, allow_unicode=True), "utf-8")
    return copy


def test_shapes_and_addresses_are_stored_and_read_back(db_url: str) -> None:
    written = {
        a["code"]: a for a in yaml.safe_load(SAMPLE.joinpath("areas.yaml").read_text())["areas"]
    }
    with Registry.create(db_url) as registry:
        registry.import_files([SAMPLE], by="setup")
        areas = registry.snapshot(DAY).areas
    for code, area in areas.items():
        given = written[code]
        shape = given.get("geometry")
        assert area.geometry == (Polygon.model_validate(shape) if shape else None)
        assert area.addresses == tuple(given.get("addresses", ()))


def snapshot_hash(tree: Path, tmp_path: Path, name: str) -> str:
    with Registry.create(f"sqlite:///{tmp_path / name}") as registry:
        registry.import_files([tree], by="setup")
        return registry.snapshot(DAY).hash


def test_a_shape_or_an_address_alias_counts_in_the_hash_and_none_leaves_it_as_it_was(
    tmp_path: Path,
) -> None:
    def strip(areas: list[dict[str, Any]]) -> None:
        for area in areas:
            area.pop("geometry", None)
            area.pop("addresses", None)

    bare = snapshot_hash(sample_copy(tmp_path / "a", strip), tmp_path, "a.db")
    # the sample's hash before areas had shapes (the hash README showed then)
    assert bare == "527aa3e5fe81a70d4729cdc2c9a59aa541ef8e123add0b0df734d7f8d860e519"

    def one_address(areas: list[dict[str, Any]]) -> None:
        strip(areas)
        areas[-1]["addresses"] = ["蒙自路"]

    def one_shape(areas: list[dict[str, Any]]) -> None:
        strip(areas)
        areas[-1]["geometry"] = square(121.475, 31.2025, 0.0075)

    hashes = {
        bare,
        snapshot_hash(sample_copy(tmp_path / "b", one_address), tmp_path, "b.db"),
        snapshot_hash(sample_copy(tmp_path / "c", one_shape), tmp_path, "c.db"),
        snapshot_hash(SAMPLE, tmp_path, "d.db"),
    }
    assert len(hashes) == 4


BAD_SHAPES = [
    # crossing itself (a bow tie)
    (
        {
            "type": "Polygon",
            "coordinates": [[[121, 31], [121.1, 31.1], [121.1, 31], [121, 31.1], [121, 31]]],
        },
        "geometry.invalid",
        "Self-intersection",
    ),
    # not closed
    (
        {"type": "Polygon", "coordinates": [[[121, 31], [121.1, 31], [121.1, 31.1], [121, 31.2]]]},
        "geometry.not_closed",
        "(121.0, 31.2)",
    ),
    # latitude out of range
    (
        {
            "type": "Polygon",
            "coordinates": [[[121, 31], [121.1, 95], [121.1, 31], [121, 31.1], [121, 31]]],
        },
        "schema.le",
        "90",
    ),
    # longitude out of range
    (
        {"type": "Polygon", "coordinates": [[[181, 31], [181.1, 31], [181.1, 31.1], [181, 31]]]},
        "schema.le",
        "180",
    ),
    # neither a Polygon nor a MultiPolygon
    ({"type": "Point", "coordinates": [121, 31]}, "schema.invalid", "Polygon"),
]


def keys(problem: Any) -> set[str]:
    """The problem's message key, and that of what pydantic found (``schema.invalid``'s)."""
    detail = getattr(problem.params.get("detail"), "key", None)
    return {problem.key, detail} if detail else {problem.key}


@pytest.mark.parametrize(("shape", "key", "says"), BAD_SHAPES)
def test_a_bad_shape_is_a_problem_at_its_file_line_and_field(
    tmp_path: Path, sqlite_url: str, shape: dict[str, Any], key: str, says: str
) -> None:
    areas = tmp_path / "areas.yaml"
    areas.write_text(
        "file: areas\nareas:\n"
        "  - {code: '310101000000', name: 黄浦区, level: district}\n"
        "  - code: '310101002000'\n"
        "    name: 南京东路街道\n"
        "    level: street\n"
        "    parent: '310101000000'\n"
        f"    geometry: {json.dumps(shape)}\n",
        encoding="utf-8",
    )
    with Registry.create(sqlite_url) as registry, pytest.raises(InputError) as caught:
        registry.import_files([areas], by="setup")
    problems = caught.value.problems
    assert problems and all(p.source == str(areas) for p in problems)
    problem = next(p for p in problems if key in keys(p))
    assert problem.line == 8
    assert problem.field is not None and problem.field.startswith("areas[1].geometry")
    assert says in problem.render("en") + repr(problem.params)
    assert says in problem.render("zh") + repr(problem.params)


def test_a_multipolygon_and_a_polygon_with_a_hole_are_shapes(
    sqlite_url: str, tmp_path: Path
) -> None:
    hole = [[121.01, 31.01], [121.02, 31.01], [121.02, 31.02], [121.01, 31.02], [121.01, 31.01]]
    multi = {
        "type": "MultiPolygon",
        "coordinates": [
            square(121, 31, 0.1)["coordinates"] + [hole],
            square(121.2, 31, 0.1)["coordinates"],
        ],
    }
    areas = tmp_path / "areas.yaml"
    areas.write_text(
        yaml.safe_dump(
            {
                "file": "areas",
                "areas": [{"code": "D", "name": "区", "level": "district", "geometry": multi}],
            },
            allow_unicode=True,
        ),
        encoding="utf-8",
    )
    with Registry.create(sqlite_url) as registry:
        registry.import_files([areas], by="setup")
        snapshot = registry.snapshot(DAY)
    locator = Locator(snapshot)
    assert locator.at(31.05, 121.05) is not None  # in the first part
    assert locator.at(31.05, 121.25) is not None  # in the second
    assert locator.at(31.015, 121.015) is None  # in the hole
    assert locator.at(31.05, 121.15) is None  # between the parts


# --- events with a location ---------------------------------------------------------------------


def reported(**fields: Any) -> dict[str, Any]:
    return {"id": "L1", "matter": "BJ0101", "reported_at": "2026-03-02T10:00:00", **fields}


@pytest.mark.parametrize(
    ("fields", "key"),
    [
        ({}, "event.area_or_location"),
        ({"location": {"lat": 31.2}}, "event.location_half_point"),
        ({"location": {}}, "event.location_empty"),
        ({"location": {"lat": 91, "long": 121}}, "schema.le"),
        ({"location": {"lat": 31, "long": float("nan")}}, "schema.finite"),
        ({"location": {"lat": 31, "long": 121, "extra": 1}}, "schema.extra"),
    ],
)
def test_an_event_gives_an_area_or_a_well_formed_location(
    fields: dict[str, Any], key: str, tmp_path: Path
) -> None:
    from remit.events.read import read_events

    path = tmp_path / "events.jsonl"
    path.write_text(json.dumps(reported(**fields)) + "\n", encoding="utf-8")
    [(_where, parsed)] = list(read_events(path))
    assert isinstance(parsed, list), parsed
    assert any(key in keys(p) for p in parsed), parsed


@pytest.fixture(scope="module")
def router(snapshot: Snapshot, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Router]:
    url = f"sqlite:///{tmp_path_factory.mktemp('router') / 'sample.db'}"
    with Registry.create(url) as registry:
        registry.import_files([SAMPLE], by="setup")
        yield Router(registry)


def test_an_event_is_routed_in_the_area_of_its_point_or_its_address(router: Router) -> None:
    by_point = router.route(reported(location={"lat": 31.23, "long": 121.479}))
    assert by_point.area == GRID_1
    by_address = router.route(reported(id="L2", location={"address": "福佑路1号"}))
    assert by_address.area == FUYOU
    # the decision keeps the event in codes, with the location it gave; it reads back and
    # routes again to the same decision
    echo = by_point.event
    assert echo.area == GRID_1 and echo.location is not None and echo.location.lat == 31.23
    again = RoutingDecision.model_validate_json(by_point.model_dump_json())
    assert again == by_point
    assert router.route(again.event) == by_point


def test_the_area_wins_over_the_location(router: Router) -> None:
    decision = router.route(reported(area="外滩街道", location={"lat": 31.23, "long": 121.479}))
    assert decision.area == WAITAN


def test_a_point_outside_falls_back_on_the_address(router: Router) -> None:
    decision = router.route(reported(location={"lat": 31.3, "long": 121.6, "address": "福佑路"}))
    assert decision.area == FUYOU


@pytest.mark.parametrize(
    ("location", "key", "field"),
    [
        ({"lat": 31.3, "long": 121.6}, "event.location_outside", "location"),
        ({"address": "某某大厦"}, "event.location_no_address", "location"),
        ({"address": "淮海中路100号"}, "event.location_ambiguous", "location.address"),
    ],
)
def test_a_location_found_nowhere_is_refused_naming_it(
    router: Router, location: dict[str, Any], key: str, field: str
) -> None:
    with pytest.raises(InputError) as caught:
        router.route(reported(location=location), {"source": "test"})
    [problem] = caught.value.problems
    assert (problem.key, problem.field, problem.source) == (key, field, "test")


def test_the_sample_located_events_route_and_refuse_as_documented(
    cli: Cli, sample_url: str, tmp_path: Path
) -> None:
    out, rejects = tmp_path / "d.jsonl", tmp_path / "r.jsonl"
    result = cli("route-batch", LOCATED, "-o", out, "--rejects", rejects, db=sample_url)
    assert result.exit_code in (0, 1), result.output
    decided = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert {d["event_id"]: (d["area"], d["status"]) for d in decided} == {
        "HP-LOC-0001": (GRID_1, "routed"),
        "HP-LOC-0002": (RUIJIN, "fallback"),
        "HP-LOC-0003": (FUYOU, "routed"),
    }
    refused = [json.loads(line) for line in rejects.read_text(encoding="utf-8").splitlines()]
    assert [r["event_id"] for r in refused] == ["HP-LOC-0004", "HP-LOC-0005"]
    assert "淮海中路街道" in refused[0]["reasons"][0] and "瑞金二路街道" in refused[0]["reasons"][0]
    assert "outside every area shape" in refused[1]["reasons"][0]


def test_an_event_table_gives_the_location_in_columns(
    cli: Cli, sample_url: str, tmp_path: Path
) -> None:
    table = tmp_path / "events.csv"
    table.write_text(
        "编号,事项,上报时间,纬度,经度,地址\n"
        "C1,BJ0101,2026-03-02T09:20:00,31.23,121.479,\n"
        "C2,自来水井盖,2026-03-02T09:20:00,,,福佑路1号\n"
        "C3,自来水井盖,2026-03-02T09:20:00,31.23,,\n",
        encoding="utf-8",
    )
    out, rejects = tmp_path / "d.jsonl", tmp_path / "r.jsonl"
    cli("route-batch", table, "-o", out, "--rejects", rejects, db=sample_url)
    decided = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert [(d["event_id"], d["area"]) for d in decided] == [("C1", GRID_1), ("C2", FUYOU)]
    [refused] = [json.loads(line) for line in rejects.read_text(encoding="utf-8").splitlines()]
    assert refused["where"] == {"source": str(table), "row": 4}
    assert "field location" in refused["reasons"][0]


def test_an_event_table_without_area_or_location_columns_is_refused(
    cli: Cli, sample_url: str, tmp_path: Path
) -> None:
    table = tmp_path / "events.csv"
    table.write_text("id,matter,reported_at\nC1,BJ0101,2026-03-02T09:20:00\n", encoding="utf-8")
    result = cli("route-batch", table, "-o", tmp_path / "d.jsonl", db=sample_url)
    exits(result, 2)
    assert "area | lat, long | address" in result.output


# --- remit route --at / --address -------------------------------------------------------------


def test_route_at_a_point_and_at_an_address(cli: Cli, sample_url: str) -> None:
    common = ("--matter", "BJ0101", "--reported-at", "2026-03-02T10:00:00", "--format", "json")
    at = json.loads(ok(cli("route", *common, "--at", "31.23,121.479", db=sample_url)))
    assert at["area"] == GRID_1 and at["event"]["location"] == {"lat": 31.23, "long": 121.479}
    address = json.loads(ok(cli("route", *common, "--address", "瑞金二路409号", db=sample_url)))
    assert address["area"] == RUIJIN and address["event"]["location"] == {
        "address": "瑞金二路409号"
    }
    both = json.loads(
        ok(cli("route", *common, "--area", "外滩街道", "--at", "31.23,121.479", db=sample_url))
    )
    assert both["area"] == WAITAN


@pytest.mark.parametrize(
    ("option", "value", "en", "zh"),
    [
        ("--at", "31.3,121.6", "outside every area shape", "不在任何现行区域的图形内"),
        ("--address", "淮海中路", "several areas share", "多个区域共有"),
        ("--address", "某某大厦", "no address alias", "找不到任何现行区域的地址别名"),
        ("--at", "31.3", "is not a point", "不是坐标点"),
        ("--at", "91,121", "less than or equal to 90", "应不大于 90"),
    ],
)
def test_route_refuses_a_location_found_nowhere_in_both_languages(
    cli: Cli, sample_url: str, option: str, value: str, en: str, zh: str
) -> None:
    args = ("route", "--matter", "BJ0101", "--reported-at", "2026-03-02T10:00:00", option, value)
    english = exits(cli(*args, db=sample_url, lang="en"), 2).output
    assert en in english
    chinese = exits(cli(*args, db=sample_url, lang="zh"), 2).output
    assert zh in chinese and en not in chinese


def test_route_needs_an_area_or_a_location(cli: Cli, sample_url: str) -> None:
    result = cli("route", "--matter", "BJ0101", db=sample_url)
    assert result.exit_code == 2
    assert "--at LAT,LONG" in result.output


def test_event_in_echo_without_location_stays_as_it_was() -> None:
    plain = EventIn.model_validate(reported(area="310101002000"))
    assert "location" not in plain.model_dump_json()
