"""The randomised trial: assignment, balance, power and results, downstream of the marts.

Each asset reads ``marts.dim_school`` and ``marts.fct_school_month``, follows the plan in
``settings.trial_plan_path()`` and writes one table in the ``trial`` schema. The
assignment itself lives in ``settings.trial_dir()``, outside the warehouse, so rebuilding
the warehouse reads it back instead of drawing again.
"""

from dagster import AssetExecutionContext, AssetKey, MaterializeResult, asset
from dagster_duckdb import DuckDBResource

from dagster_project.defs.resources import DUCKDB_WRITER_POOL, PLATFORM_OWNERS

MARTS = [AssetKey("fct_school_month"), AssetKey("dim_school")]
ASSIGNMENT = AssetKey(["trial", "assignment"])
COMMON = {
    "group_name": "trial",
    "pool": DUCKDB_WRITER_POOL,
    "owners": PLATFORM_OWNERS,
    "kinds": {"python", "duckdb"},
}


@asset(key=ASSIGNMENT, deps=MARTS, **COMMON)
def trial_assignment(context: AssetExecutionContext, duckdb: DuckDBResource) -> MaterializeResult:
    """Schools randomised to intervention or comparison, blocked by stratum; made once and
    frozen, then extended to academy successors (who keep their predecessor's arm)."""
    from dagster_project.trial import steps

    with steps.no_retries():
        return steps.assignment(context, duckdb)


@asset(key=AssetKey(["trial", "balance"]), deps=[ASSIGNMENT, *MARTS], **COMMON)
def trial_balance(context: AssetExecutionContext, duckdb: DuckDBResource) -> MaterializeResult:
    """Standardised mean differences between arms on baseline measures, overall and by stratum."""
    from dagster_project.trial import steps

    with steps.no_retries():
        return steps.balance(duckdb)


@asset(key=AssetKey(["trial", "power"]), deps=[ASSIGNMENT, *MARTS], **COMMON)
def trial_power(context: AssetExecutionContext, duckdb: DuckDBResource) -> MaterializeResult:
    """Minimum detectable effects before the trial: analytic (ANCOVA and negative binomial,
    cross-checked against statsmodels) and by simulation of the planned analysis."""
    from dagster_project.trial import steps

    with steps.no_retries():
        return steps.power(context, duckdb)


@asset(key=AssetKey(["trial", "results"]), deps=[ASSIGNMENT, *MARTS], **COMMON)
def trial_results(context: AssetExecutionContext, duckdb: DuckDBResource) -> MaterializeResult:
    """The planned analysis: primary rate ratio with randomisation inference, sensitivity
    models and Holm-corrected secondaries; interim while the trial period is incomplete."""
    from dagster_project.trial import steps

    with steps.no_retries():
        return steps.results(context, duckdb)


@asset(key=AssetKey(["trial", "consort"]), deps=[ASSIGNMENT, *MARTS], **COMMON)
def trial_consort(context: AssetExecutionContext, duckdb: DuckDBResource) -> MaterializeResult:
    """The CONSORT flow: schools assessed, excluded with reasons, randomised, allocated per
    arm, excluded from analysis or followed up for part of the trial with reasons, analysed."""
    from dagster_project.trial import steps

    with steps.no_retries():
        return steps.consort(duckdb)
