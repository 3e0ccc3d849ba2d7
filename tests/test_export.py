"""Exporting lists: YAML (every version, re-importable with identical hashes) and one version as
CSV (UTF-8 with BOM) or XLSX in the layout a table import reads back without a mapping."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
import yaml
from openpyxl import load_workbook

from remit import InputError, ListVersion, Registry
from remit.legal import LegalBasisKind
from remit.registry.entities import ProvenanceKind
from remit.registry.table_import import EXPORT_COLUMNS
from tests.factories import MINI, Cli, contents, file_digest, read_csv, sqlite_registry, write

pytestmark = pytest.mark.usefixtures("wide_messages")

D = dt.date
HEADER = [
    "事项编码",
    "事项名称",
    "责任单位",
    "角色",
    "区域",
    "条件",
    "时限",
    "法律依据",
    "优先级",
    "复核日期",
    "备注",
    "转交单位",
]

# A list whose rows use every column, every role, every kind of condition and time limit unit,
# and only legal bases whose kind is the one their title implies (see the round-trip test).
ROUND_TRIP_LIST = """\
file: list
id: QZ-RT
name: 往返测试清单
kind: department
issuer: 区城管执法局
scope: 黄浦区
versions:
  - version: 1
    status: published
    effective_from: 2025-01-01
    author: 法制科
    duties:
      - matter: SJ0501
        unit: CGJ
        when: {location_type: road, severity: {gte: 3}}
        time_limit: 2小时
        legal_basis:
          - 《上海市城市管理综合行政执法条例》第二十条
          - 《中华人民共和国行政处罚法》第十八条
        priority: 10
        review_by: 2026-06-30
        note: "夜间由值班队员处置, 含“节假日”\\n详见附件"
      - {matter: SJ0501, unit: LRJ, role: assist, when: {location_type: {in: [pavement, park]}}, time_limit: 4紧急工作时}
      - {matter: SJ0501, unit: NJDL, role: supervise, when: {severity: {in: [1, 3]}}, time_limit: 1.5小时}
      - {matter: SJ0502, unit: NJDL, area: 示例一居委, when: {location_type: {not_in: [road]}}, note: "=见附件二"}
      - {matter: BJ0101, unit: GAS, when: {damaged: true}, time_limit: 2工作日, legal_basis: 《上海市燃气管理条例》}
      - {matter: BJ0101, unit: FGJ, role: not_responsible, refer_to: 上海燃气, when: {damaged: false}, time_limit: 30分钟}
      - {matter: RX0101, unit: FGJ, time_limit: 15天, legal_basis: 《关于加强群租治理的通知》, priority: -1}
      - matter: RX0101
        unit: WLQ
        role: assist
        time_limit: 3个月
        legal_basis:
          - {kind: government_rule, title: 上海市居住房屋租赁管理规定, article: 第五条}
          - {kind: government_rule, title: 上海市住房租赁管理办法}
"""


def _versions(registry: Registry, list_id: str) -> tuple[ListVersion, ...]:
    return next(s for s in registry.lists() if s.info.id == list_id).versions


def fresh_registry(path: Path, *files: Path) -> Registry:
    """A new SQLite registry with the mini tree's areas and units, and ``files``."""
    return sqlite_registry(path, MINI / "areas.yaml", MINI / "units.yaml", *files, by=None)


def meta(version: ListVersion) -> tuple[object, ...]:
    return (
        version.version,
        version.status,
        version.effective_from,
        version.effective_to,
        version.author,
        version.note,
        version.row_count,
        version.content_hash,
        version.parent_hash,
    )


# --- CSV and XLSX -------------------------------------------------------------------------------


def test_csv_has_a_bom_and_the_import_layout(mini_registry: Registry, tmp_path: Path) -> None:
    out = tmp_path / "cgj-v1.csv"
    assert mini_registry.export("QZ-CGJ", "csv", out, version=1) == 3
    assert out.read_bytes().startswith(b"\xef\xbb\xbf\xe4\xba\x8b")  # BOM, then 事
    # the columns of case standards (立案标准, 立案条件, 结案条件) only for a list that has them
    assert list(EXPORT_COLUMNS.values()) == [*HEADER, "立案标准", "立案条件", "结案条件"]
    assert read_csv(out) == [
        HEADER,
        [
            "SJ0501",
            "无照经营游商",
            "区城市管理行政执法局",
            "主办",
            "310101000000",
            "location_type = road",
            "2小时",
            "《上海市城市管理综合行政执法条例》",
            "",
            "",
            "",
            "",
        ],
        ["SJ0501", "无照经营游商", "区绿化和市容管理局", "协办", "310101000000", *[""] * 7],
        [
            "BJ0101",
            "燃气井盖",
            "上海燃气有限公司",
            "主办",
            "310000000000",
            "",
            "2工作日",
            *[""] * 5,
        ],
    ]


