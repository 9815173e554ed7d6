"""The demo school register: Warwickshire's establishments, its neighbours' border schools,
a few far-away rows the pipeline should drop, and academy conversions with their links.

Census figures (NumberOfPupils, PercentageFSM) are filled for Warwickshire's own open
state schools and independents (no FSM for independents, nurseries or colleges) and left
blank for other local authorities' rows, as in a register where the census fields were
only joined for the home authority. Referring schools with characteristics known are then
Warwickshire's (about 198 with enrolment, 193 with FSM), matching the scoping report.

The tables it draws on (districts' FSM levels, how many special and independent schools
each has, the colleges, the establishment types) are CSV files in ``data/``.
"""

from dataclasses import dataclass
from datetime import date, timedelta
from functools import partial

import numpy as np
import pandas as pd

from mash_demo import people
from mash_demo.name_stems import name_stem
from mash_demo.phones import NumberBook
from mash_demo.places import (
    ANGLICAN_SAINTS,
    CATHOLIC_SAINTS,
    FEATURES,
    HOME_LA,
    HOME_VILLAGES,
    NEIGHBOUR_LAS,
    OUT_OF_AREA_LAS,
    STREETS,
    VILLAGE_AREA_CODES,
    VILLAGE_POSTCODES,
    LocalAuthority,
    Town,
)
from mash_demo.stratified import stratified_normal
from mash_demo.tables import read_table

FSM_BY_DISTRICT = {
    row["district"]: float(row["fsm_percent"])
    for row in read_table("districts")
    if row["fsm_percent"]
}
#: Special schools and independent schools in each home district, in the order they are made.
HOME_SPECIALS, HOME_INDEPENDENTS = (
    {
        row["district"]: int(row["schools"])
        for row in read_table("district_school_counts")
        if row["kind"] == kind
    }
    for kind in ("special", "independent")
)
# Academy conversions of Warwickshire schools: the first converts twice.
CONVERSION_DATES = (
    ("2016-09-01", "2018-09-01"),
    ("2017-04-01",),
    ("2017-12-01",),
    ("2018-03-01",),
    ("2018-06-01",),
    ("2019-01-01",),
    ("2019-04-01",),
    ("2019-11-01",),
)
NEIGHBOUR_CONVERSION_DATES = ("2017-09-01", "2018-04-01", "2019-02-01")  # Coventry schools
COVENTRY = "331"
REGISTER_DATE = date(2020, 4, 1)
SAINTS = ANGLICAN_SAINTS + CATHOLIC_SAINTS
#: Draws of a name before settling for one qualified by its place.
NAME_DRAWS = 40
# When a saint's name is first found taken (in one other authority), a new school keeps it this
# often, as real registers hold a few "St Mary's Catholic Primary School" across authorities,
SAINT_NAME_REPEATED = 0.05
# ... and otherwise, up to this share, adds its place after a comma.
SAINT_NAME_QUALIFIED = 0.25

TYPE_GROUP = {row["type_name"]: row["type_group"] for row in read_table("establishment_types")}
ACADEMY_TYPES = {
    row["type_name"] for row in read_table("establishment_types") if row["academy"] == "yes"
}


@dataclass
class Register:
    schools: pd.DataFrame
    links: pd.DataFrame


