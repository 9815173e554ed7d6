"""Turning a free-text referrer name into the organisation name it contains.

Two steps, both built from general rules about how referrer fields are typed, never from a
list of known names:

- ``strip_people`` removes what identifies a person rather than an organisation: titles and
  police ranks with the name that follows, initials with a surname, job roles (DSL, head
  teacher, ...), e-mail addresses and phone numbers.
- ``normalise_name`` rewrites the usual spellings of the same words to one form (C of E / CE
  / CofE, Prim / Primary, Sch / School, St. / Saint, & / and) and drops punctuation, with
  ``rapidfuzz.utils.default_process``, and the council's own short forms to their long
  form (the council profile's ``abbreviations``). It is applied to
  register names too, so both sides compare in the same form.
"""

import os
import re
from functools import cache

from rapidfuzz.utils import default_process

from dagster_project import settings
from dagster_project.council import load_profile

# Every pattern here is linear in its input, since a referrer field may hold anything (a
# megabyte pasted by mistake): a match can only start where a run of its characters starts
# (the lookbehinds), and possessive quantifiers never give characters back.
_EMAIL = re.compile(r"(?<![\w.+'-])[\w.+'-]++@[\w-]++(?:\.[\w-]++)+")
_WEB_ADDRESS = re.compile(r"\b(?:https?://|www\.)\S+")
# Nine or more digits, possibly broken by spaces, dots, dashes or brackets: a phone number.
_PHONE = re.compile(r"(?:\+\s*+)?\(?(?<!\d)\d(?:[\s().-]*+\d){8,}\)?")
# Where a referrer field joins its parts: "Mrs J Smith (DSL) - Abbey School", "Lead: ...".
_SEPARATOR = re.compile(
    r"(?<!\s)\s++(?:[-\u2013\u2014@]++\s++|(?:on behalf of|obo|via|at|from)\s++)"
    r"|[:;,()\[\]{}|/\\]"
)
_EDGE_PUNCTUATION = ".'\"`\u2018\u2019*-_#~!?"

# Courtesy and professional titles that precede a person's name. "Sir", "Dame", "Lady" and
# "Father" are left out: they begin the names of schools and charities.
TITLES = frozenset({
    "mr", "mrs", "ms", "miss", "mx", "dr", "prof", "professor", "rev", "revd", "reverend",
    "cllr", "councillor",
})  # fmt: skip
# Police ranks, which precede a collar number and a surname ("PC 1234 Jones").
RANKS = frozenset({
    "pc", "wpc", "dc", "ps", "ds", "di", "dci", "dsi", "dcs", "sgt", "sergeant", "pcso", "insp",
    "inspector", "constable", "det", "detective",
})  # fmt: skip
# Job roles typed beside or instead of a name. Services that are also organisations
# (school nurse, health visitor, social worker) are deliberately absent.
ROLE_PHRASES = (
    "designated safeguarding lead", "designated safeguarding officer",
    "designated safeguarding person", "designated safeguarding teacher", "designated teacher",
    "safeguarding lead", "safeguarding officer", "safeguarding manager",
    "safeguarding coordinator", "safeguarding co ordinator", "child protection lead",
    "child protection officer", "child protection coordinator", "dsl", "ddsl", "dsp", "dso",
    "cpo", "senco", "sendco", "senco lead", "head teacher", "headteacher", "headmaster",
    "headmistress", "head of year", "head of school", "head of house", "head of key stage",
    "head", "principal", "vice principal", "class teacher", "teacher", "teaching assistant",
    "form tutor", "tutor", "learning mentor", "mentor", "pastoral lead", "pastoral manager",
    "pastoral worker", "pastoral support", "pastoral", "family support worker",
    "parent support adviser", "parent support advisor", "support worker", "key worker",
    "keyworker", "case worker", "caseworker", "attendance officer", "welfare officer",
    "inclusion manager", "inclusion lead", "business manager", "office manager", "manager",
    "team leader", "team manager", "leader", "lead", "coordinator", "co ordinator",
    "officer in case", "officer", "oic", "receptionist", "administrator", "admin", "secretary",
    "clerk",
)  # fmt: skip
ROLE_MODIFIERS = ("deputy", "assistant", "acting", "interim", "senior", "joint", "executive")
# Contact labels left behind once the number or address itself is removed.
CONTACT_LABELS = ("tel", "telephone", "phone", "mob", "mobile", "email", "e mail", "ext", "extn")
# Words that say "organisation": a short segment holding one of them is not a person's name.
ORGANISATION_WORDS = frozenset({
    "acad", "academy", "association", "board", "borough", "catholic", "ce", "center", "centre",
    "charity", "church", "city", "clinic", "cofe", "college", "council", "county", "court",
    "department", "district", "federation", "foundation", "group", "health", "high", "hospital",
    "inf", "infant", "infants", "jnr", "junior", "juniors", "nhs", "nursery", "office",
    "partnership", "police", "practice", "prim", "primary", "project", "rc", "sch", "school",
    "schools", "secondary", "service", "services", "society", "station", "surgery", "team",
    "trust", "unit",
})  # fmt: skip

