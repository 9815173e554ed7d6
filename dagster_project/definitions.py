"""The Dagster code location ``mash``: every asset, check, resource, job, schedule and sensor.

Importing this module does nothing but define ``defs``; Dagster calls it to load the code
location. Loading discovers the modules of ``dagster_project/defs/`` (a new module there is
picked up as it is), reads the dbt manifest prepared by ``make`` (or by ``dg dev``) and
never touches the network, the warehouse or the data folder.
"""

from pathlib import Path

import dagster as dg


@dg.definitions
def defs() -> dg.Definitions:
    """The code location, its resources pointed at the data folder the environment names now."""
    from dagster_project.defs.assets.publish import build_published_asset, final_assets

    steps = dg.load_from_defs_folder(path_within_project=Path(__file__).parent)
    graph = steps.resolve_asset_graph()
    published = build_published_asset(
        graph.assets_defs, depends_on=final_assets(steps.resolve_all_asset_specs())
    )
    return dg.Definitions.merge(steps, dg.Definitions(assets=[published]))
