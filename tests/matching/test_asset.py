"""The matching asset materialised by Dagster against a real DuckDB file."""

import duckdb
import pandas as pd
import pytest
from dagster import AssetCheckSeverity, DagsterInstance, materialize
from dagster_duckdb import DuckDBResource

from dagster_project import settings
from dagster_project.defs.assets.matching import AGENCY_MATCHES, agency_matches
from dagster_project.matching.referrer_keys import referrer_key

pytestmark = pytest.mark.usefixtures("invented_council")

NAMES = [
    ("mrs j smith (dsl) - abbey c of e infant sch", "Schools", 12),
    ("kenilwoth school", "Schools", 30),
    ("st marys primary", "Schools", 4),
    ("pc 1234 jones - brenton snt", "Police", 9),
    ("a.n. other", "Legal services", 2),
]
#: The people the names above mention.
PEOPLE = ("j smith", "jones")


def _contacts(names: list[tuple[str, str, int]], file: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """raw.contacts rows typing each name (in capitals, spaced out) ``occurrences`` times,
    and the stg_mash__contacts rows dbt would have built from them."""
    typed = [
        (name, agency_type) for name, agency_type, occurrences in names for _ in range(occurrences)
    ]
    rows = range(2, len(typed) + 2)
    raw = pd.DataFrame(
        {
            "source_file": file,
            "source_sha256": file.encode().hex(),
            "source_row": rows,
            "referrer_name": [f"  {name.upper()}  " for name, _ in typed],
        }
    )
    staging = pd.DataFrame(
        {
            "source_file": file,
            "source_sha256": file.encode().hex(),
            "source_row": rows,
            "agency_type": [agency_type for _, agency_type in typed],
            "in_scope": True,
            "contact_at": pd.Timestamp("2018-01-08 10:00"),
        }
    )
    return raw, staging


def _append(path: str, tables: dict[str, pd.DataFrame]) -> None:
    with duckdb.connect(path) as connection:
        for table, frame in tables.items():
            connection.register("frame", frame)
            connection.execute(f"insert into {table} by name select * from frame")
            connection.unregister("frame")


@pytest.fixture
def warehouse(tmp_path, register, monkeypatch) -> str:
    """A warehouse holding the raw contacts and the tables dbt would have built for the
    matcher."""
    monkeypatch.setenv(settings.PSEUDONYM_KEY_ENV, "matching-test-key-" + "k" * 32)
    path = str(tmp_path / "warehouse.duckdb")
    raw, staging = _contacts(NAMES, "contacts/a.csv")
    tables = {
        "raw.contacts": raw,
        "staging.stg_mash__contacts": staging,
        "staging.stg_gias__schools": register["schools_df"].assign(is_open=True, la_code="812"),
        "intermediate.int_schools__successors": register["successors_df"],
        "staging.stg_reference__agencies": register["agencies_df"],
        "reference.agency_match_overrides": pd.DataFrame(
            {
                "referrer_name_key": ["a.n. other"],
                "agency_type": ["Legal services"],
                "agency_id": [None],
                "school_urn": pd.array([None], dtype="Int64"),
                "decided_by": ["data team"],
            }
        ),
    }
    with duckdb.connect(path) as connection:
        for table, frame in tables.items():
            connection.execute(f"create schema if not exists {table.split('.')[0]}")
            connection.register("frame", frame)
            connection.execute(f"create table {table} as select * from frame")
            connection.unregister("frame")
    return path


def run(path: str, instance: DagsterInstance):
    result = materialize(
        [agency_matches], resources={"duckdb": DuckDBResource(database=path)}, instance=instance
    )
    assert result.success
    return result


def read(path: str, table: str) -> pd.DataFrame:
    with duckdb.connect(path, read_only=True) as connection:
        return connection.sql(f"select * from {table} order by all").df()


def test_asset_writes_matches_and_review_queue(warehouse):
    instance = DagsterInstance.ephemeral()
    result = run(warehouse, instance)

    matches = read(warehouse, "matching.agency_matches")
    assert len(matches) == len(NAMES)
    by_key = matches.set_index("referrer_key")
    key = referrer_key
    assert (
        by_key.loc[key("mrs j smith (dsl) - abbey c of e infant sch"), "agency_id"] == "SCH100001"
    )
    assert by_key.loc[key("kenilwoth school"), "school_urn"] == 100010
    assert by_key.loc[key("pc 1234 jones - brenton snt"), "agency_id"] == "POL002"
    assert by_key.loc[key("a.n. other"), "match_method"] == "override"
    assert matches.register_fingerprint.nunique() == 1

    review = read(warehouse, "audit.agency_match_review")
    assert list(review.referrer_name_key) == ["st marys primary"]
    assert review.occurrences.iloc[0] == 4

    metadata = result.asset_materializations_for_node("matching__agency_matches")[0].metadata
    assert metadata["names"].value == len(NAMES)
    assert metadata["names_exact"].value + metadata["names_fuzzy"].value == 3
    assert metadata["names_override"].value == 1
    assert metadata["review_queue_names"].value == 1
    contacts = sum(occurrences for _, _, occurrences in NAMES)
    assert metadata["match_rate_contacts"].value == pytest.approx((12 + 30 + 9) / contacts, 1e-3)

    [check] = result.get_asset_check_evaluations()
    assert check.asset_key == AGENCY_MATCHES
    assert check.severity == AssetCheckSeverity.WARN
    assert not check.passed  # 4 of 57 contacts (7%) await review: above the 5% warning line

    logged = " ".join(entry.user_message for entry in instance.all_logs(result.run_id))
    for key, _, _ in NAMES:
        assert key not in logged.lower()


def test_second_materialisation_keeps_earlier_matches(warehouse):
    instance = DagsterInstance.ephemeral()
    run(warehouse, instance)
    first = read(warehouse, "matching.agency_matches")
    raw, staging = _contacts([("oakfeild junior", "Schools", 3)], "contacts/b.csv")
    _append(warehouse, {"raw.contacts": raw, "staging.stg_mash__contacts": staging})
    result = run(warehouse, instance)
    second = read(warehouse, "matching.agency_matches")

    metadata = result.asset_materializations_for_node("matching__agency_matches")[0].metadata
    assert metadata["names_matched_this_run"].value == 1
    earlier = second[second.referrer_key.isin(first.referrer_key)].reset_index(drop=True)
    pd.testing.assert_frame_equal(earlier, first)
    oakfeild = referrer_key("oakfeild junior")
    assert second.set_index("referrer_key").loc[oakfeild, "school_urn"] == 100008


def test_referrer_text_stays_in_raw_and_the_review_queue(warehouse):
    run(warehouse, DagsterInstance.ephemeral())
    with duckdb.connect(warehouse, read_only=True) as connection:
        columns = connection.execute(
            "select table_schema, table_name, column_name from information_schema.columns "
            # reference.agency_match_overrides is the seed of names analysts decided on
            "where data_type = 'VARCHAR' and table_schema not in ('raw', 'reference') "
            "and not (table_schema = 'audit' and table_name = 'agency_match_review')"
        ).fetchall()
        assert ("matching", "agency_matches", "referrer_key") in columns
        # the organisation part of a name may stay (cleaned_name); the people never
        typed = [name for name, _, _ in NAMES] + list(PEOPLE)
        for schema, table, column in columns:
            for text in typed:
                [(hits,)] = connection.execute(
                    f'select count(*) from {schema}.{table} where contains(lower("{column}"), ?)',
                    [text],
                ).fetchall()
                allowed = text not in PEOPLE and column == "cleaned_name"
                assert hits == 0 or allowed, f"{text!r} is in {schema}.{table}.{column}"
        [(keyed,)] = connection.execute(
            "select count(*) from matching.contact_referrers"
        ).fetchall()
    assert keyed == sum(occurrences for _, _, occurrences in NAMES)
