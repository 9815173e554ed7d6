from fractions import Fraction

import pytest
import yaml

from dagster_project import settings
from dagster_project.trial.plan import PlanError, load_plan

PROJECT_PLAN = settings.PROJECT_ROOT / "config" / "trial_plan.yml"


def test_project_plan_reads_and_defaults_to_settings_path(monkeypatch):
    monkeypatch.delenv(settings.TRIAL_PLAN_ENV, raising=False)
    plan = load_plan()
    assert plan.path == PROJECT_PLAN
    assert plan.intervention_share == Fraction(1, 2)
    assert plan.baseline.months == 12 and plan.trial.months == 7
    assert plan.primary_outcome == "phone_contacts"
    assert {s.column: s.test for s in plan.secondary_outcomes}["referrals"] == "non_inferiority"


def test_hash_ignores_layout_and_comments_but_not_content(tmp_path):
    content = yaml.safe_load(PROJECT_PLAN.read_text())
    relaid = tmp_path / "relaid.yml"
    relaid.write_text("# another comment\n" + yaml.safe_dump(content, sort_keys=True, indent=4))
    assert load_plan(relaid).hash == load_plan(PROJECT_PLAN).hash

    content["randomisation"]["seed"] += 1
    changed = tmp_path / "changed.yml"
    changed.write_text(yaml.safe_dump(content))
    assert load_plan(changed).hash != load_plan(PROJECT_PLAN).hash


def test_strata_bands_use_cut_points_as_lower_bounds():
    plan = load_plan(PROJECT_PLAN)
    size_cut = plan.strata[0].cut_points[0]
    assert plan.stratum({"pupils": size_cut - 1, "pct_fsm": 0}).startswith("size:small/")
    assert plan.stratum({"pupils": size_cut, "pct_fsm": 0}).startswith("size:medium/")
    assert len(plan.stratum_order()) == len(set(plan.stratum_order())) == 9


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        ("baseline", {"start": "2018-09", "end": "2019/08"}, "`baseline.end`"),
        ("trial", {"start": "2019-06", "end": "2020-03"}, "`trial.start`"),
        ("alpha", 1.5, "`alpha`"),
        ("covariates", ["baseline_outcome", "ofsted_grade"], "`covariates`"),
    ],
)
def test_bad_plan_names_file_and_key(tmp_path, key, value, message):
    content = yaml.safe_load(PROJECT_PLAN.read_text())
    content[key] = value
    path = tmp_path / "bad.yml"
    path.write_text(yaml.safe_dump(content))
    with pytest.raises(PlanError) as error:
        load_plan(path)
    assert str(path) in str(error.value) and message in str(error.value)


def test_labels_must_match_cut_points(tmp_path):
    content = yaml.safe_load(PROJECT_PLAN.read_text())
    content["strata"][1]["labels"] = ["low", "high"]
    path = tmp_path / "bad.yml"
    path.write_text(yaml.safe_dump(content))
    with pytest.raises(PlanError, match=r"strata\[1\]\.labels"):
        load_plan(path)


def test_missing_plan_says_how_to_point_at_one(tmp_path):
    with pytest.raises(PlanError, match=settings.TRIAL_PLAN_ENV):
        load_plan(tmp_path / "absent.yml")
