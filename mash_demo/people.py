"""Synthetic people: names for referrers, head teachers and callers.

Names are combined at random from common first names and surnames, so they belong to
nobody in particular. A few carry accents, which the Windows-1252 exports must survive.
"""

import numpy as np

FIRST_NAMES = (
    "Amy", "Andrew", "Anna", "Beth", "Chris", "Claire", "Daniel", "David", "Emma", "Gemma",
    "Hannah", "Helen", "Ian", "James", "Jane", "Joanne", "John", "Julie", "Karen", "Kate",
    "Laura", "Lisa", "Louise", "Mark", "Michelle", "Natalie", "Nicola", "Paul", "Rachel",
    "Rebecca", "Richard", "Sarah", "Simon", "Sophie", "Stephen", "Tom", "Vicky", "Zoë",
    "Siân", "Renée", "Priya", "Amrit", "Tomasz", "Agnieszka", "Mohammed", "Aisha",
)  # fmt: skip

SURNAMES = (
    "Smith", "Jones", "Taylor", "Brown", "Williams", "Wilson", "Johnson", "Davies", "Robinson",
    "Wright", "Thompson", "Evans", "Walker", "White", "Roberts", "Green", "Hall", "Wood",
    "Jackson", "Clarke", "Patel", "Khan", "Lewis", "James", "Phillips", "Mason", "Mitchell",
    "Rose", "Davis", "Rodgers", "Turner", "Hughes", "Kaur", "Singh", "Cooper", "Morris",
    "Ward", "Baker", "Harris", "Kowalski", "Nowak", "Ahmed", "Begum", "Shaw", "Price",
)  # fmt: skip

TITLES = ("Mrs", "Mr", "Ms", "Miss", "Dr")
SCHOOL_ROLES = (
    "DSL",
    "Deputy DSL",
    "Head Teacher",
    "Headteacher",
    "Deputy Head",
    "SENCO",
    "Safeguarding Lead",
    "Pastoral Lead",
    "Family Support Worker",
    "Learning Mentor",
)
HEALTH_ROLES = (
    "Health Visitor",
    "Nurse",
    "Practice Manager",
    "Safeguarding Lead",
    "Midwife",
    "Paediatrician",
)
AGENCY_ROLES = (
    "Social Worker",
    "Safeguarding Lead",
    "Team Manager",
    "Support Worker",
    "Officer",
    "Caseworker",
)
RELATIONS = (
    "Mother",
    "Father",
    "Mum",
    "Dad",
    "Grandmother",
    "Grandfather",
    "Aunt",
    "Uncle",
    "Step-father",
    "Neighbour",
    "Family friend",
)


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