#: Role phrases and contact labels as word tuples, and the longest of them in words.
_ROLE_WORDS = frozenset(tuple(phrase.split()) for phrase in ROLE_PHRASES + CONTACT_LABELS)
_LONGEST_ROLE = max(len(words) for words in _ROLE_WORDS)
_MODIFIERS = frozenset(ROLE_MODIFIERS)


def strip_people(text: str | None) -> str:
    """The organisation part of a referrer name, lower case, people and roles removed.

    >>> strip_people("Mrs J Smith (DSL) - Abbey C of E Infant Sch")
    'abbey c of e infant sch'
    """
    return " ".join(organisation_segments(text))


def organisation_segments(text: str | None) -> list[str]:
    """The parts of a referrer name, split where it was punctuated, that are not people.

    >>> organisation_segments("Sarah Wilson - Abbey Infants, Kingsbridge")
    ['sarah wilson', 'abbey infants', 'kingsbridge']
    """
    if not text:
        return []
    text = _PHONE.sub(" ", _WEB_ADDRESS.sub(" ", _EMAIL.sub(" ", text.lower())))
    kept = (_organisation_part(segment) for segment in _SEPARATOR.split(text))
    return [part for part in kept if part]


def normalise_name(text: str | None) -> str:
    """One spelling for the words organisations' names are written with, no punctuation.

    Designations are written out in full ("church of england", "catholic") so that a
    misspelt long form still resembles the register's words.

    >>> normalise_name("St. Mary's C of E Prim Sch & Nursery")
    'st marys church of england primary school and nursery'
    """
    if not text:
        return ""
    text = re.sub(r"['\u2018\u2019`]", "", text.replace("&", " and "))
    text = " ".join(default_process(text).split())
    for pattern, replacement in _PHRASES:
        text = pattern.sub(replacement, text)
    words = _vocabulary()
    return " ".join(words.get(word, word) for word in text.split())


def compact_designations(text: str) -> str:
    """A normalised name with its designations as one short word each, for scoring.

    Written out, "church of england" would outweigh the rest of the name in a character
    count; as "ce" it still tells St Mary's CE from St Mary's RC.
    """
    for pattern, replacement in _COMPACT:
        text = pattern.sub(replacement, text)
    return text


def clean_segments(text: str | None) -> list[str]:
    """The organisation segments of a referrer name, each normalised."""
    normalised = (normalise_name(segment) for segment in organisation_segments(text))
    return [segment for segment in normalised if segment]


def clean_referrer_name(text: str | None) -> str:
    """The form a referrer name is matched in: people stripped, then normalised."""
    return " ".join(clean_segments(text))


def _organisation_part(segment: str) -> str:
    words = [word.strip(_EDGE_PUNCTUATION) for word in segment.replace("-", " ").split()]
    words = _drop_titled_names([word for word in words if word])
    words = _without_roles(words)
    if _is_initials_and_surname(words):
        return ""
    return " ".join(words)