class _Builder:
    def __init__(self, rng: np.random.Generator, numbers: NumberBook):
        self.rng = rng
        self.numbers = numbers
        self.rows: list[dict] = []
        #: name stem -> the local authorities whose schools' names have it
        self.stem_las: dict[str, list[str]] = {}
        #: saints' names another authority may repeat once, as ``fresh`` decided
        self.repeatable: set[str] = set()
        self.used_urns: set[int] = set()

    def urn(self, low: int, high: int) -> int:
        while True:
            value = int(self.rng.integers(low, high))
            if value not in self.used_urns:
                self.used_urns.add(value)
                return value

    def fresh(self, la_code: str, place: str, make, first=None) -> tuple[str, str, str]:
        """A (name, type, religious character) from ``first``, else ``make``, whose name reads
        as no other school's of the register. The first time a saint's name is found taken,
        the school sometimes keeps it (if one other authority has it) or adds its place
        ("St Mary's Catholic Primary School, Southam"); otherwise another name is drawn."""
        first_taken_saint = True
        for attempt in range(NAME_DRAWS):
            made = (first if first is not None and attempt == 0 else make)()
            name = made[0]
            holders = self.stem_las.get(name_stem(name), [])
            if not holders:
                return made
            if name.startswith(SAINTS) and first_taken_saint:
                first_taken_saint = False
                roll = self.rng.random()
                if roll < SAINT_NAME_REPEATED and _one_other_authority(holders, la_code):
                    self.repeatable.add(name)
                    return made
                qualified = f"{name}, {place}"
                if roll < SAINT_NAME_QUALIFIED and name_stem(qualified) not in self.stem_las:
                    return (qualified, *made[1:])
        return made

    def claim(self, la_code: str, name: str, place: str) -> str:
        """The name, qualified by its place when another school's name reads the same
        (unless ``fresh`` let a saint's name repeat); recorded as taken."""
        candidate, number = name, 1
        while not self._may_take(la_code, candidate):
            number += 1
            candidate = f"{name}, {place}" if number == 2 else f"{name}, {place} {number - 1}"
        self.stem_las.setdefault(name_stem(candidate), []).append(la_code)
        return candidate

    def unused_feature(self, features: list[str]) -> str:
        """The next of ``features`` that no school's name is made of yet (the last if all are)."""
        feature = features.pop()
        while name_stem(feature) in self.stem_las and features:
            feature = features.pop()
        return feature

    def taken_stems(self) -> set[str]:
        return set(self.stem_las)

    def renamed(self, la_code: str, name: str) -> str:
        """A converted school's new name, recorded as taken."""
        holders = self.stem_las.setdefault(name_stem(name), [])
        if la_code not in holders:
            holders.append(la_code)
        return name

    def _may_take(self, la_code: str, name: str) -> bool:
        holders = self.stem_las.get(name_stem(name), [])
        return not holders or (name in self.repeatable and _one_other_authority(holders, la_code))

    def add(
        self,
        la: LocalAuthority,
        town: Town | None,
        *,
        name: str,
        kind: str,
        type_name: str,
        religious: str,
        role: str = "home",
        place: str | None = None,
        district: str | None = None,
        postcodes: tuple[str, ...] | None = None,
        area_code: str | None = None,
        deprivation: float | None = None,
    ) -> dict:
        """A school's row. Its locality (``place``), district, postcodes, area code and
        deprivation are its town's unless given; a school in no town must give them all."""
        if town is not None:
            place = place or town.name
            district = district or town.district
            postcodes = postcodes or town.postcodes
            area_code = area_code or town.area_code
            deprivation = town.deprivation if deprivation is None else deprivation
        row = {
            "la_code": la.la_code,
            "la_name": la.la_name,
            "town": town.name if town else place,
            "locality": place,
            "status": "Open",
            "open_date": None,
            "close_date": None,
            "pupils": np.nan,
            "pct_fsm": np.nan,
            "predecessor_urn": None,
            "conversion_date": None,
            "role": role,
            "name": self.claim(la.la_code, name, place),
            "kind": kind,
            "type_name": type_name,
            "religious": religious,
            "district": district,
            "deprivation": deprivation,
            "postcode": _postcode(self.rng, postcodes),
            "street": f"{self.rng.choice(STREETS)}",
            "telephone": self.numbers.new_landline(area_code),
        }
        self.rows.append(row)
        return row


def _one_other_authority(holders: list[str], la_code: str) -> bool:
    return len(holders) == 1 and holders[0] != la_code


