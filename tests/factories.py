"""Builders the tests share: where the fixture trees are, files and registries, runs of the
command line and the checks on them, hand-made check reports, admission gates and requests,
events.

Plain functions, classes and constants only; the pytest fixtures built on them are in
conftest.py. Every ``AdmissionGate`` a test makes comes from :func:`admission_gate`.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import json
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner, Result
from hypothesis import HealthCheck

from remit import Registry
from remit.admission import (
    AdmissionConfig,
    AdmissionGate,
    AdmissionReport,
    AdmissionRequest,
    GateName,
    GateResult,
    GateStatus,
    load_config,
)
from remit.checks import CheckConfig, FindingKind, GraphCheck, run_check
from remit.checks.report import CheckReport
from remit.cli import main
from remit.conditions import AttributeDomain, EnumDomain, IntDomain
from remit.errors import InputError
from remit.findings import DutyRef, Finding, LoadIndex
from remit.hashing import canonical_json
from remit.registry.entities import Area, Duty, ListInfo, ListVersion, Unit, VersionStatus
from remit.registry.snapshot import ListInForce
from remit.registry.table_import import EXPORT_COLUMNS

# --- where things are ----------------------------------------------------------------------------

TESTS = Path(__file__).parent
FIXTURES = TESTS / "fixtures"
MINI = FIXTURES / "mini"
ROOT = TESTS.parent
SAMPLE = ROOT / "data" / "responsibility_lists"
"""The sample district (黄浦区), whose findings its README documents."""


SPACED_CATALOGUE = """file: catalogue
id: CAT
name: 测试事项目录
versions:
  - version: 2
    status: draft
    matters:
      - {code: SJ05, name: 街面秩序, kind: event}
      - {code: SJ0501, name: 无照经营游商, aliases: [游商], parent: SJ05, kind: event}
      - {code: SJ0502, name: 共享单车乱停放, parent: SJ05, kind: event}
      - {code: BJ0101, name: 燃气井盖, kind: component}
      - {code: RX0101, name: 群租, kind: hotline}
      - {code: "01", name: 公用设施, kind: component}
      - {code: "0101", name: 上水井盖, kind: component, parent: "01"}
      - {code: "0102", name: 施工公示牌, kind: component, parent: "01"}
      - {code: "01", name: 市容环境, kind: event}
      - {code: "0101", name: 私搭乱建, kind: event, parent: "01"}
      - {code: "0102", name: 施工公示牌, kind: event, parent: "01"}
"""
"""A catalogue (id CAT, draft version 2, for the mini tree) whose codes 01, 0101, 0102 and name
施工公示牌 are both a component's and an event's (keys component.0101, event.0101 …)."""


# --- files ---------------------------------------------------------------------------------------


def file_digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def write(path: Path, data: bytes | str) -> Path:
    """``data`` written to ``path`` (text as UTF-8); the path."""
    if isinstance(data, str):
        path.write_text(data, encoding="utf-8")
    else:
        path.write_bytes(data)
    return path


def rewritten(source: Path, target: Path, old: str, new: str) -> Path:
    """``source`` copied to ``target`` with every ``old`` replaced by ``new``; the target."""
    return write(target, source.read_text(encoding="utf-8").replace(old, new))


def edit(path: Path, old: str, new: str) -> None:
    """Replace the one occurrence of ``old`` in ``path`` (the test is wrong if there is not one)."""
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1, f"{old!r} occurs {text.count(old)} times in {path}"
    path.write_text(text.replace(old, new), encoding="utf-8")


def dump_yaml(root: Path, name: str, data: object) -> None:
    """Write ``data`` as the YAML file ``root/name`` (UTF-8, Chinese as it is)."""
    (root / name).write_text(
        yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8"
    )


def write_areas_and_units(root: Path, areas: Iterable[Area], units: Iterable[Unit]) -> None:
    """The ``areas.yaml`` and ``units.yaml`` files of generated areas and units."""
    dump_yaml(
        root,
        "areas.yaml",
        {
            "file": "areas",
            "areas": [
                {"code": a.code, "name": a.name, "level": a.level.value}
                | ({"parent": a.parent} if a.parent else {})
                for a in areas
            ],
        },
    )
    dump_yaml(
        root,
        "units.yaml",
        {
            "file": "units",
            "units": [
                {
                    "code": u.code,
                    "name": u.name,
                    "kind": u.kind.value,
                    "level": u.level.value,
                    "jurisdiction": u.jurisdiction,
                }
                for u in units
            ],
        },
    )


def csv_bytes(rows: list[list[str]], encoding: str = "utf-8") -> bytes:
    """``rows`` as CSV (CRLF line ends) in ``encoding``."""
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerows(rows)
    return buffer.getvalue().encode(encoding)


def row(**cells: str) -> list[str]:
    """A table row in the default (export) layout: ``row(matter="SJ0501", unit="CGJ")`` (the
    columns of case standards only when one of them is given, as an export writes them)."""
    names = list(EXPORT_COLUMNS)
    if not {"standard", "filing", "closing"} & set(cells):
        names = names[:-3]
    return [cells.get(name, "") for name in names]


def read_csv(path: Path) -> list[list[str]]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.reader(handle))


# --- registries ----------------------------------------------------------------------------------


def sqlite_path(url: str) -> Path:
    """The database file of a ``sqlite:///`` URL."""
    return Path(url.removeprefix("sqlite:///"))


