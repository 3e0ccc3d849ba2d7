"""`remit check` on the command line, on the hand-made registry of tests/fixtures/check (its
findings are worked out in test_check.py): exit codes (0 nothing reaches --fail-on, 1 something
does, 2 bad input, with nothing written), the report formats, the languages and the schemas."""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

import openpyxl
import pytest
from click.testing import Result

from remit import InputError, Registry
from remit.checks import CheckReport, FindingKind, check_registry, matter_key, run_check
from tests.factories import (
    FIXTURES,
    MINI,
    SPACED_CATALOGUE,
    Cli,
    exits,
    file_digest,
    init,
    schema_errors,
    schema_of,
    sqlite_path,
    sqlite_registry_url,
    write,
)

pytestmark = pytest.mark.usefixtures("wide_terminal")

CHECK = FIXTURES / "check"
AS_OF = "2026-07-01"
ERRORS_ON_AS_OF = 8  # 3 overlaps, 3 gaps, 1 out of jurisdiction, 1 referral cycle
CONFIG_INFO = "file: check-config\nseverity: {devolved_without_admission: info}\n"


@pytest.fixture(scope="module")
def url(tmp_path_factory: pytest.TempPathFactory) -> str:
    """The hand-made registry in SQLite; the check only reads it."""
    return sqlite_registry_url(
        tmp_path_factory.mktemp("check-cli") / "registry.db", CHECK / "registry"
    )


def check(cli: Cli, url: str, *args: object, lang: str = "en") -> Result:
    return cli("check", "--as-of", AS_OF, *args, db=url, lang=lang)


def tree(path: Path) -> list[Path]:
    return sorted(path.rglob("*"))


# --- exit codes ---------------------------------------------------------------------------------


def test_exit_0_when_nothing_reaches_fail_on(cli: Cli, url: str) -> None:
    # SJ0403: one warning (devolved without admission); --fail-on defaults to error
    result = exits(check(cli, url, "--matter", "SJ0403"), 0)
    assert "devolved without admission" in result.stdout
    assert "finding(s)" not in result.stderr
    # a matter without findings passes even --fail-on info
    clean = exits(check(cli, url, "--matter", "SJ0102", "--fail-on", "info"), 0)
    assert "No findings." in clean.stdout


def test_exit_1_when_a_finding_reaches_fail_on(cli: Cli, url: str, tmp_path: Path) -> None:
    warned = exits(check(cli, url, "--matter", "SJ0403", "--fail-on", "warning"), 1)
    assert "1 finding(s) at or above warning" in warned.stderr
    # the default: errors; the report is written all the same
    out = tmp_path / "report.json"
    failed = exits(check(cli, url, "--format", "json", "-o", out), 1)
    assert f"{ERRORS_ON_AS_OF} finding(s) at or above error" in failed.stderr
    assert f"Report written to {out}" in failed.stdout
    report = CheckReport.model_validate_json(out.read_text(encoding="utf-8"))
    assert report.severities["error"] == ERRORS_ON_AS_OF


def test_fail_on_info_with_a_severity_override(cli: Cli, url: str, tmp_path: Path) -> None:
    config = tmp_path / "check.yaml"
    config.write_text(CONFIG_INFO, encoding="utf-8")
    args = ("--matter", "SJ0403", "--config", config)
    exits(check(cli, url, *args, "--fail-on", "warning"), 0)
    result = exits(check(cli, url, *args, "--fail-on", "info"), 1)
    assert "1 finding(s) at or above info" in result.stderr


def test_against_fails_only_on_introduced_findings(cli: Cli, url: str) -> None:
    # the draft QZ-FGJ v2 resolves the SJ0601 overlap and introduces nothing: exit 0 although
    # errors remain; against 2025-06-01 the SJ0601 overlap (error) and a stale row (warning) are new
    resolved = exits(check(cli, url, "--against", "QZ-FGJ@2", "--format", "json"), 0)
    report = CheckReport.model_validate_json(resolved.stdout)
    assert report.comparison is not None and report.comparison.introduced == []
    assert [f.matter for f in report.comparison.resolved] == ["SJ0601"]
    assert report.worst() == "error"
    dated = exits(check(cli, url, "--against", "2025-06-01"), 1)
    assert "1 finding(s) at or above error" in dated.stderr
    warned = exits(check(cli, url, "--against", "2025-06-01", "--fail-on", "warning"), 1)
    assert "2 finding(s) at or above warning" in warned.stderr


