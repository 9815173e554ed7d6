"""Time each expectation suite on a synthetic warehouse of realistic size; prints figures.

    .venv/bin/python benchmarks/quality_suites.py [--contacts 100000]

The tables are generated in a temporary DuckDB file with the shapes of the real ones (four
years of contacts and calls, a few thousand schools); the first suite run includes the
great-expectations import.
"""

import argparse
import tempfile
import time
from pathlib import Path

import duckdb

from dagster_project.quality import run_suite, suite_names

PROVENANCE = """'{{}}'::JSON AS extra_columns, 'extract/f' || (i // 25000) || '.csv' AS source_file,
    CAST(i % 25000 + 2 AS INTEGER) AS source_row, sha256(CAST(i // 25000 AS VARCHAR)) AS
    source_sha256, TIMESTAMP '2024-01-01' AS loaded_at"""

TABLES = [
    "CREATE SCHEMA raw; CREATE SCHEMA marts;",
    f"""CREATE TABLE raw.contacts AS SELECT 'C' || i AS contact_id,
    sha256('child' || (i % 40000)) AS child_key,
    TIMESTAMP '2016-09-01' + to_seconds(i * 1200) AS contact_at,
    ['Telephone', 'Email', 'Online Form'][i % 3 + 1] AS contact_method,
    ['2A - Schools', 'Police', 'Health - GP', '1A'][i % 4 + 1] AS referrer_type,
    'Name ' || i AS referrer_name, NULL::VARCHAR AS referrer_address,
    NULL::VARCHAR AS child_ethnicity, NULL::VARCHAR AS child_language,
    NULL::VARCHAR AS child_disability, ['Rugby', 'Warwick', NULL][i % 3 + 1] AS child_district,
    'MASH' AS responsible_team, 'NFA' AS contact_outcome, ['Y', 'N'][i % 2 + 1] AS is_referral,
    NULL::TIMESTAMP AS record_updated_at, NULL::VARCHAR AS call_reference, {PROVENANCE}
    FROM range({{contacts}}) t(i)""",
    f"""CREATE TABLE raw.calls AS SELECT 'K' || i AS call_id,
    TIMESTAMP '2016-09-01' + to_seconds(i * 1200) AS call_start,
    sha256('caller' || (i % 9000)) AS caller_key, NULL::VARCHAR AS caller_number,
    CAST(i % 3 + 1 AS VARCHAR) AS ivr_option, 'MASH' AS handling_team,
    CAST(i % 600 AS INTEGER) AS wait_seconds, CAST(i % 900 AS INTEGER) AS talk_seconds,
    'Answered' AS call_result, NULL::VARCHAR AS call_outcome,
    NULL::TIMESTAMP AS record_updated_at, {PROVENANCE}
    FROM range({{contacts}}) t(i)""",
    f"""CREATE TABLE raw.schools AS SELECT CAST(100000 + i AS INTEGER) AS urn,
    'School ' || i AS establishment_name, '937' AS la_code, 'Warwickshire' AS la_name,
    'Academy' AS establishment_type, 'Primary' AS phase, 'Open' AS status,
    CAST(50 + i % 900 AS INTEGER) AS number_of_pupils, (i % 60) / 1.0 AS percentage_fsm,
    'Rugby' AS district, NULL::VARCHAR AS telephone_num, NULL::VARCHAR AS postcode,
    DATE '2000-01-01' AS open_date, NULL::DATE AS close_date, {PROVENANCE}
    FROM range({{schools}}) t(i)""",
    """CREATE TABLE marts.fct_contacts AS SELECT contact_id, contact_at,
    CAST(contact_at AS DATE) AS contact_date,
    CAST(date_trunc('month', contact_at) AS DATE) AS month_start,
    printf('%d/%02d', year(contact_at) - CASE WHEN month(contact_at) < 9 THEN 1 ELSE 0 END,
      (year(contact_at) + CASE WHEN month(contact_at) < 9 THEN 0 ELSE 1 END) % 100)
      AS academic_year,
    ['phone', 'email', 'other'][source_row % 3 + 1] AS channel, is_referral = 'Y' AS is_referral,
    referrer_type, ['Schools', 'Police', 'Health services', 'Individual'][source_row % 4 + 1]
      AS agency_type, source_row % 4 <> 3 AS in_scope,
    CASE WHEN source_row % 4 = 0 THEN 'SCH' || (100000 + source_row % {schools}) END AS agency_id,
    CASE WHEN source_row % 4 = 0 THEN 100000 + source_row % {schools} END AS school_urn,
    CASE WHEN source_row % 4 <> 3 THEN 'exact' END AS match_method,
    CASE WHEN source_row % 4 <> 3 THEN 100.0 END AS match_score, child_key,
    'Rugby' AS child_district, contact_outcome AS outcome, NULL::VARCHAR AS call_id
    FROM raw.contacts""",
    """CREATE TABLE marts.dim_school AS SELECT urn AS school_urn, establishment_name AS school_name,
    la_code, district, phase, establishment_type, true AS is_open, number_of_pupils AS pupils,
    percentage_fsm AS pct_fsm, 'Medium' AS size_band, 'Low' AS fsm_band, urn AS successor_urn
    FROM raw.schools""",
    """CREATE TABLE marts.fct_school_month AS
    SELECT s.school_urn, m.month_start, 1 AS phone_contacts, 1 AS email_contacts,
    0 AS other_contacts, 1 AS referrals, 2 AS contacts_and_referrals, 0 AS calls_attributed
    FROM marts.dim_school s,
    (SELECT DISTINCT month_start FROM marts.fct_contacts) m""",
    """CREATE TABLE marts.rpt_district_rates AS
    SELECT academic_year, 'Rugby' AS district, count(*) AS contacts_and_referrals,
    23725 AS population_0_17, round(count(*) / 23725, 2) AS per_head,
    23900 AS ons_population_0_17
    FROM marts.fct_contacts GROUP BY academic_year""",
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--contacts", type=int, default=100_000)
    parser.add_argument("--schools", type=int, default=3_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "warehouse.duckdb"
        with duckdb.connect(str(path)) as connection:
            for statement in TABLES:
                connection.execute(statement.format(contacts=args.contacts, schools=args.schools))
            print(
                f"{'suite':<28} {'rows':>8} {'expectations':>12} {'passed':>6} "
                f"{'wall s':>7} {'cpu s':>7}"
            )
            for name in suite_names():
                started, cpu_started = time.perf_counter(), time.process_time()
                result = run_suite(name, connection)
                wall, cpu = time.perf_counter() - started, time.process_time() - cpu_started
                print(
                    f"{name:<28} {result.row_count:>8} {result.evaluated:>12} "
                    f"{result.success!s:>6} {wall:>7.2f} {cpu:>7.2f}"
                )
                if not result.success:
                    print(result.failures_markdown())


if __name__ == "__main__":
    main()
