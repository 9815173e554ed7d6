import numpy as np
import pandas as pd
import pytest

from dagster_project.reports.suppressed_tables import TOTAL, publish
from dagster_project.reports.suppression import fold_small_rows, suppress_small_counts


def agency_table(rows: dict[str, tuple[int, int]]) -> pd.DataFrame:
    frame = pd.DataFrame.from_dict(rows, orient="index", columns=["contacts", "referrals"])
    frame["total"] = frame["contacts"] + frame["referrals"]
    frame.loc[TOTAL] = frame.sum()
    return frame


def test_counts_from_one_to_four_are_hidden_and_zero_and_five_are_shown():
    frame = pd.DataFrame({"n": [0, 1, 4, 5, 120]}, index=list("abcde"))
    hidden = suppress_small_counts(frame, ["n"])
    assert hidden["n"].tolist() == [False, True, True, False, False]


def test_a_hidden_part_of_a_row_total_takes_the_smallest_other_part_with_it():
    frame = pd.DataFrame({"total": [40], "a": [3], "b": [30], "c": [7]}, index=["row"])
    hidden = suppress_small_counts(
        frame, ["total", "a", "b", "c"], row_totals={"total": ["a", "b", "c"]}
    )
    assert hidden.loc["row"].to_dict() == {"total": False, "a": True, "b": False, "c": True}


def test_a_hidden_cell_of_a_column_with_a_total_row_takes_another_cell_of_that_column():
    frame = agency_table({"Schools": (380, 120), "Housing": (54, 3), "Legal": (178, 17)})
    hidden = suppress_small_counts(
        frame,
        ["total", "contacts", "referrals"],
        row_totals={"total": ["contacts", "referrals"]},
        total_row=TOTAL,
    )
    assert hidden.at["Housing", "referrals"] and hidden.at["Housing", "contacts"]
    assert hidden.at["Legal", "referrals"], "the next smallest referral count is hidden too"
    assert hidden.at["Legal", "contacts"], "which in turn exposes Legal's contacts"
    assert not hidden.loc["Schools"].any()
    assert not hidden.loc[TOTAL].any()


def test_a_hidden_total_is_not_left_recoverable_from_its_parts():
    frame = pd.DataFrame({"total": [3], "a": [3], "b": [0]}, index=["row"])
    hidden = suppress_small_counts(frame, ["total", "a", "b"], row_totals={"total": ["a", "b"]})
    assert hidden.at["row", "total"] and hidden.at["row", "a"]


def test_percentages_from_hidden_counts_or_over_a_hidden_denominator_are_hidden():
    frame = agency_table({"Schools": (380, 120), "Housing": (54, 3), "Police": (300, 90)})
    table = publish(
        frame.drop(index=TOTAL),
        ["total", "contacts", "referrals"],
        row_totals={"total": ["contacts", "referrals"]},
        ratios={"pct_referrals": ("referrals", "total")},
        shares=["referrals"],
    )
    assert table.hidden.at["Housing", "pct_referrals"]
    assert table.hidden.at["Housing", "referrals_share"]
    assert not table.hidden.at["Schools", "pct_referrals"]
    assert table.shown("Housing", "pct_referrals") == "[c]"
    assert table.frame.at[TOTAL, "total"] == 380 + 120 + 54 + 3 + 300 + 90


def test_shares_are_hidden_everywhere_when_the_total_they_divide_by_is_hidden():
    frame = pd.DataFrame({"n": [2, 1]}, index=["a", "b"])
    frame.loc[TOTAL] = frame.sum()
    frame["share"] = frame["n"] / 3
    hidden = suppress_small_counts(frame, ["n"], total_row=TOTAL, shares={"share": "n"})
    assert hidden["share"].all()


@pytest.mark.parametrize("seed", range(25))
def test_no_total_is_left_with_exactly_one_hidden_cell(seed):
    rng = np.random.default_rng(seed)
    contacts = rng.choice([0, 1, 2, 3, 4, 6, 9, 20, 150], size=6)
    referrals = rng.choice([0, 1, 2, 3, 4, 6, 9, 20, 150], size=6)
    frame = agency_table(
        {f"r{i}": (c, r) for i, (c, r) in enumerate(zip(contacts, referrals, strict=True))}
    )
    counts = ["total", "contacts", "referrals"]
    hidden = suppress_small_counts(
        frame, counts, row_totals={"total": ["contacts", "referrals"]}, total_row=TOTAL
    )
    values = frame[counts]
    assert (hidden[counts] | ~((values > 0) & (values < 5))).all().all(), "every small count hidden"
    for row in frame.index:
        assert hidden.loc[row, counts].sum() != 1
    for column in counts:
        assert hidden[column].sum() != 1


def test_unknown_columns_are_refused_by_name():
    frame = pd.DataFrame({"n": [1]})
    with pytest.raises(ValueError, match="referrals"):
        suppress_small_counts(frame, ["n"], row_totals={"n": ["referrals"]})


def test_a_tiny_row_folded_into_a_neighbour_no_longer_hides_a_large_row_whole():
    rows = {
        "Schools": (2900, 529),
        "Education services": (300, 42),
        "Housing or housing association": (350, 46),
        "Police": (2000, 600),
        "Unknown": (2, 1),
    }
    frame = pd.DataFrame.from_dict(rows, orient="index", columns=["contacts", "referrals"])
    frame["total"] = frame["contacts"] + frame["referrals"]
    counts = ["total", "contacts", "referrals"]
    arguments = {"row_totals": {"total": ["contacts", "referrals"]}}

    unfolded = publish(frame, counts, **arguments)
    assert unfolded.hidden.loc["Education services", counts].all(), "342 hidden whole"

    folded, note = fold_small_rows(frame, "total", into="Police")
    table = publish(folded, counts, **arguments)
    assert not table.hidden.any().any(), "nothing left to hide"
    assert table.frame.at["Police and Unknown", "total"] == 2600 + 3
    assert table.frame.at["Education services", "total"] == 342
    assert table.frame.at[TOTAL, "total"] == frame["total"].sum()
    assert note == "Unknown (fewer than 5) is counted with Police."


def test_without_a_named_row_a_tiny_row_joins_the_row_before_it():
    frame = pd.DataFrame({"n": [40, 30, 2, 50]}, index=["a", "b", "tiny", "c"])
    folded, _ = fold_small_rows(frame, "n", into="not there")
    assert folded["n"].to_dict() == {"a": 40, "b and tiny": 32, "c": 50}