def _postcode(rng: np.random.Generator, districts: tuple[str, ...]) -> str:
    letters = "ABDEFGHJLNPQRSTUWXYZ"
    return (
        f"{rng.choice(districts)} {rng.integers(1, 10)}"
        f"{letters[rng.integers(len(letters))]}{letters[rng.integers(len(letters))]}"
    )


def _primary_name(rng: np.random.Generator, area: str) -> tuple[str, str, str]:
    """(name, establishment type, religious character) for a town primary."""
    pattern = rng.random()
    feature = str(rng.choice(FEATURES))
    if pattern < 0.33:
        return f"{area} Primary School", _maintained_or_academy(rng), "Does not apply"
    if pattern < 0.52:
        suffix = rng.choice(["C of E Primary School", "Church of England Primary School"])
        return (
            f"{rng.choice(ANGLICAN_SAINTS)} {suffix}",
            "Voluntary controlled school",
            "Church of England",
        )
    if pattern < 0.64:
        kind = rng.choice(["Voluntary aided school", "Academy converter"])
        suffix = "Catholic Primary School"
        if kind == "Academy converter" and rng.random() < 0.5:
            suffix = "Catholic Primary School, A Voluntary Academy"
        return f"{rng.choice(CATHOLIC_SAINTS)} {suffix}", str(kind), "Roman Catholic"
    if pattern < 0.8:
        return f"{feature} Primary School", _maintained_or_academy(rng), "Does not apply"
    if pattern < 0.9:
        return f"{area} Primary Academy", "Academy sponsor led", "Does not apply"
    if pattern < 0.95:
        return f"The {feature} Primary School", _maintained_or_academy(rng), "Does not apply"
    # An area with a landmark: "Wyken Croft Primary School", "Whitley Abbey Primary School".
    landmark = str(rng.choice([word for word in FEATURES if " " not in word]))
    return f"{area} {landmark} Primary School", _maintained_or_academy(rng), "Does not apply"


def _primary_in_town(rng: np.random.Generator, town: Town) -> tuple[str, str, str]:
    return _primary_name(rng, str(rng.choice(town.areas)))


def _maintained_or_academy(rng: np.random.Generator) -> str:
    return str(
        rng.choice(
            ["Community school", "Academy converter", "Foundation school", "Academy sponsor led"],
            p=[0.55, 0.3, 0.07, 0.08],
        )
    )


def _village_name(rng: np.random.Generator, village: str) -> tuple[str, str, str]:
    pattern = rng.random()
    if pattern < 0.4:
        return f"{village} Primary School", _maintained_or_academy(rng), "Does not apply"
    if pattern < 0.62:
        return (
            f"{village} C of E Primary School",
            "Voluntary controlled school",
            "Church of England",
        )
    if pattern < 0.78:
        return (
            f"{village} Church of England Primary School",
            "Voluntary aided school",
            "Church of England",
        )
    if pattern < 0.84:
        return f"{village} CofE Primary Academy", "Academy converter", "Church of England"
    saint = rng.choice(ANGLICAN_SAINTS)
    return (
        f"{saint} C of E Primary School, {village}",
        "Voluntary controlled school",
        "Church of England",
    )


def _short_town(town_name: str) -> str:
    """ "Stratford" for Stratford-upon-Avon, "Leamington" for Leamington Spa."""
    return town_name.split("-")[0].split(" Spa")[0]


def _town_school_name(rng: np.random.Generator, town: Town) -> tuple[str, str, str]:
    """The secondary a town is named after ("Nuneaton School"), its first if no name is like."""
    return f"{_short_town(town.name)} School", _secondary_type(rng), "Does not apply"


