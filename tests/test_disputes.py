"""Disputes (退单) settled from the lists: each reason and ruling, escalation on a second return,
the dispute clock, bad input (exit 2, located), the 推诿 report's numbers on a hand-computed
example, every report format in both languages, and the Python API."""

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
from openpyxl import load_workbook

from remit import (
    Case,
    DisputeDesk,
    DisputeReport,
    InputError,
    Reason,
    Registry,
    Router,
    Verdict,
    dispute_report,
)
from remit.events.case_files import read_cases
from remit.events.cases import case_lines
from remit.events.model import LOCAL_ZONE
from tests.factories import ROOT, exits, invoke, ok

RULES = ROOT / "data" / "rules"
SAMPLE_CASES = ROOT / "data" / "disputes" / "cases.yaml"

# sample events (data/events/huangpu-2026.jsonl)
WATER_LID = {
    "id": "E1",
    "matter": "上水井盖",
    "area": "南京东路街道",
    "reported_at": "2026-03-02T09:15:00",
}
LIFT = {
    "id": "E3",
    "matter": "RX0204",
    "area": "310101020002",
    "reported_at": "2026-04-03T16:20:00",
}
VENDOR_ROAD = {
    "id": "E6",
    "matter": "无照经营游商",
    "area": "南京东路街道",
    "reported_at": "2026-03-02T10:00:00",
    "attributes": {"地点类型": "道路"},
}
PILE_ROAD = {
    "id": "E17",
    "matter": "SJ0507",
    "area": "31010100200102",
    "reported_at": "2026-03-17T09:05:00",
    "attributes": {"location_type": "road"},
}
SHOP_DPQ = {
    "id": "E15",
    "matter": "SJ0504",
    "area": "310101021000",
    "reported_at": "2026-03-16T12:00:00",
}
LAMP_OWNED = {
    "id": "E21",
    "matter": "BJ0120",
    "area": "310101002001",
    "reported_at": "2026-05-03T20:30:00",
    "owner": "上海申浦物业服务有限公司",
}
LAMP = {
    "id": "E22",
    "matter": "景观灯",
    "area": "310101002000",
    "reported_at": "2026-05-03T20:35:00",
}
PARK = {
    "id": "E13",
    "matter": "SJ0106",
    "area": "310101018001",
    "reported_at": "2026-04-07T10:00:00",
    "attributes": {"location_type": "park"},
}
VENDOR_UNKNOWN_PLACE = {
    "id": "E38",
    "matter": "SJ0501",
    "area": "南京东路街道",
    "reported_at": "2026-03-02T10:20:00",
}


@pytest.fixture(scope="module")
def desk(sample_db: Path) -> Iterator[DisputeDesk]:
    with (
        Registry(f"sqlite:///{sample_db}") as registry,
        Router(registry, rules_dir=RULES) as router,
        DisputeDesk(router) as found,
    ):
        yield found


def one_round(event: dict[str, Any], unit: str, reason: str, **dispatch: str) -> dict[str, Any]:
    return {
        "event": event,
        "dispatch": dispatch,
        "rounds": [{"unit": unit, "at": _later(event, 2), "reason": reason, "evidence": "证据"}],
    }


def _later(event: dict[str, Any], hours: float) -> str:
    start = dt.datetime.fromisoformat(event["reported_at"])
    return (start + dt.timedelta(hours=hours)).isoformat()


