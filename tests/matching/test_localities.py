import pytest

from dagster_project.matching.localities import mentions_locality, only_one_located

pytestmark = pytest.mark.usefixtures("invented_council")

WORD_SCORE = 80.0


@pytest.mark.parametrize(
    ("typed", "locality", "name_words", "mentioned"),
    [
        ("st marys rc primary southam", "southam", "st marys catholic primary", True),
        ("st marys rc primary leamington", "leamington spa", "st marys catholic primary", True),
        ("valley school middleton", "middleton upon stour", "valley school", True),
        ("st marys rc primary evvesham", "evesham", "st marys catholic primary", True),
        ("st marys rc primary", "southam", "st marys catholic primary", False),
        ("coleshill school", "coleshill", "coleshill school", False),
        ("st marys rc primary long", "long lawford", "st marys catholic primary", False),
    ],
)
def test_a_locality_is_mentioned_by_words_the_name_lacks(typed, locality, name_words, mentioned):
    own = frozenset(name_words.split())
    assert mentions_locality(typed.split(), locality, own, WORD_SCORE) is mentioned


def test_only_one_placed_agency_is_chosen():
    name = frozenset(["st", "marys", "catholic", "primary", "school"])
    agencies = [(1, ("southam",), name), (2, ("dunchester",), name)]
    assert only_one_located("st marys rc primary southam", agencies, WORD_SCORE) == (1, 1)
    assert only_one_located("st marys rc primary", agencies, WORD_SCORE) == (None, 0)
    southam_only = [(1, ("southam",), name), (2, ("southam", "bilton"), name)]
    assert only_one_located("st marys rc primary bilton", southam_only, WORD_SCORE) == (2, 1)
    assert only_one_located("st marys rc primary southam", southam_only, WORD_SCORE) == (None, 0)
    same_town = [(1, ("southam",), name), (2, ("southam",), name)]
    assert only_one_located("st marys rc primary southam", same_town, WORD_SCORE) == (None, 0)


def test_a_locality_every_agency_has_places_none():
    name = frozenset(["st", "marys", "catholic", "primary", "school"])
    agencies = [
        (1, ("a voluntary academy", "ashbury"), name),
        (2, ("a voluntary academy", "dunchester"), name),
    ]
    typed = "st marys rc primary a voluntary academy"
    assert only_one_located(typed, agencies, WORD_SCORE) == (None, 0)
    assert only_one_located(f"{typed} ashbury", agencies, WORD_SCORE) == (1, 1)
