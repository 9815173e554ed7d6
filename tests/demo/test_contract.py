"""The landing files speak the extract contract (docs/extract-contract.md), with the mess
real exports have, and the ground truth agrees with them."""

import re

import pandas as pd
import pytest


def landing_files(generated, kind: str) -> list:
    return sorted((generated["landing"] / kind).iterdir())


@pytest.mark.parametrize("kind", ["contacts", "calls"])
def test_every_file_has_the_required_columns(generated, reader, kind):
    required = reader.contact_required if kind == "contacts" else reader.call_required
    for path in landing_files(generated, kind):
        columns = set(reader.read_table(path).columns)
        missing = {reader.header_key(c) for c in required} - columns
        assert not missing, f"{path.name} lacks {missing}"


def test_one_file_per_month_named_in_month_order(generated):
    months = generated["summary"]["months"]
    for kind in ("contacts", "calls"):
        names = [p.name for p in landing_files(generated, kind)]
        assert len(names) == len(months) == 24
        assert [re.search(r"\d{4}-\d{2}", n).group() for n in names] == months


def test_exactly_one_windows_1252_file_with_non_ascii_text(generated, reader):
    encodings = {}
    for kind in ("contacts", "calls"):
        for path in landing_files(generated, kind):
            if path.suffix == ".csv":
                encodings[path.name] = reader.decode(path.read_bytes())
    windows = [name for name, (_, encoding) in encodings.items() if encoding == "cp1252"]
    assert len(windows) == 1
    text = encodings[windows[0]][0]
    assert any(ord(ch) > 127 for ch in text)


def test_exactly_one_xlsx_file(generated):
    xlsx = [
        p for k in ("contacts", "calls") for p in landing_files(generated, k) if p.suffix == ".xlsx"
    ]
    assert len(xlsx) == 1


def test_both_date_formats_and_header_variants_appear(generated, reader):
    formats, headers = set(), set()
    for path in landing_files(generated, "contacts"):
        if path.suffix != ".csv":
            continue
        text, _ = reader.decode(path.read_bytes())
        header, first = text.splitlines()[:2]
        headers.add(header.split(",")[0])
        if re.search(r"\b\d{2}/\d{2}/\d{4} \d{2}:\d{2}", first):
            formats.add("uk")
        if re.search(r"\b\d{4}-\d{2}-\d{2}T\d{2}:\d{2}", first):
            formats.add("iso")
    assert formats == {"uk", "iso"}
    assert {"Contact ID", "contact_id"} <= headers


OPTIONAL_CONTACT_COLUMNS = (
    "referrer_name",
    "referrer_address",
    "child_ethnicity",
    "child_language",
    "child_disability",
    "child_district",
    "responsible_team",
    "is_referral",
    "record_updated_at",
    "call_reference",
)


def test_an_unknown_extra_column_appears(generated, reader):
    known = {reader.header_key(c) for c in (*reader.contact_required, *OPTIONAL_CONTACT_COLUMNS)}
    extra = set()
    for path in landing_files(generated, "contacts"):
        extra |= set(reader.read_table(path).columns) - known - {"_row", "_file"}
    assert extra


def test_every_recorded_value_maps_through_the_seeds(contacts):
    assert contacts["cin_code"].notna().all(), contacts.loc[
        contacts["cin_code"].isna(), "referrertype"
    ].unique()
    assert contacts["channel"].notna().all(), contacts.loc[
        contacts["channel"].isna(), "contactmethod"
    ].unique()
    assert contacts["outcome_mapped"].all()


def test_referrer_types_mix_codes_and_words(contacts):
    types = contacts["referrertype"]
    assert types.str.fullmatch(r"\d+[A-F]?").any()
    assert types.str.match(r"\d+[A-F]? - ").any()
    assert types.str.fullmatch(r"[A-Za-z][A-Za-z &/'-]*").any()
    assert (types.str.lower() == types).any() or (types.str.upper() == types).any()


def test_referrer_names_are_messy(contacts):
    names = contacts.loc[contacts["agency_type"] == "Schools", "referrername"]
    assert names.str.contains(r"\bDSL\b").any()
    assert names.str.contains(r"\b(?:Mrs|Mr|Ms|Miss|Dr) [A-Z] [A-Z][a-z]+").any()
    assert names.str.contains(r"\b(?:CE|Prim|Sch|Acad)\b").any()
    assert (names.str.lower() == names).sum() > 10
    police = contacts.loc[contacts["agency_type"] == "Police", "referrername"]
    assert police.str.fullmatch(r"PC \d{4} [A-Z][a-z]+").any()


def test_later_files_update_earlier_contacts(generated, reader):
    frames = [reader.read_table(p) for p in landing_files(generated, "contacts")]
    rows = pd.concat(frames, ignore_index=True)
    repeated = rows.groupby("contactid")["contactoutcome"].nunique()
    assert (repeated > 1).sum() > 100
    files = rows.groupby("contactid")["_file"].nunique()
    assert (files > 1).sum() > 500


def test_bad_rows_are_few_and_where_the_truth_says(
    generated, reader, contacts_and_rejected, calls_and_rejected
):
    rejected_contacts, rejected_calls = contacts_and_rejected[1], calls_and_rejected[1]
    found = {
        tuple(r) for r in pd.concat([rejected_contacts, rejected_calls]).itertuples(index=False)
    }
    truth = reader.read_truth(generated["truth"], "rejected_rows_truth.csv")
    expected = {(f, int(r)) for f, r in zip(truth["file"], truth["row"], strict=True)}
    assert found == expected
    assert 5 <= len(expected) <= 12
    assert {"missing required value", "unparseable date", "negative duration"} == set(
        truth["reason"]
    )


def test_truth_agrees_with_the_latest_version_of_every_contact(generated, contacts):
    truth = pd.read_csv(generated["truth"] / "contacts_truth.csv", dtype=str, keep_default_na=False)
    merged = contacts.merge(
        truth, left_on="contactid", right_on="contact_id", how="outer", indicator=True
    )
    assert (merged["_merge"] == "both").all()
    assert (merged["is_referral_x"].astype(bool) == (merged["is_referral_y"] == "True")).all()
    assert (merged["channel_x"] == merged["channel_y"]).all()
    assert (merged["agency_type_x"] == merged["agency_type_y"]).all()
    assert (merged["childdistrict"] == merged["child_district"]).all()


def test_truth_names_schools_by_current_urn(generated, reader):
    truth = reader.read_truth(generated["truth"], "contacts_truth.csv")
    schools = truth[truth["agency_type"] == "Schools"]
    assert (schools["agency_id"] == "SCH" + schools["school_urn"]).all()
    converted = schools[schools["school_urn_at_contact"] != schools["school_urn"]]
    assert len(converted) > 20
    links = pd.read_csv(next((generated["landing"] / "schools").glob("links*.csv")), dtype=str)
    successors = links[links["LinkType"] == "Successor"]
    assert set(converted["school_urn_at_contact"]) <= set(successors["URN"])


def test_people_in_referrer_names_come_from_synthetic_lists(contacts):
    from mash_demo import people

    titled = (
        contacts["referrername"]
        .str.extract(r"\b(?:Mrs|Mr|Ms|Miss) [A-Z] ([A-Z][a-z]+)\b")[0]
        .dropna()
    )
    assert set(titled) <= set(people.SURNAMES)
