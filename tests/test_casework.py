"""The case book (remit/casework, `remit cases`): routed events kept as cases, recorded once
(also by two processes at once), their lifecycle with returns ruled by the dispute desk, the
deadline on the official calendar, and changes that never overwrite each other."""

from __future__ import annotations

import datetime as dt
import json
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from remit import Registry, Router
from remit.casework import (
    CaseBook,
    CaseRecord,
    CaseStatus,
    ensure_tables,
    record_json,
    record_json_text,
)
from remit.casework.records import CaseAction
from remit.errors import InputError
from remit.events.cases import Reason, Verdict
from remit.events.model import EventIn
from remit.registry.refs import UnitRef
from remit.routing.decision import RoutingDecision
from tests.factories import ROOT, SAMPLE, Cli, exits

RULES = ROOT / "data" / "rules"
CALENDAR = ROOT / "data" / "calendar"
BEIJING = dt.timezone(dt.timedelta(hours=8))

# events of data/disputes/cases.yaml (TD-01 … TD-10), each a case whose return is documented
WATER_COVER = {
    "id": "HP-2026-0001",
    "matter": "上水井盖",
    "area": "南京东路街道",
    "reported_at": "2026-03-02T09:15:00",
    "source": "grid",
}
LIFT = {
    "id": "HP-2026-0003",
    "matter": "RX0204",
    "area": "310101020002",
    "reported_at": "2026-04-03T16:20:00",
    "source": "12345",
}
LAMP = {
    "id": "HP-2026-0022",
    "matter": "景观灯",
    "area": "310101002000",
    "reported_at": "2026-05-03T20:35:00",
    "source": "grid",
}
HAWKER_ROAD = {
    "id": "HP-2026-0006",
    "matter": "无照经营游商",
    "area": "南京东路街道",
    "reported_at": "2026-03-02T10:00:00",
    "attributes": {"地点类型": "道路"},
    "source": "12345",
}
HAWKER_NO_PLACE = {
    "id": "HP-2026-0038",
    "matter": "SJ0501",
    "area": "南京东路街道",
    "reported_at": "2026-03-02T10:20:00",
    "source": "12345",
}


class Clock:
    """A clock the test sets."""

    def __init__(self, at: dt.datetime):
        self.at = at

    def __call__(self) -> dt.datetime:
        return self.at


@pytest.fixture
def registry(sample_url: str) -> Iterator[Registry]:
    """The sample district with the 2027 calendar file, on SQLite."""
    with Registry(sample_url) as registry:
        registry.import_files([CALENDAR], by="setup")
        yield registry


@pytest.fixture
def clock() -> Clock:
    return Clock(dt.datetime(2026, 5, 6, 2, 0, tzinfo=dt.UTC))


@pytest.fixture
def book(registry: Registry, clock: Clock) -> Iterator[CaseBook]:
    with CaseBook(registry, rules_dir=RULES, clock=clock) as book:
        yield book


@pytest.fixture
def router(registry: Registry) -> Iterator[Router]:
    with Router(registry, rules_dir=RULES) as router:
        yield router


def recorded(book: CaseBook, router: Router, event: dict[str, Any]) -> CaseRecord:
    case, created = book.record(event, router.route(event), "12345平台")
    assert created
    return case


def refused(key: str, call: Any, *args: Any, **kwargs: Any) -> InputError:
    with pytest.raises(InputError) as caught:
        call(*args, **kwargs)
    assert {p.key for p in caught.value.problems} == {key}, caught.value.render("en")
    return caught.value


# --- recording ---------------------------------------------------------------------------------


def test_a_routed_event_becomes_a_dispatched_case_with_its_steps(
    book: CaseBook, router: Router, clock: Clock
) -> None:
    case = recorded(book, router, LIFT)
    assert case.id == "C-2026-000001"
    assert (case.source, case.external_id) == ("12345", "HP-2026-0003")
    assert case.status is CaseStatus.dispatched
    assert (case.unit, case.unit_name) == ("HP-SCJ", "区市场监督管理局")
    assert case.street_name == "打浦桥街道" or case.street is not None
    assert case.matter_name == "电梯故障"
    assert [(s.action, s.from_status, s.to_status) for s in case.steps] == [
        (CaseAction.receive, None, CaseStatus.received),
        (CaseAction.dispatch, CaseStatus.received, CaseStatus.dispatched),
    ]
    assert all(s.actor == "12345平台" and s.at == clock.at for s in case.steps)
    assert case.version == 1
    assert case.decision.event_id == "HP-2026-0003"
    assert case.event.id == "HP-2026-0003"
    # 1工作日 from the dispatch (Wednesday 2026-05-06 10:00 Beijing): Thursday's close
    assert case.deadline == dt.datetime(2026, 5, 7, 17, 0, tzinfo=BEIJING)
    assert book.get(case.id) == case
    assert book.by_external("12345", "HP-2026-0003") == case
    assert book.get("C-2026-999999") is None


