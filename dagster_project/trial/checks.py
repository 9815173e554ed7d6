"""What the trial's asset checks look for in the ``trial`` tables: plain functions of data
frames and the plan, each returning the problems it finds (an empty list when there are none).
"""

import json
from fractions import Fraction
from math import ceil, floor, sqrt

import pandas as pd

from dagster_project.trial.assignment_store import FrozenAssignment
from dagster_project.trial.balance import ALL_STRATA
from dagster_project.trial.plan import ARMS, TrialPlan

#: The columns of ``trial.assignment`` that must equal the frozen file's.
FROZEN_COLUMNS = ["school_urn", "stratum", "arm", "randomised_urn", "source"]

#: The models ``analysis.results_table`` fits: the primary outcome's main model and its
#: sensitivity models, and the one model of each secondary outcome.
PRIMARY_MODELS = ("poisson_qmle", "negative_binomial", "ols_ancova", "did_two_way_fe")
SECONDARY_MODELS = ("poisson_qmle",)

#: What Works Clearinghouse's bound for baseline equivalence: beyond 0.25 standard
#: deviations, covariate adjustment no longer makes up for the difference.
STD_DIFF_THRESHOLD = 0.25
#: A blocked draw gives an overall difference beyond this many standard errors about once
#: in a hundred times per variable (two-sided 1%), so small trials are not warned of chance.
CHANCE_Z = 2.576


def assignment_differences(
    stored: pd.DataFrame, frozen: FrozenAssignment, plan: TrialPlan
) -> list[str]:
    """How ``trial.assignment`` (``stored``) differs from the frozen file, and whether both
    carry the plan's hash."""
    problems = []
    if frozen.manifest["plan_hash"] != plan.hash:
        problems.append(
            f"the frozen manifest's plan hash {frozen.manifest['plan_hash'][:12]} is not the "
            f"plan's ({plan.hash[:12]})"
        )
    hashes = sorted(set(stored["plan_hash"].dropna()) - {plan.hash})
    if hashes or stored["plan_hash"].isna().any():
        problems.append(
            f"trial.assignment carries plan hashes other than the plan's: "
            f"{', '.join(h[:12] for h in hashes) or 'null'}"
        )
    keyed_stored = _keyed(stored)
    keyed_frozen = _keyed(frozen.rows)
    missing = keyed_frozen.index.difference(keyed_stored.index)
    extra = keyed_stored.index.difference(keyed_frozen.index)
    if len(missing):
        problems.append(f"in the frozen file but not in trial.assignment: URNs {_urns(missing)}")
    if len(extra):
        problems.append(f"in trial.assignment but not in the frozen file: URNs {_urns(extra)}")
    common = keyed_frozen.index.intersection(keyed_stored.index)
    for column in FROZEN_COLUMNS[1:]:
        left, right = keyed_stored.loc[common, column], keyed_frozen.loc[common, column]
        same = (left == right).fillna(False) | (left.isna() & right.isna())
        changed = common[~same.to_numpy(dtype=bool)]
        if len(changed):
            problems.append(f"{column} differs from the frozen file for URNs {_urns(changed)}")
    return problems


def _keyed(rows: pd.DataFrame) -> pd.DataFrame:
    # Nullable types, so a successor's missing value reads the same from CSV and DuckDB.
    table = rows[FROZEN_COLUMNS].astype(
        {"school_urn": "int64", "randomised_urn": "Int64"}
        | dict.fromkeys(["stratum", "arm", "source"], "string")
    )
    return table.drop_duplicates().set_index("school_urn").sort_index()


def _urns(index, shown: int = 10) -> str:
    urns = [str(u) for u in list(index)[:shown]]
    return ", ".join(urns) + (f" and {len(index) - shown} more" if len(index) > shown else "")


