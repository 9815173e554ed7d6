"""Speed of referrer-name matching: ~20k distinct names against ~600 schools.

Run: ``.venv/bin/python benchmarks/matching_benchmark.py [--names 20000] [--schools 600]``.
The register and the names are invented here (random place names, the usual kinds of
school, typed the way referrers type: misspelt, abbreviated, with people and roles around
them), so the figures also show how often the matcher picks the right school.
"""

import argparse
import random
import time

import pandas as pd

from dagster_project.matching import MatchConfig, resolve_names

KINDS = [
    "Primary School",
    "Infant School",
    "Junior School",
    "CofE Primary School",
    "Catholic Primary School",
    "Primary Academy",
    "Academy",
    "School",
    "High School",
    "Church of England Academy",
]
SAINTS = ["St Mary's", "St John's", "St Peter's", "St Joseph's", "St Andrew's", "All Saints"]
PEOPLE = ["Mrs J Smith (DSL) - {}", "DSL {}", "{} - Head Teacher", "Ms A Khan, {}", "{}"]
ABBREVIATIONS = {
    "Primary": "Prim",
    "School": "Sch",
    "CofE": "C of E",
    "Catholic": "RC",
    "Infant": "Inf",
    "Junior": "Jnr",
    "Academy": "Acad",
}
SYLLABLES = "ab ber bing ley ton ham wick ford bury stone more dale field oak ash well brook"


def place_names(count: int, rng: random.Random) -> list[str]:
    syllables = SYLLABLES.split()
    places: set[str] = set()
    while len(places) < count:
        places.add("".join(rng.sample(syllables, rng.choice((2, 3)))).title())
    return sorted(places)


def school_register(count: int, rng: random.Random) -> pd.DataFrame:
    """Schools named after places and saints, several kinds of school at one place."""
    names: set[str] = set()
    places = place_names(count, rng)
    while len(names) < count:
        stem = rng.choice(SAINTS) if rng.random() < 0.15 else rng.choice(places)
        names.add(f"{stem} {rng.choice(KINDS)}")
    return pd.DataFrame({"urn": range(100000, 100000 + count), "school_name": sorted(names)})


def typed_as_referrers_do(name: str, rng: random.Random) -> str:
    words = name.split()
    words = [
        ABBREVIATIONS.get(word, word) if rng.random() < 0.3 else word
        for word in words
        if not (word in ("School", "Academy") and rng.random() < 0.3)
    ]
    text = " ".join(words)
    for _ in range(rng.choice((0, 0, 1, 1, 2))):
        position = rng.randrange(len(text))
        text = text[:position] + text[position + 1 :]
    return rng.choice(PEOPLE).format(text)


def referrer_names(schools: pd.DataFrame, count: int, rng: random.Random) -> pd.DataFrame:
    keys: dict[str, int] = {}
    while len(keys) < count:
        urn, name = schools.iloc[rng.randrange(len(schools))]
        keys.setdefault(" ".join(typed_as_referrers_do(name, rng).lower().split()), urn)
    return pd.DataFrame(
        {
            "referrer_name_key": list(keys),
            "agency_type": "Schools",
            "occurrences": 1,
            "first_seen_at": pd.Timestamp("2017-09-01"),
            "last_seen_at": pd.Timestamp("2018-08-31"),
            "true_urn": list(keys.values()),
        }
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--names", type=int, default=20_000)
    parser.add_argument("--schools", type=int, default=600)
    parser.add_argument("--seed", type=int, default=1)
    arguments = parser.parse_args()
    rng = random.Random(arguments.seed)
    schools = school_register(arguments.schools, rng)
    names = referrer_names(schools, arguments.names, rng)
    successors = pd.DataFrame({"urn": schools["urn"], "current_urn": schools["urn"]})
    agencies = pd.DataFrame(columns=["agency_id", "agency_name", "agency_type", "aliases"])
    override_columns = ["referrer_name_key", "agency_type", "agency_id", "school_urn"]
    overrides = pd.DataFrame(columns=override_columns)

    started = time.perf_counter()
    matches, review = resolve_names(names, schools, successors, agencies, overrides)
    seconds = time.perf_counter() - started

    started = time.perf_counter()
    resolve_names(names, schools, successors, agencies, overrides, previous_df=matches)
    rerun_seconds = time.perf_counter() - started

    scored = matches.merge(names[["referrer_name_key", "true_urn"]], on="referrer_name_key")
    accepted = scored[scored["school_urn"].notna()]
    correct = int((accepted["school_urn"] == accepted["true_urn"]).sum())
    config = MatchConfig()
    print(f"register: {len(schools)} schools; names: {len(names)} distinct")
    print(
        f"scorers {config.scorers}, accept >= {config.accept_score} "
        f"(margin {config.accept_margin}), review >= {config.review_score}"
    )
    print(f"first run: {seconds:.2f} s, {len(names) / seconds:,.0f} names/second")
    print(f"rerun, nothing new: {rerun_seconds:.2f} s")
    print(
        f"accepted {len(accepted)} ({len(accepted) / len(names):.1%}), "
        f"precision {correct / max(len(accepted), 1):.3f}, "
        f"in review {len(review)} ({len(review) / len(names):.1%})"
    )


if __name__ == "__main__":
    main()
