"""Resolving each distinct (referrer_name_key, agency_type) to an agency.

In order: an analyst's override; an exact match of the cleaned name (or the name as typed,
normalised) to one agency's register name or alias; a fuzzy match against the agencies of
the recorded agency type only. Fuzzy matches at or above the accept score, with a margin
over the runner-up agency, are used; those in the review band go to the review queue;
the rest stay unmatched. Matches stored by an earlier run are reused while the register,
the overrides and the thresholds are unchanged.
"""

import json
from datetime import datetime
from typing import NamedTuple

import pandas as pd

from dagster_project.matching.cleaning import clean_segments, normalise_name
from dagster_project.matching.config import MatchConfig
from dagster_project.matching.fingerprint import register_fingerprint
from dagster_project.matching.localities import only_one_located
from dagster_project.matching.overrides import resolve_overrides
from dagster_project.matching.registers import (
    Agency,
    CandidateRegister,
    build_registers,
    current_urns,
)
from dagster_project.matching.scoring import KEPT_CANDIDATES, TOP_CANDIDATES, score_names
from dagster_project.matching.vocabulary import in_register_words, misreads_a_register_word

NAME_KEY = ["referrer_name_key", "agency_type"]
DEFAULT_CONFIG = MatchConfig()
METHODS = ("override", "exact", "fuzzy", "unmatched")

MATCH_COLUMNS = {
    "referrer_name_key": "VARCHAR",
    "agency_type": "VARCHAR",
    "agency_id": "VARCHAR",
    "school_urn": "INTEGER",
    "match_method": "VARCHAR",
    "match_score": "DOUBLE",
    "runner_up_score": "DOUBLE",
    "matched_name": "VARCHAR",
    "in_review": "BOOLEAN",
    "register_fingerprint": "VARCHAR",
    "matched_at": "TIMESTAMP",
    "cleaned_name": "VARCHAR",
    "top_candidates": "VARCHAR",
}
_CANDIDATE_COLUMNS = {
    f"candidate_{rank}_{part}": kind
    for rank in range(1, TOP_CANDIDATES + 1)
    for part, kind in (("agency_id", "VARCHAR"), ("name", "VARCHAR"), ("score", "DOUBLE"))
}
REVIEW_COLUMNS = {
    "referrer_name_key": "VARCHAR",
    "cleaned_name": "VARCHAR",
    "agency_type": "VARCHAR",
    **_CANDIDATE_COLUMNS,
    "occurrences": "BIGINT",
    "first_seen_at": "TIMESTAMP",
    "last_seen_at": "TIMESTAMP",
    "queued_at": "TIMESTAMP",
}
_PANDAS_TYPES = {
    "VARCHAR": "string",
    "INTEGER": "Int64",
    "BIGINT": "Int64",
    "DOUBLE": "Float64",
    "BOOLEAN": "bool",
    "TIMESTAMP": "datetime64[us]",
}


