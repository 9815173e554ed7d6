"""A small warehouse shaped as warehouse.md describes, for the report assets to read."""

import re
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from html import escape, unescape
from pathlib import Path

import dagster as dg
import duckdb
import numpy as np
import pandas as pd
import pytest

from dagster_project.council import load_profile
from dagster_project.defs.resources import build_resources

SCHOOL_COUNT = 40
FIRST_URN = 140001
RANDOMISED_AT = datetime(2019, 8, 20, 10, 30)
INTERVENTION_START = date(2019, 9, 1)

#: In-scope contacts and referrals for 2017/18, by agency type: (contacts, referrals).
#: Housing's 3 referrals and Education's 2 contacts must be hidden in print.
AGENCY_TYPES_2017 = {
    "Schools": (383, 124),
    "Education services": (2, 14),
    "Health services": (303, 77),
    "Housing or housing association": (54, 3),
    "LA services": (109, 43),
    "External sources": (90, 10),
    "Police": (357, 100),
    "Legal services": (178, 17),
    "Other (VCS)": (84, 23),
}
CHANNELS_2017 = {"phone": 1096, "email": 1022, "other": 374}
#: district -> (contacts and referrals, published 0-17 population, ONS 0-17 population)
#: (invented districts; the first one's published population is far below the ONS figure)
DISTRICTS_2017 = {
    "Ashbury": (547, 7147, 27100),
    "North Kingsmere": (319, 12451, 12700),
    "Elby and Fenley": (627, 27751, 28200),
    "Brenton": (389, 23725, 23900),
    "Norstow-on-Lea": (310, 23523, 23600),
    "Out of county or blank": (301, None, None),
}
PHONE_SOURCES_2017 = {"Schools": 241, "Health services": 107, "Police": 34, "Legal services": 4}

#: The configured council's authority: the trial plan's eligible schools are its schools.
HOME_LA = load_profile().home.la_code
DISTRICT_NAMES = [name for name, (_, population, _) in DISTRICTS_2017.items() if population]


@dataclass
class Warehouse:
    path: Path
    schools: pd.DataFrame
    contacts: pd.DataFrame
    school_months: pd.DataFrame
    marts: dict[str, pd.DataFrame]
    trial: dict[str, pd.DataFrame] = field(default_factory=dict)


def make_schools(rng: np.random.Generator) -> pd.DataFrame:
    urns = np.arange(FIRST_URN, FIRST_URN + SCHOOL_COUNT)
    pupils = rng.integers(80, 1600, SCHOOL_COUNT).astype(float)
    pct_fsm = np.round(rng.uniform(2, 40, SCHOOL_COUNT), 1)
    pupils[[3, 17]] = np.nan
    pct_fsm[[5, 17, 29]] = np.nan
    schools = pd.DataFrame(
        {
            "school_urn": urns,
            "school_name": [f"Fixture School {index}" for index in range(SCHOOL_COUNT)],
            "la_code": HOME_LA,
            "district": [
                DISTRICT_NAMES[index % len(DISTRICT_NAMES)] for index in range(SCHOOL_COUNT)
            ],
            "phase": ["Primary" if index % 3 else "Secondary" for index in range(SCHOOL_COUNT)],
            "establishment_type": "Community school",
            "is_open": True,
            "pupils": pupils,
            "pct_fsm": pct_fsm,
            "size_band": ["large" if p > 600 else "small" for p in np.nan_to_num(pupils)],
            "fsm_band": ["high" if f > 20 else "low" for f in np.nan_to_num(pct_fsm)],
            "successor_urn": urns,
        }
    )
    schools.loc[SCHOOL_COUNT - 1, "is_open"] = False
    schools.loc[SCHOOL_COUNT - 2, "successor_urn"] = FIRST_URN
    return schools


def months_between(first: date, last: date) -> list[date]:
    return [d.date() for d in pd.date_range(first, last, freq="MS")]


