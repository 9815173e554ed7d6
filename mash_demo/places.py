"""Places the demo register is built from: Warwickshire's districts, towns and villages,
and the neighbouring local authorities' border towns (real place names, invented schools).

Each town lists the areas its town schools are named after and the postcode districts
and telephone area code its schools use. The tables are ``data/local_authorities.csv``,
``districts.csv``, ``towns.csv`` and ``villages.csv``; the words school names and addresses
are made of are lists in ``data/words.csv``.
"""

from dataclasses import dataclass

from mash_demo.tables import grouped, listed, read_table, words


@dataclass(frozen=True)
class Town:
    name: str
    district: str
    primaries: int
    secondaries: int
    areas: tuple[str, ...]
    postcodes: tuple[str, ...]
    area_code: str
    deprivation: float = 1.0
    nursery_schools: int = 0


@dataclass(frozen=True)
class LocalAuthority:
    la_code: str
    la_name: str
    towns: tuple[Town, ...]
    nearest_home_district: tuple[str, ...] = ()


OUT_OF_COUNTY = "Out of County"
_DISTRICT_LA = {row["district"]: row["la_code"] for row in read_table("districts")}
_HOME_LA_ROW = next(row for row in read_table("local_authorities") if row["role"] == "home")
_HOME_DISTRICT_ROWS = [
    row for row in read_table("districts") if row["la_code"] == _HOME_LA_ROW["la_code"]
]

HOME_DISTRICTS = tuple(row["district"] for row in _HOME_DISTRICT_ROWS)
HOME_VILLAGES = {
    district: grouped("villages", "district", "village").get(district, ())
    for district in HOME_DISTRICTS
}
VILLAGE_POSTCODES = {
    row["district"]: listed(row["village_postcodes"]) for row in _HOME_DISTRICT_ROWS
}
VILLAGE_AREA_CODES = {
    row["district"]: listed(row["village_area_codes"]) for row in _HOME_DISTRICT_ROWS
}


def _town(row: dict[str, str]) -> Town:
    return Town(
        name=row["town"],
        district=row["district"],
        primaries=int(row["primaries"]),
        secondaries=int(row["secondaries"]),
        areas=listed(row["areas"]),
        postcodes=listed(row["postcodes"]),
        area_code=row["area_code"],
        deprivation=float(row["deprivation"]),
        nursery_schools=int(row["nursery_schools"]),
    )


def _local_authorities(role: str) -> tuple[LocalAuthority, ...]:
    return tuple(
        LocalAuthority(
            row["la_code"],
            row["la_name"],
            tuple(
                _town(town)
                for town in read_table("towns")
                if _DISTRICT_LA[town["district"]] == row["la_code"]
            ),
            nearest_home_district=listed(row["nearest_home_districts"]),
        )
        for row in read_table("local_authorities")
        if row["role"] == role
    )


(HOME_LA,) = _local_authorities("home")
NEIGHBOUR_LAS = _local_authorities("neighbour")
OUT_OF_AREA_LAS = _local_authorities("out_of_area")

ANGLICAN_SAINTS = words("anglican_saint")
CATHOLIC_SAINTS = words("catholic_saint")
FEATURES = words("feature")
STREETS = words("street")
