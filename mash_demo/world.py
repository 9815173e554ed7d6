"""The demo world for one seed: school register, agencies, telephone numbers and every
school's and agency's habits. Everything month-independent lives here, so that any month
generated later (a trial period, say) sees the same schools behaving the same way.
"""

import zlib
from dataclasses import dataclass, field
from datetime import date
from functools import cached_property, lru_cache

import numpy as np
import pandas as pd

from dagster_project import settings
from mash_demo import targets
from mash_demo.name_stems import name_stem
from mash_demo.phones import NumberBook, area_code, normalise
from mash_demo.places import HOME_DISTRICTS, OUT_OF_COUNTY
from mash_demo.propensity import school_weights
from mash_demo.schools import Register, build_register

#: The demo county's agency register, the one its shipped council profile names.
AGENCIES_SEED = settings.PROJECT_ROOT / "config" / "agencies.csv"
# Child's district categories, in the order of targets.DISTRICT_TOTALS.
DISTRICTS = tuple(targets.DISTRICT_TOTALS)
CHILD_POOL = 40_000
INDIVIDUAL_NUMBERS = 12_000
YEAR_DRIFT_SD = 0.15


def stream(seed: int, *keys: int | str) -> np.random.Generator:
    """An independent random stream for (seed, keys), e.g. (seed, 'contacts', 201709)."""
    entropy = [seed] + [k if isinstance(k, int) else zlib.crc32(k.encode()) for k in keys]
    return np.random.default_rng(entropy)


@dataclass
class World:
    seed: int
    register: Register
    schools: pd.DataFrame  # current open schools, one row per current URN, with habits
    agencies: pd.DataFrame
    staff_numbers: dict[str, list[str]]  # 'SCH<urn>' or agency id -> direct lines, mobiles
    individual_numbers: np.ndarray
    child_ids: np.ndarray
    child_popularity: np.ndarray
    agency_choice: dict[
        str, tuple[np.ndarray, np.ndarray]
    ]  # CIN code -> (ids, cumulative p by district)
    school_history: dict[
        int, list[tuple[int, str, date, date]]
    ]  # current URN -> (urn, name, from, to)
    name_habits: dict[str, list[str]] = field(default_factory=dict)

    @cached_property
    def school_urns(self) -> np.ndarray:
        return self.schools["urn"].to_numpy()

    @cached_property
    def shared_school_stems(self) -> frozenset[str]:
        """Name stems that schools of the register other than one (and its predecessors) have."""
        schools = self.register.schools
        owners = schools.groupby(schools["name"].map(name_stem))["current_urn"].nunique()
        return frozenset(owners.index[owners > 1])

    def rng(self, *keys: int | str) -> np.random.Generator:
        return stream(self.seed, *keys)

    def school_weights(self, academic_year: int) -> np.ndarray:
        """Relative contact rates of the schools in an academic year (baseline unchanged)."""
        base = self.schools["weight"].to_numpy()
        if academic_year <= targets.BASELINE_YEAR:
            return base / base.sum()
        drift = np.ones(len(base))
        for year in range(targets.BASELINE_YEAR + 1, academic_year + 1):
            drift *= np.exp(
                YEAR_DRIFT_SD * self.rng("school drift", year).standard_normal(len(base))
            )
        weights = base * drift
        return weights / weights.sum()


def _agencies(rng: np.random.Generator) -> pd.DataFrame:
    agencies = pd.read_csv(AGENCIES_SEED, dtype=str, keep_default_na=False)
    weight = np.exp(0.7 * rng.standard_normal(len(agencies)))
    name = agencies["agency_name"]
    weight *= np.where(name.str.contains("MASH"), 6.0, 1.0)
    weight *= np.where(name.str.contains("Response|Protecting Vulnerable"), 3.0, 1.0)
    weight *= np.where(name.str.contains("Hospital|Trust"), 1.5, 1.0)
    weight *= np.where(agencies["district"] == OUT_OF_COUNTY, 0.5, 1.0)
    agencies["weight"] = weight
    return agencies


def _district_probabilities(schools: pd.DataFrame) -> np.ndarray:
    """Each school's chance of a contact being about a child of each district category."""
    probabilities = np.zeros((len(schools), len(DISTRICTS)))
    index = {d: i for i, d in enumerate(DISTRICTS)}
    for row, (role, district, nearest) in enumerate(
        zip(schools["role"], schools["district"], schools["nearest_home_districts"], strict=True)
    ):
        if role == "home":
            for other in HOME_DISTRICTS:
                probabilities[row, index[other]] = 0.07 / 4
            probabilities[row, index[district]] = 0.86
            probabilities[row, index[OUT_OF_COUNTY]] = 0.03
            probabilities[row, index[""]] = 0.04
        else:
            for near in nearest:
                probabilities[row, index[near]] = 0.40 / len(nearest)
            probabilities[row, index[OUT_OF_COUNTY]] = 0.55
            probabilities[row, index[""]] = 0.05
    return probabilities


