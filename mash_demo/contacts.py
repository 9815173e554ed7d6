"""One month of MASH contacts: who got in touch, about which child, how, and what came of it.

Volumes, referral shares, channels and districts are drawn with controlled rounding
(stratified.py) so that every seed reproduces the calibration; which school, agency, day
and child each row gets is random.
"""

from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd

from mash_demo import messy, targets
from mash_demo.name_stems import name_stem
from mash_demo.places import OUT_OF_COUNTY
from mash_demo.stratified import (
    apportion,
    assign_labels,
    categorical,
    stochastic_round,
    weighted_choice_without_replacement,
)
from mash_demo.term_calendar import (
    academic_year,
    month_day_weights,
    month_share,
    next_month,
)
from mash_demo.world import DISTRICTS, World

AGENCY_TYPES = tuple(targets.AGENCY_TYPE_TOTALS)
NON_SCHOOL_TYPES = tuple(t for t in AGENCY_TYPES if t != targets.SCHOOLS) + (
    targets.INDIVIDUAL,
    targets.UNKNOWN,
)
SUBCODES = {
    "Health services": {"3A": 0.17, "3B": 0.22, "3C": 0.10, "3D": 0.16, "3E": 0.15, "3F": 0.20},
    "LA services": {"5A": 0.25, "5B": 0.25, "5D": 0.5},
    targets.INDIVIDUAL: {"1A": 0.45, "1B": 0.12, "1C": 0.06, "1D": 0.22, "9": 0.15},
    targets.UNKNOWN: {"10": 1.0},
}
PROFILES = {
    targets.SCHOOLS: "school",
    "Police": "police",
    "Health services": "health",
    targets.INDIVIDUAL: "individual",
}
_HOURS = {
    "school": "0 0 0 0 0 0 0 .1 .6 1.1 1.3 1.3 1.2 1.3 1.4 1.3 .8 .3 .1 .05 0 0 0 0",
    "professional": "0 0 0 0 0 0 0 .1 .7 1.2 1.3 1.3 1.1 1.2 1.3 1.2 1 .5 .2 .1 .05 0 0 0",
    "police": ".3 .25 .2 .15 .1 .1 .15 .3 .7 1 1.1 1.1 1 1 1.1 1.1 1 .9 .8 .7 .6 .5 .45 .4",
    "health": ".05 .05 0 0 0 0 .05 .2 .8 1.2 1.3 1.3 1.1 1.2 1.2 1.1 .9 .5 .3 .2 .15 .1 .1 .05",
    "individual": ".05 .03 .02 .02 .02 .03 .1 .3 .7 1 1.1 1.1 1 1 1 1 1 .9 .8 .7 .6 .4 .25 .1",
}
# Relative activity by hour of day (0-23) for each kind of referrer.
HOUR_WEIGHTS = {name: tuple(float(x) for x in row.split()) for name, row in _HOURS.items()}
MONTH_NOISE_SD = 0.01
CHANNEL_DRIFT = 0.98  # phone share multiplier per year after the baseline (moving to email)
OLD_NAME_AFTER_CONVERSION = 0.2
# Staff of a school whose name another school of the register shares add their town this often.
TOWN_ADDED_TO_SHARED_NAME = 0.8


@dataclass(frozen=True)
class Trial:
    """The effect a trial has on intervention schools' phone contacts in its months."""

    intervention_urns: frozenset[int]
    phone_rate_ratio: float
    displacement_share: float


@dataclass
class MonthContacts:
    month: date
    contacts: pd.DataFrame  # one row per contact, final state of this month's extract
    diverted: pd.DataFrame  # phone contacts the Customer Service Centre settled instead
    phone_base: pd.DataFrame  # phone contacts before any trial effect (sources of other calls)


def month_key(month: date) -> int:
    return month.year * 100 + month.month


def era(day: date) -> str:
    return "old" if day < targets.NEW_CASE_SYSTEM else "new"


def profile(agency_type: str) -> str:
    return PROFILES.get(agency_type, "professional")


def _times(rng: np.random.Generator, month: date, profile_name: str, n: int) -> np.ndarray:
    """n datetimes (minute resolution) spread over the month's days and hours."""
    weights = month_day_weights(month, profile_name)
    days = assign_labels(rng, apportion(rng, n, weights))
    hours = np.asarray(HOUR_WEIGHTS[profile_name], dtype=float)
    hour = rng.choice(24, size=n, p=hours / hours.sum())
    minutes = days * 1440 + hour * 60 + rng.integers(0, 60, n)
    return np.datetime64(month, "m") + minutes.astype("timedelta64[m]")


