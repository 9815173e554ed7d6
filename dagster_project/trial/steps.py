"""The trial's steps, as the trial assets run them: each reads the marts, follows the plan in
``settings.trial_plan_path()`` and writes one table of the ``trial`` schema.

The asset definitions (``dagster_project/defs/assets/trial.py``) import this module inside
their steps, so loading the definitions does not load pandas, scipy or statsmodels.
"""

from contextlib import contextmanager
from datetime import datetime

import pandas as pd
from dagster import (
    AssetExecutionContext,
    Failure,
    MaterializeResult,
    MetadataValue,
)
from dagster_duckdb import DuckDBResource

from dagster_project import settings
from dagster_project.trial import assignment_store
from dagster_project.trial.analysis import balance_input, baseline_frame, results_table, trial_data
from dagster_project.trial.assignment import WAITING, baseline_complete, settle_assignment
from dagster_project.trial.assignment_store import AssignmentError
from dagster_project.trial.balance import ALL_STRATA, standardised_differences
from dagster_project.trial.consort import consort_table
from dagster_project.trial.plan import PlanError, TrialPlan, load_plan
from dagster_project.trial.power import Design, PseudoTrialError, power_table, pseudo_trial
from dagster_project.trial.school_data import (
    Marts,
    MartsError,
    eligible_schools,
    lineage_owner,
    read_marts,
)
from dagster_project.trial.tables import write_table


@contextmanager
def no_retries():
    """A changed plan, an edited assignment or missing marts will not mend on a retry."""
    try:
        yield
    except (PlanError, AssignmentError, MartsError) as error:
        raise Failure(description=str(error), allow_retries=False) from error


def assignment(context: AssetExecutionContext, duckdb: DuckDBResource) -> MaterializeResult:
    plan = load_plan()
    marts = _read_marts(duckdb)
    state = settle_assignment(plan, marts, settings.trial_dir(), datetime.now())
    rows = _assignment_rows(state.frozen) if state.frozen else pd.DataFrame()
    _write(duckdb, "assignment", rows, plan)
    context.log.info(state.message)
    metadata = {
        "status": state.status,
        "message": state.message,
        "plan_hash": plan.hash,
        "excluded_by_rule": MetadataValue.json(state.excluded),
    }
    if state.frozen is not None:
        arms = state.frozen.randomised["arm"].value_counts()
        trial_dir = settings.trial_dir()
        metadata |= {
            "n_intervention": int(arms.get("intervention", 0)),
            "n_comparison": int(arms.get("comparison", 0)),
            "successors_added": state.successors_added,
            "successor_arm_conflicts": MetadataValue.json(list(state.successor_conflicts)),
            "eligible_not_in_trial": state.eligible_not_in_trial,
            "frozen_file": MetadataValue.path(str(trial_dir / assignment_store.ASSIGNMENT_FILE)),
            "intervention_list": MetadataValue.path(
                str(trial_dir / assignment_store.INTERVENTION_LIST_FILE)
            ),
        }
    return MaterializeResult(metadata=metadata)


def balance(duckdb: DuckDBResource) -> MaterializeResult:
    plan = load_plan()
    frozen = assignment_store.load(settings.trial_dir(), plan)
    if frozen is None:
        _write(duckdb, "balance", pd.DataFrame(), plan)
        return _waiting("no assignment yet", plan)
    schools = balance_input(baseline_frame(frozen, _read_marts(duckdb), plan))
    variables = [c for c in schools.columns if c not in ("stratum", "treated")]
    table = standardised_differences(schools, variables)
    _write(duckdb, "balance", table, plan)
    overall = table[table["stratum"] == ALL_STRATA].set_index("variable")["std_diff"]
    return MaterializeResult(
        metadata={
            "status": "computed",
            "plan_hash": plan.hash,
            "max_abs_std_diff": float(overall.abs().max()),
            "std_diff_overall": MetadataValue.json(overall.round(4).to_dict()),
        }
    )


def power(context: AssetExecutionContext, duckdb: DuckDBResource) -> MaterializeResult:
    plan = load_plan()
    frozen = assignment_store.load(settings.trial_dir(), plan)
    marts = _read_marts(duckdb)
    if frozen is None and not baseline_complete(plan, marts):
        _write(duckdb, "power", pd.DataFrame(), plan)
        return _waiting("baseline data incomplete", plan)
    if frozen is not None:
        schools = frozen.randomised
        n_intervention = float(frozen.manifest["n_intervention"])
    else:
        schools, _ = eligible_schools(marts.schools, plan)
        n_intervention = len(schools) * float(plan.intervention_share)
    owner = lineage_owner(schools["school_urn"].tolist(), marts.schools)
    design = Design(
        n_intervention,
        len(schools) - n_intervention,
        plan.trial.months,
        plan.alpha,
        plan.target_power,
    )
    try:
        pseudo = pseudo_trial(marts, schools, owner, plan)
    except PseudoTrialError as error:
        _write(duckdb, "power", pd.DataFrame(), plan)
        context.log.warning(f"Power not estimable: {error}")
        return MaterializeResult(
            metadata={"status": f"not estimable: {error}", "plan_hash": plan.hash}
        )
    table = power_table(pseudo, plan, design)
    _write(duckdb, "power", table, plan)
    primary = table[table["outcome"] == plan.primary_outcome].set_index("method")
    for summary in primary["summary"]:
        context.log.info(summary)
    ratios = primary["mde_rate_ratio"].astype(float).round(4)
    return MaterializeResult(
        metadata={
            "status": "computed",
            "plan_hash": plan.hash,
            "n_schools": len(schools),
            "mde_rate_ratio": MetadataValue.json(ratios.where(ratios.notna(), None).to_dict()),
            "summary": MetadataValue.md("\n".join(f"- {s}" for s in primary["summary"])),
        }
    )