def test_recording_the_same_event_again_gives_the_same_case(book: CaseBook, router: Router) -> None:
    first = recorded(book, router, LIFT)
    again, created = book.record(LIFT, router.route(LIFT), "someone else")
    assert not created and again == first
    other = recorded(book, router, WATER_COVER)
    assert other.id == "C-2026-000002"
    # the same id from another source is another event
    elsewhere = {**LIFT, "source": "grid"}
    third, created = book.record(elsewhere, router.route(elsewhere), "grid")
    assert created and third.id == "C-2026-000003"
    assert book.count() == 3


def test_needs_info_and_mismatched_decisions_are_not_recorded(
    book: CaseBook, router: Router
) -> None:
    problem = refused(
        "case.needs_info", book.record, HAWKER_NO_PLACE, router.route(HAWKER_NO_PLACE), "t"
    )
    assert "location_type" in problem.render("en")
    refused("case.decision_mismatch", book.record, LIFT, router.route(WATER_COVER), "t")
    refused(
        "schema.invalid",
        book.record,
        {**LIFT, "id": "X-1", "area": None, "matter": None},
        router.route(LIFT).model_copy(update={"event_id": "X-1"}),
        "t",
    )
    assert book.count() == 0


def test_a_conflict_goes_to_the_centre_that_arbitrates(book: CaseBook, router: Router) -> None:
    case = recorded(book, router, HAWKER_ROAD)
    assert case.decision.status.value == "conflict"
    assert case.unit_name == "南京东路街道城市运行管理中心"
    assert case.centre_holds()


# --- the lifecycle -----------------------------------------------------------------------------


def test_accept_resolve_close_with_every_step_stamped(
    book: CaseBook, router: Router, clock: Clock
) -> None:
    case = recorded(book, router, LIFT)
    clock.at += dt.timedelta(minutes=5)
    case = book.accept(case.id, "张三", "区市场监督管理局")  # a name is as good as the code
    assert case.status is CaseStatus.accepted and case.version == 2
    clock.at += dt.timedelta(hours=2)
    case = book.resolve(case.id, "张三", "HP-SCJ", "已督促物业修复")
    clock.at += dt.timedelta(hours=1)
    case = book.close(case.id, "中心值班员", "回访满意")
    assert case.status is CaseStatus.closed and case.version == 4
    assert [(s.action, s.actor, s.note) for s in case.steps[2:]] == [
        (CaseAction.accept, "张三", ""),
        (CaseAction.resolve, "张三", "已督促物业修复"),
        (CaseAction.close, "中心值班员", "回访满意"),
    ]
    assert [s.at for s in case.steps[2:]] == sorted(s.at for s in case.steps[2:])
    assert not case.overdue(dt.datetime(2030, 1, 1, tzinfo=dt.UTC))  # closed: never overdue
    problem = refused("case.illegal", book.resolve, case.id, "张三", "HP-SCJ")
    text = problem.render("en")
    assert "closed" in text and "accepted" in text  # the status it is, the one resolve needs
    assert "已结案" in problem.render("zh") and "已签收" in problem.render("zh")


def test_only_the_unit_that_holds_a_case_acts_on_it(book: CaseBook, router: Router) -> None:
    case = recorded(book, router, LIFT)
    problem = refused("case.not_holder", book.accept, case.id, "t", "区房屋管理局")
    assert "区市场监督管理局" in problem.render("en")
    refused("ref.unknown_unit", book.accept, case.id, "t", "没有这个单位")
    refused("case.unknown", book.accept, "C-2026-424242", "t", "HP-SCJ")
    refused("case.illegal", book.resolve, case.id, "t", "HP-SCJ")  # not accepted yet
    refused("case.not_centre", book.reassign, case.id, "t", "HP-SCJ", "HP-FGJ")


