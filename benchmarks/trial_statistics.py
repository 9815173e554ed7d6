"""The trial's statistics: their error rates on heavy-tailed school counts, and their speed.

Size: simulated trials with no effect, each tested as the conclusions are drawn: the
two-sided randomisation test of the primary and of each two-sided secondary. The
non-inferiority secondary is checked where its null holds, at a true rate ratio equal to
the margin (the intervention arm's counts scaled by the margin): its one-sided test at
alpha/2 should reject 2.5%, and the two-sided test of RR = margin 5%. The rates of the
two-sided tests must lie inside [3.9%, 6.1%].

Coverage: simulated trials with a planted rate ratio of 0.7 on phone contacts. The
randomisation CI is the set of ratios its test does not reject, so it covers 0.7 exactly
when the test of H0: RR = 0.7 does not reject; ``--inverted`` trials also find both ends
by bisection, as the results asset does, and check that the two agree. The Wald (HC2)
coverage is printed beside it.

Each simulated trial uses ``--draws`` redraws (default 99: (99 + 1) x 0.05 is whole, so
the test's size is exactly 5% under the sharp null, as it is with the plan's 2,000).

    .venv/bin/python benchmarks/trial_statistics.py [--schools 230] [--trials 2000]
"""

import argparse
import time
from dataclasses import replace

import numpy as np

from dagster_project.trial.estimate import fit_negative_binomial, fit_ols_ancova, fit_poisson_qmle
from dagster_project.trial.inference import RandomisationInference, redraw_assignments
from dagster_project.trial.plan import load_plan
from dagster_project.trial.randomise import randomise
from mash_demo.synthetic import (
    RELATIVE_RATES,
    school_months,
    school_population,
    trial_frame,
    with_strata,
)

#: Mean phone contacts per school-month, and the spread of schools' rates (log-normal sigma)
#: on top of size and FSM, chosen so that school-month counts have an SD several times
#: their mean, as the demo's do.
PHONE_RATE = 1.0
EXTRA_SPREAD = 1.6


def heavy_tailed_population(schools: int, seed: int, plan):
    population = school_population(schools, seed=seed)
    rng = np.random.default_rng(seed + 1)
    spread = rng.lognormal(0, EXTRA_SPREAD, schools)
    scale = PHONE_RATE / (population["rate_phone_contacts"] * spread).mean()
    for outcome in RELATIVE_RATES:
        population[f"rate_{outcome}"] *= spread * scale
    return with_strata(population, plan)


def _spread(population, plan) -> tuple[float, float]:
    """Mean and SD of simulated school-month phone counts over the baseline year."""
    counts = school_months(population, plan.baseline.month_starts(), seed=0)["phone_contacts"]
    return float(counts.mean()), float(counts.std())


def _tests(frame, plan, assignments) -> dict[str, float]:
    """Each test's randomisation p-value, compared with alpha (NaN: not estimable)."""
    p_values = {}
    for column in plan.outcomes:
        secondary = next((s for s in plan.secondary_outcomes if s.column == column), None)
        margin = secondary.margin if secondary and secondary.test == "non_inferiority" else None
        data = frame
        if margin is not None:
            data = frame.assign(
                **{column: np.where(frame["treated"], frame[column] * margin, frame[column])}
            )
        if "why" in fit_poisson_qmle(data, column, plan.covariates, plan.alpha).notes:
            continue
        inference = RandomisationInference(data, column, plan.covariates, assignments)
        if margin is None:
            p_values[column] = inference.two_sided().p_value
        else:
            log_margin = np.log(margin)
            p_values[f"{column} NI one-sided at alpha/2 (expect at most 2.5%)"] = (
                2 * inference.greater(log_margin).p_value
            )
            p_values[f"{column} two-sided at the margin"] = inference.two_sided(log_margin).p_value
    return p_values


def size(population, plan, trials: int, draws: int) -> None:
    rejections: dict[str, list[bool]] = {}
    for k in range(trials):
        frame = trial_frame(population, plan, seed=100_000 + k, rate_ratio=1.0)
        assignments = redraw_assignments(
            frame["stratum"].to_numpy(), plan.intervention_share, plan.stratum_order(), draws, k
        )
        for label, p in _tests(frame, plan, assignments).items():
            rejections.setdefault(label, []).append(p <= plan.alpha)
    print(f"\nSize: {trials} null trials, {draws} redraws each (must lie in [3.9%, 6.1%])")
    for label, rejected in rejections.items():
        rate = np.mean(rejected)
        flag = "" if "expect" in label else "ok" if 0.039 <= rate <= 0.061 else "OUTSIDE"
        print(f"  {label:45} {100 * rate:5.2f}% of {len(rejected)} estimable  {flag}")


