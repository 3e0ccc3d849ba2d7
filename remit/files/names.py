"""Name resolution: real lists spell one body three ways, so units, areas and matters are
found by code, by name or by alias, with a "did you mean" hint when nothing matches."""

from __future__ import annotations

import bisect
import difflib
import heapq
import re
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from functools import cached_property
from typing import Any, Protocol

from remit.i18n import Lang, t


class Unresolved(Exception):
    """A name did not resolve; ``key`` and ``params`` name the message for the user."""

    def __init__(self, key: str, **params: object):
        super().__init__(key)
        self.key, self.params = key, params


def list_version(text: str) -> tuple[str, int] | None:
    """``HP-QZ-FGJ@2`` as (list id, version number); None when ``text`` is not of that form."""
    list_id, sep, number = text.strip().rpartition("@")
    if sep and list_id and number.isdigit():
        return list_id, int(number)
    return None


def normalize_name(text: str) -> str:
    """Fold width (（）→()), case and spaces so that spellings of one name compare equal."""
    folded = unicodedata.normalize("NFKC", str(text)).casefold()
    return re.sub(r"\s+", "", folded)


def same_name(a: str, b: str) -> bool:
    """Do ``a`` and ``b`` spell one name (as :func:`normalize_name` folds them)? How people
    acting are told apart too: four eyes refuses ``ＡＢ`` approving what ``ab`` submitted."""
    return normalize_name(a) == normalize_name(b)


