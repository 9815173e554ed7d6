from datetime import datetime

import pandas as pd
import pytest

from dagster_project.matching import MatchConfig, resolve_names
from dagster_project.matching.cleaning import clean_referrer_name

pytestmark = pytest.mark.usefixtures("invented_council")

FIRST_RUN = datetime(2019, 6, 1, 2, 0)
SECOND_RUN = datetime(2019, 6, 2, 2, 0)


def resolve(register, names_df, **kwargs):
    return resolve_names(names_df, **{**register, **kwargs})


def one(matches: pd.DataFrame, key: str, agency_type: str = "Schools") -> pd.Series:
    rows = matches[(matches.referrer_name_key == key) & (matches.agency_type == agency_type)]
    assert len(rows) == 1, f"expected one row for {key!r} / {agency_type!r}"
    return rows.iloc[0]


@pytest.mark.parametrize(
    ("key", "urn"),
    [
        ("abey cofe infnt school", 100001),
        ("oakfeild junior school", 100008),
        ("whitestone infants", 100006),
        ("brambelford primary acadmy", 100007),
        ("northgate primary", 100009),
        ("mrs j smith (dsl) - northgat primry school", 100009),
        ("dsl - oakfield jnr sch", 100008),
    ],
)
def test_misspelt_and_abbreviated_school_names_are_matched(register, make_names, key, urn):
    matches, review = resolve(register, make_names((key, "Schools")))
    match = one(matches, key)
    assert match.match_method in ("exact", "fuzzy")
    assert match.school_urn == urn
    assert match.agency_id == f"SCH{urn}"
    assert not match.in_review
    assert review.empty


def test_exact_register_name_and_alias_after_cleaning(register, make_names):
    key_school = "mrs j smith (dsl) - abbey c of e infant sch"
    key_alias = "pc 1234 jones - brenton snt"
    matches, _ = resolve(register, make_names((key_school, "Schools"), (key_alias, "Police")))
    school = one(matches, key_school)
    assert (school.match_method, school.school_urn, school.match_score) == ("exact", 100001, 100)
    assert school.matched_name == "Abbey CofE Infant School"
    alias = one(matches, key_alias, "Police")
    assert (alias.match_method, alias.agency_id, alias.matched_name) == (
        "exact",
        "POL002",
        "Brenton SNT",
    )
    assert pd.isna(alias.school_urn)


def test_names_are_matched_only_within_their_agency_type(register, make_names):
    pairs = [
        ("eastshire police", "Schools"),
        ("abbey junior school", "Police"),
        ("george eliot hospital", "Police"),
        ("abbey junior school", "Schools"),
    ]
    matches, _ = resolve(register, make_names(*pairs))
    for key, agency_type in pairs[:3]:
        match = one(matches, key, agency_type)
        assert match.match_method == "unmatched"
        assert pd.isna(match.agency_id)
    assert one(matches, "abbey junior school").school_urn == 100002


def test_agency_types_without_a_register_stay_unmatched(register, make_names):
    matches, review = resolve(register, make_names(("riverside medical centre", "Other (VCS)")))
    match = one(matches, "riverside medical centre", "Other (VCS)")
    assert (match.match_method, match.in_review) == ("unmatched", False)
    assert review.empty


def test_a_person_alone_is_unmatched_and_not_reviewed(register, make_names):
    matches, review = resolve(register, make_names(("mrs j smith (dsl)", "Schools")))
    match = one(matches, "mrs j smith (dsl)")
    assert (match.match_method, match.cleaned_name, match.in_review) == ("unmatched", "", False)
    assert review.empty


def test_closed_school_resolves_to_its_successor(register, make_names):
    matches, review = resolve(register, make_names(("kenilworth school", "Schools")))
    match = one(matches, "kenilworth school")
    assert (match.school_urn, match.agency_id) == (100010, "SCH100010")
    assert match.matched_name == "Kenilworth School"
    assert review.empty