def test_a_change_decided_on_an_old_version_is_refused(book: CaseBook, router: Router) -> None:
    case = recorded(book, router, LIFT)
    book.supervise(case.id, "区领导", "群众反映强烈", version=1)
    problem = refused("case.changed", book.accept, case.id, "t", "HP-SCJ", version=1)
    assert "version 1" in problem.render("en") and "version 2" in problem.render("en")
    stale = book.get(case.id)
    assert stale is not None and stale.supervised is not None
    assert (stale.supervised.by, stale.supervised.note) == ("区领导", "群众反映强烈")
    book.accept(case.id, "t", "HP-SCJ")
    # a change written from a case read before another one is refused at the write
    with pytest.raises(InputError) as caught:
        book._write(stale, [stale.steps[-1]], status=CaseStatus.resolved)
    assert caught.value.problems[0].key == "case.changed"
    now = book.get(case.id)
    assert now is not None and now.status is CaseStatus.accepted and now.version == 3


def test_a_return_the_lists_overrule_goes_back_to_the_unit(
    book: CaseBook, router: Router, clock: Clock
) -> None:
    case = recorded(book, router, LIFT)
    dispatched_deadline = case.deadline
    clock.at += dt.timedelta(hours=1)
    case = book.return_(case.id, "李四", "HP-SCJ", "职能不符", evidence="小区电梯应由物业维修")
    assert case.status is CaseStatus.dispatched and case.unit == "HP-SCJ"
    assert case.deadline == dispatched_deadline  # dispute_clock dispatch: the clock runs on
    ret, rule = case.steps[-2:]
    assert (ret.action, ret.to_status, ret.unit) == (
        CaseAction.return_,
        CaseStatus.returned,
        "HP-SCJ",
    )
    assert rule.action is CaseAction.rule and rule.to_status is CaseStatus.dispatched
    ruling = rule.details["ruling"]
    assert isinstance(ruling, dict) and ruling["verdict"] == "overruled"
    assert ruling["rule"] == "lead-overruled"
    # the second return by the same unit: overruled again, escalated one level (督办)
    case = book.return_(case.id, "李四", "HP-SCJ", Reason.other, evidence="人手不足")
    rounds = case.rounds
    assert len(rounds) == 2 and rounds[1].ruling is not None
    assert rounds[1].ruling.verdict is Verdict.overruled
    assert rounds[1].ruling.escalated_to is not None
    assert rounds[1].ruling.escalated_to.name == "区城市运行管理中心"
    assert case.as_case().rounds == rounds


def test_a_return_the_lists_uphold_is_reassigned_to_their_lead(
    book: CaseBook, router: Router
) -> None:
    # dispatched to the supervising 建管委 (as TD-01): the lists name the water company lead
    misrouted = router.route(WATER_COVER).model_copy(
        update={"lead": UnitRef(code="HP-JGW", name="区建设和管理委员会")}
    )
    case, _ = book.record(WATER_COVER, misrouted, "t")
    assert case.unit == "HP-JGW"
    case = book.return_(case.id, "王五", "HP-JGW", Reason.not_our_duty, evidence="属供水企业")
    assert case.status is CaseStatus.reassigned
    assert case.unit_name == "上海城投水务（集团）有限公司"
    assert case.last_ruling is not None and case.last_ruling.rule == "another-leads-upheld"
    # the new holder takes it on; the one that returned it no longer may
    refused("case.not_holder", book.accept, case.id, "王五", "HP-JGW")
    case = book.accept(case.id, "赵六", case.unit)
    assert case.status is CaseStatus.accepted


