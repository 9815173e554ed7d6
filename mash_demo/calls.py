"""One month of telephone call records, consistent with the month's phone contacts.

Every phone contact has its call; on top come calls that never became a contact
(professionals asking advice, existing-case calls, members of the public, abandoned calls
and voicemail). From 14 Jan 2019 the menu offers professionals an advice line (option 2,
Customer Service Centre), which takes most advice calls and some would-be contacts.
"""

import re
from datetime import date

import numpy as np
import pandas as pd

from mash_demo import targets
from mash_demo.contacts import HOUR_WEIGHTS, MonthContacts, Trial, month_key, profile
from mash_demo.messy import Weighted
from mash_demo.phones import write_as
from mash_demo.stratified import stochastic_round
from mash_demo.term_calendar import month_day_weights
from mash_demo.world import World

SOURCE_COLUMNS = ["kind", "agency_type", "agency_id", "school_urn"]
MENU_TEAMS = {
    False: {"1": "MASH", "2": "MASH", "3": "MASH Business Support"},
    True: {"1": "MASH", "2": "Customer Service Centre", "3": "MASH", "4": "MASH Business Support"},
}
# Menu digit pressed, by (what the call was for, caller is a professional, after the change).
IVR_CHOICES = {
    ("contact", True, False): Weighted(("1", "3", "2"), (0.93, 0.04, 0.03)),
    ("contact", False, False): Weighted(("2", "1", "3"), (0.9, 0.06, 0.04)),
    ("contact", True, True): Weighted(("1", "2", "4"), (0.82, 0.13, 0.05)),
    ("contact", False, True): Weighted(("3", "1", "2"), (0.9, 0.05, 0.05)),
    ("advice", True, False): Weighted(("1", "3"), (0.95, 0.05)),
    ("advice", True, True): Weighted(("2", "1"), (0.65, 0.35)),
    ("diverted", True, True): Weighted(("2",), (1.0,)),
    ("existing", True, False): Weighted(("3", "1", "2"), (0.9, 0.06, 0.04)),
    ("existing", False, False): Weighted(("3", "2"), (0.8, 0.2)),
    ("existing", True, True): Weighted(("4", "1", "2"), (0.9, 0.05, 0.05)),
    ("existing", False, True): Weighted(("4", "3"), (0.85, 0.15)),
    ("public", False, False): Weighted(("2",), (1.0,)),
    ("public", False, True): Weighted(("3",), (1.0,)),
}
ADVICE_OUTCOMES = {
    "MASH": Weighted(("Consultation", "Information and Signposting"), (0.6, 0.4)),
    "Customer Service Centre": Weighted(
        ("Information and Signposting", "Early Help Follow Up", "Consultation"), (0.55, 0.35, 0.1)
    ),
}
EXISTING_OUTCOMES = Weighted(("Passed to Allocated Worker", "Message Taken"), (0.6, 0.4))
PUBLIC_OUTCOMES = Weighted(("Information and Signposting", "Consultation"), (0.7, 0.3))
VOICEMAIL_OUTCOMES = Weighted(("Message Taken", ""), (0.5, 0.5))
CONTACT_CALL_OUTCOMES = (
    ("referral|single assessment|strategy", "Single Assessment"),
    ("early help", "Early Help Follow Up"),
    ("advice|information|signposting|consultation", "Information and Signposting"),
    ("open case|allocated", "Passed to Allocated Worker"),
)


def contact_call_outcome(outcome: str) -> str:
    """What the call handler records for a call that became a contact with this outcome."""
    text = outcome.lower()
    for pattern, result in CONTACT_CALL_OUTCOMES:
        if re.search(pattern, text):
            return result
    return "Contact Recorded"


