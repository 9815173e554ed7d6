"""A made-up council, generated from a seed: its council profile and agency register, and a
landing folder of exports that follow docs/extract-contract.md (a GIAS register of its
schools, a neighbour's and a far-away authority's, and months of contacts and calls).

Nothing here is read from the demo county: names, codes and populations are drawn, so a
test built on it shows that the platform takes the council from its profile alone.
"""

import csv
import random
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path

import yaml

from dagster_project.council import AGENCY_COLUMNS
from dagster_project.ingest.contracts import CALLS, CONTACTS, SCHOOLS, Contract

_STEMS = ("ash", "bram", "cal", "dun", "el", "fen", "gar", "hol", "ken", "lyn", "mar", "nor")
_ENDINGS = ("by", "ford", "ham", "ley", "mere", "stow", "wick", "ton", "well", "combe")
_PREFIXES = ("North ", "South ", "Upper ", "", "", "", "", "")
_SCHOOL_KINDS = (
    "Primary School",
    "Church of England Primary School",
    "Infant School",
    "Junior School",
    "Academy",
    "High School",
)
OUT_OF_AREA = "Out of County"
OUTSIDE_DISTRICTS = "Out of county or blank"


@dataclass(frozen=True)
class School:
    urn: int
    name: str
    la_code: str
    district: str
    telephone: str
    town: str


@dataclass
class County:
    """What was generated, for the test to compare the warehouse with."""

    profile: Path
    landing: Path
    la_code: str
    la_name: str
    neighbour_code: str
    far_code: str
    #: district name -> population aged 0-17 (a unitary: its own name)
    populations: dict[str, int]
    is_unitary: bool
    schools: list[School]
    #: contact_id -> the district the child's district names (OUTSIDE_DISTRICTS if none)
    contact_districts: dict[str, str] = field(default_factory=dict)
    #: contact ids whose referrer_type is the council's own word for the police
    local_police_words: set[str] = field(default_factory=set)
    #: contact ids whose referrer name is the police force's name abbreviated as locally
    abbreviated_police: set[str] = field(default_factory=set)


def _place(rng: random.Random, taken: set[str]) -> str:
    while True:
        name = rng.choice(_PREFIXES) + (rng.choice(_STEMS) + rng.choice(_ENDINGS)).title()
        if name not in taken and name.split()[-1] not in {t.split()[-1] for t in taken}:
            taken.add(name)
            return name


def _typed_district(rng: random.Random, district: str) -> str:
    """The district as a case system may hold it: its case or punctuation changed."""
    return rng.choice([district, district.upper(), district.lower(), district.replace(" ", "-")])


def generate_county(
    folder: Path,
    *,
    seed: int,
    la_code: str,
    neighbour_code: str,
    far_code: str,
    districts: int,
    months: list[date],
) -> County:
    """Write ``folder/profile/`` (council.yml, agencies.csv) and ``folder/landing/``."""
    rng = random.Random(seed)
    taken: set[str] = set()
    stem = rng.choice(_STEMS).title() + rng.choice(("ton", "ley", "wick"))
    la_name = f"{stem}shire" if districts else f"{stem} City"
    short = stem.lower()  # how staff shorten the county's name: "Brenton Police" as ...
    names = [_place(rng, taken) for _ in range(districts)]
    populations = {name: rng.randrange(8_000, 40_000) for name in names}
    is_unitary = not names
    if is_unitary:
        populations = {la_name: rng.randrange(30_000, 80_000)}
    area = f"01{rng.randrange(200, 999)}"

    profile_dir = folder / "profile"
    profile_dir.mkdir(parents=True)
    council = {"la_code": la_code, "la_name": la_name}
    if is_unitary:
        council |= {"ons_code": f"E06{rng.randrange(10**5, 10**6):06d}"}
        council |= {"population_0_17": populations[la_name]}
    profile = {
        "council": council,
        "neighbours": [{"la_code": neighbour_code, "la_name": f"{_place(rng, taken)} Borough"}],
        "districts": [
            {
                "name": name,
                "ons_code": f"E07{index + rng.randrange(10**5, 9 * 10**5):06d}",
                "population_0_17": population,
                "ons_population_0_17": population + rng.randrange(0, 500),
                "population_source": "generated",
            }
            for index, (name, population) in enumerate(populations.items())
        ]
        if not is_unitary
        else [],
        "agency_register": "agencies.csv",
        "abbreviations": {short: la_name.lower().split()[0]},
        "referrer_types": {f"{la_name} Constabulary": "6"},
    }
    (profile_dir / "council.yml").write_text(yaml.safe_dump(profile, sort_keys=False))
    police_number = f"{area} {rng.randrange(100000, 999999)}"
    agencies = [
        ["POL001", f"{la_name.split()[0]} Police", "Police", "6", "", police_number, ""],
        ["HLT001", f"{_place(rng, taken)} General Hospital", "Health services", "3F", "", "", ""],
        ["LAS001", f"{la_name} Early Help", "LA services", "5A", "Early Help", "", ""],
    ]
    with (profile_dir / "agencies.csv").open("w", newline="") as handle:
        csv.writer(handle).writerows([AGENCY_COLUMNS, *agencies])

    districts_of_schools = names or [la_name]
    schools = []
    for index in range(max(24, 2 * len(districts_of_schools))):
        district = districts_of_schools[index % len(districts_of_schools)]
        schools.append(_school(rng, 100000 + index, la_code, district, area, taken))
    schools += [_school(rng, 200000 + i, neighbour_code, "", area, taken) for i in range(4)]
    schools += [_school(rng, 300000 + i, far_code, "", "0161", taken) for i in range(2)]
    county = County(
        profile=profile_dir / "council.yml",
        landing=folder / "landing",
        la_code=la_code,
        la_name=la_name,
        neighbour_code=neighbour_code,
        far_code=far_code,
        populations=populations,
        is_unitary=is_unitary,
        schools=schools,
    )
    _write_register(county, la_name, profile["neighbours"][0]["la_name"])
    for month in months:
        _write_month(county, rng, month, short, police_number)
    return county