def test_runner_up_is_another_agency_not_another_name_of_the_same(register, make_names):
    key = "kenilwoth school"
    matches, _ = resolve(register, make_names((key, "Schools")))
    match = one(matches, key)
    assert (match.match_method, match.school_urn) == ("fuzzy", 100010)
    assert match.runner_up_score < match.match_score - MatchConfig().accept_margin


def test_a_name_fitting_two_schools_goes_to_review(register, make_names):
    key = "safeguarding lead: ms a khan, st marys primary"
    matches, review = resolve(register, make_names((key, "Schools"), occurrences=7))
    match = one(matches, key)
    assert (match.match_method, match.in_review) == ("unmatched", True)
    assert pd.isna(match.agency_id)
    assert len(review) == 1
    queued = review.iloc[0]
    assert queued.referrer_name_key == key
    assert queued.cleaned_name == clean_referrer_name(key)
    assert {queued.candidate_1_agency_id, queued.candidate_2_agency_id} == {
        "SCH100004",
        "SCH100005",
    }
    assert queued.candidate_1_score >= queued.candidate_2_score >= queued.candidate_3_score
    assert queued.occurrences == 7
    assert queued.first_seen_at == pd.Timestamp("2017-09-04 09:30")


def test_thresholds_decide_accept_review_or_unmatched(register, make_names):
    key = "whitestone foxford infant"
    loose = MatchConfig(accept_score=50, review_score=50, accept_margin=0)
    score = one(resolve(register, make_names((key, "Schools")), config=loose)[0], key).match_score
    assert 55 < score < 95
    outcomes = {}
    for label, accept, review_score in [
        ("accept", score - 1, score - 2),
        ("review", score + 1, score - 1),
        ("unmatched", score + 2, score + 1),
    ]:
        config = MatchConfig(accept_score=accept, review_score=review_score, accept_margin=0)
        matches, review = resolve(register, make_names((key, "Schools")), config=config)
        match = one(matches, key)
        outcomes[label] = (match.match_method, bool(match.in_review), len(review))
        assert match.match_score == score
    assert outcomes == {
        "accept": ("fuzzy", False, 0),
        "review": ("unmatched", True, 1),
        "unmatched": ("unmatched", False, 0),
    }


def test_a_person_segment_sharing_a_register_word_is_set_aside(register, make_names):
    key = "ian hollins - oakfeild junior"
    matches, _ = resolve(register, make_names((key, "Schools")))
    match = one(matches, key)
    assert (match.match_method, match.school_urn) == ("fuzzy", 100008)


def test_a_name_spelled_out_once_corrected_needs_no_margin(register, make_names):
    spelled_out, ambiguous = "the meadw primary sch", "meadow primary"
    matches, _ = resolve(register, make_names((spelled_out, "Schools"), (ambiguous, "Schools")))
    match = one(matches, spelled_out)
    assert (match.match_method, match.school_urn) == ("fuzzy", 100012)
    assert match.match_score - match.runner_up_score < MatchConfig().accept_margin
    assert one(matches, ambiguous).in_review


def test_a_register_word_is_not_read_as_a_misspelling_of_another(register, make_names):
    key = "coleshill school"
    matches, _ = resolve(register, make_names((key, "Schools")))
    match = one(matches, key)
    assert match.match_score >= MatchConfig().accept_score
    assert (match.match_method, match.in_review) == ("unmatched", True)


def test_a_plural_or_possessive_is_not_a_misreading(register, make_names):
    key = "northgate children trust"
    matches, _ = resolve(register, make_names((key, "LA services")))
    assert one(matches, key, "LA services").agency_id == "LAS001"


def test_a_misspelling_close_to_two_register_words_is_not_corrected(register, make_names):
    key = "hinley school"
    matches, _ = resolve(register, make_names((key, "Schools")))
    assert one(matches, key).match_method == "unmatched"


@pytest.mark.parametrize(
    ("key", "urn"),
    [
        ("brookside primary school", 100018),
        ("valley school", 100017),
        ("valley school (atherstone)", 100016),
    ],
)
def test_the_name_before_a_comma_names_the_school_unless_another_has_it(
    register, make_names, key, urn
):
    matches, _ = resolve(register, make_names((key, "Schools")))
    assert one(matches, key).school_urn == urn