def _random_times(rng: np.random.Generator, month: date, agency_types: pd.Series) -> np.ndarray:
    profiles = agency_types.map(profile).to_numpy(dtype=object)
    seconds = np.zeros(len(profiles), dtype=np.int64)
    for name in np.unique(profiles):
        mask = profiles == name
        n = int(mask.sum())
        weights = month_day_weights(month, name)
        day = rng.choice(len(weights), size=n, p=weights / weights.sum())
        hours = np.asarray(HOUR_WEIGHTS[name], dtype=float)
        hour = rng.choice(24, size=n, p=hours / hours.sum())
        seconds[mask] = day * 86400 + hour * 3600 + rng.integers(0, 3600, n)
    return np.datetime64(month, "s") + seconds.astype("timedelta64[s]")


def _sample(
    rng: np.random.Generator, pool: pd.DataFrame, rate: float, purpose: str
) -> pd.DataFrame:
    n = int(stochastic_round(rng, rate * len(pool))) if len(pool) else 0
    picked = pool.iloc[rng.integers(0, max(len(pool), 1), n)][SOURCE_COLUMNS].reset_index(drop=True)
    picked["purpose"] = purpose
    picked["route"] = purpose
    return picked


def _thin_for_trial(rng: np.random.Generator, calls: pd.DataFrame, trial: Trial) -> pd.DataFrame:
    """Advice calls from intervention schools follow the phone rate ratio too."""
    in_arm = (
        calls["school_urn"].isin(trial.intervention_urns).to_numpy()
        & (calls["purpose"] == "advice").to_numpy()
    )
    if trial.phone_rate_ratio <= 1:
        return calls[~(in_arm & (rng.random(len(calls)) >= trial.phone_rate_ratio))].reset_index(
            drop=True
        )
    copies = rng.poisson(trial.phone_rate_ratio - 1, len(calls)) * in_arm
    return pd.concat(
        [calls, calls.loc[np.repeat(calls.index.to_numpy(), copies)]], ignore_index=True
    )


def _caller_numbers(
    world: World, rng: np.random.Generator, calls: pd.DataFrame
) -> tuple[list, list]:
    """The number each call came from, and whether it is the caller's registered number."""
    switchboards = dict(zip(world.schools["agency_id"], world.schools["telephone"], strict=True))
    agencies = world.agencies
    switchboards.update(
        {a: t for a, t in zip(agencies["agency_id"], agencies["telephone"], strict=True) if t}
    )
    numbers, kinds = [], []
    individuals = world.individual_numbers
    for kind, agency_id, roll in zip(
        calls["kind"], calls["agency_id"], rng.random(len(calls)), strict=True
    ):
        if kind in ("school", "agency"):
            switchboard = switchboards.get(agency_id)
            if switchboard and roll < (0.6 if kind == "school" else 0.55):
                numbers.append(switchboard)
                kinds.append(f"{kind}_registered")
            elif roll < 0.9:
                staff = world.staff_numbers[agency_id]
                numbers.append(staff[int(rng.integers(len(staff)))])
                kinds.append(f"{kind}_other")
            else:
                numbers.append("")
                kinds.append("withheld")
        elif roll < 0.88:
            numbers.append(individuals[int(rng.integers(len(individuals)))])
            kinds.append("individual")
        else:
            numbers.append("")
            kinds.append("withheld")
    return numbers, kinds


def _written_numbers(rng: np.random.Generator, numbers: list[str], after: np.ndarray) -> list[str]:
    """The old telephone system wrote national numbers, the new one +44."""
    written = []
    for number, late, roll in zip(numbers, after, rng.random(len(numbers)), strict=True):
        if number:
            if late:
                style = "e164" if roll < 0.85 else "intl_spaced"
            else:
                style = "national" if roll < 0.85 else "spaced"
            number = write_as(number, style)
        written.append(number)
    return written