def _volumes(world: World, month: date, scale: float) -> dict[str, int]:
    rng = world.rng("contact volumes", month_key(month))
    year = academic_year(month)
    volumes = {}
    for agency_type in (targets.SCHOOLS, *NON_SCHOOL_TYPES):
        expected = targets.annual_total(agency_type, year) * month_share(
            month, profile(agency_type)
        )
        noise = np.exp(MONTH_NOISE_SD * rng.standard_normal())
        volumes[agency_type] = int(stochastic_round(rng, expected * scale * noise))
    return volumes


def _school_rows(world: World, month: date, n: int) -> pd.DataFrame:
    rng = world.rng("school contacts", month_key(month))
    schools = world.schools
    chosen = rng.choice(len(schools), size=n, p=world.school_weights(academic_year(month)))
    cumulative = np.stack(schools["district_cum"].to_numpy())[chosen] if n else np.zeros((0, 7))
    district = np.asarray(DISTRICTS, dtype=object)[categorical(rng, cumulative)]
    return pd.DataFrame(
        {
            "contact_at": _times(rng, month, "school", n),
            "kind": "school",
            "agency_type": targets.SCHOOLS,
            "cin_code": "2A",
            "agency_id": schools["agency_id"].to_numpy()[chosen],
            "school_row": chosen,
            "child_district": district,
        }
    )


def _non_school_rows(
    world: World, month: date, volumes: dict[str, int], school_districts: np.ndarray
) -> pd.DataFrame:
    rng = world.rng("agency contacts", month_key(month))
    parts = []
    for agency_type in NON_SCHOOL_TYPES:
        n = volumes[agency_type]
        if agency_type in SUBCODES:
            codes, shares = zip(*SUBCODES[agency_type].items(), strict=True)
        else:
            codes = tuple(
                world.agencies.loc[
                    world.agencies["agency_type"] == agency_type, "cin_code"
                ].unique()
            )
            shares = (1.0,) * len(codes)
        code = np.asarray(codes, dtype=object)[
            assign_labels(rng, apportion(rng, n, np.asarray(shares)))
        ]
        kind = {targets.INDIVIDUAL: "individual", targets.UNKNOWN: "unknown"}.get(
            agency_type, "agency"
        )
        parts.append(
            pd.DataFrame(
                {
                    "contact_at": _times(rng, month, profile(agency_type), n),
                    "kind": kind,
                    "agency_type": agency_type,
                    "cin_code": code,
                }
            )
        )
    rows = pd.concat(parts, ignore_index=True)

    # Districts: what the schools left of each district's target, shared out.
    total = len(rows) + len(school_districts)
    wanted = np.array(list(targets.DISTRICT_TOTALS.values()), dtype=float)
    wanted = total * wanted / wanted.sum()
    taken = np.array([(school_districts == d).sum() for d in DISTRICTS])
    rows["child_district"] = np.asarray(DISTRICTS, dtype=object)[
        assign_labels(rng, apportion(rng, len(rows), np.maximum(wanted - taken, 0.0)))
    ]

    district_index = rows["child_district"].map({d: i for i, d in enumerate(DISTRICTS)}).to_numpy()
    codes = rows["cin_code"].to_numpy()
    is_agency = (rows["kind"] == "agency").to_numpy()
    agency_id = np.full(len(rows), "", dtype=object)
    for code, (ids, cumulative) in world.agency_choice.items():
        mask = is_agency & (codes == code)
        agency_id[mask] = ids[categorical(rng, cumulative[district_index[mask]])]
    rows["agency_id"] = agency_id
    rows["school_row"] = -1
    return rows


def _assign_referrals(world: World, rng: np.random.Generator, rows: pd.DataFrame) -> np.ndarray:
    is_referral = np.zeros(len(rows), dtype=bool)
    odds = np.ones(len(rows))
    schools = rows["school_row"].to_numpy() >= 0
    odds[schools] = world.schools["referral_odds"].to_numpy()[
        rows["school_row"].to_numpy()[schools]
    ]
    for agency_type, group in rows.groupby("agency_type"):
        index = group.index.to_numpy()
        wanted = int(stochastic_round(rng, len(index) * targets.referral_rate(agency_type)))
        is_referral[index[weighted_choice_without_replacement(rng, odds[index], wanted)]] = True
    return is_referral


