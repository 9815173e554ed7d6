"""The platform at county scale x1, x10 and x100: a full build and two kinds of night.

For each scale the benchmark writes the county's extracts (``--years`` from September 2017:
the demo county generated once with ``mash_demo``, then tiled with fresh ids by
``mash_demo.scaling``) into a landing folder of its own, holding the last month back, and
runs ``mash run`` three times as whole processes under GNU time (``/usr/bin/time -v``):

- full build: a fresh data folder, every month but the last;
- night, nothing new: the same landing folder again;
- night, one new month: the held-back month's contacts and calls files added.

Each run prints wall time, CPU (user + system, every child process included), peak RSS
(of the largest single process: GNU time reports the largest of the processes it waited
for, not their sum), the warehouse file's size afterwards, and the seconds of each step of
the Dagster run (from the run's step events in the data folder's Dagster instance; from the
log if the instance has none: "Finished execution of step" lines, else the span of each
step's log lines). The floor is one
hand-written DuckDB query that computes school-month counts (contacts by channel,
referrals, calls from schools' numbers) straight from the landing CSVs: the same reading,
date parsing, latest-version choice, joining and counting, with exact name and number
matches instead of fuzzy matching, and without the one .xlsx month. It runs in this
process, median of three, on each scale's full-build files; "x floor" is a run's time over
the floor's (wall and CPU). "load" is the one-minute load average as the run
started: on a shared machine wall times grow with it, CPU times much less.

Each scale has its own data folder (``MASH_DATA_DIR``, holding its Dagster instance
``dagster/``), landing folder (``MASH_LANDING_DIR``) and random pseudonym key
(``MASH_PSEUDONYM_KEY``).

    .venv/bin/python benchmarks/scale.py [--scales 1,10,100] [--years 5] [--keep DIR]

Needs GNU time at /usr/bin/time (Debian/Ubuntu: ``apt-get install -y time``). Disk: the
x100 landing folder over five years is about 5 GB. The markdown tables it prints are the
ones quoted in docs/performance.md.
"""

import argparse
import os
import re
import secrets
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path

import duckdb

from mash_demo.generate import write_demo_extracts
from mash_demo.scaling import file_month, tile_extracts
from mash_demo.targets import EPOCH

PROJECT_ROOT = Path(__file__).resolve().parents[1]
MASH = PROJECT_ROOT / ".venv" / "bin" / "mash"
GNU_TIME = Path("/usr/bin/time")
RUNS = ("full build", "night, nothing new", "night, one new month")
STEP_LINE = re.compile(r'Finished execution of step "([^"]+)" in ([\d.]+)(ms|s|m)\b')
# Dagster's console format: "<time> <offset> - dagster - <level> - <job> - <run id> - <step> - "
LOG_LINE = re.compile(
    r"^(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d) [+-]\d{4} - dagster - \w+ - \S+ - "
    r"[0-9a-f-]{36} - ([^ ]+) - ",
    re.MULTILINE,
)


@dataclass(frozen=True)
class Floor:
    wall: float
    cpu: float
    rows: int


@dataclass
class Measured:
    scale: int
    run: str
    ok: bool
    wall: float
    cpu: float
    peak_rss_mib: float
    warehouse_mib: float
    load: float
    floor: Floor
    steps: dict[str, float] = field(default_factory=dict)


# --- the extracts -----------------------------------------------------------------------


def write_county(folder: Path, years: int) -> Path:
    """The demo county over ``years`` years, generated once; returns its landing folder."""
    end = date(EPOCH.year + years, EPOCH.month, EPOCH.day) - timedelta(days=1)
    landing = folder / "landing"
    started = time.perf_counter()
    summary = write_demo_extracts(landing, folder / "truth", start=EPOCH, end=end)
    print(
        f"county x1, {EPOCH:%b %Y} - {end:%b %Y}: {summary['contacts']:,} contacts, "
        f"{summary['calls']:,} calls, generated in {time.perf_counter() - started:.0f} s",
        flush=True,
    )
    return landing


def hold_back_last_month(landing: Path, held: Path) -> list[Path]:
    """Move the last month's contacts and calls files out of ``landing`` into ``held``."""
    monthly = [path for kind in ("contacts", "calls") for path in (landing / kind).iterdir()]
    last = max(file_month(path.name) for path in monthly)
    moved = []
    for path in monthly:
        if file_month(path.name) == last:
            target = held / path.parent.name / path.name
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.move(path, target)
            moved.append(target)
    return moved