# --- bad input: exit 2, the field named, nothing written --------------------------------------

BAD = {
    "unknown_area": (["--area", "NOPE"], ["field --area: no area 'NOPE' in the snapshot"]),
    "unknown_matter": (["--matter", "NOPE"], ["field --matter: no matter 'NOPE'"]),
    "unknown_list": (["--list", "NOPE"], ["field --list: no list 'NOPE' is in force"]),
    "bad_against": (["--against", "2025-02-30"], ["field --against", "is neither a date"]),
    "bad_against_version": (["--against", "QZ-FGJ@v2"], ["field --against"]),
    "unknown_version": (
        ["--against", "QZ-FGJ@7"],
        ["list QZ-FGJ has no version 7; versions: 1, 2"],
    ),
    "unknown_against_list": (["--against", "NOPE@1"], ["unknown list 'NOPE'"]),
    "bad_config_value": (
        ["--config", "{tmp}/bad.yaml"],
        ["bad.yaml, line 2, field hours_per_staff_year", "greater than 0"],
    ),
    "bad_config_severity": (
        ["--config", "{tmp}/severity.yaml"],
        ["severity.yaml, line 2, field severity.gap", "'info', 'warning' or 'error'"],
    ),
    "bad_config_key": (["--config", "{tmp}/key.yaml"], ["key.yaml, line 2, field colour"]),
    "bad_config_kind": (["--config", "{tmp}/kind.yaml"], ["field file", "check-config"]),
    "missing_config": (["--config", "{tmp}/none.yaml"], ["none.yaml"]),
    "missing_history": (["--history", "{tmp}/none.jsonl"], ["none.jsonl: no such file"]),
    "bad_history": (["--history", "{tmp}/bad.jsonl"], ["bad.jsonl, line 1", "SJ9999"]),
    "xlsx_to_stdout": (["--format", "xlsx"], ["--format xlsx needs -o FILE"]),
    "missing_directory": (
        ["-o", "{tmp}/missing/report.json"],
        ["cannot write here: directory", "missing does not exist"],
    ),
}
CONFIGS = {
    "bad.yaml": "file: check-config\nhours_per_staff_year: 0\n",
    "severity.yaml": "file: check-config\nseverity: {gap: fatal}\n",
    "key.yaml": "file: check-config\ncolour: red\n",
    "kind.yaml": "file: rules\n",
    "bad.jsonl": json.dumps(
        {"id": "X", "matter": "SJ9999", "area": "310101020000", "reported_at": "2026-01-01"}
    )
    + "\n",
}


@pytest.mark.parametrize(("args", "says"), BAD.values(), ids=BAD.keys())
def test_bad_input_exits_2_and_writes_nothing(
    cli: Cli, url: str, tmp_path: Path, args: list[str], says: list[str]
) -> None:
    for name, text in CONFIGS.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    argv = [a.replace("{tmp}", str(tmp_path)) for a in args]
    if "-o" not in argv and "xlsx" not in argv:
        argv += ["--format", "json", "-o", str(tmp_path / "report.json")]
    db = sqlite_path(url)
    before, files = file_digest(db), tree(tmp_path)
    result = exits(check(cli, url, *argv), 2)
    for text in says:
        assert text in result.stderr, result.stderr
    assert result.stdout == ""
    assert tree(tmp_path) == files  # no report, no temporary file
    assert file_digest(db) == before


def test_bad_input_in_chinese(cli: Cli, url: str, tmp_path: Path) -> None:
    out = tmp_path / "report.md"
    result = exits(check(cli, url, "--area", "NOPE", "--format", "md", "-o", out, lang="zh"), 2)
    assert "快照中没有区划 'NOPE'" in result.stderr
    assert "未写入任何内容" in result.stderr
    assert not out.exists()


