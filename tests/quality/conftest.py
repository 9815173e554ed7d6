"""A small warehouse built by hand, shaped like the real raw tables and marts, that every
suite passes; tests break one thing at a time and look for the expectation that catches it."""

from pathlib import Path

import duckdb
import pytest

from dagster_project.council import load_profile
from dagster_project.council_tables import write_council_tables
from dagster_project.pseudonymise import pseudonymise

#: The council the good warehouse belongs to: its authority, a neighbour, two districts.
PROFILE = load_profile()
LA, LA_NAME = PROFILE.home.la_code, PROFILE.home.la_name
N_LA, N_NAME = PROFILE.neighbours[0].la_code, PROFILE.neighbours[0].la_name
D1, D2 = PROFILE.district_names[-1], PROFILE.district_names[0]

TEST_KEY = b"quality-tests-pseudonym-key-0123456789"
SHA = "ab" * 32
FREE_TEXT_SENTINEL = "Mrs Sentinel Freetext"


def key(value: str) -> str:
    return pseudonymise(value, key=TEST_KEY)


RAW_CONTACTS = f"""
CREATE SCHEMA raw;
CREATE TABLE raw.contacts (
    contact_id VARCHAR NOT NULL, child_key VARCHAR NOT NULL, contact_at TIMESTAMP NOT NULL,
    contact_method VARCHAR NOT NULL, referrer_type VARCHAR NOT NULL, referrer_name VARCHAR,
    referrer_address VARCHAR, child_ethnicity VARCHAR, child_language VARCHAR,
    child_disability VARCHAR, child_district VARCHAR, responsible_team VARCHAR,
    contact_outcome VARCHAR NOT NULL, is_referral VARCHAR, record_updated_at TIMESTAMP,
    call_reference VARCHAR, extra_columns JSON, source_file VARCHAR, source_row INTEGER,
    source_sha256 VARCHAR, loaded_at TIMESTAMP, load_id BIGINT
);
INSERT INTO raw.contacts VALUES
 ('C1', '{key("P1")}', '2017-09-04 09:15', 'Telephone', '2A - Schools',
  '{FREE_TEXT_SENTINEL} (DSL) - Abbey Infant Sch', '1 High St', 'WBRI', 'English', 'N', '{D1}',
  'MASH', 'NFA', 'N', '2017-09-04 10:00', 'K1', '{{}}', 'contacts/c.csv', 2, '{SHA}',
  '2024-01-01 00:00', 1),
 ('C2', '{key("P2")}', '2017-10-11 14:00', 'E-mail', 'Police', 'PC Jones, Eastfield', NULL,
  NULL, NULL, 'Unknown', 'Out of County', 'MASH', 'Referral to CSC - Single Assessment', 'Y',
  NULL, NULL, '{{}}', 'contacts/c.csv', 3, '{SHA}', '2024-01-01 00:00', 1),
 ('C3', '{key("P3")}', '2018-03-01 08:00', 'Online Form', 'Family Member', NULL, NULL, NULL,
  NULL, NULL, NULL, 'MASH', 'Information and Advice', NULL, NULL, NULL, '{{}}',
  'contacts/c.csv', 4, '{SHA}', '2024-01-01 00:00', 1),
 ('C1', '{key("P1")}', '2017-09-04 09:15', 'Phone', '10', NULL, NULL, NULL, NULL, NULL,
  '{D2.lower()}', 'MASH', 'NFA', 'n', '2017-09-05 10:00', NULL, '{{"Note": "x"}}',
  'contacts/d.csv', 2, '{"cd" * 32}', '2024-01-02 00:00', 2);
"""

