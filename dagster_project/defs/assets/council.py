"""The council profile's tables: the council, its neighbours, districts, agency register and
local referrer types, from ``settings.council_profile_path()`` into the ``council`` schema,
which dbt reads as its source ``council`` (docs/raw-layer.md)."""

from contextlib import closing

import dagster as dg
from dagster_duckdb import DuckDBResource

from dagster_project.defs.assets.ingestion import RAW_ASSET
from dagster_project.defs.resources import DUCKDB_WRITER_POOL

#: Table name -> what it holds; each is the asset ``council/<name>``.
COUNCIL_TABLES = {
    "local_authorities": "The council (is_home) and the neighbours whose schools are kept.",
    "districts": "The districts (a unitary: the authority itself) and populations aged 0-17.",
    "agencies": "The register of non-school agencies (the profile's agency_register file).",
    "referrer_type_aliases": "Referrer types in the council's own words, and their CIN codes.",
}


@dg.multi_asset(
    name="council_profile",
    specs=[
        dg.AssetSpec(dg.AssetKey(["council", name]), description=description, **RAW_ASSET)
        for name, description in COUNCIL_TABLES.items()
    ],
    pool=DUCKDB_WRITER_POOL,
)
def council_profile(context: dg.AssetExecutionContext, duckdb: DuckDBResource):
    """Read and check the profile (a bad one fails here, naming the file and key), then
    replace the ``council`` tables with it in one transaction."""
    from dagster_project.council import load_profile
    from dagster_project.council_tables import write_council_tables

    profile = load_profile()
    context.log.info(f"Council profile {profile.path}: {profile.home.la_name}")
    with duckdb.get_connection() as conn, closing(conn):
        counts = write_council_tables(conn, profile)
    for table, rows in counts.items():
        name = table.split(".")[1]
        yield dg.MaterializeResult(
            asset_key=dg.AssetKey(["council", name]),
            metadata={"dagster/row_count": rows, "profile_file": str(profile.path)},
        )