def test_version_option_selects_the_version(
    cli: Cli, mini_registry: Registry, db_url: str, tmp_path: Path
) -> None:
    default, first = tmp_path / "default.csv", tmp_path / "v1.csv"
    result = cli("registry", "export", "QZ-CGJ", "--format", "csv", "-o", default, db=db_url)
    assert result.exit_code == 0, result.output
    assert f"Wrote {default} (3 rows)." in result.output
    result = cli(
        "registry", "export", "QZ-CGJ", "--format", "csv", "--version", "1", "-o", first, db=db_url
    )
    assert result.exit_code == 0, result.output
    # version 1 limits 游商 to roads; version 2 (in force today) does not
    assert read_csv(first)[1][5] == "location_type = road"
    assert read_csv(default)[1][5] == ""
    assert [r[:4] for r in read_csv(default)] == [r[:4] for r in read_csv(first)]


def test_xlsx_header_row_is_the_chinese_column_names(
    mini_registry: Registry, tmp_path: Path
) -> None:
    mini_registry.import_files([write(tmp_path / "rt.yaml", ROUND_TRIP_LIST)])
    out = tmp_path / "rt.xlsx"
    assert mini_registry.export("QZ-RT", "xlsx", out) == 8
    book = load_workbook(out)
    assert book.sheetnames == ["QZ-RT v1"]
    sheet = book["QZ-RT v1"]
    assert [c.value for c in sheet[1]] == HEADER
    assert all(c.font.b for c in sheet[1]) and sheet.freeze_panes == "A2"
    assert sheet.max_row == 9
    assert [c.value for c in sheet[2]][:8] == [
        "SJ0501",
        "无照经营游商",
        "区城市管理行政执法局",
        "主办",
        "310101000000",
        "location_type = road; severity = 3..4",
        "2小时",
        "《上海市城市管理综合行政执法条例》第二十条；《中华人民共和国行政处罚法》第十八条",
    ]
    # text that looks like a formula stays text
    [note] = [c for r in sheet.iter_rows(min_row=2) for c in r if c.value == "=见附件二"]
    assert note.data_type == "s"


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_table_export_reimports_as_an_equal_draft(
    mini_registry: Registry, tmp_path: Path, fmt: str
) -> None:
    """Export → table → import without a mapping gives a draft with the same rows (and so the
    same content hash).

    What a table does not carry: provenance (there is no column for it); the kind of a legal
    basis, which a table import infers from the end of the title (条例 → regulation, 法 → law,
    规定/办法 → government_rule, 通知 → notice …), so a basis filed with another kind comes
    back with the inferred one; and the version's metadata (author, note, dates), which is not
    part of the rows. Units are written by name, areas by code, matters by code and name;
    cells are stripped of surrounding blanks.
    """
    mini_registry.import_files([write(tmp_path / "rt.yaml", ROUND_TRIP_LIST)])
    original = mini_registry.version("QZ-RT", 1)
    out = tmp_path / f"rt.{fmt}"
    mini_registry.export("QZ-RT", fmt, out)
    mini_registry.import_table(out, "QZ-RT")

    draft = mini_registry.version("QZ-RT", 2)
    assert contents(draft.duties) == contents(original.duties)
    assert draft.content_hash == original.content_hash
    assert draft.row_count == 8
    notes = {d.note for d in draft.duties if d.note}
    assert notes == {"夜间由值班队员处置, 含“节假日”\n详见附件", "=见附件二"}


def test_what_a_table_does_not_carry(reg: Registry, tmp_path: Path) -> None:
    """Provenance is dropped; a legal basis whose kind disagrees with its title comes back with
    the kind its title implies."""
    reg.import_files(
        [
            write(
                tmp_path / "njdl.yaml",
                (MINI / "lists" / "street-njdl.yaml").read_text(encoding="utf-8")
                + "  - version: 2\n    status: draft\n    duties:\n"
                "      - matter: RX0101\n        unit: NJDL\n"
                "        provenance: {kind: devolved, source: QZ-FGJ}\n"
                "        legal_basis: [{kind: normative_document, title: 街道群租整治条例}]\n",
            )
        ]
    )
    [before] = reg.version("JD-NJDL", 2).duties
    assert before.provenance is not None and before.provenance.kind is ProvenanceKind.devolved
    out = tmp_path / "njdl.csv"
    reg.export("JD-NJDL", "csv", out, version=2)
    reg.import_table(out, "JD-NJDL")

    [after] = reg.version("JD-NJDL", 2).duties
    assert after.provenance is None
    assert [(b.kind, b.title) for b in after.legal_basis] == [
        (LegalBasisKind.regulation, "街道群租整治条例")
    ]
    expected = {k: v for k, v in before.content().items() if k != "provenance"}
    expected["legal_basis"] = [{"kind": "regulation", "title": "街道群租整治条例"}]
    assert after.content() == expected