def test_a_return_the_lists_cannot_settle_goes_to_the_centre_which_reassigns(
    book: CaseBook, router: Router, clock: Clock
) -> None:
    case = recorded(book, router, LAMP)  # 景观灯, no owner named: the street holds it
    dispatched_deadline = case.deadline
    assert case.unit_name == "南京东路街道办事处"
    clock.at += dt.timedelta(hours=1)
    case = book.return_(case.id, "t", "南京东路街道办事处", "权属不清", "请中心协调")
    assert case.status is CaseStatus.ruled
    assert case.unit_name == "南京东路街道城市运行管理中心"
    ruling = case.last_ruling
    assert ruling is not None and ruling.verdict is Verdict.arbitrate
    assert case.deadline == ruling.deadline  # the centre's own (arbitration_time_limit)
    assert case.steps[-2].note == "请中心协调"
    refused("case.illegal", book.accept, case.id, "t", case.unit)
    refused("case.same_unit", book.reassign, case.id, "t", case.unit, case.unit)
    case = book.reassign(case.id, "中心", "HP-NJDL-CYZX", "上海申浦物业服务有限公司", "查明权属")
    assert case.status is CaseStatus.reassigned
    assert case.unit_name == "上海申浦物业服务有限公司"
    assert case.deadline == dispatched_deadline  # dispatch clock: the first dispatch's
    assert not case.centre_holds()
    refused("case.not_centre", book.reassign, case.id, "t", case.unit, "HP-NJDL")


def test_the_reassignment_clock_runs_anew_from_each_ruling(
    registry: Registry, router: Router, tmp_path: Path
) -> None:
    (tmp_path / "disputes").mkdir()
    (tmp_path / "disputes" / "clock.yaml").write_text(
        "file: rules\nid: d\nconfig:\n  extra: {dispute_clock: reassignment}\n", encoding="utf-8"
    )
    clock = Clock(dt.datetime(2026, 5, 6, 10, 0, tzinfo=BEIJING))  # a Wednesday
    with CaseBook(registry, rules_dir=tmp_path, clock=clock) as book:
        case = recorded(book, router, LIFT)
        assert case.deadline == dt.datetime(2026, 5, 7, 17, 0, tzinfo=BEIJING)
        clock.at = dt.datetime(2026, 5, 7, 16, 0, tzinfo=BEIJING)
        case = book.return_(case.id, "t", "HP-SCJ", "职能不符")
        assert case.status is CaseStatus.dispatched  # overruled: 1工作日 anew from the ruling
        assert case.deadline == dt.datetime(2026, 5, 8, 17, 0, tzinfo=BEIJING)
        lamp = recorded(book, router, LAMP)
        lamp = book.return_(lamp.id, "t", lamp.unit, "权属不清")
        assert lamp.status is CaseStatus.ruled
        clock.at = dt.datetime(2026, 5, 8, 9, 30, tzinfo=BEIJING)  # a Friday
        lamp = book.reassign(lamp.id, "中心", lamp.unit, "上海申浦物业服务有限公司")
        # 2工作日 from the reassignment: Saturday 9 May is a make-up working day (调休 for
        # Labour Day), Sunday is not: Monday's close
        assert lamp.deadline == dt.datetime(2026, 5, 11, 17, 0, tzinfo=BEIJING)


# --- the deadline on the official calendar -----------------------------------------------------


def test_a_case_before_national_day_is_due_after_the_holiday(
    registry: Registry, router: Router
) -> None:
    event = {**LIFT, "id": "HP-2026-0930", "reported_at": "2026-09-30T10:00:00"}
    decision = router.route(event)
    assert decision.time_limit == "1工作日"
    clock = Clock(dt.datetime(2026, 9, 30, 2, 5, tzinfo=dt.UTC))
    with CaseBook(registry, rules_dir=RULES, clock=clock) as book:
        case, _ = book.record(event, decision, "t")
        # the next working day after 30 September is 8 October (1–7 October: National Day)
        assert case.deadline == dt.datetime(2026, 10, 8, 17, 0, tzinfo=BEIJING)
        holiday = dt.datetime(2026, 10, 3, 12, 0, tzinfo=BEIJING)
        assert not case.overdue(holiday)
        left = case.time_left(holiday)
        assert left is not None and left > dt.timedelta(days=5)
        after = case.deadline + dt.timedelta(minutes=1)
        assert case.overdue(after)
        clock.at = holiday
        assert book.list(overdue=True) == [] and book.list(overdue=False) == [case]
        clock.at = after
        assert book.list(overdue=True) == [case] and book.count(overdue=False) == 0
        book.supervise(case.id, "督查室", "超期")
        case = book.accept(case.id, "t", case.unit)
        case = book.resolve(case.id, "t", case.unit)
        assert not case.overdue(after) and case.time_left(after) is None
        assert book.list(overdue=True) == []