def _school_history(register: Register) -> dict[int, list[tuple[int, str, date, date]]]:
    """For each current URN, the URNs and names it has had, oldest first, with dates."""
    schools = register.schools.sort_values(
        "open_date", key=lambda d: d.map(lambda v: v or date.min)
    )
    history: dict[int, list] = {}
    for urn, current, name, opened, closed, predecessor in zip(
        schools["urn"],
        schools["current_urn"],
        schools["name"],
        schools["open_date"],
        schools["close_date"],
        schools["predecessor_urn"],
        strict=True,
    ):
        valid_from = opened if pd.notna(predecessor) else date.min
        valid_to = closed if pd.notna(closed) else date.max
        history.setdefault(int(current), []).append((int(urn), name, valid_from, valid_to))
    for entries in history.values():
        entries.sort(key=lambda entry: entry[2])
    return history


def _affinity(agency_district: np.ndarray, child_district: str) -> np.ndarray:
    """How much likelier an agency is to refer a child from its own district."""
    affinity = np.where(agency_district == child_district, 3.0, 0.3)
    affinity[agency_district == ""] = 1.0
    out_of_county = agency_district == OUT_OF_COUNTY
    affinity[out_of_county] = 2.0 if child_district in (OUT_OF_COUNTY, "") else 0.5
    return affinity


def _agency_choice(agencies: pd.DataFrame) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    choice = {}
    for code, candidates in agencies.groupby("cin_code"):
        rows = []
        for district in DISTRICTS:
            weights = candidates["weight"].to_numpy() * _affinity(
                candidates["district"].to_numpy(), district
            )
            rows.append(np.cumsum(weights) / weights.sum())
        choice[code] = (candidates["agency_id"].to_numpy(), np.array(rows))
    return choice


@lru_cache(maxsize=4)
def build_world(seed: int) -> World:
    if seed < 0:
        raise ValueError(f"seed must be a non-negative integer, got {seed}")
    agencies = _agencies(stream(seed, "agencies"))
    book = NumberBook(stream(seed, "numbers"), {normalise(t) for t in agencies["telephone"] if t})
    register = build_register(stream(seed, "register"), book)

    all_schools = register.schools
    current = all_schools[
        (all_schools["urn"] == all_schools["current_urn"])
        & (all_schools["status"] != "Closed")
        & (all_schools["kind"] != "fe")
        & (all_schools["role"] != "out_of_area")
    ].reset_index(drop=True)
    rng = stream(seed, "school habits")
    current["weight"] = school_weights(current, stream(seed, "school propensity"))
    current["phone_odds"] = np.exp(0.6 * rng.standard_normal(len(current)))
    current["referral_odds"] = np.exp(0.4 * rng.standard_normal(len(current)))
    current["district_cum"] = list(np.cumsum(_district_probabilities(current), axis=1))
    current["agency_id"] = "SCH" + current["urn"].astype(str)

    staff_rng = stream(seed, "staff numbers")
    staff_numbers = {}
    for owner, switchboard in zip(current["agency_id"], current["telephone"], strict=True):
        staff_numbers[owner] = [book.new_mobile(), book.new_landline(area_code(switchboard))]
    for owner, switchboard in zip(agencies["agency_id"], agencies["telephone"], strict=True):
        direct = book.new_landline(area_code(switchboard)) if switchboard else book.new_mobile()
        staff_numbers[owner] = [book.new_mobile(), direct, book.new_mobile()]
    home_codes = ["01926", "024 76", "01788", "01789", "01827"]
    individual_numbers = np.array(
        [
            book.new_mobile()
            if staff_rng.random() < 0.75
            else book.new_landline(str(staff_rng.choice(home_codes)))
            for _ in range(INDIVIDUAL_NUMBERS)
        ]
    )
    child_rng = stream(seed, "children")
    drawn = np.unique(child_rng.integers(1_000_000, 10_000_000, size=CHILD_POOL + CHILD_POOL // 10))
    child_ids = child_rng.permutation(drawn)[:CHILD_POOL]
    popularity = np.exp(1.0 * child_rng.standard_normal(CHILD_POOL))
    return World(
        seed=seed,
        register=register,
        schools=current,
        agencies=agencies,
        staff_numbers=staff_numbers,
        individual_numbers=individual_numbers,
        child_ids=child_ids.astype(str),
        child_popularity=popularity / popularity.sum(),
        agency_choice=_agency_choice(agencies),
        school_history=_school_history(register),
    )
