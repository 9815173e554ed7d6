"""Fixtures for the demo generator's tests: one full-scale generation per session, and a
small reader of the landing files written from the extract contract alone (it shares no
code with the generator), mapping through the shared seeds as the warehouse does."""

import io
import re
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import openpyxl
import pandas as pd
import pytest

from dagster_project import settings
from dagster_project.council import load_profile
from mash_demo.generate import write_demo_extracts

SEEDS = settings.DBT_PROJECT_DIR / "seeds"
CONTACT_REQUIRED = (
    "contact_id",
    "child_id",
    "contact_datetime",
    "contact_method",
    "referrer_type",
    "contact_outcome",
)
CALL_REQUIRED = ("call_id", "call_start")
BASELINE = (pd.Timestamp("2017-09-01"), pd.Timestamp("2018-09-01"))


def header_key(name: str) -> str:
    return re.sub(r"[\s_\-]", "", str(name)).lower()


def alias_key(text: str) -> str:
    return re.sub(r"[^a-z0-9]", "", str(text).lower())


def decode(data: bytes) -> tuple[str, str]:
    """(text, encoding): UTF-8 (with or without BOM), else Windows-1252."""
    try:
        return data.decode("utf-8-sig"), "utf-8"
    except UnicodeDecodeError:
        return data.decode("cp1252"), "cp1252"


def read_table(path: Path) -> pd.DataFrame:
    """A landing file as strings (xlsx datetimes kept), headers normalised."""
    if path.suffix == ".xlsx":
        sheet = openpyxl.load_workbook(path, read_only=True).worksheets[0]
        rows = list(sheet.iter_rows(values_only=True))
        table = pd.DataFrame(rows[1:], columns=rows[0]).fillna("")
    else:
        text, _ = decode(path.read_bytes())
        table = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False)
    table.columns = [header_key(c) for c in table.columns]
    table["_row"] = np.arange(len(table)) + 2
    table["_file"] = path.parent.name + "/" + path.name
    return table


def parse_times(values: pd.Series) -> pd.Series:
    parsed = pd.Series(pd.NaT, index=values.index, dtype="datetime64[ns]")
    is_datetime = values.map(lambda v: hasattr(v, "year"))
    parsed[is_datetime] = pd.to_datetime(values[is_datetime])
    text = values[~is_datetime].astype(str).str.strip()
    for fmt in ("%d/%m/%Y %H:%M:%S", "%d/%m/%Y %H:%M", "%d/%m/%Y", "ISO8601"):
        todo = parsed[~is_datetime].isna()
        attempt = pd.to_datetime(text[todo], format=fmt, errors="coerce")
        parsed.loc[attempt.index] = attempt
    return parsed


def latest_versions(rows: pd.DataFrame, id_column: str) -> pd.DataFrame:
    """Newest record_updated_at wins; where absent or tied, the later file (then row)."""
    rows = rows.sort_values(["_file", "_row"], kind="stable")
    updated = (
        rows["record_updated_at"]
        if "record_updated_at" in rows
        else pd.Series(pd.NaT, index=rows.index)
    )
    rows = rows.assign(_updated=updated, _order=np.arange(len(rows)))
    dated = rows["_updated"].notna().groupby(rows[id_column]).transform("all")
    by_date = rows[dated].sort_values(["_updated", "_order"]).groupby(id_column).tail(1)
    by_file = rows[~dated].groupby(id_column).tail(1)
    return pd.concat([by_date, by_file]).drop(columns=["_updated", "_order"])


class SeedMaps:
    def __init__(self) -> None:
        aliases = pd.read_csv(SEEDS / "referrer_type_aliases.csv", dtype=str)
        self.type_alias = dict(zip(aliases["alias_key"], aliases["cin_code"], strict=True))
        # The council's own words for referrer types, from its profile (as staging reads them).
        self.type_alias |= {alias_key(name): code for name, code in load_profile().referrer_types}
        sources = pd.read_csv(SEEDS / "cin_referral_sources.csv", dtype=str)
        self.cin_type = dict(zip(sources["cin_code"], sources["agency_type"], strict=True))
        self.cin_in_scope = dict(
            zip(sources["cin_code"], sources["in_scope"] == "true", strict=True)
        )
        methods = pd.read_csv(SEEDS / "contact_methods.csv", dtype=str)
        self.channel = dict(zip(methods["method_key"], methods["channel"], strict=True))
        outcomes = pd.read_csv(SEEDS / "contact_outcomes.csv", dtype=str)
        self.outcome_referral = dict(
            zip(outcomes["outcome_key"], outcomes["is_referral"] == "true", strict=True)
        )

    def cin_code(self, referrer_type: str) -> str | None:
        match = re.match(r"^\s*(10|[1-9][A-Fa-f]?)(?![0-9A-Za-z])", str(referrer_type))
        if match and match.group(1).upper() in self.cin_type:
            return match.group(1).upper()
        return self.type_alias.get(alias_key(referrer_type))


