"""Counts that describe a matching run: safe to log, since they name no one."""

import pandas as pd

from dagster_project.matching.resolution import METHODS, NAME_KEY


def match_summary(matches: pd.DataFrame, review: pd.DataFrame, names: pd.DataFrame) -> dict:
    """Names by method, match rates over names and over contacts, the review queue's size."""
    weighted = matches.merge(names[[*NAME_KEY, "occurrences"]], how="left", on=NAME_KEY)
    occurrences = weighted["occurrences"].fillna(0)
    matched = weighted["agency_id"].notna()
    total_contacts = float(occurrences.sum())
    review_contacts = float(review["occurrences"].fillna(0).sum())
    counts = matches["match_method"].value_counts()
    return {
        "names": len(matches),
        **{f"names_{method}": int(counts.get(method, 0)) for method in METHODS},
        "match_rate_names": _share(int(matched.sum()), len(matches)),
        "match_rate_contacts": _share(float(occurrences[matched].sum()), total_contacts),
        "review_queue_names": len(review),
        "review_queue_contacts": int(review_contacts),
        "review_queue_share_contacts": _share(review_contacts, total_contacts),
    }


def _share(part: float, whole: float) -> float:
    return round(part / whole, 4) if whole else 0.0