def _assign_channels(
    world: World, rng: np.random.Generator, rows: pd.DataFrame, month: date
) -> np.ndarray:
    channel = np.full(len(rows), "email", dtype=object)
    odds = np.ones(len(rows))
    schools = rows["school_row"].to_numpy() >= 0
    odds[schools] = world.schools["phone_odds"].to_numpy()[rows["school_row"].to_numpy()[schools]]
    drift = CHANNEL_DRIFT ** max(academic_year(month) - targets.BASELINE_YEAR, 0)
    for (agency_type, is_referral), group in rows.groupby(["agency_type", "is_referral"]):
        index = group.index.to_numpy()
        phone_share, email_share = targets.CHANNEL_MIX[agency_type][bool(is_referral)]
        phone_share *= drift
        counts = apportion(
            rng,
            len(index),
            np.array(
                [
                    phone_share,
                    (1 - phone_share) * email_share,
                    (1 - phone_share) * (1 - email_share),
                ]
            ),
        )
        phone = index[weighted_choice_without_replacement(rng, odds[index], counts[0])]
        channel[phone] = "phone"
        rest = rng.permutation(np.setdiff1d(index, phone))
        channel[rest[: counts[2]]] = "other"
    return channel


def _divert_after_menu_change(rng: np.random.Generator, rows: pd.DataFrame) -> np.ndarray:
    """Professionals' phone contacts that the new menu sends to the Customer Service Centre."""
    eligible = (
        (rows["contact_at"] >= np.datetime64(targets.MENU_CHANGE, "m"))
        & rows["kind"].isin(["school", "agency"])
        & (rows["channel"] == "phone")
        & ~rows["is_referral"]
    ).to_numpy()
    return eligible & (rng.random(len(rows)) < targets.MENU_CHANGE_DIVERTED)


def _flip_history(rng: np.random.Generator, rows: pd.DataFrame, month: date) -> None:
    """Some contacts are recorded first with a different referral decision."""
    final = rows["is_referral"].to_numpy()
    roll = rng.random(len(rows))
    flipped = np.where(final, roll < targets.BECAME_REFERRAL, roll < targets.STOPPED_BEING_REFERRAL)
    rows["initial_referral"] = final ^ flipped
    following = np.datetime64(next_month(month), "m")
    later = rng.integers(0, 10, len(rows)) * 1440 + rng.integers(8 * 60, 18 * 60, len(rows))
    updated = following + later.astype("timedelta64[m]")
    rows["updated_at"] = np.where(flipped, updated, np.datetime64("NaT"))
    rows["recorded_at"] = rows["contact_at"] + rng.integers(5, 240, len(rows)).astype(
        "timedelta64[m]"
    )


def _school_name(
    world: World, rng: np.random.Generator, school_row: int, when: date
) -> tuple[str, int]:
    """(name as typed, URN valid on the day) for a school contact."""
    history = world.school_history[int(world.school_urns[school_row])]
    urn_now, name_now = history[-1][0], history[-1][1]
    for urn, name, valid_from, valid_to in history:
        if valid_from <= when <= valid_to:
            urn_now, name_now = urn, name
            break
    urn_at = urn_now
    if len(history) > 1 and urn_now != history[0][0] and rng.random() < OLD_NAME_AFTER_CONVERSION:
        name_now = history[-2][1]
    habits = _habits(world, f"school:{name_now}", name_now)
    shared = name_stem(name_now) in world.shared_school_stems
    town = str(world.schools.at[school_row, "town"]) if shared else None
    return _typed_name(rng, habits, "school", "2A", town), urn_at


def _habits(world: World, key: str, name: str, aliases: str | None = None) -> list[str]:
    cache = world.name_habits
    if key not in cache:
        rng = world.rng("name habits", key)
        if aliases is None:
            cache[key] = messy.school_name_habits(rng, name)
        else:
            cache[key] = messy.agency_name_habits(rng, name, aliases)
    return cache[key]


def _typed_name(
    rng: np.random.Generator, habits: list[str], kind: str, cin_code: str, town: str | None = None
) -> str:
    """A referrer name as typed; ``town`` is the school's when another school's name reads
    the same, which its staff then often add."""
    roll = rng.random()
    if roll < 0.015:
        return ""
    name = messy.choose_habit(rng, habits)
    if town and rng.random() < TOWN_ADDED_TO_SHARED_NAME:
        name = messy.with_town(rng, name, town)
    if rng.random() < 0.07:
        name = messy.typo(rng, name)
    if rng.random() < (0.15 if kind == "school" else 0.2 if cin_code != "6" else 0.45):
        name = (
            messy.with_school_person(rng, name)
            if kind == "school"
            else messy.with_agency_person(rng, name, cin_code)
        )
    if rng.random() < 0.08:
        name = messy.recase(rng, name)
    return name


