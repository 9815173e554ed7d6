"""A fingerprint of everything a match depends on besides the name itself.

Stored with every match: a later run reuses a stored match only while the fingerprint is
unchanged, so a new register, a new override, new thresholds or new local abbreviations (the
council profile's) re-match every name.
"""

import hashlib
import json

import pandas as pd

from dagster_project.council import load_profile
from dagster_project.matching.config import MatchConfig

#: Bump when cleaning or resolution rules change, so stored matches are made again.
MATCHER_VERSION = 1


def register_fingerprint(
    schools: pd.DataFrame,
    successors: pd.DataFrame,
    agencies: pd.DataFrame,
    overrides: pd.DataFrame,
    config: MatchConfig,
) -> str:
    digest = hashlib.sha256()
    abbreviations = load_profile().abbreviations
    digest.update(
        json.dumps(
            {"version": MATCHER_VERSION, **config.as_dict(), "abbreviations": abbreviations}
        ).encode()
    )
    for frame in (schools, successors, agencies, overrides):
        digest.update(_canonical_csv(frame))
    return digest.hexdigest()


def _canonical_csv(frame: pd.DataFrame) -> bytes:
    """The frame's content, independent of row and column order."""
    ordered = frame[sorted(frame.columns)].astype("string").fillna("")
    rows = ordered.sort_values(list(ordered.columns)).to_csv(index=False, lineterminator="\n")
    return rows.encode()
