"""English and Chinese text for messages and reports.

Every user-facing string goes through :func:`t` with a message key, so the CLI can speak
``--lang en`` or ``--lang zh``. The default language comes from ``REMIT_LANG`` or the locale.

Catalogues
----------
The texts live in YAML catalogues next to the code that uses them, one pair per package:
``remit/<package>/messages/en.yaml`` and ``zh.yaml`` (also one level deeper, e.g.
``remit/routing/rules/messages/``), each a flat mapping of message key to text. A key used by
several packages lives with the lowest of them; the ground messages (locations, nouns) are in
``remit/i18n/messages/``. This module imports no other part of remit: it finds the catalogues by
walking the installed ``remit`` directory, and reads them once per process, on the first call
of :func:`t` or :func:`has`. A key defined twice, or in one language only, is an error at load.

Why YAML and not gettext ``.po`` files (with Babel): remit's messages are keyed (``ref.unknown_unit``),
not looked up by their English text, and they take named placeholders (``{name!r}``,
``{status:status}``) that translators must keep as they are; YAML keeps a key and its text on one
line, reads with the parser remit already uses, and needs no compile step (``.mo``) before a
change shows. docs/i18n.md says how to add a message and which tests guard the catalogues.

Placeholders
------------
Texts are :meth:`str.format` templates filled with the keyword parameters of :func:`t`:

- ``{name}``, ``{name!r}``, ``{n:,}`` as in Python;
- ``{value:status}`` (also ``noun``, ``action``, ``route_status``) shows the value through the
  message ``status.<value>``, or as it is when there is no such message;
- a parameter value with a method ``in_lang(lang) -> str`` is shown through it, so that a value
  made before the language is known can still differ by language (the values of an attribute are
  codes in English and their labels in Chinese; a "did you mean" hint is a sentence of its own).
"""

from __future__ import annotations

import functools
import os
import string
from collections.abc import Mapping, Sequence
from contextvars import ContextVar
from pathlib import Path
from typing import Any, Literal, Protocol, runtime_checkable

import yaml

Lang = Literal["en", "zh"]
LANGS: tuple[Lang, ...] = ("en", "zh")


def default_lang() -> Lang:
    """``REMIT_LANG`` if set, else Chinese when the locale is Chinese, else English."""
    explicit = os.environ.get("REMIT_LANG", "").strip().lower()
    if explicit == "zh":
        return "zh"
    if explicit == "en":
        return "en"
    for var in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = os.environ.get(var, "")
        if value:
            return "zh" if value.lower().startswith("zh") else "en"
    return "en"


current_lang: ContextVar[Lang] = ContextVar("remit_lang", default="en")

_REMIT = Path(__file__).resolve().parent.parent
_LOADER: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _catalogue_files() -> list[Path]:
    """Every catalogue of the installed package: ``<package>/messages/<lang>.yaml``, also one
    package deeper."""
    found = {*_REMIT.glob("*/messages/*.yaml"), *_REMIT.glob("*/*/messages/*.yaml")}
    return sorted(found)


def _read(path: Path) -> Mapping[str, str]:
    data = yaml.load(path.read_text(encoding="utf-8"), Loader=_LOADER)
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ValueError(f"{path}: a message catalogue is a mapping of key to text")
    for key, text in data.items():
        if not isinstance(key, str) or not isinstance(text, str):
            raise ValueError(f"{path}: message {key!r} is not text: {text!r}")
    return data


def _load_catalogues(files: Sequence[Path] | None = None) -> dict[str, tuple[str, str]]:
    """key → (English, Chinese), from ``files`` (default: every catalogue of the package)."""
    texts: dict[str, dict[str, str]] = {lang: {} for lang in LANGS}
    origin: dict[tuple[str, str], Path] = {}
    for path in _catalogue_files() if files is None else files:
        lang = path.stem
        if lang not in texts:
            raise ValueError(f"{path}: a catalogue is named after its language: {LANGS}")
        for key, text in _read(path).items():
            if (lang, key) in origin:
                raise ValueError(
                    f"message {key!r} is defined twice: in {origin[lang, key]} and in {path}"
                )
            origin[lang, key] = path
            texts[lang][key] = text
    en, zh = texts["en"], texts["zh"]
    for key in sorted(en.keys() ^ zh.keys()):
        have, missing = ("en", "zh") if key in en else ("zh", "en")
        raise ValueError(f"message {key!r} of {origin[have, key]} has no {missing} text")
    return {key: (en[key], zh[key]) for key in en}


@functools.cache
def _messages() -> dict[str, tuple[str, str]]:
    """The catalogues, read once per process on first use."""
    return _load_catalogues()


@runtime_checkable
class _Localized(Protocol):
    def in_lang(self, lang: Lang) -> str: ...


_TERMS = ("status", "noun", "action", "route_status")


class _Formatter(string.Formatter):
    """Fills a template; a field formatted as a term (``{status:status}``) is translated, and a
    value that knows its text in each language (``in_lang``) gives the one asked for."""

    def __init__(self, lang: Lang):
        self.lang = lang

    def convert_field(self, value: object, conversion: str | None) -> object:
        if isinstance(value, _Localized):
            value = value.in_lang(self.lang)
        return super().convert_field(value, conversion)

    def format_field(self, value: object, format_spec: str) -> str:
        if format_spec in _TERMS:
            key = f"{format_spec}.{value}"
            return t(key, self.lang) if key in _messages() else str(value)
        return str(super().format_field(value, format_spec))


def has(key: str) -> bool:
    """Is there a message ``key``? (Renderers show a code as is when it has no message.)"""
    return key in _messages()


def t(key: str, lang: Lang | None = None, /, **params: object) -> str:
    """The message ``key`` in ``lang`` (default: the current language) with ``params`` filled in."""
    lang = lang or current_lang.get()
    en, zh = _messages()[key]
    return _Formatter(lang).format(zh if lang == "zh" else en, **params)
