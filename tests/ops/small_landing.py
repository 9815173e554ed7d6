"""A landing folder of one school, two contacts and one call: the smallest night that runs
every step, for the tests of what a command-line run leaves behind."""

import csv
import os
from pathlib import Path

from dagster_project.council import load_profile

#: The configured council, whose school it is.
HOME = load_profile().home
CALLS_HEADER = ["call_id", "call_start", "caller_number", "ivr_option", "wait_seconds"]
CONTACTS_HEADER = [
    "contact_id",
    "child_id",
    "contact_datetime",
    "contact_method",
    "referrer_type",
    "referrer_name",
    "contact_outcome",
]
CONTACTS = [
    ["C0001", "CHILD-1", "02/09/2019 10:00", "Phone", "2A - Schools", "Abbey Infant", "NFA"],
    ["C0002", "CHILD-2", "03/09/2019 11:00", "Email", "2A - Schools", "Abbey Infant", "NFA"],
]


def landing_files(extra_contacts: tuple[list[str], ...] = ()) -> dict[str, list[list[str]]]:
    """File name (under the landing folder) -> CSV rows, header first."""
    return {
        "schools/edubasealldata20190901.csv": [
            ["URN", "EstablishmentName", "LA (code)", "LA (name)", "TelephoneNum", "OpenDate"],
            [
                "125001",
                "Abbey C of E Infant School",
                HOME.la_code,
                HOME.la_name,
                "01926 410410",
                "",
            ],
        ],
        "contacts/contacts_2019.csv": [CONTACTS_HEADER, *CONTACTS, *extra_contacts],
        "calls/calls_2019.csv": [
            [
                "call_id",
                "call_start",
                "caller_number",
                "ivr_option",
                "wait_seconds",
                "talk_seconds",
            ],
            ["K0001", "02/09/2019 09:00", "01926 410410", "1", "30", "300"],
        ],
    }


def write_landing(
    landing: Path, files: dict[str, list[list[str]]], modified_at: float | None = None
) -> None:
    """Write ``files`` under ``landing``, each last modified at ``modified_at`` if given."""
    for name, rows in files.items():
        path = landing / name
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("w", newline="") as handle:
            csv.writer(handle).writerows(rows)
        if modified_at is not None:
            os.utime(path, (modified_at, modified_at))
