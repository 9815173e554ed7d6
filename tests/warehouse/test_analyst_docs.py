"""Every worked query in docs/analysts.md runs, and returns rows, through `mash query` on a
published file holding a dbt-built warehouse (the session's ``good`` build) and a trial
assignment written by the trial's own table writer."""

import re
import shutil

import duckdb
import pandas as pd
from click.testing import CliRunner

from dagster_project import settings
from dagster_project.cli import main
from dagster_project.trial.tables import write_table

ANALYSTS_GUIDE = settings.PROJECT_ROOT / "docs" / "analysts.md"


def _worked_queries() -> list[str]:
    return re.findall(r"```sql\n(.*?)```", ANALYSTS_GUIDE.read_text(), flags=re.DOTALL)


def _assign_every_school(published) -> int:
    with duckdb.connect(str(published)) as connection:
        schools = connection.execute("select school_urn, school_name from marts.dim_school").df()
        assignment = schools.assign(
            stratum="size:small/fsm:low",
            arm=["intervention" if n % 2 else "comparison" for n in range(len(schools))],
            source="randomised",
            randomised_urn=schools["school_urn"],
            randomised_at=pd.Timestamp("2019-08-26 09:00"),
            seed=1,
        )
        return write_table(connection, "assignment", assignment, "docs-test")


def test_the_worked_queries_run_and_return_rows_on_a_built_warehouse(good, tmp_path, monkeypatch):
    data = tmp_path / "data"
    published = data / "published" / "mash.duckdb"
    published.parent.mkdir(parents=True)
    shutil.copy(good.warehouse, published)
    assert _assign_every_school(published) > 0
    monkeypatch.setenv(settings.DATA_DIR_ENV, str(data))
    queries = _worked_queries()
    assert len(queries) == 3

    for query in queries:
        result = CliRunner().invoke(main, ["query", "--csv", query])
        assert result.exit_code == 0, f"{query}\n{result.output}"
        assert len(result.output.splitlines()) > 1, f"no rows from:\n{query}"
