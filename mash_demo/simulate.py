"""A whole trial played on demo data with a planted effect, end to end through the pipeline
(driven from outside, through ``dagster_project.api``).

Baseline extracts come from the demo generator; the pipeline ingests them, builds the marts
and randomises; the generator then writes the trial months with the frozen arms and the
planted effect; the pipeline runs again and the results are set beside what was planted.
"""

import os
from calendar import monthrange
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pandas as pd

from dagster_project import settings
from dagster_project.api import (
    TrialPlan,
    add_months,
    connect_read_only,
    load_assignment,
    load_plan,
    refresh_if_changed,
)
from mash_demo.generate import write_demo_extracts


class SimulationError(RuntimeError):
    pass


@dataclass(frozen=True)
class Planted:
    phone_rate_ratio: float
    displacement_share: float
    seed: int
    scale: float = 1.0


def run_simulation(out: Path, planted: Planted, echo=print) -> pd.DataFrame:
    """Play a whole trial with ``out`` as the data folder, which must be empty."""
    out = out.expanduser().resolve()
    if out.exists() and any(out.iterdir()):
        raise SimulationError(f"{out} is not empty; give the simulation a folder of its own.")
    _point_settings_at(out)
    return play_trial(planted, echo)


def play_trial(planted: Planted, echo=print) -> pd.DataFrame:
    """Generate, materialise, randomise, generate the trial, materialise, in the configured
    data and landing folders; return the results with a ``planted`` column."""
    plan = load_plan()
    landing, truth = settings.landing_dir(), settings.data_dir() / "demo_truth"

    echo(f"Writing baseline extracts {_span(plan, baseline=True)} (seed {planted.seed}) ...")
    write_demo_extracts(
        landing,
        truth,
        seed=planted.seed,
        start=add_months(plan.baseline.start, -12),
        end=_last_day(plan.baseline.end),
        scale=planted.scale,
    )
    _materialise(echo, "baseline")
    frozen = load_assignment(settings.trial_dir(), plan)
    if frozen is None:
        raise SimulationError(
            "The run made no assignment (see trial/assignment's metadata): is the baseline "
            "complete and are the marts built?"
        )
    arms = dict(zip(frozen.rows["school_urn"].astype(int), frozen.rows["arm"], strict=True))
    echo(
        f"Randomised {len(frozen.randomised)} schools; writing trial months "
        f"{_span(plan, baseline=False)} with phone rate ratio {planted.phone_rate_ratio} and "
        f"displacement {planted.displacement_share} ..."
    )
    write_demo_extracts(
        landing,
        truth,
        seed=planted.seed,
        start=plan.trial.start,
        end=_last_day(plan.trial.end),
        scale=planted.scale,
        arms=arms,
        phone_rate_ratio=planted.phone_rate_ratio,
        displacement_share=planted.displacement_share,
    )
    _materialise(echo, "trial")
    return _compare(plan, planted)


def _point_settings_at(out: Path) -> None:
    """The simulation's own data folder. The pseudonym key is the configured one, as for real
    extracts: the warehouse is bound to it, so later runs on the same folder can load."""
    out.mkdir(parents=True, exist_ok=True)
    os.environ[settings.DATA_DIR_ENV] = str(out)
    os.environ.pop(settings.LANDING_DIR_ENV, None)


def _materialise(echo, stage: str) -> None:
    """The night ``mash run`` would run: its inputs are recorded once it has built, so a
    ``mash run`` after the demo has nothing to do."""
    echo(f"Materialising every asset ({stage}) ...")
    if not refresh_if_changed(echo):
        raise SimulationError(f"The {stage} run failed; see the log above.")


def _compare(plan: TrialPlan, planted: Planted) -> pd.DataFrame:
    with connect_read_only(settings.warehouse_path()) as conn:
        results = conn.execute("select * from trial.results").df()
        if results.empty:
            raise SimulationError("trial.results is empty after the trial run.")
        ratio = conn.execute(
            """
            select sum(m.phone_contacts) / nullif(sum(m.email_contacts), 0)
            from marts.fct_school_month m
            join trial.assignment a on a.school_urn = m.school_urn
            where a.arm = 'intervention' and m.month_start between ? and ?
            """,
            [plan.baseline.start, plan.baseline.end],
        ).fetchone()[0]
    email = 1 + planted.displacement_share * (1 - planted.phone_rate_ratio) * (ratio or 0)
    expected = {plan.primary_outcome: planted.phone_rate_ratio, "referrals": 1.0}
    expected["email_contacts"] = email
    results["planted"] = [
        expected.get(row.outcome) if row.scale == "rate_ratio" else None
        for row in results.itertuples()
    ]
    return results


def format_comparison(results: pd.DataFrame) -> str:
    lines = [f"{'outcome / model':42} {'planted':>8} {'estimate':>9}  95% CI            conclusion"]
    for row in results.itertuples():
        planted = "" if pd.isna(row.planted) else f"{row.planted:.3f}"
        lines.append(
            f"{row.outcome + ' / ' + row.model:42} {planted:>8} {row.estimate:9.3f}  "
            f"{row.ci_low:7.3f} to {row.ci_high:7.3f}  {row.conclusion or ''}"
        )
    primary = results[results["is_primary"]].iloc[0]
    covered = (
        primary["ci_low_randomisation"] <= primary["planted"] <= primary["ci_high_randomisation"]
    )
    lines.append(
        f"Primary: planted {primary['planted']:.3f}, recovered {primary['estimate']:.3f}; "
        f"95% CI by randomisation {primary['ci_low_randomisation']:.3f} to "
        f"{primary['ci_high_randomisation']:.3f} (randomisation p "
        f"{primary['p_value_randomisation']:.4f}), model-based ({primary['se_type']}) "
        f"{primary['ci_low']:.3f} to {primary['ci_high']:.3f}; the randomisation CI "
        f"{'contains' if covered else 'misses'} the planted rate ratio."
    )
    return "\n".join(lines)


def _last_day(month: date) -> date:
    return month.replace(day=monthrange(month.year, month.month)[1])


def _span(plan: TrialPlan, baseline: bool) -> str:
    if baseline:
        return f"{add_months(plan.baseline.start, -12):%b %Y} - {plan.baseline.end:%b %Y}"
    return plan.trial.label()