def test_a_close_runner_up_blocks_acceptance(register, make_names):
    key = "abbey school"
    matches, _ = resolve(register, make_names((key, "Schools")))
    match = one(matches, key)
    assert match.match_score >= MatchConfig().accept_score
    assert match.match_score - match.runner_up_score < MatchConfig().accept_margin
    assert (match.match_method, match.in_review) == ("unmatched", True)


def test_overrides_win_over_matches(register, make_names, make_overrides):
    pairs = [
        ("abbey junior school", "Schools"),
        ("kenilworth head office", "Schools"),
        ("eastsh police", "Police"),
        ("mystery caller", "Police"),
    ]
    overrides = make_overrides(
        ("abbey junior school", "Schools", None, 100001),
        ("Kenilworth  Head Office ", "Schools", None, 100003),
        ("eastsh police", "Police", "POL002", None),
        ("mystery caller", "Police", None, None),
    )
    matches, _ = resolve(register, make_names(*pairs), overrides_df=overrides)
    assert set(matches.match_method) == {"override"}
    assert one(matches, "abbey junior school").school_urn == 100001
    assert one(matches, "kenilworth head office").agency_id == "SCH100010"
    assert one(matches, "eastsh police", "Police").agency_id == "POL002"
    assert pd.isna(one(matches, "mystery caller", "Police").agency_id)


@pytest.mark.parametrize(
    ("row", "column"),
    [
        (("abbey school", "Schools", None, 999999), "school_urn"),
        (("abbey school", "Schools", "NOPE01", None), "agency_id"),
        (("abbey school", "Schools", None, "abc"), "school_urn"),
    ],
)
def test_an_override_naming_nothing_known_is_refused(
    register, make_names, make_overrides, row, column
):
    overrides = make_overrides(("eastsh police", "Police", "POL001", None), row)
    with pytest.raises(ValueError, match=rf"agency_match_overrides.csv, row 3, column {column}"):
        resolve(register, make_names(("abbey school", "Schools")), overrides_df=overrides)


def test_second_run_matches_only_new_names(register, make_names):
    first_names = make_names(("abey junior school", "Schools"), ("brenton snt", "Police"))
    first, _ = resolve(register, first_names, matched_at=FIRST_RUN)
    both = pd.concat([first_names, make_names(("oakfeild junior", "Schools"))])
    second, _ = resolve(register, both, previous_df=first, matched_at=SECOND_RUN)
    assert len(second) == 3
    rematched = second[second.matched_at == pd.Timestamp(SECOND_RUN)]
    assert list(rematched.referrer_name_key) == ["oakfeild junior"]
    kept = second[second.matched_at == pd.Timestamp(FIRST_RUN)].reset_index(drop=True)
    pd.testing.assert_frame_equal(
        kept, first.sort_values(["referrer_name_key", "agency_type"]).reset_index(drop=True)
    )

    third, _ = resolve(register, both, previous_df=second, matched_at=datetime(2019, 6, 3))
    pd.testing.assert_frame_equal(third, second)


@pytest.mark.parametrize("change", ["register", "overrides", "thresholds"])
def test_a_changed_register_or_override_rematches_every_name(
    register, make_names, make_overrides, change
):
    names_df = make_names(("abey junior school", "Schools"), ("brenton snt", "Police"))
    first, _ = resolve(register, names_df, matched_at=FIRST_RUN)
    changed = dict(register)
    if change == "register":
        extra = pd.DataFrame(
            [(100012, "Abbey Junior Academy", "Open")], columns=["urn", "school_name", "status"]
        )
        changed["schools_df"] = pd.concat([register["schools_df"], extra])
        changed["successors_df"] = pd.concat(
            [register["successors_df"], pd.DataFrame({"urn": [100012], "current_urn": [100012]})]
        )
    elif change == "overrides":
        changed["overrides_df"] = make_overrides(("brenton snt", "Police", "POL001", None))
    else:
        changed["config"] = MatchConfig(accept_score=95)
    second, _ = resolve(changed, names_df, previous_df=first, matched_at=SECOND_RUN)
    assert (second.matched_at == pd.Timestamp(SECOND_RUN)).all()
    assert second.register_fingerprint.nunique() == 1
    assert second.register_fingerprint.iloc[0] != first.register_fingerprint.iloc[0]
    if change == "overrides":
        assert one(second, "brenton snt", "Police").agency_id == "POL001"


