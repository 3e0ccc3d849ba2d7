"""Group matters: a matter of the catalogue that is the parent of other matters (SJ05 街面秩序 over
SJ0501 无照经营游商 …). A group only arranges the catalogue: no list row and no event may name
one, since the graph check and the router look at the leaf matters alone; whoever names a group
is shown a few of its leaves to pick from."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from remit.conditions import Listing, Phrase
from remit.registry.entities import Matter

SHOWN = 5
"""How many of a group's leaves a refusal names before "… and N more"."""


def matter_children(matters: Iterable[Matter]) -> dict[str, list[str]]:
    """Parent code → the codes of its children, in code order (only groups are keys)."""
    children: dict[str, list[str]] = {}
    for matter in sorted(matters, key=lambda m: m.code):
        if matter.parent is not None and matter.parent != matter.code:
            children.setdefault(matter.parent, []).append(matter.code)
    return children


def group_leaves(code: str, children: Mapping[str, list[str]]) -> list[str]:
    """The leaf matters under the group ``code`` (matters with no children), depth first in
    code order; each once, whatever cycle the parents might hold."""
    leaves: list[str] = []
    seen = {code}
    stack = list(reversed(children.get(code, [])))
    while stack:
        current = stack.pop()
        if current in seen:
            continue
        seen.add(current)
        below = children.get(current)
        if below:
            stack.extend(reversed(below))
        else:
            leaves.append(current)
    return leaves


def leaves_listing(
    code: str, children: Mapping[str, list[str]], matters: Mapping[str, Matter]
) -> Listing:
    """A few leaves of the group ``code`` as ``code name``, then "… and N more" if there are
    more: what a refusal shows to pick from."""
    leaves = group_leaves(code, children)
    shown: list[object] = [
        f"{leaf} {matters[leaf].name}" if leaf in matters else leaf for leaf in leaves[:SHOWN]
    ]
    if len(leaves) > SHOWN:
        shown.append(Phrase("group.more", count=len(leaves) - SHOWN))
    return Listing(shown)