RAW_CALLS = f"""
CREATE TABLE raw.calls (
    call_id VARCHAR NOT NULL, call_start TIMESTAMP NOT NULL, caller_key VARCHAR,
    caller_number VARCHAR, ivr_option VARCHAR, handling_team VARCHAR, wait_seconds INTEGER,
    talk_seconds INTEGER, call_result VARCHAR, call_outcome VARCHAR, record_updated_at TIMESTAMP,
    extra_columns JSON, source_file VARCHAR, source_row INTEGER, source_sha256 VARCHAR,
    loaded_at TIMESTAMP, load_id BIGINT
);
INSERT INTO raw.calls VALUES
 ('K1', '2017-09-04 09:10', '{key("01926410410")}', '01926410410', '1', 'MASH', 35, 240,
  'Answered', 'Consultation', NULL, '{{}}', 'calls/k.csv', 2, '{SHA}', '2024-01-01 00:00', 1),
 ('K2', '2019-02-01 11:00', '{key("07700900123")}', NULL, '3', 'MASH', 0, 0, 'Abandoned', NULL,
  NULL, '{{}}', 'calls/k.csv', 3, '{SHA}', '2024-01-01 00:00', 1),
 ('K3', '2019-02-01 12:00', NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, '{{}}',
  'calls/k.csv', 4, '{SHA}', '2024-01-01 00:00', 1);
"""

RAW_SCHOOLS = f"""
CREATE TABLE raw.schools (
    urn INTEGER NOT NULL, establishment_name VARCHAR NOT NULL, la_code VARCHAR NOT NULL,
    la_name VARCHAR, establishment_type VARCHAR, phase VARCHAR, status VARCHAR,
    number_of_pupils INTEGER, percentage_fsm DOUBLE, district VARCHAR, telephone_num VARCHAR,
    postcode VARCHAR, open_date DATE, close_date DATE, extra_columns JSON, source_file VARCHAR,
    source_row INTEGER, source_sha256 VARCHAR, loaded_at TIMESTAMP, load_id BIGINT
);
INSERT INTO raw.schools VALUES
 (125000, 'Abbey Infant School', '{LA}', '{LA_NAME}', 'Community school',
  'Primary', 'Open', 210, 12.5, '{D1}', '01926 410410', 'CV34 4AA', '1990-09-01', NULL, '{{}}',
  'schools/edubase.csv', 2, '{SHA}', '2024-01-01 00:00', 1),
 (140001, 'Abbey Academy', '{LA}', '{LA_NAME}', 'Academy converter', 'Primary',
  'Open', NULL, NULL, '{D1}', NULL, 'CV34 4AA', '2014-04-01', NULL, '{{}}', 'schools/edubase.csv',
  3, '{SHA}', '2024-01-01 00:00', 1),
 (103000, 'Station Road Primary', '{N_LA}', '{N_NAME}',
  'Community school', 'Primary', 'Closed', 0, 0.0, '{N_NAME}', NULL, 'CV1 1AA', NULL,
  '2014-03-31', '{{}}', 'schools/edubase.csv', 4, '{SHA}', '2024-01-01 00:00', 1);
"""

FCT_CONTACTS = f"""
CREATE SCHEMA marts;
CREATE TABLE marts.fct_contacts AS SELECT * FROM (VALUES
 ('C1', TIMESTAMP '2017-09-04 09:15', DATE '2017-09-04', DATE '2017-09-01', '2017/18', 'phone',
  false, '2A - Schools', 'Schools', true, 'SCH140001', 140001, 'fuzzy', 91.5::DOUBLE, '{key("P1")}',
  '{D1}', 'NFA', 'K1'),
 ('C2', TIMESTAMP '2017-10-11 14:00', DATE '2017-10-11', DATE '2017-10-01', '2017/18', 'email',
  true, 'Police', 'Police', true, 'POL001', NULL, 'exact', 100.0, '{key("P2")}',
  'Out of county or blank', 'Referral to CSC - Single Assessment', NULL),
 ('C3', TIMESTAMP '2018-03-01 08:00', DATE '2018-03-01', DATE '2018-03-01', '2017/18', 'other',
  false, 'Family Member', 'Individual', false, NULL, NULL, NULL, NULL, '{key("P3")}',
  'Out of county or blank', 'Information and Advice', NULL),
 ('C4', TIMESTAMP '2000-12-31 23:59', DATE '2000-12-31', DATE '2000-12-01', '2000/01', 'phone',
  false, 'Health - GP', 'Health services', true, 'HEA002', NULL, 'override', NULL,
  '{key("P4")}', '{D2}', 'NFA', NULL)
) v(contact_id, contact_at, contact_date, month_start, academic_year, channel, is_referral,
    referrer_type, agency_type, in_scope, agency_id, school_urn, match_method, match_score,
    child_key, child_district, outcome, call_id);
"""

