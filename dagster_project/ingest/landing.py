"""Ingesting a landing folder: every new file loaded, skipped, or quarantined, in name order.

A file whose bytes (sha256) were loaded before is skipped. The first time a file with such
bytes appears under a new name, a 'skipped' row records it; after that it is passed over
silently, so a rerun over the same landing folder leaves the warehouse unchanged.
"""

import hashlib
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import duckdb

from dagster_project import settings
from dagster_project.ingest.audit import earlier_loads, record_file
from dagster_project.ingest.contracts import CALLS, CONTACTS, SCHOOL_LINKS, SCHOOLS, Contract
from dagster_project.ingest.headers import header_key
from dagster_project.ingest.loading import FileLoad, load_file
from dagster_project.ingest.quarantine import quarantine_file
from dagster_project.ingest.reading import readable_csv
from dagster_project.ingest.refusals import FileRefused
from dagster_project.ingest.registered_numbers import AGENCIES_SEED, create_registered_numbers
from dagster_project.ingest.sql_functions import register_sql_functions
from dagster_project.ingest.raw_tables import ensure_tables

UK_TIME = ZoneInfo("Europe/London")

#: How many refusals of each kind a report keeps as examples (all are in the audit tables).
EXAMPLES_KEPT = 10

ContractChooser = Callable[[Sequence[str]], Contract]


@dataclass
class KindReport:
    """What one run did with the files of one kind."""

    kind: str
    files_loaded: int = 0
    files_skipped: int = 0
    files_quarantined: int = 0
    rows_loaded: int = 0
    rows_rejected: int = 0
    table_row_count: int = 0
    #: "file: reason" of quarantined files, then "file row N column C: reason" of rejected rows
    quarantine_examples: list[str] = field(default_factory=list)
    rejection_examples: list[str] = field(default_factory=list)

    @property
    def all_accepted(self) -> bool:
        return self.files_quarantined == 0 and self.rows_rejected == 0


def ingest_contacts(conn: duckdb.DuckDBPyConnection, log: logging.Logger) -> KindReport:
    _prepare(conn)
    return _ingest_folder(conn, "contacts", (CONTACTS,), lambda header: CONTACTS, log)["contacts"]


def ingest_calls(
    conn: duckdb.DuckDBPyConnection, log: logging.Logger, agencies_csv: Path = AGENCIES_SEED
) -> KindReport:
    """Calls from a number in raw.schools or the agencies CSV keep it as caller_number."""
    _prepare(conn)
    create_registered_numbers(conn, agencies_csv)
    return _ingest_folder(conn, "calls", (CALLS,), lambda header: CALLS, log)["calls"]


def ingest_schools(conn: duckdb.DuckDBPyConnection, log: logging.Logger) -> dict[str, KindReport]:
    """The GIAS register and links files, which share the schools folder."""
    _prepare(conn)
    return _ingest_folder(conn, "schools", (SCHOOLS, SCHOOL_LINKS), _schools_or_links, log)


def _schools_or_links(header: Sequence[str]) -> Contract:
    link_urn = header_key("LinkURN")
    return SCHOOL_LINKS if any(header_key(name) == link_urn for name in header) else SCHOOLS


def _prepare(conn: duckdb.DuckDBPyConnection) -> None:
    ensure_tables(conn)
    register_sql_functions(conn)


def _uk_now() -> datetime:
    return datetime.now(UK_TIME).replace(tzinfo=None)


def _ingest_folder(
    conn: duckdb.DuckDBPyConnection,
    folder: str,
    contracts: tuple[Contract, ...],
    choose_contract: ContractChooser,
    log: logging.Logger,
) -> dict[str, KindReport]:
    """Reports by kind; a file refused before its kind is known counts under the first."""
    landing = settings.landing_dir()
    reports = {contract.kind: KindReport(contract.kind) for contract in contracts}
    folder_path = landing / folder
    paths = sorted(folder_path.iterdir()) if folder_path.is_dir() else []
    for path in paths:
        if path.is_file() and not path.name.startswith("."):
            file_name = path.relative_to(landing).as_posix()
            _ingest_file(conn, path, file_name, choose_contract, reports, log)
    for report in reports.values():
        [(report.table_row_count,)] = conn.execute(
            f"SELECT count(*) FROM raw.{report.kind}"
        ).fetchall()
    return reports


def _ingest_file(
    conn: duckdb.DuckDBPyConnection,
    path: Path,
    file_name: str,
    choose_contract: ContractChooser,
    reports: dict[str, KindReport],
    log: logging.Logger,
) -> None:
    content = path.read_bytes()
    sha256 = hashlib.sha256(content).hexdigest()
    at = _uk_now()
    earlier = earlier_loads(conn, sha256, list(reports))
    seen = [e for e in earlier if e.file_name == file_name and e.status in ("loaded", "skipped")]
    if seen:
        reports[seen[0].kind].files_skipped += 1
        return
    loaded_before = [e for e in earlier if e.status == "loaded"]
    if loaded_before:
        first = loaded_before[0]
        record_file(
            conn,
            file_name=file_name,
            kind=first.kind,
            sha256=sha256,
            status="skipped",
            message=f"same bytes as {first.file_name}, loaded before; nothing to load",
            at=at,
        )
        reports[first.kind].files_skipped += 1
        log.info(f"{file_name}: skipped, same bytes as {first.file_name} loaded before")
        return

    kind = next(iter(reports))
    try:
        with readable_csv(path, content) as readable:
            contract = choose_contract(readable.header)
            kind = contract.kind
            load = load_file(conn, readable, contract, file_name=file_name, sha256=sha256, at=at)
    except FileRefused as refusal:
        reason = str(refusal)
        target = quarantine_file(
            conn, source=path, file_name=file_name, kind=kind, sha256=sha256, reason=reason, at=at
        )
        report = reports[kind]
        report.files_quarantined += 1
        if len(report.quarantine_examples) < EXAMPLES_KEPT:
            report.quarantine_examples.append(f"{file_name}: {reason}")
        log.warning(f"{file_name}: refused whole and moved to {target}: {reason}")
        return
    _count_load(reports[kind], file_name, load, log)


def _count_load(report: KindReport, file_name: str, load: FileLoad, log: logging.Logger) -> None:
    report.files_loaded += 1
    report.rows_loaded += load.rows_loaded
    report.rows_rejected += load.rows_rejected
    located = [
        f"{file_name} row {r.row_number} column {r.column_name}: {r.reason}" for r in load.examples
    ]
    report.rejection_examples += located[: EXAMPLES_KEPT - len(report.rejection_examples)]
    log.info(f"{file_name}: loaded {load.rows_loaded} of {load.rows_read} rows")
    if load.rows_rejected:
        log.warning(
            f"{file_name}: {load.rows_rejected} row(s) rejected, all listed in "
            f"audit.rejected_rows; first: {'; '.join(located)}"
        )
