"""A small invented register of schools and agencies, and helpers to build matcher inputs."""

import pandas as pd
import pytest
import yaml

from dagster_project import settings

SCHOOLS = [
    (100001, "Abbey CofE Infant School", "Open", "Ashbury"),
    (100002, "Abbey Junior School", "Open", "Ashbury"),
    (100003, "Kenilworth School", "Closed", "Kenilworth"),
    (100010, "Kenilworth School and Sixth Form", "Open", "Kenilworth"),
    (100004, "St Mary's Catholic Primary School", "Open", "Brenton"),
    (100005, "St Mary's Church of England Primary School", "Open", "Eastwick"),
    (100006, "Whitestone Infant School", "Open", "Ashbury"),
    (100007, "Brambleford Primary Academy", "Open", "Fenley"),
    (100008, "Oakfield Junior School", "Open", "Brenton"),
    (100009, "Northgate Primary School", "Open", "Brenton"),
    (100011, "Lady Katherine Hollins School", "Open", "Middleton-upon-Stour"),
    (100012, "The Meadow Primary School", "Open", "Brenton"),
    (100013, "Meadow Primary School", "Open", "Leamington Spa"),
    (100014, "Foleshill School", "Open", "Dunchester"),
    (100015, "Coleshill Academy", "Open", "Coleshill"),
    (100016, "Valley School, Atherstone", "Open", "Atherstone"),
    (100017, "Valley School", "Open", "Eastwick"),
    (100018, "Brookside Primary School, A Voluntary Academy", "Open", "Fenley"),
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
    ("POL001", "Eastshire Police", "Police", "Eastsh Police|Police"),
    ("POL002", "Brenton Safer Neighbourhood Team", "Police", "Brenton SNT"),
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


#: The invented council the register belongs to, and how its staff shorten its name.
COUNCIL_PROFILE = {
    "council": {"la_code": "812", "la_name": "Eastshire"},
    "districts": [{"name": "Ashbury", "ons_code": "E07000901", "population_0_17": 20000}],
    "agency_register": "agencies.csv",
    "abbreviations": {"eastsh": "eastshire"},
}


@pytest.fixture(scope="session")
def council_profile_file(tmp_path_factory) -> str:
    folder = tmp_path_factory.mktemp("invented_council")
    rows = ["agency_id,agency_name,agency_type,aliases"]
    rows += [
        ",".join([a_id, name, a_type, aliases or ""]) for a_id, name, a_type, aliases in AGENCIES
    ]
    (folder / "agencies.csv").write_text("\n".join(rows) + "\n")
    (folder / "council.yml").write_text(yaml.safe_dump(COUNCIL_PROFILE))
    return str(folder / "council.yml")


@pytest.fixture
def invented_council(council_profile_file, monkeypatch) -> None:
    """The invented council's profile is the configured one (its abbreviations match)."""
    monkeypatch.setenv(settings.COUNCIL_PROFILE_ENV, council_profile_file)
