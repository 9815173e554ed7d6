"""Another council adopts the platform with nothing but its own profile (docs/adopting.md).

A generated county (its own LA code, twelve districts, a neighbour) and a generated unitary
authority (no districts) each get a profile, an agency register and a landing folder of
exports; ``mash run`` builds and publishes each, in its own data folder, with only
MASH_COUNCIL_PROFILE pointing at the profile. Their published marts carry their own
authorities, districts, populations and agencies, and nothing of the demo county.
"""

import os
import subprocess
import sys
from collections import Counter
from datetime import date
from pathlib import Path

import duckdb
import pytest

from dagster_project import settings
from dagster_project.council import load_profile
from tests.council.county import OUTSIDE_DISTRICTS, County, generate_county

MASH = str(Path(sys.executable).parent / "mash")
SHIPPED = load_profile(settings.SHIPPED_COUNCIL_PROFILE)
#: (LA code, neighbour's, far-away authority's, districts, months of exports)
COUNCILS = {
    "county": ("812", "813", "352", 12, [date(2018, 9, 1), date(2018, 10, 1)]),
    "unitary": ("871", "870", "352", 0, [date(2018, 9, 1)]),
}


@pytest.fixture(scope="module", params=sorted(COUNCILS))
def adopted(request, tmp_path_factory) -> tuple[County, subprocess.CompletedProcess, Path]:
    """A generated council, its night of ``mash run`` and its published file."""
    la_code, neighbour, far, districts, months = COUNCILS[request.param]
    assert not {la_code, neighbour} & {la.la_code for la in SHIPPED.local_authorities}
    folder = tmp_path_factory.mktemp(request.param)
    county = generate_county(
        folder, seed=len(request.param), la_code=la_code, neighbour_code=neighbour,
        far_code=far, districts=districts, months=months,
    )  # fmt: skip
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MASH_", "DAGSTER_HOME"))}
    env |= {
        settings.DATA_DIR_ENV: str(folder / "data"),
        settings.LANDING_DIR_ENV: str(county.landing),
        settings.COUNCIL_PROFILE_ENV: str(county.profile),
        settings.PSEUDONYM_KEY_ENV: f"second-county-key-{request.param}-0123456789abcdef",
    }
    run = subprocess.run([MASH, "run"], env=env, capture_output=True, text=True, timeout=900)
    return county, run, folder / "data" / settings.PUBLISHED_FILE


def _query(published: Path, sql: str, params: list | None = None) -> list[tuple]:
    with duckdb.connect(str(published), read_only=True) as connection:
        return connection.execute(sql, params or []).fetchall()


def test_the_night_publishes_with_no_failed_check(adopted):
    _, run, published = adopted
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    assert "failed (error)" not in run.stdout and "failed steps" not in run.stdout, run.stdout
    assert published.is_file()
    assert _query(published, "select count(*) from audit.publication") == [(1,)]


def test_the_schools_are_the_councils_and_its_neighbours(adopted):
    county, _, published = adopted
    rows = _query(
        published, "select la_code, is_home_la, count(*) from marts.dim_school group by all"
    )
    home = sum(school.la_code == county.la_code for school in county.schools)
    neighbours = sum(school.la_code == county.neighbour_code for school in county.schools)
    assert set(rows) == {(county.la_code, True, home), (county.neighbour_code, False, neighbours)}


def test_district_rates_are_the_councils_districts(adopted):
    county, _, published = adopted
    rates = {
        district: (contacts, population)
        for district, contacts, population in _query(
            published,
            "select district, contacts_and_referrals, population_0_17 "
            "from marts.rpt_district_rates where academic_year = '2018/19'",
        )
    }
    expected = Counter(county.contact_districts.values())
    assert rates == {
        **{name: (expected[name], population) for name, population in county.populations.items()},
        OUTSIDE_DISTRICTS: (expected[OUTSIDE_DISTRICTS], None),
    }
    assert len(county.populations) == (1 if county.is_unitary else 12)
    assert not set(rates) & set(SHIPPED.district_names)


def test_the_councils_agencies_and_words_are_used(adopted):
    county, _, published = adopted
    by_contact = {
        contact_id: (agency_type, agency_id)
        for contact_id, agency_type, agency_id in _query(
            published, "select contact_id, agency_type, agency_id from marts.fct_contacts"
        )
    }
    assert county.local_police_words
    assert {by_contact[c][0] for c in county.local_police_words} == {"Police"}
    # "<short> Police" is the force's register name only through the profile's abbreviation
    assert {by_contact[c][1] for c in county.abbreviated_police} == {"POL001"}
    agencies = _query(published, "select agency_id from marts.dim_agency where school_urn is null")
    assert sorted(agencies) == [("HLT001",), ("LAS001",), ("POL001",)]