def test_the_list_filters(book: CaseBook, router: Router) -> None:
    lift, cover, lamp = (recorded(book, router, e) for e in (LIFT, WATER_COVER, LAMP))
    book.supervise(cover.id, "区领导")
    book.accept(lamp.id, "t", lamp.unit)
    assert [c.id for c in book.list()] == [lift.id, cover.id, lamp.id]
    assert [c.id for c in book.list(unit="区市场监督管理局")] == [lift.id]
    assert [c.id for c in book.list(status="accepted")] == [lamp.id]
    assert [c.id for c in book.list(supervised=True)] == [cover.id]
    assert [c.id for c in book.list(supervised=False)] == [lift.id, lamp.id]
    assert [c.id for c in book.list(street="南京东路街道")] == [cover.id, lamp.id]
    assert [c.id for c in book.list(limit=1, offset=1)] == [cover.id]
    assert book.count(street="南京东路街道", status=CaseStatus.accepted) == 1
    refused("case.unknown_status", book.list, status="lost")
    refused("ref.unknown_area", book.list, street="火星街道")


def test_the_tables_are_made_once(registry: Registry) -> None:
    assert ensure_tables(registry.engine)  # a registry made before the case book
    assert not ensure_tables(registry.engine)
    with CaseBook(registry):
        pass
    assert not ensure_tables(registry.engine)


# --- PostgreSQL: two processes at once ---------------------------------------------------------


@pytest.fixture
def pg_registry(pg_url: str) -> Iterator[Registry]:
    with Registry.create(pg_url) as registry:
        registry.import_files([SAMPLE, CALENDAR], by="setup")
        yield registry


def _together(*calls: Any) -> list[Any]:
    """Run ``calls`` in threads released at the same moment; their results or errors."""
    barrier = threading.Barrier(len(calls))
    results: list[Any] = [None] * len(calls)

    def run(i: int) -> None:
        barrier.wait()
        try:
            results[i] = calls[i]()
        except Exception as exc:  # the refusal is the result
            results[i] = exc

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(calls))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


@pytest.mark.pg
def test_pg_the_same_event_recorded_at_once_is_one_case(pg_registry: Registry, pg_url: str) -> None:
    with Router(pg_registry, rules_dir=RULES) as router:
        decisions: list[tuple[dict[str, Any], RoutingDecision]] = []
        for n in range(20):
            event = {**LIFT, "id": f"HP-2026-R{n:02d}"}
            decisions.append((event, router.route(event)))
    books = [CaseBook(Registry(pg_url)) for _ in range(2)]
    for event, decision in decisions:
        results = _together(*(lambda b=b, e=event, d=decision: b.record(e, d, "t") for b in books))
        assert all(isinstance(r, tuple) for r in results), results
        assert sorted(created for _, created in results) == [False, True]
        assert results[0][0].id == results[1][0].id
    assert books[0].count() == 20
    assert len({c.id for c in books[0].list(limit=100)}) == 20
    for book in books:
        book.dispose()
        book.registry.close()


def _numbering_goes_on(registry: Registry) -> None:
    """Case numbers run per year of the report, one after another; a database whose cases were
    numbered before the year's counter was kept goes on from its highest number."""
    from sqlalchemy import delete, update

    from remit.casework.store import case_numbers, cases

    with Router(registry, rules_dir=RULES) as router, CaseBook(registry, rules_dir=RULES) as book:
        first = recorded(book, router, {**LIFT, "id": "N-1"})
        second = recorded(book, router, {**LIFT, "id": "N-2"})
        assert (first.id, second.id) == ("C-2026-000001", "C-2026-000002")
        older = recorded(book, router, {**LIFT, "id": "N-3", "reported_at": "2025-12-31T23:00:00"})
        assert older.id == "C-2025-000001"
        with registry.engine.begin() as c:  # as written before the counter: forgotten, renumbered
            c.execute(delete(case_numbers))
            c.execute(update(cases).where(cases.c.id == second.id).values(number=999999))
        assert recorded(book, router, {**LIFT, "id": "N-4"}).id == "C-2026-1000000"
        again, created = book.record(
            {**LIFT, "id": "N-4"}, router.route({**LIFT, "id": "N-4"}), "t"
        )
        assert not created and again.id == "C-2026-1000000"
        assert recorded(book, router, {**LIFT, "id": "N-5"}).id == "C-2026-1000001"


def test_case_numbers_run_per_year_and_go_on(registry: Registry) -> None:
    _numbering_goes_on(registry)


