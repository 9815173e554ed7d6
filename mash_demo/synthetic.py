"""School-level simulation with known truth, for checking the trial's statistics.

Schools get a size, a % FSM and a long-tailed underlying rate of each kind of contact;
each academic year moves a school's rates by a random factor (staff change, cohorts), and
months follow the school calendar. An intervention multiplies the phone-contact rate of
intervention schools from a given month by a known rate ratio. This is not the demo data
generator (``dagster_project.demo``): it has no contacts, only the school-month counts
that the trial reads.
"""

from dataclasses import replace
from datetime import date

import numpy as np
import pandas as pd

from dagster_project.trial.plan import TrialPlan
from dagster_project.trial.randomise import randomise

#: Relative contact rate by calendar month (school holidays in August, Christmas, Easter).
MONTHLY_FACTORS = [1.0, 0.9, 1.0, 0.8, 0.95, 1.0, 0.75, 0.15, 0.95, 1.0, 1.05, 0.75]
SEASON = dict(enumerate(MONTHLY_FACTORS, start=1))
#: Mean monthly count per school of each outcome, relative to phone contacts.
RELATIVE_RATES = {
    "phone_contacts": 1.0,
    "email_contacts": 0.85,
    "other_contacts": 0.3,
    "referrals": 0.4,
    "calls_attributed": 1.1,
}
PHONE_CONTACTS_PER_SCHOOL_MONTH = 1.5
YEAR_TO_YEAR_SD = 0.2


def school_population(n_schools: int, seed: int) -> pd.DataFrame:
    """dim_school-shaped rows (Warwickshire, open, mixed phases) plus ``rate_<outcome>``."""
    rng = np.random.default_rng(seed)
    secondary = rng.random(n_schools) < 0.15
    pupils = np.where(
        secondary,
        rng.lognormal(np.log(900), 0.35, n_schools),
        rng.lognormal(np.log(260), 0.5, n_schools),
    ).round()
    pct_fsm = np.clip(rng.gamma(2.2, 5.5, n_schools), 0, 70).round(1)
    log_rate = (
        0.9 * (np.log(pupils) - np.log(300)) + 0.04 * (pct_fsm - 12) + rng.normal(0, 0.6, n_schools)
    )
    base = PHONE_CONTACTS_PER_SCHOOL_MONTH * np.exp(log_rate) / np.exp(log_rate).mean()
    schools = pd.DataFrame(
        {
            "school_urn": 125000 + np.arange(n_schools) * 7,
            "school_name": [f"Synthetic School {k:03d}" for k in range(n_schools)],
            "la_code": "937",
            "district": "Warwick",
            "phase": np.where(secondary, "Secondary", "Primary"),
            "establishment_type": "Community school",
            "is_open": True,
            "pupils": pupils,
            "pct_fsm": pct_fsm,
            "size_band": "unknown",
            "fsm_band": "unknown",
            "successor_urn": pd.array([pd.NA] * n_schools, dtype="Int64"),
        }
    )
    for outcome, relative in RELATIVE_RATES.items():
        schools[f"rate_{outcome}"] = base * relative * rng.lognormal(0, 0.3, n_schools)
    return schools


def school_months(
    population: pd.DataFrame,
    months: list[date],
    seed: int,
    *,
    treated_urns: frozenset[int] = frozenset(),
    rate_ratio: float = 1.0,
    effect_from: date | None = None,
) -> pd.DataFrame:
    """fct_school_month-shaped counts for every school and month."""
    rng = np.random.default_rng(seed)
    years = sorted({_academic_year(m) for m in months})
    drift = {year: rng.lognormal(0, YEAR_TO_YEAR_SD, len(population)) for year in years}
    treated = population["school_urn"].isin(treated_urns).to_numpy()
    frames = []
    for month in months:
        frame = pd.DataFrame({"school_urn": population["school_urn"], "month_start": month})
        factor = SEASON[month.month] * drift[_academic_year(month)]
        for outcome in RELATIVE_RATES:
            mean = population[f"rate_{outcome}"].to_numpy() * factor
            if outcome == "phone_contacts" and effect_from and month >= effect_from:
                mean = np.where(treated, mean * rate_ratio, mean)
            frame[outcome] = rng.poisson(mean)
        frames.append(frame)
    counts = pd.concat(frames, ignore_index=True)
    counts["contacts_and_referrals"] = counts[
        ["phone_contacts", "email_contacts", "other_contacts", "referrals"]
    ].sum(axis=1)
    counts["month_start"] = pd.to_datetime(counts["month_start"])
    return counts


def with_strata(population: pd.DataFrame, plan: TrialPlan) -> pd.DataFrame:
    strata = [
        plan.stratum({"pupils": p, "pct_fsm": f})
        for p, f in zip(population["pupils"], population["pct_fsm"], strict=True)
    ]
    return population.assign(stratum=strata)


def trial_frame(population: pd.DataFrame, plan: TrialPlan, seed: int, rate_ratio: float):
    """A whole simulated trial at school level, shaped as the estimators take it.

    ``population`` comes from ``with_strata``. Randomises with the trial's procedure (seeded
    by ``seed``), draws baseline totals over the plan's baseline and trial totals over its
    trial window, with the effect planted in phone contacts.
    """
    rng = np.random.default_rng(seed)
    assigned = randomise(population, replace(plan, seed=seed))
    treated = (assigned["arm"] == "intervention").to_numpy()
    baseline_season = sum(SEASON[m.month] for m in plan.baseline.month_starts())
    trial_season = sum(SEASON[m.month] for m in plan.trial.month_starts())
    baseline_drift = rng.lognormal(0, YEAR_TO_YEAR_SD, len(assigned))
    trial_drift = rng.lognormal(0, YEAR_TO_YEAR_SD, len(assigned))
    columns = {
        name: assigned[name].to_numpy() for name in ("school_urn", "stratum", "pupils", "pct_fsm")
    }
    columns["treated"] = treated
    for outcome in RELATIVE_RATES:
        rate = assigned[f"rate_{outcome}"].to_numpy()
        effect = np.where(treated, rate_ratio, 1.0) if outcome == "phone_contacts" else 1.0
        columns[f"{outcome}_baseline"] = rng.poisson(rate * baseline_drift * baseline_season)
        columns[outcome] = rng.poisson(rate * trial_drift * trial_season * effect)
    columns["exposure"] = np.full(len(assigned), float(plan.trial.months))
    columns["baseline_months"] = np.full(len(assigned), float(plan.baseline.months))
    return pd.DataFrame(columns)


def _academic_year(month: date) -> int:
    return month.year if month.month >= 9 else month.year - 1
