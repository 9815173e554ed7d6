"""How long the trial's statistics take, for a county-sized trial (default 250 schools).

Times the pieces the trial assets run, on the school-level simulation: the randomisation,
the primary fit, randomisation inference (the plan's draws), the power simulation (the
plan's simulations, five rate ratios), the analytic MDEs and the sensitivity models.

    .venv/bin/python benchmarks/trial_statistics.py [--schools 250]
"""

import argparse
import time

from dagster_project.trial.estimate import (
    fit_negative_binomial,
    fit_ols_ancova,
    fit_poisson_qmle,
)
from dagster_project.trial.inference import randomisation_p_value
from dagster_project.trial.plan import load_plan
from dagster_project.trial.power import (
    Design,
    mde_by_simulation,
    mde_negative_binomial,
    negative_binomial_inputs,
)
from dagster_project.trial.randomise import randomise
from mash_demo.synthetic import school_population, trial_frame, with_strata


def _timed(label: str, work):
    began = time.perf_counter()
    value = work()
    print(f"{label:55} {time.perf_counter() - began:8.3f} s")
    return value


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--schools", type=int, default=250)
    schools = parser.parse_args().schools
    plan = load_plan()
    population = with_strata(school_population(schools, seed=1), plan)
    frame = trial_frame(population, plan, seed=2, rate_ratio=0.8)
    outcome, covariates = plan.primary_outcome, plan.covariates
    print(f"{schools} schools, plan {plan.path}")

    _timed("randomisation", lambda: randomise(population, plan))
    _timed(
        "primary Poisson QMLE (statsmodels, HC2)",
        lambda: fit_poisson_qmle(frame, outcome, covariates, plan.alpha),
    )
    _timed(
        "negative binomial (NB2)",
        lambda: fit_negative_binomial(frame, outcome, covariates, plan.alpha),
    )
    _timed("OLS ANCOVA (HC2)", lambda: fit_ols_ancova(frame, outcome, covariates, plan.alpha))
    _timed(
        f"randomisation inference, {plan.randomisation_draws} draws",
        lambda: randomisation_p_value(
            frame,
            outcome,
            covariates,
            plan.intervention_share,
            plan.stratum_order(),
            plan.randomisation_draws,
            plan.randomisation_seed,
        ),
    )
    inputs = _timed("NB inputs", lambda: negative_binomial_inputs(frame, outcome, covariates))
    n1 = float(frame["treated"].sum())
    design = Design(n1, len(frame) - n1, plan.trial.months, plan.alpha, plan.target_power)
    mde = _timed(
        "analytic NB MDE",
        lambda: mde_negative_binomial(
            inputs["rate_per_school_month"], inputs["effective_dispersion"], design
        ),
    )
    simulated, _ = _timed(
        f"simulated MDE, {plan.power_simulations} simulations x 5 rate ratios",
        lambda: mde_by_simulation(frame, outcome, plan, mde),
    )
    print(f"MDE rate ratio: analytic {mde:.3f}, simulated {simulated:.3f}")


if __name__ == "__main__":
    main()
