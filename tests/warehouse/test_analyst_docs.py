"""The worked queries in docs/analysts.md run against tables shaped as warehouse.md says."""

import re

import duckdb
from click.testing import CliRunner

from dagster_project import settings
from dagster_project.cli import main

ANALYSTS_GUIDE = settings.PROJECT_ROOT / "docs" / "analysts.md"

#: The columns warehouse.md promises for the tables the worked queries use.
CONTRACT_TABLES = [
    """CREATE TABLE marts.rpt_agency_type_summary AS SELECT '2017/18' AS academic_year,
       'Schools' AS agency_type, 10 AS total, 7 AS contacts, 3 AS referrals,
       30.0 AS pct_referrals, 70.0 AS pct_contacts""",
    """CREATE TABLE marts.dim_school AS SELECT 125600 AS school_urn,
       'Abbey C of E Infant School' AS school_name, '937' AS la_code, 'Rugby' AS district,
       'Primary' AS phase, 'Academy converter' AS establishment_type, true AS is_open,
       180 AS pupils, 12.5 AS pct_fsm, 'small' AS size_band, 'low' AS fsm_band""",
    """CREATE TABLE marts.fct_school_month AS SELECT 125600 AS school_urn,
       DATE '2017-09-01' + INTERVAL (i) MONTH AS month_start, 1 AS phone_contacts,
       0 AS email_contacts, 0 AS other_contacts, 0 AS referrals,
       1 AS contacts_and_referrals, 2 AS calls_attributed FROM range(12) t(i)""",
    """CREATE TABLE trial.results AS SELECT 'contacts' AS outcome, 'poisson' AS model,
       0.9 AS estimate, 0.8 AS ci_low, 1.0 AS ci_high, 0.04 AS p_value,
       0.05 AS p_value_randomisation, 200 AS n_schools, 1400 AS n_obs, true AS is_primary""",
]


def _worked_queries() -> list[str]:
    return re.findall(r"```sql\n(.*?)```", ANALYSTS_GUIDE.read_text(), flags=re.DOTALL)


def test_the_worked_queries_run_on_the_published_file(data_dir, run_publish):
    warehouse = settings.warehouse_path()
    con = duckdb.connect(str(warehouse))
    for schema in ("marts", "trial"):
        con.execute(f"CREATE SCHEMA {schema}")
    for ddl in CONTRACT_TABLES:
        con.execute(ddl)
    con.close()
    assert run_publish(warehouse).success
    queries = _worked_queries()
    assert len(queries) == 3

    for query in queries:
        result = CliRunner().invoke(main, ["query", "--csv", query])
        assert result.exit_code == 0, f"{query}\n{result.output}"
        assert len(result.output.splitlines()) > 1, query