def coverage(population, plan, trials: int, draws: int, inverted: int, truth: float) -> None:
    covered, wald, agree = [], [], []
    for k in range(trials):
        frame = trial_frame(population, plan, seed=200_000 + k, rate_ratio=truth)
        assignments = redraw_assignments(
            frame["stratum"].to_numpy(), plan.intervention_share, plan.stratum_order(), draws, k
        )
        primary = plan.primary_outcome
        inference = RandomisationInference(frame, primary, plan.covariates, assignments)
        inside = inference.two_sided(np.log(truth)).p_value > plan.alpha
        covered.append(inside)
        estimate = fit_poisson_qmle(frame, plan.primary_outcome, plan.covariates, plan.alpha)
        wald.append(estimate.ci_low <= truth <= estimate.ci_high)
        if k < inverted:
            low, high = inference.confidence_interval(plan.alpha)
            agree.append((low <= truth <= high) == inside)
    print(f"\nCoverage at a planted RR of {truth}: {trials} trials (must be at least 93.5%)")
    rate = np.mean(covered)
    print(f"  randomisation CI  {100 * rate:5.2f}%  {'ok' if rate >= 0.935 else 'BELOW'}")
    print(f"  Wald CI (HC2)     {100 * np.mean(wald):5.2f}%")
    if agree:
        print(f"  inverted by bisection in {len(agree)} trials: agrees in {sum(agree)}")


def _timed(label: str, work):
    began = time.perf_counter()
    value = work()
    print(f"{label:55} {time.perf_counter() - began:8.3f} s")
    return value


def speed(population, plan) -> None:
    frame = trial_frame(population, plan, seed=2, rate_ratio=0.8)
    outcome, covariates = plan.primary_outcome, plan.covariates
    print(f"\nSpeed: {len(frame)} schools, the plan's {plan.randomisation_draws} redraws")
    _timed("randomisation", lambda: randomise(population, plan))
    for label, fit in (
        ("primary Poisson QMLE (HC2)", fit_poisson_qmle),
        ("negative binomial (NB2)", fit_negative_binomial),
        ("OLS ANCOVA (HC2)", fit_ols_ancova),
    ):
        _timed(label, lambda fit=fit: fit(frame, outcome, covariates, 0.05))
    assignments = _timed(
        "redraws of the blocked assignment",
        lambda: redraw_assignments(
            frame["stratum"].to_numpy(),
            plan.intervention_share,
            plan.stratum_order(),
            plan.randomisation_draws,
            plan.randomisation_seed,
        ),
    )
    _timed(
        "randomisation p-values, every outcome",
        lambda: [
            RandomisationInference(frame, column, covariates, assignments).two_sided()
            for column in plan.outcomes
        ],
    )
    inference = RandomisationInference(frame, outcome, covariates, assignments)
    _timed("randomisation CI of the primary", lambda: inference.confidence_interval(0.05))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--schools", type=int, default=230)
    parser.add_argument("--trials", type=int, default=2000)
    parser.add_argument("--draws", type=int, default=99)
    parser.add_argument("--inverted", type=int, default=50)
    parser.add_argument(
        "--skip", choices=["size", "coverage", "speed"], action="append", default=[]
    )
    args = parser.parse_args()
    plan = load_plan()
    population = heavy_tailed_population(args.schools, seed=1, plan=plan)
    mean, sd = _spread(population, plan)
    print(f"{args.schools} schools; phone contacts per school-month: mean {mean:.2f}, SD {sd:.2f}")
    if "speed" not in args.skip:
        speed(population, plan)
    if "size" not in args.skip:
        size(population, replace(plan, randomisation_draws=args.draws), args.trials, args.draws)
    if "coverage" not in args.skip:
        coverage(population, plan, args.trials, args.draws, args.inverted, truth=0.7)


if __name__ == "__main__":
    main()
