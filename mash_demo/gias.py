"""Writing the register in the GIAS download formats ("all establishment data" and its
links file): Windows-1252, GIAS headers, dates as DD-MM-YYYY."""

import numpy as np
import pandas as pd

from mash_demo.schools import TYPE_GROUP, Register
from mash_demo.tables import read_table

TYPE_CODES = {row["type_name"]: int(row["type_code"]) for row in read_table("establishment_types")}
GROUP_CODES = {
    row["type_group"]: int(row["group_code"]) for row in read_table("establishment_type_groups")
}
STATUS_CODES = {"Open": 1, "Closed": 2, "Open, but proposed to close": 4}
PHASES = {
    "village": ("Primary", 4, 11),
    "primary": ("Primary", 4, 11),
    "infant": ("Primary", 4, 7),
    "junior": ("Primary", 7, 11),
    "secondary": ("Secondary", 11, 18),
    "grammar": ("Secondary", 11, 18),
    "special": ("Not applicable", 2, 19),
    "independent": ("Not applicable", 3, 18),
    "nursery": ("Nursery", 2, 5),
    "pru": ("Not applicable", 11, 16),
    "fe": ("16 plus", 16, 99),
}
PHASE_CODES = {"Not applicable": 0, "Nursery": 1, "Primary": 2, "Secondary": 4, "16 plus": 6}
DISTRICT_CODES = {row["district"]: row["ons_code"] for row in read_table("districts")}


def _gias_date(value) -> str:
    return "" if value is None or pd.isna(value) else value.strftime("%d-%m-%Y")


def establishments_csv(register: Register, rng: np.random.Generator) -> bytes:
    s = register.schools
    phase = s["kind"].map(lambda k: PHASES[k][0])
    gender = np.where(
        (s["kind"] == "independent") & (rng.random(len(s)) < 0.3),
        rng.choice(["Boys", "Girls"], len(s)),
        "Mixed",
    )
    spaced = rng.random(len(s)) < 0.6
    table = pd.DataFrame(
        {
            "URN": s["urn"],
            "LA (code)": s["la_code"],
            "LA (name)": s["la_name"],
            "EstablishmentNumber": s["establishment_number"],
            "EstablishmentName": s["name"],
            "TypeOfEstablishment (code)": s["type_name"].map(TYPE_CODES),
            "TypeOfEstablishment (name)": s["type_name"],
            "EstablishmentTypeGroup (code)": s["type_name"].map(TYPE_GROUP).map(GROUP_CODES),
            "EstablishmentTypeGroup (name)": s["type_name"].map(TYPE_GROUP),
            "EstablishmentStatus (code)": s["status"].map(STATUS_CODES),
            "EstablishmentStatus (name)": s["status"],
            "OpenDate": s["open_date"].map(_gias_date),
            "CloseDate": s["close_date"].map(_gias_date),
            "PhaseOfEducation (code)": phase.map(PHASE_CODES),
            "PhaseOfEducation (name)": phase,
            "StatutoryLowAge": s["kind"].map(lambda k: PHASES[k][1]),
            "StatutoryHighAge": s["kind"].map(lambda k: PHASES[k][2]),
            "Gender (name)": gender,
            "ReligiousCharacter (name)": s["religious"],
            "NumberOfPupils": s["pupils"].map(lambda v: "" if pd.isna(v) else str(int(v))),
            "PercentageFSM": s["pct_fsm"].map(lambda v: "" if pd.isna(v) else f"{v:.1f}"),
            "Street": s["street"],
            "Town": s["town"],
            "Postcode": s["postcode"],
            "TelephoneNum": np.where(spaced, s["telephone"], s["telephone"].str.replace(" ", "")),
            "HeadTitle (name)": s["head_title"],
            "HeadFirstName": s["head_first_name"],
            "HeadLastName": s["head_last_name"],
            "DistrictAdministrative (code)": s["district"].map(DISTRICT_CODES),
            "DistrictAdministrative (name)": s["district"],
            "UKPRN": [str(10000000 + int(u) % 9000000) if u % 3 else "" for u in s["urn"]],
        }
    )
    return table.to_csv(index=False, lineterminator="\r\n").encode("cp1252")


def links_csv(register: Register) -> bytes:
    links = register.links
    table = pd.DataFrame(
        {
            "URN": links["urn"],
            "LinkURN": links["link_urn"],
            "LinkName": links["link_name"],
            "LinkType": links["link_type"],
            "LinkEstablishedDate": links["link_established_date"].map(_gias_date),
        }
    )
    return table.to_csv(index=False, lineterminator="\r\n").encode("cp1252")