def _secondary_name(rng: np.random.Generator, town: Town) -> tuple[str, str, str]:
    area = str(rng.choice(town.areas))
    feature = str(rng.choice(FEATURES))
    short = _short_town(town.name)
    pattern = rng.random()
    if pattern < 0.2:
        return f"{short} Academy", "Academy sponsor led", "Does not apply"
    if pattern < 0.4:
        return f"{area} School", _secondary_type(rng), "Does not apply"
    if pattern < 0.55:
        return f"{feature} School", _secondary_type(rng), "Does not apply"
    if pattern < 0.67:
        return (
            f"{rng.choice(CATHOLIC_SAINTS)} Catholic School",
            "Voluntary aided school",
            "Roman Catholic",
        )
    if pattern < 0.77:
        return f"{short} High School", _secondary_type(rng), "Does not apply"
    if pattern < 0.87:
        return f"{feature} College", "Academy converter", "Does not apply"
    return f"{short} Grammar School", "Academy converter", "Does not apply"


def _secondary_type(rng: np.random.Generator) -> str:
    return str(
        rng.choice(
            ["Academy converter", "Community school", "Academy sponsor led", "Foundation school"],
            p=[0.55, 0.25, 0.12, 0.08],
        )
    )


def _lognormal(rng, n, median, sigma, low, high) -> np.ndarray:
    return np.clip(np.exp(np.log(median) + sigma * stratified_normal(rng, n)), low, high)


def _add_home_schools(builder: _Builder) -> None:
    rng = builder.rng
    la = HOME_LA
    for town in la.towns:
        areas = list(town.areas)
        placed = 0
        while placed < town.primaries:
            area = areas[placed % len(areas)]
            if town.primaries - placed >= 2 and rng.random() < 0.09:
                for phase_word, kind in (("Infant", "infant"), ("Junior", "junior")):
                    builder.add(
                        la,
                        town,
                        name=f"{area} {phase_word} School",
                        kind=kind,
                        type_name="Community school",
                        religious="Does not apply",
                        place=area,
                    )
                placed += 2
                continue
            name, type_name, religious = builder.fresh(
                la.la_code, area, partial(_primary_name, rng, area)
            )
            builder.add(
                la,
                town,
                name=name,
                kind="primary",
                type_name=type_name,
                religious=religious,
                deprivation=town.deprivation * float(np.exp(0.25 * rng.standard_normal())),
            )
            placed += 1
        for index in range(town.secondaries):
            name, type_name, religious = builder.fresh(
                la.la_code,
                town.name,
                partial(_secondary_name, rng, town),
                first=partial(_town_school_name, rng, town) if index == 0 else None,
            )
            builder.add(
                la,
                town,
                name=name,
                kind="grammar" if "Grammar" in name else "secondary",
                type_name=type_name,
                religious=religious,
            )
    for district, villages in HOME_VILLAGES.items():
        for village in villages:
            name, type_name, religious = builder.fresh(
                la.la_code, village, partial(_village_name, rng, village)
            )
            builder.add(
                la,
                None,
                name=name,
                kind="village",
                type_name=type_name,
                religious=religious,
                district=district,
                place=village,
                postcodes=VILLAGE_POSTCODES[district],
                area_code=str(rng.choice(VILLAGE_AREA_CODES[district])),
                deprivation=0.7,
            )
    towns_by_district: dict[str, list[Town]] = {}
    for town in la.towns:
        towns_by_district.setdefault(town.district, []).append(town)
    features = list(rng.permutation(FEATURES))
    for district, count in HOME_SPECIALS.items():
        for _ in range(count):
            town = towns_by_district[district][0]
            builder.add(
                la,
                town,
                name=f"{builder.unused_feature(features)} School",
                kind="special",
                type_name=str(
                    rng.choice(["Community special school", "Academy special converter"])
                ),
                religious="Does not apply",
                deprivation=1.0,
            )
    for district, count in HOME_INDEPENDENTS.items():
        for i in range(count):
            town = towns_by_district[district][i % len(towns_by_district[district])]
            pattern = (
                "{town} Preparatory School",
                "{feature} House School",
                "The {feature} School",
                "{feature} Hall School",
            )[rng.integers(4)]
            name = pattern.format(
                town=town.name.split("-")[0], feature=builder.unused_feature(features)
            )
            special = rng.random() < 0.15
            builder.add(
                la,
                town,
                name=name,
                kind="independent",
                type_name="Other independent special school"
                if special
                else "Other independent school",
                religious=str(rng.choice(["Does not apply", "Christian", "Church of England"])),
                deprivation=0.5,
            )
    for town in la.towns:
        for _ in range(town.nursery_schools):
            builder.add(
                la,
                town,
                name=f"{rng.choice(town.areas)} Nursery School",
                kind="nursery",
                type_name="Local authority nursery school",
                religious="Does not apply",
            )
    for name, type_name in (
        ("Warwickshire Pupil Referral Service North", "Pupil referral unit"),
        (f"{builder.unused_feature(features)} Centre", "Academy alternative provision converter"),
    ):
        town = la.towns[4] if "North" in name else la.towns[-3]
        builder.add(
            la,
            town,
            name=name,
            kind="pru",
            type_name=type_name,
            religious="Does not apply",
            deprivation=1.5,
        )
    for college in read_table("colleges"):
        town = next(t for t in la.towns if t.name == college["town"])
        builder.add(
            la,
            town,
            name=college["name"],
            kind="fe",
            type_name=college["type_name"],
            religious="Does not apply",
            deprivation=1.0,
        )


