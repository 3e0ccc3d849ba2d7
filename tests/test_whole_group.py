"""A list row that explicitly covers a whole group of matters (``whole_group: true``) applies to
each leaf matter of the group — stored as one row per leaf, so routing and the graph check see
it alike; a row on a group without it, and ``whole_group`` on a leaf, are refused (issue 13
item 8)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from remit import Registry, Router
from remit.checks import run_check
from remit.registry.groups import group_leaves, matter_children
from tests.factories import Cli, exits, ok

LIST = """\
file: list
id: HP-TEST-JM
name: 街面秩序整体监督（测试）
kind: department
issuer: 区城管执法局
scope: "310101000000"
versions:
  - version: 1
    status: published
    effective_from: 2026-01-01
    duties:
      - matter: {matter}
        {whole}
        unit: 区城管执法局
        role: {role}
        legal_basis: 《上海市城市管理综合行政执法条例》
"""


def write(tmp_path: Path, matter: str, role: str, whole: bool) -> Path:
    path = tmp_path / "group.yaml"
    text = LIST.format(matter=matter, role=role, whole="whole_group: true" if whole else "")
    path.write_text(text, encoding="utf-8")
    return path


def leaves(registry: Registry, group: str) -> list[str]:
    snapshot = registry.snapshot(dt.date(2026, 3, 2))
    return group_leaves(group, matter_children(snapshot.matters.values()))


def test_a_whole_group_row_is_a_row_on_each_leaf(cli: Cli, sample_url: str, tmp_path: Path) -> None:
    ok(cli("registry", "import", write(tmp_path, "街面秩序", "supervise", True), db=sample_url))
    with Registry(sample_url) as registry:
        expected = leaves(registry, "SJ05")
        snapshot = registry.snapshot(dt.date(2026, 3, 2))
        rows = [e for e in snapshot.duties if e.list_id == "HP-TEST-JM"]
        assert sorted(e.duty.matter for e in rows) == sorted(expected) and len(expected) > 5
        # routing: every leaf of the group is supervised by the bureau, by this list's row
        for matter in ("SJ0504", "SJ0507"):
            d = Router(registry).route(
                {"id": "E", "matter": matter, "area": "南京东路街道",
                 "reported_at": "2026-03-02T10:00:00"}
            )  # fmt: skip
            assert any(
                row.list_id == "HP-TEST-JM" and row.role == "supervise" for row in d.duties
            ), d.duties


def test_the_check_sees_a_whole_group_lead_row_on_every_leaf(
    cli: Cli, sample_url: str, tmp_path: Path
) -> None:
    ok(cli("registry", "import", write(tmp_path, "SJ05", "lead", True), db=sample_url))
    with Registry(sample_url) as registry:
        report = run_check(registry.snapshot(dt.date(2026, 3, 2)), list_id="HP-TEST-JM")
        matters = {f.matter for f in report.findings if f.kind.value == "overlap"}
        # its lead meets the streets' own leads on the group's leaves: overlaps the check reports
        assert matters and matters <= set(leaves(registry, "SJ05"))
        assert all(
            any(d.list_id == "HP-TEST-JM" for d in f.duties)
            for f in report.findings
            if f.kind.value == "overlap"
        )


def test_a_group_row_without_whole_group_and_whole_group_on_a_leaf_are_refused(
    cli: Cli, sample_url: str, tmp_path: Path
) -> None:
    refused = exits(
        cli("registry", "import", write(tmp_path, "SJ05", "lead", False), db=sample_url), 2
    )
    assert "is a group of matters" in refused.stderr and "whole_group: true" in refused.stderr
    assert "line 12, field versions[0].duties[0].matter" in refused.stderr
    leaf = exits(
        cli("registry", "import", write(tmp_path, "SJ0501", "lead", True), db=sample_url), 2
    )
    assert "whole_group" in leaf.stderr and "is not a group" in leaf.stderr
    zh = exits(
        cli(
            "registry", "import", write(tmp_path, "SJ0501", "lead", True), db=sample_url, lang="zh"
        ),
        2,
    )
    assert "不是事项分组" in zh.stderr
    with Registry(sample_url) as registry:  # nothing written
        assert "HP-TEST-JM" not in registry.state().lists