def give_back(held: list[Path], landing: Path) -> None:
    for path in held:
        shutil.move(path, landing / path.parent.name / path.name)


# --- the floor --------------------------------------------------------------------------


def _header_groups(conn: duckdb.DuckDBPyConnection, source: str) -> dict[str, str]:
    """Each column as a coalesce of its spellings across the files' headers
    (``contact_id``, ``contactid`` for ``CONTACT-ID``...), keyed without underscores."""
    names = [row[0] for row in conn.execute(f"describe select * from {source}").fetchall()]
    groups: dict[str, list[str]] = {}
    for name in names:
        groups.setdefault(name.replace("_", ""), []).append(f'"{name}"')
    return {key: f"coalesce({', '.join(spellings)})" for key, spellings in groups.items()}


def floor_query(conn: duckdb.DuckDBPyConnection, landing: Path) -> str:
    """The one query: school-month counts straight from the landing CSVs."""
    options = "union_by_name = true, all_varchar = true, normalize_names = true, "
    options += "ignore_errors = true, filename = true"
    contacts_source = f"read_csv('{landing}/contacts/*.csv', {options})"
    calls_source = f"read_csv('{landing}/calls/*.csv', {options})"
    register = f"read_csv('{landing}/schools/edubasealldata*.csv', all_varchar = true, "
    register += "encoding = 'latin-1')"
    c = _header_groups(conn, contacts_source)
    k = _header_groups(conn, calls_source)
    formats = "['%Y-%m-%dT%H:%M:%S', '%d/%m/%Y %H:%M:%S', '%d/%m/%Y %H:%M']"
    missing = "cast(null as varchar)"

    def phone(column: str) -> str:
        return f"regexp_replace(replace({column}, '+44', '0'), '[^0-9]', '', 'g')"

    return f"""
    with contacts as (
        select
            {c["contactid"]} as contact_id,
            try_strptime({c["contactdatetime"]}, {formats}) as contact_at,
            lower({c["contactmethod"]}) as method,
            lower(trim({c["referrername"]})) as referrer,
            coalesce({c.get("isreferral", missing)} = 'Y', false)
                or {c["contactoutcome"]} ilike 'referral%' as is_referral
        from {contacts_source}
        qualify row_number() over (
            partition by {c["contactid"]}
            order by {c.get("recordupdatedat", missing)} desc nulls last, filename desc
        ) = 1
    ),
    calls as (
        select
            try_strptime({k["callstart"]}, {formats}) as call_at,
            {phone(k["callernumber"])} as caller
        from {calls_source}
        qualify row_number() over (
            partition by {k["callid"]}
            order by {k.get("recordupdatedat", missing)} desc nulls last, filename desc
        ) = 1
    ),
    schools as (
        select
            "URN" as urn,
            lower(trim("EstablishmentName")) as name,
            {phone('"TelephoneNum"')} as phone
        from {register}
    ),
    contact_counts as (
        select
            schools.urn,
            date_trunc('month', contact_at) as month_start,
            count(*) filter (where method similar to '.*(phone|tel).*' and not is_referral)
                as phone_contacts,
            count(*) filter (where method similar to '.*(mail|egress).*' and not is_referral)
                as email_contacts,
            count(*) filter (where is_referral) as referrals
        from contacts
        inner join schools on contacts.referrer = schools.name
        group by all
    ),
    call_counts as (
        select schools.urn, date_trunc('month', call_at) as month_start, count(*) as calls
        from calls
        inner join schools on calls.caller = schools.phone and schools.phone <> ''
        group by all
    )
    select
        coalesce(contact_counts.urn, call_counts.urn) as urn,
        coalesce(contact_counts.month_start, call_counts.month_start) as month_start,
        coalesce(phone_contacts, 0) as phone_contacts,
        coalesce(email_contacts, 0) as email_contacts,
        coalesce(referrals, 0) as referrals,
        coalesce(calls, 0) as calls_attributed
    from contact_counts
    full outer join call_counts using (urn, month_start)
    """


def measure_floor(landing: Path) -> Floor:
    """Median wall and CPU seconds (this process, every DuckDB thread) of three runs of the
    floor query, each in a fresh in-memory database, and the school-months it finds. Reading
    the headers to write the query is not timed: a hand-written query knows them."""
    walls, cpus, rows = [], [], 0
    for _ in range(3):
        with duckdb.connect() as conn:
            conn.execute("set enable_progress_bar = false")
            query = floor_query(conn, landing)
            wall, cpu = time.perf_counter(), time.process_time()
            conn.execute(f"create table school_month as {query}")
            walls.append(time.perf_counter() - wall)
            cpus.append(time.process_time() - cpu)
            [(rows,)] = conn.execute("select count(*) from school_month").fetchall()
    return Floor(statistics.median(walls), statistics.median(cpus), rows)


