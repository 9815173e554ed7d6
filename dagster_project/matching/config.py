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
    ``rapidfuzz.fuzz.ratio`` is at least ``word_score``.
    """

    accept_score: float = 90.0
    accept_margin: float = 5.0
    review_score: float = 75.0
    candidate_floor: float = 50.0
    word_score: float = 80.0
    scorer: str = "token_set_ratio"

    def __post_init__(self) -> None:
        if not 0 <= self.candidate_floor <= self.review_score <= self.accept_score <= 100:
            raise ValueError(
                "MatchConfig needs 0 <= candidate_floor <= review_score <= accept_score <= 100, "
                f"got {self.candidate_floor}, {self.review_score}, {self.accept_score}"
            )
        if not 0 < self.word_score <= 100:
            raise ValueError(f"MatchConfig.word_score must be in (0, 100], got {self.word_score}")
        if self.accept_margin < 0:
            raise ValueError(f"MatchConfig.accept_margin must be >= 0, got {self.accept_margin}")
        if not hasattr(fuzz, self.scorer):
            raise ValueError(f"MatchConfig.scorer {self.scorer!r} is not a rapidfuzz.fuzz scorer")

    def scorer_function(self):
        return getattr(fuzz, self.scorer)

    def as_dict(self) -> dict:
        return asdict(self)