@pytest.fixture(scope="session")
def seed_maps() -> SeedMaps:
    return SeedMaps()


def read_contacts(landing: Path, maps: SeedMaps) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(latest version of every valid contact with seed mappings, rejected rows)."""
    frames = [read_table(p) for p in sorted((landing / "contacts").iterdir())]
    rows = pd.concat(frames, ignore_index=True).fillna("")
    rows["contact_at"] = parse_times(rows["contactdatetime"])
    if "recordupdatedat" in rows:
        rows["record_updated_at"] = parse_times(rows["recordupdatedat"].fillna(""))
    missing = np.zeros(len(rows), dtype=bool)
    for column in CONTACT_REQUIRED:
        missing |= rows[header_key(column)].astype(str).str.strip() == ""
    bad = missing | rows["contact_at"].isna()
    rejected = rows.loc[bad, ["_file", "_row"]]
    rows = latest_versions(rows[~bad], "contactid")
    rows["cin_code"] = rows["referrertype"].map(maps.cin_code)
    rows["agency_type"] = rows["cin_code"].map(maps.cin_type).fillna("Unknown")
    rows["in_scope"] = rows["cin_code"].map(maps.cin_in_scope).fillna(True)
    rows["channel"] = rows["contactmethod"].map(lambda m: maps.channel.get(alias_key(m)))
    from_outcome = rows["contactoutcome"].map(lambda o: maps.outcome_referral.get(alias_key(o)))
    flag = (
        rows["isreferral"].fillna("") if "isreferral" in rows else pd.Series("", index=rows.index)
    )
    rows["is_referral"] = np.where(flag.isin(["Y", "N"]), flag == "Y", from_outcome)
    rows["outcome_mapped"] = from_outcome.notna()
    return rows, rejected


def read_calls(landing: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    frames = [read_table(p) for p in sorted((landing / "calls").iterdir())]
    rows = pd.concat(frames, ignore_index=True).fillna("")
    rows["call_at"] = parse_times(rows["callstart"])
    if "recordupdatedat" in rows:
        rows["record_updated_at"] = parse_times(rows["recordupdatedat"].fillna(""))
    negative = np.zeros(len(rows), dtype=bool)
    for column in ("waitseconds", "talkseconds"):
        negative |= pd.to_numeric(rows[column], errors="coerce").fillna(0) < 0
    bad = negative | rows["call_at"].isna() | (rows["callid"].str.strip() == "")
    return latest_versions(rows[~bad], "callid"), rows.loc[bad, ["_file", "_row"]]


def read_register(landing: Path) -> pd.DataFrame:
    path = next(p for p in (landing / "schools").iterdir() if not p.name.startswith("links"))
    return pd.read_csv(
        io.StringIO(path.read_bytes().decode("cp1252")), dtype=str, keep_default_na=False
    )


def in_baseline(rows: pd.DataFrame, column: str) -> pd.DataFrame:
    return rows[(rows[column] >= BASELINE[0]) & (rows[column] < BASELINE[1])]


def read_truth(truth: Path, name: str) -> pd.DataFrame:
    return pd.read_csv(truth / name, dtype=str, keep_default_na=False)


@pytest.fixture(scope="session")
def reader(seed_maps) -> SimpleNamespace:
    """The landing-file reader's functions, for tests (pytest's importlib mode keeps this
    conftest out of reach of plain imports)."""
    return SimpleNamespace(
        baseline=BASELINE,
        maps=seed_maps,
        header_key=header_key,
        alias_key=alias_key,
        decode=decode,
        read_table=read_table,
        parse_times=parse_times,
        read_contacts=lambda landing: read_contacts(landing, seed_maps),
        read_calls=read_calls,
        read_register=read_register,
        read_truth=read_truth,
        in_baseline=in_baseline,
        contact_required=CONTACT_REQUIRED,
        call_required=CALL_REQUIRED,
    )


@pytest.fixture(scope="session")
def generated(tmp_path_factory) -> dict:
    """The default demo data set (seed 20190901, Sep 2017 - Aug 2019, full scale)."""
    root = tmp_path_factory.mktemp("demo")
    summary = write_demo_extracts(root / "landing", root / "truth")
    return {"landing": root / "landing", "truth": root / "truth", "summary": summary}


@pytest.fixture(scope="session")
def contacts_and_rejected(generated, seed_maps) -> tuple[pd.DataFrame, pd.DataFrame]:
    return read_contacts(generated["landing"], seed_maps)


@pytest.fixture(scope="session")
def contacts(contacts_and_rejected) -> pd.DataFrame:
    return contacts_and_rejected[0]


@pytest.fixture(scope="session")
def calls_and_rejected(generated) -> tuple[pd.DataFrame, pd.DataFrame]:
    return read_calls(generated["landing"])


@pytest.fixture(scope="session")
def baseline(contacts) -> pd.DataFrame:
    return in_baseline(contacts, "contact_at")