def _add_other_la_schools(builder: _Builder, la: LocalAuthority, role: str) -> None:
    rng = builder.rng
    for town in la.towns:
        for number in range(town.primaries):
            name, type_name, religious = builder.fresh(
                la.la_code,
                town.areas[number % len(town.areas)],
                partial(_primary_in_town, rng, town),
            )
            builder.add(
                la,
                town,
                name=name,
                kind="primary",
                type_name=type_name,
                religious=religious,
                role=role,
            )
        for index in range(town.secondaries):
            name, type_name, religious = builder.fresh(
                la.la_code,
                town.name,
                partial(_secondary_name, rng, town),
                first=partial(_town_school_name, rng, town) if index == 0 else None,
            )
            builder.add(
                la,
                town,
                name=name,
                kind="secondary",
                type_name=type_name,
                religious=religious,
                role=role,
            )


def _fill_census(rng: np.random.Generator, schools: pd.DataFrame) -> None:
    """Pupils and % FSM for Warwickshire's open establishments (blank elsewhere)."""
    shapes = {
        "village": (105, 0.5, 25, 320),
        "primary": (300, 0.33, 120, 700),
        "infant": (220, 0.2, 120, 330),
        "junior": (290, 0.2, 160, 420),
        "secondary": (1080, 0.3, 550, 2000),
        "grammar": (900, 0.2, 650, 1300),
        "special": (130, 0.35, 60, 240),
        "independent": (330, 0.7, 60, 1300),
        "nursery": (100, 0.15, 70, 140),
        "pru": (55, 0.3, 25, 95),
    }
    home = schools["la_code"] == HOME_LA.la_code
    for kind, (median, sigma, low, high) in shapes.items():
        rows = schools.index[home & (schools["kind"] == kind)]
        schools.loc[rows, "pupils"] = np.round(_lognormal(rng, len(rows), median, sigma, low, high))
    fsm_rows = schools.index[
        home & schools["kind"].isin(["village", "primary", "infant", "junior", "secondary"])
    ]
    base = schools.loc[fsm_rows, "district"].map(FSM_BY_DISTRICT).to_numpy()
    deprivation = schools.loc[fsm_rows, "deprivation"].to_numpy()
    fsm = base * deprivation**1.6 * np.exp(0.42 * stratified_normal(rng, len(fsm_rows)))
    schools.loc[fsm_rows, "pct_fsm"] = np.clip(fsm, 1.0, 55.0)
    for kind, (low, high) in {"special": (26, 46), "pru": (42, 62), "grammar": (1.5, 5)}.items():
        rows = schools.index[home & (schools["kind"] == kind)]
        schools.loc[rows, "pct_fsm"] = rng.uniform(low, high, len(rows))
    schools["pct_fsm"] = schools["pct_fsm"].round(1)