def results(context: AssetExecutionContext, duckdb: DuckDBResource) -> MaterializeResult:
    plan = load_plan()
    frozen = assignment_store.load(settings.trial_dir(), plan)
    data = trial_data(frozen, _read_marts(duckdb), plan) if frozen is not None else None
    if data is None:
        _write(duckdb, "results", pd.DataFrame(), plan)
        reason = (
            "no assignment yet"
            if frozen is None
            else (f"no trial-period data yet (the trial starts {plan.trial.start:%b %Y})")
        )
        return _waiting(reason, plan)
    table = results_table(data, plan)
    _write(duckdb, "results", table, plan)
    primary = table[table["is_primary"]].iloc[0]
    status = "interim" if bool(primary["is_interim"]) else "final"
    wald = _interval(primary["ci_low"], primary["ci_high"])
    randomisation = _interval(primary["ci_low_randomisation"], primary["ci_high_randomisation"])
    context.log.info(
        f"{status} primary rate ratio {_number(primary['estimate'])} "
        f"(95% CI {wald} Wald {primary['se_type']}, {randomisation} by randomisation)"
    )
    return MaterializeResult(
        metadata={
            "status": status,
            "plan_hash": plan.hash,
            "trial_months_observed": int(primary["trial_months_observed"]),
            "information_fraction": float(primary["information_fraction"]),
            "boundary_p": _float_or_none(primary["boundary_p"]),
            "primary_rate_ratio": _float_or_none(primary["estimate"]),
            "primary_ci": wald,
            "primary_ci_randomisation": randomisation,
            "primary_p_value": _float_or_none(primary["p_value"]),
            "primary_p_value_randomisation": _float_or_none(primary["p_value_randomisation"]),
            "redraws_counted_extreme": MetadataValue.json(
                {
                    r.outcome: int(r.redraws_counted_extreme)
                    for r in table.itertuples()
                    if pd.notna(r.redraws_counted_extreme)
                }
            ),
            "conclusions": MetadataValue.json(
                {f"{r.outcome}/{r.model}": r.conclusion for r in table.itertuples() if r.conclusion}
            ),
        }
    )


def _float_or_none(value) -> float | None:
    return None if value is None or pd.isna(value) else float(value)


def _number(value) -> str:
    return "not estimable" if _float_or_none(value) is None else f"{value:.3f}"


def _interval(low, high) -> str:
    return f"{_number(low)} to {_number(high)}"


def consort(duckdb: DuckDBResource) -> MaterializeResult:
    plan = load_plan()
    marts = _read_marts(duckdb)
    frozen = assignment_store.load(settings.trial_dir(), plan)
    data = trial_data(frozen, marts, plan) if frozen is not None else None
    _, excluded = eligible_schools(marts.schools, plan)
    table = consort_table(excluded, frozen, data)
    _write(duckdb, "consort", table, plan)
    if frozen is None:
        return _waiting("no assignment yet", plan)
    steps = table.groupby("step", sort=False)["schools"].sum()
    return MaterializeResult(
        metadata={
            "status": "computed",
            "plan_hash": plan.hash,
            "schools_by_step": MetadataValue.json({k: int(v) for k, v in steps.items()}),
        }
    )


def _read_marts(duckdb: DuckDBResource) -> Marts:
    with duckdb.get_connection() as conn:
        return read_marts(conn)


def _write(duckdb: DuckDBResource, name: str, rows: pd.DataFrame, plan: TrialPlan) -> None:
    with duckdb.get_connection() as conn:
        write_table(conn, name, rows, plan.hash)


def _assignment_rows(frozen: assignment_store.FrozenAssignment) -> pd.DataFrame:
    return frozen.rows.assign(
        randomised_at=frozen.manifest["randomised_at"], seed=frozen.manifest["seed"]
    )


def _waiting(reason: str, plan: TrialPlan) -> MaterializeResult:
    return MaterializeResult(
        metadata={"status": WAITING, "message": f"Waiting: {reason}.", "plan_hash": plan.hash}
    )
