import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from dagster_project.reports.school_distribution import describe_schools


def hand_pearson(x: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    """Pearson's r and its two-sided p value from the t distribution, by the textbook."""
    dx, dy = x - x.mean(), y - y.mean()
    r = float((dx * dy).sum() / math.sqrt((dx**2).sum() * (dy**2).sum()))
    n = len(x)
    t = r * math.sqrt((n - 2) / (1 - r**2))
    return r, float(2 * stats.t.sf(abs(t), n - 2))


def planted_schools(n: int, seed: int) -> pd.DataFrame:
    """Counts driven by FSM and size, so both correlations are truly positive."""
    rng = np.random.default_rng(seed)
    pct_fsm = rng.uniform(2, 45, n)
    pupils = rng.integers(60, 1800, n).astype(float)
    counts = rng.poisson(0.3 * pct_fsm + pupils / 80) + 1
    frame = pd.DataFrame({"contacts_and_referrals": counts, "pupils": pupils, "pct_fsm": pct_fsm})
    frame.loc[rng.choice(n, 7, replace=False), "pct_fsm"] = np.nan
    frame.loc[rng.choice(n, 3, replace=False), "pupils"] = np.nan
    return frame


def test_mean_sd_and_correlations_match_a_hand_calculation():
    frame = planted_schools(200, seed=11)
    result = describe_schools(frame)
    counts = frame["contacts_and_referrals"].to_numpy(dtype=float)
    assert result.n_schools == 200
    assert result.mean == pytest.approx(counts.sum() / len(counts))
    assert result.sd == pytest.approx(math.sqrt(((counts - counts.mean()) ** 2).sum() / 199))
    by_name = {c.characteristic: c for c in result.correlations}
    for column, name in [("pct_fsm", "% free school meals"), ("pupils", "Enrolment (pupils)")]:
        known = frame[frame[column].notna()]
        r, p = hand_pearson(
            known[column].to_numpy(), known["contacts_and_referrals"].to_numpy(float)
        )
        assert by_name[name].n_schools == len(known)
        assert by_name[name].pearson_r == pytest.approx(r)
        assert by_name[name].p_value == pytest.approx(p, rel=1e-6)


def test_a_planted_positive_association_is_found():
    result = describe_schools(planted_schools(200, seed=3))
    for correlation in result.correlations:
        assert correlation.pearson_r > 0.3
        assert correlation.p_value < 0.001


def test_a_characteristic_known_for_too_few_schools_is_left_out():
    frame = pd.DataFrame(
        {
            "contacts_and_referrals": [1, 5, 9, 2],
            "pupils": [100.0, 300.0, 500.0, 200.0],
            "pct_fsm": [np.nan, np.nan, 10.0, 12.0],
        }
    )
    result = describe_schools(frame)
    assert [c.characteristic for c in result.correlations] == ["Enrolment (pupils)"]
