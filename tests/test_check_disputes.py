"""Returns (退单) the lists could not settle go to the graph check as list defects (issue 13):
``remit check --disputes FILE`` turns each arbitrated ruling of ``remit dispute``'s case
records into a ``disputed`` finding, naming the defect, the cases and the rows cited."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from remit.events.case_files import read_cases
from remit.events.cases import Verdict
from tests.factories import ROOT, Cli, exits

CASES = ROOT / "data" / "disputes" / "cases.yaml"


@pytest.fixture
def ruled(cli: Cli, sample_url: str, tmp_path: Path) -> Path:
    out = tmp_path / "disputes.jsonl"
    result = cli("dispute", CASES, "--rules", ROOT / "data" / "rules", "-o", out, db=sample_url)
    assert result.exit_code == 0, result.stderr
    return out


def findings(cli: Cli, url: str, *args: Any) -> list[dict[str, Any]]:
    result = cli("check", "--format", "json", *args, db=url)
    assert result.exit_code in (0, 1), result.stderr
    return json.loads(result.stdout)["findings"]


def test_arbitrated_returns_are_disputed_findings(cli: Cli, sample_url: str, ruled: Path) -> None:
    arbitrated = [
        (c.case.id, n, r.ruling)
        for c in read_cases(ruled)
        for n, r in enumerate(c.case.rounds, 1)
        if r.ruling is not None and r.ruling.verdict is Verdict.arbitrate
    ]
    assert arbitrated  # the sample has returns the lists cannot settle
    found = [f for f in findings(cli, sample_url, "--disputes", ruled) if f["kind"] == "disputed"]
    assert sum(f["details"]["returns"] for f in found) == len(arbitrated)
    assert {f["details"]["defect"] for f in found} == {
        r.defect.value for _, _, r in arbitrated if r.defect is not None
    }
    for f in found:
        assert f["severity"] == "warning" and f["matter"] and f["areas"]
        assert set(f["details"]["cases"]) <= {case for case, _, _ in arbitrated}
        if f["details"]["defect"] == "conflict":  # the rows of both lists are cited to revise
            assert len({d["list_id"] for d in f["duties"]}) == 2
    # without case records, no such finding; the others are the same
    plain = findings(cli, sample_url)
    assert not [f for f in plain if f["kind"] == "disputed"]
    assert {f["id"] for f in plain} <= {
        f["id"] for f in findings(cli, sample_url, "--disputes", ruled)
    }


def test_the_report_says_it_in_both_languages(cli: Cli, sample_url: str, ruled: Path) -> None:
    zh = cli("check", "--disputes", ruled, db=sample_url, lang="zh").stdout
    assert (
        "退单争议（清单未能裁定）" in zh
        and "清单未能裁定的退单" in zh
        and "两份清单均列为主办" in zh
    )
    en = cli("check", "--disputes", ruled, db=sample_url).stdout
    assert "returns not settled by the lists (退单争议)" in en
    md = cli("check", "--disputes", ruled, "--format", "md", db=sample_url).stdout  # unwrapped
    assert "the lists could not settle" in md and "an owner row applies" in md


def test_compared_with_a_date_the_same_disputes_are_nothing_new(
    cli: Cli, sample_url: str, ruled: Path
) -> None:
    result = cli(
        "check", "--format", "json", "--disputes", ruled, "--against", "2026-06-01", db=sample_url
    )
    report = json.loads(result.stdout)
    disputed = {f["id"] for f in report["findings"] if f["kind"] == "disputed"}
    assert disputed and not disputed & set(report["comparison"]["introduced"])


def test_a_bad_case_file_is_refused_with_its_line(
    cli: Cli, sample_url: str, tmp_path: Path
) -> None:
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"event": {"id": "X"}}\n', encoding="utf-8")
    result = exits(cli("check", "--disputes", bad, db=sample_url), 2)
    assert "bad.jsonl" in result.stderr and "line 1" in result.stderr
    missing = exits(cli("check", "--disputes", tmp_path / "none.jsonl", db=sample_url), 2)
    assert "none.jsonl" in missing.stderr
