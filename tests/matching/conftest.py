"""A small invented register of schools and agencies, and helpers to build matcher inputs."""

import pandas as pd
import pytest

SCHOOLS = [
    (100001, "Abbey CofE Infant School", "Open", "Nuneaton"),
    (100002, "Abbey Junior School", "Open", "Nuneaton"),
    (100003, "Kenilworth School", "Closed", "Kenilworth"),
    (100010, "Kenilworth School and Sixth Form", "Open", "Kenilworth"),
    (100004, "St Mary's Catholic Primary School", "Open", "Rugby"),
    (100005, "St Mary's Church of England Primary School", "Open", "Warwick"),
    (100006, "Whitestone Infant School", "Open", "Nuneaton"),
    (100007, "Brambleford Primary Academy", "Open", "Bedworth"),
    (100008, "Oakfield Junior School", "Open", "Rugby"),
    (100009, "Northgate Primary School", "Open", "Rugby"),
    (100011, "Lady Katherine Hollins School", "Open", "Stratford-upon-Avon"),
    (100012, "The Meadow Primary School", "Open", "Rugby"),
    (100013, "Meadow Primary School", "Open", "Leamington Spa"),
    (100014, "Foleshill School", "Open", "Coventry"),
    (100015, "Coleshill Academy", "Open", "Coleshill"),
    (100016, "Valley School, Atherstone", "Open", "Atherstone"),
    (100017, "Valley School", "Open", "Warwick"),
    (100018, "Brookside Primary School, A Voluntary Academy", "Open", "Bedworth"),
    (100019, "Henley School", "Open", "Henley-in-Arden"),
    (100020, "Hinckley School", "Open", "Hinckley"),
    # Same-named schools, told apart by their town or the place after a comma.
    (100021, "St Joseph's Catholic Primary School", "Open", "Southam"),
    (100022, "St Joseph's Catholic Primary School", "Open", "Alcester"),
    (100023, "Holy Trinity C of E Primary School", "Open", "Leamington Spa"),
    (100024, "Holy Trinity C of E Primary School, Evesham", "Open", "Evesham"),
]
#: Kenilworth School (100003) converted to an academy with a new URN.
CONVERSIONS = {100003: 100010}
AGENCIES = [
    ("POL001", "Warwickshire Police", "Police", "Warks Police|Police"),
    ("POL002", "Rugby Safer Neighbourhood Team", "Police", "Rugby SNT"),
    ("HEA001", "George Eliot Hospital", "Health services", "George Eliot|GEH"),
    ("HEA002", "Riverside Medical Centre", "Health services", None),
    ("EDU001", "Virtual School for Looked After Children", "Education services", ""),
    ("LAS001", "Northgate Children's Trust", "LA services", ""),
    ("LAS002", "Children and Families Centre North", "LA services", "CFC North"),
]
OVERRIDE_COLUMNS = ["referrer_name_key", "agency_type", "agency_id", "school_urn"]


@pytest.fixture
def register() -> dict[str, pd.DataFrame]:
    schools = pd.DataFrame(SCHOOLS, columns=["urn", "school_name", "status", "town"])
    successors = pd.DataFrame(
        {"urn": schools["urn"], "current_urn": schools["urn"].replace(CONVERSIONS)}
    )
    agencies = pd.DataFrame(
        AGENCIES, columns=["agency_id", "agency_name", "agency_type", "aliases"]
    ).assign(cin_code="6", telephone=None, district=None)
    return {
        "schools_df": schools,
        "successors_df": successors,
        "agencies_df": agencies,
        "overrides_df": _overrides(),
    }


@pytest.fixture
def make_overrides():
    """agency_match_overrides rows: (referrer_name_key, agency_type, agency_id, school_urn)."""
    return _overrides


@pytest.fixture
def make_names():
    """int_referrer_names rows for (referrer_name_key, agency_type) pairs."""
    return _names


def _overrides(*rows: tuple) -> pd.DataFrame:
    return pd.DataFrame(list(rows), columns=OVERRIDE_COLUMNS)


def _names(*pairs: tuple[str, str], occurrences: int = 1) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "referrer_name_key": [key for key, _ in pairs],
            "agency_type": [agency_type for _, agency_type in pairs],
            "occurrences": occurrences,
            "first_seen_at": pd.Timestamp("2017-09-04 09:30"),
            "last_seen_at": pd.Timestamp("2018-07-20 15:00"),
        }
    )