CASES = [  # (event, returning unit, reason, verdict, rule, holder)
    (
        WATER_LID,
        "区建设和管理委员会",
        "职能不符",
        "upheld",
        "another-leads-upheld",
        "上海城投水务（集团）有限公司",
    ),
    (LIFT, "区市场监督管理局", "not_our_duty", "overruled", "lead-overruled", "区市场监督管理局"),
    (PARK, "豫园街道办事处", "职能不符", "arbitrate", "gap-arbitrates", "豫园街道城市运行管理中心"),
    (
        PILE_ROAD,
        "南京东路街道办事处",
        "属地不符",
        "overruled",
        "area-is-yours-overruled",
        "南京东路街道办事处",
    ),
    (SHOP_DPQ, "南京东路街道办事处", "not_our_area", "upheld", "area-upheld", "打浦桥街道办事处"),
    (
        LAMP_OWNED,
        "上海申浦物业服务有限公司",
        "权属不清",
        "overruled",
        "owner-holds-overruled",
        "上海申浦物业服务有限公司",
    ),
    (
        LAMP,
        "南京东路街道办事处",
        "owner_unclear",
        "arbitrate",
        "owner-unnamed-arbitrates",
        "南京东路街道城市运行管理中心",
    ),
    (
        VENDOR_ROAD,
        "区市场监督管理局",
        "职能交叉",
        "arbitrate",
        "conflict-arbitrates",
        "南京东路街道城市运行管理中心",
    ),
    (
        LIFT,
        "区市场监督管理局",
        "overlapping_duties",
        "overruled",
        "lead-overruled",
        "区市场监督管理局",
    ),
    (
        WATER_LID,
        "区建设和管理委员会",
        "overlapping_duties",
        "upheld",
        "another-leads-upheld",
        "上海城投水务（集团）有限公司",
    ),
    (LIFT, "区市场监督管理局", "其他", "overruled", "lead-overruled", "区市场监督管理局"),
    (
        WATER_LID,
        "区建设和管理委员会",
        "other",
        "upheld",
        "another-leads-upheld",
        "上海城投水务（集团）有限公司",
    ),
    (
        VENDOR_UNKNOWN_PLACE,
        "区市场监督管理局",
        "其他",
        "arbitrate",
        "needs-info-arbitrates",
        "南京东路街道城市运行管理中心",
    ),
]


@pytest.mark.parametrize(("event", "unit", "reason", "verdict", "rule", "holder"), CASES)
def test_reason_and_ruling(
    desk: DisputeDesk, event: dict[str, Any], unit: str, reason: str, verdict: str, rule: str,
    holder: str,
) -> None:  # fmt: skip
    case = desk.rule(one_round(event, unit, reason))
    ruling = case.rounds[0].ruling
    assert ruling is not None
    assert (ruling.verdict.value, ruling.rule, ruling.unit.name) == (verdict, rule, holder)
    assert ruling.returned_by.name == unit
    assert ruling.principle["zh"] and ruling.principle["en"]
    assert ruling.escalated_to is None
    if verdict == "overruled":  # the rows the returning unit holds are cited back to it
        assert ruling.duties or ruling.area
        assert all(d.role == "lead" for d in ruling.duties)
    if verdict == "arbitrate":
        assert ruling.defect is not None and ruling.time_limit == "1工作日"
        assert ruling.deadline is not None and ruling.deadline > case.rounds[0].at
    if verdict == "upheld":
        assert ruling.duties and ruling.duties[0].legal_basis


def test_reason_codes_and_labels() -> None:
    assert [r.label for r in Reason] == ["职能不符", "属地不符", "权属不清", "职能交叉", "其他"]
    case = Case.model_validate(one_round(LIFT, "HP-SCJ", "属地不符"))
    assert case.rounds[0].reason is Reason.not_our_area


def test_second_return_by_the_same_unit_escalates(desk: DisputeDesk) -> None:
    data = one_round(LIFT, "区市场监督管理局", "职能不符")
    data["rounds"].append(
        {"unit": "HP-SCJ", "at": _later(LIFT, 30), "reason": "其他", "evidence": "再次退单"}
    )
    case = desk.rule(data)
    first, second = (r.ruling for r in case.rounds)
    assert first is not None and second is not None
    assert first.escalated_to is None
    # dispatched by 五里桥's street centre: one level up is the district centre
    assert second.escalated_to is not None and second.escalated_to.name == "区城市运行管理中心"
    assert second.verdict is Verdict.overruled


