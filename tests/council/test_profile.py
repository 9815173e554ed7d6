"""The council profile read and checked (dagster_project/council.py), its tables written to
a real DuckDB file, and what follows from it: the trial's eligible authority and the
matcher's local abbreviations."""

from pathlib import Path

import duckdb
import pytest
import yaml

from dagster_project import settings
from dagster_project.council import ProfileError, load_profile
from dagster_project.council_tables import TABLES, write_council_tables
from dagster_project.matching.cleaning import normalise_name
from dagster_project.trial.plan import load_plan

REGISTER = (
    "agency_id,agency_name,agency_type,telephone\nPOL001,Eastshire Police,Police,01234 567890\n"
)
PROFILE = {
    "council": {"la_code": "812", "la_name": "Eastshire"},
    "neighbours": [{"la_code": "813", "la_name": "Westshire"}],
    "districts": [
        {"name": "Ashby Vale", "ons_code": "E07000901", "population_0_17": 21000},
        {"name": "Kingsmere", "ons_code": "E07000902", "population_0_17": 18000},
    ],
    "agency_register": "register/agencies.csv",
    "abbreviations": {"Eastsh": "Eastshire"},
    "referrer_types": {"Eastshire Constabulary": "6"},
}


def write_profile(folder: Path, content: dict, register: str = REGISTER) -> Path:
    (folder / "register").mkdir(exist_ok=True)
    (folder / "register" / "agencies.csv").write_text(register)
    path = folder / "council.yml"
    path.write_text(yaml.safe_dump(content))
    return path


def test_the_shipped_profile_is_valid_and_names_its_register():
    profile = load_profile(settings.SHIPPED_COUNCIL_PROFILE)
    assert profile.districts and not profile.is_unitary
    assert profile.agency_register.parent == settings.SHIPPED_COUNCIL_PROFILE.parent


def test_a_profile_is_read_with_its_register_relative_to_its_folder(tmp_path):
    profile = load_profile(write_profile(tmp_path, PROFILE))
    assert profile.home.la_code == "812"
    assert [la.la_code for la in profile.local_authorities] == ["812", "813"]
    assert profile.district_names == ("Ashby Vale", "Kingsmere")
    assert profile.agency_register == tmp_path / "register" / "agencies.csv"
    assert profile.abbreviations == (("eastsh", "eastshire"),)


def test_a_unitary_authority_is_its_own_district(tmp_path):
    council = {**PROFILE["council"], "ons_code": "E06000901", "population_0_17": 40000}
    profile = load_profile(
        write_profile(tmp_path, {**PROFILE, "council": council, "districts": []})
    )
    assert profile.is_unitary
    assert [(d.name, d.population_0_17) for d in profile.districts] == [("Eastshire", 40000)]


@pytest.mark.parametrize(
    ("change", "key", "problem"),
    [
        (lambda p: p["council"].pop("la_code"), "council.la_code", "missing"),
        (lambda p: p["council"].update(la_code="93"), "council.la_code", "three-digit"),
        (lambda p: p["districts"][1].update(ons_code="X1"), "districts[1].ons_code", "ONS code"),
        (
            lambda p: p["districts"][0].update(population_0_17="many"),
            "districts[0].population_0_17",
            "whole number",
        ),
        (lambda p: p["districts"].append(p["districts"][0]), "districts", "listed twice"),
        (lambda p: p["neighbours"][0].update(la_code="812"), "neighbours", "listed twice"),
        (lambda p: p.update(districts=[]), "council.ons_code", "missing"),
        (lambda p: p.update(agency_register="none.csv"), "agency_register", "not found"),
        (
            lambda p: p["abbreviations"].update({"two words": "x"}),
            "abbreviations.two words",
            "one word",
        ),
    ],
)
def test_a_bad_profile_is_refused_naming_the_file_and_key(tmp_path, change, key, problem):
    content = yaml.safe_load(yaml.safe_dump(PROFILE))
    change(content)
    path = write_profile(tmp_path, content)
    with pytest.raises(ProfileError, match=problem) as refused:
        load_profile(path)
    assert f"Council profile {path}, `{key}`" in str(refused.value)


@pytest.mark.parametrize(
    ("register", "where"),
    [
        ("agency_id,agency_name\nPOL001,Eastshire Police\n", "row 1: missing column agency_type"),
        (
            "agency_id,agency_name,agency_type\n,Eastshire Police,Police\n",
            "row 2, column agency_id",
        ),
    ],
)
def test_a_bad_agency_register_is_refused_naming_row_and_column(tmp_path, register, where):
    with pytest.raises(ProfileError, match=where):
        load_profile(write_profile(tmp_path, PROFILE, register))


def test_the_council_tables_are_written_as_declared(tmp_path):
    profile = load_profile(write_profile(tmp_path, PROFILE))
    with duckdb.connect(str(tmp_path / "warehouse.duckdb")) as conn:
        counts = write_council_tables(conn, profile)
        authorities = conn.execute(
            "select la_code, is_home from council.local_authorities order by la_code"
        ).fetchall()
        agencies = conn.execute("select agency_id, cin_code from council.agencies").fetchall()
        columns = conn.execute(
            "select table_name, column_name from information_schema.columns "
            "where table_schema = 'council'"
        ).fetchall()
    assert counts == {
        "council.local_authorities": 2,
        "council.districts": 2,
        "council.agencies": 1,
        "council.referrer_type_aliases": 1,
    }
    assert authorities == [("812", True), ("813", False)]
    assert agencies == [("POL001", None)]
    assert {(f"council.{table}", column) for table, column in columns} == {
        (table, column) for table, declared in TABLES.items() for column in declared
    }


def test_the_trial_plan_takes_its_authority_from_the_profile(tmp_path, monkeypatch):
    monkeypatch.setenv(settings.COUNCIL_PROFILE_ENV, str(write_profile(tmp_path, PROFILE)))
    plan = load_plan(settings.PROJECT_ROOT / "config" / "trial_plan.yml")
    assert plan.la_codes == ("812",)
    assert plan.content["eligibility"]["la_codes"] == ["812"], "the hash covers it"


def test_the_matcher_reads_the_profiles_abbreviations(tmp_path, monkeypatch):
    monkeypatch.setenv(settings.COUNCIL_PROFILE_ENV, str(write_profile(tmp_path, PROFILE)))
    assert normalise_name("Eastsh Police") == "eastshire police"
    monkeypatch.setenv(settings.COUNCIL_PROFILE_ENV, str(settings.SHIPPED_COUNCIL_PROFILE))
    assert normalise_name("Eastsh Police") == "eastsh police"
