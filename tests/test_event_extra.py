"""Event files with columns (keys) routing does not use — 诉求内容, 联系电话, 工单来源 … — as real
exports carry them: kept verbatim in the event's ``extra`` and in each decision's ``extra``,
listed once per file as a warning (a column close to a field named apart, as a likely
misspelling), replayed identically; decisions without them are byte for byte as before."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from pydantic import ValidationError

from remit import Registry
from remit.events.model import EXTRA_KEYS, EventIn
from remit.events.read import likely_field, read_events
from remit.routing.batch import route_batch
from remit.routing.decision import RoutingDecision
from remit.routing.router import Router
from tests.factories import FIXTURES, Cli, exits, ok, sqlite_registry_url

pytestmark = pytest.mark.usefixtures("wide_terminal")

ROUTING = FIXTURES / "routing"
BASE = {"matter": "SJ0101", "area": "东街街道", "reported_at": "2025-09-30T10:00:00"}
KEPT = {"诉求内容": "人行道上有人摆摊", "联系电话": "13800000000", "工单来源": "12345"}
WARNING = (
    "columns not used for routing, kept in each decision's extra: 诉求内容, 联系电话, 工单来源"
)


@pytest.fixture(scope="module")
def url(tmp_path_factory: pytest.TempPathFactory) -> str:
    return sqlite_registry_url(tmp_path_factory.mktemp("routing") / "registry.db", ROUTING)


def jsonl(path: Path, *events: dict[str, Any]) -> Path:
    path.write_text("".join(json.dumps(e, ensure_ascii=False) + "\n" for e in events), "utf-8")
    return path


def decisions(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def test_unknown_keys_go_into_extra_as_given() -> None:
    event = EventIn.model_validate(
        {"id": 1, **BASE, **KEPT, "楼层": 3, "图片": ["a.jpg"], "extra": {"批次": None}}
    )
    assert event.extra == {**{"批次": None}, **KEPT, "楼层": 3, "图片": ["a.jpg"]}
    assert "extra" not in EventIn.model_validate({"id": 1, **BASE}).model_dump(mode="json")
    with pytest.raises(ValidationError):
        EventIn.model_validate({"id": 1, **BASE, **{f"k{n}": n for n in range(EXTRA_KEYS + 1)}})


def test_likely_misspellings() -> None:
    assert likely_field("aera") == "area"
    assert likely_field("reportedat") == "reported_at"
    assert likely_field("上报时问") == "上报时间"
    assert [likely_field(k) for k in KEPT] == [None, None, None]


def test_the_api_carries_extra_into_the_decision(url: str) -> None:
    with Registry(url) as registry:
        router = Router(registry)
        plain = router.route({"id": "E1", **BASE})
        kept = router.route({"id": "E1", **BASE, **KEPT})
    assert kept.extra == KEPT and plain.extra == {}
    assert "extra" not in json.loads(plain.model_dump_json())
    assert "extra" not in kept.event.model_dump(mode="json")  # kept once, in the decision
    assert kept.model_copy(update={"extra": {}}) == plain
    assert RoutingDecision.model_validate_json(kept.model_dump_json()) == kept


def _csv(path: Path, encoding: str) -> Path:
    rows = [
        ["编号", "事项", "区域", "上报时间", *KEPT],
        ["C1", "SJ0101", "东街街道", "2025-09-30 10:00", *KEPT.values()],
        ["C2", "SJ0101", "东街街道", "2025-09-30 11:00", "", "", ""],
    ]
    path.write_bytes("\r\n".join(",".join(r) for r in rows).encode(encoding))
    return path


def _xlsx(path: Path) -> Path:
    book = openpyxl.Workbook()
    book.active.append(["编号", "事项", "区域", "上报时间", *KEPT])
    book.active.append(["C1", "SJ0101", "东街街道", "2025-09-30 10:00", *KEPT.values()])
    book.active.append(["C2", "SJ0101", "东街街道", "2025-09-30 11:00"])
    book.save(path)
    return path


@pytest.mark.parametrize("kind", ["utf-8", "gb18030", "xlsx"])
def test_tables_keep_their_columns(tmp_path: Path, kind: str) -> None:
    path = _xlsx(tmp_path / "e.xlsx") if kind == "xlsx" else _csv(tmp_path / "e.csv", kind)
    first, second = (event for _, event in read_events(path))
    assert isinstance(first, EventIn) and isinstance(second, EventIn)
    assert first.extra == KEPT
    assert second.extra == {}  # empty cells give nothing, as for every column


@pytest.mark.parametrize("kind", ["jsonl", "utf-8", "gb18030", "xlsx"])
def test_route_batch_warns_once_and_keeps_extra(
    cli: Cli, url: str, tmp_path: Path, kind: str
) -> None:
    if kind == "jsonl":
        events = jsonl(
            tmp_path / "e.jsonl",
            {"id": "C1", **BASE, **KEPT},
            {"id": "C2", **BASE, "诉求内容": "x"},
        )
    elif kind == "xlsx":
        events = _xlsx(tmp_path / "e.xlsx")
    else:
        events = _csv(tmp_path / "e.csv", kind)
    out = tmp_path / "d.jsonl"
    result = cli("route-batch", events, "-o", out, db=url)
    ok(result)
    assert result.stderr.count("warning:") == 1
    assert f"{events}: {WARNING}" in result.stderr
    first, second = decisions(out)
    assert first["extra"] == KEPT
    assert list(first).index("extra") < list(first).index("snapshot_hash")
    assert second.get("extra", {}) == ({"诉求内容": "x"} if kind == "jsonl" else {})
    zh = cli("route-batch", events, "-o", out, db=url, lang="zh")
    assert (
        "警告：" in zh.stderr
        and "原样保留在每个决定的 extra 中：诉求内容、联系电话、工单来源" in zh.stderr
    )


def test_no_extra_no_warning(cli: Cli, url: str, tmp_path: Path) -> None:
    events = jsonl(tmp_path / "e.jsonl", {"id": "C1", **BASE})
    out = tmp_path / "d.jsonl"
    result = cli("route-batch", events, "-o", out, db=url)
    ok(result)
    assert result.stderr == ""
    assert '"extra"' not in out.read_text(encoding="utf-8")


def test_a_misspelt_field_is_named(cli: Cli, url: str, tmp_path: Path) -> None:
    """``sorce`` is kept (not refused), with a warning naming ``source``; ``aera`` for
    ``area``: the event then lacks its area and is refused, its reasons say why."""
    events = jsonl(
        tmp_path / "e.jsonl",
        {"id": "C1", **BASE, "sorce": "12345", "联系电话": "138"},
        {"id": "C2", "matter": "SJ0101", "aera": "东街街道", "reported_at": "2025-09-30"},
    )
    out, bad = tmp_path / "d.jsonl", tmp_path / "r.jsonl"
    result = cli("route-batch", events, "-o", out, "--rejects", bad, db=url)
    ok(result)
    assert "column 'sorce' is no field of an event, did you mean 'source'?" in result.stderr
    assert f"{events}: columns not used for routing, kept in each decision's extra: 联系电话" in (
        result.stderr
    )
    assert decisions(out)[0]["extra"] == {"sorce": "12345", "联系电话": "138"}
    [reasons] = [r["reasons"] for r in decisions(bad)]
    assert "field area" in reasons[0]
    assert "key 'aera' is no field of an event: did you mean 'area'?" in reasons[1]


def test_a_misspelt_required_column_is_named(cli: Cli, url: str, tmp_path: Path) -> None:
    events = tmp_path / "e.csv"
    events.write_text("编号,事项,区域,上报时问\nC1,SJ0101,东街街道,2025-09-30 10:00\n", "utf-8")
    result = exits(cli("route-batch", events, "-o", tmp_path / "d.jsonl", db=url), 2)
    assert "no column reported_at" in result.stderr
    assert "key '上报时问' is no field of an event: did you mean '上报时间'?" in result.stderr


def test_route_one_event_file(cli: Cli, url: str, tmp_path: Path) -> None:
    event = tmp_path / "e.json"
    event.write_text(json.dumps({"id": "C1", **BASE, **KEPT}, ensure_ascii=False), "utf-8")
    result = cli("route", event, "--format", "json", db=url)
    assert json.loads(ok(result))["extra"] == KEPT
    assert f"{event}: {WARNING}" in result.stderr
    exits(cli("route", event, db=url), 0)


def test_decisions_with_extra_replay_identically(cli: Cli, url: str, tmp_path: Path) -> None:
    events = jsonl(tmp_path / "e.jsonl", {"id": "C1", **BASE, **KEPT}, {"id": "C2", **BASE})
    out = tmp_path / "d.jsonl"
    with out.open("w", encoding="utf-8") as handle:
        summary = route_batch(url, events, handle)
    assert summary.extra_keys == tuple(KEPT)
    report = json.loads(ok(cli("replay", out, "--format", "json", db=url)))
    assert (report["decisions"], report["identical"]) == (2, 2), report


def test_replay_takes_its_fast_path_with_extra(
    cli: Cli, url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A decision recorded with extra is recognised as made again byte for byte, without
    being read whole (the slow path is not taken)."""
    from remit.routing import replay

    events = jsonl(tmp_path / "e.jsonl", {"id": "C1", **BASE, **KEPT, "嵌套": {"extra": [1]}})
    out = tmp_path / "d.jsonl"
    with out.open("w", encoding="utf-8") as handle:
        route_batch(url, events, handle)

    def slow(*_: object) -> None:
        raise AssertionError("the slow path was taken")

    monkeypatch.setattr(replay._Replayer, "stored", slow)
    report = json.loads(ok(cli("replay", out, "--format", "json", db=url)))
    assert (report["decisions"], report["identical"]) == (1, 1), report
