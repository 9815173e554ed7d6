"""Blocked random assignment within strata, as R randomizr's ``block_ra`` with ``prob``.

In a stratum of n schools the intervention goes to floor(n x share) schools, plus one more
with probability equal to the remainder n x share - floor(n x share). Every school's
chance of the intervention is then exactly the share, and every stratum's count is the
floor or the ceiling of n x share. The one procedure serves the real assignment, the
randomisation-inference redraws and the power simulations.
"""

from fractions import Fraction
from math import floor

import numpy as np
import pandas as pd

from dagster_project.trial.plan import TrialPlan


def draw_treated(
    strata: np.ndarray, share: Fraction, rng: np.random.Generator, stratum_order: list[str]
) -> np.ndarray:
    """One assignment: True for the intervention, in the order of ``strata``.

    Strata are visited in ``stratum_order``; within a stratum the schools keep the order
    given (the real assignment passes them sorted by URN), so a seed fixes the result.
    """
    strata = np.asarray(strata)
    unknown = set(strata.tolist()) - set(stratum_order)
    if unknown:
        raise ValueError(f"Schools in strata the plan does not define: {sorted(unknown)}")
    treated = np.zeros(len(strata), dtype=bool)
    for stratum in stratum_order:
        positions = np.flatnonzero(strata == stratum)
        if positions.size == 0:
            continue
        expected = positions.size * share
        count = floor(expected)
        if rng.random() < float(expected - count):
            count += 1
        treated[positions[rng.permutation(positions.size)[:count]]] = True
    return treated


def randomise(schools: pd.DataFrame, plan: TrialPlan) -> pd.DataFrame:
    """Assign arms to eligible schools (columns school_urn, stratum, ...) with the plan's seed.

    The result is sorted by URN and adds ``arm``; it depends only on the seed, the plan
    and the set of eligible schools with their strata.
    """
    ordered = schools.sort_values("school_urn", kind="stable").reset_index(drop=True)
    rng = np.random.default_rng(plan.seed)
    treated = draw_treated(
        ordered["stratum"].to_numpy(), plan.intervention_share, rng, plan.stratum_order()
    )
    return ordered.assign(arm=np.where(treated, "intervention", "comparison"))