def _converted_name(
    rng: np.random.Generator, name: str, town: str, kind: str, taken: set[str]
) -> str:
    """The academy's name: often the school's, else renamed, unless the new name would read
    as another school's (its stem is in ``taken``)."""
    roll = rng.random()
    if roll < 0.45:
        return name
    if kind in {"secondary", "grammar"}:
        renamed = (
            f"{_short_town(town)} Academy" if roll < 0.8 else name.replace("School", "Academy")
        )
    elif "Primary School" in name:
        renamed = name.replace("Primary School", "Primary Academy")
    else:
        renamed = name.replace("School", "Academy")
    own = name_stem(renamed) == name_stem(name)
    return renamed if own or name_stem(renamed) not in taken else name


def _convert_to_academies(
    builder: _Builder, schools: pd.DataFrame, la_code: str, dates: tuple
) -> list[dict]:
    """Turn maintained schools into academies: the old row closes and a new URN opens (once
    per date in a school's entry of ``dates``). Returns the new rows; one is a secondary."""
    rng = builder.rng
    maintained = schools.index[
        (schools["la_code"] == la_code)
        & schools["kind"].isin(["village", "primary", "secondary", "infant", "junior"])
        & schools["type_name"].isin(
            ["Community school", "Voluntary controlled school", "Foundation school"]
        )
    ]
    secondaries = [i for i in maintained if schools.at[i, "kind"] == "secondary"][:1]
    others = rng.choice(
        maintained.difference(secondaries), size=len(dates) - len(secondaries), replace=False
    )
    new_rows = []
    for index, steps in zip([*others[:1], *secondaries, *others[1:]], dates, strict=True):
        steps = (steps,) if isinstance(steps, str) else steps
        current = schools.loc[index].to_dict()
        for step_number, step in enumerate(steps):
            when = date.fromisoformat(step)
            closed = {**current, "status": "Closed", "close_date": when - timedelta(days=1)}
            closed.update(pupils=np.nan, pct_fsm=np.nan)
            if step_number == 0:
                schools.loc[index, list(closed)] = pd.Series(closed)
            else:
                new_rows[-1] = closed
            current = {
                **current,
                "urn": builder.urn(136000, 150000),
                "name": builder.renamed(
                    la_code,
                    _converted_name(
                        rng,
                        current["name"],
                        current["town"],
                        current["kind"],
                        builder.taken_stems(),
                    ),
                ),
                "type_name": "Academy sponsor led" if step_number else "Academy converter",
                "open_date": when,
                "predecessor_urn": current["urn"],
                "conversion_date": when,
            }
            new_rows.append(current)
    return new_rows


def build_register(rng: np.random.Generator, numbers: NumberBook) -> Register:
    builder = _Builder(rng, numbers)
    _add_home_schools(builder)
    home_rows = builder.rows
    builder.rows = []
    for la in NEIGHBOUR_LAS:
        _add_other_la_schools(builder, la, "neighbour")
    for la in OUT_OF_AREA_LAS:
        _add_other_la_schools(builder, la, "out_of_area")
    schools = pd.DataFrame(home_rows + builder.rows)
    schools["urn"] = [
        builder.urn(136000, 150000) if t in ACADEMY_TYPES else builder.urn(100000, 136000)
        for t in schools["type_name"]
    ]
    nearest = {la.la_code: la.nearest_home_district for la in NEIGHBOUR_LAS}
    schools["nearest_home_districts"] = schools["la_code"].map(nearest)
    _fill_census(rng, schools)
    _add_open_dates(rng, schools)
    conversions = [
        *_convert_to_academies(builder, schools, HOME_LA.la_code, CONVERSION_DATES),
        *_convert_to_academies(builder, schools, COVENTRY, NEIGHBOUR_CONVERSION_DATES),
    ]
    schools = pd.concat([schools, pd.DataFrame(conversions)], ignore_index=True)
    _close_some(rng, schools)
    schools["current_urn"] = _current_urns(schools)
    _add_head_and_numbers(rng, schools)
    return Register(schools=schools.sort_values("urn", ignore_index=True), links=_links(schools))


