"""How people type into a case system: referrer names with abbreviations, typos and a
person's name or role mixed in; referrer types as codes, words or both; methods and
outcomes in their many spellings. Every spelling produced here maps through the shared
seeds (referrer_type_aliases, contact_methods, contact_outcomes). The spellings and their
weights are CSV files in ``data/`` (abbreviations, referrer types and their words,
spellings, other_methods)."""

import bisect
import re

import numpy as np

from mash_demo import people
from mash_demo.tables import grouped, read_table, words


class Weighted:
    """Options drawn with fixed probabilities."""

    def __init__(self, options: tuple[str, ...], weights: tuple[float, ...]):
        self.options = tuple(options)
        cumulative = np.cumsum(np.asarray(weights, dtype=float))
        self.cumulative = list(cumulative / cumulative[-1])
        self.probabilities = np.asarray(weights, dtype=float) / cumulative[-1]

    def draw(self, rng: np.random.Generator) -> str:
        index = bisect.bisect_right(self.cumulative, rng.random())
        return self.options[min(index, len(self.options) - 1)]

    def draw_many(self, rng: np.random.Generator, n: int) -> np.ndarray:
        return np.asarray(self.options, dtype=object)[
            rng.choice(len(self.options), size=n, p=self.probabilities)
        ]


ABBREVIATIONS = tuple(grouped("abbreviations", "long_form", "short_form").items())
CIN_DESCRIPTIONS = {row["cin_code"]: row["description"] for row in read_table("referrer_types")}
TYPE_WORDS = grouped("referrer_type_words", "cin_code", "word")


def _agency_type_words() -> tuple[tuple[str, str, tuple[str, ...]], ...]:
    """(code, agency name pattern, words): words that suit an agency better than its code's
    generic ones."""
    groups: dict[tuple[str, str], list[str]] = {}
    for row in read_table("agency_type_words"):
        groups.setdefault((row["cin_code"], row["agency_name_pattern"]), []).append(row["word"])
    return tuple((code, pattern, tuple(suited)) for (code, pattern), suited in groups.items())


AGENCY_TYPE_WORDS = _agency_type_words()

SCHOOL_TYPE_WORDS = {
    "village": ("Primary School",),
    "primary": ("Primary School",),
    "infant": ("Primary School",),
    "junior": ("Primary School",),
    "secondary": ("Secondary School",),
    "grammar": ("Secondary School",),
    "special": ("Special School",),
    "independent": ("Independent School",),
}


def _spellings(field: str, era: str = "") -> Weighted:
    rows = [row for row in read_table("spellings") if row["field"] == field and row["era"] == era]
    return Weighted(tuple(row["text"] for row in rows), tuple(float(row["weight"]) for row in rows))


METHODS = {
    (channel, era): _spellings(f"{channel}_method", era)
    for channel in ("phone", "email")
    for era in ("old", "new")
}
OTHER_METHODS = grouped("other_methods", "referrer_kind", "method")
REFERRAL_OUTCOMES = _spellings("referral_outcome")
CONTACT_OUTCOMES = _spellings("contact_outcome")
TRANSFER_OUTCOMES = words("transfer_outcome")
ETHNICITIES = _spellings("ethnicity")
LANGUAGES = _spellings("language")
DISABILITIES = _spellings("disability")
TEAMS = {era: _spellings("team", era) for era in ("old", "new")}


def pick(rng: np.random.Generator, options: tuple[str, ...]) -> str:
    return options[int(rng.random() * len(options))]


def abbreviate(rng: np.random.Generator, name: str, steps: int) -> str:
    """Apply a few of the abbreviations that fit the name."""
    for _ in range(steps):
        applicable = [(old, new) for old, new in ABBREVIATIONS if old in name]
        if not applicable:
            break
        old, options = applicable[rng.integers(len(applicable))]
        name = name.replace(old, pick(rng, options), 1)
    return re.sub(r"\s+", " ", name).strip(" ,")


def typo(rng: np.random.Generator, text: str) -> str:
    """One slip of the keyboard in a word of five or more letters."""
    words = [m for m in re.finditer(r"[A-Za-z]{5,}", text)]
    if not words:
        return text
    word = words[rng.integers(len(words))]
    chars = list(word.group())
    i = int(rng.integers(1, len(chars) - 1))
    slip = rng.integers(4)
    if slip == 0:
        chars[i], chars[i + 1] = chars[i + 1], chars[i]
    elif slip == 1:
        del chars[i]
    elif slip == 2:
        chars.insert(i, chars[i])
    else:
        vowels = "aeiou"
        chars[i] = (
            vowels[(vowels.find(chars[i].lower()) + 1) % 5] if chars[i].lower() in vowels else "h"
        )
    return text[: word.start()] + "".join(chars) + text[word.end() :]


def recase(rng: np.random.Generator, text: str) -> str:
    roll = rng.random()
    if roll < 0.6:
        return text.lower()
    if roll < 0.9:
        return text.upper()
    return "  ".join(text.split(" ", 1)) + " "


