"""What the trial reads from the marts: schools, their successors and school-month counts."""

import calendar
from dataclasses import dataclass, field
from datetime import date, timedelta

import duckdb
import pandas as pd

from dagster_project.trial.plan import OUTCOME_COLUMNS, TrialPlan, Window

DIM_SCHOOL_COLUMNS = (
    "school_urn",
    "school_name",
    "la_code",
    "phase",
    "is_open",
    "open_date",
    "close_date",
    "pupils",
    "pct_fsm",
    "successor_urn",
)
SCHOOL_MONTH_COLUMNS = ("school_urn", "month_start", *OUTCOME_COLUMNS)


class MartsError(RuntimeError):
    """The marts the trial reads are missing or lack a column."""


@dataclass(frozen=True)
class Marts:
    schools: pd.DataFrame
    school_months: pd.DataFrame

    @property
    def data_through(self) -> date | None:
        """The last month with data, or None when there is none."""
        if self.school_months.empty:
            return None
        return self.school_months["month_start"].max().date()


def read_marts(conn: duckdb.DuckDBPyConnection) -> Marts:
    schools = _read(conn, "marts.dim_school", DIM_SCHOOL_COLUMNS)
    school_months = _read(conn, "marts.fct_school_month", SCHOOL_MONTH_COLUMNS)
    schools["school_urn"] = schools["school_urn"].astype("int64")
    schools["successor_urn"] = schools["successor_urn"].astype("Int64")
    for column in ("open_date", "close_date"):
        schools[column] = pd.to_datetime(schools[column])
    school_months["school_urn"] = school_months["school_urn"].astype("int64")
    school_months["month_start"] = pd.to_datetime(school_months["month_start"])
    for column in OUTCOME_COLUMNS:
        school_months[column] = school_months[column].fillna(0).astype("int64")
    return Marts(schools, school_months)


def _read(conn: duckdb.DuckDBPyConnection, table: str, columns: tuple[str, ...]) -> pd.DataFrame:
    schema, name = table.split(".")
    present = {
        row[0]
        for row in conn.execute(
            "select column_name from information_schema.columns "
            "where table_schema = ? and table_name = ?",
            [schema, name],
        ).fetchall()
    }
    if not present:
        raise MartsError(f"Table {table} does not exist; build the dbt marts first.")
    missing = [column for column in columns if column not in present]
    if missing:
        raise MartsError(f"Table {table} lacks column(s) {', '.join(missing)}.")
    return conn.execute(f"select {', '.join(columns)} from {table}").df()


def eligible_schools(schools: pd.DataFrame, plan: TrialPlan) -> tuple[pd.DataFrame, dict]:
    """Schools the plan admits, with their stratum, and how many each rule turned away."""
    home = schools[schools["la_code"].astype(str).str.strip().isin(plan.la_codes)]
    is_open = home[home["is_open"].fillna(False).astype(bool)]
    phases = {phase.casefold() for phase in plan.phases}
    in_phase = is_open[is_open["phase"].fillna("").str.strip().str.casefold().isin(phases)]
    known = in_phase.dropna(subset=["pupils", "pct_fsm"])
    eligible = known[["school_urn", "school_name", "pupils", "pct_fsm"]].copy()
    eligible["pupils"] = eligible["pupils"].astype(float)
    eligible["pct_fsm"] = eligible["pct_fsm"].astype(float)
    eligible["stratum"] = [
        plan.stratum({"pupils": p, "pct_fsm": f})
        for p, f in zip(eligible["pupils"], eligible["pct_fsm"], strict=True)
    ]
    excluded = {
        "other_local_authority": len(schools) - len(home),
        "not_open": len(home) - len(is_open),
        "phase_not_in_plan": len(is_open) - len(in_phase),
        "enrolment_or_fsm_unknown": len(in_phase) - len(known),
    }
    return eligible.sort_values("school_urn").reset_index(drop=True), excluded


def successor_chains(schools: pd.DataFrame) -> dict[int, list[int]]:
    """For each school with a successor, the URNs that followed it, oldest first."""
    successor = {
        int(urn): int(next_urn)
        for urn, next_urn in zip(schools["school_urn"], schools["successor_urn"], strict=True)
        if pd.notna(next_urn) and int(next_urn) != int(urn)
    }
    chains = {}
    for urn in successor:
        chain, current = [], urn
        while current in successor and successor[current] not in chain + [urn]:
            current = successor[current]
            chain.append(current)
        chains[urn] = chain
    return chains


def lineage_owner(
    randomised_urns: list[int], schools: pd.DataFrame, arms: dict[int, str] | None = None
) -> dict[int, int]:
    """Which randomised school each URN's counts belong to: itself and its successors.

    A successor shared by several randomised schools (a merger) counts for the lowest of
    their URNs. Given the ``arms`` of the randomised schools (the plan's merger rule), a
    successor of predecessors in different arms belongs to no one.
    """
    return _lineages(randomised_urns, schools, arms).owner


