"""Bad files are quarantined whole and bad rows rejected, each with file, row, column and
what to do; the good rows and files still load and the run succeeds, with warnings."""

import pytest

from dagster_project import settings
from dagster_project.ingest import scanning, validation

PNG_BYTES = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01"

QUARANTINED = {
    "contacts/03_missing_column.csv": "contact_outcome not found in the header row",
    "contacts/04_empty.csv": "the file is empty",
    "contacts/05_binary.csv": "binary data",
    "contacts/06_truncated.xlsx": "truncated or damaged",
    "contacts/07_scan.pdf": "not a CSV or XLSX file",
}

REJECTED = {
    ("contacts/02_bad_rows.csv", 3, "contact_outcome", validation.MISSING),
    ("contacts/02_bad_rows.csv", 4, "contact_datetime", validation.UNPARSEABLE_DATETIME),
    ("contacts/02_bad_rows.csv", 5, "contact_datetime", validation.FUTURE_DATETIME),
    ("contacts/02_bad_rows.csv", 6, "child_id", validation.MISSING),
    ("contacts/02_bad_rows.csv", 7, "contact_datetime", validation.UNPARSEABLE_DATETIME),
    ("contacts/08_unclosed_quote.csv", 2, validation.WHOLE_ROW, scanning.UNCLOSED_QUOTE),
    ("calls/01_calls.csv", 3, "wait_seconds", validation.NEGATIVE_SECONDS),
    ("calls/01_calls.csv", 4, "talk_seconds", validation.UNPARSEABLE_DURATION),
    ("calls/01_calls.csv", 5, "call_start", validation.UNPARSEABLE_DATETIME),
    ("calls/01_calls.csv", 5, "talk_seconds", validation.NEGATIVE_SECONDS),
    ("calls/02_ragged.csv", 3, validation.WHOLE_ROW, scanning.TOO_MANY_VALUES),
    ("schools/01_edubase.csv", 3, "URN", validation.NOT_WHOLE_NUMBER),
    ("schools/01_edubase.csv", 4, "OpenDate", validation.UNPARSEABLE_GIAS_DATE),
    ("schools/02_links.csv", 3, "LinkURN", validation.MISSING),
}


