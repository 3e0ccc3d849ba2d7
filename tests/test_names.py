"""The "did you mean" hints of a name index: difflib's answer for names, found through an index
by character; codes suggested by how they begin."""

from __future__ import annotations

import difflib
import time

from hypothesis import given, settings
from hypothesis import strategies as st

from remit.files.names import NameIndex, _CloseMatches

ALPHABET = "ab12街道南京东路居委会"
words = st.text(alphabet=ALPHABET, max_size=8)


@given(st.lists(words, max_size=40, unique=True), words, st.sampled_from([0.0, 0.3, 0.6, 0.9]))
@settings(max_examples=300, deadline=None)
def test_close_matches_are_difflibs(possibilities: list[str], word: str, cutoff: float) -> None:
    expected = difflib.get_close_matches(word, possibilities, n=3, cutoff=cutoff)
    assert _CloseMatches(possibilities)(word, n=3, cutoff=cutoff) == expected


def city_areas() -> NameIndex:
    """5,472 areas with 12-digit codes (district, street, community), like a city's."""
    names = "东南西北中华人民和平安康宁静新江河湖海山林花园"
    entries = []
    for district in range(1, 17):
        for street in range(1, 20):
            for community in range(1, 19):
                code = f"3101{district:02d}{street:03d}{community:03d}"
                name = names[district] + names[street] + names[community % 10] + "居委会"
                entries.append((code, f"{name}{code[-4:]}", ()))
    return NameIndex(entries, "area")


def test_a_code_like_text_is_shown_the_codes_that_begin_as_it_does() -> None:
    areas = city_areas()
    near = areas.suggestions("3101010130O2")  # a letter O for a 0 (or a 1): one place off
    assert set(near[:2]) == {"310101013002", "310101013012"}
    assert all(code.startswith("3101010130") for code in near)
    assert areas.suggestions("310199013000") == []  # no district 99: nothing is near
    assert areas.suggestions("310101999999") == []  # a district shared is not near enough


def test_hints_for_unknown_codes_are_cheap() -> None:
    """Each unknown 12-digit code was compared with every code by difflib: 6–120 ms each on a
    city's areas; by how it begins, well under a millisecond."""
    areas = city_areas()
    areas.suggestions("000000000000")  # the indexes made
    started = time.process_time()
    for n in range(200):
        areas.suggestions(f"3101{n % 17:02d}{n:03d}999")
    assert time.process_time() - started < 2.0  # 10 ms each at most, on any machine


def test_a_few_codes_are_also_compared_as_text() -> None:
    """A catalogue's few hundred matter codes are compared with a code-like text as difflib
    compares (cheap at that size): a wrong category letter keeps its number."""
    matters = NameIndex(
        [(f"{kind}{n:04d}", f"事项{kind}{n}", ()) for kind in ("SJ", "BJ") for n in range(150)],
        "matter",
    )
    assert matters.suggestions("ZZ0142") == ["SJ0142", "BJ0142"]
    assert matters.suggestions("SJ014")[:3] == ["SJ0140", "SJ0141", "SJ0142"]