@pytest.mark.pg
def test_pg_case_numbers_run_per_year_and_go_on(pg_registry: Registry) -> None:
    _numbering_goes_on(pg_registry)


@pytest.mark.pg
def test_pg_two_changes_at_once_one_wins(pg_registry: Registry, pg_url: str) -> None:
    books = [CaseBook(Registry(pg_url)) for _ in range(2)]
    with Router(pg_registry, rules_dir=RULES) as router:
        for n in range(20):
            event = {**LIFT, "id": f"HP-2026-T{n:02d}"}
            case, _ = books[0].record(event, router.route(event), "t")
            results = _together(
                lambda i=case.id: books[0].accept(i, "甲", "HP-SCJ"),
                lambda i=case.id: books[1].supervise(i, "乙", "督办"),
            )
            won = [r for r in results if isinstance(r, CaseRecord)]
            lost = [r for r in results if isinstance(r, InputError)]
            now = books[0].get(case.id)
            assert now is not None
            if len(won) == 2:  # one read after the other wrote: both changes stand
                assert now.version == 3 and now.supervised is not None
                assert now.status is CaseStatus.accepted
            else:
                assert len(won) == 1 and len(lost) == 1, results
                assert lost[0].problems[0].key == "case.changed"
                assert now.version == 2 == won[0].version
    for book in books:
        book.dispose()
        book.registry.close()


@pytest.mark.pg
def test_pg_tables_made_by_two_at_once(pg_url: str) -> None:
    with Registry.create(pg_url) as registry:
        engines = [Registry(pg_url).engine for _ in range(3)]
        results = _together(*(lambda e=e: ensure_tables(e) for e in engines))
        assert sorted(results) == [False, False, True] or results == [False] * 3
        assert not ensure_tables(registry.engine)
        for engine in engines:
            engine.dispose()


# --- the command line --------------------------------------------------------------------------


@pytest.fixture
def events_file(tmp_path: Path) -> Path:
    path = tmp_path / "events.jsonl"
    lines = [LIFT, WATER_COVER, LAMP, HAWKER_NO_PLACE]
    path.write_text("".join(json.dumps(e, ensure_ascii=False) + "\n" for e in lines), "utf-8")
    return path


def test_cli_record_list_show_and_act(
    cli: Cli, sample_url: str, events_file: Path, wide_terminal: None
) -> None:
    result = exits(cli("cases", "record", events_file, "--rules", RULES, db=sample_url), 0)
    assert "C-2026-000001  HP-2026-0003  recorded" in result.stdout
    assert "HP-2026-0038  not recorded" in result.stdout
    assert "3 cases recorded, 0 already recorded, 1 events not recorded" in result.stdout
    again = exits(cli("cases", "record", events_file, db=sample_url), 0)
    assert "0 cases recorded, 3 already recorded" in again.stdout

    listed = json.loads(exits(cli("cases", "list", "--format", "json", db=sample_url), 0).stdout)
    assert [c["id"] for c in listed] == ["C-2026-000001", "C-2026-000002", "C-2026-000003"]
    assert listed[0]["status"] == "dispatched" and listed[0]["unit"] == "HP-SCJ"
    assert {"overdue", "hours_left", "steps", "version", "deadline"} <= set(listed[0])

    text = exits(cli("cases", "list", "--unit", "HP-SCJ", db=sample_url, lang="zh"), 0).stdout
    assert "C-2026-000001" in text and "已派单" in text and "C-2026-000002" not in text
    header, row = text.splitlines()[:2]
    # wide characters aligned: the status column starts at the same terminal column
    from rich.cells import cell_len

    assert cell_len(header[: header.index("状态")]) == cell_len(row[: row.index("已派单")])

    exits(
        cli(
            "cases",
            "accept",
            "C-2026-000001",
            "--unit",
            "区市场监督管理局",
            "--by",
            "张三",
            db=sample_url,
        ),
        0,
    )
    returned = exits(
        cli(
            "cases",
            "return",
            "C-2026-000001",
            "--unit",
            "HP-SCJ",
            "--reason",
            "职能不符",
            "--evidence",
            "物业维修",
            "--rules",
            RULES,
            db=sample_url,
            lang="zh",
        ),
        0,
    ).stdout
    assert "退单不成立" in returned or "驳回" in returned or "已派单" in returned
    exits(cli("cases", "accept", "C-2026-000001", "--unit", "HP-SCJ", db=sample_url), 0)
    exits(
        cli(
            "cases",
            "resolve",
            "C-2026-000001",
            "--unit",
            "HP-SCJ",
            "--note",
            "修好了",
            db=sample_url,
        ),
        0,
    )
    exits(cli("cases", "supervise", "C-2026-000002", "--note", "督办", db=sample_url), 0)
    closed = exits(cli("cases", "close", "C-2026-000001", "--format", "json", db=sample_url), 0)
    data = json.loads(closed.stdout)
    assert data["status"] == "closed" and data["overdue"] is False
    assert [s["action"] for s in data["steps"]] == [
        "receive",
        "dispatch",
        "accept",
        "return",
        "rule",
        "accept",
        "resolve",
        "close",
    ]
    assert data["steps"][2]["actor"] == "张三" and data["steps"][-1]["actor"] == "tester"

    shown = exits(cli("cases", "show", "C-2026-000001", db=sample_url, lang="zh"), 0).stdout
    assert "已结案" in shown and "退单及裁定" in shown and "修好了" in shown
    supervised = exits(cli("cases", "list", "--supervised", db=sample_url), 0).stdout
    assert "C-2026-000002" in supervised and "C-2026-000001" not in supervised