def sqlite_registry(path: Path, *trees: Path, by: str | None = "fixture") -> Registry:
    """A new SQLite registry in the file ``path`` with ``trees`` imported in one import; the
    caller closes it."""
    registry = Registry.create(f"sqlite:///{path}")
    registry.import_files(list(trees), by=by)
    return registry


def sqlite_registry_url(path: Path, *trees: Path, by: str | None = "fixture") -> str:
    """As :func:`sqlite_registry`, closed: its URL, for tests that open it by URL."""
    sqlite_registry(path, *trees, by=by).close()
    return f"sqlite:///{path}"


def init(url: str, *paths: Path) -> None:
    """An empty registry at ``url``, then each of ``paths`` imported in turn."""
    with Registry.create(url) as registry:
        for path in paths:
            registry.import_files([path], by="setup")


def newest(registry: Registry, list_id: str) -> ListVersion:
    """The last version of ``list_id``, with its rows."""
    summary = next(s for s in registry.lists() if s.info.id == list_id)
    return registry.version(list_id, summary.versions[-1].version)


def contents(duties: tuple[Duty, ...]) -> set[str]:
    """The rows' contents, comparable across versions and registries."""
    return {canonical_json(d.content()) for d in duties}


def catalogue_in_force(effective_from: dt.date, row_count: int = 0) -> ListInForce:
    """An in-memory catalogue list ``CAT`` v1, published from ``effective_from``, for snapshots
    built by hand."""
    return ListInForce(
        ListInfo("CAT", "事项目录", "catalogue"),
        ListVersion(
            list_id="CAT",
            version=1,
            status=VersionStatus.published,
            effective_from=effective_from,
            effective_to=None,
            author=None,
            note=None,
            content_hash="0" * 64,
            parent_hash=None,
            row_count=row_count,
            created_at=dt.datetime(2025, 1, 1, tzinfo=dt.UTC),
        ),
    )


# --- the command line ----------------------------------------------------------------------------

Cli = Callable[..., Result]
"""The ``cli`` fixture: ``cli("registry", "lists", db=url, lang="en")`` → click Result."""


def invoke(*args: object, db: str | None = None, lang: str | None = "en") -> Result:
    """Run the CLI in-process with ``args`` (then ``--db`` and ``--lang`` when given)."""
    argv = [str(a) for a in args]
    if db is not None:
        argv += ["--db", db]
    if lang and argv and argv[0] != "--version":
        argv += ["--lang", lang]
    return CliRunner().invoke(main, argv, catch_exceptions=False)


def exits(result: Result, code: int) -> Result:
    """``result`` ended with ``code`` and printed no traceback."""
    assert result.exit_code == code, (result.stdout, result.stderr)
    assert "Traceback" not in result.output
    return result