class NameIndex:
    """Finds a code by code, name or alias. Names shared by several entries are ambiguous."""

    def __init__(self, entries: Iterable[tuple[str, str, Iterable[str]]], what: str):
        self.what = what
        self._codes: set[str] = set()
        self._by_name: dict[str, set[str]] = {}
        self._display: dict[str, str] = {}
        self._hints: dict[str, Hint] = {}  # a table names one unknown unit on many rows
        for code, name, aliases in entries:
            self._codes.add(code)
            self._display[code] = name
            for spelling in (code, name, *aliases):
                self._by_name.setdefault(normalize_name(spelling), set()).add(code)

    def __contains__(self, code: str) -> bool:
        return code in self._codes

    def resolve(self, text: str, unknown_key: str, **params: object) -> str:
        text = str(text).strip()
        if text in self._codes:
            return text
        found = self._by_name.get(normalize_name(text), set())
        if len(found) == 1:
            return next(iter(found))
        if len(found) > 1:
            raise Unresolved(
                f"ref.ambiguous_{self.what}",
                name=text,
                candidates=", ".join(f"{c} {self._display[c]}" for c in sorted(found)),
            )
        raise Unresolved(unknown_key, name=text, hint=self.hint(text), **params)

    @cached_property
    def _spellings(self) -> dict[str, str]:
        """Normalised spelling → as written: the names and codes a hint may suggest."""
        return {normalize_name(n): n for n in [*self._display.values(), *self._codes]}

    @cached_property
    def _close(self) -> _CloseMatches:
        return _CloseMatches(self._spellings)

    @cached_property
    def _sorted_codes(self) -> list[str]:
        """The codes' spellings, sorted: the codes near a code-like text."""
        return sorted({normalize_name(code) for code in self._codes})

    @cached_property
    def _close_names(self) -> _CloseMatches:
        """The spellings that are not codes, for a code-like text (see :meth:`suggestions`)."""
        codes = set(self._sorted_codes)
        return _CloseMatches(s for s in self._spellings if s not in codes)

    def _near_codes(self, wanted: str, n: int = 3) -> list[str]:
        """The codes that begin as ``wanted`` does, for more than half its length and as far as
        any code does, nearest it in order first: 310101013001 for 3101010130O1. Codes are
        built from their parents' (an area's from its district's), so the longest common
        beginning is the nearest code; one that only shares a district is no suggestion."""
        codes = self._sorted_codes
        at = bisect.bisect_left(codes, wanted)
        common = max(
            (_common_start(wanted, codes[i]) for i in (at - 1, at) if 0 <= i < len(codes)),
            default=0,
        )
        if common < 2 or 2 * common <= len(wanted):
            return []
        start = wanted[:common]
        low = bisect.bisect_left(codes, start)
        high = bisect.bisect_right(codes, start + "\U0010ffff")
        # the nearest in order (at most NEAR_CODES of them), then those that differ from
        # ``wanted`` in the fewest places (3101010130O2: 310101013002 first)
        nearest = sorted(range(low, high), key=lambda i: (abs(i - at + 0.5), i))[:NEAR_CODES]
        return [codes[i] for i in sorted(nearest, key=lambda i: -_same_places(wanted, codes[i]))][
            :n
        ]

    @cached_property
    def _rank(self) -> dict[str, int]:
        return {s: i for i, s in enumerate(self._spellings)}

    def _inside(self, wanted: str) -> list[str]:
        """The spellings (of two characters or more) that ``wanted`` contains, in index order."""
        if len(wanted) > 64:  # few substrings to try: look each spelling up in the text
            return [s for s in self._spellings if len(s) > 1 and s in wanted]
        size = len(wanted)
        parts = {wanted[i:j] for i in range(size) for j in range(i + 2, size + 1)}
        return sorted((s for s in parts if s in self._rank), key=self._rank.__getitem__)

    def suggestions(self, text: str) -> list[str]:
        """The names and codes close to ``text``, as written, best first (at most six). A
        code-like text (letters and digits, a digit among them) is compared with the codes by
        how they begin (:meth:`_near_codes`), and with the names as any text is — and with the
        codes too when there are few (:data:`COMPARED_CODES`): difflib's similarity between
        two strings of digits says little, and costs most (~0.1 s against a city's 5,000 area
        codes, where a name takes a few ms)."""
        wanted = normalize_name(text)
        if _CODE_LIKE.fullmatch(wanted):
            close = self._near_codes(wanted)
            # few codes (a catalogue's matters): compared as any text too (ZZ0412: SJ0412)
            few = len(self._sorted_codes) <= COMPARED_CODES
            compared = self._close(wanted, 3, 0.6) if few else self._close_names(wanted, 3, 0.6)
            close += [c for c in compared if c not in close]
        else:
            close = self._close(wanted, n=3, cutoff=0.6)
        # a name written with a qualifier, e.g. 油烟污染（餐饮单位） for 油烟污染
        close += [s for s in self._inside(wanted) if s not in close][:3]
        return [self._spellings[c] for c in close]

    def hint(self, text: str) -> Hint:
        """The "did you mean" hint for ``text`` (empty when nothing is close), worked out when
        first shown: a caller that drops the refusal unread (a batch counting rejects, the
        Python API's ``except InputError``) does not pay for comparing it with every name."""
        wanted = normalize_name(text)
        if wanted not in self._hints:
            self._hints[wanted] = Hint(lambda: tuple(self.suggestions(text)), key=wanted)
        return self._hints[wanted]


class Hint:
    """A "did you mean" hint: the spellings close to what was given (``names``, given or worked
    out on first use). A message shows it in its language (``in_lang``, see
    :mod:`remit.i18n`) as a sentence of its own, or as nothing. Equal hints name the same
    spellings; a pickled hint carries its spellings."""

    __slots__ = ("_key", "_make", "_names")

    def __init__(
        self, names: tuple[str, ...] | Callable[[], tuple[str, ...]] = (), key: str | None = None
    ):
        """``names``, or how to work them out; ``key``: what they are close to (a hint worked
        out later is shown by it in ``repr``, which is what refusals are told apart by)."""
        self._key = key
        if callable(names):
            self._names: tuple[str, ...] | None = None
            self._make: Callable[[], tuple[str, ...]] | None = names
        else:
            self._names, self._make = tuple(names), None

    @property
    def names(self) -> tuple[str, ...]:
        if self._names is None:
            assert self._make is not None
            self._names, self._make = self._make(), None
        return self._names

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Hint) and self.names == other.names

    def __hash__(self) -> int:
        return hash(self.names)

    def __repr__(self) -> str:
        return f"Hint(close to {self._key!r})" if self._key is not None else f"Hint({self.names!r})"

    def __reduce__(self) -> tuple[Any, ...]:
        return (Hint, (self.names,))

    def in_lang(self, lang: Lang) -> str:
        if not self.names:
            return ""
        names = t("list.separator", lang).join(map(repr, self.names))
        return t("ref.did_you_mean", lang, names=names)

    def __str__(self) -> str:
        return self.in_lang("en")