def test_cli_bad_input_exits_2_naming_it(
    cli: Cli, sample_url: str, events_file: Path, tmp_path: Path, wide_messages: None
) -> None:
    exits(cli("cases", "record", events_file, db=sample_url), 0)
    result = exits(cli("cases", "show", "C-2026-999999", db=sample_url), 2)
    assert "no case 'C-2026-999999'" in result.stderr
    result = exits(cli("cases", "accept", "C-2026-000001", "--unit", "HP-FGJ", db=sample_url), 2)
    assert "is with 区市场监督管理局 (HP-SCJ), not with 'HP-FGJ'" in result.stderr
    result = exits(
        cli(
            "cases",
            "return",
            "C-2026-000001",
            "--unit",
            "HP-SCJ",
            "--reason",
            "不想办",
            db=sample_url,
        ),
        2,
    )
    assert "unknown return reason '不想办'" in result.stderr
    result = exits(
        cli("cases", "resolve", "C-2026-000001", "--unit", "HP-SCJ", db=sample_url, lang="zh"), 2
    )
    assert "已派单" in result.stderr and "已签收" in result.stderr
    result = exits(cli("cases", "list", "--status", "lost", db=sample_url), 2)
    assert "unknown case status 'lost'" in result.stderr
    bad = tmp_path / "bad.jsonl"
    bad.write_text(json.dumps({**LIFT, "id": "X-1", "matter": "SJ9999"}) + "\n", "utf-8")
    result = exits(cli("cases", "record", bad, db=sample_url), 2)
    assert "bad.jsonl, line 1, field matter" in result.stderr
    assert "X-1" not in exits(cli("cases", "list", db=sample_url), 0).stdout
    result = exits(
        cli(
            "cases",
            "accept",
            "C-2026-000001",
            "--unit",
            "HP-SCJ",
            "--if-version",
            "7",
            db=sample_url,
        ),
        2,
    )
    assert "changed since you read it" in result.stderr


def test_init_makes_the_case_tables_and_force_empties_them(
    cli: Cli, sqlite_url: str, events_file: Path
) -> None:
    exits(cli("init", db=sqlite_url), 0)
    with Registry(sqlite_url) as registry:
        assert not ensure_tables(registry.engine)
        registry.import_files([SAMPLE], by="setup")
    exits(cli("cases", "record", events_file, db=sqlite_url), 0)
    exits(cli("init", "--force", db=sqlite_url), 0)
    with Registry(sqlite_url) as registry:
        assert not ensure_tables(registry.engine)
        registry.import_files([SAMPLE], by="setup")
        with CaseBook(registry) as book:
            assert book.count() == 0


