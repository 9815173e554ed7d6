"""Asset checks of the trial tables: the assignment is the frozen one and is balanced as the
blocked design allows, the results report every planned analysis, the CONSORT flow adds up.

Before randomisation (or before trial-period data) the tables are empty and every check
passes with the status "waiting". The rules are in ``dagster_project/trial/checks.py``;
the modules holding pandas are imported inside the checks, as the trial assets do.
"""

from dagster import (
    AssetCheckResult,
    AssetCheckSeverity,
    AssetKey,
    MetadataValue,
    asset_check,
)
from dagster_duckdb import DuckDBResource

from dagster_project.defs.resources import DUCKDB_WRITER_POOL

WAITING = "waiting"


def _table(duckdb: DuckDBResource, name: str):
    with duckdb.get_connection() as conn:
        return conn.execute(f"SELECT * FROM trial.{name}").df()


def _waiting(reason: str) -> AssetCheckResult:
    return AssetCheckResult(passed=True, metadata={"status": WAITING, "reason": reason})


def _result(problems: list[str], severity: AssetCheckSeverity, **metadata) -> AssetCheckResult:
    metadata = {"status": "checked", "problems_found": len(problems), **metadata}
    if problems:
        metadata["problems"] = MetadataValue.md("\n".join(f"- {p}" for p in problems))
    return AssetCheckResult(passed=not problems, severity=severity, metadata=metadata)


def _trial_check(
    table: str,
    name: str,
    description: str,
    *,
    blocking: bool = False,
    when_empty: str | None = None,
    additional_deps: tuple[str, ...] = (),
):
    """An asset check on ``trial.<table>``, run in the writer pool like every warehouse read.

    The decorated rule gets the table's rows and the warehouse; with ``when_empty`` an empty
    table passes as waiting for that reason without calling it.
    """

    def decorate(rule):
        @asset_check(
            asset=AssetKey(["trial", table]),
            name=name,
            description=description,
            blocking=blocking,
            additional_deps=[AssetKey(["trial", dep]) for dep in additional_deps],
            pool=DUCKDB_WRITER_POOL,
        )
        def check(duckdb: DuckDBResource) -> AssetCheckResult:
            rows = _table(duckdb, table)
            if rows.empty and when_empty:
                return _waiting(when_empty)
            return rule(rows, duckdb)

        return check

    return decorate


@_trial_check(
    "assignment",
    "assignment_frozen",
    blocking=True,
    description=(
        "trial.assignment equals the frozen assignment file (URN, stratum, arm, randomised "
        "URN, source) and every row, like the manifest, carries the plan's hash; the frozen "
        "file must still match its manifest's fingerprint. Blocking: an edited or re-drawn "
        "assignment makes every trial figure meaningless."
    ),
)
def assignment_frozen(stored, duckdb: DuckDBResource) -> AssetCheckResult:
    from dagster_project import settings
    from dagster_project.trial import assignment_store
    from dagster_project.trial.checks import assignment_differences
    from dagster_project.trial.plan import PlanError, load_plan

    error = AssetCheckSeverity.ERROR
    try:
        plan = load_plan()
        frozen = assignment_store.load(settings.trial_dir(), plan)
    except (PlanError, assignment_store.AssignmentError) as problem:
        return _result([str(problem)], error)
    if frozen is None:
        if stored.empty:
            return _waiting("no assignment yet")
        return _result(
            [f"trial.assignment has {len(stored)} rows but there is no frozen assignment"], error
        )
    return _result(
        assignment_differences(stored, frozen, plan),
        error,
        plan_hash=plan.hash,
        schools=len(stored),
        frozen_file=MetadataValue.path(
            str(settings.trial_dir() / assignment_store.ASSIGNMENT_FILE)
        ),
    )


@_trial_check(
    "assignment",
    "assignment_balanced",
    when_empty="no assignment yet",
    additional_deps=("balance",),
    description=(
        "Arms balanced as the plan's blocked design allows: in every stratum the intervention "
        "count is the floor or ceiling of n x the intervention share (|difference| <= 1 at "
        "1:1), and no overall standardised difference in trial.balance exceeds 0.25 or, "
        "where larger, 2.576 standard errors of chance. Warns only."
    ),
)
def assignment_balanced(assignment, duckdb: DuckDBResource) -> AssetCheckResult:
    from dagster_project.trial.checks import imbalanced_variables, stratum_allocation
    from dagster_project.trial.plan import load_plan

    plan = load_plan()
    strata = stratum_allocation(assignment, plan.intervention_share)
    problems = [
        f"stratum {r.stratum}: {r.n_intervention} intervention and {r.n_comparison} comparison "
        f"schools; the design allows {r.allowed_low}-{r.allowed_high} intervention"
        for r in strata.itertuples()
        if not r.balanced
    ]
    balance = _table(duckdb, "balance")
    imbalanced = imbalanced_variables(balance) if not balance.empty else balance
    problems += [
        f"{r.variable}: standardised difference {r.std_diff:.3f} beyond {r.limit:.3f}"
        for r in imbalanced.itertuples()
    ]
    return _result(
        problems,
        AssetCheckSeverity.WARN,
        strata_checked=len(strata),
        intervention_by_stratum=MetadataValue.json(
            {r.stratum: [int(r.n_intervention), int(r.n_comparison)] for r in strata.itertuples()}
        ),
    )


@_trial_check(
    "results",
    "results_complete",
    blocking=True,
    when_empty="no assignment or no trial-period data yet",
    description=(
        "Every outcome of the plan has one trial.results row for each of its models (primary: "
        "Poisson QMLE, negative binomial, ANCOVA, two-way fixed effects; secondaries: Poisson "
        "QMLE), none unplanned, each estimated or saying why it is not estimable. Blocking: "
        "a pre-registered analysis missing from the trial report is selective reporting."
    ),
)
def results_complete(results, duckdb: DuckDBResource) -> AssetCheckResult:
    from dagster_project.trial.checks import results_problems
    from dagster_project.trial.plan import load_plan

    return _result(
        results_problems(results, load_plan()), AssetCheckSeverity.ERROR, rows=len(results)
    )


@_trial_check(
    "consort",
    "consort_consistent",
    when_empty="no assignment yet",
    description=(
        "The CONSORT flow adds up: schools assessed minus those excluded equals those "
        "randomised, and the randomised equal the sum allocated to the arms. Warns only."
    ),
)
def consort_consistent(consort, duckdb: DuckDBResource) -> AssetCheckResult:
    from dagster_project.trial.checks import consort_problems

    steps = consort.groupby("step", sort=False)["schools"].sum()
    return _result(
        consort_problems(consort),
        AssetCheckSeverity.WARN,
        schools_by_step=MetadataValue.json({k: int(v) for k, v in steps.items()}),
    )