def test_one_row_per_name_and_agency_type(register, make_names):
    pairs = [
        ("brenton snt", "Police"),
        ("brenton snt", "Schools"),
        ("abbey junior school", "Schools"),
    ]
    matches, _ = resolve(register, make_names(*pairs))
    assert len(matches) == 3
    assert not matches.duplicated(["referrer_name_key", "agency_type"]).any()
    assert one(matches, "brenton snt", "Police").agency_id == "POL002"
    assert one(matches, "brenton snt", "Schools").match_method == "unmatched"


def test_thresholds_out_of_order_are_refused():
    with pytest.raises(ValueError, match="review_score <= accept_score"):
        MatchConfig(accept_score=70, review_score=80)


def test_no_names_gives_empty_tables_with_every_column(register, make_names):
    matches, review = resolve(register, make_names())
    assert matches.empty and review.empty
    assert list(matches.columns[:11]) == [
        "referrer_name_key",
        "agency_type",
        "agency_id",
        "school_urn",
        "match_method",
        "match_score",
        "runner_up_score",
        "matched_name",
        "in_review",
        "register_fingerprint",
        "matched_at",
    ]


@pytest.mark.parametrize(
    ("key", "urn"),
    [
        ("st josephs rc primary, southam", 100021),
        ("mr d lee (dsl) - st joseph's catholic primary school (alcester)", 100022),
        ("st. joseph's catholic primary school - southam", 100021),
        ("holy trinity ce primary, evvesham", 100024),
        ("holy trinity church of england primary school leamington", 100023),
    ],
)
def test_same_named_schools_are_told_apart_by_the_place_typed(register, make_names, key, urn):
    matches, review = resolve(register, make_names((key, "Schools")))
    match = one(matches, key)
    assert (match.school_urn, match.in_review) == (urn, False)
    assert review.empty


@pytest.mark.parametrize(
    "key", ["st josephs catholic primary school", "st joseph's rc primary (eastwick)"]
)
def test_same_named_schools_without_a_telling_place_go_to_review(register, make_names, key):
    matches, review = resolve(register, make_names((key, "Schools")))
    match = one(matches, key)
    assert (match.match_method, match.in_review) == ("unmatched", True)
    assert set(review.loc[0, ["candidate_1_agency_id", "candidate_2_agency_id"]]) == {
        "SCH100021",
        "SCH100022",
    }


def test_same_named_schools_of_one_town_stay_in_review(register, make_names):
    key = "st josephs rc primary, southam"
    register["schools_df"] = register["schools_df"].assign(
        town=lambda schools: schools["town"].mask(schools["urn"] == 100022, "Southam")
    )
    matches, _ = resolve(register, make_names((key, "Schools")))
    assert one(matches, key).in_review


@pytest.mark.parametrize(
    "key", ["holy trinity c of e primary school", "mrs a khan - holy trinity ce primary"]
)
def test_a_register_name_spelled_out_beats_one_read_before_a_comma(register, make_names, key):
    matches, _ = resolve(register, make_names((key, "Schools")))
    match = one(matches, key)
    assert (match.school_urn, match.in_review) == (100023, False)
    assert match.runner_up_score == match.match_score


def test_without_towns_same_named_schools_are_reviewed(register, make_names):
    key = "st josephs rc primary, southam"
    register["schools_df"] = register["schools_df"].drop(columns="town")
    matches, _ = resolve(register, make_names((key, "Schools")))
    assert one(matches, key).in_review
