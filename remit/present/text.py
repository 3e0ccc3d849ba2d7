"""Display forms shared by the text outputs: a duty's condition as a person reads it, a code as
a term (a stored time in the city's time: :func:`remit.deadlines.local_time`).

English output shows codes as the files spell them (``location_type = road``, ``component``);
Chinese output shows the labels the catalogue gives them and the terms of the message
catalogues (``地点类型 = 道路``, ``部件``). Exports keep the file form
(:func:`remit.conditions.render_condition`).
"""

from __future__ import annotations

from collections.abc import Mapping

from remit.conditions import AttributeDomain, Condition, EnumDomain, Named
from remit.i18n import Lang, current_lang, has, t


def condition_text(
    condition: Condition,
    attributes: Mapping[str, AttributeDomain] | None = None,
    lang: Lang | None = None,
) -> str:
    """A duty's condition to read: ``location_type = residential_compound|park`` in English
    (the table form, as :func:`remit.conditions.render_condition` writes it), and in Chinese by
    the labels of the matter's ``attributes`` and their values: ``地点类型 = 住宅小区、公园绿地``
    (a table form remit reads back, too)."""
    lang = lang or current_lang.get()
    attributes = attributes or {}
    clauses = []
    for attr, constraint in condition.items():
        domain = attributes.get(attr)
        name = Named(attr, domain.label if domain is not None else None).in_lang(lang)
        if "eq" in constraint:
            value = t("condition.true" if constraint["eq"] else "condition.false", lang)
        elif "range" in constraint:
            lo, hi = constraint["range"]
            value = f"{lo}" if lo == hi else f"{lo}..{hi}"
        else:
            labels = domain.labels if isinstance(domain, EnumDomain) else {}
            value = t("condition.or", lang).join(
                Named(str(v), labels.get(v)).in_lang(lang) for v in constraint["in"]
            )
        clauses.append(f"{name} = {value}")
    return t("condition.and", lang).join(clauses)


def term(family: str, code: str, lang: Lang | None = None) -> str:
    """The message ``family.code``, or the code as it is when there is no such message."""
    key = f"{family}.{code}"
    return t(key, lang) if has(key) else code