def _sources(world: World, month_contacts: MonthContacts, trial: Trial | None) -> pd.DataFrame:
    """One row per call: who called and why (contact, advice, existing case, public...).
    Calls that never became contacts are drawn from the phone contacts before any trial
    effect, on streams of their own, so a trial changes only the intervention schools'."""
    month = month_contacts.month
    key = month_key(month)
    contacts = month_contacts.contacts
    phone = contacts[contacts["channel"] == "phone"]
    contact_calls = phone[
        [*SOURCE_COLUMNS, "contact_id", "contact_at", "outcome_initial", "outcome_final"]
    ].copy()
    contact_calls["updated_at"] = phone["updated_at"]
    contact_calls["purpose"] = "contact"
    contact_calls["route"] = "contact"
    lag = (
        world.rng("call lags", key)
        .integers(60, 20 * 60, len(contact_calls))
        .astype("timedelta64[s]")
    )
    contact_calls["call_start"] = np.maximum(
        contact_calls["contact_at"].to_numpy().astype("datetime64[s]") - lag,
        np.datetime64(month, "s"),
    )

    diverted = month_contacts.diverted
    diverted_calls = diverted[SOURCE_COLUMNS].copy()
    diverted_calls["purpose"] = "advice"
    diverted_calls["route"] = "diverted"
    diverted_calls["call_start"] = diverted["contact_at"].to_numpy().astype("datetime64[s]")

    base = month_contacts.phone_base
    professional = base[base["kind"].isin(["school", "agency"]) & ~base["is_referral"]]
    after_change = month >= date(targets.MENU_CHANGE.year, targets.MENU_CHANGE.month, 1)
    advice_rate = targets.ADVICE_CALLS_PER_PROFESSIONAL_PHONE_CONTACT * (
        1.1 if after_change else 1.0
    )
    rng = world.rng("call sources", key)
    others = pd.concat(
        [
            _sample(rng, professional, advice_rate, "advice"),
            _sample(rng, base, targets.EXISTING_CASE_CALLS_PER_PHONE_CONTACT, "existing"),
            _sample(
                rng,
                base[base["kind"] == "individual"],
                targets.PUBLIC_CALLS_PER_INDIVIDUAL_PHONE_CONTACT,
                "public",
            ),
        ],
        ignore_index=True,
    )
    if trial is not None:
        others = _thin_for_trial(world.rng("trial calls", key), others, trial)
    others["call_start"] = _random_times(world.rng("call times", key), month, others["agency_type"])
    answered = pd.concat([contact_calls, diverted_calls, others], ignore_index=True)

    # Abandoned calls and voicemail: callers like the answered ones, at other times.
    rng = world.rng("lost calls", key)
    extra = []
    for purpose, share in (
        ("abandoned", targets.ABANDONED_SHARE[after_change]),
        ("voicemail", targets.VOICEMAIL_SHARE),
    ):
        n = int(stochastic_round(rng, share * len(answered)))
        picked = answered.iloc[rng.integers(0, max(len(answered), 1), n)][
            [*SOURCE_COLUMNS, "route"]
        ]
        picked = picked.assign(purpose=purpose).reset_index(drop=True)
        picked["call_start"] = _random_times(rng, month, picked["agency_type"])
        if purpose == "voicemail":
            evening = rng.integers(18 * 3600, 23 * 3600, n).astype("timedelta64[s]")
            picked["call_start"] = picked["call_start"].to_numpy().astype("datetime64[D]") + evening
        extra.append(picked)
    return pd.concat([answered, *extra], ignore_index=True)


