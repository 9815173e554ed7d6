"""The trial's analysis plan as the trial report reads it: the plan when it is there and
valid, else why not, so the report can still be built (before a plan, or with a broken one)."""

from dataclasses import dataclass
from pathlib import Path

from dagster_project.trial.plan import PlanError, TrialPlan, load_plan


@dataclass(frozen=True)
class PlanReading:
    plan: TrialPlan | None
    #: Why there is no plan (missing file, or the first thing wrong in it).
    problem: str | None = None


def read_plan(path: Path) -> PlanReading:
    if not path.is_file():
        return PlanReading(None, f"No trial plan at {path}.")
    try:
        return PlanReading(load_plan(path))
    except PlanError as error:
        return PlanReading(None, str(error))
