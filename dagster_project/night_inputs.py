"""Whether a night has anything to do: a fingerprint of everything the night's output
depends on, and the warehouse's record of the fingerprints it checked and built.

The parts, each a SHA-256:

- ``landing``: every landing file's name, size and modification time (a stat, no read; the
  files the landing sensor counts, so in-progress copies and Excel lock files do not count);
- ``seeds``: the dbt seeds' contents, but for the match overrides;
- ``match_overrides``: the analysts' match decisions (the seed ``agency_match_overrides``);
- ``dbt``: the dbt project's models, macros, tests and configuration;
- ``trial_plan``: the trial plan file (``settings.trial_plan_path()``);
- ``council``: the council profile (``settings.council_profile_path()``) and its agency
  register, as bytes; a profile that cannot be read counts by its error, so the night runs
  and its ``council_profile`` step says what is wrong;
- ``code``: the platform's source (``dagster_project/``), the quality suites
  (``expectations/``) and the pinned dependencies, so a new version rebuilds;
- ``month``: the current month in UK time, so the first night of a month rebuilds (the
  trial's interim analysis and the reports move with it).

A night whose fingerprint equals the last one built has nothing new; it records that it
checked (``record(..., built=False)``) and stops. A fingerprint is recorded as built only
after the run succeeded, and is taken before the run starts, so a file that lands during
a build makes the next night rebuild.
"""

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import duckdb

from dagster_project import settings
from dagster_project.council import ProfileError, load_profile
from dagster_project.warehouse import qualified, table_exists, transaction

NIGHT_CHECKS = "audit.night_checks"
#: The run tag that carries a night's fingerprint, so the run records it once it published.
FINGERPRINT_TAG = "mash/night_fingerprint"
UK_TIME = ZoneInfo("Europe/London")
LANDING_EXTENSIONS = (".csv", ".xlsx")
# Named here rather than imported from dagster_project.matching.overrides, whose package
# imports the whole matcher (seconds): the no-op night must stay cheap.
MATCH_OVERRIDES_SEED = "seeds/agency_match_overrides.csv"
#: Folders a build writes into, or tools' caches: never inputs.
_NOT_SOURCE = frozenset({"target", "logs", "dbt_packages", "__pycache__", ".ruff_cache"})
_CODE = ("dagster_project", "expectations", "pyproject.toml", "uv.lock")
_DBT = ("models", "macros", "tests", "dbt_project.yml", "profiles.yml")
PARTS = ("landing", "seeds", "match_overrides", "dbt", "trial_plan", "council", "code", "month")


@dataclass(frozen=True)
class Fingerprint:
    parts: dict[str, str]

    @property
    def digest(self) -> str:
        return _sha256(json.dumps(self.parts, sort_keys=True).encode())

    def as_tag(self) -> str:
        return json.dumps(self.parts, sort_keys=True)

    @classmethod
    def from_tag(cls, tag: str) -> "Fingerprint":
        return cls(json.loads(tag))

    def changed_parts(self, other: "Fingerprint | None") -> list[str]:
        """The parts that differ from ``other`` (all of them when there is none)."""
        if other is None:
            return list(PARTS)
        return [part for part in PARTS if self.parts.get(part) != other.parts.get(part)]


