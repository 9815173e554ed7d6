"""Write demo landing extracts (contacts, calls, school register) and their ground truth.

Deterministic per (seed, month): the world (register, school and agency habits) depends on
the seed only and each month on (seed, month), so months written by separate calls fit
together. Each month's contacts extract also carries the month before's contacts whose
decision changed, so that month is regenerated (never rewritten) when a call starts later.
"""

from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

import numpy as np
import pandas as pd

from mash_demo import extracts, gias, targets, truth
from mash_demo.calls import generate_calls
from mash_demo.contacts import Trial, generate_contacts, month_key
from mash_demo.term_calendar import month_starts, previous_month
from mash_demo.world import World, build_world

TRIAL_START = date(2019, 9, 1)
REGISTER_FILE = "schools/edubasealldata20200401.csv"
LINKS_FILE = "schools/links_edubasealldata20200401.csv"
ARMS = ("intervention", "comparison")


@dataclass
class MonthData:
    month: date
    contacts: pd.DataFrame
    calls: pd.DataFrame


def _month_data(world: World, month: date, scale: float, trial: Trial | None) -> MonthData:
    trial = trial if month >= TRIAL_START else None
    month_contacts = generate_contacts(world, month, scale, trial)
    calls = generate_calls(world, month_contacts, trial)
    contacts = month_contacts.contacts
    behind = calls[calls["purpose"] == "contact"].set_index("contact_id")["call_id"]
    contacts["call_id"] = contacts["contact_id"].map(behind).fillna("")
    at = contacts["contact_at"].to_numpy()
    recorded_share = np.where(
        at < np.datetime64(targets.NEW_CASE_SYSTEM, "m"),
        0.0,
        np.where(at < np.datetime64(targets.MENU_CHANGE, "m"), 0.25, 0.75),
    )
    rng = world.rng("call references", month_key(month))
    recorded = (rng.random(len(contacts)) < recorded_share) & (contacts["call_id"] != "")
    contacts["call_reference"] = np.where(recorded, contacts["call_id"], "")
    return MonthData(month=month, contacts=contacts, calls=calls)


def _write_if_changed(path: Path, content: bytes) -> bool:
    if path.exists() and path.read_bytes() == content:
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content)
    return True


def _spoil(
    table: pd.DataFrame,
    fmt: extracts.FileFormat,
    kind: str,
    name: str,
    rules: list,
    ids: list[str],
    rng,
) -> tuple[pd.DataFrame, list[dict]]:
    """Insert the month's deliberately bad rows; returns the table and what was spoiled where."""
    spoiled = []
    for rule, bad_id in zip(rules, ids, strict=False):
        table, row = extracts.insert_bad_row(table, fmt.headers, rule, bad_id, rng)
        if row is not None:
            spoiled.append(
                {
                    "kind": kind,
                    "file": name,
                    "row": row,
                    "record_id": bad_id,
                    "column": rule[1],
                    "reason": rule[3],
                }
            )
    return table, spoiled


def _write_contacts(
    landing: Path, world: World, data: MonthData, previous: MonthData | None
) -> tuple[str, pd.DataFrame, list[dict]]:
    month = data.month
    fmt = extracts.contact_format(month)
    rng = world.rng("contacts extract", month_key(month))
    records = extracts.contact_records(
        data.contacts, previous.contacts if previous else None, month
    )
    name = f"contacts/contacts_{month:%Y-%m}.{fmt.file_type}"
    rules = extracts.bad_rules(extracts.BAD_CONTACT_ROWS, month)
    ids = [f"{month:%y%m}9{n:04d}" for n in range(1, len(rules) + 1)]
    table, spoiled = _spoil(
        extracts.contact_table(records, fmt), fmt, "contacts", name, rules, ids, rng
    )
    if fmt.file_type == "xlsx":
        content = extracts.xlsx_bytes(table, datetime(month.year, month.month, 28, 18, 0))
    else:
        content = extracts.csv_bytes(table, fmt)
    _write_if_changed(landing / name, content)
    return name, records, spoiled


def _write_calls(
    landing: Path, world: World, data: MonthData, previous: MonthData | None
) -> tuple[str, pd.DataFrame, list[dict]]:
    month = data.month
    fmt = extracts.call_format(month)
    rng = world.rng("calls extract", month_key(month))
    records = extracts.call_records(data.calls, previous.calls if previous else None)
    name = f"calls/calls_{month:%Y-%m}.csv"
    rules = extracts.bad_rules(extracts.BAD_CALL_ROWS, month)
    ids = [f"C{month:%y%m}9{n:05d}" for n in range(1, len(rules) + 1)]
    table, spoiled = _spoil(
        extracts.call_table(records, fmt, rng), fmt, "calls", name, rules, ids, rng
    )
    _write_if_changed(landing / name, extracts.csv_bytes(table, fmt))
    return name, records, spoiled