def _school(
    rng: random.Random, urn: int, la_code: str, district: str, area: str, taken: set[str]
) -> School:
    town = _place(rng, taken)
    name = f"{town} {rng.choice(_SCHOOL_KINDS)}"
    return School(urn, name, la_code, district, f"{area} {rng.randrange(100000, 999999)}", town)


def _write_register(county: County, la_name: str, neighbour_name: str) -> None:
    rng = random.Random(county.la_code)
    names = {county.la_code: la_name, county.neighbour_code: neighbour_name}
    rows = []
    for school in county.schools:
        secondary = school.name.endswith(("High School", "Academy"))
        rows.append({
            "URN": school.urn,
            "EstablishmentName": school.name,
            "LA (code)": school.la_code,
            "LA (name)": names.get(school.la_code, "Far Away"),
            "TypeOfEstablishment (name)": "Academy converter"
            if school.name.endswith("Academy") else "Community school",
            "PhaseOfEducation (name)": "Secondary" if secondary else "Primary",
            "EstablishmentStatus (name)": "Open",
            "NumberOfPupils": rng.randrange(90, 1400),
            "PercentageFSM": f"{rng.uniform(2, 40):.1f}",
            "DistrictAdministrative (name)": school.district,
            "TelephoneNum": school.telephone,
            "OpenDate": "01-09-1990",
            "Town": school.town,
        })  # fmt: skip
    register = county.landing / "schools" / "edubasealldata20180901.csv"
    _write_csv(register, SCHOOLS, rows, extra=("Town",), encoding="cp1252")


def _write_month(
    county: County, rng: random.Random, month: date, short: str, police_number: str
) -> None:
    home = [school for school in county.schools if school.la_code == county.la_code]
    districts = list(county.populations)
    days = [day for day in (month + timedelta(days=d) for d in range(28)) if day.weekday() < 5]
    contacts, calls = [], []
    tag = f"{month:%Y%m}"
    for number in range(60):
        contact_id = f"C{tag}{number:03d}"
        at = datetime.combine(rng.choice(days), datetime.min.time()) + timedelta(
            minutes=rng.randrange(8 * 60, 18 * 60)
        )
        kind = rng.random()
        if kind < 0.5:
            school = rng.choice(home)
            referrer_type, referrer_name = rng.choice(["2A - Schools", "School"]), school.name
        elif kind < 0.75:
            referrer_type = rng.choice(["6", "Police", f"{county.la_name} Constabulary"])
            referrer_name = f"{short.title()} Police"
            county.abbreviated_police.add(contact_id)
            if referrer_type.endswith("Constabulary"):
                county.local_police_words.add(contact_id)
        else:
            referrer_type, referrer_name = "1A - Family member", ""
        district_roll = rng.random()
        if district_roll < 0.8:
            district = rng.choice(districts)
            typed, county.contact_districts[contact_id] = _typed_district(rng, district), district
        else:
            typed = rng.choice([OUT_OF_AREA, ""])
            county.contact_districts[contact_id] = OUTSIDE_DISTRICTS
        referral = rng.random() < 0.2
        contacts.append({
            "contact_id": contact_id,
            "child_id": f"P{rng.randrange(1, 200):05d}",
            "contact_datetime": at.strftime("%d/%m/%Y %H:%M"),
            "contact_method": rng.choice(["Telephone", "Phone", "Email", "E-mail", "Online Form"]),
            "referrer_type": referrer_type,
            "referrer_name": referrer_name,
            "child_district": typed,
            "contact_outcome": "Referral to CSC - Single Assessment" if referral else rng.choice(
                ["NFA", "Information and Advice", "Step down to Early Help"]
            ),
            "is_referral": "Y" if referral else "N",
        })  # fmt: skip
    for number in range(80):
        at = datetime.combine(rng.choice(days), datetime.min.time()) + timedelta(
            seconds=rng.randrange(8 * 3600, 18 * 3600)
        )
        roll = rng.random()
        caller = (
            rng.choice(home).telephone
            if roll < 0.5
            else police_number
            if roll < 0.6
            else f"07700 9{rng.randrange(0, 99999):05d}"
        )
        calls.append({
            "call_id": f"K{tag}{number:03d}",
            "call_start": at.strftime("%d/%m/%Y %H:%M:%S"),
            "caller_number": caller,
            "ivr_option": rng.randrange(1, 4),
            "wait_seconds": rng.randrange(0, 600),
            "talk_seconds": rng.randrange(30, 1800),
            "call_result": "Answered",
        })  # fmt: skip
    _write_csv(county.landing / "contacts" / f"contacts_{month:%Y-%m}.csv", CONTACTS, contacts)
    _write_csv(county.landing / "calls" / f"calls_{month:%Y-%m}.csv", CALLS, calls)


def _write_csv(
    path: Path, contract: Contract, rows: list[dict], extra: tuple[str, ...] = (), encoding="utf-8"
) -> None:
    """``rows`` under the contract's headers (and ``extra`` ones), blank where not given."""
    path.parent.mkdir(parents=True, exist_ok=True)
    header = [column.header for column in contract.columns] + list(extra)
    with path.open("w", newline="", encoding=encoding) as handle:
        writer = csv.DictWriter(handle, fieldnames=header)
        writer.writeheader()
        writer.writerows(rows)
