"""How contacts and referrals spread over the schools that made them."""

from dataclasses import dataclass

import pandas as pd
from scipy import stats


@dataclass(frozen=True)
class Correlation:
    characteristic: str
    n_schools: int
    pearson_r: float
    p_value: float


@dataclass(frozen=True)
class SchoolDistribution:
    n_schools: int
    mean: float
    sd: float
    median: float
    maximum: int
    correlations: list[Correlation]


#: School characteristic (a column of the per-school frame) and how the report names it.
CHARACTERISTICS = {"pct_fsm": "% free school meals", "pupils": "Enrolment (pupils)"}


def describe_schools(per_school: pd.DataFrame) -> SchoolDistribution:
    """Summary of ``per_school`` (one row per school with at least one contact or referral:
    ``contacts_and_referrals`` plus the characteristics; at least one school). The SD is the
    sample SD; each correlation is Pearson's, over the schools where that characteristic is
    known, and is left out when fewer than three schools or no variation leave it undefined."""
    if per_school.empty:
        raise ValueError("no schools to describe")
    counts = per_school["contacts_and_referrals"].astype(float)
    correlations = []
    for column, name in CHARACTERISTICS.items():
        known = per_school[per_school[column].notna()]
        if (
            len(known) < 3
            or known[column].nunique() < 2
            or known["contacts_and_referrals"].nunique() < 2
        ):
            continue
        result = stats.pearsonr(
            known[column].astype(float), known["contacts_and_referrals"].astype(float)
        )
        correlations.append(
            Correlation(name, len(known), float(result.statistic), float(result.pvalue))
        )
    return SchoolDistribution(
        n_schools=len(counts),
        mean=float(counts.mean()),
        sd=float(counts.std(ddof=1)) if len(counts) > 1 else float("nan"),
        median=float(counts.median()),
        maximum=int(counts.max()),
        correlations=correlations,
    )