FCT_SCHOOL_MONTH = """
CREATE TABLE marts.fct_school_month AS
SELECT school_urn, month_start, phone_contacts, email_contacts, other_contacts, referrals,
       phone_contacts + email_contacts + other_contacts + referrals AS contacts_and_referrals,
       calls_attributed
FROM (VALUES
 (140001, DATE '2017-09-01', 1, 0, 0, 0, 1),
 (140001, DATE '2017-10-01', 0, 2, 1, 1, 0),
 (125000, DATE '2017-09-01', 0, 0, 0, 0, 0),
 (125000, DATE '2017-10-01', 0, 0, 0, 0, 0)
) v(school_urn, month_start, phone_contacts, email_contacts, other_contacts, referrals,
    calls_attributed);
"""

RPT_DISTRICT_RATES = f"""
CREATE TABLE marts.rpt_district_rates AS
SELECT academic_year, district, contacts_and_referrals, population_0_17,
       round(contacts_and_referrals / population_0_17, 2) AS per_head, ons_population_0_17
FROM (VALUES
 ('2017/18', '{D2}', 3187, 12451, 12700),
 ('2017/18', '{D1}', 5473, 26900, 27100),
 ('2017/18', 'Out of county or blank', 3009, NULL, NULL),
 ('2018/19', '{D1}', 5200, 26900, 27100)
) v(academic_year, district, contacts_and_referrals, population_0_17, ons_population_0_17);
"""

DIM_SCHOOL = f"""
CREATE TABLE marts.dim_school AS SELECT * FROM (VALUES
 (140001, 'Abbey Academy', '{LA}', '{D1}', 'Primary', 'Academy converter', true, 210,
  12.5::DOUBLE, 'Medium', 'Low', 140001),
 (125000, 'Abbey Infant School', '{LA}', '{D1}', 'Primary', 'Community school', false, NULL,
  NULL, NULL, NULL, 140001)
) v(school_urn, school_name, la_code, district, phase, establishment_type, is_open, pupils,
    pct_fsm, size_band, fsm_band, successor_urn);
"""

GOOD_WAREHOUSE = [
    RAW_CONTACTS,
    RAW_CALLS,
    RAW_SCHOOLS,
    FCT_CONTACTS,
    FCT_SCHOOL_MONTH,
    RPT_DISTRICT_RATES,
    DIM_SCHOOL,
]


def build_good_warehouse(path: Path) -> Path:
    with duckdb.connect(str(path)) as connection:
        for statements in GOOD_WAREHOUSE:
            connection.execute(statements)
        write_council_tables(connection, PROFILE)
    return path


@pytest.fixture
def raw_contacts_sql() -> str:
    """Creates schema raw and a good raw.contacts."""
    return RAW_CONTACTS


@pytest.fixture
def free_text_sentinel() -> str:
    """Free text in raw.contacts.referrer_name that no result may ever show."""
    return FREE_TEXT_SENTINEL


@pytest.fixture
def warehouse(tmp_path: Path) -> Path:
    """A fresh warehouse file in which every suite passes."""
    return build_good_warehouse(tmp_path / "warehouse.duckdb")


@pytest.fixture
def connection(warehouse: Path):
    with duckdb.connect(str(warehouse)) as connection:
        yield connection
