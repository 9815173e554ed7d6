"""Whole-process figures of the great-expectations checks on a synthetic warehouse.

    .venv/bin/python benchmarks/quality_suites.py [--scale 1 --scale 10] [--before /work/main]

Writes, per scale, a DuckDB file with the shapes of the checked tables (x1 = the county over
2 years: 50k contacts, 53k calls; x10 = 5 years: 1.29M contacts, 1.31M calls), then runs every
suite as the Dagster checks do, in a fresh process per checkout, and prints that process's
wall time, CPU time and peak RSS (the great-expectations import included), and each suite's
seconds. With ``--before`` the same is run with another checkout's code (its own ``.venv``):
a checkout whose quality package has ``validate_table`` validates each table once; an older
one runs each suite's blocking and warning parts separately, as its two checks did.

Measured on 2 shared cores (other jobs running, so wall times are loose; CPU and peak RSS
are the figures to compare), "before" = tables read into pandas, each check reading again;
"after" = computed in DuckDB through GX's SQL data source, one validation per table:

    scale  code     wall s  cpu s  peak MiB
    x1     before    105.9   15.0       490
    x1     after      62.6   10.1       310
    x10    before    485.1  128.8      4480
    x10    after      38.0   14.0       456

Most of "after" is importing great-expectations (the first suite's seconds).
"""

import argparse
import json
import subprocess
import tempfile
from pathlib import Path

import duckdb

PROJECT = Path(__file__).resolve().parents[1]

SCALES = {
    # scale: (contacts, calls, years)
    1: (50_000, 53_000, 2),
    10: (1_290_000, 1_310_000, 5),
}
SCHOOLS = 3_000

PROVENANCE = """'{{}}'::JSON AS extra_columns, 'extract/f' || (i // 25000) || '.csv' AS source_file,
    CAST(i % 25000 + 2 AS INTEGER) AS source_row, sha256(CAST(i // 25000 AS VARCHAR)) AS
    source_sha256, TIMESTAMP '2024-01-01' AS loaded_at"""

TABLES = [
    "CREATE SCHEMA raw; CREATE SCHEMA marts;",
    f"""CREATE TABLE raw.contacts AS SELECT 'C' || i AS contact_id,
    sha256('child' || (i % 40000)) AS child_key,
    TIMESTAMP '2016-09-01' + to_seconds(i * {{contact_spacing}}) AS contact_at,
    ['Telephone', 'Email', 'Online Form'][i % 3 + 1] AS contact_method,
    ['2A - Schools', 'Police', 'Health - GP', '1A'][i % 4 + 1] AS referrer_type,
    'Name ' || i AS referrer_name, NULL::VARCHAR AS referrer_address,
    NULL::VARCHAR AS child_ethnicity, NULL::VARCHAR AS child_language,
    NULL::VARCHAR AS child_disability, ['Ashbury', 'Brenton', NULL][i % 3 + 1] AS child_district,
    'MASH' AS responsible_team, 'NFA' AS contact_outcome, ['Y', 'N'][i % 2 + 1] AS is_referral,
    NULL::TIMESTAMP AS record_updated_at, NULL::VARCHAR AS call_reference, {PROVENANCE}
    FROM range({{contacts}}) t(i)""",
    f"""CREATE TABLE raw.calls AS SELECT 'K' || i AS call_id,
    TIMESTAMP '2016-09-01' + to_seconds(i * {{call_spacing}}) AS call_start,
    sha256('caller' || (i % 9000)) AS caller_key, NULL::VARCHAR AS caller_number,
    CAST(i % 3 + 1 AS VARCHAR) AS ivr_option, 'MASH' AS handling_team,
    CAST(i % 600 AS INTEGER) AS wait_seconds, CAST(i % 900 AS INTEGER) AS talk_seconds,
    'Answered' AS call_result, NULL::VARCHAR AS call_outcome,
    NULL::TIMESTAMP AS record_updated_at, {PROVENANCE}
    FROM range({{calls}}) t(i)""",
    f"""CREATE TABLE raw.schools AS SELECT CAST(100000 + i AS INTEGER) AS urn,
    'School ' || i AS establishment_name, '812' AS la_code, 'Eastshire' AS la_name,
    'Academy' AS establishment_type, 'Primary' AS phase, 'Open' AS status,
    CAST(50 + i % 900 AS INTEGER) AS number_of_pupils, (i % 60) / 1.0 AS percentage_fsm,
    'Ashbury' AS district, NULL::VARCHAR AS telephone_num, NULL::VARCHAR AS postcode,
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
    CASE WHEN source_row % 4 <> 3 THEN 'exact' ELSE 'unmatched' END AS match_method,
    CASE WHEN source_row % 4 <> 3 THEN 100.0 END AS match_score, child_key,
    'Ashbury' AS child_district, contact_outcome AS outcome, NULL::VARCHAR AS call_id
    FROM raw.contacts""",
    """CREATE TABLE marts.dim_school AS SELECT urn AS school_urn, establishment_name AS school_name,
    la_code, district, phase, establishment_type, true AS is_open, number_of_pupils AS pupils,
    percentage_fsm AS pct_fsm, 'Medium' AS size_band, 'Low' AS fsm_band, urn AS successor_urn
    FROM raw.schools""",
    """CREATE TABLE marts.fct_school_month AS
    SELECT s.school_urn, m.month_start, 1 AS phone_contacts, 1 AS email_contacts,
    0 AS other_contacts, 1 AS referrals, 3 AS contacts_and_referrals, 0 AS calls_attributed
    FROM marts.dim_school s,
    (SELECT DISTINCT month_start FROM marts.fct_contacts) m""",
    """CREATE TABLE marts.rpt_district_rates AS
    SELECT academic_year, 'Ashbury' AS district, count(*) AS contacts_and_referrals,
    23725 AS population_0_17, round(count(*) / 23725, 2) AS per_head,
    23900 AS ons_population_0_17
    FROM marts.fct_contacts GROUP BY academic_year""",
]