def test_a_second_return_by_another_unit_does_not_escalate(desk: DisputeDesk) -> None:
    data = one_round(WATER_LID, "区建设和管理委员会", "职能不符")
    data["rounds"].append(
        {"unit": "上海城投水务（集团）有限公司", "at": _later(WATER_LID, 3), "reason": "其他"}
    )
    case = desk.rule(data)
    assert [r.ruling.escalated_to for r in case.rounds if r.ruling] == [None, None]
    assert case.rounds[1].ruling and case.rounds[1].ruling.verdict is Verdict.overruled


def test_an_escalated_arbitration_goes_one_level_up(desk: DisputeDesk) -> None:
    data = one_round(PARK, "豫园街道办事处", "职能不符")
    data["rounds"].append({"unit": "豫园街道办事处", "at": _later(PARK, 5), "reason": "职能不符"})
    second = desk.rule(data).rounds[1].ruling
    assert second is not None and second.verdict is Verdict.arbitrate
    assert (
        second.unit.name
        == "区城市运行管理中心"
        == (second.escalated_to and second.escalated_to.name)
    )


def test_ruled_rounds_keep_their_ruling(desk: DisputeDesk) -> None:
    case = desk.rule(one_round(LIFT, "区市场监督管理局", "职能不符"))
    again = desk.rule(case)
    assert again == case
    assert again.dispatch.unit == "区市场监督管理局"  # the lead, by default


def test_the_clock_runs_from_dispatch_by_default(desk: DisputeDesk) -> None:
    data = one_round(WATER_LID, "区建设和管理委员会", "职能不符", at="2026-03-02T09:30:00")
    ruling = desk.rule(data).rounds[0].ruling
    assert ruling is not None and ruling.clock == "dispatch"
    # 4紧急工作时 from the dispatch at 09:30, not from the ruling at 11:15
    assert ruling.deadline == dt.datetime(2026, 3, 2, 13, 30, tzinfo=LOCAL_ZONE)


def test_the_clock_option_reassignment(sample_db: Path, tmp_path: Path) -> None:
    (tmp_path / "disputes").mkdir()
    (tmp_path / "disputes" / "clock.yaml").write_text(
        "file: rules\nid: d\nconfig:\n  extra: {dispute_clock: reassignment}\n", encoding="utf-8"
    )
    data = one_round(WATER_LID, "区建设和管理委员会", "职能不符", at="2026-03-02T09:30:00")
    with (
        Registry(f"sqlite:///{sample_db}") as registry,
        Router(registry) as router,
        DisputeDesk(router, rules_dir=tmp_path) as desk,
    ):
        ruling = desk.rule(data).rounds[0].ruling
    assert ruling is not None and ruling.clock == "reassignment"
    assert ruling.deadline == dt.datetime(2026, 3, 2, 15, 15, tzinfo=LOCAL_ZONE)


def test_an_unknown_clock_is_refused(sample_db: Path, tmp_path: Path) -> None:
    (tmp_path / "disputes").mkdir()
    (tmp_path / "disputes" / "clock.yaml").write_text(
        "file: rules\nid: d\nconfig:\n  extra: {dispute_clock: acceptance}\n", encoding="utf-8"
    )
    with (
        Registry(f"sqlite:///{sample_db}") as registry,
        Router(registry) as router,
        pytest.raises(InputError, match="acceptance"),
    ):
        DisputeDesk(router, rules_dir=tmp_path)


# --- the command line ----------------------------------------------------------------------------


