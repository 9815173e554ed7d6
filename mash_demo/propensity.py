"""How often each school contacts the MASH, calibrated per seed to the scoping report.

A Warwickshire school's weight grows with its enrolment and its % FSM, times a random
school effect; a neighbouring authority's school has a small weight (more for Coventry,
which Warwickshire surrounds, and for secondaries). Five shape parameters are solved so
that the expected baseline year has about 440 referring schools (198 with enrolment
known), a per-school standard deviation of 26 and correlations of 0.5 with enrolment and
0.4 with FSM. The solve uses expected values (Poisson approximations), so it is
deterministic for a register and the realised counts scatter only by sampling noise.
"""

import numpy as np
import pandas as pd
from scipy import optimize

from mash_demo import targets
from mash_demo.stratified import stratified_normal

KIND_EFFECT = {"special": 0.8, "pru": 1.0, "independent": -3.2, "nursery": -2.5, "grammar": -0.6}
COVENTRY = "331"


def _weights(schools: pd.DataFrame, z: np.ndarray, params: np.ndarray) -> np.ndarray:
    pupils_slope, fsm_slope, school_sd, neighbour_sd, village_effect = params
    home = (schools["role"] == "home").to_numpy()
    neighbour = (schools["role"] == "neighbour").to_numpy()
    log_pupils = np.log(schools["pupils"].fillna(300).to_numpy() / 300)
    fsm = np.clip((schools["pct_fsm"].fillna(12).to_numpy() - 12) / 8, -2, 2.5)
    kind = schools["kind"]
    effect = (
        kind.map(KIND_EFFECT).fillna(0).to_numpy() + village_effect * (kind == "village").to_numpy()
    )
    home_w = np.where(
        home, np.exp(pupils_slope * log_pupils + fsm_slope * fsm + effect + school_sd * z), 0
    )
    border = np.where(schools["la_code"] == COVENTRY, 1.0, 0.45) * np.where(
        kind == "secondary", 2.2, 1.0
    )
    neighbour_w = np.where(neighbour, np.exp(neighbour_sd * z) * border, 0)
    share = targets.SCHOOL_NEIGHBOUR_SHARE
    return home_w / home_w.sum() * (1 - share) + neighbour_w / neighbour_w.sum() * share


def expected_statistics(schools: pd.DataFrame, weights: np.ndarray, total: float) -> dict:
    """Per-school figures expected when ``total`` contacts fall on schools by weight."""
    expected = total * weights
    refers = 1 - np.exp(-expected)
    refs = refers.sum()
    mean = expected.sum() / refs
    sd = np.sqrt(((expected + expected**2).sum() - refs * mean**2) / (refs - 1))
    stats = {"refs": refs, "sd": sd}
    for column, key in (("pupils", "pupils"), ("pct_fsm", "fsm")):
        x = schools[column].to_numpy(dtype=float)
        known = ~np.isnan(x)
        p, e, x = refers[known], expected[known], x[known]
        n = p.sum()
        mean_x, mean_n = (p * x).sum() / n, e.sum() / n
        cov = (e * x).sum() / n - mean_n * mean_x
        var_n = (e + e**2).sum() / n - mean_n**2
        var_x = (p * x**2).sum() / n - mean_x**2
        stats[f"known_{key}"] = n
        stats[f"r_{key}"] = cov / np.sqrt(var_n * var_x)
    return stats


def school_weights(schools: pd.DataFrame, rng: np.random.Generator) -> np.ndarray:
    """Calibrated relative contact rates for the given (current, open) schools."""
    z = stratified_normal(rng, len(schools))
    wanted = targets.SCHOOL_TARGETS
    tolerance = {
        "refs": 0.03 * wanted["refs"],
        "sd": 0.15 * wanted["sd"],
        "known_pupils": 0.03 * 198,
    }
    total = targets.AGENCY_TYPE_TOTALS[targets.SCHOOLS][0]

    def residuals(params: np.ndarray) -> list[float]:
        got = expected_statistics(schools, _weights(schools, z, params), total)
        return [(got[k] - wanted[k]) / tolerance.get(k, 0.1) for k in wanted]

    solution = optimize.least_squares(
        residuals,
        x0=[1.1, 0.5, 0.8, 0.9, 0.0],
        bounds=([0.3, 0.0, 0.1, 0.1, -3.0], [2.5, 3.0, 2.0, 2.5, 3.0]),
    )
    return _weights(schools, z, solution.x)
