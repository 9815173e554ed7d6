"""Ground truth beside the landing folder, for scoring matching, attribution and trial
estimates. Files are merged across runs: a record's latest row wins, as in ingestion."""

from pathlib import Path

import numpy as np
import pandas as pd

from mash_demo.term_calendar import academic_year_label

CONTACTS_TRUTH = "contacts_truth.csv"
CALLS_TRUTH = "calls_truth.csv"
SCHOOLS_TRUTH = "schools_truth.csv"
REJECTED_TRUTH = "rejected_rows_truth.csv"


def _iso(values: pd.Series) -> np.ndarray:
    return np.datetime_as_string(
        pd.to_datetime(values).to_numpy().astype("datetime64[s]"), unit="s"
    )


def _academic_years(values: pd.Series) -> list[str]:
    at = pd.to_datetime(values)
    start = (at.dt.year - (at.dt.month < 9)).to_numpy()
    return [academic_year_label(int(year)) for year in start]


def contact_rows(records: pd.DataFrame, source_file: str) -> pd.DataFrame:
    """The truth about each contact in an extract, as that extract leaves it."""
    return pd.DataFrame(
        {
            "contact_id": records["contact_id"],
            "contact_at": _iso(records["contact_at"]),
            "academic_year": _academic_years(records["contact_at"]),
            "agency_type": records["agency_type"],
            "cin_code": records["cin_code"],
            "in_scope": records["in_scope"],
            "agency_id": records["agency_id"],
            "school_urn": records["school_urn"].map(lambda u: str(u) if u else ""),
            "school_urn_at_contact": records["school_urn_at"].map(lambda u: str(u) if u else ""),
            "is_referral": records["is_referral_recorded"].astype(bool),
            "channel": records["channel"],
            "child_district": records["child_district"],
            "call_id": records["call_id"],
            "call_reference_recorded": records["call_reference"] != "",
            "trial_effect": records["trial_effect"],
            "source_file": source_file,
        }
    )


def call_rows(records: pd.DataFrame, source_file: str) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "call_id": records["call_id"],
            "call_at": _iso(records["call_start"]),
            "purpose": records["purpose"],
            "caller_kind": records["caller_kind"],
            "agency_type": records["agency_type"],
            "agency_id": records["agency_id"],
            "school_urn": records["school_urn"].map(lambda u: str(u) if u else ""),
            "contact_id": records["contact_id"],
            "source_file": source_file,
        }
    )


def merge_into(path: Path, rows: pd.DataFrame, key: list[str]) -> int:
    """Add rows to a truth file, later rows replacing earlier ones with the same key."""
    rows = rows.astype(str)
    if path.exists():
        rows = pd.concat(
            [pd.read_csv(path, dtype=str, keep_default_na=False), rows], ignore_index=True
        )
    rows = rows.drop_duplicates(subset=key, keep="last").sort_values(key, ignore_index=True)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(rows.to_csv(index=False, lineterminator="\n").encode("utf-8"))
    return len(rows)