@pytest.mark.parametrize("fmt", ["json", "xlsx"])
def test_output_into_a_directory_is_bad_input(cli: Cli, url: str, tmp_path: Path, fmt: str) -> None:
    # Bug: `-o` naming an existing directory passes the cli.py check (`output.parent.is_dir()`)
    # and fails in os.replace: "internal error: IsADirectoryError … This is a bug in remit",
    # exit 1. Expected: exit 2 and a message naming the path, as for a missing directory.
    target = tmp_path / "reports"
    target.mkdir()
    result = check(cli, url, "--format", fmt, "-o", target)
    assert result.exit_code == 2, result.stderr
    assert "internal error" not in result.stderr
    assert str(target) in result.stderr
    assert tree(tmp_path) == [target]


# --- formats ------------------------------------------------------------------------------------


def test_the_schema_check_finds_errors() -> None:
    report_schema = schema_of("check-report")
    errors = "\n".join(
        schema_errors(
            {"as_of": "someday", "config": {"hours_per_staff_year": 0}, "extra": 1, "load": [{}]},
            report_schema,
            report_schema,
        )
    )
    for text in (
        "missing snapshot_hash",
        "'someday' is not a date",
        "0 is not above 0",
        "unexpected extra",
        "$.load[0]: missing unit",
    ):
        assert text in errors


def test_schemas_of_the_report_and_the_config(cli: Cli) -> None:
    report_schema = schema_of("check-report")
    assert report_schema["title"] == "CheckReport"
    assert {"as_of", "snapshot_hash", "subject", "config"} <= set(report_schema["required"])
    assert {"findings", "load", "clusters", "comparison"} <= set(report_schema["properties"])
    assert report_schema["$defs"]["FindingKind"]["enum"] == [k.value for k in FindingKind]
    config_schema = schema_of("check-config")
    assert config_schema["title"] == "CheckConfig"
    assert config_schema["additionalProperties"] is False
    assert {"hours_per_staff_year", "overload_threshold", "severity"} <= set(
        config_schema["properties"]
    )
    # both are among the schemas `remit schema` prints without --kind
    everything = json.loads(exits(cli("schema"), 0).stdout)
    assert everything["check-report"] == report_schema
    assert everything["check-config"] == config_schema


def test_json_follows_the_report_schema(cli: Cli, url: str, tmp_path: Path) -> None:
    out = tmp_path / "report.json"
    exits(check(cli, url, "--format", "json", "-o", out, "--against", "QZ-FGJ@2"), 0)
    data = json.loads(out.read_text(encoding="utf-8"))
    report_schema = schema_of("check-report")
    assert schema_errors(data, report_schema, report_schema) == []
    report = CheckReport.model_validate(data)
    assert report.as_of == dt.date(2026, 7, 1)
    assert report.subject == "QZ-FGJ@2 @ 2026-07-01"
    assert report.counts["overlap"] == 2
    assert len(report.clusters) == 2
    # to standard output without -o: the same report
    stdout = exits(check(cli, url, "--format", "json", "--against", "QZ-FGJ@2"), 0).stdout
    assert json.loads(stdout) == data


def test_markdown_has_tables(cli: Cli, url: str, tmp_path: Path) -> None:
    out = tmp_path / "report.md"
    result = exits(check(cli, url, "--format", "md", "-o", out), 1)
    assert f"Report written to {out}" in result.stdout
    text = out.read_text(encoding="utf-8")
    lines = text.splitlines()
    assert lines[0].startswith("# ")
    separators = [line for line in lines if re.fullmatch(r"\|(-+:?\|)+", line)]
    assert len(separators) >= 5  # summary, findings per kind, load, clusters …
    assert "| location_type = park, severity ≥ 3 |" in text
    assert "\x1b[" not in text


def test_html_is_a_document(cli: Cli, url: str, tmp_path: Path) -> None:
    out = tmp_path / "report.html"
    exits(check(cli, url, "--format", "html", "-o", out), 1)
    text = out.read_text(encoding="utf-8")
    assert text.startswith("<!DOCTYPE html>")
    assert text.rstrip().endswith("</html>")
    assert "区城市管理行政执法局" in text
    assert "location_type = park, severity ≥ 3" in text


