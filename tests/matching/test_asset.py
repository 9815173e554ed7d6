"""The matching asset materialised by Dagster against a real DuckDB file."""

import duckdb
import pandas as pd
import pytest
from dagster import AssetCheckSeverity, DagsterInstance, materialize
from dagster_duckdb import DuckDBResource

from dagster_project.defs.assets.matching import AGENCY_MATCHES, agency_matches

NAMES = [
    ("mrs j smith (dsl) - abbey c of e infant sch", "Schools", 12),
    ("kenilwoth school", "Schools", 30),
    ("st marys primary", "Schools", 4),
    ("pc 1234 jones - rugby snt", "Police", 9),
    ("a.n. other", "Legal services", 2),
]


@pytest.fixture
def warehouse(tmp_path, register, make_names) -> str:
    """A warehouse holding the tables dbt would have built for the matcher."""
    path = str(tmp_path / "warehouse.duckdb")
    names_df = make_names(*[(key, agency_type) for key, agency_type, _ in NAMES])
    names_df["occurrences"] = [occurrences for _, _, occurrences in NAMES]
    tables = {
        "intermediate.int_referrer_names": names_df,
        "staging.stg_gias__schools": register["schools_df"].assign(is_open=True, la_code="937"),
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
    by_key = matches.set_index("referrer_name_key")
    assert by_key.loc["mrs j smith (dsl) - abbey c of e infant sch", "agency_id"] == "SCH100001"
    assert by_key.loc["kenilwoth school", "school_urn"] == 100010
    assert by_key.loc["pc 1234 jones - rugby snt", "agency_id"] == "POL002"
    assert by_key.loc["a.n. other", "match_method"] == "override"
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
    with duckdb.connect(warehouse) as connection:
        connection.execute(
            "insert into intermediate.int_referrer_names values "
            "('oakfeild junior', 'Schools', 3, '2018-01-08', '2018-03-01')"
        )
    result = run(warehouse, instance)
    second = read(warehouse, "matching.agency_matches")

    metadata = result.asset_materializations_for_node("matching__agency_matches")[0].metadata
    assert metadata["names_matched_this_run"].value == 1
    earlier = second[second.referrer_name_key.isin(first.referrer_name_key)].reset_index(drop=True)
    pd.testing.assert_frame_equal(earlier, first)
    assert second.set_index("referrer_name_key").loc["oakfeild junior", "school_urn"] == 100008