#: Run in a fresh process of the checkout under test: every suite, as its checks run them.
CHILD = """
import json, sys, time
import duckdb
from dagster_project import quality
from dagster_project.quality import BLOCKING, WARNING, run_suite, suite_names

seconds, failed = {}, []
with duckdb.connect(sys.argv[1], read_only=True) as connection:
    for name in suite_names():
        started = time.perf_counter()
        if hasattr(quality, "validate_table"):
            results = list(quality.validate_table(name, connection).values())
        else:
            results = [run_suite(name, connection, severity) for severity in (BLOCKING, WARNING)]
        seconds[name] = time.perf_counter() - started
        failed += [name for result in results if not result.success]
print(json.dumps({"seconds": seconds, "failed": failed}))
"""


def write_warehouse(path: Path, scale: int) -> None:
    contacts, calls, years = SCALES[scale]
    span = years * 365 * 86_400
    with duckdb.connect(str(path)) as connection:
        for statement in TABLES:
            connection.execute(
                statement.format(
                    contacts=contacts,
                    calls=calls,
                    schools=SCHOOLS,
                    contact_spacing=span // contacts,
                    call_spacing=span // calls,
                )
            )


def measure(checkout: Path, warehouse: Path) -> dict:
    """Wall, CPU and peak RSS of one process running every suite with ``checkout``'s code,
    as ``/usr/bin/time`` reports them."""
    with tempfile.NamedTemporaryFile("r") as timing:
        completed = subprocess.run(
            [
                "/usr/bin/time",
                "-o",
                timing.name,
                "-f",
                "%e %U %S %M",
                str(checkout / ".venv" / "bin" / "python"),
                "-c",
                CHILD,
                str(warehouse),
            ],
            cwd=checkout,
            capture_output=True,
            text=True,
            check=True,
        )
        wall, user, system, peak_kib = map(float, timing.read().split()[-4:])
    report = json.loads(completed.stdout.strip().splitlines()[-1])
    return {**report, "wall": wall, "cpu": user + system, "peak_mib": peak_kib / 1024}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=int, action="append", choices=sorted(SCALES))
    parser.add_argument("--before", type=Path, help="another checkout to compare with")
    args = parser.parse_args()
    checkouts = {"after": PROJECT}
    if args.before:
        checkouts = {"before": args.before.resolve(), **checkouts}
    for scale in args.scale or [1]:
        with tempfile.TemporaryDirectory() as folder:
            warehouse = Path(folder) / "warehouse.duckdb"
            write_warehouse(warehouse, scale)
            contacts, calls, years = SCALES[scale]
            print(f"x{scale}: {contacts:,} contacts, {calls:,} calls, {years} years")
            print(f"  {'code':<8} {'wall s':>7} {'cpu s':>7} {'peak MiB':>9}  per suite (s)")
            for label, checkout in checkouts.items():
                figures = measure(checkout, warehouse)
                suites = ", ".join(
                    f"{name} {seconds:.1f}" for name, seconds in figures["seconds"].items()
                )
                print(
                    f"  {label:<8} {figures['wall']:>7.1f} {figures['cpu']:>7.1f} "
                    f"{figures['peak_mib']:>9.0f}  {suites}"
                )
                if figures["failed"]:
                    print(f"  {label}: not passed: {', '.join(sorted(set(figures['failed'])))}")


if __name__ == "__main__":
    main()
