"""Ingesting a landing folder: every new file loaded, skipped, or quarantined, in name order.

``_ingest_file`` is the whole path of one file, each step in one place: read
(``reading``), check the header (``headers``), parse the rows and pseudonymise the personal
columns as they are read (``scanning``, ``pseudonyms``), validate (``validation``), then load
the good rows and record the audit in one transaction (``raw_tables``, ``audit``).

A file whose bytes (sha256) were loaded before is skipped. The first time a file with such
bytes appears under a new name, a 'skipped' row records it; after that it is passed over
silently, so a rerun over the same landing folder leaves the warehouse unchanged. Bytes of a
withdrawn version (``mash withdraw``) are not "loaded before": dropped again, they load.
Each loaded version gets the next load id (``load_ids``).
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
from dagster_project.council import load_profile
from dagster_project.ingest.audit import (
    earlier_loads,
    quarantine_file,
    record_file,
    record_rejections,
    restore_quarantine_audit,
)
from dagster_project.ingest.contracts import CALLS, CONTACTS, SCHOOL_LINKS, SCHOOLS, Contract
from dagster_project.ingest.headers import KindAliases, header_key, load_aliases, map_headers
from dagster_project.ingest.load_ids import next_load_id
from dagster_project.ingest.pseudonyms import (
    create_registered_numbers,
    key_pads,
    pseudonymised_columns,
)
from dagster_project.ingest.raw_tables import ensure_tables, insert_checked_rows
from dagster_project.ingest.reading import FileRefused, readable_csv
from dagster_project.ingest.resend import resend_modes
from dagster_project.ingest.scanning import stage_file
from dagster_project.ingest.validation import (
    Limits,
    check_staged,
    load_limits,
    register_sql_functions,
)
from dagster_project.pseudonymise import check_key_binding
from dagster_project.warehouse import transaction

UK_TIME = ZoneInfo("Europe/London")

#: How many refusals of each kind a report keeps as examples (all are in the audit tables).
EXAMPLES_KEPT = 10
#: How many rejections of a file are reported back for logs and checks (all are audited).
EXAMPLES_PER_FILE = 5

#: Name starts of files that are not exports: copies in progress, Excel's lock files.
_NOT_EXPORTS = (".", "~$")

ContractChooser = Callable[[Sequence[str]], Contract]


@dataclass
class KindReport:
    """What one run did with the files of one kind."""

    kind: str
    files_loaded: int = 0
    files_skipped: int = 0
    files_quarantined: int = 0
    #: "file: reason" of the first quarantined files
    quarantine_examples: list[str] = field(default_factory=list)
    rows_loaded: int = 0
    rows_rejected: int = 0
    #: "file row N column C: reason" of the first rejected rows
    rejection_examples: list[str] = field(default_factory=list)
    table_row_count: int = 0

    @property
    def all_accepted(self) -> bool:
        return self.files_quarantined == 0 and self.rows_rejected == 0


@dataclass(frozen=True)
class _Run:
    """What every file of one run is read with."""

    conn: duckdb.DuckDBPyConnection
    aliases: dict[str, KindAliases]
    limits: Limits
    key_pads: dict[str, bytes]
    log: logging.Logger
    #: kind -> 'snapshot' or 'increment' (contacts and calls)
    resend_modes: dict[str, str]


def ingest_contacts(conn: duckdb.DuckDBPyConnection, log: logging.Logger) -> KindReport:
    run = _prepare(conn, log)
    return _ingest_folder(run, "contacts", (CONTACTS,), lambda header: CONTACTS)["contacts"]


def ingest_calls(
    conn: duckdb.DuckDBPyConnection, log: logging.Logger, agencies_csv: Path | None = None
) -> KindReport:
    """Calls from a number in raw.schools or the agency register (by default the council
    profile's) keep it as caller_number."""
    run = _prepare(conn, log)
    create_registered_numbers(conn, agencies_csv or load_profile().agency_register)
    return _ingest_folder(run, "calls", (CALLS,), lambda header: CALLS)["calls"]


def ingest_schools(conn: duckdb.DuckDBPyConnection, log: logging.Logger) -> dict[str, KindReport]:
    """The GIAS register and links files, which share the schools folder."""
    run = _prepare(conn, log)
    return _ingest_folder(run, "schools", (SCHOOLS, SCHOOL_LINKS), _schools_or_links)


def _schools_or_links(header: Sequence[str]) -> Contract:
    link_urn = header_key("LinkURN")
    return SCHOOL_LINKS if any(header_key(name) == link_urn for name in header) else SCHOOLS


def _prepare(conn: duckdb.DuckDBPyConnection, log: logging.Logger) -> _Run:
    ensure_tables(conn)
    key = check_key_binding(conn)
    restore_quarantine_audit(conn, settings.quarantine_dir(), log)
    register_sql_functions(conn)
    return _Run(conn, load_aliases(), load_limits(), key_pads(key), log, resend_modes())


def _uk_now() -> datetime:
    return datetime.now(UK_TIME).replace(tzinfo=None)


def _ingest_folder(
    run: _Run, folder: str, contracts: tuple[Contract, ...], choose_contract: ContractChooser
) -> dict[str, KindReport]:
    """Reports by kind; a file refused before its kind is known counts under the first."""
    landing = settings.landing_dir()
    reports = {contract.kind: KindReport(contract.kind) for contract in contracts}
    folder_path = landing / folder
    paths = sorted(folder_path.iterdir()) if folder_path.is_dir() else []
    for path in paths:
        if path.is_file() and not path.name.startswith(_NOT_EXPORTS):
            file_name = path.relative_to(landing).as_posix()
            _ingest_file(run, path, file_name, contracts, choose_contract, reports)
    for report in reports.values():
        [(report.table_row_count,)] = run.conn.execute(
            f"SELECT count(*) FROM raw.{report.kind}"
        ).fetchall()
    return reports


def _ingest_file(
    run: _Run,
    path: Path,
    file_name: str,
    contracts: tuple[Contract, ...],
    choose_contract: ContractChooser,
    reports: dict[str, KindReport],
) -> None:
    conn = run.conn
    content = path.read_bytes()
    sha256 = hashlib.sha256(content).hexdigest()
    at = _uk_now()
    if _skipped(run, file_name, sha256, reports, at):
        return

    def is_header(row: list[str]) -> bool:
        return any(_names_required_columns(row, contract, run.aliases) for contract in contracts)

    kind = contracts[0].kind
    try:
        with readable_csv(path, content, is_header) as readable:
            contract = choose_contract(readable.header)
            kind = contract.kind
            header_map = map_headers(readable.header, contract, run.aliases[kind])
            # Personal columns are pseudonymised in the statement that reads them.
            stage_file(conn, readable, contract, header_map, pseudonymised_columns, run.key_pads)
        check_staged(conn, contract, at, run.limits, run.aliases[kind].formats)
    except FileRefused as refusal:
        _quarantine(run, path, file_name, kind, sha256, str(refusal), reports[kind], at)
        return
    extra_headers = [key for _, key in header_map.extras]
    _load(run, contract, file_name, sha256, at, extra_headers, reports[kind])


def _skipped(
    run: _Run, file_name: str, sha256: str, reports: dict[str, KindReport], at: datetime
) -> bool:
    earlier = earlier_loads(run.conn, sha256, list(reports))
    seen = [e for e in earlier if e.file_name == file_name and e.status in ("loaded", "skipped")]
    if seen:
        reports[seen[0].kind].files_skipped += 1
        run.log.info(f"{file_name}: skipped, already loaded")
        return True
    loaded_before = [e for e in earlier if e.status == "loaded"]
    if not loaded_before:
        return False
    first = loaded_before[0]
    record_file(
        run.conn,
        file_name=file_name,
        kind=first.kind,
        sha256=sha256,
        status="skipped",
        message=f"same bytes as {first.file_name}, loaded before; nothing to load",
        at=at,
    )
    reports[first.kind].files_skipped += 1
    run.log.info(f"{file_name}: skipped, same bytes as {first.file_name} loaded before")
    return True


def _names_required_columns(
    row: list[str], contract: Contract, aliases: dict[str, KindAliases]
) -> bool:
    names = aliases[contract.kind].names(row)
    return all(column.name in names for column in contract.columns if column.required)


def _quarantine(
    run: _Run,
    path: Path,
    file_name: str,
    kind: str,
    sha256: str,
    reason: str,
    report: KindReport,
    at: datetime,
) -> None:
    target = quarantine_file(
        run.conn, source=path, file_name=file_name, kind=kind, sha256=sha256, reason=reason, at=at
    )
    report.files_quarantined += 1
    if len(report.quarantine_examples) < EXAMPLES_KEPT:
        report.quarantine_examples.append(f"{file_name}: {reason}")
    run.log.warning(f"{file_name}: refused whole and moved to {target}: {reason}")


def _load(
    run: _Run,
    contract: Contract,
    file_name: str,
    sha256: str,
    at: datetime,
    extra_headers: list[str],
    report: KindReport,
) -> None:
    """The checked rows into the raw table and the file's audit rows, all or nothing."""
    conn = run.conn
    [(rows_loaded, rows_rejected)] = conn.execute(
        "SELECT count(*) FILTER (WHERE NOT is_rejected), count(*) FILTER (WHERE is_rejected) "
        "FROM ingest_checked"
    ).fetchall()
    [(unparsed,)] = conn.execute("SELECT count(*) FROM ingest_unparsed").fetchall()
    rows_rejected += unparsed
    rows_read = rows_loaded + rows_rejected
    message = f"loaded {rows_loaded} of {rows_read} rows" + (
        f"; {rows_rejected} rejected, see audit.rejected_rows" if rows_rejected else ""
    )
    with transaction(conn):
        load_id = next_load_id(conn)
        insert_checked_rows(
            conn, contract, file_name=file_name, sha256=sha256, at=at, load_id=load_id
        )
        record_rejections(conn, file_name=file_name, kind=contract.kind, at=at, load_id=load_id)
        record_file(
            conn,
            file_name=file_name,
            kind=contract.kind,
            sha256=sha256,
            status="loaded",
            message=message,
            at=at,
            rows_read=rows_read,
            rows_loaded=rows_loaded,
            rows_rejected=rows_rejected,
            extra_headers=extra_headers,
            load_id=load_id,
            resend_mode=run.resend_modes.get(contract.kind),
        )
    examples = [
        f"{file_name} row {row} column {column}: {reason}"
        for row, column, reason in conn.execute(
            "SELECT source_row, column_name, reason FROM ingest_rejections WHERE NOT is_note "
            f"ORDER BY source_row, column_name LIMIT {EXAMPLES_PER_FILE}"
        ).fetchall()
    ]
    report.files_loaded += 1
    report.rows_loaded += rows_loaded
    report.rows_rejected += rows_rejected
    report.rejection_examples += examples[: EXAMPLES_KEPT - len(report.rejection_examples)]
    run.log.info(f"{file_name}: {message}")
    if rows_rejected:
        run.log.warning(
            f"{file_name}: {rows_rejected} row(s) rejected, all listed in "
            f"audit.rejected_rows; first: {'; '.join(examples)}"
        )