def resolve_names(
    names_df: pd.DataFrame,
    schools_df: pd.DataFrame,
    successors_df: pd.DataFrame,
    agencies_df: pd.DataFrame,
    overrides_df: pd.DataFrame,
    previous_df: pd.DataFrame | None = None,
    config: MatchConfig = DEFAULT_CONFIG,
    matched_at: datetime | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Match every distinct referrer name; returns (matches, review queue).

    Inputs, by column (extra columns are ignored):
    names_df: referrer_name_key, agency_type, occurrences, first_seen_at, last_seen_at;
    schools_df: urn, school_name (open and closed schools), optionally town (GIAS Town);
    successors_df: urn, current_urn;
    agencies_df: agency_id, agency_name, agency_type, aliases (pipe-separated);
    overrides_df: referrer_name_key, agency_type, agency_id, school_urn;
    previous_df: the matches an earlier run returned, or None.
    """
    schools_df = schools_df[["urn", "school_name", *(["town"] if "town" in schools_df else [])]]
    successors_df = successors_df[["urn", "current_urn"]]
    agencies_df = agencies_df[["agency_id", "agency_name", "agency_type", "aliases"]]
    overrides_df = overrides_df[[*NAME_KEY, "agency_id", "school_urn"]]
    fingerprint = register_fingerprint(schools_df, successors_df, agencies_df, overrides_df, config)
    names_df = names_df.astype({column: "string" for column in NAME_KEY})
    names = names_df[NAME_KEY].drop_duplicates().reset_index(drop=True)

    reused = _reusable(previous_df, names, fingerprint)
    todo = names.merge(reused[NAME_KEY], how="left", on=NAME_KEY, indicator=True)
    todo = todo.loc[todo.pop("_merge") == "left_only"].reset_index(drop=True)
    fresh = pd.DataFrame(columns=list(MATCH_COLUMNS))
    if len(todo):
        registers = build_registers(schools_df, successors_df, agencies_df)
        overrides = resolve_overrides(overrides_df, registers, current_urns(successors_df))
        fresh = _match(todo, registers, overrides, config)
        fresh["register_fingerprint"] = fingerprint
        fresh["matched_at"] = pd.Timestamp(matched_at or datetime.now())
    frames = [frame for frame in (reused, _typed(fresh, MATCH_COLUMNS)) if len(frame)]
    matches = pd.concat(frames, ignore_index=True) if frames else fresh
    matches = _typed(matches, MATCH_COLUMNS).sort_values(NAME_KEY, ignore_index=True)
    return matches, review_queue(matches, names_df)


def review_queue(matches: pd.DataFrame, names_df: pd.DataFrame) -> pd.DataFrame:
    """Names awaiting a person's decision, their best candidates, most frequent first."""
    queued = matches.loc[matches["in_review"]]
    rows = []
    for match in queued.itertuples(index=False):
        row = {
            "referrer_name_key": match.referrer_name_key,
            "cleaned_name": match.cleaned_name,
            "agency_type": match.agency_type,
            "queued_at": match.matched_at,
        }
        for rank, candidate in enumerate(json.loads(match.top_candidates), start=1):
            for part in ("agency_id", "name", "score"):
                row[f"candidate_{rank}_{part}"] = candidate[part]
        rows.append(row)
    seen = ["occurrences", "first_seen_at", "last_seen_at"]
    queue = _typed(pd.DataFrame(rows), REVIEW_COLUMNS).drop(columns=seen)
    review = queue.merge(names_df[[*NAME_KEY, *seen]], how="left", on=NAME_KEY)
    return _typed(review, REVIEW_COLUMNS).sort_values(
        ["occurrences", *NAME_KEY], ascending=[False, True, True], ignore_index=True
    )


def _reusable(previous: pd.DataFrame | None, names: pd.DataFrame, fingerprint: str):
    if previous is None or previous.empty or not set(MATCH_COLUMNS) <= set(previous.columns):
        return pd.DataFrame(columns=list(MATCH_COLUMNS))
    same = previous.loc[previous["register_fingerprint"] == fingerprint, list(MATCH_COLUMNS)]
    return _typed(same.merge(names, on=NAME_KEY), MATCH_COLUMNS)


def _match(
    names: pd.DataFrame,
    registers: dict[str, CandidateRegister],
    overrides: dict[tuple[str, str], Agency | None],
    config: MatchConfig,
) -> pd.DataFrame:
    rows = []
    for agency_type, group in names.groupby("agency_type", sort=False):
        register = registers.get(agency_type, CandidateRegister())
        segments = {key: tuple(clean_segments(key)) for key in group["referrer_name_key"]}
        queries = sorted(set(segments.values()) - {()}) if register else []
        rewritten = in_register_words([list(q) for q in queries], register.words, config)
        scored = sorted(set(rewritten))
        scores = score_names(scored, register, config)
        query_of = dict(zip(queries, rewritten, strict=True))
        row_of = {text: row for row, text in enumerate(scored)}
        for key in group["referrer_name_key"]:
            cleaned = " ".join(segments[key])
            decision = {
                "referrer_name_key": key,
                "agency_type": agency_type,
                "cleaned_name": cleaned,
            }
            if (key, agency_type) in overrides:
                decision |= _override(overrides[(key, agency_type)])
            elif register:
                query = query_of.get(segments[key], "")
                row = row_of.get(query)
                fuzzy = scores.candidates(row) if row is not None else []
                best_name = scores.best_name[row] if fuzzy else None
                evidence = _Evidence(cleaned, query, fuzzy, best_name)
                decision |= _decide(key, evidence, register, config)
            else:
                decision |= _unmatched(register, [])
            rows.append(decision)
    return pd.DataFrame(rows)


class _Evidence(NamedTuple):
    cleaned: str
    #: the cleaned name in the register's words, as fuzzy-scored
    query: str
    fuzzy: list[tuple[int, float]]
    #: index into the register's names of the best-scoring name, if any scored
    best_name: int | None


def _decide(key: str, evidence: _Evidence, register: CandidateRegister, config: MatchConfig):
    """Exact when the name is one agency's register name or alias, else by fuzzy scores.

    A name that, misspellings corrected, is exactly one agency's name needs no margin over
    the runner-up: "The Castle Primary Sch" is The Castle Primary School even though Castle
    Primary School scores nearly as well. Where several agencies fit equally (same-named
    schools), the one the typed name places by its town or name qualifier is taken, if it
    places only one (``localities``); else the name is reviewed. A match that takes a register
    word for a misspelling of another is never accepted unseen.
    """
    fuzzy = evidence.fuzzy
    exact_hit = register.exactly(evidence.cleaned) or register.exactly(normalise_name(key))
    if exact_hit:
        exact_agencies, spelling = exact_hit
        ordered = sorted(exact_agencies)
        located = None
        if len(ordered) > 1:
            located, _ = _located(evidence.cleaned, ordered, register, config)
            ordered = sorted(ordered, key=lambda agency: agency != located)
        candidates = [(agency, 100.0) for agency in ordered]
        candidates += [(agency, score) for agency, score in fuzzy if agency not in exact_agencies]
        if len(ordered) == 1 or located is not None:
            return _matched("exact", register, candidates, spelling)
        return _unmatched(register, candidates, in_review=True)
    if not fuzzy or fuzzy[0][1] < config.review_score:
        return _unmatched(register, fuzzy)
    chosen, spelling = _fuzzy_choice(evidence, register, config)
    if chosen is None:
        return _unmatched(register, fuzzy, in_review=True)
    ordered = sorted(fuzzy, key=lambda candidate: candidate[0] != chosen)
    return _matched("fuzzy", register, ordered, spelling)


def _fuzzy_choice(
    evidence: _Evidence, register: CandidateRegister, config: MatchConfig
) -> tuple[int | None, str]:
    """The agency a fuzzy match may be accepted for, with its name as matched, or None.

    The candidates within ``accept_margin`` of the best contend. One the typed name places
    (by town or name qualifier) wins, unless it places several; failing that, one whose
    register name the cleaned name spells out (``_spelled_out``), or a lone contender.
    """
    fuzzy = evidence.fuzzy
    best_score = fuzzy[0][1]
    contenders = [
        agency
        for rank, (agency, score) in enumerate(fuzzy)
        if rank == 0 or best_score - score < config.accept_margin
    ]
    if len(contenders) >= KEPT_CANDIDATES:
        return None, ""
    located, placed = (None, 0)
    if len(contenders) > 1:
        located, placed = _located(evidence.cleaned, contenders, register, config)
    spelled = _spelled_out(evidence.query, register, contenders)
    if located is not None:
        chosen = located
        spelling = register.agencies[chosen].name
        best_name = normalise_name(spelling)
    elif placed:
        return None, ""
    elif spelled and len(spelled[0]) == 1:
        [chosen] = spelled[0]
        spelling = best_name = spelled[1]
    elif len(contenders) == 1:
        chosen, best_name = contenders[0], register.names[evidence.best_name]
        spelling = register.spellings[evidence.best_name]
    else:
        return None, ""
    score = dict(fuzzy).get(chosen, 0.0)
    misread = misreads_a_register_word(
        evidence.query, normalise_name(best_name), register.words, config.word_score
    )
    return (chosen, spelling) if score >= config.accept_score and not misread else (None, "")


def _spelled_out(
    query: str, register: CandidateRegister, contenders: list[int]
) -> tuple[frozenset[int], str] | None:
    """The agencies whose register name the query is. "School" at its end is often left out
    ("St Edward's Catholic Primary"): the query with it added counts where it is one agency's
    own name and every other contender fits only by its name before a comma."""
    spelled = register.exactly(query) if query else None
    if spelled or not query or query.endswith(" school"):
        return spelled
    with_school = f"{query} school"
    own = register.exact.get(with_school)
    before_comma = register.derived_exact.get(with_school, (frozenset(), ""))[0]
    if own and len(own[0]) == 1 and set(contenders) - own[0] <= before_comma:
        return own
    return None


def _located(
    typed: str, agencies: list[int], register: CandidateRegister, config: MatchConfig
) -> tuple[int | None, int]:
    described = (
        (agency, register.agencies[agency].localities, register.agencies[agency].name_words)
        for agency in agencies
    )
    return only_one_located(typed, described, config.word_score)


def _matched(method: str, register: CandidateRegister, candidates: list, spelling: str) -> dict:
    agency = register.agencies[candidates[0][0]]
    return {
        "agency_id": agency.agency_id,
        "school_urn": agency.school_urn,
        "match_method": method,
        **_scored(register, candidates),
        "matched_name": spelling,
        "in_review": False,
    }


def _override(agency: Agency | None) -> dict:
    return {
        "agency_id": agency.agency_id if agency else None,
        "school_urn": agency.school_urn if agency else None,
        "match_method": "override",
        "match_score": None,
        "runner_up_score": None,
        "matched_name": agency.name if agency else None,
        "in_review": False,
        "top_candidates": "[]",
    }


def _unmatched(register: CandidateRegister, candidates: list, in_review: bool = False) -> dict:
    return {
        "agency_id": None,
        "school_urn": None,
        "match_method": "unmatched",
        **_scored(register, candidates),
        "matched_name": None,
        "in_review": in_review,
    }


def _scored(register: CandidateRegister, candidates: list[tuple[int, float]]) -> dict:
    """Best and runner-up scores, and the top candidates as JSON for the review queue."""
    described = [
        {
            "agency_id": register.agencies[agency].agency_id,
            "name": register.agencies[agency].name,
            "score": score,
        }
        for agency, score in candidates[:TOP_CANDIDATES]
    ]
    return {
        "match_score": candidates[0][1] if candidates else None,
        "runner_up_score": candidates[1][1] if len(candidates) > 1 else None,
        "top_candidates": json.dumps(described),
    }


def _typed(frame: pd.DataFrame, columns: dict[str, str]) -> pd.DataFrame:
    """The frame with exactly ``columns``, in order, as pandas dtypes of their SQL types."""
    frame = frame.reindex(columns=list(columns))
    return frame.astype({name: _PANDAS_TYPES[kind] for name, kind in columns.items()})