def generate_calls(
    world: World, month_contacts: MonthContacts, trial: Trial | None
) -> pd.DataFrame:
    month = month_contacts.month
    calls = _sources(world, month_contacts, trial)
    rng = world.rng("calls", month_key(month))
    n = len(calls)
    call_start = calls["call_start"].to_numpy().astype("datetime64[s]")
    after = call_start >= np.datetime64(targets.MENU_CHANGE, "s")
    professional = calls["kind"].isin(["school", "agency", "unknown"]).to_numpy()
    route = calls["route"].to_numpy(dtype=object)
    route = np.where((route == "diverted") & ~after, "advice", route)

    ivr = np.full(n, "1", dtype=object)
    for (key, is_professional, is_after), choices in IVR_CHOICES.items():
        mask = (route == key) & (professional == is_professional) & (after == is_after)
        ivr[mask] = choices.draw_many(rng, int(mask.sum()))
    team = np.array([MENU_TEAMS[bool(a)][o] for o, a in zip(ivr, after, strict=True)], dtype=object)

    purpose = calls["purpose"].to_numpy(dtype=object)
    result = np.full(n, "Answered", dtype=object)
    outcome = np.full(n, "", dtype=object)
    wait = np.exp(np.log(70) + 0.9 * rng.standard_normal(n))
    wait[team == "Customer Service Centre"] *= 0.5
    talk = np.exp(np.log(420) + 0.5 * rng.standard_normal(n))

    is_contact = purpose == "contact"
    initial = calls["outcome_initial"].fillna("").to_numpy(dtype=object)
    final = calls["outcome_final"].fillna("").to_numpy(dtype=object)
    outcome[is_contact] = [contact_call_outcome(o) for o in initial[is_contact]]
    outcome_final = outcome.copy()
    outcome_final[is_contact] = [contact_call_outcome(o) for o in final[is_contact]]
    talk[is_contact] *= 1.35
    via_csc = is_contact & (team == "Customer Service Centre")
    result[via_csc] = "Transferred"
    outcome[via_csc] = outcome_final[via_csc] = "Transferred to MASH"

    advice = purpose == "advice"
    for name, choices in ADVICE_OUTCOMES.items():
        mask = advice & (team == name)
        outcome[mask] = choices.draw_many(rng, int(mask.sum()))
    moved = advice & (team == "Customer Service Centre") & (rng.random(n) < 0.2)
    result[moved] = "Transferred"
    team[moved] = np.where(
        rng.random(int(moved.sum())) < 0.6, "Early Help", "Family Information Service"
    )
    for mask, choices in (
        (purpose == "existing", EXISTING_OUTCOMES),
        (purpose == "public", PUBLIC_OUTCOMES),
    ):
        outcome[mask] = choices.draw_many(rng, int(mask.sum()))
    talk[purpose == "existing"] *= 0.45
    abandoned = purpose == "abandoned"
    result[abandoned] = "Abandoned"
    wait[abandoned] = np.exp(np.log(160) + 0.8 * rng.standard_normal(int(abandoned.sum())))
    talk[abandoned] = 0
    voicemail = purpose == "voicemail"
    result[voicemail] = "Voicemail"
    outcome[voicemail] = VOICEMAIL_OUTCOMES.draw_many(rng, int(voicemail.sum()))
    talk[voicemail] = rng.integers(15, 90, int(voicemail.sum()))
    outcome_final[~is_contact] = outcome[~is_contact]

    numbers, caller_kinds = _caller_numbers(world, rng, calls)
    calls["caller_number"] = _written_numbers(rng, numbers, after)
    calls["caller_kind"] = caller_kinds
    calls["ivr_option"] = ivr
    calls["handling_team"] = team
    calls["wait_seconds"] = np.minimum(np.round(wait), 1800).astype(int)
    calls["talk_seconds"] = np.round(talk).astype(int)
    calls["call_result"] = result
    calls["call_outcome"] = outcome
    calls["call_outcome_final"] = outcome_final
    calls["call_start"] = call_start
    duration = (
        (calls["wait_seconds"] + calls["talk_seconds"] + 5).to_numpy().astype("timedelta64[s]")
    )
    calls["recorded_at"] = call_start + duration
    calls["contact_id"] = calls["contact_id"].fillna("")
    changed = is_contact & (outcome != outcome_final)
    calls["updated_at"] = calls["updated_at"].where(changed)

    order = np.lexsort((rng.random(n), call_start))
    calls = calls.iloc[order].reset_index(drop=True)
    calls["call_id"] = [f"C{month:%y%m}{i + 1:06d}" for i in range(n)]
    return calls.drop(columns=["outcome_initial", "outcome_final", "contact_at", "route"])
