"""Synthetic people: names for referrers, head teachers and callers.

Names are combined at random from common first names and surnames, so they belong to
nobody in particular. A few carry accents, which the Windows-1252 exports must survive.
The names, titles, roles and relations are lists in ``data/words.csv``.
"""

import numpy as np

from mash_demo.tables import words

FIRST_NAMES = words("first_name")
SURNAMES = words("surname")
TITLES = words("title")
SCHOOL_ROLES = words("school_role")
HEALTH_ROLES = words("health_role")
AGENCY_ROLES = words("agency_role")
RELATIONS = words("relation")


def person(rng: np.random.Generator, with_title: bool = True) -> str:
    """'Mrs J Smith', 'Sarah Wilson' or 'J. Khan'."""
    first = FIRST_NAMES[int(rng.random() * len(FIRST_NAMES))]
    last = SURNAMES[int(rng.random() * len(SURNAMES))]
    style = rng.random()
    if with_title and style < 0.5:
        return f"{TITLES[int(rng.random() * len(TITLES))]} {first[0]} {last}"
    if style < 0.8:
        return f"{first} {last}"
    return f"{first[0]}. {last}"


def head_name(rng: np.random.Generator) -> tuple[str, str, str]:
    """(title, first name, last name) for a head teacher."""
    return str(rng.choice(TITLES)), str(rng.choice(FIRST_NAMES)), str(rng.choice(SURNAMES))