def test_catalogue_is_not_exported_as_a_table(
    cli: Cli, mini_registry: Registry, db_url: str, tmp_path: Path
) -> None:
    for fmt in ("csv", "xlsx"):
        out = tmp_path / f"cat.{fmt}"
        result = cli("registry", "export", "CAT", "--format", fmt, "-o", out, db=db_url)
        assert result.exit_code == 2, result.output
        assert "CAT is the matter catalogue; it exports as YAML only" in result.stderr
        assert not out.exists()


def test_unknown_list_version_or_format(
    cli: Cli, reg: Registry, sqlite_url: str, tmp_path: Path
) -> None:
    out = tmp_path / "out.csv"
    result = cli(
        "registry",
        "export",
        "QZ-CGJ",
        "--format",
        "csv",
        "--version",
        "9",
        "-o",
        out,
        db=sqlite_url,
    )
    assert result.exit_code == 2
    assert "list QZ-CGJ has no version 9; versions: 1, 2" in result.stderr
    result = cli("registry", "export", "QZ-NOPE", "--format", "xlsx", "-o", out, db=sqlite_url)
    assert result.exit_code == 2
    assert (
        "unknown list 'QZ-NOPE'; known lists: AREAS, CAT, JD-NJDL, QZ-CGJ, UNITS" in result.stderr
    )
    result = cli("registry", "export", "QZ-CGJ", "--format", "json", "-o", out, db=sqlite_url)
    assert result.exit_code == 2  # click refuses the choice
    with pytest.raises(ValueError, match="unknown table format 'json'; expected csv or xlsx"):
        reg.export("QZ-CGJ", "json", out)
    assert not out.exists()


def test_the_file_name_gives_the_format(
    cli: Cli, reg: Registry, sqlite_url: str, tmp_path: Path
) -> None:
    for name in ("qz.csv", "qz.xlsx", "qz.yml", "QZ.YAML"):
        out = tmp_path / name
        result = cli("registry", "export", "QZ-CGJ", "-o", out, db=sqlite_url)
        assert result.exit_code == 0, result.output
        assert f"Wrote {out}" in result.output
    assert read_csv(tmp_path / "qz.csv")[0] == HEADER
    book = load_workbook(tmp_path / "qz.xlsx", read_only=True)
    assert book.sheetnames
    book.close()
    assert yaml.safe_load((tmp_path / "qz.yml").read_text(encoding="utf-8"))["id"] == "QZ-CGJ"
    assert (tmp_path / "QZ.YAML").read_bytes() == (tmp_path / "qz.yml").read_bytes()


@pytest.mark.parametrize(
    ("name", "args", "says"),
    [
        ("qz.xlsx", ["--format", "csv"], "the suffix .xlsx is for xlsx, not for --format csv"),
        ("qz.csv", ["--format", "yaml"], "end the file name in .yaml/.yml or leave out --format"),
        ("qz.pdf", [], "does not write .pdf files; it writes yaml (.yaml, .yml), csv (.csv)"),
        ("qz.json", [], "does not write .json files"),
        ("qz", [], "the file name does not say which format to write; give --format"),
    ],
)
def test_a_file_name_of_another_format_is_refused(
    cli: Cli,
    reg: Registry,
    sqlite_url: str,
    tmp_path: Path,
    name: str,
    args: list[str],
    says: str,
) -> None:
    out = tmp_path / name
    before = sorted(tmp_path.iterdir())
    result = cli("registry", "export", "QZ-CGJ", *args, "-o", out, db=sqlite_url)
    assert result.exit_code == 2, result.output
    assert f"{out}: " in result.stderr and says in result.stderr, result.stderr
    assert not out.exists() and sorted(tmp_path.iterdir()) == before


def test_a_refused_name_and_an_unknown_list_are_reported_at_once(
    cli: Cli, reg: Registry, sqlite_url: str, tmp_path: Path
) -> None:
    out = tmp_path / "nope.pdf"
    result = cli("registry", "export", "QZ-NOPE", "-o", out, db=sqlite_url, lang="zh")
    assert result.exit_code == 2, result.output
    assert "发现 2 个问题" in result.stderr
    assert "QZ-NOPE" in result.stderr and "本命令不能写出 .pdf 文件" in result.stderr
    assert not out.exists()


