"""Thresholds and scorer choice for matching referrer names to the register."""

from dataclasses import asdict, dataclass

from rapidfuzz import fuzz


@dataclass(frozen=True)
class MatchConfig:
    """How sure a fuzzy match must be before it is used, reviewed or dropped.

    Scores are rapidfuzz scores, 0-100. A name is accepted when its best candidate scores at
    least ``accept_score`` and beats the best candidate of any other agency by at least
    ``accept_margin``; it goes to the review queue when its best score is at least
    ``review_score`` (or it clears ``accept_score`` without the margin); otherwise it is left
    unmatched. Candidates scoring under ``candidate_floor`` are not reported at all. Before
    scoring, a misspelt word is read as the register word it resembles when their
    ``rapidfuzz.fuzz.ratio`` is at least ``word_score`` and beats any other register word's
    by ``word_margin``.

    A score is the mean of the ``scorers`` (``rapidfuzz.fuzz`` functions). The default pairs
    ``token_set_ratio``, indifferent to words one side lacks ("Kenilworth" for "Kenilworth
    School"), with ``token_sort_ratio``, which counts every word, so that of two candidates
    holding all the typed words the one with nothing more wins ("Kingsbridge School" over
    "Kingsbridge Preparatory School").
    """

    accept_score: float = 75.0
    accept_margin: float = 5.0
    review_score: float = 65.0
    candidate_floor: float = 50.0
    word_score: float = 80.0
    word_margin: float = 5.0
    scorers: tuple[str, ...] = ("token_set_ratio", "token_sort_ratio")

    def __post_init__(self) -> None:
        if not 0 <= self.candidate_floor <= self.review_score <= self.accept_score <= 100:
            raise ValueError(
                "MatchConfig needs 0 <= candidate_floor <= review_score <= accept_score <= 100, "
                f"got {self.candidate_floor}, {self.review_score}, {self.accept_score}"
            )
        if not 0 < self.word_score <= 100:
            raise ValueError(f"MatchConfig.word_score must be in (0, 100], got {self.word_score}")
        if self.accept_margin < 0 or self.word_margin < 0:
            raise ValueError(
                "MatchConfig.accept_margin and word_margin must be >= 0, "
                f"got {self.accept_margin}, {self.word_margin}"
            )
        unknown = [name for name in self.scorers if not hasattr(fuzz, name)]
        if not self.scorers or unknown:
            raise ValueError(f"MatchConfig.scorers must name rapidfuzz.fuzz scorers, got {unknown}")

    def scorer_functions(self) -> list:
        return [getattr(fuzz, name) for name in self.scorers]

    def scorer_cutoff(self) -> float:
        """The least score each scorer can give while their mean still reaches the floor."""
        count = len(self.scorers)
        return max(0.0, count * self.candidate_floor - (count - 1) * 100.0)

    def as_dict(self) -> dict:
        return asdict(self)