def _add_open_dates(rng: np.random.Generator, schools: pd.DataFrame) -> None:
    years = rng.integers(1950, 2015, len(schools))
    academies = schools["type_name"].isin(ACADEMY_TYPES).to_numpy()
    years[academies] = rng.integers(2011, 2017, academies.sum())
    schools["open_date"] = [
        date(int(y), 9, 1) if a else (None if rng.random() < 0.6 else date(int(y), 1, 1))
        for y, a in zip(years, academies, strict=True)
    ]


def _close_some(rng: np.random.Generator, schools: pd.DataFrame) -> None:
    """A few village schools closed before the data begins; one is proposed to close."""
    open_villages = schools.index[
        (schools["kind"] == "village")
        & (schools["status"] == "Open")
        & schools["predecessor_urn"].isna()
    ]
    chosen = rng.choice(open_villages, size=5, replace=False)
    for i, index in enumerate(chosen[:4]):
        schools.loc[index, "status"] = "Closed"
        schools.loc[index, "close_date"] = date(2015 + i % 2, 8, 31)
        schools.loc[index, "pupils"] = np.nan
        schools.loc[index, "pct_fsm"] = np.nan
    schools.loc[chosen[4], "status"] = "Open, but proposed to close"


def _current_urns(schools: pd.DataFrame) -> pd.Series:
    successor = {
        int(p): int(u)
        for u, p in zip(schools["urn"], schools["predecessor_urn"], strict=True)
        if pd.notna(p)
    }

    def follow(urn: int) -> int:
        while urn in successor:
            urn = successor[urn]
        return urn

    return schools["urn"].map(follow)


def _add_head_and_numbers(rng: np.random.Generator, schools: pd.DataFrame) -> None:
    heads = [people.head_name(rng) for _ in range(len(schools))]
    schools["head_title"] = [h[0] for h in heads]
    schools["head_first_name"] = [h[1] for h in heads]
    schools["head_last_name"] = [h[2] for h in heads]
    base = {"village": 2000, "primary": 2000, "infant": 2000, "junior": 2000, "secondary": 4000}
    schools["establishment_number"] = [
        base.get(k, 7000 if k in {"special"} else 6000 if k == "independent" else 1000)
        + int(rng.integers(1, 999))
        for k in schools["kind"]
    ]
    # A converted school keeps its telephone number across URNs.
    by_urn = dict(zip(schools["urn"], schools["telephone"], strict=True))
    first_number = {}
    for urn, predecessor in zip(schools["urn"], schools["predecessor_urn"], strict=True):
        if pd.notna(predecessor):
            first_number[urn] = first_number.get(int(predecessor), by_urn[int(predecessor)])
    schools["telephone"] = [
        first_number.get(u, t) for u, t in zip(schools["urn"], schools["telephone"], strict=True)
    ]


def _links(schools: pd.DataFrame) -> pd.DataFrame:
    converted = schools[schools["predecessor_urn"].notna()]
    names = dict(zip(schools["urn"], schools["name"], strict=True))
    rows = []
    for _, row in converted.iterrows():
        old, new = int(row["predecessor_urn"]), int(row["urn"])
        rows.append((old, new, names[new], "Successor", row["conversion_date"]))
        rows.append((new, old, names[old], "Predecessor", row["conversion_date"]))
    return pd.DataFrame(
        rows, columns=["urn", "link_urn", "link_name", "link_type", "link_established_date"]
    )
