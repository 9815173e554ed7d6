"""Where a school is, as the evidence that tells same-named schools apart.

Several schools may carry one name ("St Mary's Catholic Primary School" in two authorities,
or beside "St Mary's Catholic Primary School, Southam"); their staff then often add the
place ("St Mary's RC Primary, Southam"). A person reading the register settles such a name
by the place, and so does the matcher: among the agencies that fit the name equally well,
the one whose town or name qualifier the typed name mentions, if exactly one's is.
"""

from collections.abc import Iterable

from rapidfuzz import fuzz

from dagster_project.matching.vocabulary import MIN_CORRECTED_LENGTH


def mentions_locality(
    typed_words: list[str], locality: str, name_words: frozenset[str], word_score: float
) -> bool:
    """Whether a normalised typed name mentions a normalised locality.

    Only the typed words the school's own name lacks count. Mentioned: the locality's words
    in order, or its longest word ("kingsbridge" for Kingsbridge Spa, "middleton" for
    Middleton-upon-Stour), which when four letters or more may be misspelt (``fuzz.ratio`` at
    least ``word_score``: "ashbery" for Ashbury).

    >>> mentions_locality("st marys rc primary ashbury".split(), "ashbury", frozenset(), 80)
    True
    """
    extra = [word for word in typed_words if word not in name_words]
    if not locality or not extra:
        return False
    if f" {locality} " in f" {' '.join(extra)} ":
        return True
    key = max(locality.split(), key=len)
    if len(key) < MIN_CORRECTED_LENGTH:
        return key in extra
    return any(fuzz.ratio(word, key) >= word_score for word in extra)


def only_one_located(
    typed: str,
    agencies: Iterable[tuple[int, tuple[str, ...], frozenset[str]]],
    word_score: float,
) -> tuple[int | None, int]:
    """Of (agency, localities, name words), the agency a typed name places, and how many
    agencies it places: (agency, 1) when exactly one, else (None, count). A locality every
    agency has ("A Voluntary Academy" after each name) places none."""
    agencies = list(agencies)
    common = set.intersection(*(set(localities) for _, localities, _ in agencies))
    typed_words = typed.split()
    placed = [
        agency
        for agency, localities, name_words in agencies
        if any(
            mentions_locality(typed_words, place, name_words, word_score)
            for place in localities
            if place not in common
        )
    ]
    return (placed[0] if len(placed) == 1 else None), len(placed)