def _sha256(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


def is_landing_file(path: Path) -> bool:
    """A file a night loads: dot files are in-progress copies (rsync, scp) and ``~$`` files
    Excel's lock files."""
    name = path.name
    if name.startswith((".", "~$")):
        return False
    return name.lower().endswith(LANDING_EXTENSIONS) and path.is_file()


def landing_snapshot(landing_dir: Path) -> dict[str, tuple[int, int]]:
    """``{"contacts/file.csv": (size, mtime_ns)}`` for every landing file."""
    snapshot = {}
    for kind in settings.LANDING_KINDS:
        folder = landing_dir / kind
        if folder.is_dir():
            for path in folder.iterdir():
                if is_landing_file(path):
                    stat = path.stat()
                    snapshot[f"{kind}/{path.name}"] = (stat.st_size, stat.st_mtime_ns)
    return snapshot


def _files(root: Path, names: Iterable[str]) -> list[Path]:
    """The files at or under ``root / name`` for each name, outside build and cache folders."""
    found = []
    for name in names:
        path = root / name
        if path.is_file():
            found.append(path)
        elif path.is_dir():
            found.extend(
                file
                for file in path.rglob("*")
                if file.is_file() and not _NOT_SOURCE.intersection(file.relative_to(root).parts)
            )
    return sorted(found)


def _contents_hash(root: Path, files: Iterable[Path]) -> str:
    """One hash of the files' paths (relative to ``root``) and contents."""
    digest = hashlib.sha256()
    for path in files:
        digest.update(path.relative_to(root).as_posix().encode() + b"\0")
        digest.update(_sha256(path.read_bytes()).encode())
    return digest.hexdigest()


def current_month(now: datetime | None = None) -> date:
    now = now or datetime.now(UK_TIME)
    return date(now.year, now.month, 1)


def fingerprint(
    *,
    landing_dir: Path | None = None,
    project_root: Path | None = None,
    trial_plan: Path | None = None,
    council_profile: Path | None = None,
    month: date | None = None,
) -> Fingerprint:
    """The fingerprint of a night's inputs; each argument defaults to the configured one."""
    landing_dir = landing_dir or settings.landing_dir()
    root = project_root or settings.PROJECT_ROOT
    trial_plan = trial_plan or settings.trial_plan_path()
    month = month or current_month()
    dbt_dir = root / settings.DBT_PROJECT_DIR.name
    overrides = dbt_dir / MATCH_OVERRIDES_SEED
    seeds = [path for path in _files(dbt_dir, ["seeds"]) if path != overrides]
    landing = json.dumps(sorted(landing_snapshot(landing_dir).items())).encode()
    plan = trial_plan.read_bytes() if trial_plan.is_file() else b"no trial plan"
    return Fingerprint(
        {
            "landing": _sha256(landing),
            "seeds": _contents_hash(root, seeds),
            "match_overrides": _contents_hash(root, [overrides] if overrides.is_file() else []),
            "dbt": _contents_hash(root, _files(dbt_dir, _DBT)),
            "trial_plan": _sha256(plan),
            "council": _council_hash(council_profile),
            "code": _contents_hash(root, _files(root, _CODE)),
            "month": f"{month:%Y-%m}",
        }
    )


def _council_hash(path: Path | None) -> str:
    try:
        return load_profile(path).fingerprint()
    except (ProfileError, OSError) as error:
        return _sha256(str(error).encode())


def _ensure_table(conn: duckdb.DuckDBPyConnection) -> None:
    conn.execute("create schema if not exists audit")
    conn.execute(
        f"create table if not exists {qualified(NIGHT_CHECKS)} ("
        "checked_at timestamp not null, fingerprint varchar not null, parts varchar not null, "
        "rebuilt boolean not null, reason varchar not null)"
    )


def last_built_fingerprint(conn: duckdb.DuckDBPyConnection) -> Fingerprint | None:
    """The fingerprint of the last night that rebuilt, None if none is recorded."""
    if not table_exists(conn, NIGHT_CHECKS):
        return None
    row = conn.execute(
        f"select parts from {qualified(NIGHT_CHECKS)} where rebuilt "
        "order by checked_at desc limit 1"
    ).fetchone()
    return Fingerprint(json.loads(row[0])) if row else None


def nothing_changed(conn: duckdb.DuckDBPyConnection, current: Fingerprint) -> bool:
    """Whether ``current`` is the fingerprint of the last night that rebuilt."""
    last = last_built_fingerprint(conn)
    return last is not None and last.digest == current.digest


def record(
    conn: duckdb.DuckDBPyConnection,
    current: Fingerprint,
    built: bool,
    *,
    reason: str | None = None,
    checked_at: datetime | None = None,
) -> str:
    """Append a night's check to ``audit.night_checks`` and return its reason: by default
    what changed since the last build (for a build), or that nothing did (for a skip)."""
    last = last_built_fingerprint(conn)
    if reason is None:
        changed = current.changed_parts(last)
        if last is None:
            reason = "no earlier build recorded"
        elif changed:
            reason = "changed: " + ", ".join(changed)
        else:
            reason = "nothing changed since the last build"
    checked_at = checked_at or datetime.now(UK_TIME).replace(tzinfo=None)
    with transaction(conn):
        _ensure_table(conn)
        conn.execute(
            f"insert into {qualified(NIGHT_CHECKS)} values (?, ?, ?, ?, ?)",
            [checked_at, current.digest, json.dumps(current.parts), built, reason],
        )
    return reason


def skip_if_unchanged(warehouse: Path, current: Fingerprint) -> str | None:
    """Why tonight has nothing to do, recorded in the warehouse; None when it must build (no
    warehouse yet, an input changed, or another process holds the file)."""
    if not warehouse.is_file():
        return None
    try:
        with duckdb.connect(str(warehouse)) as conn:
            if not nothing_changed(conn, current):
                return None
            return record(conn, current, built=False)
    except duckdb.IOException:
        return None