def _schools_truth(world: World) -> pd.DataFrame:
    schools = world.register.schools
    habits = world.schools.set_index("urn")
    baseline = targets.AGENCY_TYPE_TOTALS[targets.SCHOOLS][0]
    expected = (habits["weight"] / habits["weight"].sum() * baseline).round(3)
    return pd.DataFrame(
        {
            "urn": schools["urn"],
            "current_urn": schools["current_urn"],
            "la_code": schools["la_code"],
            "role": schools["role"],
            "kind": schools["kind"],
            "status": schools["status"],
            "expected_contacts_baseline_year": schools["urn"].map(expected).fillna(0.0),
            "phone_odds": schools["urn"].map(habits["phone_odds"].round(4)).fillna(""),
            "referral_odds": schools["urn"].map(habits["referral_odds"].round(4)).fillna(""),
        }
    )


def _trial(world: World, arms, phone_rate_ratio: float, displacement_share: float) -> Trial | None:
    if arms is None:
        return None
    if phone_rate_ratio < 0:
        raise ValueError(f"phone_rate_ratio must not be negative, got {phone_rate_ratio}")
    if not 0 <= displacement_share <= 1:
        raise ValueError(f"displacement_share must be between 0 and 1, got {displacement_share}")
    current = dict(
        zip(world.register.schools["urn"], world.register.schools["current_urn"], strict=True)
    )
    intervention = set()
    for urn, arm in arms.items():
        if arm not in ARMS:
            raise ValueError(f"arm of URN {urn} is {arm!r}; expected one of {ARMS}")
        if int(urn) not in current:
            raise ValueError(f"URN {urn} in arms is not in the demo school register")
        if arm == "intervention":
            intervention.add(int(current[int(urn)]))
    return Trial(frozenset(intervention), float(phone_rate_ratio), float(displacement_share))


def write_demo_extracts(
    landing_dir,
    truth_dir=None,
    *,
    seed: int = 20190901,
    start: date = date(2017, 9, 1),
    end: date = date(2019, 8, 31),
    scale: float = 1.0,
    arms: dict | None = None,
    phone_rate_ratio: float = 1.0,
    displacement_share: float = 0.0,
) -> dict:
    """Write one contacts and one calls file per month overlapping [start, end], the school
    register (once) and the ground truth (default: ``demo_truth/`` beside the landing dir).

    ``arms`` ({urn: 'intervention' | 'comparison'}) switches on the trial effect for months
    from September 2019: intervention schools' phone contacts (not referrals) are scaled by
    ``phone_rate_ratio`` and ``displacement_share`` of the removed ones arrive by email.
    ``scale`` scales contact and call volumes, not the register.
    """
    if start < targets.EPOCH:
        raise ValueError(f"the demo data begin on {targets.EPOCH}; start {start} is earlier")
    if end < start:
        raise ValueError(f"end {end} is before start {start}")
    if scale <= 0:
        raise ValueError(f"scale must be positive, got {scale}")
    landing = Path(landing_dir).expanduser().resolve()
    truth_path = (
        Path(truth_dir).expanduser().resolve() if truth_dir else landing.parent / "demo_truth"
    )
    world = build_world(int(seed))
    trial = _trial(world, arms, phone_rate_ratio, displacement_share)
    if trial is not None and end < TRIAL_START:
        raise ValueError(
            f"arms take effect from {TRIAL_START}; [{start}, {end}] has no trial month"
        )

    register_written = [
        name
        for name, content in (
            (REGISTER_FILE, gias.establishments_csv(world.register, world.rng("gias"))),
            (LINKS_FILE, gias.links_csv(world.register)),
        )
        if _write_if_changed(landing / name, content)
    ]
    months = month_starts(start, end)
    before = previous_month(months[0])
    previous = _month_data(world, before, scale, trial) if before >= targets.EPOCH else None
    files, contact_truth, call_truth, rejected = [], [], [], []
    new_contacts = new_calls = 0
    for month in months:
        data = _month_data(world, month, scale, trial)
        name, records, bad = _write_contacts(landing, world, data, previous)
        files.append(name)
        contact_truth.append(truth.contact_rows(records, name))
        rejected.extend(bad)
        name, records, bad = _write_calls(landing, world, data, previous)
        files.append(name)
        call_truth.append(truth.call_rows(records, name))
        rejected.extend(bad)
        new_contacts += len(data.contacts)
        new_calls += len(data.calls)
        previous = data

    truth.merge_into(truth_path / truth.CONTACTS_TRUTH, pd.concat(contact_truth), ["contact_id"])
    truth.merge_into(truth_path / truth.CALLS_TRUTH, pd.concat(call_truth), ["call_id"])
    truth.merge_into(truth_path / truth.SCHOOLS_TRUTH, _schools_truth(world), ["urn"])
    if rejected:
        truth.merge_into(truth_path / truth.REJECTED_TRUTH, pd.DataFrame(rejected), ["file", "row"])
    return {
        "landing_dir": str(landing),
        "truth_dir": str(truth_path),
        "seed": int(seed),
        "months": [f"{m:%Y-%m}" for m in months],
        "files": files,
        "register_files_written": register_written,
        "contacts": new_contacts,
        "calls": new_calls,
        "bad_rows": len(rejected),
    }
