"""Analysts' decisions from the seed ``agency_match_overrides``: they beat every match."""

import pandas as pd

from dagster_project.matching.registers import (
    Agency,
    CandidateRegister,
    school_agency_id,
)

OVERRIDES_FILE = "dbt/seeds/agency_match_overrides.csv"


def name_key(text: str) -> str:
    """A referrer name as ``stg_mash__contacts.referrer_name_key`` spells it."""
    return " ".join(str(text).lower().split())


def resolve_overrides(
    overrides: pd.DataFrame,
    registers: dict[str, CandidateRegister],
    successor_of: dict[int, int],
) -> dict[tuple[str, str], Agency | None]:
    """(referrer_name_key, agency_type) -> the agency an analyst chose, None for 'no agency'.

    A row names a school by ``school_urn`` (or an agency_id 'SCH<urn>'), followed to its
    current URN, or another agency by ``agency_id``; a row with neither says the name is
    not an agency. An id the registers do not hold is refused, naming the row and column.
    """
    agencies_by_id = {
        agency.agency_id: agency for register in registers.values() for agency in register.agencies
    }
    decisions: dict[tuple[str, str], Agency | None] = {}
    for row_number, row in enumerate(overrides.itertuples(index=False), start=2):
        key = (name_key(row.referrer_name_key), str(row.agency_type).strip())
        decisions[key] = _chosen_agency(row, row_number, agencies_by_id, successor_of)
    return decisions


def _chosen_agency(row, row_number: int, agencies_by_id: dict, successor_of: dict[int, int]):
    agency_id = _text(row.agency_id)
    urn_text = _text(row.school_urn)
    if urn_text is None and agency_id and agency_id.upper().startswith("SCH"):
        urn_text = agency_id[3:]
    if urn_text is not None:
        try:
            urn = int(float(urn_text))
        except ValueError:
            _refuse(row_number, "school_urn", urn_text, "is not a URN (a whole number)")
        current = successor_of.get(urn, urn)
        agency = agencies_by_id.get(school_agency_id(current))
        if agency is None:
            _refuse(row_number, "school_urn", urn_text, "is not in the schools register")
        return agency
    if agency_id is None:
        return None
    if agency_id not in agencies_by_id:
        _refuse(row_number, "agency_id", agency_id, "is not in the council's agency register")
    return agencies_by_id[agency_id]


def _text(value) -> str | None:
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    return str(value).strip() or None


def _refuse(row_number: int, column: str, value: str, reason: str):
    raise ValueError(
        f"{OVERRIDES_FILE}, row {row_number}, column {column}: {value!r} {reason}. "
        "Correct the row (or blank both agency_id and school_urn to mark the name as not an "
        "agency) and run again."
    )