def ok(result: Result) -> str:
    """The stdout of a command that must exit 0."""
    assert result.exit_code == 0, (result.stdout, result.stderr)
    return result.stdout


def refused_unchanged(cli: Cli, url: str, *args: object, lang: str = "en") -> Result:
    """Run a command that must exit 2, print nothing on stdout and leave the SQLite file of
    ``url`` byte for byte as it was."""
    db = sqlite_path(url)
    before = file_digest(db)
    result = cli(*args, db=url, lang=lang)
    assert result.exit_code == 2, (result.stdout, result.stderr)
    assert file_digest(db) == before
    assert result.stdout == ""
    return result


def failing(cli: Cli, url: str, *args: object, lang: str = "en") -> str:
    """The stderr of :func:`refused_unchanged`."""
    return refused_unchanged(cli, url, *args, lang=lang).stderr


def import_refused(cli: Cli, url: str, *args: object) -> list[str]:
    """Run ``registry import`` that must be refused, leaving the SQLite file of ``url`` as it was;
    the problem lines under the header that counts them."""
    db = sqlite_path(url)
    before = file_digest(db)
    result = cli("registry", "import", *args, db=url)
    assert result.exit_code == 2, result.output
    assert file_digest(db) == before
    header, *lines = result.stderr.strip().splitlines()
    count = int(header.split(" ")[0])
    # a table's problems are followed by its rows each way (and where all problems are)
    problems, footer = lines[:count], lines[count:]
    assert header == f"{len(problems)} problem(s) found; nothing was written."
    assert all(line.startswith(("rows read:", "every problem", "to have every")) for line in footer)
    return problems


def problem_line(stderr: str, source: Path | str) -> str:
    """The one line of ``stderr`` that reports a problem of ``source``."""
    lines = [line for line in stderr.splitlines() if line.startswith(f"{source}")]
    assert len(lines) == 1, stderr
    return lines[0]


def assert_located(
    stderr: str,
    source: Path | str,
    line: int | None,
    field: str | None,
    *expected: str,
) -> None:
    """One problem of ``source`` at ``line`` / ``field`` whose message says ``expected``."""
    text = problem_line(stderr, source)
    head, _, message = text.partition(": ")
    parts = head.split(", ")
    assert parts[0] == str(source)
    assert (f"line {line}" in parts) if line is not None else not any("line" in p for p in parts)
    assert (
        (f"field {field}" in parts) if field is not None else not any("field" in p for p in parts)
    )
    for phrase in expected:
        assert phrase in message, f"{phrase!r} not in {text!r}"


def schema_of(kind: str) -> dict[str, Any]:
    """The JSON Schema ``remit schema --kind KIND`` prints."""
    result = invoke("schema", "--kind", kind, lang=None)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def schema_errors(
    value: Any, schema: dict[str, Any], root: dict[str, Any], at: str = "$"
) -> list[str]:
    """``value`` against the JSON Schema that pydantic publishes (the parts it uses)."""
    if "$ref" in schema:
        return schema_errors(value, root["$defs"][schema["$ref"].rsplit("/", 1)[1]], root, at)
    if "anyOf" in schema:
        options = [schema_errors(value, option, root, at) for option in schema["anyOf"]]
        return [] if any(not errors for errors in options) else [e for o in options for e in o]
    if "const" in schema and value != schema["const"]:
        return [f"{at}: {value!r} is not {schema['const']!r}"]
    if "enum" in schema and value not in schema["enum"]:
        return [f"{at}: {value!r} is not one of {schema['enum']}"]
    checks = {
        "object": lambda v: isinstance(v, dict),
        "array": lambda v: isinstance(v, list),
        "string": lambda v: isinstance(v, str),
        "integer": lambda v: isinstance(v, int) and not isinstance(v, bool),
        "number": lambda v: isinstance(v, int | float) and not isinstance(v, bool),
        "boolean": lambda v: isinstance(v, bool),
        "null": lambda v: v is None,
    }
    kind = schema.get("type")
    if kind is not None and not checks[kind](value):
        return [f"{at}: {value!r} is not of type {kind}"]
    errors: list[str] = []
    if "exclusiveMinimum" in schema and not value > schema["exclusiveMinimum"]:
        errors.append(f"{at}: {value!r} is not above {schema['exclusiveMinimum']}")
    if kind == "string" and schema.get("format") in {"date", "date-time"}:
        try:
            (dt.date if schema["format"] == "date" else dt.datetime).fromisoformat(value)
        except ValueError:
            errors.append(f"{at}: {value!r} is not a {schema['format']}")
    if kind == "object":
        properties = schema.get("properties", {})
        errors += [f"{at}: missing {key}" for key in schema.get("required", []) if key not in value]
        extra = schema.get("additionalProperties", True)
        for key, item in value.items():
            if key in properties:
                errors += schema_errors(item, properties[key], root, f"{at}.{key}")
            elif extra is False:
                errors.append(f"{at}: unexpected {key}")
            elif isinstance(extra, dict):
                errors += schema_errors(item, extra, root, f"{at}.{key}")
    if kind == "array":
        if not schema.get("minItems", 0) <= len(value) <= schema.get("maxItems", len(value)):
            errors.append(f"{at}: {len(value)} items")
        prefix = schema.get("prefixItems", [])
        for i, item in enumerate(value):
            sub = prefix[i] if i < len(prefix) else schema.get("items", {})
            errors += schema_errors(item, sub, root, f"{at}[{i}]")
    return errors