def school_name_habits(rng: np.random.Generator, name: str) -> list[str]:
    """The ways one school's staff usually write its name, commonest first."""
    habits = [name]
    for steps in (1, 2, 2):
        variant = abbreviate(rng, name, steps)
        if variant and variant not in habits:
            habits.append(variant)
    if "," in name and rng.random() < 0.5:
        base, place = name.split(",", 1)
        habits.append(f"{abbreviate(rng, base, 1)} ({place.strip()})")
    return habits


def with_town(rng: np.random.Generator, name: str, town: str) -> str:
    """The name with the school's town added, as its staff write it when other schools share
    the name: "St Mary's RC Primary, Southam"; a long town name often shortened."""
    if rng.random() < 0.5:
        town = town.split("-")[0].split(" Spa")[0]
    template = rng.integers(4)
    if template == 0:
        return f"{name}, {town}"
    if template == 1:
        return f"{name} ({town})"
    if template == 2:
        return f"{name} - {town}"
    return f"{name} {town}"


def agency_name_habits(rng: np.random.Generator, name: str, aliases: str) -> list[str]:
    habits = [name] + [a for a in aliases.split("|") if a]
    variant = abbreviate(rng, name, 1)
    if variant not in habits:
        habits.append(variant)
    return habits


def choose_habit(rng: np.random.Generator, habits: list[str]) -> str:
    """The usual form most often, else one of the others."""
    roll = rng.random() * (3 + 2 * (len(habits) - 1))
    return habits[0] if roll < 3 else habits[1 + int((roll - 3) // 2)]


def with_school_person(rng: np.random.Generator, org: str) -> str:
    role = pick(rng, people.SCHOOL_ROLES)
    first, last = pick(rng, people.FIRST_NAMES), pick(rng, people.SURNAMES)
    template = rng.integers(6)
    if template == 0:
        return f"{pick(rng, people.TITLES)} {first[0]} {last} ({role}) - {org}"
    if template == 1:
        return f"{role} {org}"
    if template == 2:
        return f"{org} - {role}"
    if template == 3:
        return f"{first} {last}, {role}, {org}"
    if template == 4:
        return f"{org} ({first} {last})"
    return f"{first} {last} - {org}"


def with_agency_person(rng: np.random.Generator, org: str, cin_code: str) -> str:
    first, last = pick(rng, people.FIRST_NAMES), pick(rng, people.SURNAMES)
    if cin_code == "6":
        number = rng.integers(1000, 9999)
        template = rng.integers(5)
        if template == 0:
            return f"PC {number} {last}"
        if template == 1:
            return f"DC {last} - {org}"
        if template == 2:
            return f"PS {number} {last}, {org}"
        if template == 3:
            return f"{org} - PC {number} {last}"
        return f"DC {number} {last}"
    if cin_code == "3A" and rng.random() < 0.6:
        return f"Dr {last} - {org}" if rng.random() < 0.5 else f"Dr {first[0]} {last}, {org}"
    roles = people.HEALTH_ROLES if cin_code.startswith("3") else people.AGENCY_ROLES
    template = rng.integers(4)
    if template == 0:
        role = pick(rng, roles)
        return f"{pick(rng, people.TITLES)} {first[0]} {last} ({role}) - {org}"
    if template == 1:
        return f"{first} {last}, {org}"
    if template == 2:
        return f"{org} - {first} {last}"
    return f"{pick(rng, roles)}, {org}"


def individual_name(rng: np.random.Generator, cin_code: str) -> str:
    roll = rng.random()
    if cin_code == "9":
        return "" if roll < 0.6 else pick(rng, ("Anonymous", "Anon caller", "Did not give name"))
    if roll < 0.35:
        return ""
    if roll < 0.65:
        return pick(rng, people.RELATIONS) if cin_code != "1D" else "Member of public"
    return people.person(rng)


def type_words(agency_name: str, cin_code: str) -> tuple[str, ...]:
    for code, pattern, suited in AGENCY_TYPE_WORDS:
        if code == cin_code and re.search(pattern, agency_name):
            return suited
    return TYPE_WORDS[cin_code]


def referrer_type_text(
    rng: np.random.Generator, cin_code: str, words: tuple[str, ...], era: str
) -> str:
    """A code ('3A'), code and words ('3A - Health services - GP') or words ('GP')."""
    style = rng.random()
    code_share, both_share = (0.12, 0.15) if era == "old" else (0.1, 0.55)
    if style < code_share:
        text = cin_code
    elif style < code_share + both_share:
        text = f"{cin_code} - {CIN_DESCRIPTIONS[cin_code]}"
    else:
        text = pick(rng, words)
    if rng.random() < 0.08 and not text[:1].isdigit():
        text = recase(rng, text)
    return text


def method_text(rng: np.random.Generator, channel: str, kind: str, era: str) -> str:
    if channel == "other":
        return pick(rng, OTHER_METHODS[kind])
    return METHODS[(channel, era)].draw(rng)


def outcome_text(rng: np.random.Generator, is_referral: bool, out_of_county: bool) -> str:
    if is_referral:
        text = REFERRAL_OUTCOMES.draw(rng)
    elif out_of_county and rng.random() < 0.55:
        text = pick(rng, TRANSFER_OUTCOMES)
    else:
        text = CONTACT_OUTCOMES.draw(rng)
    roll = rng.random()
    if roll < 0.04:
        return text.lower()
    if roll < 0.06:
        return text.upper()
    return text
