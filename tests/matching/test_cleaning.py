import time

import pytest

from dagster_project.matching.cleaning import (
    clean_referrer_name,
    normalise_name,
    organisation_segments,
    strip_people,
)

pytestmark = pytest.mark.usefixtures("invented_council")


@pytest.mark.parametrize(
    ("typed", "organisation"),
    [
        ("Mrs J Smith (DSL) - Abbey C of E Infant Sch", "abbey c of e infant sch"),
        ("DSL Kenilworth School", "kenilworth school"),
        ("PC 1234 Jones - Brenton SNT", "brenton snt"),
        ("Safeguarding lead: Ms A Khan, St Marys RC Primary", "st marys rc primary"),
        ("Oakfield Junior School - Head Teacher", "oakfield junior school"),
        ("Deputy Designated Safeguarding Lead, Northgate Primary", "northgate primary"),
        ("J. Patel - Whitestone Infants", "whitestone infants"),
        ("Mr Brown Brambleford Academy", "brambleford academy"),
        ("DC 40123 - Eastshire Police", "eastshire police"),
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
        ("Eastsh Police", "Eastshire Police"),
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
    assert organisation_segments("Sarah Wilson - Abbey Infants, Brenton (DSL)") == [
        "sarah wilson",
        "abbey infants",
        "brenton",
    ]


def test_clean_referrer_name_strips_then_normalises():
    typed = "Mrs J Smith (DSL) - Abbey C of E Infant Sch"
    assert clean_referrer_name(typed) == normalise_name("Abbey CE Infant School")
    assert clean_referrer_name(None) == ""


MEGABYTE = 1_000_000


def _megabyte_of(unit: str) -> str:
    return unit * -(-MEGABYTE // len(unit))


#: Texts that made the old patterns backtrack (a run of one pattern's characters that never
#: completes a match), and a realistic field repeated.
LONG_TEXTS = {
    "a run of word characters with no @": _megabyte_of("a"),
    "a run of white space with no dash": "x" + _megabyte_of(" ") + "y",
    "roles repeated, then a name": _megabyte_of("deputy dsl ") + "abbey",
    "a name, then roles repeated": "abbey " + _megabyte_of("head teacher "),
    "an address part with no domain": _megabyte_of("a.") + "@b",
    "digits a few at a time": _megabyte_of("1 2 3 4 5 6 7 8 x "),
    "a realistic field, repeated": _megabyte_of(
        "Mrs J Smith (DSL) - Abbey C of E Infant Sch, tel 01926 412345 j.s@abbey.sch.uk "
    ),
}


@pytest.mark.parametrize("shape", LONG_TEXTS)
def test_a_megabyte_goes_through_the_cleaner_in_linear_time(shape):
    """About a second each, where the old patterns took hours (100 KB: 46 s). The bound is
    generous: it tells linear from quadratic time on a busy machine, it is no benchmark."""
    text = LONG_TEXTS[shape]
    assert len(text) >= MEGABYTE

    started = time.perf_counter()
    cleaned = clean_referrer_name(text)
    elapsed = time.perf_counter() - started

    assert elapsed < 10, f"{shape}: {elapsed:.1f}s for {len(text):,} characters"
    assert "@" not in cleaned and "01926" not in cleaned


def test_contact_details_are_removed_wherever_they_stand():
    typed = "a.jones@oakfield.example.sch.uk,Oakfield Junior School 07700 900123 (x@y.org)"
    assert strip_people(typed) == "oakfield junior school"
