"""Telephone extracts agree with the contacts and carry the January 2019 menu change."""

import pandas as pd
import pytest

from dagster_project import settings
from dagster_project.council import load_profile

MENU_CHANGE = pd.Timestamp("2019-01-14")


def digits(number: str) -> str:
    only = "".join(ch for ch in str(number) if ch.isdigit())
    return "0" + only[2:] if only.startswith("44") else only


@pytest.fixture(scope="module")
def calls(generated, reader, calls_and_rejected) -> pd.DataFrame:
    rows = calls_and_rejected[0]
    truth = reader.read_truth(generated["truth"], "calls_truth.csv").drop(columns=["call_at"])
    return rows.merge(truth, left_on="callid", right_on="call_id", validate="one_to_one")


def test_every_phone_contact_has_its_call(generated, reader, calls):
    contacts = reader.read_truth(generated["truth"], "contacts_truth.csv")
    phone = contacts[contacts["channel"] == "phone"]
    assert (phone["call_id"] != "").all()
    assert set(phone["call_id"]) <= set(calls["callid"])
    linked = calls[calls["contact_id"] != ""].set_index("contact_id")["callid"]
    assert (linked.reindex(phone["contact_id"]).to_numpy() == phone["call_id"].to_numpy()).all()


def test_recorded_call_references_point_at_the_right_call(contacts, calls):
    recorded = contacts[contacts["callreference"].fillna("") != ""]
    assert len(recorded) > 1000
    by_call = calls.set_index("callid")["contact_id"]
    assert (
        by_call.reindex(recorded["callreference"]).to_numpy() == recorded["contactid"].to_numpy()
    ).all()


def test_most_calls_never_became_a_contact(calls):
    purposes = calls["purpose"].value_counts(normalize=True)
    assert 0.3 < purposes["contact"] < 0.5
    assert {"advice", "existing", "public", "abandoned", "voicemail"} <= set(purposes.index)
    assert (calls.loc[calls["purpose"] == "abandoned", "callresult"] == "Abandoned").all()
    assert 25_000 < (calls["call_at"] < pd.Timestamp("2018-09-01")).sum() < 33_000


def test_menu_change_sends_professional_advice_to_the_customer_service_centre(calls):
    advice = calls[calls["purpose"] == "advice"]
    before, after = (
        advice[advice["call_at"] < MENU_CHANGE],
        advice[advice["call_at"] >= MENU_CHANGE],
    )
    assert not (
        calls.loc[calls["call_at"] < MENU_CHANGE, "handlingteam"] == "Customer Service Centre"
    ).any()
    assert (before["ivroption"] == "1").mean() > 0.9
    assert (after["ivroption"] == "2").mean() > 0.5
    assert (after["handlingteam"] != "MASH").mean() > 0.5
    assert set(calls.loc[calls["call_at"] >= MENU_CHANGE, "ivroption"]) == {"1", "2", "3", "4"}


def test_waits_and_talk_times_are_plausible(calls):
    wait = pd.to_numeric(calls["waitseconds"])
    talk = pd.to_numeric(calls["talkseconds"])
    assert wait.between(0, 1800).all() and talk.ge(0).all()
    answered = calls["callresult"] == "Answered"
    assert 200 < talk[answered].median() < 900
    assert (talk[calls["callresult"] == "Abandoned"] == 0).all()


def test_school_callers_use_their_registered_number_in_varied_forms(generated, reader, calls):
    register = reader.read_register(generated["landing"])
    links = pd.read_csv(next((generated["landing"] / "schools").glob("links*.csv")), dtype=str)
    successor = dict(
        zip(
            links.loc[links["LinkType"] == "Successor", "URN"],
            links.loc[links["LinkType"] == "Successor", "LinkURN"],
            strict=True,
        )
    )

    def current(urn: str) -> str:
        while urn in successor:
            urn = successor[urn]
        return urn

    numbers = dict(zip(register["TelephoneNum"].map(digits), register["URN"], strict=True))
    registered = calls[calls["caller_kind"] == "school_registered"]
    assert len(registered) > 1000
    attributed = registered["callernumber"].map(digits).map(numbers)
    assert (attributed.map(current) == registered["school_urn"]).all()
    styles = registered["callernumber"].str.extract(r"^(\+44 |\+44|0)")[0].value_counts()
    assert {"+44", "+44 ", "0"} <= set(styles.index)
    assert registered["callernumber"].str.contains(" ").any()


def test_individuals_call_from_unregistered_numbers(generated, reader, calls):
    register = reader.read_register(generated["landing"])
    agencies = pd.read_csv(
        load_profile(settings.SHIPPED_COUNCIL_PROFILE).agency_register,
        dtype=str,
        keep_default_na=False,
    )
    registered = (
        set(register["TelephoneNum"].map(digits)) | set(agencies["telephone"].map(digits))
    ) - {""}
    individuals = calls.loc[calls["caller_kind"] == "individual", "callernumber"].map(digits)
    assert individuals.str.startswith("07").mean() > 0.6
    assert not individuals.isin(registered).any()
    staff = calls.loc[
        calls["caller_kind"].isin(["school_other", "agency_other"]), "callernumber"
    ].map(digits)
    assert not staff.isin(registered).any()
