"""`remit admit` on the command line, on the sample district and the sample requests
(data/admission_requests): check, submit, list, show, approve and reject; the exit codes (0 admit,
1 reject or needs information, 2 bad input with nothing written); the text, Markdown and JSON
reports in English and Chinese; the schemas; the gate's settings from --config or
$REMIT_ADMISSION_CONFIG. The gates themselves are tested in test_admission_gates.py and the
other test_admission_*.py files."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import Result

from remit.admission import AdmissionReport, GateName, Outcome
from tests.factories import (
    ADMITTED,
    APPROVER,
    OTHER_APPROVER,
    REQUEST_ID,
    REQUESTS,
    SUBMITTER,
    Cli,
    exits,
    file_digest,
    refused_unchanged,
    rewritten,
    sqlite_path,
)
from tests.factories import REQUESTS_CONFIG as CONFIG
from tests.factories import SJ0108_HISTORY as HISTORY

REJECTS = sorted(p.name for p in REQUESTS.glob("reject-*.yaml"))
NO_LEGAL_BASIS = ("legal_basis: 《上海市市容环境卫生管理条例》\n", "")  # admitted.yaml without it


@pytest.fixture(autouse=True)
def environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "200")
    monkeypatch.delenv("REMIT_ADMISSION_CONFIG", raising=False)


@pytest.fixture
def url(sample_url: str) -> str:
    """A copy of the sample district for one test."""
    return sample_url


def admit(cli: Cli, url: str, *args: object, lang: str = "en") -> Result:
    return cli("admit", *args, db=url, lang=lang)


def submit(cli: Cli, url: str, path: Path = ADMITTED, by: str = SUBMITTER) -> Result:
    return exits(admit(cli, url, "submit", path, "--by", by, "--config", CONFIG), 0)


def failing(cli: Cli, url: str, *args: object, lang: str = "en") -> str:
    """An ``admit`` command that must exit 2, print nothing on stdout and leave the registry
    file byte for byte as it was; its stderr."""
    result = refused_unchanged(cli, url, "admit", *args, lang=lang)
    assert "Traceback" not in result.output
    return result.stderr


def located(stderr: str, source: Path, line: int | None, field: str | None, *says: str) -> None:
    """The one problem of ``source``, at ``line`` and ``field``, saying ``says``."""
    (text,) = [x for x in stderr.splitlines() if x.startswith(str(source))]
    head, _, message = text.partition(": ")
    parts = head.split(", ")
    assert parts[0] == str(source)
    assert parts[1:] == [
        *([f"line {line}"] if line is not None else []),
        *([f"field {field}"] if field is not None else []),
    ], text
    for phrase in says:
        assert phrase in message, (phrase, text)


def log(cli: Cli, url: str) -> list[dict[str, Any]]:
    return json.loads(exits(cli("registry", "log", "--format", "json", db=url), 0).stdout)


def shown(cli: Cli, url: str, request_id: str = REQUEST_ID) -> dict[str, Any]:
    result = exits(admit(cli, url, "show", request_id, "--format", "json", "--config", CONFIG), 0)
    return json.loads(result.stdout)


# --- check ---------------------------------------------------------------------------------------


def test_check_exits_0_on_admit_and_1_on_reject(cli: Cli, url: str) -> None:
    before = file_digest(sqlite_path(url))
    admitted = exits(admit(cli, url, "check", ADMITTED, "--config", CONFIG), 0).stdout
    assert (
        "Admission request HP-ZR-2026-101: SJ0108 废弃家具设施, from 区绿化和市容管理局" in admitted
    )
    assert "Outcome: admit" in admitted
    assert "Checked on the lists in force on 2027-01-01 (snapshot " in admitted
    assert "yearly volume from the request" in admitted
    assert "Effect: 800 events a year move from the department to the streets" in admitted
    assert "Approval would write:" in admitted
    assert "HP-JZ-JB version 3 (from v2): 251 rows, 2 added, 0 changed" in admitted
    assert "HP-QZ-LRJ version 2 (from v1): 34 rows, 0 added, 1 changed" in admitted
    for name in REJECTS:
        rejected = exits(admit(cli, url, "check", REQUESTS / name, "--config", CONFIG), 1)
        assert "Outcome: reject" in rejected.stdout, name
    assert file_digest(sqlite_path(url)) == before


def test_check_exits_1_when_information_is_missing(cli: Cli, url: str, tmp_path: Path) -> None:
    path = rewritten(ADMITTED, tmp_path / "no-basis.yaml", *NO_LEGAL_BASIS)
    result = exits(admit(cli, url, "check", path), 1)
    assert "Outcome: needs information" in result.stdout
    assert "needs info" in result.stdout


def test_check_json_is_an_admission_report(cli: Cli, url: str) -> None:
    result = exits(admit(cli, url, "check", ADMITTED, "--format", "json"), 0)
    report = AdmissionReport.model_validate_json(result.stdout)
    assert (report.request_id, report.outcome, report.lang) == (REQUEST_ID, Outcome.admit, "en")
    assert [g.gate for g in report.gates] == list(GateName)
    schema = json.loads(exits(cli("schema", "--kind", "admission-report"), 0).stdout)
    data = json.loads(result.stdout)
    assert set(schema["required"]) <= set(data) <= set(schema["properties"])
    rejected = exits(
        admit(cli, url, "check", REQUESTS / "reject-capacity.yaml", "--format", "json"), 1
    )
    report = AdmissionReport.model_validate_json(rejected.stdout)
    assert report.outcome is Outcome.reject and report.exit_code == 1


def test_check_markdown(cli: Cli, url: str) -> None:
    text = exits(admit(cli, url, "check", ADMITTED, "--format", "md"), 0).stdout
    lines = text.splitlines()
    assert (
        lines[0]
        == "# Admission request HP-ZR-2026-101: SJ0108 废弃家具设施, from 区绿化和市容管理局"
    )
    assert lines[1] == "**Outcome: admit**"
    assert "| # | Gate | Verdict | Mode | Why | Rule |" in lines
    assert "## Effect: 800 events a year move from the department to the streets" in lines
    assert (
        "| Street | Events a year | Staff before | Staff after | Load before | Load after |"
        in lines
    )
    assert "| 南京东路街道办事处 | 400 | 16 | 17.0 | 0.67 | 0.65 |" in lines
    rows = [x for x in lines if x.startswith("| ") and x[2].isdigit()]
    assert len(rows) == 7  # one per gate
    assert rows[0].startswith("| 1 | well formed | pass | deny | the request is well formed<br>· ")


def test_chinese_reports(cli: Cli, url: str, tmp_path: Path) -> None:
    admitted = exits(admit(cli, url, "check", ADMITTED, lang="zh"), 0).stdout
    assert "准入申请 HP-ZR-2026-101：SJ0108 废弃家具设施，申请部门 区绿化和市容管理局" in admitted
    assert "结论：准予准入" in admitted
    assert "年事项量来源：申请" in admitted
    assert "影响：每年约 800 件事项由部门转至街道" in admitted
    assert "HP-JZ-JB 第 3 版（基于第 2 版）：251 条，新增 2 条，调整 0 条" in admitted
    rejected = exits(
        admit(cli, url, "check", REQUESTS / "reject-capacity.yaml", lang="zh"), 1
    ).stdout
    assert "结论：不予准入" in rejected
    assert "瑞金二路街道办事处：负荷指数 1.26 → 1.16——超过阈值" in rejected
    path = rewritten(ADMITTED, tmp_path / "no-basis.yaml", *NO_LEGAL_BASIS)
    assert "结论：需补充材料" in exits(admit(cli, url, "check", path, lang="zh"), 1).stdout
    md = exits(admit(cli, url, "check", ADMITTED, "--format", "md", lang="zh"), 0).stdout
    assert "**结论：准予准入**" in md
    assert "| 序号 | 关口 | 结果 | 模式 | 理由与证据 | 规则 |" in md
    data = exits(admit(cli, url, "check", ADMITTED, "--format", "json", lang="zh"), 0).stdout
    report = AdmissionReport.model_validate_json(data)
    assert report.lang == "zh"
    assert report.gates[0].message == "申请符合形式要求"
    assert report.gates[1].evidence == ["《上海市市容环境卫生管理条例》（法规）"]


def test_the_config_from_an_option_or_the_environment(
    cli: Cli, url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    warn = tmp_path / "warn.yaml"
    warn.write_text("file: admission-config\nmodes: {capacity: warn}\n", encoding="utf-8")
    capacity = REQUESTS / "reject-capacity.yaml"
    exits(admit(cli, url, "check", capacity), 1)  # built-in defaults: deny
    warned = exits(admit(cli, url, "check", capacity, "--config", warn), 0).stdout
    assert "Outcome: admit" in warned
    assert "warn" in warned
    monkeypatch.setenv("REMIT_ADMISSION_CONFIG", str(warn))
    data = exits(admit(cli, url, "check", capacity, "--format", "json"), 0).stdout
    assert AdmissionReport.model_validate_json(data).warnings == [GateName.capacity]
    exits(admit(cli, url, "check", capacity, "--config", CONFIG), 1)  # the option wins


def test_check_with_an_event_history(cli: Cli, url: str) -> None:
    args = ("check", ADMITTED, "--history", HISTORY, "--format", "json")
    report = AdmissionReport.model_validate_json(exits(admit(cli, url, *args), 0).stdout)
    assert report.volume_source == "history"
    assert {e.unit: e.events_per_year for e in report.effect} == {
        "HP-NJDL": round(3 * 365 / 31, 1),
        "HP-WT": round(365 / 31, 1),
    }
    text = exits(admit(cli, url, "check", ADMITTED, "--history", HISTORY), 0).stdout
    assert "yearly volume from the event history" in text


@pytest.mark.parametrize(
    ("kind", "title", "fields"),
    [
        ("admission", "AdmissionRequest", {"receiving", "resources", "department_after"}),
        ("admission-config", "AdmissionConfig", {"modes", "approvers", "decision_working_days"}),
        ("admission-report", "AdmissionReport", {"gates", "outcome", "effect", "enactment"}),
    ],
)
def test_schemas(cli: Cli, kind: str, title: str, fields: set[str]) -> None:
    schema = json.loads(exits(cli("schema", "--kind", kind), 0).stdout)
    assert schema["title"] == title
    assert fields <= set(schema["properties"])
    everything = json.loads(exits(cli("schema"), 0).stdout)
    assert everything[kind] == schema


def test_the_request_schema_lists_its_modes_and_gates(cli: Cli) -> None:
    schema = json.loads(exits(cli("schema", "--kind", "admission-config"), 0).stdout)
    assert schema["$defs"]["Mode"]["enum"] == ["dryrun", "warn", "deny"]
    assert schema["$defs"]["GateName"]["enum"] == [g.value for g in GateName]
    request = json.loads(exits(cli("schema", "--kind", "admission"), 0).stdout)
    assert set(request["required"]) == {
        "file",
        "id",
        "matter",
        "department",
        "receiving",
        "effective_from",
    }
    assert request["additionalProperties"] is False


# --- submit, list, show, approve, reject ---------------------------------------------------------


def test_submit_list_show_approve(cli: Cli, url: str) -> None:
    recorded = submit(cli, url).stdout
    assert "Outcome: admit" in recorded
    assert recorded.rstrip().endswith("Recorded request HP-ZR-2026-101 (admit).")
    submit(cli, url, REQUESTS / "reject-capacity.yaml")

    listed = exits(admit(cli, url, "list", "--config", CONFIG), 0).stdout
    assert "HP-ZR-2026-101" in listed and "HP-ZR-2026-105" in listed
    assert listed.index("HP-ZR-2026-101") < listed.index("HP-ZR-2026-105")  # oldest first
    assert "SJ0108 废弃家具设施" in listed and "区绿化和市容管理局" in listed
    assert listed.count("submitted") == 2 and "overdue" not in listed
    assert SUBMITTER in listed

    entry = shown(cli, url)
    assert (entry["id"], entry["status"], entry["overdue"]) == (REQUEST_ID, "submitted", False)
    assert (entry["submitted_by"], entry["decided_by"], entry["decided_at"]) == (
        SUBMITTER,
        None,
        None,
    )
    assert dt.datetime.fromisoformat(entry["submitted_at"]).tzinfo is not None
    assert entry["request"]["id"] == REQUEST_ID and entry["enacted"] == []
    assert AdmissionReport.model_validate(entry["report"]).outcome is Outcome.admit
    text = exits(admit(cli, url, "show", REQUEST_ID), 0).stdout
    assert text.startswith("HP-ZR-2026-101: submitted\nSubmitted: ")
    assert "Outcome: admit" in text

    approved = exits(
        admit(
            cli,
            url,
            "approve",
            REQUEST_ID,
            "--by",
            APPROVER,
            "--note",
            "同意试点",
            "--config",
            CONFIG,
        ),
        0,
    )
    assert approved.stdout == "Approved HP-ZR-2026-101: enacted HP-JZ-JB v3, HP-QZ-LRJ v2.\n"

    entry = shown(cli, url)
    assert (entry["status"], entry["decided_by"], entry["decision_note"]) == (
        "approved",
        APPROVER,
        "同意试点",
    )
    assert [(v["list"], v["version"]) for v in entry["enacted"]] == [
        ("HP-JZ-JB", 3),
        ("HP-QZ-LRJ", 2),
    ]
    only = exits(admit(cli, url, "list", "--status", "approved"), 0).stdout
    assert "HP-ZR-2026-101" in only and "HP-ZR-2026-105" not in only
    waiting = exits(admit(cli, url, "list", "--status", "submitted"), 0).stdout
    assert "HP-ZR-2026-105" in waiting and "HP-ZR-2026-101" not in waiting
    assert "HP-ZR-" not in exits(admit(cli, url, "list", "--status", "rejected"), 0).stdout
    text = exits(admit(cli, url, "show", REQUEST_ID), 0).stdout
    assert text.startswith("HP-ZR-2026-101: approved\n")
    assert f"{APPROVER} — 同意试点" in text

    # the registry: the versions and the log
    versions = json.loads(exits(cli("registry", "lists", "--format", "json", db=url), 0).stdout)
    assert versions  # readable after the approval
    entries = log(cli, url)
    tail = [(e["action"], e["actor"], e["list_id"], e["version"]) for e in entries[-6:]]
    assert tail == [
        ("admission_submit", SUBMITTER, None, None),
        ("admission_submit", SUBMITTER, None, None),
        ("import_create", APPROVER, "HP-JZ-JB", 3),
        ("import_create", APPROVER, "HP-QZ-LRJ", 2),
        ("import_create", APPROVER, "UNITS", 2),
        ("admission_approve", APPROVER, None, None),
    ]
    approve_entry = entries[-1]
    assert approve_entry["details"]["gates"] == {g.value: "pass" for g in GateName}
    assert approve_entry["snapshot_hash"] == entry["report"]["snapshot_hash"]
    assert approve_entry["note"] == "同意试点"
    text_log = exits(cli("registry", "log", db=url), 0).stdout
    assert "admission_approve" in text_log and "admission_submit" in text_log


def test_routing_follows_the_enactment(cli: Cli, url: str) -> None:
    def lead(area: str, reported_at: str) -> str:
        args = ("route", "--matter", "SJ0108", "--area", area, "--reported-at", reported_at)
        result = exits(cli(*args, "--format", "json", db=url), 0)
        return json.loads(result.stdout)["lead"]["name"]

    submit(cli, url)
    exits(admit(cli, url, "approve", REQUEST_ID, "--by", APPROVER, "--config", CONFIG), 0)
    assert lead("南京东路街道", "2026-12-31T10:00:00") == "区绿化和市容管理局"
    assert lead("南京东路街道", "2027-01-04T10:00:00") == "南京东路街道办事处"
    assert lead("外滩街道", "2027-01-04T10:00:00") == "外滩街道办事处"
    assert lead("豫园街道", "2027-01-04T10:00:00") == "区绿化和市容管理局"
    text = exits(
        cli(
            "route",
            "--matter",
            "SJ0108",
            "--area",
            "南京东路街道",
            "--reported-at",
            "2027-01-04T10:00:00",
            db=url,
            lang="zh",
        ),
        0,
    ).stdout
    assert "南京东路街道办事处" in text


def test_reject(cli: Cli, url: str) -> None:
    submit(cli, url, REQUESTS / "reject-capacity.yaml")
    args = ("reject", "HP-ZR-2026-105", "--by", OTHER_APPROVER, "--reason", "瑞金二路街道负荷已超")
    result = exits(admit(cli, url, *args, "--config", CONFIG), 0)
    assert result.stdout == "Rejected HP-ZR-2026-105.\n"
    entry = shown(cli, url, "HP-ZR-2026-105")
    assert (entry["status"], entry["decided_by"], entry["decision_note"]) == (
        "rejected",
        OTHER_APPROVER,
        "瑞金二路街道负荷已超",
    )
    assert entry["overdue"] is False
    last = log(cli, url)[-1]
    assert (last["action"], last["actor"], last["note"]) == (
        "admission_reject",
        OTHER_APPROVER,
        "瑞金二路街道负荷已超",
    )
    assert last["details"]["outcome"] == "reject"
    zh = exits(admit(cli, url, "list", "--status", "rejected", lang="zh"), 0).stdout
    assert "已驳回" in zh and "不予准入" in zh


def test_approval_refused_by_the_gates_exits_1(cli: Cli, url: str) -> None:
    submit(cli, url, REQUESTS / "reject-capacity.yaml")
    lists_before = exits(cli("registry", "lists", "--format", "json", db=url), 0).stdout
    result = exits(
        admit(cli, url, "approve", "HP-ZR-2026-105", "--by", APPROVER, "--config", CONFIG), 1
    )
    assert "Outcome: reject" in result.stdout
    assert result.stderr.strip() == (
        "Not approved: run again, the gates do not admit HP-ZR-2026-105 (reject); it stays "
        "submitted."
    )
    assert shown(cli, url, "HP-ZR-2026-105")["status"] == "submitted"
    assert exits(cli("registry", "lists", "--format", "json", db=url), 0).stdout == lists_before
    last = log(cli, url)[-1]
    assert (last["action"], last["actor"]) == ("admission_approve_refused", APPROVER)
    assert last["details"]["gates"]["capacity"] == "fail"


# --- four eyes: exit 2, nothing written ------------------------------------------------------------


def test_four_eyes_on_the_command_line(cli: Cli, url: str) -> None:
    submit(cli, url, by=APPROVER)
    stderr = failing(cli, url, "approve", REQUEST_ID, "--by", APPROVER, "--config", CONFIG)
    assert f"{APPROVER} submitted request {REQUEST_ID} and cannot also decide it (four eyes)" in (
        stderr
    )
    assert "nothing was written" in stderr
    stderr = failing(
        cli, url, "reject", REQUEST_ID, "--by", APPROVER, "--reason", "否", "--config", CONFIG
    )
    assert "(four eyes)" in stderr
    # --by defaults to $REMIT_USER (tester), who holds no approving role
    stderr = failing(cli, url, "approve", REQUEST_ID, "--config", CONFIG)
    assert (
        "tester holds no approving role; approvers: 区委编办审核人, 区司法局审核人 (approvers in the "
        "admission config)"
    ) in stderr
    # without a config nobody approves
    stderr = failing(cli, url, "approve", REQUEST_ID, "--by", OTHER_APPROVER)
    assert f"{OTHER_APPROVER} holds no approving role; approvers: -" in stderr
    # a rejection needs a reason
    stderr = failing(cli, url, "reject", REQUEST_ID, "--by", OTHER_APPROVER, "--config", CONFIG)
    assert "Missing option '--reason'" in stderr
    stderr = failing(
        cli, url, "reject", REQUEST_ID, "--by", OTHER_APPROVER, "--reason", " ", "--config", CONFIG
    )
    assert "field --reason: a rejection needs a reason" in stderr
    stderr = failing(
        cli,
        url,
        "reject",
        REQUEST_ID,
        "--by",
        OTHER_APPROVER,
        "--reason",
        "",
        "--config",
        CONFIG,
        lang="zh",
    )
    assert "驳回须说明理由" in stderr
    assert shown(cli, url)["status"] == "submitted"


def test_a_decided_request_cannot_be_decided_again(cli: Cli, url: str) -> None:
    submit(cli, url)
    submit(cli, url, REQUESTS / "reject-capacity.yaml")
    exits(admit(cli, url, "approve", REQUEST_ID, "--by", APPROVER, "--config", CONFIG), 0)
    reason = ("--reason", "负荷已超", "--config", CONFIG)
    exits(admit(cli, url, "reject", "HP-ZR-2026-105", "--by", APPROVER, *reason), 0)
    for request_id, status in ((REQUEST_ID, "approved"), ("HP-ZR-2026-105", "rejected")):
        for args in (
            ("approve", request_id, "--by", OTHER_APPROVER, "--config", CONFIG),
            ("reject", request_id, "--by", OTHER_APPROVER, *reason),
        ):
            stderr = failing(cli, url, *args)
            assert f"request {request_id} is already {status}" in stderr


def test_already_decided_reads_naturally_in_chinese(cli: Cli, url: str) -> None:
    """Deciding an approved request again says so once ("已批准"), not "已已批准"."""
    submit(cli, url)
    exits(admit(cli, url, "approve", REQUEST_ID, "--by", APPROVER, "--config", CONFIG), 0)
    args = ("approve", REQUEST_ID, "--by", OTHER_APPROVER, "--config", CONFIG)
    stderr = failing(cli, url, *args, lang="zh")
    assert f"申请 {REQUEST_ID} 的状态已为“已批准”" in stderr
    assert "已已" not in stderr


# --- bad input: exit 2, located, nothing written --------------------------------------------------

TEXT = ADMITTED.read_text(encoding="utf-8")

BAD_REQUESTS: dict[str, tuple[str, str, int, str, tuple[str, ...]]] = {
    # name: (old, new, line, field, phrases) — a change to admitted.yaml and where it is reported
    "missing_field": (
        "effective_from: 2027-01-01\n",
        "",
        2,  # the document's mapping starts on line 2
        "effective_from",
        ("required field is missing",),
    ),
    "wrong_type": (
        "expected_yearly_volume: 400",
        "expected_yearly_volume: many",
        12,
        "expected_yearly_volume",
        ("valid number", "'many'"),
    ),
    "bad_date": (
        "effective_from: 2027-01-01",
        "effective_from: 2027-02-30",
        13,
        "effective_from",
        ("valid date", "'2027-02-30'"),
    ),
    "unknown_key": (
        "justification:",
        "colour: red\njustification:",
        15,
        "colour",
        ("unknown field", "remit schema --kind admission"),
    ),
    "bad_enum": (
        "department_after: supervise",
        "department_after: hand_over",
        14,
        "department_after",
        ("'supervise', 'keep' or 'remove'", "'hand_over'"),
    ),
    "negative_staff": (
        "resources: {staff: 1,",
        "resources: {staff: -1,",
        11,
        "resources.staff",
        ("greater than or equal to 0",),
    ),
    "units_and_area": (
        "  units: [南京东路街道办事处, 外滩街道办事处]\n",
        "  units: [南京东路街道办事处]\n  area: 黄浦区\n",
        6,
        "receiving",
        ("give either 'units'", "or 'area', not both"),
    ),
    "bad_time_limit": (
        "time_limit: 2工作日",
        "time_limit: 两天",
        9,
        "time_limit",
        ("cannot read time limit '两天'",),
    ),
    "wrong_kind": (
        "file: admission\n",
        "file: admission-config\n",
        2,
        "file",
        ("unknown file kind 'admission-config'", "admission"),
    ),
}


@pytest.mark.parametrize("command", ["check", "submit"])
@pytest.mark.parametrize("name", list(BAD_REQUESTS))
def test_a_bad_request_file(cli: Cli, url: str, tmp_path: Path, name: str, command: str) -> None:
    old, new, line, field, says = BAD_REQUESTS[name]
    assert TEXT.count(old) == 1, old
    path = rewritten(ADMITTED, tmp_path / f"{name}.yaml", old, new)
    by = ("--by", SUBMITTER) if command == "submit" else ()
    stderr = failing(cli, url, command, path, *by, "--config", CONFIG)
    assert stderr.startswith("1 problem(s) found; nothing was written.")
    located(stderr, path, line, field, *says)


def test_a_role_outside_lead_and_assist_is_named_plainly(
    cli: Cli, url: str, tmp_path: Path
) -> None:
    """BUG (message): `role: supervise` in a request is refused with "Input should be
    <Role.lead: 'lead'> or <Role.assist: 'assist'> (got 'supervise')" — Python enum reprs, from
    ``role: Literal[Role.lead, Role.assist]`` (remit/engine/admission/request.py:65). Elsewhere
    (a list's duty row) the same mistake reads "'lead', 'assist', 'supervise' or
    'not_responsible'"."""
    path = rewritten(ADMITTED, tmp_path / "role.yaml", "role: lead", "role: supervise")
    stderr = failing(cli, url, "check", path)
    located(stderr, path, 8, "role", "'supervise'")
    assert "<Role." not in stderr
    assert "'lead' or 'assist'" in stderr


def test_a_missing_request_file(cli: Cli, url: str, tmp_path: Path) -> None:
    missing = tmp_path / "none.yaml"
    for command in ("check", "submit"):
        stderr = failing(cli, url, command, missing)
        assert f"{missing}: no such file or directory" in stderr


def test_a_duplicate_id_on_submit(cli: Cli, url: str, tmp_path: Path) -> None:
    submit(cli, url)
    stderr = failing(cli, url, "submit", ADMITTED, "--by", "someone else", "--config", CONFIG)
    assert (
        "field id: a request with id 'HP-ZR-2026-101' is already recorded; give the new request "
        "its own id"
    ) in stderr
    # the same id in another request file
    other = rewritten(
        REQUESTS / "reject-powers.yaml", tmp_path / "other.yaml", "HP-ZR-2026-107", REQUEST_ID
    )
    assert "is already recorded" in failing(cli, url, "submit", other)
    assert shown(cli, url)["report"]["matter"] == "SJ0108"


@pytest.mark.parametrize(
    "args",
    [
        ("show", "HP-ZR-2026-999"),
        ("show", "HP-ZR-2026-999", "--format", "json"),
        ("approve", "HP-ZR-2026-999", "--by", APPROVER, "--config", CONFIG),
        ("reject", "HP-ZR-2026-999", "--by", APPROVER, "--reason", "无", "--config", CONFIG),
    ],
    ids=["show", "show-json", "approve", "reject"],
)
def test_an_unknown_request_id(cli: Cli, url: str, args: tuple[str, ...]) -> None:
    submit(cli, url)
    stderr = failing(cli, url, *args)
    assert "no admission request 'HP-ZR-2026-999'; recorded: HP-ZR-2026-101" in stderr


BAD_CONFIGS: dict[str, tuple[str, int | None, str | None, tuple[str, ...]]] = {
    "bad_mode": (
        "file: admission-config\nmodes: {capacity: block}\n",
        2,
        "modes.capacity",
        ("'dryrun', 'warn' or 'deny'", "'block'"),
    ),
    "bad_threshold": (
        "file: admission-config\ncapacity_threshold: 0\n",
        2,
        "capacity_threshold",
        ("greater than 0",),
    ),
    "unknown_key": (
        "file: admission-config\napprovers: [甲]\ncolour: red\n",
        3,
        "colour",
        ("unknown field", "remit schema --kind admission-config"),
    ),
    "bad_legal_kind": (
        "file: admission-config\naccepted_legal_kinds: [law, minutes]\n",
        2,
        "accepted_legal_kinds[1]",
        ("'minutes'",),
    ),
    "approvers_not_a_list": (
        "file: admission-config\napprovers: 区委编办审核人\n",
        2,
        "approvers",
        ("valid list",),
    ),
    "no_kind": ("modes: {capacity: warn}\n", 1, "file", ("expected one of admission-config",)),
}


@pytest.mark.parametrize("name", list(BAD_CONFIGS))
def test_a_bad_config_file(cli: Cli, url: str, tmp_path: Path, name: str) -> None:
    text, line, field, says = BAD_CONFIGS[name]
    config = tmp_path / f"{name}.yaml"
    config.write_text(text, encoding="utf-8")
    submit(cli, url)
    for args in (
        ("check", ADMITTED),
        ("submit", REQUESTS / "reject-powers.yaml"),
        ("list",),
        ("show", REQUEST_ID),
        ("approve", REQUEST_ID, "--by", APPROVER),
        ("reject", REQUEST_ID, "--by", APPROVER, "--reason", "否"),
    ):
        stderr = failing(cli, url, *args, "--config", config)
        located(stderr, config, line, field, *says)


def test_a_bad_config_from_the_environment(
    cli: Cli, url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = tmp_path / "env.yaml"
    config.write_text("file: admission-config\nmodes: {capacity: block}\n", encoding="utf-8")
    monkeypatch.setenv("REMIT_ADMISSION_CONFIG", str(config))
    stderr = failing(cli, url, "submit", ADMITTED, "--by", SUBMITTER)
    located(stderr, config, 2, "modes.capacity", "'block'")
    monkeypatch.setenv("REMIT_ADMISSION_CONFIG", str(tmp_path / "none.yaml"))
    stderr = failing(cli, url, "check", ADMITTED)
    assert f"{tmp_path / 'none.yaml'}: no such file or directory" in stderr


def test_a_bad_history(cli: Cli, url: str, tmp_path: Path) -> None:
    missing = tmp_path / "none.jsonl"
    stderr = failing(cli, url, "submit", ADMITTED, "--history", missing)
    assert f"{missing}: no such file or directory" in stderr
    bad = tmp_path / "bad.jsonl"
    bad.write_text(
        '{"id": "H-1", "matter": "SJ0108", "area": "火星", "reported_at": "2026-01-01"}\n',
        encoding="utf-8",
    )
    stderr = failing(cli, url, "check", ADMITTED, "--history", bad)
    located(stderr, bad, 1, "area", "'火星'")


@pytest.mark.parametrize(
    "args",
    [
        ("list",),
        ("check", ADMITTED),
        ("show", REQUEST_ID),
        ("submit", ADMITTED),
        ("approve", REQUEST_ID, "--by", APPROVER),
        ("reject", REQUEST_ID, "--by", APPROVER, "--reason", "否"),
    ],
    ids=["list", "check", "show", "submit", "approve", "reject"],
)
def test_no_registry(cli: Cli, tmp_path: Path, args: tuple[Any, ...]) -> None:
    """BUG (show, submit, approve, reject): with no registry at --db, `list` and `check` say
    "no registry at URL; create one with `remit init`" and create nothing, but `show`,
    `submit`, `approve` and `reject` reach the admission table first (store.get in
    AdmissionGate.show / submit, remit/engine/admission/gate.py:82 and :94, without the
    ``registry.state()`` check that ``requests()`` makes): they say "cannot open the registry
    at URL: no such table: admission" and leave an empty SQLite file behind."""
    path = tmp_path / "none.db"
    url = f"sqlite:///{path}"
    result = exits(admit(cli, url, *args, "--config", CONFIG), 2)
    assert f"no registry at {url}; create one with `remit init`" in result.stderr
    assert not path.exists()
