"""What analysts get: the published file, its schemas, and no personal data anywhere."""

import re

import duckdb
import pandas as pd

from dagster_project.publishing import publication_differences


def text_columns(conn) -> list[tuple[str, str, str]]:
    return conn.execute(
        "select table_schema, table_name, column_name from information_schema.columns "
        "where data_type in ('VARCHAR', 'JSON') and table_schema not in ('information_schema')"
    ).fetchall()


def raw_identifiers(landing) -> set[str]:
    """Every child id and every individual's phone number in the demo landing files."""
    values: set[str] = set()
    for path in sorted((landing / "contacts").glob("*.csv")):
        frame = pd.read_csv(path, dtype=str, encoding_errors="replace")
        column = next(c for c in frame.columns if re.sub(r"[\s_-]", "", c.lower()) == "childid")
        values |= set(frame[column].dropna().str.strip())
    for path in sorted((landing / "calls").glob("*.csv")):
        frame = pd.read_csv(path, dtype=str, encoding_errors="replace")
        column = next(c for c in frame.columns if "caller" in c.lower())
        numbers = frame[column].dropna().str.replace(r"\D", "", regex=True)
        values |= {
            "0" + n[2:] if n.startswith("44") else n for n in numbers if n.startswith(("07", "447"))
        }
    return {v for v in values if len(v) >= 6}


def found_identifiers(path, identifiers: set[str]) -> list[str]:
    """Columns holding any of the identifiers as a word of digits inside any text; digits
    split by spaces, dashes or brackets are joined first, and 44... is read as 0..., as a
    phone number would be. A pseudonym (one long hex word) never counts as a hit."""
    found = []
    with duckdb.connect(str(path), read_only=True) as conn:
        columns = text_columns(conn)
        conn.register("identifiers", pd.DataFrame({"v": sorted(identifiers)}))
        conn.execute("create temp table ids as select distinct v from identifiers")
        for schema, table, column in columns:
            joined = f"""cast("{column}" as varchar)"""
            for _ in range(2):
                joined = f"regexp_replace({joined}, '([0-9])[ ()-]+([0-9])', '\\1\\2', 'g')"
            hits = conn.execute(
                f"""
                with words as (
                    select unnest(regexp_extract_all({joined}, '[0-9A-Za-z]+')) as word
                    from "{schema}"."{table}"
                ),
                digits as (
                    select word from words where regexp_full_match(word, '[0-9]{{6,}}')
                ),
                candidates as (
                    select word from digits
                    union all
                    select '0' || substr(word, 3) from digits where word like '44%'
                )
                select count(*) from candidates join ids on ids.v = candidates.word
                """
            ).fetchone()[0]
            if hits:
                found.append(f"{schema}.{table}.{column}")
    return found


def test_no_raw_child_id_or_individual_number_in_the_warehouse(played_trial):
    identifiers = raw_identifiers(played_trial.landing)
    assert len(identifiers) > 1000
    assert found_identifiers(played_trial.warehouse, identifiers) == []
    assert found_identifiers(played_trial.published, identifiers) == []


def test_published_file_holds_marts_trial_and_audit_only(played_trial):
    with duckdb.connect(str(played_trial.published), read_only=True) as conn:
        schemas = {
            row[0]
            for row in conn.execute(
                "select distinct table_schema from information_schema.tables"
            ).fetchall()
        }
        columns = {
            row[0]
            for row in conn.execute(
                "select distinct column_name from information_schema.columns"
            ).fetchall()
        }
        marts = {
            row[0]
            for row in conn.execute(
                "select table_name from information_schema.tables where table_schema = 'marts'"
            ).fetchall()
        }
    assert schemas == {"marts", "trial", "audit"}
    assert not columns & {
        "referrer_name",
        "referrer_name_key",
        "referrer_address",
        "child_id",
        "caller_number",
        "cleaned_name",
    }
    assert {
        "dim_school",
        "dim_agency",
        "fct_contacts",
        "fct_calls",
        "fct_school_month",
        "rpt_agency_type_summary",
        "rpt_channel_summary",
        "rpt_district_rates",
        "rpt_phone_sources",
    } <= marts


def test_mash_query_prints_the_agency_type_table(played_trial, run_mash):
    done = run_mash(played_trial, "query", "select * from marts.rpt_agency_type_summary")
    assert done.returncode == 0, done.stderr
    assert "Schools" in done.stdout and "2017/18" in done.stdout


def test_the_published_file_is_the_warehouse_as_published_after_a_recorded_night(played_trial):
    nights = played_trial.query("select rebuilt from audit.night_checks")
    assert nights["rebuilt"].sum() >= 2, "the demo's baseline and trial nights are recorded"
    with duckdb.connect(str(played_trial.warehouse), read_only=True) as conn:
        assert publication_differences(conn, played_trial.published) == []
