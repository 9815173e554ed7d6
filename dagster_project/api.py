"""What programs driving the platform from outside (the demo's trial simulator, a script)
may use: run the nightly refresh in this process (``refresh_if_changed``, as ``mash run``
does, or ``materialize_all``, which rebuilds whatever the inputs), open the warehouse
read-only, and read the trial's plan and frozen assignment. The rest of ``dagster_project``
is internal to it."""

from dagster_project.pipeline import materialize_all, refresh_if_changed
from dagster_project.trial.assignment_store import load as load_assignment
from dagster_project.trial.plan import TrialPlan, add_months, load_plan
from dagster_project.warehouse import connect_read_only

__all__ = [
    "TrialPlan",
    "add_months",
    "connect_read_only",
    "load_assignment",
    "load_plan",
    "materialize_all",
    "refresh_if_changed",
]
