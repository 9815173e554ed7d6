"""Trial months: intervention schools phone less, some of them email instead, nothing else
changes, and the months fit after the baseline."""

from datetime import date

import numpy as np
import pandas as pd
import pytest

from mash_demo.generate import write_demo_extracts

TRIAL = {"start": date(2019, 9, 1), "end": date(2020, 3, 31), "scale": 0.5}


@pytest.fixture(scope="module")
def arms(generated, reader) -> dict[int, str]:
    register = reader.read_register(generated["landing"])
    home = register[
        (register["LA (code)"] == "937") & (register["EstablishmentStatus (name)"] != "Closed")
    ]
    rng = np.random.default_rng(1)
    return {
        int(urn): ("intervention" if rng.random() < 0.5 else "comparison") for urn in home["URN"]
    }


@pytest.fixture(scope="module")
def runs(tmp_path_factory, reader, arms) -> dict[str, pd.DataFrame]:
    root = tmp_path_factory.mktemp("trial")
    write_demo_extracts(root / "plain" / "landing", root / "plain" / "truth", **TRIAL)
    write_demo_extracts(
        root / "trial" / "landing",
        root / "trial" / "truth",
        arms=arms,
        phone_rate_ratio=0.5,
        displacement_share=0.5,
        **TRIAL,
    )
    out = {"root": root}
    for name in ("plain", "trial"):
        truth = reader.read_truth(root / name / "truth", "contacts_truth.csv")
        truth["arm"] = truth["school_urn"].map(lambda u: arms.get(int(u), "none") if u else "none")
        out[name] = truth[truth["contact_at"] >= "2019-09-01"]
    return out


def phone_contacts(truth: pd.DataFrame, arm: str) -> pd.DataFrame:
    return truth[
        (truth["arm"] == arm) & (truth["channel"] == "phone") & (truth["is_referral"] == "False")
    ]


def test_intervention_phone_contacts_follow_the_rate_ratio(runs):
    before = len(phone_contacts(runs["plain"], "intervention"))
    after = len(phone_contacts(runs["trial"], "intervention"))
    assert before > 200
    assert 0.4 < after / before < 0.6


def test_a_share_of_removed_phone_contacts_arrive_by_email(runs):
    removed = len(phone_contacts(runs["plain"], "intervention")) - len(
        phone_contacts(runs["trial"], "intervention")
    )
    displaced = runs["trial"][runs["trial"]["trial_effect"] == "displaced"]
    assert (displaced["channel"] == "email").all() and (displaced["arm"] == "intervention").all()
    assert 0.35 < len(displaced) / removed < 0.65


def test_referrals_and_other_referrers_are_unchanged(runs):
    columns = ["contact_id", "contact_at", "agency_id", "is_referral", "channel", "child_district"]
    for arm in ("comparison", "none"):
        plain = runs["plain"].loc[runs["plain"]["arm"] == arm, columns].reset_index(drop=True)
        trial = runs["trial"].loc[runs["trial"]["arm"] == arm, columns].reset_index(drop=True)
        pd.testing.assert_frame_equal(plain, trial)
    referrals = {
        name: set(
            runs[name].loc[
                (runs[name]["arm"] == "intervention") & (runs[name]["is_referral"] == "True"),
                "contact_id",
            ]
        )
        for name in ("plain", "trial")
    }
    assert referrals["plain"] == referrals["trial"]


def test_intervention_schools_make_fewer_advice_calls(runs, reader, arms):
    counts = {}
    for name in ("plain", "trial"):
        calls = reader.read_truth(runs["root"] / name / "truth", "calls_truth.csv")
        school = calls[(calls["school_urn"] != "") & (calls["purpose"] == "advice")]
        counts[name] = school["school_urn"].map(lambda u: arms.get(int(u), "none")).value_counts()
    assert counts["trial"]["intervention"] < 0.7 * counts["plain"]["intervention"]
    assert counts["trial"]["comparison"] == counts["plain"]["comparison"]


def test_trial_months_sort_after_and_do_not_collide_with_the_baseline(runs, generated, reader):
    for kind in ("contacts", "calls"):
        baseline_names = sorted(p.name for p in (generated["landing"] / kind).iterdir())
        trial_names = sorted(p.name for p in (runs["root"] / "trial" / "landing" / kind).iterdir())
        assert baseline_names[-1] < trial_names[0]
    baseline_ids = set(reader.read_truth(generated["truth"], "contacts_truth.csv")["contact_id"])
    assert not baseline_ids & set(runs["trial"]["contact_id"])


@pytest.mark.parametrize(
    "arguments, message",
    [
        ({"arms": {999999: "intervention"}}, "not in the demo school register"),
        ({"arms": {}, "displacement_share": 1.5}, "displacement_share"),
        ({"start": date(2016, 9, 1)}, "begin on 2017-09-01"),
        ({"scale": 0}, "scale must be positive"),
        ({"arms": {}, "end": date(2019, 8, 31)}, "no trial month"),
    ],
)
def test_bad_arguments_are_refused_with_a_reason(tmp_path, arguments, message):
    with pytest.raises(ValueError, match=message):
        write_demo_extracts(
            tmp_path / "landing", tmp_path / "truth", **{"end": date(2019, 10, 31), **arguments}
        )
    assert not (tmp_path / "landing").exists(), (
        "nothing is written before the arguments are checked"
    )


def test_an_unknown_arm_is_refused(tmp_path, arms):
    urn = next(iter(arms))
    with pytest.raises(ValueError, match="expected one of"):
        write_demo_extracts(tmp_path / "landing", None, arms={urn: "treated"})
