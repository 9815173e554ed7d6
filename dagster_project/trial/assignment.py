"""Making the assignment once, then reading it back and extending it to successor schools."""

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import pandas as pd

from dagster_project.trial import assignment_store as store
from dagster_project.trial.plan import TrialPlan
from dagster_project.trial.randomise import randomise
from dagster_project.trial.school_data import Marts, eligible_schools, successor_chains

WAITING, RANDOMISED, FROZEN = "waiting", "randomised", "frozen"


@dataclass(frozen=True)
class AssignmentState:
    status: str
    message: str
    frozen: store.FrozenAssignment | None = None
    excluded: dict = field(default_factory=dict)
    successors_added: int = 0
    successor_conflicts: tuple[int, ...] = ()
    eligible_not_in_trial: int = 0


def baseline_complete(plan: TrialPlan, marts: Marts) -> bool:
    return marts.data_through is not None and marts.data_through >= plan.baseline.end


def settle_assignment(
    plan: TrialPlan, marts: Marts, trial_dir: Path, now: datetime
) -> AssignmentState:
    """Randomise when the baseline is complete and nothing is frozen yet; otherwise read
    the frozen assignment back (raising if the plan changed) and append new successors."""
    frozen = store.load(trial_dir, plan)
    eligible, excluded = eligible_schools(marts.schools, plan)
    if frozen is None:
        if not baseline_complete(plan, marts):
            through = f"{marts.data_through:%b %Y}" if marts.data_through else "no month yet"
            return AssignmentState(
                WAITING,
                f"Waiting for baseline data: the data runs to {through}; randomisation "
                f"needs it to cover {plan.baseline.label()}.",
                excluded=excluded,
            )
        if eligible.empty:
            raise store.AssignmentError(
                f"No school meets the eligibility rules of {plan.path} ({excluded}); "
                "nothing to randomise."
            )
        frozen = store.freeze(
            trial_dir,
            randomise(eligible, plan),
            plan,
            store.input_hash(eligible),
            now.isoformat(timespec="seconds"),
            excluded,
        )
        status, message = RANDOMISED, f"Randomised {len(eligible)} schools."
    else:
        status = FROZEN
        message = f"Assignment frozen on {frozen.manifest['randomised_at']}; read back unchanged."
    new_rows, conflicts = successor_rows(frozen, marts.schools, now)
    frozen = store.append(trial_dir, frozen, new_rows)
    store.write_intervention_list(trial_dir, frozen)
    return AssignmentState(
        status,
        message,
        frozen,
        excluded,
        successors_added=len(new_rows),
        successor_conflicts=tuple(conflicts),
        eligible_not_in_trial=int((~eligible["school_urn"].isin(frozen.rows["school_urn"])).sum()),
    )


def successor_rows(
    frozen: store.FrozenAssignment, schools: pd.DataFrame, now: datetime
) -> tuple[pd.DataFrame, list[int]]:
    """Rows for successor URNs not yet in the file, each with its predecessor's arm.

    A successor whose predecessors were randomised to different arms (a merger across arms)
    gets no row; its URN is returned among the conflicts.
    """
    chains = successor_chains(schools)
    known = set(frozen.rows["school_urn"])
    candidates = {}
    for school in frozen.randomised.itertuples():
        for successor in chains.get(int(school.school_urn), []):
            if successor not in known:
                candidates.setdefault(successor, []).append(school)
    details = schools.set_index("school_urn")
    rows, conflicts = [], []
    for successor, predecessors in sorted(candidates.items()):
        if len({p.arm for p in predecessors}) > 1:
            conflicts.append(successor)
            continue
        first = predecessors[0]
        rows.append(
            {
                "school_urn": successor,
                "school_name": details.at[successor, "school_name"]
                if successor in details.index
                else None,
                "stratum": first.stratum,
                "arm": first.arm,
                "pupils": first.pupils,
                "pct_fsm": first.pct_fsm,
                "randomised_urn": first.school_urn,
                "source": "successor",
                "recorded_at": now.isoformat(timespec="seconds"),
            }
        )
    return pd.DataFrame(rows, columns=store.COLUMNS), conflicts
