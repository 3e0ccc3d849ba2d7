"""Code spaces in the catalogue (部件/事件/热线 codes unique within a space), and catalogue imports
without a converter: a 12345 category tree (CSV/XLSX) and an Open311 GeoReport v2 service list
(JSON/XML, with its service definitions) — docs/registry.md, "Catalogues: spaces, 12345 trees,
Open311 service lists"."""

from __future__ import annotations

import datetime as dt
import random
from pathlib import Path

import openpyxl
import pytest

from remit import Registry
from remit.errors import InputError
from remit.events.model import EventIn
from remit.events.resolve import resolve_event
from remit.registry.catalogue_import import path_code
from remit.registry.entities import MatterKind
from tests.factories import (
    MINI,
    ROOT,
    SPACED_CATALOGUE,
    Cli,
    csv_bytes,
    exits,
    import_refused,
    init,
    ok,
    write,
)

SAMPLES = ROOT / "data" / "catalogues"
DAY = dt.date(2027, 1, 1)

# the GeoReport v2 spec's own examples (wiki.open311.org/GeoReport_v2, "GET Service List" and
# "GET Service Definition"), as the spec writes them: its JSON writes the codes as numbers
# with leading zeros, which is not JSON
SPEC_SERVICES_XML = """<?xml version="1.0" encoding="utf-8"?>
<services>
    <service>
        <service_code>001</service_code>
        <service_name>Cans left out 24x7</service_name>
        <description>Garbage or recycling cans that have been left out for more than 24 hours after collection. Violators will be cited.</description>
        <metadata>true</metadata>
        <type>realtime</type>
        <keywords>lorem, ipsum, dolor</keywords>
        <group>sanitation</group>
    </service>
    <service>
        <service_code>002</service_code>
        <metadata>true</metadata>
        <type>realtime</type>
        <keywords>lorem, ipsum, dolor</keywords>
        <group>street</group>
        <service_name>Construction plate shifted</service_name>
        <description>Metal construction plate covering the street or sidewalk has been moved.</description>
    </service>
    <service>
        <service_code>003</service_code>
        <metadata>true</metadata>
        <type>realtime</type>
        <keywords>lorem, ipsum, dolor</keywords>
        <group>street</group>
        <service_name>Curb or curb ramp defect</service_name>
        <description>Sidewalk curb or ramp has problems such as cracking, missing pieces, holes, and/or chipped curb.</description>
    </service>
</services>
"""
SPEC_SERVICES_JSON = """[
  {
    "service_code":001,
    "service_name":"Cans left out 24x7",
    "description":"Garbage or recycling cans that have been left out for more than 24 hours after collection. Violators will be cited.",
    "metadata":true,
    "type":"realtime",
    "keywords":"lorem, ipsum, dolor",
    "group":"sanitation"
  },
  {
    "service_code":002,
    "metadata":true,
    "type":"realtime",
    "keywords":"lorem, ipsum, dolor",
    "group":"street",
    "service_name":"Construction plate shifted",
    "description":"Metal construction plate covering the street or sidewalk has been moved."
  },
  {
    "service_code":003,
    "metadata":true,
    "type":"realtime",
    "keywords":"lorem, ipsum, dolor",
    "group":"street",
    "service_name":"Curb or curb ramp defect",
    "description":"Sidewalk curb or ramp has problems such as cracking, missing pieces, holes, and/or chipped curb."
  }
]
"""
SPEC_DEFINITION_XML = """<?xml version="1.0" encoding="utf-8"?>
<service_definition>
    <service_code>DMV66</service_code>
    <attributes>
        <attribute>
            <variable>true</variable>
            <code>WHISHETN</code>
            <datatype>singlevaluelist</datatype>
            <required>true</required>
            <datatype_description></datatype_description>
            <order>1</order>
            <description>What is the ticket/tag/DL number?</description>
            <values>
                <value>
                    <key>123</key>
                    <name>Ford</name>
                </value>
                <value>
                    <key>124</key>
                    <name>Chrysler</name>
                </value>
            </values>
        </attribute>
    </attributes>
</service_definition>
"""
SPEC_DEFINITION_JSON = """{
  "service_code":"DMV66",
  "attributes":[
    {
      "variable":true,
      "code":"WHISHETN",
      "datatype":"singlevaluelist",
      "required":true,
      "datatype_description":null,
      "order":1,
      "description":"What is the ticket/tag/DL number?",
      "values":[
        {"key":123, "name":"Ford"},
        {"key":124, "name":"Chrysler"}
      ]
    }
  ]
}
"""
DMV_SERVICE = (
    '[{"service_code": "DMV66", "service_name": "Abandoned vehicle", "metadata": true,'
    ' "type": "realtime", "group": "street"}]'
)


