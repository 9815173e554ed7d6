"""The matching asset: referrer names resolved to schools and agencies.

The matching code (pandas, rapidfuzz) is imported by the step, so loading the definitions
stays light.
"""

from datetime import datetime

import dagster as dg
from dagster_duckdb import DuckDBResource

from dagster_project.defs.resources import DUCKDB_WRITER_POOL, PLATFORM_OWNERS

AGENCY_MATCHES = dg.AssetKey(["matching", "agency_matches"])
REVIEW_QUEUE_CHECK = "review_queue_share"
#: Above this share of in-scope contacts waiting for review, the queue needs attention.
REVIEW_QUEUE_WARN_SHARE = 0.05
UPSTREAM = (
    "stg_mash__contacts",
    "stg_gias__schools",
    "int_schools__successors",
    "stg_reference__agencies",
    "agency_match_overrides",
)


@dg.asset(
    key=AGENCY_MATCHES,
    group_name="matching",
    pool=DUCKDB_WRITER_POOL,
    deps=[dg.AssetKey(name) for name in UPSTREAM],
    owners=PLATFORM_OWNERS,
    kinds={"python", "pandas", "duckdb"},
    check_specs=[
        dg.AssetCheckSpec(
            REVIEW_QUEUE_CHECK,
            asset=AGENCY_MATCHES,
            description=(
                "Warns when more than "
                f"{REVIEW_QUEUE_WARN_SHARE:.0%} of in-scope contacts carry a referrer name "
                "awaiting review in audit.agency_match_review."
            ),
        )
    ],
    description=(
        "Each distinct referrer name (read from raw.contacts) and agency type matched to a "
        "school (current URN) or agency: analysts' overrides, exact names and aliases, then "
        "fuzzy matches within the agency type. Writes matching.agency_matches and "
        "matching.contact_referrers (keyed by the keyed hash of the name, no text) and "
        "audit.agency_match_review together; names matched before are reused while "
        "register, overrides and thresholds stand."
    ),
)
def agency_matches(context: dg.AssetExecutionContext, duckdb: DuckDBResource):
    from dagster_project.matching import resolve_names
    from dagster_project.matching.persistence import read_inputs, write_outputs
    from dagster_project.matching.summary import match_summary

    # Stamped on the names matched by this run (to the microsecond), so they can be counted.
    matched_at = datetime.now()
    with duckdb.get_connection() as connection:
        inputs = read_inputs(connection)
        matches, review = resolve_names(
            inputs.names,
            inputs.schools,
            inputs.successors,
            inputs.agencies,
            inputs.overrides,
            previous_df=inputs.previous,
            matched_at=matched_at,
        )
        write_outputs(connection, matches, review, inputs.names)
    summary = match_summary(matches, review, inputs.names)
    summary["names_matched_this_run"] = int((matches["matched_at"] == matched_at).sum())
    context.log.info(
        "Matched {names} referrer names ({names_matched_this_run} this run): "
        "{names_override} override, {names_exact} exact, {names_fuzzy} fuzzy, "
        "{names_unmatched} unmatched; {review_queue_names} awaiting review.".format(**summary)
    )
    yield dg.MaterializeResult(metadata=summary)
    share = summary["review_queue_share_contacts"]
    yield dg.AssetCheckResult(
        check_name=REVIEW_QUEUE_CHECK,
        passed=share <= REVIEW_QUEUE_WARN_SHARE,
        severity=dg.AssetCheckSeverity.WARN,
        metadata={
            "review_queue_names": summary["review_queue_names"],
            "review_queue_contacts": summary["review_queue_contacts"],
            "review_queue_share_contacts": share,
            "warn_above_share": REVIEW_QUEUE_WARN_SHARE,
        },
    )
