"""Each accepted encoding and format, header spellings and datetime formats load correctly."""

import json
from datetime import datetime

import yaml

from dagster_project.ingest import formats
from dagster_project.pseudonymise import pseudonymise

NON_ASCII_NAME = "Crèche Café – St Mary’s"  # every character exists in Windows-1252


def test_every_encoding_and_xlsx_loads_with_header_variants_and_date_formats(ingest_env, rows):
    ingest_env.drop_csv(
        "contacts/01_utf8.csv",
        rows.contacts(
            {"contact_id": "U1", "referrer_name": "Abbey School,\nDSL office"},
            dict.fromkeys(rows.contact, ""),
            {"contact_id": "U2", "child_id": " CHILD-U2 ", "contact_datetime": "1/9/2017 9:05"},
        ),
    )
    ingest_env.drop_csv(
        "contacts/02_bom.csv",
        rows.contacts(
            {"contact_id": "B1", "contact_datetime": "02/09/2017 11:15:30"},
            header=[
                "Contact ID",
                "CHILD_ID",
                "Contact-DateTime",
                "contact method",
                " ReferrerType ",
                "Referrer Name",
                "Contact  Outcome",
            ],
        ),
        bom=True,
    )
    ingest_env.drop_csv(
        "contacts/03_cp1252.csv",
        rows.contacts(
            {"contact_id": "W1", "referrer_name": NON_ASCII_NAME, "contact_datetime": "03/09/2017"}
        ),
        encoding="cp1252",
    )
    xlsx_rows = rows.contacts(
        {"contact_id": "X1", "child_id": 4455, "contact_datetime": datetime(2017, 9, 4, 9, 30)},
        dict.fromkeys(rows.contact),
        {"contact_id": "X2", "contact_datetime": "2017-09-05T14:45:00"},
        {"contact_id": "X3", "contact_datetime": "2017-09-06 08:00"},
    )
    for row, note in zip(xlsx_rows, ["Notes", "first", None, "second", "third"], strict=True):
        row.append(note)
    ingest_env.drop_xlsx("contacts/04_book.xlsx", xlsx_rows)
    ingest_env.keep_extra_columns("contacts", ["Notes"])

    result, _ = ingest_env.materialize()

    assert result.success
    statuses = ingest_env.query(
        "SELECT file_name, status, rows_loaded FROM audit.loaded_files ORDER BY file_name"
    )
    assert statuses == [
        ("contacts/01_utf8.csv", "loaded", 2),
        ("contacts/02_bom.csv", "loaded", 1),
        ("contacts/03_cp1252.csv", "loaded", 1),
        ("contacts/04_book.xlsx", "loaded", 3),
    ]
    loaded = {
        row[0]: row[1:]
        for row in ingest_env.query(
            "SELECT contact_id, contact_at, referrer_name, referrer_type, contact_outcome, "
            "source_row, extra_columns FROM raw.contacts"
        )
    }
    assert {key: value[0] for key, value in loaded.items()} == {
        "U1": datetime(2017, 9, 1, 10, 0),
        "U2": datetime(2017, 9, 1, 9, 5),
        "B1": datetime(2017, 9, 2, 11, 15, 30),
        "W1": datetime(2017, 9, 3),
        "X1": datetime(2017, 9, 4, 9, 30),
        "X2": datetime(2017, 9, 5, 14, 45),
        "X3": datetime(2017, 9, 6, 8, 0),
    }
    assert loaded["U1"][1] == "Abbey School,\nDSL office"
    assert loaded["W1"][1] == NON_ASCII_NAME
    assert loaded["B1"][2:4] == (rows.contact["referrer_type"], rows.contact["contact_outcome"])
    assert [loaded[key][4] for key in ("U1", "U2", "X1", "X2", "X3")] == [2, 4, 2, 4, 5]
    assert json.loads(loaded["X2"][5]) == {"Notes": "second"}
    assert json.loads(loaded["U1"][5]) == {}

    keys = dict(ingest_env.query("SELECT contact_id, child_key FROM raw.contacts"))
    assert keys["U2"] == pseudonymise("CHILD-U2")
    assert keys["X1"] == pseudonymise("4455")
    assert keys["U1"] == pseudonymise(rows.contact["child_id"])


def test_gias_register_and_links_files_share_the_schools_folder(ingest_env, rows):
    ingest_env.drop_csv(
        "schools/edubasealldata20180101.csv",
        rows.schools(
            {"URN": "125001", "OpenDate": "01-09-1990"},
            {"URN": "140001", "EstablishmentName": "Abbey Academy", "OpenDate": "01-04-2015"},
        ),
        encoding="cp1252",
    )
    ingest_env.drop_csv("schools/links_edubasealldata20180101.csv", rows.links({}))

    result, _ = ingest_env.materialize()

    assert result.success
    assert ingest_env.query(
        "SELECT urn, establishment_name, la_code, telephone_num, open_date FROM raw.schools "
        "ORDER BY urn"
    ) == [
        (
            125001,
            rows.school["EstablishmentName"],
            "812",
            "01926 410410",
            datetime(1990, 9, 1).date(),
        ),
        (140001, "Abbey Academy", "812", "01926 410410", datetime(2015, 4, 1).date()),
    ]
    assert ingest_env.query(
        "SELECT urn, link_urn, link_type, link_established_date, source_file FROM raw.school_links"
    ) == [
        (
            125001,
            140001,
            "Successor",
            datetime(2015, 4, 1).date(),
            "schools/links_edubasealldata20180101.csv",
        )
    ]


def test_a_council_declares_the_formats_its_telephone_system_writes(ingest_env, rows):
    aliases = yaml.safe_load(ingest_env.aliases_file.read_text())
    declared = ["%m/%d/%Y %I:%M %p"]
    aliases["calls"]["formats"] = {"call_start": declared, "talk_seconds": ["mm:ss"]}
    ingest_env.aliases_file.write_text(yaml.safe_dump(aliases))
    ingest_env.drop_csv(
        "calls/01_us_system.csv",
        rows.calls(
            {"call_id": "K1", "call_start": "09/01/2017 02:30 PM", "talk_seconds": "5:05"},
            {"call_id": "K2", "call_start": "01/09/2017 14:30", "talk_seconds": "75:00"},
            {"call_id": "K3", "call_start": "09/02/2017 09:00 AM", "talk_seconds": "300"},
        ),
    )

    result, _ = ingest_env.materialize()

    assert result.success
    assert ingest_env.query("SELECT call_id, call_start, talk_seconds FROM raw.calls") == [
        ("K1", datetime(2017, 9, 1, 14, 30), 305)
    ]
    assert ingest_env.query(
        "SELECT row_number, column_name, reason FROM audit.rejected_rows ORDER BY row_number"
    ) == [
        (3, "call_start", formats.unparseable_datetime(declared)),
        (4, "talk_seconds", formats.unparseable_duration(["mm:ss"])),
    ]