# --- events --------------------------------------------------------------------------------------


def event(
    matter: str, area: str, reported_at: str, id: str = "E1", **fields: Any
) -> dict[str, Any]:
    """An event as it arrives (JSON): ``fields`` adds attributes, owner, repeat_count, …"""
    return {"id": id, "matter": matter, "area": area, "reported_at": reported_at, **fields}


# --- hand-made check reports ---------------------------------------------------------------------


def duty_ref(
    list_id: str, row: int, unit: str, area: str, version: int = 1, priority: int = 0
) -> DutyRef:
    """A lead row of ``unit`` in ``area``: row ``row`` of ``list_id`` v``version``."""
    return DutyRef(
        list_id=list_id,
        version=version,
        row=row,
        unit=unit,
        role="lead",
        area=area,
        priority=priority,
    )


def load_row(
    unit: str, level: str, kind: str, *, staff: int, workload_hours: float, events_per_year: float
) -> LoadIndex:
    """A unit's load: capacity 2000 h a staff-year, load index = workload ÷ capacity,
    overloaded above 1."""
    capacity = staff * 2000
    load_index = workload_hours / capacity
    return LoadIndex(
        unit=unit,
        level=level,
        kind=kind,
        staff=staff,
        capacity_hours=capacity,
        workload_hours=workload_hours,
        events_per_year=events_per_year,
        load_index=load_index,
        overloaded=load_index > 1,
    )


def check_report(*, findings: list[Finding], lang: str = "zh", **fields: Any) -> CheckReport:
    """A check report made by hand, as of 2026-11-28: ``findings`` counted by kind and severity
    (unless ``fields`` give ``counts`` and ``severities``), and ``fields`` (load, clusters,
    labels, comparison, …) as given."""
    counts: dict[str, int] = {}
    severities: dict[str, int] = {}
    for f in findings:
        counts[f.kind.value] = counts.get(f.kind.value, 0) + 1
        severities[f.severity.value] = severities.get(f.severity.value, 0) + 1
    data: dict[str, Any] = {
        "as_of": dt.date(2026, 11, 28),
        "snapshot_hash": "0123456789abcdef" * 4,
        "subject": "2026-11-28",
        "config": CheckConfig(),
        "lang": lang,
        "counts": counts,
        "severities": severities,
        "checked": {"matters": 113, "leaf_areas": 15, "cells": 4321, "duties": 461},
        "findings": findings,
    }
    data.update(fields)
    return CheckReport(**data)


# --- conditions ----------------------------------------------------------------------------------


def domain_values(domain: AttributeDomain) -> list[Any]:
    """Every value of a (finite) attribute domain, in order."""
    if isinstance(domain, EnumDomain):
        return list(domain.values)
    if isinstance(domain, IntDomain):
        return list(range(domain.min, domain.max + 1))
    return [True, False]