def _without_roles(words: list[str]) -> list[str]:
    """Remove roles ("deputy head teacher", "dsl") from both ends until neither end has one."""
    start, end = 0, len(words)
    while True:
        leading = _leading_role_end(words, start, end)
        if leading is not None:
            start = leading
        trailing = _trailing_role_start(words, start, end)
        if trailing is not None:
            end = trailing
        if leading is None and trailing is None:
            return words[start:end]


def _leading_role_end(words: list[str], start: int, end: int) -> int | None:
    """Where a role beginning at ``start`` (after any modifiers) ends, taking the longest."""
    position = start
    while position < end and words[position] in _MODIFIERS:
        position += 1
    for length in range(min(_LONGEST_ROLE, end - position), 0, -1):
        if tuple(words[position : position + length]) in _ROLE_WORDS:
            return position + length
    return None


def _trailing_role_start(words: list[str], start: int, end: int) -> int | None:
    """Where the longest role ending at ``end``, with the modifiers before it, begins."""
    earliest = None
    for length in range(1, min(_LONGEST_ROLE, end - start) + 1):
        if tuple(words[end - length : end]) in _ROLE_WORDS:
            position = end - length
            while position > start and words[position - 1] in _MODIFIERS:
                position -= 1
            earliest = position if earliest is None else min(earliest, position)
    return earliest


def _drop_titled_names(words: list[str]) -> list[str]:
    """Remove every title or rank, the collar number or initials after it, and one name."""
    kept: list[str] = []
    position = 0
    while position < len(words):
        word = words[position]
        if word not in TITLES and word not in RANKS:
            kept.append(word)
            position += 1
            continue
        position += 1
        while position < len(words) and (_is_initial(words[position]) or words[position].isdigit()):
            position += 1
        if position < len(words) and _could_be_surname(words[position]):
            position += 1
    return kept


def _is_initials_and_surname(words: list[str]) -> bool:
    """'j smith', 'a b khan': one or two initials then a word that is not an organisation's."""
    return (
        2 <= len(words) <= 3
        and all(_is_initial(word) for word in words[:-1])
        and _could_be_surname(words[-1])
    )


def _is_initial(word: str) -> bool:
    return len(word.rstrip(".")) == 1 and word[0].isalpha()


def _could_be_surname(word: str) -> bool:
    return word.isalpha() and len(word) > 1 and word not in ORGANISATION_WORDS


_PHRASES = tuple(
    (re.compile(rf"\b(?:{pattern})\b"), replacement)
    for pattern, replacement in (
        (r"c ?(?:of|o|f)? ?e|c of england", "church of england"),
        (r"roman catholic|r c|rc", "catholic"),
        (r"saint", "st"),
    )
)
_COMPACT = tuple(
    (re.compile(rf"\b{long_form}\b"), short)
    for long_form, short in (("church of england", "ce"), ("catholic", "rc"))
)
_WORDS = {
    "prim": "primary",
    "pri": "primary",
    "prm": "primary",
    "pry": "primary",
    "sch": "school",
    "schl": "school",
    "skool": "school",
    "acad": "academy",
    "acd": "academy",
    "inf": "infant",
    "infs": "infant",
    "infants": "infant",
    "jnr": "junior",
    "jnrs": "junior",
    "jun": "junior",
    "jr": "junior",
    "juniors": "junior",
    "sec": "secondary",
    "cath": "catholic",
    "hosp": "hospital",
    "med": "medical",
    "coll": "college",
    "nurs": "nursery",
    "ctr": "centre",
    "center": "centre",
    "svc": "service",
    "servs": "services",
    "dept": "department",
}


def _vocabulary() -> dict[str, str]:
    """The words above and the council profile's ``abbreviations`` (its county's and its
    neighbours' names as staff shorten them), read once per profile setting: every name
    passes through here, and a profile does not change under a running step."""
    return _vocabulary_for(os.environ.get(settings.COUNCIL_PROFILE_ENV))


@cache
def _vocabulary_for(_profile_setting: str | None) -> dict[str, str]:
    return {**_WORDS, **dict(load_profile().abbreviations)}
