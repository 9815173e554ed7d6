"""Reading a referrer name in the words of the register it is matched against.

A misspelt word is replaced by the one register word it most resembles ("oakfeild" ->
"oakfield"), and a punctuated segment made mostly of words the register never uses
("Sarah Wilson" in "Sarah Wilson - Abbey Infants") is set aside: it names a person, not
the organisation.
A word the register lacks inside a kept segment stays, so a school missing from the
register ("Foxford CE Infant") is not mistaken for one that shares only its generic words.
"""

import numpy as np
from rapidfuzz import fuzz, process

from dagster_project.matching.config import MatchConfig

#: Shorter words (initials, "ce", "snt") are only ever taken as they are.
MIN_CORRECTED_LENGTH = 4
#: Unknown words scored per ``cdist`` call, bounding the matrix held in memory.
CHUNK_WORDS = 4096


def in_register_words(
    queries: list[list[str]], register_words: frozenset[str], config: MatchConfig
) -> list[str]:
    """Each query (its normalised segments) rewritten as one string for fuzzy scoring.

    Kept: the segments mostly made of register words once misspellings are corrected and
    holding one as typed; failing any, those mostly made of register words once corrected;
    failing any, those holding a register word at all; failing any, every segment. So a
    person's name is set aside even when one of its words is a register word too ("Ian
    Wood - Moorfields") or a correction would make it one ("Karen" -> "Arden").
    """
    corrections = _corrections(queries, register_words, config)
    rewritten = []
    for segments in queries:
        typed = [segment.split() for segment in segments]
        corrected = [[corrections.get(word, word) for word in words] for words in typed]
        share_typed = [_register_share(words, register_words) for words in typed]
        share_corrected = [_register_share(words, register_words) for words in corrected]
        tiers = (
            [
                corrected_share > 0.5 and typed_share > 0
                for typed_share, corrected_share in zip(share_typed, share_corrected, strict=True)
            ],
            [share > 0.5 for share in share_corrected],
            [share > 0 for share in share_corrected],
            [True] * len(corrected),
        )
        keep = next(tier for tier in tiers if any(tier))
        kept = [words for words, wanted in zip(corrected, keep, strict=True) if wanted]
        rewritten.append(" ".join(word for words in kept for word in words))
    return rewritten


def misreads_a_register_word(
    query: str, candidate: str, register_words: frozenset[str], word_score: float
) -> bool:
    """Whether matching the query to the candidate reads a register word as a misspelling.

    "Coleshill School" scores well against Foleshill School, but "coleshill" is a register
    word in its own right (Coleshill Academy), so taking it for "foleshill" is a guess.
    """
    query_words, candidate_words = set(query.split()), set(candidate.split())
    return any(
        fuzz.ratio(missing, own) >= word_score and not _plural_or_possessive(missing, own)
        for missing in (query_words & register_words) - candidate_words
        for own in candidate_words - query_words
    )


def _plural_or_possessive(one: str, other: str) -> bool:
    """'children' and 'childrens' ("Children's"), 'mary' and 'marys': the same word."""
    return one + "s" == other or other + "s" == one


def _register_share(words: list[str], register_words: frozenset[str]) -> float:
    return sum(word in register_words for word in words) / len(words)


def _corrections(
    queries: list[list[str]], register_words: frozenset[str], config: MatchConfig
) -> dict[str, str]:
    """Unknown word -> the register word it resembles, when one resembles it clearly best
    (by ``config.word_margin``): "hinley" is read as neither Henley nor Hinckley."""
    unknown = sorted(
        {
            word
            for segments in queries
            for segment in segments
            for word in segment.split()
            if len(word) >= MIN_CORRECTED_LENGTH and word not in register_words
        }
    )
    vocabulary = sorted(register_words)
    corrections: dict[str, str] = {}
    for start in range(0, len(unknown) if vocabulary else 0, CHUNK_WORDS):
        words = unknown[start : start + CHUNK_WORDS]
        scores = process.cdist(
            words,
            vocabulary,
            scorer=fuzz.ratio,
            processor=None,
            score_cutoff=config.word_score,
            workers=-1,
            dtype=np.float32,
        )
        two_best = -np.partition(-scores, min(1, len(vocabulary) - 1), axis=1)[:, :2]
        runner_up = two_best[:, 1] if len(vocabulary) > 1 else np.zeros(len(words))
        clear = (two_best[:, 0] > 0) & (two_best[:, 0] - runner_up >= config.word_margin)
        for word, column, keep in zip(words, scores.argmax(axis=1), clear, strict=True):
            if keep:
                corrections[word] = vocabulary[column]
    return corrections
