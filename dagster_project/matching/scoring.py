"""Fuzzy scores of cleaned referrer names against one register, best agencies first."""

from dataclasses import dataclass

import numpy as np
from rapidfuzz import process

from dagster_project.matching.cleaning import compact_designations
from dagster_project.matching.config import MatchConfig
from dagster_project.matching.registers import CandidateRegister

#: Candidates reported per name (the review queue's columns).
TOP_CANDIDATES = 3
#: Candidates kept per name, so that a tie at the top among more agencies than are reported
#: (same-named schools) can still be weighed whole.
KEPT_CANDIDATES = 8
#: Names scored per ``cdist`` call: bounds the score matrix (rows x register names) in memory.
CHUNK_ROWS = 2048


@dataclass(frozen=True)
class Scores:
    """Per query: the best agencies (indices into the register, -1 when none), their scores,
    and which of the register's names scored best (the best agency's)."""

    agencies: np.ndarray
    scores: np.ndarray
    best_name: np.ndarray

    def candidates(self, row: int) -> list[tuple[int, float]]:
        return [
            (int(agency), float(score))
            for agency, score in zip(self.agencies[row], self.scores[row], strict=True)
            if agency >= 0
        ]


def score_names(queries: list[str], register: CandidateRegister, config: MatchConfig) -> Scores:
    """The best ``KEPT_CANDIDATES`` agencies of the register for each query, one score each.

    An agency's score is the best score of any of its names (its aliases, or the names of
    every URN that leads to a school), so a runner-up is always a different agency.
    Scores under ``config.candidate_floor`` count as no candidate.
    """
    width = min(KEPT_CANDIDATES, len(register.agencies))
    agencies = np.full((len(queries), KEPT_CANDIDATES), -1, dtype=np.int64)
    scores = np.zeros((len(queries), KEPT_CANDIDATES), dtype=np.float64)
    best_name = np.full(len(queries), -1, dtype=np.int64)
    if not queries or width == 0:
        return Scores(agencies, scores, best_name)
    group_starts = np.flatnonzero(np.r_[True, np.diff(register.name_agency) != 0])
    group_agency = register.name_agency[group_starts]
    for start in range(0, len(queries), CHUNK_ROWS):
        chunk = [compact_designations(query) for query in queries[start : start + CHUNK_ROWS]]
        matrix = _mean_score(chunk, register.scored_names, config)
        per_agency = np.maximum.reduceat(matrix, group_starts, axis=1)
        best = np.argsort(-per_agency, axis=1, kind="stable")[:, :width]
        best_scores = np.take_along_axis(per_agency, best, axis=1)
        rows = slice(start, start + len(best))
        # argmax takes the first best column, which lies in the same (lowest-index) agency
        # as the stable sort's first choice, names being grouped by agency in index order.
        best_name[rows] = matrix.argmax(axis=1)
        agencies[rows, :width] = np.where(best_scores > 0, group_agency[best], -1)
        scores[rows, :width] = np.round(best_scores.astype(np.float64), 2)
    return Scores(agencies, scores, best_name)


def _mean_score(queries: list[str], names: list[str], config: MatchConfig) -> np.ndarray:
    total = np.zeros((len(queries), len(names)), dtype=np.float32)
    for scorer in config.scorer_functions():
        total += process.cdist(
            queries,
            names,
            scorer=scorer,
            processor=None,
            score_cutoff=config.scorer_cutoff(),
            workers=-1,
            dtype=np.float32,
        )
    mean = total / len(config.scorers)
    return np.where(mean >= config.candidate_floor, mean, 0).astype(np.float32)
