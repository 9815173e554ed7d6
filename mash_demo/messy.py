"""How people type into a case system: referrer names with abbreviations, typos and a
person's name or role mixed in; referrer types as codes, words or both; methods and
outcomes in their many spellings. Every spelling produced here maps through the shared
seeds (referrer_type_aliases, contact_methods, contact_outcomes)."""

import bisect
import re

import numpy as np

from mash_demo import people


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


ABBREVIATIONS = (
    ("Church of England", ("C of E", "CE", "CofE")),
    ("C of E", ("CE", "C.E.", "CofE", "Church of England")),
    ("CofE", ("C of E", "CE")),
    ("Primary School", ("Primary", "Prim", "Primary Sch", "Pri School", "Primary Sch.")),
    ("Primary Academy", ("Primary Acad", "Primary")),
    ("Infant School", ("Infants", "Infant Sch", "Inf School")),
    ("Junior School", ("Juniors", "Jnr School", "Junior")),
    ("High School", ("High", "High Sch")),
    ("Grammar School", ("Grammar",)),
    ("Catholic", ("RC", "R.C.", "Cath")),
    ("Academy", ("Acad", "Acad.")),
    ("School", ("Sch", "Sch.", "")),
    ("St ", ("St. ", "Saint ")),
    ("'s", ("s", "")),
    (" and ", (" & ",)),
    (", A Voluntary Academy", ("", " VA")),
    ("Hospital", ("Hosp",)),
    ("Medical Centre", ("Med Centre", "Medical Ctr", "Surgery")),
    ("Health Centre", ("HC", "Health Ctr")),
    ("Safer Neighbourhood Team", ("SNT", "Safer Neighbourhood")),
    ("Children and Families Centre", ("Children's Centre", "CFC")),
    ("Warwickshire", ("Warks", "Warwicks")),
)

CIN_DESCRIPTIONS = {
    "1A": "Individual - family member/relative/carer",
    "1B": "Individual - acquaintance",
    "1C": "Individual - self",
    "1D": "Individual - other",
    "2A": "Schools",
    "2B": "Education services",
    "3A": "Health services - GP",
    "3B": "Health services - health visitor",
    "3C": "Health services - school nurse",
    "3D": "Health services - other primary health services",
    "3E": "Health services - A&E",
    "3F": "Health services - other",
    "4": "Housing",
    "5A": "LA services - social care",
    "5B": "LA services - other internal",
    "5C": "LA services - external",
    "5D": "LA services - early help",
    "6": "Police",
    "7": "Other legal agency",
    "8": "Other",
    "9": "Anonymous",
    "10": "Unknown",
}

TYPE_WORDS = {
    "1A": ("Family Member", "Family", "Relative", "Parent", "Parent/Carer", "Carer"),
    "1B": ("Acquaintance", "Neighbour", "Friend"),
    "1C": ("Self", "Self Referral", "Child"),
    "1D": ("Individual", "Member of Public", "Member of the Public", "Public"),
    "2A": ("School", "Schools", "Education - School"),
    "2B": ("Education Services", "Education Service", "Education"),
    "3A": ("Health - GP", "GP", "General Practitioner"),
    "3B": ("Health Visitor", "Health - Health Visitor"),
    "3C": ("School Nurse", "Health - School Nurse"),
    "3D": ("Midwife", "Midwifery", "Health - Primary Care"),
    "3E": ("A&E", "Accident and Emergency", "Health - A&E"),
    "3F": ("Hospital", "Health - Hospital", "Health", "Health - Other", "Health Services"),
    "4": ("Housing", "Housing Association"),
    "5A": ("Social Care", "Adult Social Care", "Adult Services"),
    "5B": ("LA Services", "LA Internal"),
    "5C": ("Other Local Authority", "Other LA", "External LA", "Another Local Authority"),
    "5D": ("Early Help", "Family Support"),
    "6": ("Police",),
    "7": ("Legal", "Other Legal Agency"),
    "8": ("Voluntary Organisation", "Voluntary Sector", "Voluntary", "Charity", "VCS", "Other"),
    "9": ("Anonymous", "Anon"),
    "10": ("Unknown", "Not Known", "Not Recorded"),
}

