"""How long ingestion takes for a GIAS-sized register and a year of contacts and calls.

Builds synthetic landing files in a temporary folder (a GIAS-like register of 50,000
establishments with 130 columns in Windows-1252, 100,000 contacts, 200,000 calls), ingests
them with the same functions the Dagster assets call, and prints rows per second and the
whole process's CPU time and peak memory. The contacts file is written as a case management
system exports it (its own header names, semicolon-separated, UTF-16 with a byte order
mark), so the sniffer, transcoding and alias matching are in the figures.

    .venv/bin/python benchmarks/ingest_speed.py [--scale 0.1]
"""

import argparse
import csv
import logging
import os
import resource
import tempfile
import time
from pathlib import Path

import duckdb

from dagster_project import settings
from dagster_project.ingest.landing import ingest_calls, ingest_contacts, ingest_schools


def _write(
    path: Path, header: list[str], rows, encoding: str = "utf-8", delimiter: str = ","
) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding=encoding, newline="") as handle:
        writer = csv.writer(handle, delimiter=delimiter)
        writer.writerow(header)
        writer.writerows(rows)


def _landing(landing: Path, scale: float) -> dict[str, int]:
    schools, contacts, calls = int(50_000 * scale), int(100_000 * scale), int(200_000 * scale)
    gias_extra = [f"Column{i}" for i in range(118)]
    _write(
        landing / "schools" / "edubasealldata.csv",
        ["URN", "EstablishmentName", "LA (code)", "LA (name)", "TelephoneNum", "OpenDate"]
        + gias_extra,
        (
            [100000 + i, f"École {i}", "812", "Eastshire", f"01926 {i:06d}", "01-09-1990"]
            + [f"value {i}"] * len(gias_extra)
            for i in range(schools)
        ),
        encoding="cp1252",
    )
    _write(
        landing / "contacts" / "contacts.csv",
        [
            "Contact ID",
            "Person ID",
            "Contact Date",
            "Contact Method",
            "Referral Source",
            "Referrer",
            "Outcome",
            "Last Updated",
        ],
        (
            [
                f"C{i}",
                f"P{i % 40_000}",
                f"{1 + i % 28:02d}/09/2017 10:{i % 60:02d}",
                "Phone",
                "2A",
                f"School {i % 200}, office",
                "NFA",
                "2017-10-01T09:00:00",
            ]
            for i in range(contacts)
        ),
        encoding="utf-16",
        delimiter=";",
    )
    _write(
        landing / "calls" / "calls.csv",
        ["call_id", "call_start", "caller_number", "ivr_option", "wait_seconds", "talk_seconds"],
        (
            [
                f"K{i}",
                f"2017-09-{1 + i % 28:02d} 09:{i % 60:02d}:00",
                f"07700 {i % 90_000:06d}",
                "1",
                str(i % 300),
                str(i % 900),
            ]
            for i in range(calls)
        ),
    )
    return {"schools": schools, "contacts": contacts, "calls": calls}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as temp:
        os.environ["MASH_DATA_DIR"] = str(Path(temp) / "data")
        os.environ["MASH_PSEUDONYM_KEY_FILE"] = str(Path(temp) / "key" / "pseudonym.key")
        os.environ.pop("MASH_LANDING_DIR", None)
        sizes = _landing(settings.landing_dir(), args.scale)
        log = logging.getLogger("benchmark")
        with duckdb.connect(str(settings.warehouse_path())) as conn:
            for kind, ingest in (
                ("schools", ingest_schools),
                ("contacts", ingest_contacts),
                ("calls", ingest_calls),
            ):
                start = time.perf_counter()
                ingest(conn, log)
                seconds = time.perf_counter() - start
                print(
                    f"{kind:9} {sizes[kind]:>8} rows  {seconds:6.2f} s  "
                    f"{sizes[kind] / seconds:>9,.0f} rows/s"
                )
    usage = resource.getrusage(resource.RUSAGE_SELF)
    print(
        f"whole process: {usage.ru_utime + usage.ru_stime:.1f} s CPU, "
        f"peak RSS {usage.ru_maxrss / 1024:.0f} MiB"
    )


if __name__ == "__main__":
    main()