# --- the runs ---------------------------------------------------------------------------


def scale_environment(root: Path) -> dict[str, str]:
    environment = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("MASH_", "DAGSTER_"))
    }
    return environment | {
        "MASH_DATA_DIR": str(root / "data"),
        "MASH_LANDING_DIR": str(root / "landing"),
        "MASH_PSEUDONYM_KEY": secrets.token_hex(32),
    }


def gnu_time_figures(report: str) -> dict[str, float]:
    """Wall seconds, CPU seconds, peak RSS in MiB and exit status from ``time -v``."""

    def value(label: str) -> str:
        found = re.search(rf"^\s*{re.escape(label)}: (.+)$", report, re.MULTILINE)
        if found is None:
            raise ValueError(f"GNU time printed no {label!r}:\n{report}")
        return found[1].strip()

    seconds = 0.0
    for part in value("Elapsed (wall clock) time (h:mm:ss or m:ss)").split(":"):
        seconds = seconds * 60 + float(part)
    return {
        "wall": seconds,
        "cpu": float(value("User time (seconds)")) + float(value("System time (seconds)")),
        "peak_rss_mib": int(value("Maximum resident set size (kbytes)")) / 1024,
        "exit_status": int(value("Exit status")),
    }


def run_ids(home: Path) -> list[str]:
    from dagster_project.instance import open_instance

    if not (home / "dagster.yaml").exists():
        return []
    with open_instance(home) as instance:
        return [run.run_id for run in instance.get_runs()]


def instance_step_seconds(home: Path, run_id: str) -> dict[str, float]:
    from dagster_project.instance import open_instance

    with open_instance(home) as instance:
        return {
            stats.step_key: stats.end_time - stats.start_time
            for stats in instance.get_run_step_stats(run_id)
            if stats.start_time is not None and stats.end_time is not None
        }


def logged_step_seconds(log: str) -> dict[str, float]:
    """Step seconds from the log: Dagster's "Finished execution of step" lines when it
    printed them (DEBUG), else each step's span from its first to its last log line."""
    units = {"ms": 0.001, "s": 1.0, "m": 60.0}
    finished = {step: float(n) * units[unit] for step, n, unit in STEP_LINE.findall(log)}
    if finished:
        return finished
    spans: dict[str, list[datetime]] = {}
    for stamp, step in LOG_LINE.findall(log):
        spans.setdefault(step, []).append(datetime.fromisoformat(stamp))
    return {step: (max(times) - min(times)).total_seconds() for step, times in spans.items()}


def measure(scale: int, run: str, root: Path, environment: dict, floor: Floor) -> Measured:
    home = Path(environment["MASH_DATA_DIR"]) / "dagster"
    before = set(run_ids(home))
    load = os.getloadavg()[0]
    log_path = root / f"{RUNS.index(run)}_{run.replace(' ', '_').replace(',', '')}.log"
    time_path = log_path.with_suffix(".time")
    with log_path.open("w") as log:
        subprocess.run(
            [str(GNU_TIME), "-v", "-o", str(time_path), str(MASH), "run"],
            cwd=PROJECT_ROOT,
            env=environment,
            stdout=log,
            stderr=subprocess.STDOUT,
            check=False,
        )
    figures = gnu_time_figures(time_path.read_text())
    new_runs = [run_id for run_id in run_ids(home) if run_id not in before]
    steps = instance_step_seconds(home, new_runs[0]) if new_runs else {}
    if new_runs and not steps:
        steps = logged_step_seconds(log_path.read_text(errors="replace"))
    warehouse = Path(environment["MASH_DATA_DIR"]) / "warehouse.duckdb"
    size = sum(
        p.stat().st_size for p in (warehouse, warehouse.with_suffix(".duckdb.wal")) if p.exists()
    )
    measured = Measured(
        scale=scale,
        run=run,
        ok=figures["exit_status"] == 0,
        wall=figures["wall"],
        cpu=figures["cpu"],
        peak_rss_mib=figures["peak_rss_mib"],
        warehouse_mib=size / 2**20,
        load=load,
        floor=floor,
        steps=steps,
    )
    state = "ok" if measured.ok else f"FAILED (exit {figures['exit_status']}; log {log_path})"
    print(
        f"x{scale} {run}: {measured.wall:.1f} s wall, {measured.cpu:.1f} s CPU, "
        f"{measured.peak_rss_mib:,.0f} MiB, warehouse {measured.warehouse_mib:,.0f} MiB, {state}",
        flush=True,
    )
    return measured