# Words that suit an agency better than its code's generic ones: (code, name pattern, words).
AGENCY_TYPE_WORDS = (
    ("2B", "Attendance|Welfare", ("Education Welfare",)),
    ("2B", "College", ("College", "Further Education")),
    ("2B", "Nursery|Pre-School|Early Years", ("Early Years", "Nursery")),
    ("3F", "CAMHS", ("CAMHS",)),
    ("3F", "Mental Health", ("Mental Health",)),
    ("4", "Council Housing|Citizen Housing", ("Housing", "LA Housing")),
    ("4", ".", ("Housing Association", "Housing")),
    ("5B", "Youth", ("Youth Service",)),
    ("5D", "Children and Families Centre", ("Children's Centre",)),
    ("7", "Probation|Rehabilitation", ("Probation",)),
    ("7", "CAFCASS", ("CAFCASS",)),
    ("7", "Court|Justice Centre", ("Court", "Courts")),
    ("7", "HMP", ("Prison",)),
    ("7", "Immigration", ("Immigration",)),
    ("8", "Churches", ("Faith Group",)),
    ("6", "^Warwickshire Police", ("Police", "Warwickshire Police")),
)

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

METHODS = {
    ("phone", "old"): Weighted(
        ("Telephone", "Phone", "Tel", "telephone", "Telephone Call", "Phone Call", "Call"),
        (0.5, 0.2, 0.1, 0.1, 0.05, 0.03, 0.02),
    ),
    ("phone", "new"): Weighted(("Telephone", "Phone", "Telephone Call"), (0.85, 0.1, 0.05)),
    ("email", "old"): Weighted(
        ("Email", "E-mail", "email", "Secure Email", "Egress", "EMAIL"),
        (0.45, 0.2, 0.1, 0.15, 0.05, 0.05),
    ),
    ("email", "new"): Weighted(("Email", "Secure Email", "E-mail"), (0.8, 0.15, 0.05)),
}
OTHER_METHODS = {
    "school": ("Online Form", "Referral Form", "Letter", "In Person", "Portal"),
    "police": ("Portal", "Online Form", "Fax", "Other"),
    "health": ("Referral Form", "Fax", "Letter", "Online Form", "Post"),
    "individual": ("In Person", "Letter", "Online Form", "Face to Face", "Visit", "Text"),
    "agency": ("Online Form", "Letter", "Other", "Web Form", "Portal", "Referral Form"),
}

REFERRAL_OUTCOMES = Weighted(
    (
        "Referral to CSC - Single Assessment",
        "Single Assessment",
        "Strategy Discussion",
        "Referral to CSC",
    ),
    (0.7, 0.15, 0.08, 0.07),
)
CONTACT_OUTCOMES = Weighted(
    (
        "NFA",
        "No Further Action",
        "Information and Advice",
        "Information/Advice",
        "Advice and Information",
        "Signposting",
        "Consultation",
        "Step down to Early Help",
        "Early Help",
        "Referral to Early Help",
        "Already Open Case",
        "Open Case",
        "Passed to Allocated Worker",
        "Information and Signposting",
    ),
    (0.24, 0.05, 0.2, 0.03, 0.03, 0.05, 0.08, 0.12, 0.03, 0.02, 0.08, 0.01, 0.03, 0.03),
)
TRANSFER_OUTCOMES = ("Transfer to other LA", "Transfer to other Local Authority")

ETHNICITIES = Weighted(
    ("WBRI", "White British", "White - British", "WOTH", "White Other", "WIRI", "MWBC",
     "Mixed White and Black Caribbean", "MWAS", "MOTH", "AIND", "Asian Indian", "APKN", "BAFR",
     "BCRB", "CHNE", "OOTH", "NOBT", "REFU", ""),
    (0.35, 0.12, 0.05, 0.06, 0.03, 0.01, 0.04, 0.02, 0.02, 0.03, 0.04, 0.02, 0.02, 0.02, 0.02,
     0.01, 0.01, 0.05, 0.02, 0.06),
)  # fmt: skip
LANGUAGES = Weighted(
    (
        "English",
        "ENG",
        "Polish",
        "Punjabi",
        "Urdu",
        "Romanian",
        "Gujarati",
        "Arabic",
        "Bengali",
        "",
    ),
    (0.62, 0.1, 0.04, 0.03, 0.02, 0.02, 0.02, 0.01, 0.01, 0.13),
)
DISABILITIES = Weighted(("N", "Y", "Unknown", "No", "Yes", ""), (0.55, 0.06, 0.1, 0.15, 0.02, 0.12))
TEAMS = {
    "old": Weighted(
        ("MASH", "MASH Team 1", "MASH Team 2", "MASH Police", "MASH Health"),
        (0.4, 0.2, 0.2, 0.12, 0.08),
    ),
    "new": Weighted(
        (
            "MASH Team 1",
            "MASH Team 2",
            "MASH Police",
            "MASH Health",
            "Early Help Triage",
            "MASH Business Support",
        ),
        (0.3, 0.3, 0.12, 0.08, 0.15, 0.05),
    ),
}


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
    for code, pattern, words in AGENCY_TYPE_WORDS:
        if code == cin_code and re.search(pattern, agency_name):
            return words
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
