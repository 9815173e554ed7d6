"""Who the UI lists as owner of each asset: the team that runs the platform, by default."""

from collections.abc import Sequence

from dagster import AssetsDefinition, AssetSpec, map_asset_specs

PLATFORM_OWNERS = ["team:mash-data"]


def _default_owners(spec: AssetSpec) -> AssetSpec:
    return spec if spec.owners else spec.replace_attributes(owners=PLATFORM_OWNERS)


def with_default_owners(assets: Sequence) -> list:
    """The assets, each spec without owners given ``PLATFORM_OWNERS``; others unchanged."""
    return [
        map_asset_specs(_default_owners, [item])[0]
        if isinstance(item, AssetsDefinition | AssetSpec)
        else item
        for item in assets
    ]
