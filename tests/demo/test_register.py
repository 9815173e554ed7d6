"""The agencies seed and the GIAS-format school register."""

import re

import pandas as pd
import pytest

from dagster_project import settings
from dagster_project.council import AGENCY_COLUMNS, load_profile

SEEDS = settings.DBT_PROJECT_DIR / "seeds"
#: The demo county's profile, which the demo generator is calibrated to.
DEMO_PROFILE = load_profile(settings.SHIPPED_COUNCIL_PROFILE)
AGENCY_TYPES = {
    "Schools",
    "Education services",
    "Health services",
    "Housing or housing association",
    "LA services",
    "External sources",
    "Police",
    "Legal services",
    "Other (VCS)",
}
GIAS_HEADERS = (
    "URN",
    "EstablishmentName",
    "LA (code)",
    "LA (name)",
    "TypeOfEstablishment (name)",
    "PhaseOfEducation (name)",
    "EstablishmentStatus (name)",
    "NumberOfPupils",
    "PercentageFSM",
    "DistrictAdministrative (name)",
    "TelephoneNum",
    "Postcode",
    "OpenDate",
    "CloseDate",
)
HOME_DISTRICTS = (
    "North Warwickshire",
    "Nuneaton and Bedworth",
    "Rugby",
    "Stratford-on-Avon",
    "Warwick",
)
NATIONAL_NUMBER = r"0\d{2,4} \d{3,4} ?\d{3,4}"


def digits(number: str) -> str:
    return "".join(ch for ch in str(number) if ch.isdigit())


@pytest.fixture(scope="module")
def agencies() -> pd.DataFrame:
    return pd.read_csv(DEMO_PROFILE.agency_register, dtype=str, keep_default_na=False)


@pytest.fixture(scope="module")
def register(generated, reader) -> pd.DataFrame:
    return reader.read_register(generated["landing"])


def test_agencies_seed_is_a_consistent_register(agencies):
    assert tuple(agencies.columns) == AGENCY_COLUMNS
    assert 120 <= len(agencies) <= 200
    assert (
        agencies["agency_id"].is_unique
        and agencies["agency_id"].str.fullmatch(r"[A-Z]{3}\d{3}").all()
    )
    assert agencies["agency_name"].is_unique
    assert set(agencies["agency_type"]) == AGENCY_TYPES - {"Schools"}
    sources = pd.read_csv(SEEDS / "cin_referral_sources.csv", dtype=str)
    code_type = dict(zip(sources["cin_code"], sources["agency_type"], strict=True))
    assert (agencies["cin_code"].map(code_type) == agencies["agency_type"]).all()
    phones = agencies.loc[agencies["telephone"] != "", "telephone"]
    assert phones.str.fullmatch(NATIONAL_NUMBER).all() and phones.map(digits).is_unique
    assert (
        agencies["aliases"]
        .str.split("|")
        .map(lambda a: all(x.strip() for x in a if a != [""]))
        .all()
    )


def test_register_has_gias_headers_dates_and_encoding(generated, register):
    assert set(GIAS_HEADERS) <= set(register.columns)
    assert len(register.columns) > 14
    dates = pd.concat([register["OpenDate"], register["CloseDate"]])
    assert dates[dates != ""].str.fullmatch(r"\d{2}-\d{2}-\d{4}").all()
    raw = next(
        p for p in (generated["landing"] / "schools").iterdir() if not p.name.startswith("links")
    )
    with pytest.raises(UnicodeDecodeError):
        raw.read_bytes().decode("utf-8")


def test_register_covers_the_county_its_neighbours_and_some_far_away_rows(register):
    profile = DEMO_PROFILE
    home = register[register["LA (code)"] == profile.home.la_code]
    assert 230 <= len(home) <= 290
    assert set(home["DistrictAdministrative (name)"]) == set(HOME_DISTRICTS)
    neighbour_codes = {authority.la_code for authority in profile.neighbours}
    neighbours = register[register["LA (code)"].isin(neighbour_codes)]
    assert set(neighbours["LA (code)"]) == neighbour_codes
    assert (neighbours["NumberOfPupils"] == "").all() and (neighbours["PercentageFSM"] == "").all()
    far = register[~register["LA (code)"].isin({la.la_code for la in profile.local_authorities})]
    assert len(far) > 10
    assert (home["EstablishmentStatus (name)"] == "Closed").sum() >= 5
    kinds = set(home["TypeOfEstablishment (name)"])
    assert {
        "Community school",
        "Academy converter",
        "Other independent school",
        "Further education",
    } <= kinds
    names = home["EstablishmentName"]
    for word in ("C of E", "Academy", "Infant", "Junior", "St ", "Catholic"):
        assert names.str.contains(word, regex=False).any(), word


def test_academy_conversions_are_linked_both_ways(generated, register):
    links = pd.read_csv(
        next((generated["landing"] / "schools").glob("links_edubasealldata*.csv")), dtype=str
    )
    assert list(links.columns) == ["URN", "LinkURN", "LinkName", "LinkType", "LinkEstablishedDate"]
    successors = links[links["LinkType"] == "Successor"]
    predecessors = links[links["LinkType"] == "Predecessor"]
    assert set(zip(successors["URN"], successors["LinkURN"], strict=True)) == set(
        zip(predecessors["LinkURN"], predecessors["URN"], strict=True)
    )
    status = register.set_index("URN")["EstablishmentStatus (name)"]
    assert (status[successors["URN"]] == "Closed").all()
    chained = set(successors["URN"]) & set(successors["LinkURN"])
    assert chained, "one school converted twice"
    assert (successors["LinkEstablishedDate"].str.fullmatch(r"\d{2}-\d{2}-\d{4}")).all()


def test_telephone_numbers_identify_one_organisation(register, agencies):
    open_rows = register[register["EstablishmentStatus (name)"] != "Closed"]
    numbers = open_rows["TelephoneNum"].map(digits)
    assert numbers.is_unique
    assert re.fullmatch(r"0\d{9,10}", numbers.iloc[0])
    assert not set(numbers) & set(agencies["telephone"].map(digits))