def _keys(registry: Registry, version: int) -> dict[tuple[str, str], str]:
    """(space, name) → key of the catalogue's matters."""
    return {(m.kind.value, m.name): m.code for m in registry.version("CAT", version).matters}


def _draft_list(tmp_path: Path, matter: str) -> Path:
    return write(
        tmp_path / "list.yaml",
        "file: list\nid: QZ-CGJ\nname: 区城管执法局权责清单\nkind: department\n"
        "versions:\n  - version: 3\n    status: draft\n    duties:\n"
        f"      - {{matter: '{matter}', unit: CGJ}}\n",
    )


# --- code spaces ------------------------------------------------------------------------------


def test_codes_and_names_repeat_across_spaces(reg: Registry, tmp_path: Path) -> None:
    reg.import_files([write(tmp_path / "cat.yaml", SPACED_CATALOGUE)])
    keys = _keys(reg, 2)
    assert keys["component", "上水井盖"] == "component.0101"
    assert keys["event", "私搭乱建"] == "event.0101"
    parents = {m.code: m.parent for m in reg.version("CAT", 2).matters}
    assert parents["event.0102"] == "event.01" and parents["component.0102"] == "component.01"
    assert keys["component", "燃气井盖"] == "BJ0101"  # a code one space alone has is as written


@pytest.mark.parametrize("given", ["0101", "施工公示牌"])
def test_a_shared_code_or_name_is_refused_naming_the_candidates(
    reg: Registry, tmp_path: Path, given: str
) -> None:
    reg.import_files([write(tmp_path / "cat.yaml", SPACED_CATALOGUE)])
    with pytest.raises(InputError) as exc:
        reg.import_files([_draft_list(tmp_path, given)])
    text = str(exc.value)
    assert "several code spaces" in text and "component:01" in text and "event:01" in text


@pytest.mark.parametrize(
    ("given", "key"),
    [
        ("部件:0101", "component.0101"),
        ("event：0101", "event.0101"),
        ("事件:施工公示牌", "event.0102"),
        ("事件:event.0102", "event.0102"),  # a stored key in its space
    ],
)
def test_a_qualified_code_or_name_resolves(
    reg: Registry, tmp_path: Path, given: str, key: str
) -> None:
    reg.import_files([write(tmp_path / "cat.yaml", SPACED_CATALOGUE)])
    reg.import_files([_draft_list(tmp_path, given)])
    assert [d.matter for d in reg.version("QZ-CGJ", 3).duties] == [key]


def test_an_event_names_its_space(reg: Registry, tmp_path: Path) -> None:
    reg.import_files([write(tmp_path / "cat.yaml", SPACED_CATALOGUE)])
    reg.publish("CAT", DAY)
    snapshot = reg.snapshot(DAY)
    raw = {"id": "e1", "area": "南京东路街道", "reported_at": "2027-01-02T10:00:00"}
    where = {"source": "test"}
    as_event = EventIn.model_validate({**raw, "matter": "0101", "space": "事件"})
    assert resolve_event(as_event, snapshot, where).matter == "event.0101"
    qualified = EventIn.model_validate({**raw, "matter": "部件:0101"})
    assert resolve_event(qualified, snapshot, where).matter == "component.0101"
    with pytest.raises(InputError, match="several code spaces"):
        resolve_event(EventIn.model_validate({**raw, "matter": "0101"}), snapshot, where)
    with pytest.raises(InputError, match="unknown code space 'road'"):
        resolve_event(
            EventIn.model_validate({**raw, "matter": "0101", "space": "road"}), snapshot, where
        )
    # the space is not kept in a decision: its event is in codes (keys)
    assert "space" not in as_event.model_dump()