_CODE_LIKE = re.compile(r"(?=[^\d]*\d)[0-9a-z._-]+")
"""A code-like text, as :func:`normalize_name` folds it: letters and digits (``.``, ``_``,
``-`` too), a digit among them."""


COMPARED_CODES = 1000
"""An index of at most this many codes compares a code-like text with each code as difflib
does (cheap enough: ~1 ms); a larger one (a city's 5,000 areas: up to 0.1 s) only by how the
codes begin."""

NEAR_CODES = 200
"""The codes beginning as a code-like text does that :meth:`NameIndex.suggestions` ranks."""


def _same_places(a: str, b: str) -> int:
    """The places where ``a`` and ``b`` hold the same character."""
    return sum(x == y for x, y in zip(a, b, strict=False))


def _common_start(a: str, b: str) -> int:
    """How many characters ``a`` and ``b`` begin with in common."""
    size = min(len(a), len(b))
    for i in range(size):
        if a[i] != b[i]:
            return i
    return size


class _CloseMatches:
    """``difflib.get_close_matches(word, possibilities, n, cutoff)``, the same answer, faster on
    thousands of possibilities (a city's areas): its cheap upper bounds — the lengths
    (``real_quick_ratio``) and the characters in common (``quick_ratio``) — are computed once
    per group of possibilities with the same length and characters, not once per possibility,
    and the characters in common are counted from an index of the groups by character: a
    group that shares no character with the word (most of them) is never looked at."""

    def __init__(self, possibilities: Iterable[str]):
        groups: dict[tuple[int, frozenset[tuple[str, int]]], list[str]] = {}
        for x in possibilities:
            groups.setdefault((len(x), frozenset(Counter(x).items())), []).append(x)
        self._groups = list(groups.items())
        self._empty = next((i for i, ((size, _), _) in enumerate(self._groups) if not size), None)
        # a character → (group, how many times the group's possibilities hold it)
        self._by_char: dict[str, list[tuple[int, int]]] = {}
        for index, ((_, chars), _) in enumerate(self._groups):
            for char, count in chars:
                self._by_char.setdefault(char, []).append((index, count))

    def __call__(self, word: str, n: int = 3, cutoff: float = 0.6) -> list[str]:
        # the ratios as difflib computes them: _calculate_ratio(matches, length)
        lb = len(word)
        common: dict[int, int] = {}  # group → characters in common with the word
        if cutoff > 0:
            for char, wanted in Counter(word).items():
                for index, count in self._by_char.get(char, ()):
                    common[index] = common.get(index, 0) + min(count, wanted)
            if not word and self._empty is not None:  # '' matches '' fully, sharing nothing
                common[self._empty] = 0
        else:  # every possibility qualifies, sharing characters or not
            common = {index: 0 for index in range(len(self._groups))}
            for char, wanted in Counter(word).items():
                for index, count in self._by_char.get(char, ()):
                    common[index] += min(count, wanted)
        matcher = difflib.SequenceMatcher()
        matcher.set_seq2(word)
        result: list[tuple[float, str]] = []
        for index, matches in common.items():
            (la, _), xs = self._groups[index]
            total = la + lb
            if (2.0 * min(la, lb) / total if total else 1.0) < cutoff:
                continue
            if (2.0 * matches / total if total else 1.0) < cutoff:
                continue
            for x in xs:
                matcher.set_seq1(x)
                score = matcher.ratio()
                if score >= cutoff:
                    result.append((score, x))
        return [x for _, x in heapq.nlargest(n, result)]


class HasNames(Protocol):
    """What a name index reads of an area, a unit or a matter."""

    @property
    def name(self) -> str: ...
    @property
    def aliases(self) -> tuple[str, ...]: ...


def index_of(items: Mapping[str, HasNames], what: str) -> NameIndex:
    """A :class:`NameIndex` over objects with a ``name`` and ``aliases``, by code."""
    return NameIndex(((code, item.name, item.aliases) for code, item in items.items()), what)
