"""The check report as GitHub-flavoured Markdown: the terminal report's content, in tables.

Meant for a pull request comment or a file next to a published list. Units and duty rows are
listed in full (the terminal cuts them short); long area lists still end in "… +N".
"""

from __future__ import annotations

from collections.abc import Sequence

from remit.checks.report import CheckReport
from remit.i18n import Lang, t
from remit.present.check_text import (
    BRIEF_COLUMNS,
    CLUSTER_COLUMNS,
    LOAD_COLUMNS,
    PAIR_COLUMNS,
    Labels,
    Limits,
    brief_rows,
    by_kind,
    cluster_cells,
    comparison_title,
    finding_rows,
    header_lines,
    introduced,
    load_cells,
    load_note,
    narrowed,
    pair_rows,
    report_lang,
    sorted_load,
    summary_header,
    summary_rows,
    summary_total,
)

MARKDOWN_LIMITS = Limits(areas=5, units=None, rows=None, stack=False)


def escape(text: str) -> str:
    """A table cell's text: pipes, backslashes and emphasis escaped, line breaks as <br>, no raw
    HTML."""
    text = escape_text(text).replace("|", "\\|")
    return "<br>".join(text.splitlines())


def escape_text(text: str) -> str:
    """Text that must not turn into emphasis, code or HTML. (An underscore inside a word, as in
    ``assist_without_lead``, is no emphasis in GFM and stays as it is.)"""
    text = text.replace("\\", "\\\\").replace("*", "\\*").replace("`", "\\`")
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def table(headers: Sequence[str], rows: Sequence[Sequence[str]], numeric: Sequence[bool]) -> str:
    """A GFM table; numeric columns align right."""
    lines = [
        "| " + " | ".join(escape(h) for h in headers) + " |",
        "|" + "|".join("---:" if n else "---" for n in numeric) + "|",
    ]
    for row in rows:
        lines.append("| " + " | ".join(escape(c) for c in row) + " |")
    return "\n".join(lines)


def _columns_table(
    columns: Sequence[tuple[str, bool]], rows: Sequence[Sequence[str]], lang: Lang
) -> str:
    return table([t(f"check.col.{key}", lang) for key, _ in columns], rows, [n for _, n in columns])


def render_markdown(report: CheckReport, lang: Lang | None = None) -> str:
    """The report as one Markdown document, ending in a newline."""
    lang = report_lang(report, lang)
    labels = Labels(report, lang)
    limits = MARKDOWN_LIMITS
    parts: list[str] = [f"# {t('check.report_title', lang)}"]
    parts.append(
        "\n".join(escape_text(line) + "  " for line in header_lines(report, lang)).rstrip()
    )

    parts.append(f"## {t('check.section.summary', lang)}")
    rows = [row for _, _, row in summary_rows(report, lang)]
    total = summary_total(report, lang)
    rows.append(total)
    parts.append(table(summary_header(lang), rows, [False, False, True, True]))

    parts.append(f"## {t('check.section.findings', lang)}")
    groups = by_kind(report)
    if not groups:
        parts.append(t("check.no_findings", lang))
    for kind, findings in groups.items():
        parts.append(
            f"### {t('check.section.kind', lang, kind=labels.kind(kind), count=len(findings))}"
        )
        columns, rows = finding_rows(findings, labels, limits)
        parts.append(_columns_table(columns, rows, lang))

    if report.load:
        parts.append(f"## {t('check.section.load', lang)}")
        parts.append(escape_text(load_note(report, lang)))
        rows = [load_cells(x, labels) for x in sorted_load(report.load)]
        parts.append(_columns_table(LOAD_COLUMNS, rows, lang))

    if report.clusters:
        parts.append(f"## {t('check.section.clusters', lang)}")
        rows = [cluster_cells(n, c, labels) for n, c in enumerate(report.clusters, 1)]
        parts.append(_columns_table(CLUSTER_COLUMNS, rows, lang))
        pairs = pair_rows(report.clusters, labels)
        if pairs:
            parts.append(f"### {t('check.section.pairs', lang)}")
            parts.append(_columns_table(PAIR_COLUMNS, pairs, lang))

    if report.comparison is not None:
        parts.append(f"## {escape_text(comparison_title(report, lang))}")
        for title, findings in (
            ("check.section.introduced", introduced(report)),
            ("check.section.narrowed", narrowed(report)),
            ("check.section.resolved", report.comparison.resolved),
        ):
            parts.append(f"### {t(title, lang)}")
            rows = brief_rows(findings, labels, limits)
            parts.append(
                _columns_table(BRIEF_COLUMNS, rows, lang) if rows else t("label.none", lang)
            )
    return "\n\n".join(parts) + "\n"