def test_a_matter_keeps_its_key_when_another_space_takes_its_code(
    reg: Registry, tmp_path: Path
) -> None:
    first = SPACED_CATALOGUE.replace(
        '      - {code: "01", name: 市容环境, kind: event}\n'
        '      - {code: "0101", name: 私搭乱建, kind: event, parent: "01"}\n'
        '      - {code: "0102", name: 施工公示牌, kind: event, parent: "01"}\n',
        "",
    )
    reg.import_files([write(tmp_path / "cat.yaml", first)])
    assert _keys(reg, 2)["component", "上水井盖"] == "0101"
    reg.publish("CAT", DAY)
    reg.import_files(
        [write(tmp_path / "cat.yaml", SPACED_CATALOGUE.replace("version: 2", "version: 3"))]
    )
    keys = _keys(reg, 3)
    assert keys["component", "上水井盖"] == "0101"  # the duties naming 0101 stay valid
    assert keys["event", "私搭乱建"] == "event.0101"


def test_a_code_twice_in_one_space_is_still_refused(reg: Registry, tmp_path: Path) -> None:
    text = SPACED_CATALOGUE.replace(
        "name: 私搭乱建, kind: event", "name: 私搭乱建, kind: component"
    )
    with pytest.raises(InputError, match="0101"):
        reg.import_files([write(tmp_path / "cat.yaml", text)])


# --- 12345 trees ------------------------------------------------------------------------------

TREE_HEADER = [
    "一级分类",
    "一级编码",
    "二级分类",
    "二级编码",
    "三级分类",
    "三级编码",
    "处置时限",
    "对应事项",
]


def test_the_sample_tree_imports_with_its_crosswalk(sample_registry: Registry) -> None:
    reg = sample_registry
    reg.import_catalogue(SAMPLES / "hp-12345-tree.csv", "12345")
    draft = {m.code: m for m in reg.version("HP-SXML", 2).matters}
    assert draft["010201"].name == "井盖缺失破损" and draft["010201"].parent == "0102"
    assert draft["010201"].kind is MatterKind.hotline
    assert str(draft["010201"].default_time_limit) == "4紧急工作时"
    assert "010101" not in draft  # the same as 事件 SJ0101: its code is an alias of that
    assert {"hotline:010101", "hotline:违法搭建"} <= set(draft["SJ0101"].aliases)
    assert "RX0101" in draft  # the space's matters the tree does not name are kept
    reg.publish("HP-SXML", DAY)
    snapshot = reg.snapshot(DAY)
    raw = {"id": "e", "area": "南京东路街道", "reported_at": "2027-01-02T10:00:00"}
    for given in ("010101", "12345:010101", "热线:违法搭建"):
        event = EventIn.model_validate({**raw, "matter": given})
        assert resolve_event(event, snapshot, {}).matter == "SJ0101"


def test_codes_are_made_from_the_path_when_the_tree_has_none(reg: Registry, tmp_path: Path) -> None:
    rows = [
        ["城乡建设", "市容环卫", "道路保洁"],
        ["", "", "绿地脏乱"],
        ["", "市政设施", "井盖缺失"],
        ["住房保障", "房屋管理", "群租"],
    ]
    header = ["一级分类", "二级分类", "三级分类"]
    write(tmp_path / "a.csv", csv_bytes([header, *rows]))
    shuffled = rows[:]
    random.Random(1).shuffle(shuffled)
    full = [[rows[0][0], rows[0][1], r[2]] if i < 2 else r for i, r in enumerate(rows)]
    full[2] = ["城乡建设", "市政设施", "井盖缺失"]
    write(tmp_path / "b.csv", csv_bytes([header, *reversed(full)]))
    reg.import_catalogue(tmp_path / "a.csv", "12345")
    first = {(m.name, m.parent) for m in reg.version("CAT", 2).matters}
    codes = {m.name: m.code for m in reg.version("CAT", 2).matters if m.kind is MatterKind.hotline}
    assert codes["绿地脏乱"] == path_code("H", ["城乡建设", "市容环卫", "绿地脏乱"])
    assert codes["城乡建设"] == path_code("H", ["城乡建设"])
    reg.import_catalogue(tmp_path / "b.csv", "12345")  # other order, no merged cells
    assert {(m.name, m.parent) for m in reg.version("CAT", 2).matters} == first


