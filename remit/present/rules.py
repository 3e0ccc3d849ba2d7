"""The routing policy rules for people: the list of rules in the order they fire."""

from __future__ import annotations

from collections.abc import Iterable

from rich.table import Table

from remit.i18n import Lang, t
from remit.routing.rules.model import Rule


def rules_table(rules: Iterable[Rule], lang: Lang) -> Table:
    """Priority, id and title (in ``lang``, else English) of each rule."""
    table = Table()
    for label in ("rules.col.pri", "rules.col.id", "rules.col.title"):
        table.add_column(t(label, lang))
    for rule in rules:
        table.add_row(str(rule.pri), rule.id, rule.title.get(lang) or rule.title.get("en", ""))
    return table
