"""Low-variance random draws, so that calibrated totals and shares hold for every seed.

Plain independent draws would let a seed's luck move a 544-contact agency type by 4%;
stratified quantiles and controlled rounding keep each figure close to its target while
the individual rows stay random.
"""

import numpy as np
from scipy.special import ndtri


def stratified_uniform(rng: np.random.Generator, n: int) -> np.ndarray:
    """n uniforms, one in each of n equal strata, in random order."""
    return (rng.permutation(n) + rng.random(n)) / max(n, 1)


def stratified_normal(rng: np.random.Generator, n: int) -> np.ndarray:
    return ndtri(stratified_uniform(rng, n))


def stochastic_round(rng: np.random.Generator, values: np.ndarray | float) -> np.ndarray:
    """Round down or up at random so that the expected value is unchanged."""
    values = np.asarray(values, dtype=float)
    floor = np.floor(values)
    return (floor + (rng.random(values.shape) < values - floor)).astype(int)


def apportion(rng: np.random.Generator, n: int, weights: np.ndarray) -> np.ndarray:
    """Split n into counts proportional to weights, each count within one of its share."""
    weights = np.asarray(weights, dtype=float)
    if n <= 0 or weights.sum() <= 0:
        return np.zeros(len(weights), dtype=int)
    exact = n * weights / weights.sum()
    counts = np.floor(exact).astype(int)
    remainder = n - counts.sum()
    if remainder:
        fractions = exact - counts
        keys = rng.random(len(weights)) ** (1.0 / np.maximum(fractions, 1e-12))
        counts[np.argsort(-keys)[:remainder]] += 1
    return counts


def weighted_choice_without_replacement(
    rng: np.random.Generator, weights: np.ndarray, k: int
) -> np.ndarray:
    """Indices of k items drawn without replacement with probability proportional to weight."""
    weights = np.asarray(weights, dtype=float)
    if k <= 0:
        return np.zeros(0, dtype=int)
    keys = np.log(rng.random(len(weights))) / np.maximum(weights, 1e-12)
    return np.argsort(-keys)[:k]


def assign_labels(rng: np.random.Generator, counts: np.ndarray) -> np.ndarray:
    """A random arrangement of label i repeated counts[i] times."""
    return rng.permutation(np.repeat(np.arange(len(counts)), counts))


def categorical(rng: np.random.Generator, cumulative: np.ndarray) -> np.ndarray:
    """One draw per row of a matrix of cumulative probabilities (last column 1)."""
    u = rng.random(cumulative.shape[0])[:, None]
    return (u > cumulative).sum(axis=1)