def _address(rng: np.random.Generator, kind: str, town: str, postcode: str) -> str:
    roll = rng.random()
    if kind == "school" and roll < 0.3:
        street = messy.pick(rng, ("School Lane", "Church Street", "Park Road", "Manor Road"))
        if rng.random() < 0.07:
            return f"{street}\n{town}\n{postcode}"
        return f"{street}, {town}, {postcode}"
    if kind == "individual" and roll < 0.2:
        street = messy.pick(
            rng, ("Queens Road", "Oak Close", "Avon Street", "Mill Lane", "Park View")
        )
        return f"{rng.integers(1, 200)} {street}, {town}"
    return ""


def _referrer(
    world: World, rng: np.random.Generator, row, day: date, agencies: dict, schools: list[dict]
) -> tuple[str, tuple[str, ...], str, str, int]:
    """(referrer name, referrer type words, address, method kind, URN on the day) of a row."""
    if row.kind == "school":
        school = schools[row.school_row]
        name, urn_at = _school_name(world, rng, row.school_row, day)
        words = messy.TYPE_WORDS["2A"] + messy.SCHOOL_TYPE_WORDS.get(school["kind"], ())
        if school["type_name"].startswith("Academy"):
            words += ("Academy",)
        return (
            name,
            words,
            _address(rng, "school", school["town"], school["postcode"]),
            "school",
            urn_at,
        )
    if row.kind == "agency":
        agency = agencies[row.agency_id]
        habits = _habits(world, f"agency:{row.agency_id}", agency["agency_name"], agency["aliases"])
        name = _typed_name(rng, habits, "agency", row.cin_code)
        words = messy.type_words(agency["agency_name"], row.cin_code)
        method_kind = (
            "police" if row.cin_code == "6" else "health" if row.cin_code[0] == "3" else "agency"
        )
        return name, words, "", method_kind, 0
    if row.kind == "individual":
        name = messy.individual_name(rng, row.cin_code)
    else:
        name = messy.pick(rng, ("", "", "Caller did not give details", "Professional - not known"))
    town = messy.pick(rng, ("Nuneaton", "Rugby", "Leamington Spa"))
    return name, messy.TYPE_WORDS[row.cin_code], _address(rng, row.kind, town, ""), "individual", 0


def _texts(world: World, rng: np.random.Generator, rows: pd.DataFrame) -> None:
    """Referrer type and name, method and outcome, as a person would type them."""
    columns = ("referrer_name", "referrer_type", "referrer_address", "contact_method")
    texts = {c: [] for c in (*columns, "outcome_final", "outcome_initial", "school_urn_at")}
    agencies = world.agencies.set_index("agency_id")[["agency_name", "aliases"]].to_dict("index")
    schools = world.schools[["kind", "type_name", "town", "postcode"]].to_dict("records")
    days = rows["contact_at"].to_numpy().astype("datetime64[D]").astype(object)
    fields = ["kind", "school_row", "agency_id", "cin_code", "channel", "child_district"]
    for day, row in zip(
        days,
        rows[[*fields, "is_referral", "initial_referral"]].itertuples(index=False),
        strict=True,
    ):
        period = era(day)
        name, words, address, method_kind, urn_at = _referrer(
            world, rng, row, day, agencies, schools
        )
        texts["referrer_name"].append(name)
        texts["referrer_type"].append(messy.referrer_type_text(rng, row.cin_code, words, period))
        texts["referrer_address"].append(address)
        texts["contact_method"].append(messy.method_text(rng, row.channel, method_kind, period))
        texts["school_urn_at"].append(urn_at)
        out_of_county = row.child_district == OUT_OF_COUNTY
        final = messy.outcome_text(rng, row.is_referral, out_of_county)
        texts["outcome_final"].append(final)
        changed = row.initial_referral != row.is_referral
        texts["outcome_initial"].append(
            messy.outcome_text(rng, row.initial_referral, out_of_county) if changed else final
        )
    for column, values in texts.items():
        rows[column] = values


def _child_fields(world: World, rng: np.random.Generator, rows: pd.DataFrame, month: date) -> None:
    n = len(rows)
    rows["child_id"] = world.child_ids[
        rng.choice(len(world.child_ids), size=n, p=world.child_popularity)
    ]
    for column, options in (
        ("child_ethnicity", messy.ETHNICITIES),
        ("child_language", messy.LANGUAGES),
        ("child_disability", messy.DISABILITIES),
        ("responsible_team", messy.TEAMS[era(month)]),
    ):
        rows[column] = options.draw_many(rng, n)