def _write(path: Path, cases: list[dict[str, Any]]) -> Path:
    path.write_text(yaml.safe_dump(cases, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def test_cli_rules_the_sample(sample_url: str, tmp_path: Path) -> None:
    out = tmp_path / "ruled.jsonl"
    text = ok(
        invoke("dispute", SAMPLE_CASES, "--rules", RULES, "-o", out, db=sample_url, lang="zh")
    )
    assert "退单成立" in text and "退单不成立" in text and "提请裁定" in text and "提级至" in text
    lines = out.read_text(encoding="utf-8").splitlines()
    assert len(lines) == 10
    assert all(json.loads(line)["rounds"][0]["ruling"]["verdict"] for line in lines)
    english = ok(invoke("dispute", "rule", SAMPLE_CASES, "--rules", RULES, db=sample_url))
    assert "upheld" in english and "Rows cited" in english
    jsonl = ok(invoke("dispute", SAMPLE_CASES, "--format", "jsonl", db=sample_url))
    assert len(jsonl.splitlines()) == 10


BAD = {  # what is wrong → (the case file's text, the words the message must hold)
    "unknown reason": (
        "- event: {id: E1, matter: 上水井盖, area: 南京东路街道, reported_at: 2026-03-02T09:15:00}\n"
        "  rounds:\n"
        "    - {unit: 区建设和管理委员会, at: 2026-03-02T11:00:00, reason: 不想办}\n",
        ["line 3", "rounds[0].reason", "不想办", "not_our_duty (职能不符)"],
    ),
    "unknown unit": (
        "- event: {id: E1, matter: 上水井盖, area: 南京东路街道, reported_at: 2026-03-02T09:15:00}\n"
        "  rounds:\n"
        "    - {unit: 区不存在局, at: 2026-03-02T11:00:00, reason: 职能不符}\n",
        ["line 3", "rounds[0].unit", "区不存在局"],
    ),
    "bad time": (
        "- event: {id: E1, matter: 上水井盖, area: 南京东路街道, reported_at: 2026-03-02T09:15:00}\n"
        "  rounds:\n"
        "    - {unit: 区建设和管理委员会, at: 昨天下午, reason: 职能不符}\n",
        ["line 3", "rounds[0].at"],
    ),
    "return before dispatch": (
        "- event: {id: E1, matter: 上水井盖, area: 南京东路街道, reported_at: 2026-03-02T09:15:00}\n"
        "  rounds:\n"
        "    - {unit: 区建设和管理委员会, at: 2026-03-02T08:00:00, reason: 职能不符}\n",
        ["line 3", "rounds[0].at", "before"],
    ),
    "missing event": (
        "- rounds:\n    - {unit: 区建设和管理委员会, at: 2026-03-02T11:00:00, reason: 职能不符}\n",
        ["line 1", "event"],
    ),
    "bad event": (
        "- event: {id: E1, matter: SJ9999, area: 南京东路街道, reported_at: 2026-03-02T09:15:00}\n"
        "  rounds:\n"
        "    - {unit: 区建设和管理委员会, at: 2026-03-02T11:00:00, reason: 职能不符}\n",
        ["line 1", "SJ9999"],
    ),
}


@pytest.mark.parametrize("what", sorted(BAD))
@pytest.mark.parametrize("lang", ["en", "zh"])
def test_bad_input_exits_2_located(sample_url: str, tmp_path: Path, what: str, lang: str) -> None:
    text, words = BAD[what]
    path = tmp_path / "cases.yaml"
    path.write_text(text, encoding="utf-8")
    result = exits(invoke("dispute", path, db=sample_url, lang=lang), 2)
    assert str(path) in result.stderr
    for word in words:
        if lang == "zh" and word.startswith("line "):
            word = f"第 {word.split()[1]} 行"
        if lang == "zh" and word == "before":
            word = "早于"
        if lang == "zh" and word.startswith("not_our_duty"):
            word = "职能不符、属地不符"
        assert word in result.stderr, (word, result.stderr)


def test_bad_jsonl_line_located(sample_url: str, tmp_path: Path) -> None:
    path = tmp_path / "cases.jsonl"
    good = one_round(LIFT, "区市场监督管理局", "职能不符")
    bad = one_round(LIFT, "区市场监督管理局", "nope")
    path.write_text(json.dumps(good) + "\n" + json.dumps(bad) + "\n", encoding="utf-8")
    result = exits(invoke("dispute", path, db=sample_url), 2)
    assert "line 2" in result.stderr and "rounds[0].reason" in result.stderr


# --- the 推诿 report ------------------------------------------------------------------------------


def _ruled(desk: DisputeDesk) -> list[Case]:
    """Two cases with times chosen for round numbers: dispatch 09:30, returns 11:30 and 15:30."""
    lift = {
        "id": "C1",
        "event": LIFT,
        "dispatch": {"at": "2026-04-03T16:30:00"},
        "rounds": [
            {"unit": "区市场监督管理局", "at": "2026-04-03T18:30:00", "reason": "职能不符"},
            {"unit": "区市场监督管理局", "at": "2026-04-04T00:30:00", "reason": "其他"},
        ],
    }
    water = {
        "id": "C2",
        "event": WATER_LID,
        "dispatch": {"unit": "区建设和管理委员会", "at": "2026-03-02T09:30:00"},
        "rounds": [
            {"unit": "区建设和管理委员会", "at": "2026-03-02T10:30:00", "reason": "职能不符"}
        ],
    }
    return [desk.rule(lift), desk.rule(water)]


def test_report_numbers_by_hand(desk: DisputeDesk) -> None:
    report = dispute_report(_ruled(desk))
    # 3 returns: SCJ twice (overruled, overruled + escalated), JGW once (upheld)
    assert (report.cases, report.returns, report.upheld, report.overruled, report.arbitrate) == (
        2, 3, 1, 2, 0,
    )  # fmt: skip
    assert report.escalated == 1
    assert report.rounds_per_case == 1.5
    # C1: 16:30 → 00:30 = 8 h; C2: 09:30 → 10:30 = 1 h
    assert report.hours_in_air == 9 and report.hours_per_case == 4.5
    scj, jgw = report.units
    assert (scj.unit.code, scj.returns, scj.cases, scj.overruled, scj.escalated) == (
        "HP-SCJ", 2, 1, 2, 1,
    )  # fmt: skip
    assert scj.hours_in_air == 8  # 2 h to the first return, 6 h from that ruling to the second
    assert scj.share("overruled") == 1.0 and jgw.share("upheld") == 1.0
    assert jgw.hours_in_air == 1
    top = report.rows[0]
    assert (top.duty.list_id, top.duty.row, top.rulings, top.overruled) == ("HP-QZ-SCJ", 3, 2, 2)
    assert top.matter == "RX0204" and top.matter_name == "电梯故障"


def test_report_period(desk: DisputeDesk) -> None:
    cases = _ruled(desk)
    april = dispute_report(cases, dt.date(2026, 4, 4), dt.date(2026, 4, 30))
    assert (april.cases, april.returns, april.rounds_per_case) == (1, 1, 1.0)
    assert april.units[0].hours_in_air == 6
    assert dispute_report(cases, dt.date(2027, 1, 1)).returns == 0


@pytest.mark.parametrize("lang", ["en", "zh"])
@pytest.mark.parametrize("fmt", ["text", "json", "md", "html", "xlsx"])
def test_every_report_format_writes(
    desk: DisputeDesk, sample_url: str, tmp_path: Path, fmt: str, lang: str
) -> None:
    ruled = tmp_path / "ruled.jsonl"
    ruled.write_text(case_lines(_ruled(desk)), encoding="utf-8")
    suffix = {"text": "txt", "md": "md", "json": "json", "html": "html", "xlsx": "xlsx"}[fmt]
    out = tmp_path / f"report.{suffix}"
    ok(invoke("dispute", "report", ruled, "-o", out, db=sample_url, lang=lang))
    if fmt == "xlsx":
        book = load_workbook(out)
        assert len(book.sheetnames) == 3
        units = book.worksheets[1]
        assert units.cell(2, 1).value == "HP-SCJ" and units.cell(2, 3).value == 2
        return
    text = out.read_text(encoding="utf-8")
    if fmt == "json":
        assert DisputeReport.model_validate_json(text).returns == 3
        return
    assert "区市场监督管理局" in text and "HP-QZ-SCJ" in text
    if fmt == "html":
        assert text.startswith("<!DOCTYPE html>") and "<style>" in text
        assert "http://" not in text and "https://" not in text and "src=" not in text
    if lang == "zh":
        assert "退单" in text


def test_report_rules_unruled_cases_and_reads_directories(sample_url: str) -> None:
    text = ok(invoke("dispute", "report", SAMPLE_CASES.parent, "--rules", RULES, db=sample_url))
    assert "10 cases, 11 returns: 3 upheld, 4 overruled, 4 to arbitration; 1 escalated" in text


def test_report_bad_period(sample_url: str) -> None:
    result = invoke(
        "dispute", "report", SAMPLE_CASES, "--from", "2026-05-01", "--to", "2026-04-01",
        db=sample_url,
    )  # fmt: skip
    assert "2026-05-01" in exits(result, 2).stderr


def test_case_records_read_back(desk: DisputeDesk, tmp_path: Path) -> None:
    cases = _ruled(desk)
    path = tmp_path / "ruled.jsonl"
    path.write_text(case_lines(cases), encoding="utf-8")
    assert [located.case for located in read_cases(path)] == cases


# --- properties ---------------------------------------------------------------------------------

EVENTS = [WATER_LID, LIFT, VENDOR_ROAD, PILE_ROAD, SHOP_DPQ, LAMP_OWNED, LAMP, PARK]
UNITS = [
    "区建设和管理委员会",
    "区市场监督管理局",
    "南京东路街道办事处",
    "豫园街道办事处",
    "HP-OWN-WY1",
]


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    event=st.sampled_from(EVENTS),
    units=st.lists(st.sampled_from(UNITS), min_size=1, max_size=3),
    reasons=st.lists(st.sampled_from(list(Reason)), min_size=3, max_size=3),
)
def test_every_return_gets_one_consistent_ruling(
    desk: DisputeDesk, event: dict[str, Any], units: list[str], reasons: list[Reason]
) -> None:
    rounds = [
        {"unit": unit, "at": _later(event, i + 1), "reason": reasons[i].value}
        for i, unit in enumerate(units)
    ]
    case = desk.rule({"event": event, "rounds": rounds})
    seen: set[str] = set()
    for round_ in case.rounds:
        ruling = round_.ruling
        assert ruling is not None
        returning = ruling.returned_by.code
        if ruling.verdict is Verdict.overruled:
            assert ruling.unit.code == returning
        if ruling.verdict is Verdict.upheld:
            assert ruling.unit.code != returning
        if ruling.verdict is Verdict.arbitrate:
            assert ruling.defect is not None and "中心" in ruling.unit.name
        assert (ruling.escalated_to is not None) == (returning in seen)
        seen.add(returning)


# --- the dispute rules: a district's own, inside the engine's envelope ----------------------------

RECLAIMED = {
    "id": "E36",
    "matter": "RX0103",
    "area": "310101002000",
    "reported_at": "2027-07-05T10:05:00",
}


def _desk_with(sample_db: Path, rules: Path) -> tuple[Registry, Router, DisputeDesk]:
    registry = Registry(f"sqlite:///{sample_db}")
    router = Router(registry, rules_dir=rules)
    return registry, router, DisputeDesk(router, rules_dir=rules)


def test_a_district_changes_the_dispute_rules(sample_db: Path, tmp_path: Path) -> None:
    (tmp_path / "disputes").mkdir()
    (tmp_path / "disputes" / "local.yaml").write_text(
        "file: rules\nid: local\nremove: [reclaimed-upheld]\n", encoding="utf-8"
    )
    data = one_round(RECLAIMED, "南京东路街道办事处", "其他")
    data["dispatch"] = {"unit": "南京东路街道办事处"}
    registry, router, desk = _desk_with(sample_db, tmp_path)
    with registry, router, desk:
        ruling = desk.rule(data).rounds[0].ruling
        # the routing rules are the directory's own files: the disputes/ files are not among them
        with Router(registry) as plain:
            assert router.ruleset.digest == plain.ruleset.digest
    assert ruling is not None
    assert (ruling.verdict, ruling.rule, ruling.defect) == (
        Verdict.arbitrate,
        "gap-arbitrates",
        "gap",
    )


def test_the_default_rules_uphold_a_reclaimed_return(desk: DisputeDesk) -> None:
    data = one_round(RECLAIMED, "南京东路街道办事处", "其他")
    data["dispatch"] = {"unit": "南京东路街道办事处"}
    ruling = desk.rule(data).rounds[0].ruling
    assert ruling is not None and ruling.rule == "reclaimed-upheld"
    assert ruling.unit.name == "区城市运行管理中心"  # not back to the street: no 兜底
    assert [(d.list_id, d.role) for d in ruling.duties] == [("HP-JZ-SH", "not_responsible")]


def test_dispute_rules_that_would_not_stop_are_refused(sample_db: Path, tmp_path: Path) -> None:
    (tmp_path / "disputes").mkdir()
    (tmp_path / "disputes" / "loop.yaml").write_text(
        "file: rules\nid: loop\nrules:\n"
        "  - {id: again, when: [{as: d, fact: dispute}], then: [{assert: {fact: dispute, unit: x}}]}\n",
        encoding="utf-8",
    )
    with (
        Registry(f"sqlite:///{sample_db}") as registry,
        Router(registry) as router,
        pytest.raises(InputError) as refused,
    ):
        DisputeDesk(router, rules_dir=tmp_path)
    assert "again" in refused.value.render()


def test_rules_commands_read_the_dispute_rules() -> None:
    listed = ok(invoke("rules", "list", "--disputes"))
    assert "second-return-escalates" in listed and "two-leads-conflict" not in listed
    assert "13 rules" in ok(invoke("rules", "check", "--disputes", "--rules", RULES))
    shown = yaml.safe_load(ok(invoke("rules", "show", "lead-overruled", "--disputes")))
    assert shown["config"]["extra"] == {"dispute_clock": "dispatch"}
    assert [r["id"] for r in shown["rules"]] == ["lead-overruled"]


ACROSS = {  # HP-2026-0039: 淮海中路's list leads it there, nobody in 瑞金二路 (split)
    "id": "E39",
    "matter": "飞线充电",
    "area": "瑞金二路街道",
    "areas": ["淮海中路街道"],
    "reported_at": "2026-07-03T09:30:00",
}


def test_a_split_event_lead_of_one_area_is_overruled_for_its_part(desk: DisputeDesk) -> None:
    ruling = desk.rule(one_round(ACROSS, "淮海中路街道办事处", "属地不符")).rounds[0].ruling
    assert ruling is not None and ruling.decision_status == "split"
    assert (ruling.verdict, ruling.rule) == (Verdict.overruled, "split-part-overruled")
    assert [(d.list_id, d.row) for d in ruling.duties] == [("HP-JZ-JB", 249)]


def test_a_split_event_with_a_gap_is_arbitrated_for_another_unit(desk: DisputeDesk) -> None:
    ruling = desk.rule(one_round(ACROSS, "区市场监督管理局", "职能不符")).rounds[0].ruling
    assert ruling is not None
    assert (ruling.verdict, ruling.rule, ruling.defect) == (
        Verdict.arbitrate,
        "gap-arbitrates",
        "gap",
    )
    assert ruling.unit.name == "区城市运行管理中心"