def test_xlsx_opens(cli: Cli, url: str, tmp_path: Path) -> None:
    out = tmp_path / "report.xlsx"
    result = exits(check(cli, url, "--format", "xlsx", "-o", out), 1)
    assert f"Report written to {out}" in result.stdout
    book = openpyxl.load_workbook(out, read_only=True)
    try:
        names = book.sheetnames
        header, *gaps = list(book["gap"].iter_rows(values_only=True))
    finally:
        book.close()
    assert names[0] == "Summary" and {"overlap", "gap", "Load", "Clusters"} <= set(names)
    gap = dict(zip(header, next(row for row in gaps if "SJ0101" in row), strict=True))
    assert gap["Region"] == "location_type = park, severity ≥ 3"
    assert gap["Cells"] == 10
    assert [p.name for p in tmp_path.iterdir()] == ["report.xlsx"]  # no temporary file left


def test_text_to_a_file_has_no_colour(cli: Cli, url: str, tmp_path: Path) -> None:
    out = tmp_path / "report.txt"
    exits(check(cli, url, "--matter", "SJ0101", "-o", out), 1)
    text = out.read_text(encoding="utf-8")
    assert "Summary" in text and "location_type = park, severity ≥ 3" in text
    assert "\x1b[" not in text


def test_the_format_follows_the_file_name(cli: Cli, url: str, tmp_path: Path) -> None:
    html, md, plain = tmp_path / "report.html", tmp_path / "report.md", tmp_path / "report"
    exits(check(cli, url, "--matter", "SJ0101", "-o", html), 1)
    assert html.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    exits(check(cli, url, "--matter", "SJ0101", "-o", md), 1)
    assert md.read_text(encoding="utf-8").startswith("# ")
    exits(check(cli, url, "--matter", "SJ0101", "-o", plain), 1)  # no suffix: text
    assert "Summary" in plain.read_text(encoding="utf-8")
    json_file = tmp_path / "report.JSON"
    exits(check(cli, url, "--matter", "SJ0101", "-o", json_file), 1)
    assert json.loads(json_file.read_text(encoding="utf-8"))["as_of"] == AS_OF


CHECK_WRITES = "text (.txt), json (.json), md (.md), html (.html, .htm), xlsx (.xlsx)"


@pytest.mark.parametrize(
    ("name", "args", "says"),
    [
        ("x.pdf", [], f"this command does not write .pdf files; it writes {CHECK_WRITES}"),
        ("x.pdf", ["--format", "html"], "does not write .pdf files"),
        ("x.csv", [], f"does not write .csv files; it writes {CHECK_WRITES}"),
        ("x.html", ["--format", "json"], "the suffix .html is for html, not for --format json"),
        ("x.xlsx", ["--format", "md"], "end the file name in .md or leave out --format"),
    ],
)
def test_a_file_name_of_another_format_is_refused(
    cli: Cli, url: str, tmp_path: Path, name: str, args: list[str], says: str
) -> None:
    out = tmp_path / name
    result = exits(check(cli, url, "--matter", "SJ0101", *args, "-o", out), 2)
    assert f"{out}: " in result.stderr and says in result.stderr, result.stderr
    assert result.stdout == ""
    assert tree(tmp_path) == []  # nothing written


def test_a_refused_file_name_in_chinese(cli: Cli, url: str, tmp_path: Path) -> None:
    out = tmp_path / "报告.pdf"
    result = exits(check(cli, url, "-o", out, lang="zh"), 2)
    assert "本命令不能写出 .pdf 文件；可写的格式：text (.txt)" in result.stderr
    assert not out.exists()


# --- languages ----------------------------------------------------------------------------------


def test_chinese_report(cli: Cli, url: str, tmp_path: Path) -> None:
    result = exits(check(cli, url, "--matter", "SJ0101", lang="zh"), 1)
    assert "权责清单检查报告" in result.stdout
    assert "遗漏" in result.stdout
    assert "1 项发现达到或超过" in result.stderr

    out = tmp_path / "report.md"
    exits(check(cli, url, "--matter", "SJ0101", "--format", "md", "-o", out, lang="zh"), 1)
    text = out.read_text(encoding="utf-8")
    assert "地点类型 = 公园，严重程度 ≥ 3" in text
    assert "这些情形无主办单位，也无不负责条目转交" in text

    data = json.loads(exits(check(cli, url, "--format", "json", lang="zh"), 1).stdout)
    assert data["lang"] == "zh"
    messages = [f["message"] for f in data["findings"]]
    assert all(re.search(r"[\u4e00-\u9fff]", m) for m in messages)
    assert "区城市管理行政执法局、区市场监督管理局 均主办这些情形" in messages