def stratum_allocation(assignment: pd.DataFrame, share: Fraction) -> pd.DataFrame:
    """Per stratum of the randomised schools: schools per arm and the counts of intervention
    schools the blocked design allows (the floor or ceiling of n x share), with ``balanced``."""
    randomised = assignment[assignment["source"] == "randomised"]
    counts = (
        randomised.groupby(["stratum", "arm"]).size().unstack(fill_value=0).reindex(columns=ARMS)
    )
    table = counts.fillna(0).astype(int).rename(columns=lambda arm: f"n_{arm}")
    n = table.sum(axis=1)
    table["allowed_low"] = [floor(k * share) for k in n]
    table["allowed_high"] = [ceil(k * share) for k in n]
    table["balanced"] = table["n_intervention"].between(table["allowed_low"], table["allowed_high"])
    return table.reset_index()


def std_diff_limit(n_intervention: int, n_comparison: int) -> float:
    """The larger of the baseline-equivalence bound and what chance alone gives at 1%."""
    if min(n_intervention, n_comparison) == 0:
        return STD_DIFF_THRESHOLD
    chance = CHANCE_Z * sqrt(1 / n_intervention + 1 / n_comparison)
    return max(STD_DIFF_THRESHOLD, chance)


def imbalanced_variables(balance: pd.DataFrame) -> pd.DataFrame:
    """The overall rows of ``trial.balance`` whose standardised difference is beyond
    ``std_diff_limit``. Per-stratum differences of a few schools are noise and not judged."""
    overall = balance[balance["stratum"] == ALL_STRATA].copy()
    overall["limit"] = [
        std_diff_limit(int(a), int(b))
        for a, b in zip(overall["n_intervention"], overall["n_comparison"], strict=True)
    ]
    return overall[overall["std_diff"].abs() > overall["limit"]]


def expected_results(plan: TrialPlan) -> list[tuple[str, str]]:
    """(outcome, model) of every row the plan's analysis must report."""
    rows = [(plan.primary_outcome, model) for model in PRIMARY_MODELS]
    return rows + [(s.column, m) for s in plan.secondary_outcomes for m in SECONDARY_MODELS]


def _not_estimable_reason(row) -> str | None:
    conclusion = row.get("conclusion")
    if isinstance(conclusion, str) and conclusion.startswith("not estimable"):
        return conclusion
    notes = row.get("notes")
    if isinstance(notes, str) and notes:
        why = json.loads(notes).get("why")
        if why:
            return str(why)
    return None


def results_problems(results: pd.DataFrame, plan: TrialPlan) -> list[str]:
    """Missing, duplicated or unplanned (outcome, model) rows, and rows with no estimate or
    p-value that do not say why."""
    expected = expected_results(plan)
    found = list(zip(results["outcome"], results["model"], strict=True))
    problems = [f"no row for {o}/{m}" for o, m in expected if (o, m) not in found]
    for outcome, model in dict.fromkeys(found):
        if (outcome, model) not in expected:
            problems.append(f"{outcome}/{model} is not in the plan")
        if found.count((outcome, model)) > 1:
            problems.append(f"{outcome}/{model} has {found.count((outcome, model))} rows")
    for row in results.to_dict("records"):
        if _not_estimable_reason(row):
            continue
        empty = [c for c in ("estimate", "p_value") if pd.isna(row[c])]
        if empty:
            problems.append(
                f"{row['outcome']}/{row['model']}: {' and '.join(empty)} missing with no "
                "'not estimable' reason"
            )
    return problems


def consort_problems(consort: pd.DataFrame) -> list[str]:
    """Whether the CONSORT boxes add up: assessed - excluded = randomised = sum allocated."""
    totals = consort.groupby("step")["schools"].sum()
    assessed = int(totals.get("assessed for eligibility", 0))
    excluded = int(totals.get("excluded", 0))
    randomised = int(totals.get("randomised", 0))
    allocated = int(totals.get("allocated", 0))
    problems = []
    if assessed - excluded != randomised:
        problems.append(
            f"assessed ({assessed}) - excluded ({excluded}) = {assessed - excluded}, "
            f"but {randomised} randomised"
        )
    if allocated != randomised:
        problems.append(f"{randomised} randomised but {allocated} allocated to the arms")
    return problems
