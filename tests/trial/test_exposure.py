"""Exposure per school from GIAS dates, and the plan's merger rule."""

import numpy as np
import pandas as pd
import pytest

from dagster_project import settings
from dagster_project.trial.analysis import CLOSED_BEFORE_TRIAL, trial_data
from dagster_project.trial.assignment_store import FrozenAssignment
from dagster_project.trial.plan import OUTCOME_COLUMNS, load_plan
from dagster_project.trial.school_data import Marts, analysis_lineages, exposure_months

PLAN = load_plan(settings.PROJECT_ROOT / "config" / "trial_plan.yml")
TRIAL_MONTHS = PLAN.trial.month_starts()
ARMS = {
    100: "intervention",
    101: "intervention",
    200: "comparison",
    201: "comparison",
    202: "comparison",
}


def _schools(rows: list[dict]) -> pd.DataFrame:
    schools = pd.DataFrame(rows)
    for column in ("open_date", "close_date"):
        schools[column] = pd.to_datetime(schools.get(column, pd.NaT))
    schools["successor_urn"] = schools.get("successor_urn", pd.NA)
    schools["successor_urn"] = schools["successor_urn"].astype("Int64")
    return schools


def _randomised() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "school_urn": list(ARMS),
            "arm": list(ARMS.values()),
            "stratum": "size:small/fsm:low",
            "pupils": 200.0,
            "pct_fsm": 5.0,
            "source": "randomised",
        }
    )


def test_a_school_closing_mid_trial_keeps_its_arm_with_truncated_exposure():
    # closes on 15 Nov 2019: Sep, Oct whole, 15 of Nov's 30 days
    schools = _schools([{"school_urn": 100, "close_date": "2019-11-15"}, {"school_urn": 200}])
    owner = {100: 100, 200: 200}
    exposure = exposure_months(owner, schools, TRIAL_MONTHS)
    assert exposure[100] == pytest.approx(2 + 15 / 30)
    assert exposure[200] == pytest.approx(7)


def test_same_arm_merger_carries_counts_to_the_lowest_predecessor():
    # 100 and 101 (both intervention) close on 31 Dec 2019; 300 opens 1 Jan 2020
    schools = _schools(
        [
            {"school_urn": 100, "close_date": "2019-12-31", "successor_urn": 300},
            {"school_urn": 101, "close_date": "2019-12-31", "successor_urn": 300},
            {"school_urn": 300, "open_date": "2020-01-01"},
            *({"school_urn": u} for u in (200, 201, 202)),
        ]
    )
    lineages = analysis_lineages(_randomised(), schools)
    assert lineages.owner[300] == 100 and not lineages.cross_arm
    exposure = exposure_months(lineages.owner, schools, TRIAL_MONTHS)
    assert exposure[100] == pytest.approx(7)  # its lineage continues through 300
    assert exposure[101] == pytest.approx(4)  # Sep to Dec


def test_cross_arm_merger_successor_is_excluded_from_the_merger_date():
    # 101 (intervention) and 201 (comparison) merge into 400 on 1 Jan 2020
    schools = _schools(
        [
            {"school_urn": 101, "close_date": "2019-12-31", "successor_urn": 400},
            {"school_urn": 201, "close_date": "2019-12-31", "successor_urn": 400},
            {"school_urn": 400, "open_date": "2020-01-01"},
            {"school_urn": 202, "close_date": "2019-06-30"},
            *({"school_urn": u} for u in (100, 200)),
        ]
    )
    months = [*PLAN.baseline.month_starts(), *TRIAL_MONTHS]
    counts = pd.DataFrame(
        [
            {"school_urn": urn, "month_start": pd.Timestamp(m), **dict.fromkeys(OUTCOME_COLUMNS, 1)}
            for urn in (100, 101, 200, 201, 202, 400)
            for m in months
        ]
    )
    frozen = FrozenAssignment(_randomised(), {})
    data = trial_data(frozen, Marts(schools, counts), PLAN)
    frame = data.frame.set_index("school_urn")
    assert 400 not in frame.index
    assert frame.loc[101, "exposure"] == pytest.approx(4)
    assert frame.loc[201, "exposure"] == pytest.approx(4)
    # one count a month in every school's rows: 400's three (Jan-Mar) go to no one
    assert frame.loc[101, "phone_contacts"] == 7 and frame.loc[100, "phone_contacts"] == 7
    truncated = data.truncated.set_index("school_urn")
    assert set(truncated.index) == {101, 201}
    assert truncated.loc[101, "reason"].startswith("merged with a school of the other arm")
    # 202 closed in June 2019, before the trial: excluded, with its reason and arm
    assert data.excluded.to_dict("records") == [
        {"school_urn": 202, "arm": "comparison", "reason": CLOSED_BEFORE_TRIAL}
    ]
    assert np.isclose(frame.loc[200, "baseline_months"], 12)