DETERMINISTIC: dict[str, Any] = {
    "deadline": None,
    "derandomize": True,
    "database": None,
    "suppress_health_check": list(HealthCheck),
}
"""Hypothesis settings of the long property tests: the same examples on every run."""


# --- admission -----------------------------------------------------------------------------------

REQUESTS = ROOT / "data" / "admission_requests"
"""The sample requests, effective 2027-01-01; ``admitted.yaml`` passes every gate."""
ADMITTED = REQUESTS / "admitted.yaml"
REQUESTS_CONFIG = REQUESTS / "config.yaml"
ADMISSION_CONFIG = load_config(REQUESTS_CONFIG)
SJ0108_HISTORY = FIXTURES / "admission" / "sj0108-history.jsonl"
SUBMITTER = "区绿化市容局经办人"
APPROVER, OTHER_APPROVER = "区委编办审核人", "区司法局审核人"  # the approvers in config.yaml
REQUEST_ID = "HP-ZR-2026-101"  # admitted.yaml
EFFECTIVE = dt.date(2027, 1, 1)  # the sample requests' effective_from
DAY_BEFORE, DAY_AFTER = dt.date(2026, 12, 31), dt.date(2027, 1, 2)
DISTRICT = "310101000000"  # 黄浦区, the sample district
NJDL, WT = "310101002000", "310101013000"  # 南京东路街道 and 外滩街道, which admitted.yaml names
CHECK_CONFIG = CheckConfig()  # the gate's norms in config.yaml are the graph check's defaults


def admission_gate(
    registry: Registry, config: AdmissionConfig | None = None, **kw: Any
) -> AdmissionGate:
    """The admission gate on ``registry`` (with ``config``, else the built-in defaults), asking
    the graph check for loads and new findings, as the command line builds it."""
    return AdmissionGate(registry, config, check=GraphCheck(), **kw)


DROP = object()
"""In :func:`sample_request`: leave the key out."""


def sample_request(name: str = "admitted", **changes: Any) -> AdmissionRequest:
    """A sample request with some keys changed (or dropped with ``DROP``)."""
    data = yaml.safe_load((REQUESTS / f"{name}.yaml").read_text(encoding="utf-8"))
    for key, value in changes.items():
        if value is DROP:
            data.pop(key, None)
        else:
            data[key] = value
    return AdmissionRequest.model_validate(data)


def verdict(report: AdmissionReport, gate: GateName) -> GateResult:
    """The one result of ``gate`` in ``report``."""
    (found,) = [g for g in report.gates if g.gate is gate]
    return found


def statuses(report: AdmissionReport) -> dict[GateName, GateStatus]:
    return {g.gate: g.status for g in report.gates}


def problem_key(exc: pytest.ExceptionInfo[InputError]) -> str:
    """The key of the one problem of a raised ``InputError``."""
    (problem,) = exc.value.problems
    return problem.key


def recorded(registry: Registry) -> tuple[Any, ...]:
    """Everything a refused action must leave as it was: the audit log, every list's versions
    and the recorded requests."""
    gate = admission_gate(registry, ADMISSION_CONFIG)
    return (
        [(e.actor, e.action, e.list_id, e.version, e.note) for e in registry.log()],
        [(s.info.id, [(v.version, v.status) for v in s.versions]) for s in registry.lists()],
        [(e.id, e.status, e.decided_by, e.decision_note) for e in gate.requests()],
    )


def load_of(registry: Registry, on: dt.date) -> dict[str, Any]:
    """The graph check's load index per unit on ``on``."""
    return {index.unit: index for index in run_check(registry.snapshot(on), CHECK_CONFIG).load}


def rows_of(registry: Registry, list_id: str, version: int, matter: str) -> list[Any]:
    return [d for d in registry.version(list_id, version).duties if d.matter == matter]


def cell_findings(report: Any, kinds: set[FindingKind]) -> set[tuple[Any, ...]]:
    """The findings of ``kinds`` by what they cover, ids aside."""
    return {
        (f.kind, f.matter, tuple(sorted(f.areas)), f.cells, tuple(sorted(f.units)))
        for f in report.findings
        if f.kind in kinds
    }
