"""Agency matching scored against the demo generator's ground truth, through the pipeline:
fct_contacts' school URNs set beside the school each contact really came from."""

import pandas as pd


def test_school_matching_precision_recall_and_review_share(played_trial):
    truth = pd.read_csv(
        played_trial.truth / "contacts_truth.csv",
        usecols=["contact_id", "agency_type", "school_urn"],
        dtype={"contact_id": str},
    )
    truth = truth[truth["agency_type"] == "Schools"]
    contacts = played_trial.query(
        "select contact_id, school_urn, match_method, match_in_review from marts.fct_contacts"
    )
    scored = truth.merge(contacts, on="contact_id", suffixes=("_true", ""))
    assert len(scored) == len(truth), "every school contact of the truth reached fct_contacts"

    accepted = scored[scored["match_method"].isin(["override", "exact", "fuzzy"])]
    accepted = accepted[accepted["school_urn"].notna()]
    correct = accepted["school_urn"].astype(int) == accepted["school_urn_true"].astype(int)
    precision = correct.mean()
    recall = correct.sum() / len(scored)
    in_review = scored["match_in_review"].fillna(False).mean()
    print(
        f"school contacts {len(scored)}: precision {precision:.3f}, recall {recall:.3f}, "
        f"in review {in_review:.1%}"
    )
    assert precision >= 0.98
    assert recall >= 0.95
    assert in_review <= 0.03