@dataclass(frozen=True)
class Lineages:
    owner: dict[int, int]
    #: Successor URN -> the randomised predecessors (in different arms) it merged.
    cross_arm: dict[int, list[int]] = field(default_factory=dict)


def _lineages(randomised_urns, schools: pd.DataFrame, arms: dict[int, str] | None) -> Lineages:
    chains = successor_chains(schools)
    predecessors: dict[int, list[int]] = {}
    for urn in sorted(randomised_urns):
        for successor in chains.get(urn, []):
            predecessors.setdefault(successor, []).append(urn)
    owner = {urn: urn for urn in randomised_urns}
    cross_arm = {}
    for successor, merged in sorted(predecessors.items()):
        if successor in owner:
            continue
        if arms is not None and len({arms[urn] for urn in merged}) > 1:
            cross_arm[successor] = merged
            continue
        owner[successor] = min(merged)
    return Lineages(owner, cross_arm)


def analysis_lineages(randomised: pd.DataFrame, schools: pd.DataFrame) -> Lineages:
    """The lineages of the randomised schools (columns school_urn, arm) under the plan's
    merger rule: same-arm successors carry on their lineage, cross-arm ones are dropped."""
    arms = dict(zip(randomised["school_urn"].astype(int), randomised["arm"], strict=True))
    return _lineages(list(arms), schools, arms)


def exposure_months(owner: dict[int, int], schools: pd.DataFrame, months: list[date]) -> pd.Series:
    """Months each randomised school's lineage was open over ``months``, in days open over
    days in the month, from the GIAS open and close dates (a missing date: no limit)."""
    details = schools.drop_duplicates("school_urn").set_index("school_urn")
    intervals: dict[int, list[tuple[date, date]]] = {}
    for urn, head in owner.items():
        if urn not in details.index:
            continue
        opened, closed = details.at[urn, "open_date"], details.at[urn, "close_date"]
        start = opened.date() if pd.notna(opened) else date.min
        end = closed.date() if pd.notna(closed) else date.max
        intervals.setdefault(head, []).append((start, end))
    exposure = {}
    for head in sorted(set(owner.values())):
        spans = _merged(intervals.get(head, [(date.min, date.max)]))
        exposure[head] = sum(_open_share(spans, month) for month in months)
    return pd.Series(exposure, dtype=float, name="exposure")


def _merged(spans: list[tuple[date, date]]) -> list[tuple[date, date]]:
    merged: list[tuple[date, date]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1] + timedelta(days=1):
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def _open_share(spans: list[tuple[date, date]], month: date) -> float:
    days = calendar.monthrange(month.year, month.month)[1]
    last = month.replace(day=days)
    open_days = sum(max(0, (min(end, last) - max(start, month)).days + 1) for start, end in spans)
    return open_days / days


def period_totals(
    school_months: pd.DataFrame, owner: dict[int, int], months: list[date]
) -> pd.DataFrame:
    """Outcome totals per randomised school over the given months that have data.

    Indexed by the randomised URN; every school in ``owner`` gets a row (zeros when the
    data has nothing for it). Adds ``months``: how many of the months had data.
    """
    wanted = pd.to_datetime(pd.Series(months)) if months else pd.Series(dtype="datetime64[ns]")
    rows = school_months[school_months["month_start"].isin(wanted)]
    observed = rows["month_start"].nunique()
    rows = rows.assign(owner=rows["school_urn"].map(owner)).dropna(subset=["owner"])
    totals = rows.groupby(rows["owner"].astype("int64"))[list(OUTCOME_COLUMNS)].sum()
    totals = totals.reindex(sorted(set(owner.values())), fill_value=0).astype("int64")
    totals.index.name = "school_urn"
    return totals.assign(months=observed)


def monthly_panel(
    school_months: pd.DataFrame, owner: dict[int, int], window: Window, through: date
) -> pd.DataFrame:
    """School-month counts per randomised school, over the window's months up to ``through``."""
    months = [m for m in window.month_starts() if m <= through]
    rows = school_months[school_months["month_start"].isin(pd.to_datetime(pd.Series(months)))]
    rows = rows.assign(owner=rows["school_urn"].map(owner)).dropna(subset=["owner"])
    rows["owner"] = rows["owner"].astype("int64")
    complete = pd.MultiIndex.from_product(
        [sorted(set(owner.values())), sorted(rows["month_start"].unique())],
        names=["school_urn", "month_start"],
    )
    panel = rows.groupby(["owner", "month_start"])[list(OUTCOME_COLUMNS)].sum()
    panel.index.names = ["school_urn", "month_start"]
    return panel.reindex(complete, fill_value=0).reset_index()
