"""The sample disputes rule as data/disputes/README.md says, on the sample lists."""

from __future__ import annotations

from pathlib import Path

import pytest

from remit import DisputeDesk, Router
from remit.events.cases import Case
from tests.factories import ROOT, SAMPLE, sqlite_registry

DISPUTES = ROOT / "data" / "disputes"


def documented() -> dict[tuple[str, int], list[str]]:
    """(case, round) → the README's cells: what, returned by, reason, ruling, rule, holder,
    rows, also."""
    rows = {}
    for line in (DISPUTES / "README.md").read_text(encoding="utf-8").splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if line.startswith("| TD-"):
            rows[(cells[0], int(cells[1]))] = cells[2:]
    return rows


@pytest.fixture(scope="module")
def ruled(tmp_path_factory: pytest.TempPathFactory) -> list[Case]:
    path = tmp_path_factory.mktemp("disputes") / "sample.db"
    registry = sqlite_registry(path, SAMPLE, ROOT / "data" / "calendar", by=None)
    with (
        Router(registry, rules_dir=ROOT / "data" / "rules") as router,
        DisputeDesk(router, rules_dir=ROOT / "data" / "rules") as desk,
    ):
        cases = desk.rule_file(DISPUTES / "cases.yaml")
    registry.close()
    return cases


def _rows(case: Case, number: int) -> str:
    ruling = case.rounds[number - 1].ruling
    assert ruling is not None
    return ", ".join(f"{d.list_id} v{d.version} #{d.row}" for d in ruling.duties)


def test_every_round_is_documented(ruled: list[Case]) -> None:
    rounds = {(c.case_id, n) for c in ruled for n in range(1, len(c.rounds) + 1)}
    assert rounds == set(documented())


@pytest.mark.parametrize("key", sorted(documented()))
def test_round_rules_as_documented(ruled: list[Case], key: tuple[str, int]) -> None:
    _, returned_by, reason, verdict, rule, holder, rows, also = documented()[key]
    case = next(c for c in ruled if c.case_id == key[0])
    ruling = case.rounds[key[1] - 1].ruling
    assert ruling is not None
    assert ruling.returned_by.name == returned_by
    assert case.rounds[key[1] - 1].reason.value == reason
    assert (ruling.verdict.value, ruling.rule, ruling.unit.name) == (verdict, rule, holder)
    assert _rows(case, key[1]) == rows
    escalated = f"escalated: {ruling.escalated_to.name}" if ruling.escalated_to else ""
    defect = f"defect: {ruling.defect.value}" if ruling.defect else ""
    assert also == "; ".join(x for x in (escalated, defect) if x)


def test_every_reason_and_ruling_is_covered(ruled: list[Case]) -> None:
    rulings = [
        (r.reason.value, r.ruling.verdict.value) for c in ruled for r in c.rounds if r.ruling
    ]
    assert {reason for reason, _ in rulings} == {
        "not_our_duty", "not_our_area", "owner_unclear", "overlapping_duties", "other",
    }  # fmt: skip
    assert {verdict for _, verdict in rulings} == {"upheld", "overruled", "arbitrate"}
    assert any(r.ruling and r.ruling.escalated_to for c in ruled for r in c.rounds)


def test_the_readme_names_the_file() -> None:
    assert Path(DISPUTES / "cases.yaml").is_file()