def _apply_trial(
    world: World, rng: np.random.Generator, rows: pd.DataFrame, trial: Trial, month: date
) -> pd.DataFrame:
    """Intervention schools' phone contacts (not referrals) scaled by the rate ratio; a share
    of the removed ones arrive by email instead."""
    urns = world.schools["urn"].to_numpy()
    school_row = rows["school_row"].to_numpy()
    in_arm = np.zeros(len(rows), dtype=bool)
    schools = school_row >= 0
    in_arm[schools] = np.isin(urns[school_row[schools]], list(trial.intervention_urns))
    eligible = in_arm & (rows["channel"] == "phone").to_numpy() & ~rows["is_referral"].to_numpy()
    rows["trial_effect"] = ""
    ratio = trial.phone_rate_ratio
    if ratio <= 1:
        removed = eligible & (rng.random(len(rows)) >= ratio)
        displaced = removed & (rng.random(len(rows)) < trial.displacement_share)
        rows.loc[displaced, "channel"] = "email"
        rows.loc[displaced, "contact_method"] = [
            messy.method_text(rng, "email", "school", era(pd.Timestamp(t).date()))
            for t in rows.loc[displaced, "contact_at"]
        ]
        rows.loc[displaced, "trial_effect"] = "displaced"
        return rows[~(removed & ~displaced)].reset_index(drop=True)
    copies = rng.poisson(ratio - 1, len(rows)) * eligible
    extra = rows.loc[np.repeat(rows.index.to_numpy(), copies)].copy()
    if len(extra):
        shift = rng.integers(-3 * 1440, 3 * 1440, len(extra)).astype("timedelta64[m]")
        first, last_minute = np.datetime64(month, "m"), np.datetime64(next_month(month), "m") - 1
        extra["contact_at"] = np.clip(extra["contact_at"].to_numpy() + shift, first, last_minute)
        extra["recorded_at"] = extra["contact_at"] + np.timedelta64(30, "m")
        extra["child_id"] = world.child_ids[
            rng.choice(len(world.child_ids), size=len(extra), p=world.child_popularity)
        ]
        last = int(rows["contact_id"].str[-5:].astype(int).max())
        prefix = rows["contact_id"].iat[0][:-5]
        extra["contact_id"] = [f"{prefix}{last + k + 1:05d}" for k in range(len(extra))]
        extra["trial_effect"] = "extra"
    return pd.concat([rows, extra], ignore_index=True)


def generate_contacts(
    world: World, month: date, scale: float, trial: Trial | None
) -> MonthContacts:
    volumes = _volumes(world, month, scale)
    school_rows = _school_rows(world, month, volumes[targets.SCHOOLS])
    other_rows = _non_school_rows(world, month, volumes, school_rows["child_district"].to_numpy())
    rows = pd.concat([school_rows, other_rows], ignore_index=True)
    rows["in_scope"] = rows["kind"] != "individual"

    rows["is_referral"] = _assign_referrals(world, world.rng("referrals", month_key(month)), rows)
    rows["channel"] = _assign_channels(world, world.rng("channels", month_key(month)), rows, month)

    order = np.lexsort(
        (world.rng("order", month_key(month)).random(len(rows)), rows["contact_at"].to_numpy())
    )
    rows = rows.iloc[order].reset_index(drop=True)
    rows["contact_id"] = [f"{month:%y%m}{i + 1:05d}" for i in range(len(rows))]
    rows["school_urn"] = np.where(
        rows["school_row"] >= 0,
        world.schools["urn"].to_numpy()[np.maximum(rows["school_row"], 0)],
        0,
    )

    _flip_history(world.rng("history", month_key(month)), rows, month)
    _texts(world, world.rng("texts", month_key(month)), rows)
    _child_fields(world, world.rng("children", month_key(month)), rows, month)

    diverted_mask = _divert_after_menu_change(world.rng("menu", month_key(month)), rows)
    diverted = rows[diverted_mask].reset_index(drop=True)
    rows = rows[~diverted_mask].reset_index(drop=True)
    phone_base = rows[rows["channel"] == "phone"].reset_index(drop=True)
    if trial is not None:
        rows = _apply_trial(world, world.rng("trial", month_key(month)), rows, trial, month)
    else:
        rows["trial_effect"] = ""
    rows = rows.sort_values(["contact_at", "contact_id"], ignore_index=True)
    return MonthContacts(month=month, contacts=rows, diverted=diverted, phone_base=phone_base)