def academic_year(day: date) -> str:
    start = day.year if day.month >= 9 else day.year - 1
    return f"{start}/{(start + 1) % 100:02d}"


def make_contacts(rng: np.random.Generator, schools: pd.DataFrame, arms: dict[int, str]):
    """School contacts driven by size and FSM (term time, a planted trial effect on phone
    contacts), plus police and individuals' contacts."""
    rows = []
    months = months_between(date(2017, 9, 1), date(2020, 3, 1))
    weight = (
        np.nan_to_num(schools["pupils"].to_numpy(), nan=500)
        / 500
        * (1 + np.nan_to_num(schools["pct_fsm"].to_numpy(), nan=15) / 20)
    )
    for month in months:
        season = 0.15 if month.month == 8 else 1.0
        for urn, school_weight in zip(schools["school_urn"], weight, strict=True):
            trial_effect = (
                0.5 if arms.get(urn) == "intervention" and month >= INTERVENTION_START else 1.0
            )
            for _ in range(rng.poisson(0.6 * school_weight * season * trial_effect)):
                rows.append(_contact(rng, month, "Schools", int(urn)))
        for _ in range(rng.poisson(25)):
            rows.append(_contact(rng, month, "Police", None))
        for _ in range(rng.poisson(12)):
            rows.append(_contact(rng, month, "Individual", None))
    contacts = pd.DataFrame(rows)
    contacts.insert(0, "contact_id", [f"C{index:06d}" for index in range(len(contacts))])
    return contacts


def _contact(rng, month: date, agency_type: str, school_urn: int | None) -> dict:
    contact_at = datetime(month.year, month.month, 1, 9) + timedelta(
        days=int(rng.integers(0, 27)), minutes=int(rng.integers(0, 480))
    )
    is_referral = bool(rng.random() < 0.2)
    return {
        "contact_at": contact_at,
        "contact_date": contact_at.date(),
        "month_start": month,
        "academic_year": academic_year(month),
        "channel": str(rng.choice(["phone", "email", "other"], p=[0.45, 0.4, 0.15])),
        "is_referral": is_referral,
        "referrer_type": "2A" if agency_type == "Schools" else "6",
        "agency_type": agency_type,
        "in_scope": agency_type != "Individual",
        "agency_id": f"SCH{school_urn}" if school_urn else None,
        "school_urn": school_urn,
        "match_method": "exact" if school_urn else "unmatched",
        "match_score": 100.0 if school_urn else None,
        "child_key": f"{rng.integers(0, 2**63):016x}{rng.integers(0, 2**63):016x}",
        "child_district": DISTRICT_NAMES[int(rng.integers(0, len(DISTRICT_NAMES)))],
        "outcome": "Single assessment" if is_referral else "No further action",
        "call_id": f"CALL{rng.integers(0, 10**9):09d}",
    }


def report_marts() -> dict[str, pd.DataFrame]:
    """The rpt_* marts for 2017/18, hand-made, with the percentages the contract lists."""
    agency = pd.DataFrame(
        [
            {
                "academic_year": "2017/18",
                "agency_type": name,
                "total": c + r,
                "contacts": c,
                "referrals": r,
                "pct_referrals": 100 * r / (c + r),
                "pct_contacts": 100 * c / (c + r),
            }
            for name, (c, r) in AGENCY_TYPES_2017.items()
        ]
    )
    total = sum(CHANNELS_2017.values())
    channels = pd.DataFrame(
        [
            {
                "academic_year": "2017/18",
                "channel": name,
                "contacts_and_referrals": n,
                "pct": 100 * n / total,
            }
            for name, n in CHANNELS_2017.items()
        ]
    )
    districts = pd.DataFrame(
        [
            {
                "academic_year": "2017/18",
                "district": name,
                "contacts_and_referrals": n,
                "population_0_17": population,
                "per_head": n / population if population else None,
                "ons_population_0_17": ons,
            }
            for name, (n, population, ons) in DISTRICTS_2017.items()
        ]
    ).astype({"population_0_17": "Int64", "ons_population_0_17": "Int64", "per_head": float})
    phone_total = sum(PHONE_SOURCES_2017.values())
    phone = pd.DataFrame(
        [
            {
                "academic_year": "2017/18",
                "agency_type": name,
                "phone_contacts": n,
                "pct": 100 * n / phone_total,
            }
            for name, n in PHONE_SOURCES_2017.items()
        ]
    )
    return {
        "rpt_agency_type_summary": agency,
        "rpt_channel_summary": channels,
        "rpt_district_rates": districts,
        "rpt_phone_sources": phone,
    }