# --- the history option ----------------------------------------------------------------------


def test_history_and_config(cli: Cli, url: str, tmp_path: Path) -> None:
    config = tmp_path / "check.yaml"
    config.write_text(
        "file: check-config\nhours_per_staff_year: 10\ndefault_hours_per_case: 3\n",
        encoding="utf-8",
    )
    result = check(
        cli, url, "--history", CHECK / "history.jsonl", "--config", config, "--format", "json"
    )
    report = CheckReport.model_validate_json(exits(result, 1).stdout)
    assert report.volume_source == "history"
    assert report.config.hours_per_staff_year == 10
    # 五里桥街道办事处: 2 events × 2 h in 73 days → 20 h a year against 10 h
    [overload] = [f for f in report.findings if f.kind is FindingKind.overload]
    assert overload.units == ["WLQ"]
    assert overload.details["load_index"] == 2.0


# --- --matter as an event names it ----------------------------------------------------------------


@pytest.mark.parametrize(
    "given", ["SJ0403", "违规养犬", "事件:违规养犬", "event：SJ0403", "违规养犬 "]
)
def test_matter_by_code_space_name_or_alias(cli: Cli, url: str, given: str) -> None:
    result = exits(check(cli, url, "--matter", given, "--format", "json"), 0)
    report = CheckReport.model_validate_json(result.stdout)
    assert report.filters == {"matter": "SJ0403"}
    assert [f.matter for f in report.findings] == ["SJ0403"]


def test_an_unknown_matter_is_named_with_a_hint(cli: Cli, url: str) -> None:
    result = exits(check(cli, url, "--matter", "违规养狗"), 2)
    assert "field --matter: no matter '违规养狗' in the catalogue in force" in result.stderr
    assert "违规养犬" in result.stderr  # did you mean
    zh = exits(check(cli, url, "--matter", "部件:SJ0403", lang="zh"), 2)
    assert "现行事项目录中没有事项 '部件:SJ0403'" in zh.stderr


@pytest.fixture
def spaced_url(tmp_path: Path) -> str:
    """The mini tree with a catalogue in force whose codes and names repeat across spaces."""
    url = f"sqlite:///{tmp_path / 'spaced.db'}"
    published = SPACED_CATALOGUE.replace(
        "status: draft", "status: published\n    effective_from: 2024-01-01"
    )
    init(url, MINI, write(tmp_path / "cat.yaml", published))
    return url


@pytest.mark.parametrize("given", ["0101", "施工公示牌"])
def test_a_matter_several_spaces_share_is_refused_naming_them(
    cli: Cli, spaced_url: str, given: str
) -> None:
    result = exits(cli("check", "--matter", given, db=spaced_url), 2)
    assert "field --matter: matter" in result.stderr and "several code spaces" in result.stderr
    assert "component:01" in result.stderr and "event:01" in result.stderr
    zh = exits(cli("check", "--matter", given, db=spaced_url, lang="zh"), 2)
    assert "存在于多个编码空间" in zh.stderr


def test_a_space_picks_the_matter(cli: Cli, spaced_url: str) -> None:
    for given, key in (("部件:0101", "component.0101"), ("事件:施工公示牌", "event.0102")):
        result = cli("check", "--matter", given, "--format", "json", db=spaced_url)
        assert result.exit_code in (0, 1), result.stderr
        assert CheckReport.model_validate_json(result.stdout).filters == {"matter": key}


def test_the_python_api_resolves_the_matter(tmp_path: Path, spaced_url: str) -> None:
    with Registry(spaced_url) as registry:
        snapshot = registry.snapshot()
        assert matter_key(snapshot, "event:0101") == "event.0101"
        assert run_check(snapshot, matter="私搭乱建").filters == {"matter": "event.0101"}
        assert check_registry(registry, matter="部件:施工公示牌").filters == {
            "matter": "component.0102"
        }
        with pytest.raises(InputError) as err:
            matter_key(snapshot, "0102")
        [problem] = err.value.problems
        assert (problem.key, problem.field) == ("ref.ambiguous_space", "--matter")
        assert "component:0102 施工公示牌, event:0102 施工公示牌" in problem.render("en")
