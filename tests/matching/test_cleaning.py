import pytest

from dagster_project.matching.cleaning import (
    clean_referrer_name,
    normalise_name,
    organisation_segments,
    strip_people,
)


@pytest.mark.parametrize(
    ("typed", "organisation"),
    [
        ("Mrs J Smith (DSL) - Abbey C of E Infant Sch", "abbey c of e infant sch"),
        ("DSL Kenilworth School", "kenilworth school"),
        ("PC 1234 Jones - Rugby SNT", "rugby snt"),
        ("Safeguarding lead: Ms A Khan, St Marys RC Primary", "st marys rc primary"),
        ("Oakfield Junior School - Head Teacher", "oakfield junior school"),
        ("Deputy Designated Safeguarding Lead, Northgate Primary", "northgate primary"),
        ("J. Patel - Whitestone Infants", "whitestone infants"),
        ("Mr Brown Brambleford Academy", "brambleford academy"),
        ("DC 40123 - Warwickshire Police", "warwickshire police"),
        ("Senco/DSL at Oakfield Junior", "oakfield junior"),
    ],
)
def test_strip_people_keeps_only_the_organisation(typed, organisation):
    assert strip_people(typed) == organisation


@pytest.mark.parametrize(
    "typed",
    [
        "a.jones@oakfield.example.sch.uk Oakfield Junior School",
        "Oakfield Junior School tel 01926 412 345",
        "Oakfield Junior School (07700 900123)",
        "Oakfield Junior School +44 (0)1926 412345",
        "Oakfield Junior School, www.oakfield.example.org",
    ],
)
def test_strip_people_removes_contact_details(typed):
    assert strip_people(typed) == "oakfield junior school"


@pytest.mark.parametrize(
    "typed", ["Mrs J Smith", "DSL", "Head Teacher", "PC 1234 Jones", "Deputy DSL - Mr Brown"]
)
def test_a_person_or_role_alone_leaves_nothing(typed):
    assert strip_people(typed) == ""


@pytest.mark.parametrize(
    "school", ["Lady Katherine Hollins School", "Sir John Moore CofE Primary School"]
)
def test_names_beginning_with_honours_are_kept(school):
    assert strip_people(school) == school.lower()


@pytest.mark.parametrize(
    ("one", "other"),
    [
        ("St. Mary's C of E Prim Sch", "Saint Marys Church of England Primary School"),
        ("St Marys CE Primary", "st mary's cofe primary"),
        ("St Mary's R.C. Primary", "St Marys Roman Catholic Primary"),
        ("St Marys Catholic Primary", "ST MARYS RC PRIMARY"),
        ("Abbey Inf Sch", "Abbey Infants School"),
        ("Oakfield Jnr", "oakfield juniors"),
        ("Oakfield Jun. Sch.", "Oakfield Junior School"),
        ("Brambleford Pri Acad", "Brambleford Primary Academy"),
        ("Smith & Jones Centre", "smith and jones center"),
        ("Kingsley Sch.", "KINGSLEY  SCHOOL"),
        ("Warks Police", "Warwickshire Police"),
    ],
)
def test_normalise_name_gives_one_spelling(one, other):
    assert normalise_name(one) == normalise_name(other)


def test_normalise_name_drops_punctuation_and_case():
    assert normalise_name("  ST. MARY'S -- (C.E.)  Prim. ") == normalise_name(
        "st marys church of england primary"
    )
    assert normalise_name("ST. MARY'S, (R.C.)") == "st marys catholic"


def test_segments_keep_the_parts_a_referrer_punctuated():
    assert organisation_segments("Sarah Wilson - Abbey Infants, Rugby (DSL)") == [
        "sarah wilson",
        "abbey infants",
        "rugby",
    ]


def test_clean_referrer_name_strips_then_normalises():
    typed = "Mrs J Smith (DSL) - Abbey C of E Infant Sch"
    assert clean_referrer_name(typed) == normalise_name("Abbey CE Infant School")
    assert clean_referrer_name(None) == ""