def benchmark_scale(scale: int, county: Path, root: Path) -> list[Measured]:
    landing = root / "landing"
    started = time.perf_counter()
    tile_extracts(county, landing, scale)
    held = hold_back_last_month(landing, root / "held_back")
    landing_bytes = sum(p.stat().st_size for p in landing.rglob("*") if p.is_file())
    print(
        f"x{scale}: landing written in {time.perf_counter() - started:.0f} s "
        f"({landing_bytes / 2**20:,.0f} MiB)",
        flush=True,
    )
    floor = measure_floor(landing)
    print(
        f"x{scale}: floor query {floor.wall:.2f} s wall, {floor.cpu:.2f} s CPU "
        f"({floor.rows:,} school-months)",
        flush=True,
    )
    environment = scale_environment(root)
    results = []
    for run in RUNS:
        if run == "night, one new month":
            give_back(held, landing)
        results.append(measure(scale, run, root, environment, floor))
        if not results[-1].ok:
            break
    return results


# --- the tables -------------------------------------------------------------------------


def summary_table(results: list[Measured]) -> str:
    lines = [
        "| scale | run | wall s | CPU s | peak RSS MiB | warehouse MiB | x floor wall | "
        "x floor CPU | load |",
        "|---|---|--:|--:|--:|--:|--:|--:|--:|",
    ]
    for r in results:
        run = r.run if r.ok else f"{r.run} (failed)"
        lines.append(
            f"| x{r.scale} | {run} | {r.wall:.1f} | {r.cpu:.1f} | {r.peak_rss_mib:,.0f} | "
            f"{r.warehouse_mib:,.0f} | {r.wall / r.floor.wall:,.0f} | "
            f"{r.cpu / r.floor.cpu:,.0f} | {r.load:.1f} |"
        )
    floors = {r.scale: r.floor for r in results}
    lines.append("")
    lines.append(
        "Floor (one DuckDB query, median of 3): "
        + "; ".join(
            f"x{scale} {floor.wall:.2f} s wall, {floor.cpu:.2f} s CPU"
            for scale, floor in floors.items()
        )
        + "."
    )
    return "\n".join(lines)


def steps_table(results: list[Measured]) -> str:
    """Seconds per step (rows) and run (columns) of one scale, slowest first."""
    steps = sorted(
        {step for r in results for step in r.steps},
        key=lambda step: -max(r.steps.get(step, 0.0) for r in results),
    )
    lines = [
        "| step | " + " | ".join(r.run for r in results) + " |",
        "|---|" + "--:|" * len(results),
    ]
    for step in steps:
        cells = [f"{r.steps[step]:.1f}" if step in r.steps else "-" for r in results]
        lines.append(f"| {step} | " + " | ".join(cells) + " |")
    lines.append(
        "| (run started) | " + " | ".join("yes" if r.steps else "no" for r in results) + " |"
    )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scales", default="1,10,100", help="comma-separated, e.g. 1,10,100")
    parser.add_argument("--years", type=int, default=5, help="years from September 2017")
    parser.add_argument("--keep", type=Path, help="work in this folder and keep it")
    args = parser.parse_args()
    scales = [int(scale) for scale in args.scales.split(",")]
    if not GNU_TIME.exists():
        sys.exit(f"{GNU_TIME} is missing: install GNU time (apt-get install -y time)")
    if args.keep:
        args.keep.mkdir(parents=True, exist_ok=True)
    work = args.keep.resolve() if args.keep else Path(tempfile.mkdtemp(prefix="mash_scale_"))
    try:
        county = write_county(work / "county", args.years)
        results, per_scale = [], {}
        for scale in scales:
            per_scale[scale] = benchmark_scale(scale, county, work / f"x{scale}")
            results.extend(per_scale[scale])
        print(f"\n## {args.years} years, {date.today():%d %b %Y}\n")
        print(summary_table(results))
        for scale, measured in per_scale.items():
            print(f"\n### Seconds per step, x{scale}\n")
            print(steps_table(measured))
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
