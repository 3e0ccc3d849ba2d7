"""``remit rules …``: the routing policy rules (``--disputes``: the dispute rules)."""

from __future__ import annotations

from pathlib import Path

import click

from remit.cli.common import RULES_OPTION, RemitGroup, lang_option
from remit.i18n import current_lang, t
from remit.present.console import console, echo
from remit.present.rules import rules_table
from remit.registry.export import dump_yaml
from remit.routing.rules.compile import RuleSet

DISPUTES_OPTION = click.option(
    "--disputes",
    is_flag=True,
    help="The dispute (退单) rules instead: the defaults and --rules DIR's disputes/ "
    "(docs/disputes.md).",
)


def _ruleset(rules_dir: Path | None, disputes: bool) -> RuleSet:
    if disputes:
        from remit.routing.disputes.desk import load_dispute_rules

        return load_dispute_rules(rules_dir)
    from remit.routing.rules.compile import load_rules

    return load_rules(rules_dir)


@click.group(cls=RemitGroup)
def rules() -> None:
    """The routing policy rules (--disputes: the dispute rules): list, show, check."""


@rules.command("list")
@RULES_OPTION
@DISPUTES_OPTION
@lang_option
def rules_list(rules_dir: Path | None, disputes: bool) -> None:
    """The rules in force, in the order they fire."""
    console().print(rules_table(_ruleset(rules_dir, disputes).rules, current_lang.get()))


@rules.command("show")
@click.argument("rule_id", required=False)
@RULES_OPTION
@DISPUTES_OPTION
@lang_option
def rules_show(rule_id: str | None, rules_dir: Path | None, disputes: bool) -> None:
    """The rules (or one rule) as YAML, with the configuration in force."""
    ruleset = _ruleset(rules_dir, disputes)
    chosen = [r for r in ruleset.rules if rule_id in (None, r.id)]
    if rule_id and not chosen:
        known = ", ".join(r.id for r in ruleset.rules)
        raise click.BadParameter(
            t("rules.unknown", rule=rule_id, known=known), param_hint="RULE_ID"
        )
    document = {
        "config": ruleset.config.model_dump(mode="json"),
        "rules": [r.model_dump(mode="json", by_alias=True, exclude_defaults=True) for r in chosen],
    }
    click.echo(dump_yaml(document), nl=False)


@rules.command("check")
@RULES_OPTION
@DISPUTES_OPTION
@lang_option
def rules_check(rules_dir: Path | None, disputes: bool) -> None:
    """Validate the rules and check the compiled ruleset against the engine's limits."""
    from remit.routing.rules.compile import expand

    ruleset = _ruleset(rules_dir, disputes)
    compiled = sum(len(expand(rule, ruleset.config)) for rule in ruleset.rules)
    sources = ", ".join(ruleset.sources)
    echo(t("rules.checked", count=len(ruleset.rules), compiled=compiled, sources=sources))
