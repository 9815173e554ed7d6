"""Header matching against every alias of the default alias file, and a council's own."""

from pathlib import Path

import pytest
import yaml

from dagster_project.ingest.contracts import CALLS, CONTRACTS
from dagster_project.ingest.formats import DEFAULT_DATETIME_FORMATS, DEFAULT_DURATION_FORMS
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


def _aliases_file(tmp_path, kind: str, block: str, value) -> Path:
    configured = yaml.safe_load(DEFAULT_ALIASES.read_text())
    configured[kind][block] = value
    path = tmp_path / "aliases.yml"
    path.write_text(yaml.safe_dump(configured))
    return path


@pytest.mark.parametrize(
    ("block", "value", "message"),
    [
        ("formats", {"call_id": ["seconds"]}, "call_id is not a column .* `formats:` applies to"),
        ("formats", {"Call Start": ["%d/%m/%Y"]}, "Call Start is not a column"),
        ("formats", {"talk_seconds": ["h:mm"]}, "'h:mm' is not a duration form; the forms are"),
        ("formats", {"talk_seconds": []}, "formats / talk_seconds: give a list of one or more"),
        ("formats", {"call_start": ["%d/%m/%y %H:%M"]}, "with a four-digit year"),
        ("formats", {"call_start": ["%Y-%m-%d %Q"]}, "is not a strptime format DuckDB reads"),
        ("formats", ["call_start"], "`formats:` must list contract columns"),
        ("fallbacks", {"call_start": ["Call Date"]}, "'Call Date' already names call_start"),
        ("fallbacks", {"call_start": ["Talk Time"]}, "'Talk Time' already names talk_seconds"),
        ("fallbacks", {"start_time": ["Invite Time"]}, "start_time is not a column"),
        ("fallbacks", {"call_start": [{"seconds_from": "A", "to": "B"}]}, "is not a fallback"),
        ("fallbacks", {"wait_seconds": [{"seconds_from": "A"}]}, "is not a fallback"),
    ],
)
def test_a_format_or_fallback_that_cannot_be_used_is_a_configuration_error(
    tmp_path, block, value, message
):
    with pytest.raises(ValueError, match=message) as error:
        load_aliases(_aliases_file(tmp_path, "calls", block, value))
    assert str(error.value).startswith(f"{tmp_path / 'aliases.yml'}: under calls")


def test_declared_formats_replace_the_defaults_of_their_column_only(tmp_path):
    declared = {"talk_seconds": ["mm:ss", "seconds"], "call_start": "%m/%d/%Y %I:%M %p"}
    calls = load_aliases(_aliases_file(tmp_path, "calls", "formats", declared))["calls"]
    assert calls.formats["talk_seconds"] == ("mm:ss", "seconds")
    assert calls.formats["call_start"] == ("%m/%d/%Y %I:%M %p",)
    assert calls.formats["wait_seconds"] == DEFAULT_DURATION_FORMS
    assert calls.formats["record_updated_at"] == DEFAULT_DATETIME_FORMATS


def test_a_fallback_header_gives_a_required_column_where_its_own_is_absent():
    aliases = load_aliases()["calls"]
    mapped = map_headers(["Correlation ID", "Duration", "Invite Time"], CALLS, aliases)
    assert mapped.positions == {"call_id": 0, "talk_seconds": 1}
    assert mapped.fallbacks == {"call_start": ((2,),)}
    assert mapped.text_sql("call_start", lambda position: f"c{position}") == "coalesce(c2)"
    headers = ["Invite Time", "Correlation ID", "Start Time", "Failure Time"]
    mapped = map_headers(headers, CALLS, aliases)
    assert mapped.text_sql("call_start", lambda position: f"c{position}") == "coalesce(c2, c0)"
    assert mapped.fallbacks["wait_seconds"] == ((0, 2), (0, 3))
    assert mapped.extras == ((0, "Invite Time"), (3, "Failure Time"))
    assert mapped.read_positions() == [0, 1, 2, 3]


def test_a_suggestion_is_never_a_header_that_means_or_nearly_spells_another_column():
    contract = CONTRACTS["contacts"]
    headers = [c.header for c in contract.columns if c.required and c.name != "contact_id"]
    # Locality is an alias of child_district, outranked by child_district's own name.
    headers += ["child_district", "Locality", "Contact Identifer", "Referer Name"]
    with pytest.raises(FileRefused) as refusal:
        map_headers(headers, contract, load_aliases()["contacts"])
    reason = str(refusal.value)
    assert "closest headers in the file: 'Contact Identifer';" in reason
    assert "Locality" not in reason and "Referer Name" not in reason

    calls = ["Start Time", "Invite Time", "Callee Number", "Leg ID"]
    with pytest.raises(FileRefused) as refusal:
        map_headers(calls, CALLS, load_aliases()["calls"])
    reason = str(refusal.value)
    assert "Invite Time" not in reason and "Callee Number" not in reason
    assert "closest headers in the file: 'Leg ID';" in reason
