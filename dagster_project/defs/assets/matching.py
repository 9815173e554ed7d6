"""The matching asset: referrer names resolved to schools and agencies.

The matching code (pandas, rapidfuzz) is imported by the step, so loading the definitions
stays light.
"""

from datetime import datetime

import dagster as dg
from dagster_duckdb import DuckDBResource

from dagster_project.defs.resources import DUCKDB_WRITER_POOL, PLATFORM_OWNERS

AGENCY_MATCHES = dg.AssetKey(["matching", "agency_matches"])
CONTACT_REFERRERS = dg.AssetKey(["matching", "contact_referrers"])
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


@dg.multi_asset(
    name="matching__agency_matches",
    specs=[
        dg.AssetSpec(
            AGENCY_MATCHES,
            group_name="matching",
            deps=[dg.AssetKey(name) for name in UPSTREAM],
            owners=PLATFORM_OWNERS,
            kinds={"python", "pandas", "duckdb"},
            description=(
                "Each distinct referrer name (read from raw.contacts) and agency type matched "
                "to a school (current URN) or agency: analysts' overrides, exact names and "
                "aliases, then fuzzy matches within the agency type. Keyed by the keyed hash "
                "of the name, with no text; the names awaiting a person go to "
                "audit.agency_match_review. Names matched before are reused while register, "
                "overrides and thresholds stand."
            ),
        ),
        dg.AssetSpec(
            CONTACT_REFERRERS,
            group_name="matching",
            deps=[dg.AssetKey("stg_mash__contacts")],
            owners=PLATFORM_OWNERS,
            kinds={"python", "duckdb"},
            description=(
                "Each staged contact's raw row (source file, sha256, row) with the keyed hash "
                "of its referrer name: how the marts join contacts to their matches without "
                "the name text. Written with matching.agency_matches, in one transaction."
            ),
        ),
    ],
    pool=DUCKDB_WRITER_POOL,
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
    yield dg.MaterializeResult(asset_key=AGENCY_MATCHES, metadata=summary)
    yield dg.MaterializeResult(asset_key=CONTACT_REFERRERS)
    share = summary["review_queue_share_contacts"]
    yield dg.AssetCheckResult(
        asset_key=AGENCY_MATCHES,
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
