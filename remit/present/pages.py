"""The pages of ``remit serve`` (docs/pages.md): Jinja2 templates under ``templates/pages/``,
rendered in the request's language.

Every page extends ``base.html.j2``: the navigation (only the pages the signed-in user may
open), the language switch, a skip link, the main landmark. Style and script are package files
served under ``/static/`` (``static/pages.css``, ``static/pages.js``, vendored libraries under
``static/vendor/``): no CDN, the pages work offline. Texts come from :func:`remit.i18n.t`
(``page.*`` keys in ``remit/service/pages/messages/``); autoescape is on for everything.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from remit.i18n import Lang, t

STATIC = Path(__file__).resolve().parent / "static"
"""The pages' style, script and vendored libraries, served under ``/static/``."""

CSP = (
    "default-src 'self'; style-src 'self'; script-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
)
"""The pages' Content-Security-Policy: nothing from elsewhere, no inline script or style."""


@dataclass(frozen=True)
class NavLink:
    """A page in the navigation: where, its message key, whether it is the one shown."""

    path: str
    key: str
    current: bool = False


@dataclass(frozen=True)
class Viewer:
    """Who is looking, as the pages show it."""

    login: str
    name: str
    roles: tuple[str, ...]
    unit: str | None


@cache
def environment() -> Environment:
    env = Environment(
        loader=PackageLoader("remit.present", "templates/pages"),
        autoescape=select_autoescape(default=True, default_for_string=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    return env


def render_page(
    template: str,
    lang: Lang,
    *,
    title: str,
    viewer: Viewer | None = None,
    nav: Sequence[NavLink] = (),
    path: str = "/",
    **context: Any,
) -> str:
    """The page ``template`` in ``lang``: ``title`` in the window and the heading; ``viewer``
    and ``nav`` for the header (none on the sign-in page); ``path`` (the page's own, for the
    language switch to come back to); the rest is the template's."""

    def say(key: str, **params: object) -> str:
        return t(key, lang, **params)

    return (
        environment()
        .get_template(template)
        .render(
            lang=lang,
            html_lang="zh-CN" if lang == "zh" else "en",
            other_lang="en" if lang == "zh" else "zh",
            t=say,
            title=title,
            viewer=viewer,
            nav=nav,
            path=path,
            **context,
        )
    )


__all__ = ["CSP", "STATIC", "NavLink", "Viewer", "environment", "render_page"]
