"""The CONSORT flow as a table: one row per box of the diagram (and per arm within a box).

Eligibility counts are those at randomisation (kept in the frozen manifest); before any
school is randomised, and for manifests older than that, they come from the current marts.
"""

import pandas as pd

from dagster_project.trial.analysis import TrialData
from dagster_project.trial.assignment_store import FrozenAssignment
from dagster_project.trial.plan import ARMS

ELIGIBILITY_REASONS = {
    "not_open": "not open",
    "phase_not_in_plan": "phase of education not in the plan",
    "enrolment_or_fsm_unknown": "enrolment or % free school meals unknown",
}
COLUMNS = ["step", "arm", "schools", "reason", "step_order"]


def consort_table(
    excluded_by_rule: dict, frozen: FrozenAssignment | None, data: TrialData | None
) -> pd.DataFrame:
    """Assessed (the plan's local authorities' schools), excluded with reasons,
    randomised, allocated per arm, excluded from analysis or followed up for part of the
    trial with reasons, and analysed per arm. Steps not reached yet are left out."""
    if frozen is not None and frozen.manifest.get("excluded_by_rule"):
        excluded_by_rule = frozen.manifest["excluded_by_rule"]
    excluded = {
        reason: int(excluded_by_rule.get(key, 0)) for key, reason in ELIGIBILITY_REASONS.items()
    }
    rows = []
    if frozen is None:
        return pd.DataFrame(rows, columns=COLUMNS)
    randomised = frozen.randomised
    assessed = len(randomised) + sum(excluded.values())
    rows.append(("assessed for eligibility", None, assessed, None, 1))
    rows += [("excluded", None, n, reason, 2) for reason, n in excluded.items() if n]
    rows.append(("randomised", None, len(randomised), None, 3))
    allocated = randomised["arm"].value_counts()
    rows += [("allocated", arm, int(allocated.get(arm, 0)), None, 4) for arm in ARMS]
    if data is not None:
        for step, order, schools in (
            ("excluded from analysis", 5, data.excluded),
            ("followed up for part of the trial period", 6, data.truncated),
        ):
            counts = schools.groupby(["arm", "reason"]).size()
            rows += [(step, arm, int(n), reason, order) for (arm, reason), n in counts.items()]
        analysed = data.frame["treated"].map({True: ARMS[0], False: ARMS[1]}).value_counts()
        rows += [("analysed", arm, int(analysed.get(arm, 0)), None, 7) for arm in ARMS]
    return pd.DataFrame(rows, columns=COLUMNS)
