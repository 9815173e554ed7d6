"""The frozen assignment: an append-only CSV and its manifest, outside the warehouse.

Once written, the randomised rows never change: later runs read them back (so rebuilding
the warehouse cannot re-draw the trial) and may only append rows for academy successors,
which inherit their predecessor's arm. The manifest records what the draw depended on and
a fingerprint of the randomised rows, so an edited file or a changed plan is caught.
"""

import hashlib
import io
import json
import os
import platform
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

import numpy as np
import pandas as pd

from dagster_project.trial.plan import TrialPlan

ASSIGNMENT_FILE = "assignment.csv"
MANIFEST_FILE = "assignment_manifest.json"
INTERVENTION_LIST_FILE = "intervention_schools.csv"
COLUMNS = [
    "school_urn",
    "school_name",
    "stratum",
    "arm",
    "pupils",
    "pct_fsm",
    "randomised_urn",
    "source",
    "recorded_at",
]


class AssignmentError(RuntimeError):
    """The frozen assignment is incomplete, edited or inconsistent."""


class PlanChangedError(AssignmentError):
    """The plan differs from the one the schools were randomised under."""


@dataclass(frozen=True)
class FrozenAssignment:
    rows: pd.DataFrame
    manifest: dict

    @property
    def randomised(self) -> pd.DataFrame:
        return self.rows[self.rows["source"] == "randomised"].reset_index(drop=True)


def input_hash(eligible: pd.DataFrame) -> str:
    """sha256 of the eligible schools and what the draw used of them, sorted by URN."""
    table = eligible.sort_values("school_urn")[["school_urn", "pupils", "pct_fsm", "stratum"]]
    return hashlib.sha256(table.to_csv(index=False).encode()).hexdigest()


def load(trial_dir: Path, plan: TrialPlan) -> FrozenAssignment | None:
    """The frozen assignment, or None before randomisation.

    Raises PlanChangedError when the plan's hash differs from the frozen one.
    """
    csv_path, manifest_path = trial_dir / ASSIGNMENT_FILE, trial_dir / MANIFEST_FILE
    if not csv_path.exists() and not manifest_path.exists():
        return None
    if not (csv_path.exists() and manifest_path.exists()):
        present, absent = (
            (csv_path, manifest_path) if csv_path.exists() else (manifest_path, csv_path)
        )
        raise AssignmentError(
            f"{present} exists but {absent} does not: the frozen assignment is incomplete. "
            "Restore the missing file from backup; do not re-randomise silently."
        )
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    if manifest["plan_hash"] != plan.hash:
        raise PlanChangedError(
            f"The trial plan {plan.path} (hash {plan.hash[:12]}) is not the plan the schools "
            f"were randomised under (hash {manifest['plan_hash'][:12]}, randomised "
            f"{manifest['randomised_at']}). The plan is fixed once schools are randomised: "
            f"restore it (its content is in {manifest_path}). To start a new trial on "
            f"purpose, move {trial_dir} aside first."
        )
    data = csv_path.read_bytes()
    frozen_part = data[: manifest["randomised_bytes"]]
    if hashlib.sha256(frozen_part).hexdigest() != manifest["randomised_sha256"]:
        raise AssignmentError(
            f"{csv_path} no longer matches its manifest: the randomised rows were edited. "
            "Restore the file from backup."
        )
    rows = pd.read_csv(io.BytesIO(data), dtype={"school_name": str, "stratum": str})
    return FrozenAssignment(rows, manifest)


def freeze(
    trial_dir: Path,
    assignment: pd.DataFrame,
    plan: TrialPlan,
    eligible_hash: str,
    randomised_at: str,
    excluded_by_rule: dict | None = None,
) -> FrozenAssignment:
    """Write a new assignment and its manifest; refuses to overwrite an existing one.

    ``excluded_by_rule`` (how many schools each eligibility rule turned away at
    randomisation) is kept for the CONSORT flow."""
    csv_path, manifest_path = trial_dir / ASSIGNMENT_FILE, trial_dir / MANIFEST_FILE
    if csv_path.exists() or manifest_path.exists():
        raise AssignmentError(f"An assignment already exists in {trial_dir}; it is never redrawn.")
    trial_dir.mkdir(parents=True, exist_ok=True)
    rows = assignment.assign(
        randomised_urn=assignment["school_urn"], source="randomised", recorded_at=randomised_at
    )[COLUMNS]
    data = rows.to_csv(index=False, lineterminator="\n").encode()
    manifest = {
        "plan_hash": plan.hash,
        "plan_path": str(plan.path),
        "plan": plan.content,
        "seed": plan.seed,
        "input_hash": eligible_hash,
        "randomised_at": randomised_at,
        "n_schools": len(rows),
        "n_intervention": int((rows["arm"] == "intervention").sum()),
        "n_comparison": int((rows["arm"] == "comparison").sum()),
        "excluded_by_rule": excluded_by_rule,
        "randomised_bytes": len(data),
        "randomised_sha256": hashlib.sha256(data).hexdigest(),
        "software": {
            "mash_platform": metadata.version("mash-platform"),
            "numpy": np.__version__,
            "python": platform.python_version(),
        },
    }
    _write_atomically(csv_path, data)
    _write_atomically(manifest_path, json.dumps(manifest, indent=2, default=str).encode())
    return FrozenAssignment(rows.reset_index(drop=True), manifest)


def append(trial_dir: Path, frozen: FrozenAssignment, new_rows: pd.DataFrame) -> FrozenAssignment:
    """Append rows (successor schools) to the frozen file."""
    if new_rows.empty:
        return frozen
    with (trial_dir / ASSIGNMENT_FILE).open("a", encoding="utf-8", newline="") as handle:
        new_rows[COLUMNS].to_csv(handle, index=False, header=False, lineterminator="\n")
        handle.flush()
        os.fsync(handle.fileno())
    rows = pd.concat([frozen.rows, new_rows[COLUMNS]], ignore_index=True)
    return FrozenAssignment(rows, frozen.manifest)


def write_intervention_list(trial_dir: Path, frozen: FrozenAssignment) -> Path:
    """The delivery team's list: URN and name of every intervention school."""
    path = trial_dir / INTERVENTION_LIST_FILE
    schools = frozen.rows[frozen.rows["arm"] == "intervention"]
    listing = schools[["school_urn", "school_name"]].rename(
        columns={"school_urn": "URN", "school_name": "EstablishmentName"}
    )
    _write_atomically(path, listing.to_csv(index=False, lineterminator="\n").encode())
    return path


def _write_atomically(path: Path, data: bytes) -> None:
    temporary = path.with_name(f".{path.name}.tmp")
    with temporary.open("wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())
    temporary.replace(path)