# --- YAML ---------------------------------------------------------------------------------------


def test_yaml_export_reimports_with_identical_hashes(
    mini_registry: Registry, tmp_path: Path
) -> None:
    table = tmp_path / "draft.csv"
    mini_registry.export("QZ-CGJ", "csv", table, version=1)
    mini_registry.import_table(table, "QZ-CGJ", by="王科员", note="恢复道路条件")
    exported = {}
    for list_id in ("QZ-CGJ", "JD-NJDL", "CAT"):
        exported[list_id] = tmp_path / f"{list_id}.yaml"
        rows = mini_registry.export(list_id, "yaml", exported[list_id])
        assert rows == sum(v.row_count for v in _versions(mini_registry, list_id))
    document = yaml.safe_load(exported["QZ-CGJ"].read_text(encoding="utf-8"))
    assert (document["file"], document["id"], document["kind"]) == ("list", "QZ-CGJ", "department")
    assert [(v["version"], v["status"]) for v in document["versions"]] == [
        (1, "published"),
        (2, "published"),
        (3, "draft"),
    ]

    fresh = fresh_registry(tmp_path / "fresh.db", *exported.values())
    for list_id in exported:
        assert [meta(v) for v in _versions(fresh, list_id)] == [
            meta(v) for v in _versions(mini_registry, list_id)
        ]
        for version in _versions(fresh, list_id):
            again = fresh.version(list_id, version.version)
            original = mini_registry.version(list_id, version.version)
            assert contents(again.duties) == contents(original.duties)
            assert [m.content() for m in again.matters] == [m.content() for m in original.matters]
    assert fresh.snapshot(D(2026, 1, 1)).hash == mini_registry.snapshot(D(2026, 1, 1)).hash
    fresh.close()
    # and into the registry it came from, it changes nothing
    assert not mini_registry.import_files(list(exported.values())).changed


def test_cli_yaml_export(cli: Cli, reg: Registry, sqlite_url: str, tmp_path: Path) -> None:
    out = tmp_path / "cgj.yaml"
    before = file_digest(tmp_path / "registry.db")
    result = cli("registry", "export", "QZ-CGJ", "--format", "yaml", "-o", out, db=sqlite_url)
    assert result.exit_code == 0, result.output
    assert f"Wrote {out} (6 rows)." in result.output
    assert file_digest(tmp_path / "registry.db") == before
    text = out.read_text(encoding="utf-8")
    assert text.startswith("file: list\nid: QZ-CGJ\nname: 区城管执法局权责清单\n")
    assert "effective_from: 2025-07-01\n" in text and "\\u" not in text
    fresh = fresh_registry(tmp_path / "fresh.db", MINI / "catalogue.yaml", out)
    assert [meta(v) for v in _versions(fresh, "QZ-CGJ")] == [
        meta(v) for v in _versions(reg, "QZ-CGJ")
    ]
    fresh.close()


def test_export_of_a_missing_registry_is_refused(tmp_path: Path) -> None:
    with pytest.raises(InputError) as err:
        Registry(f"sqlite:///{tmp_path / 'none.db'}").export("QZ-CGJ", "csv", tmp_path / "x.csv")
    assert "no registry at" in err.value.render("en")
    assert not (tmp_path / "none.db").exists() and not (tmp_path / "x.csv").exists()


def test_the_areas_and_the_units_export_as_their_files(tmp_path: Path) -> None:
    """`registry export AREAS|UNITS` writes the areas and the units (it wrote a list file with
    no rows); the sample's, exported, make a registry with the same snapshot hash."""
    from tests.factories import SAMPLE

    sample = sqlite_registry(tmp_path / "sample.db", SAMPLE)
    tree = tmp_path / "tree"
    (tree / "lists").mkdir(parents=True)
    for name in ("catalogue.yaml",):
        write(tree / name, (SAMPLE / name).read_text(encoding="utf-8"))
    for path in (SAMPLE / "lists").rglob("*.yaml"):
        write(tree / "lists" / path.name, path.read_text(encoding="utf-8"))
    for list_id, name in (("AREAS", "areas"), ("UNITS", "units")):
        rows = sample.export(list_id, "yaml", tree / f"{name}.yaml")
        document = yaml.safe_load((tree / f"{name}.yaml").read_text(encoding="utf-8"))
        assert (document["file"], document["id"]) == (name, list_id)
        assert rows == len(document["versions"][0][name]) > 0
    fresh = sqlite_registry(tmp_path / "fresh.db", tree)
    day = D(2026, 3, 2)
    assert fresh.snapshot(day).hash == sample.snapshot(day).hash
    fresh.close()
    sample.close()
