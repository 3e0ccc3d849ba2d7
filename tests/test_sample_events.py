"""The sample events route as data/events/README.md says, on the sample lists."""

from __future__ import annotations

import io
import json

import pytest

from remit import Registry
from remit.checks import GraphCheck
from remit.routing.batch import route_batch
from tests.factories import ROOT, SAMPLE, sqlite_registry

EVENTS = ROOT / "data" / "events"


def documented() -> dict[str, list[str]]:
    """event id → the README's cells: what, status, lead, dispatched by, deadline, also."""
    rows = {}
    for line in (EVENTS / "README.md").read_text(encoding="utf-8").splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if line.startswith("| HP-"):
            rows[cells[0]] = cells[1:]
    return rows


@pytest.fixture(scope="module")
def decisions(tmp_path_factory: pytest.TempPathFactory) -> tuple[list[dict], list[dict]]:
    registry = sqlite_registry(tmp_path_factory.mktemp("sample") / "sample.db", SAMPLE, by=None)
    out, bad = io.StringIO(), io.StringIO()
    summary = route_batch(  # as `make demo` routes them: with the check's loads
        registry.url,
        EVENTS / "huangpu-2026.jsonl",
        out,
        bad,
        rules_dir=ROOT / "data" / "rules",
        loads=GraphCheck(),
    )
    assert summary.total == 42
    assert summary.counts == {
        "routed": 24,
        "referred": 1,
        "fallback": 4,
        "coordinated": 2,
        "conflict": 4,
        "split": 2,
        "unroutable": 0,
        "needs_info": 1,
        "rejected": 4,
    }
    return [json.loads(x) for x in out.getvalue().splitlines()], [
        json.loads(x) for x in bad.getvalue().splitlines()
    ]


def test_every_policy_is_covered(decisions: tuple[list[dict], list[dict]]) -> None:
    fired = {rule for d in decisions[0] for rule in d["rules_fired"]}
    defaults = {
        "owner-repairs", "owner-unknown", "priority-masks-lower", "collect-first-leads",
        "two-leads-conflict", "territorial-fallback", "refusal-refers", "relieved-street-to-centre",
        "centre-coordinates", "emergency-by-severity",
        "emergency-by-matter", "dispatch-street", "dispatch-district-no-street-centre",
        "dispatch-district-above-street", "dispatch-district-across-streets",
        "repeat-escalates-to-district", "repeat-escalates-to-city",
    }  # fmt: skip
    assert defaults <= fired


def test_decisions_are_the_documented_ones(decisions: tuple[list[dict], list[dict]]) -> None:
    table = documented()
    good, rejected = decisions
    assert len(table) == len(good) + len(rejected) == 42
    for d in good:
        _what, status, lead, dispatch, deadline, also = table[d["event_id"]]
        assert d["status"] == status, d["event_id"]
        names = (
            d["lead"]["name"] if d["lead"] else "、".join(c["name"] for c in d["contenders"]) or "—"
        )
        if d.get("parts"):  # split: each area's lead, or its contenders
            names = "；".join(
                f"{p['area_name']}: "
                + (
                    p["lead"]["name"]
                    if p["lead"]
                    else "、".join(c["name"] for c in p["contenders"])
                )
                for p in d["parts"]
            )
        if d.get("coordinator"):
            names += f" (coordinator: {d['coordinator']['name']})"
        assert names == lead, d["event_id"]
        if d["dispatch"]:
            level = d["dispatch"]["level"] + (", escalated" if d["dispatch"]["escalated"] else "")
            assert f"{d['dispatch']['platform']['name']} ({level})" == dispatch, d["event_id"]
        assert (d["deadline"] or "—")[:16].replace("T", " ") == deadline, d["event_id"]
        # the "also" column names every overloaded fallback or referral, a split's parts' too
        flags = [f for f in (d, *d.get("parts", [])) if "overloaded" in f]
        if not flags:
            assert "overloaded" not in also, d["event_id"]
        for flag in (f["overloaded"] for f in flags):
            said = f"overloaded: {flag['unit']['name']} (load index {flag['load_index']:.2f})"
            assert said in also, d["event_id"]
    for reject in rejected:
        assert table[reject["event_id"]][1] == "rejected"
        assert reject["where"]["line"] in (33, 34, 41, 42)
        field = table[reject["event_id"]][-1].rsplit("field ", 1)[-1]
        assert f"field {field}:" in reject["reasons"][0], reject


def test_time_travel_in_one_batch(decisions: tuple[list[dict], list[dict]]) -> None:
    by_id = {d["event_id"]: d for d in decisions[0]}
    before, after = by_id["HP-2025-0010"], by_id["HP-2026-0009"]
    assert before["status"] == "routed" and after["status"] == "conflict"
    assert {u["list_id"] + str(u["version"]) for u in before["duties"]} == {"HP-QZ-FGJ1"}
    assert "HP-JZ-JB2" in {u["list_id"] + str(u["version"]) for u in after["duties"]}
    assert before["snapshot_hash"] != after["snapshot_hash"]


def test_working_hours_are_configurable(cli, tmp_path) -> None:  # type: ignore[no-untyped-def]
    url = f"sqlite:///{tmp_path / 'r.db'}"
    Registry.create(url).import_files([SAMPLE])
    args = [
        "route",
        "--matter",
        "RX0204",
        "--area",
        "310101002000",
        "--reported-at",
        "2026-03-04T16:00:00",
    ]
    default = cli(*args, db=url)
    custom = cli(*args, "--working-hours", "08:30-11:30,13:30-17:30", db=url)
    assert "Deadline: 2026-03-05 17:00 (1工作日 from 2026-03-04 16:00)" in default.output
    assert "Deadline: 2026-03-05 17:30 (1工作日 from 2026-03-04 16:00)" in custom.output
    bad = cli(*args, "--working-hours", "9-5", db=url)
    assert bad.exit_code == 2 and "expected e.g. 09:00-12:00,13:00-17:00" in bad.stderr