@pytest.fixture(scope="module")
def bad_landing(module_env, rows):
    env = module_env
    env.drop_csv("contacts/01_good.csv", rows.contacts({"contact_id": "C1"}, {"contact_id": "C2"}))
    env.drop_csv(
        "contacts/02_bad_rows.csv",
        rows.contacts(
            {"contact_id": "C10"},
            {"contact_id": "C11", "contact_outcome": "  "},
            {"contact_id": "C12", "contact_datetime": "31/02/2017 10:00"},
            {"contact_id": "C13", "contact_datetime": "01/01/2999 10:00"},
            {"contact_id": "C14", "child_id": ""},
            {"contact_id": "C15", "contact_datetime": "01/09/17"},
        ),
    )
    missing_outcome = [row[:-1] for row in rows.contacts({"contact_id": "C20"})]
    env.drop_csv("contacts/03_missing_column.csv", missing_outcome)
    env.drop("contacts/04_empty.csv", b"")
    env.drop("contacts/05_binary.csv", PNG_BYTES)
    env.drop_xlsx("contacts/06_truncated.xlsx", rows.contacts({"contact_id": "C30"}))
    xlsx = env.landing / "contacts/06_truncated.xlsx"
    xlsx.write_bytes(xlsx.read_bytes()[:300])
    env.drop("contacts/07_scan.pdf", b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    env.drop_csv("contacts/09_header_only.csv", rows.contacts())
    unclosed = rows.contacts({"contact_id": "C40", "child_id": '"CHILD-40'}, {"contact_id": "C41"})
    env.drop(
        "contacts/08_unclosed_quote.csv",
        "\n".join(",".join(row) for row in unclosed).encode(),
    )
    env.drop_csv(
        "calls/01_calls.csv",
        rows.calls(
            {"call_id": "K1"},
            {"call_id": "K2", "wait_seconds": "-5"},
            {"call_id": "K3", "talk_seconds": "12.5"},
            {"call_id": "K4", "call_start": "yesterday", "talk_seconds": "-1"},
        ),
    )
    ragged = rows.calls({"call_id": "K9"}, {"call_id": "K10"})
    ragged[2].append("surplus")
    env.drop_csv("calls/02_ragged.csv", ragged)
    env.drop_csv(
        "schools/01_edubase.csv",
        rows.schools(
            {"URN": "125001"},
            {"URN": "12A4"},
            {"URN": "125003", "OpenDate": "1 September 1990"},
        ),
    )
    env.drop_csv("schools/02_links.csv", rows.links({}, {"LinkURN": ""}))
    result, messages = env.materialize()
    return env, result, messages


def test_the_run_succeeds_despite_bad_input(bad_landing):
    _, result, _ = bad_landing
    assert result.success


def test_bad_files_are_moved_to_quarantine_with_their_reason(bad_landing):
    env, _, _ = bad_landing
    recorded = {
        name: (kind, reason, path)
        for name, kind, reason, path in env.query(
            "SELECT file_name, kind, reason, quarantine_path FROM audit.quarantined_files"
        )
    }
    assert set(recorded) == set(QUARANTINED)
    for name, expected in QUARANTINED.items():
        kind, reason, path = recorded[name]
        assert expected in reason
        assert "again" in reason, "a refusal says what to do"
        assert kind == name.split("/")[0]
        assert path == str(settings.quarantine_dir() / name)
        assert not (env.landing / name).exists()
        reason_file = settings.quarantine_dir() / f"{name}.reason.txt"
        assert name in reason_file.read_text() and reason in reason_file.read_text()
    statuses = dict(env.query("SELECT file_name, status FROM audit.loaded_files"))
    assert {name for name, status in statuses.items() if status == "quarantined"} == set(
        QUARANTINED
    )


def test_bad_rows_are_rejected_with_file_row_column_and_reason(bad_landing):
    env, _, _ = bad_landing
    rejected = env.query(
        "SELECT file_name, row_number, column_name, reason, value, kind FROM audit.rejected_rows"
    )
    # A row DuckDB cannot parse is rejected with its reason and DuckDB's counts.
    assert {
        row[:3] + ((row[3].split(" (")[0],) if row[2] == validation.WHOLE_ROW else (row[3],))
        for row in rejected
    } == REJECTED
    [ragged] = [row[3] for row in rejected if row[0] == "calls/02_ragged.csv"]
    assert "Expected Number of Columns: 6 Found: 7" in ragged and "again" in ragged
    values = {(row[0], row[1], row[2]): row[4] for row in rejected}
    assert values[("contacts/02_bad_rows.csv", 5, "contact_datetime")] == "01/01/2999 10:00"
    assert values[("calls/01_calls.csv", 3, "wait_seconds")] == "-5"
    assert values[("contacts/02_bad_rows.csv", 6, "child_id")] is None
    assert {row[5] for row in rejected if row[0].startswith("schools/02")} == {"school_links"}


def test_good_rows_and_files_load_beside_the_bad(bad_landing):
    env, _, _ = bad_landing
    assert env.query("SELECT contact_id FROM raw.contacts ORDER BY contact_id") == [
        ("C1",),
        ("C10",),
        ("C2",),
        ("C41",),
    ]
    assert env.query("SELECT call_id FROM raw.calls ORDER BY call_id") == [("K1",), ("K9",)]
    assert env.query("SELECT urn FROM raw.schools") == [(125001,)]
    assert env.query("SELECT urn, link_urn FROM raw.school_links") == [(125001, 140001)]
    assert env.query(
        "SELECT file_name, rows_read, rows_loaded, rows_rejected FROM audit.loaded_files "
        "WHERE status = 'loaded' AND kind = 'contacts' ORDER BY file_name"
    ) == [
        ("contacts/01_good.csv", 2, 2, 0),
        ("contacts/02_bad_rows.csv", 6, 1, 5),
        ("contacts/08_unclosed_quote.csv", 2, 1, 1),
        ("contacts/09_header_only.csv", 0, 0, 0),
    ]


def test_checks_warn_with_counts_and_examples(bad_landing):
    env, result, _ = bad_landing
    evaluations = env.check_evaluations(result)
    expected_counts = {
        "raw/contacts": (5, 6),
        "raw/calls": (0, 4),
        "raw/schools": (0, 2),
        "raw/school_links": (0, 1),
    }
    for key, (files_quarantined, rows_rejected) in expected_counts.items():
        evaluation = evaluations[key]
        assert evaluation.check_name == "all_input_accepted"
        assert not evaluation.passed
        assert evaluation.severity.value == "WARN"
        assert evaluation.metadata["files_quarantined"].value == files_quarantined
        assert evaluation.metadata["rows_rejected"].value == rows_rejected
    examples = evaluations["raw/contacts"].metadata["rejected_row_examples"].value
    assert examples[0] == (
        f"contacts/02_bad_rows.csv row 3 column contact_outcome: {validation.MISSING}"
    )
    quarantined = evaluations["raw/contacts"].metadata["quarantined_files"].value
    assert quarantined[0].startswith("contacts/03_missing_column.csv: ")
    assert QUARANTINED["contacts/03_missing_column.csv"] in quarantined[0]


def test_logs_name_every_refused_file_and_rejected_row(bad_landing):
    _, _, messages = bad_landing
    warnings = "\n".join(messages)
    for name in QUARANTINED:
        assert f"{name}: refused whole" in warnings
    for name, row, column, _ in REJECTED:
        assert f"{name} row {row} column {column}" in warnings


def test_materialisation_metadata_counts_files_and_rows(bad_landing):
    env, result, _ = bad_landing
    metadata = env.metadata(result)
    assert metadata["raw/contacts"] == {
        "files_loaded": 4,
        "files_skipped": 0,
        "files_quarantined": 5,
        "rows_loaded": 4,
        "rows_rejected": 6,
        "dagster/row_count": 4,
    }
    assert metadata["raw/calls"]["files_quarantined"] == 0
    assert metadata["raw/calls"]["rows_rejected"] == 4