def test_an_xlsx_tree_imports(reg: Registry, tmp_path: Path) -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(TREE_HEADER)
    sheet.append(
        ["城乡建设", "01", "市容环卫", "0101", "违法搭建", "010101", "5工作日", "事件:SJ0501"]
    )
    sheet.append(["", "", "", "", "道路保洁", "010102", "1工作日", ""])
    for columns in ("A2:A3", "B2:B3", "C2:C3", "D2:D3"):  # merged cells, as offices keep them
        sheet.merge_cells(columns)
    book.save(tmp_path / "tree.xlsx")
    reg.import_catalogue(tmp_path / "tree.xlsx", "12345", space="hotline")
    matters = {m.code: m for m in reg.version("CAT", 2).matters}
    assert matters["010102"].parent == "0101" and "hotline:010101" in matters["SJ0501"].aliases


@pytest.mark.parametrize(
    ("row", "expected"),
    [
        (["城乡建设", "01", "", "0101", "违法搭建", "010101", "", ""], "row 3, field 二级分类"),
        (
            ["城乡建设", "01", "市容环卫", "0101", "违法搭建", "010101", "五天", ""],
            "row 3, field 处置时限",
        ),
        (
            ["城乡建设", "01", "市容环卫", "0101", "违法搭建", "010101", "", "事件:SJ9999"],
            "row 3, field 对应事项",
        ),
        (
            ["城乡建设", "01", "市容环卫", "0101", "违法 搭建", "01/01", "", ""],
            "row 3, field 三级编码",
        ),
        (["城乡建设", "01", "市政设施", "0101", "井盖", "010102", "", ""], "row 3, field 二级编码"),
    ],
)
def test_a_bad_row_is_refused_with_its_row_and_column(
    cli: Cli, sqlite_url: str, tmp_path: Path, row: list[str], expected: str
) -> None:
    init(sqlite_url, MINI)
    first = ["城乡建设", "01", "市容环卫", "0101", "道路保洁", "010100", "", ""]
    path = write(tmp_path / "tree.csv", csv_bytes([TREE_HEADER, first, row]))
    problems = import_refused(cli, sqlite_url, path, "--format", "12345")
    assert any(expected in p for p in problems), problems


# --- Open311 ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "text"), [("services.xml", SPEC_SERVICES_XML), ("services.json", SPEC_SERVICES_JSON)]
)
def test_the_spec_service_list_imports(reg: Registry, tmp_path: Path, name: str, text: str) -> None:
    reg.import_catalogue(write(tmp_path / name, text), "open311")
    matters = {m.code: m for m in reg.version("CAT", 2).matters}
    assert matters["001"].name == "Cans left out 24x7"  # the code as written, zeros kept
    assert matters["001"].aliases == ("lorem", "ipsum", "dolor")
    street = path_code("G", ["street"])
    assert matters[street].name == "street"
    assert matters["002"].parent == street == matters["003"].parent
    assert matters["003"].description is not None and matters["003"].kind is MatterKind.hotline


@pytest.mark.parametrize(
    ("name", "text"), [("DMV66.xml", SPEC_DEFINITION_XML), ("DMV66.json", SPEC_DEFINITION_JSON)]
)
def test_a_service_definition_gives_attribute_domains(
    reg: Registry, tmp_path: Path, name: str, text: str
) -> None:
    (tmp_path / "services").mkdir()
    write(tmp_path / "services" / name, text)
    reg.import_catalogue(write(tmp_path / "services.json", DMV_SERVICE), "open311", space="事件")
    matter = next(m for m in reg.version("CAT", 2).matters if m.code == "DMV66")
    domain = matter.attributes["WHISHETN"]
    assert domain.model_dump() == {
        "type": "enum",
        "label": "What is the ticket/tag/DL number?",
        "values": ["123", "124"],
        "labels": {"123": "Ford", "124": "Chrysler"},
    }
    assert matter.kind is MatterKind.event