def test_cli_speaks_chinese(
    cli: Cli, sample_url: str, events_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`--lang zh` output of every `remit cases` command holds no English word (as
    tests/test_zh_output.py checks the others)."""
    from tests.test_zh_output import _vocabulary, english_words

    monkeypatch.setenv("REMIT_USER", "值班员")
    codes, text = _vocabulary(sample_url)
    outputs = [
        exits(cli("cases", "record", events_file, "--rules", RULES, db=sample_url, lang="zh"), 0),
        exits(cli("cases", "list", db=sample_url, lang="zh"), 0),
        exits(
            cli("cases", "accept", "C-2026-000003", "--unit", "HP-NJDL", db=sample_url, lang="zh"),
            0,
        ),
        exits(
            cli(
                "cases",
                "return",
                "C-2026-000003",
                "--unit",
                "HP-NJDL",
                "--reason",
                "权属不清",
                "--rules",
                RULES,
                db=sample_url,
                lang="zh",
            ),
            0,
        ),
        exits(
            cli(
                "cases",
                "reassign",
                "C-2026-000003",
                "--unit",
                "HP-NJDL-CYZX",
                "--to",
                "上海申浦物业服务有限公司",
                "--note",
                "查明权属",
                db=sample_url,
                lang="zh",
            ),
            0,
        ),
        exits(
            cli("cases", "supervise", "C-2026-000003", "--note", "督办", db=sample_url, lang="zh"),
            0,
        ),
        exits(cli("cases", "show", "C-2026-000003", db=sample_url, lang="zh"), 0),
        exits(cli("cases", "list", "--overdue", db=sample_url, lang="zh"), 0),
        exits(cli("cases", "close", "C-2026-000003", db=sample_url, lang="zh"), 2),
        exits(
            cli("cases", "accept", "C-2026-000001", "--unit", "HP-FGJ", db=sample_url, lang="zh"), 2
        ),
    ]
    for result in outputs:
        said = result.stdout + result.stderr
        assert said.strip()
        assert english_words(said, codes, text, [str(events_file)]) == set(), said


def _many_once(registry: Registry) -> None:
    """record_many: a batch's new events become cases numbered in order, one case per event
    (a second copy in the batch and an event recorded before are not new), a refusal in its
    place; the same batch again creates nothing."""
    with Router(registry, rules_dir=RULES) as router, CaseBook(registry, rules_dir=RULES) as book:
        before = recorded(book, router, {**LIFT, "id": "M-0"})
        events = [{**LIFT, "id": f"M-{n}"} for n in (1, 2, 0, 2, 3)]
        routed = [(EventIn.model_validate(e), router.route(e)) for e in events]
        needs = {**LIFT, "id": "M-9", "attributes": {}, "matter": "SJ0501"}
        routed.append((EventIn.model_validate(needs), router.route(needs)))
        results = book.record_many(routed, "bus")
        assert results[:5] == [True, True, False, False, True]
        assert isinstance(results[5], InputError) or results[5] is False
        made = {c.external_id: c.id for c in book.list(limit=100)}
        assert made["M-0"] == before.id
        numbers = [int(made[f"M-{n}"].rsplit("-", 1)[1]) for n in (1, 2, 3)]
        assert numbers == sorted(numbers) and len(set(numbers)) == 3
        case = book.get(made["M-1"])
        assert case is not None and [s.action.value for s in case.steps] == ["receive", "dispatch"]
        assert book.record_many(routed[:5], "bus") == [False] * 5
        assert book.count() == 4


def test_many_events_recorded_at_once(registry: Registry) -> None:
    _many_once(registry)


@pytest.mark.pg
def test_pg_many_events_recorded_at_once(pg_registry: Registry) -> None:
    _many_once(pg_registry)


def test_a_case_written_at_once_is_its_json_data(
    book: CaseBook, router: Router, clock: Clock
) -> None:
    """``record_json_text`` (what the service answers with) is ``record_json`` written: for a
    case open, overdue and closed, and as read back from the database."""
    case = recorded(book, router, LIFT)
    moments = [None, case.dispatched_at, dt.datetime(2030, 1, 1, tzinfo=dt.UTC)]
    states = [case, book.get(case.id)]
    assert states[1] is not None and states[1].decision == case.decision  # stored as written
    clock.at += dt.timedelta(minutes=5)
    states.append(book.accept(case.id, "张三", "HP-SCJ"))
    states.append(book.resolve(case.id, "张三", "HP-SCJ", "已修复"))
    states.append(book.close(case.id, "中心值班员", "回访满意"))
    for state in states:
        assert state is not None
        for now in moments:
            text = record_json_text(state, now)
            assert json.loads(text) == record_json(state, now)
            assert list(json.loads(text)) == list(record_json(state, now))
    assert json.loads(record_json_text(states[0], moments[2]))["overdue"] is True