def make_trial(schools: pd.DataFrame) -> dict[str, pd.DataFrame]:
    eligible = schools[schools["is_open"] & (schools["successor_urn"] == schools["school_urn"])]
    randomised = eligible.iloc[1:].reset_index(drop=True)
    assignment = pd.DataFrame(
        {
            "school_urn": randomised["school_urn"],
            "stratum": randomised["phase"],
            "arm": [
                "intervention" if index % 2 else "comparison" for index in range(len(randomised))
            ],
            "randomised_at": RANDOMISED_AT,
            "seed": 20190820,
            "plan_hash": "fixtureplanhash",
        }
    )
    balance = pd.DataFrame(
        {
            "variable": ["pupils", "pct_fsm", "baseline phone contacts per month"],
            "mean_intervention": [612.4, 18.2, 1.31],
            "mean_comparison": [598.1, 19.0, 1.27],
            "std_diff": [0.031, -0.072, 0.145],
        }
    )
    power = pd.DataFrame(
        {
            "outcome": ["phone_contacts"],
            "method": ["simulation"],
            "n_schools": [len(randomised)],
            "months": [7],
            "mde_rate_ratio": [0.74],
            "mde_per_school_month": [0.33],
            "assumptions": [
                "alpha 0.05, power 0.8, negative binomial overdispersion from baseline"
            ],
        }
    )
    results = pd.DataFrame(
        {
            "outcome": ["phone_contacts", "referrals", "email_contacts"],
            "model": ["negative binomial GEE"] * 3,
            "estimate": [0.612, 1.043, 1.087],
            "ci_low": [0.498, 0.861, 0.902],
            "ci_high": [0.752, 1.263, 1.310],
            "p_value": [0.0002, 0.67, 0.38],
            "p_value_randomisation": [0.001, 0.69, 0.41],
            "n_schools": [len(randomised)] * 3,
            "n_obs": [len(randomised) * 7] * 3,
            "is_primary": [True, False, False],
        }
    )
    return {"assignment": assignment, "balance": balance, "power": power, "results": results}


def school_month(connection: duckdb.DuckDBPyConnection) -> None:
    """fct_school_month from fct_contacts: every school, every month covered, zeros kept."""
    connection.execute(
        """
        create table marts.fct_school_month as
        with months as (
            select unnest(
                       generate_series(min(month_start), max(month_start), interval 1 month)
                   )::date as month_start
            from marts.fct_contacts
        )
        select s.school_urn, m.month_start,
               count(c.contact_id) filter (where c.channel = 'phone' and not c.is_referral)
                   as phone_contacts,
               count(c.contact_id) filter (where c.channel = 'email' and not c.is_referral)
                   as email_contacts,
               count(c.contact_id) filter (where c.channel = 'other' and not c.is_referral)
                   as other_contacts,
               count(c.contact_id) filter (where c.is_referral) as referrals,
               count(c.contact_id) as contacts_and_referrals,
               0 as calls_attributed
        from marts.dim_school s cross join months m
        left join marts.fct_contacts c
            on c.school_urn = s.school_urn and c.month_start = m.month_start
        group by all
        """
    )


