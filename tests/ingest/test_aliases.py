"""Header matching against every alias of the default alias file, and a council's own."""

import pytest
import yaml

from dagster_project.ingest.contracts import CONTRACTS
from dagster_project.ingest.headers import DEFAULT_ALIASES, load_aliases, map_headers
from dagster_project.ingest.reading import FileRefused

CONFIGURED = yaml.safe_load(DEFAULT_ALIASES.read_text())
EVERY_ALIAS = [
    (kind, column, alias)
    for kind, section in CONFIGURED.items()
    for column, aliases in section["columns"].items()
    for alias in aliases
]


def _spellings(alias: str) -> list[str]:
    """The alias as written, and as other systems would write the same name."""
    return [alias, alias.upper(), alias.lower().replace(" ", "_"), f" {alias.replace(' ', '-')} "]


@pytest.mark.parametrize(("kind", "column", "alias"), EVERY_ALIAS)
def test_every_alias_matches_its_column(kind, column, alias):
    contract = CONTRACTS[kind]
    aliases = load_aliases()[kind]
    by_header = {c.header: c for c in contract.columns}
    for spelling in _spellings(alias):
        headers = [spelling if c.header == column else c.header for c in contract.columns]
        mapped = map_headers(headers, contract, aliases)
        assert mapped.positions[by_header[column].name] == headers.index(spelling)
        assert mapped.extras == ()


@pytest.mark.parametrize("kind", ["contacts", "calls"])
def test_each_required_column_has_at_least_five_aliases(kind):
    for column in CONTRACTS[kind].columns:
        if column.required:
            assert len(CONFIGURED[kind]["columns"][column.header]) >= 5, column.header


def test_a_council_adds_its_own_header_and_kept_column(tmp_path):
    configured = yaml.safe_load(DEFAULT_ALIASES.read_text())
    configured["contacts"]["columns"]["contact_datetime"].append("Dt Recvd")
    configured["contacts"]["keep"] = ["Locality Code"]
    path = tmp_path / "aliases.yml"
    path.write_text(yaml.safe_dump(configured))
    contract = CONTRACTS["contacts"]
    headers = [
        "DT RECVD" if c.header == "contact_datetime" else c.header
        for c in contract.columns
        if c.required
    ] + ["Locality code", "Notes"]
    mapped = map_headers(headers, contract, load_aliases(path)["contacts"])
    assert mapped.positions["contact_at"] == 2
    assert mapped.kept == ((6, "Locality code"),)
    assert mapped.extras == ((6, "Locality code"), (7, "Notes"))
    with pytest.raises(FileRefused, match="contact_datetime"):
        map_headers(headers, contract, load_aliases()["contacts"])


def test_one_header_for_two_columns_is_a_configuration_error(tmp_path):
    configured = yaml.safe_load(DEFAULT_ALIASES.read_text())
    configured["calls"]["columns"]["wait_seconds"].append("Talk Time")
    path = tmp_path / "aliases.yml"
    path.write_text(yaml.safe_dump(configured))
    with pytest.raises(ValueError, match="'Talk Time' is given for both"):
        load_aliases(path)


@pytest.mark.parametrize("order", ["contract name first", "alias first"])
def test_the_contract_name_outranks_an_alias_of_the_same_column(order):
    contract = CONTRACTS["contacts"]
    aliases = load_aliases()["contacts"]
    alias = CONFIGURED["contacts"]["columns"]["child_district"][0]
    headers = [c.header for c in contract.columns]
    headers = headers + [alias] if order == "contract name first" else [alias, *headers]

    mapped = map_headers(headers, contract, aliases)

    assert mapped.positions["child_district"] == headers.index("child_district")
    assert mapped.extras == ((headers.index(alias), alias),)


def test_two_aliases_of_one_column_are_refused():
    contract = CONTRACTS["contacts"]
    first, second = CONFIGURED["contacts"]["columns"]["child_district"][:2]
    headers = [c.header for c in contract.columns if c.name != "child_district"]
    with pytest.raises(FileRefused, match="both name child_district"):
        map_headers([*headers, first, second], contract, load_aliases()["contacts"])


def test_the_default_file_keeps_the_gias_town_the_matcher_reads():
    from dagster_project.ingest.headers import header_key

    assert header_key("Town") in load_aliases()["schools"].kept