def test_the_sample_service_list_imports(sample_registry: Registry) -> None:
    sample_registry.import_catalogue(SAMPLES / "hp-open311-services.json", "open311")
    matters = {m.code: m for m in sample_registry.version("HP-SXML", 2).matters}
    assert set(matters["HP-311-001"].attributes) == {"location_type"}  # text is left out
    assert "井盖丢失" in matters["HP-311-001"].aliases


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('[{"service_code": "A1"}]', "field services[0].service_name"),
        ('[{"service_code": "A 1", "service_name": "x"}]', "field services[0].service_code"),
        ('[{"service_code": "A1", "service_name": "x"}, 5]', "field services[1]"),
        ('{"a": 1}', "expected an Open311 service list"),
        ('[{"service_code": "A1", "service_name": "x"', "line 1: not valid JSON"),
        (
            "<services><service><service_code>A1</service_code></service></services>",
            "field /services/service[1].service_name",
        ),
        (
            '<?xml version="1.0"?><!DOCTYPE s [<!ENTITY a "aaaaaaaaaa">'
            '<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]><services>&b;</services>',
            "declares a document type or entities",
        ),
        ("<services><service>", "line 1: not well-formed XML"),
    ],
)
def test_a_bad_service_list_is_refused_with_its_element(
    cli: Cli, sqlite_url: str, tmp_path: Path, text: str, expected: str
) -> None:
    init(sqlite_url, MINI)
    suffix = ".xml" if text.startswith("<") else ".json"
    path = write(tmp_path / f"services{suffix}", text)
    problems = import_refused(cli, sqlite_url, path, "--format", "open311")
    assert any(expected in p for p in problems), problems


def test_the_command_line(cli: Cli, sqlite_url: str, tmp_path: Path) -> None:
    init(sqlite_url, MINI)
    path = write(tmp_path / "services.xml", SPEC_SERVICES_XML)
    out = ok(
        cli("registry", "import", path, "--format", "open311", "--space", "12345", db=sqlite_url)
    )
    assert "CAT v2 (draft, 10 rows)" in out
    exits(cli("registry", "import", path, "--space", "部件", db=sqlite_url), 2)
    result = exits(
        cli("registry", "import", path, "--format", "open311", "--space", "road", db=sqlite_url), 2
    )
    assert "unknown code space 'road'" in result.stderr
    zh = exits(cli("registry", "import", path, "--space", "部件", db=sqlite_url, lang="zh"), 2)
    assert "编码空间" in zh.stderr


def test_route_takes_a_space(cli: Cli, sqlite_url: str, tmp_path: Path) -> None:
    init(sqlite_url, MINI)
    with Registry(sqlite_url) as reg:
        reg.import_files([write(tmp_path / "cat.yaml", SPACED_CATALOGUE)])
        reg.publish("CAT", DAY)
    event = ("route", "--matter", "0101", "--area", "南京东路街道", "--as-of", DAY)
    assert "several code spaces" in exits(cli(*event, db=sqlite_url), 2).stderr
    for given in (("--space", "事件"), ("--matter", "事件:0101")):
        result = cli(*event, *given, db=sqlite_url)
        assert "several code spaces" not in result.output + result.stderr
        assert "Traceback" not in result.output


def test_a_name_shared_within_one_space_is_ambiguous_not_across_spaces(
    reg: Registry, tmp_path: Path
) -> None:
    path = write(tmp_path / "tree.csv", csv_bytes([["一级分类", "二级分类"], ["房屋", "群租"]]))
    reg.import_catalogue(path, "12345")  # 群租 is RX0101 already, in the same space
    with pytest.raises(InputError, match="matter name '群租' is ambiguous") as exc:
        reg.import_files([_draft_list(tmp_path, "群租")])
    assert "RX0101" in str(exc.value)


def test_a_registry_without_a_catalogue_gets_one_named_by_list(
    empty_registry: Registry, tmp_path: Path
) -> None:
    path = write(tmp_path / "services.xml", SPEC_SERVICES_XML)
    with pytest.raises(InputError, match="no catalogue yet"):
        empty_registry.import_catalogue(path, "open311")
    empty_registry.import_catalogue(path, "open311", list_id="HOTLINE")
    assert empty_registry.version("HOTLINE", 1).row_count == 5


def test_deep_xml_is_refused(cli: Cli, sqlite_url: str, tmp_path: Path) -> None:
    init(sqlite_url, MINI)
    path = write(
        tmp_path / "services.xml", "<services>" + "<a>" * 100 + "</a>" * 100 + "</services>"
    )
    problems = import_refused(cli, sqlite_url, path, "--format", "open311")
    assert any("REMIT_MAX_JSON_DEPTH" in p for p in problems), problems