def build_warehouse(path: Path, trial: str) -> Warehouse:
    """``trial``: 'built' (trial tables with rows), 'empty' (tables, no rows) or 'absent'."""
    rng = np.random.default_rng(20170901)
    schools = make_schools(rng)
    trial_tables = make_trial(schools)
    arms = dict(
        zip(
            trial_tables["assignment"]["school_urn"], trial_tables["assignment"]["arm"], strict=True
        )
    )
    contacts = make_contacts(rng, schools, arms)
    marts = report_marts()
    with duckdb.connect(str(path)) as connection:
        connection.execute("create schema marts")
        connection.register("schools_frame", schools)
        connection.execute("create table marts.dim_school as select * from schools_frame")
        connection.register("contacts_frame", contacts)
        connection.execute("create table marts.fct_contacts as select * from contacts_frame")
        for name, frame in marts.items():
            connection.register("frame", frame)
            connection.execute(f"create table marts.{name} as select * from frame")
        school_month(connection)
        if trial != "absent":
            connection.execute("create schema trial")
            for name, frame in trial_tables.items():
                connection.register("frame", frame)
                limit = "" if trial == "built" else " limit 0"
                connection.execute(f"create table trial.{name} as select * from frame{limit}")
        school_months = connection.execute("select * from marts.fct_school_month").df()
    return Warehouse(
        path, schools, contacts, school_months, marts, trial_tables if trial == "built" else {}
    )


def use_data_dir(monkeypatch: pytest.MonkeyPatch, path: Path) -> Path:
    monkeypatch.setenv("MASH_DATA_DIR", str(path))
    monkeypatch.setenv("MASH_TRIAL_PLAN", str(path / "no_trial_plan.yml"))
    return path


@pytest.fixture
def data_dir(tmp_path, monkeypatch) -> Path:
    return use_data_dir(monkeypatch, tmp_path)


@pytest.fixture
def warehouse(data_dir) -> Warehouse:
    return build_warehouse(data_dir / "warehouse.duckdb", trial="built")


@dataclass
class ReportRun:
    """One materialisation shared by a module's tests: the warehouse, page and metadata."""

    warehouse: Warehouse
    html: str
    metadata: dict
    path: Path


@pytest.fixture(scope="module")
def report_run(request, tmp_path_factory):
    """Materialise the module's ``REPORT_ASSET`` once over a warehouse with trial tables
    (with the module's ``RUN_CONFIG``, if any)."""
    asset = request.module.REPORT_ASSET
    run_config = getattr(request.module, "RUN_CONFIG", None)
    with pytest.MonkeyPatch.context() as monkeypatch:
        data = use_data_dir(monkeypatch, tmp_path_factory.mktemp("report"))
        warehouse = build_warehouse(data / "warehouse.duckdb", trial="built")
        html, metadata = materialise(asset, run_config)
        yield ReportRun(warehouse, html, metadata, Path(metadata["report_path"].value))


def table_row(html: str, label: str) -> list[str]:
    """The cells of the first table row labelled ``label``, as printed."""
    match = re.search(
        rf"<tr[^>]*><th class=\"txt\">{re.escape(escape(label))}</th>(.*?)</tr>", html
    )
    assert match, f"no row {label!r} in the report"
    return [unescape(cell) for cell in re.findall(r"<td[^>]*>(.*?)</td>", match[1])]


def materialise(asset, run_config: dict | None = None):
    """Materialise one report asset with the project's resources; the page and the result."""
    result = dg.materialize([asset], resources=build_resources(), run_config=run_config)
    assert result.success
    metadata = result.asset_materializations_for_node(asset.op.name)[0].metadata
    path = Path(metadata["report_path"].value)
    return path.read_text(encoding="utf-8"), metadata


@pytest.fixture(name="build_warehouse")
def build_warehouse_fixture():
    return build_warehouse


@pytest.fixture
def page_row():
    return table_row


@pytest.fixture
def materialise_report():
    return materialise
